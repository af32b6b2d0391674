"""Lowering of loops into `ir.Loop` items: `for` over ranges, sequences, `zip`,
`enumerate` and `reversed` (every `for` becomes a range loop, so the reverse sweep runs
over the same indices backwards), and `while` with a trip counter. Names the body
assigns that are read before their assignment or after the loop are loop-carried: a
header version per name, copied from the value before the loop and assigned again at
the end of each iteration.
"""
import ast
import inspect

from . import ir, rules
from .errors import TranslationError
from .lower_conditions import FALSE, same
from .lower_effects import is_effect_call
from .lower_iteration import IterationLowering
from .lower_values import contains_function, is_structure, unflatten_state
from .dependencies import is_library
from .walk import all_nodes


class LoopLowering(IterationLowering):
    """The loop part of `control.StructuredLowerer` (what a `for` runs over:
    lower_iteration.py)."""

    def for_statement(self, node):
        if node.orelse:
            raise self.error("'for ... else' is not supported", node.orelse[0])
        bounds, target_name, bind_targets = self.iteration(node)
        loop = ir.Loop("for", [], target=None, bounds=bounds, loc=self.parsed.loc(node))
        index = self.new_version(target_name) if target_name else self.new_version_temp("i")
        if target_name and _may_run_zero_times(bounds):
            # After zero iterations Python leaves the name as it was; a phi may copy it.
            before = self.current.get(target_name, ast.Constant(None))
            self.emit(index, rules.rule_for_operator("copy", None), {"x": before}, node,
                      call_args=[before])

        def begin():
            loop.target = index
            if target_name:
                self.current[target_name] = ast.Name(index, ast.Load())
            bind_targets(ast.Name(index, ast.Load()))

        # Targets bound from an element (`for j in reversed(range(i))`, `for a, b in
        # zip(...)`) are assigned by every iteration as the body's names are: carried
        # when read after the loop, which may run zero times.
        bound = set() if target_name else _stored_names([node.target])
        self.loop(node, loop, begin, body=node.body, extra_assigned={target_name},
                  bound=bound)

    def while_statement(self, node):
        if node.orelse:
            raise self.error("'while ... else' is not supported", node.orelse[0])
        loop = ir.Loop("while", [], cond_body=[], loc=self.parsed.loc(node))

        def begin():
            outer, self.body = self.body, loop.cond_body
            loop.cond = self.expr(node.test)
            self.body = outer

        self.loop(node, loop, begin, body=node.body, extra_assigned=set())

    def loop(self, node, loop, begin, body, extra_assigned, bound=frozenset()):
        """Lower a loop whose iteration starts with `begin()` and runs `body`. Names the
        body assigns that are read before their assignment or after the loop are
        loop-carried: a header version per name, copied from the value before the loop
        and assigned again at the end of each iteration."""
        assigned = (_stored_names(body) | bound) - extra_assigned
        outside = _loads(self.parsed.node, exclude=node)
        carried = sorted(assigned & (outside | _exposed(body, set())))
        if _has(body, ast.Return):
            carried += ["#ret", "#rv"] + (["#aux"] if "#aux" in self.current else [])
        if self.may_have_effects(body):
            carried.append("#chk")
        for name in carried:
            if contains_function(self.current.get(name)):
                raise self.error(f"'{name.lstrip('#')}' holds a function that this loop "
                                 "assigns again; call each function where it is chosen "
                                 "instead", node)
        # A tuple, NamedTuple or dict carried from one iteration to the next is carried
        # element by element ('state#0', 'state#1', ...), rebuilt around the body.
        carried, structured = self.carry_elements(carried)
        # Names the body assigns but nothing reads after the loop (not carried) keep
        # their version from before it afterwards: after zero iterations Python leaves
        # them unbound or as they were, and a join must never copy the body's version.
        local_only = {name: self.current.get(name) for name in assigned
                      if name not in carried and name not in structured}
        headers = {}
        for name in carried:
            # A value first assigned in the loop starts as None, as a phi may copy it
            # before the iteration that assigns it (Python would never read it).
            operand = self.current.get(name, ast.Constant(None))
            header = self.new_version(name)
            if operand is not None:
                self.emit(header, rules.rule_for_operator("copy", None), {"x": operand}, node,
                          call_args=[operand])
                if self.is_fresh(operand):
                    self.fresh_arrays.add(header)
                    if operand.id in self.fresh_lists:
                        self.fresh_lists.add(header)
            self.current[name] = ast.Name(header, ast.Load())
            headers[name] = header
        self.rebuild_carried(structured)
        outer_body = self.body
        outer_flags = {f: self.current.get(f) for f in ("#brk", "#cnt")}
        self.body = loop.body
        self.loop_depth += 1
        self.current["#brk"], self.current["#cnt"] = FALSE, FALSE
        begin()
        before_token = self.current.get("#chk")
        self.block(body)
        self.split_carried(structured, node)
        self.loop_depth -= 1
        if "#chk" not in carried and self.current.get("#chk") is not before_token:
            raise self.error("a print, logging call or assert inside a function called in "
                             "this loop is not supported; call it outside the loop", node)
        for name in carried:
            last = self.current.get(name)
            if last is None or same(last, ast.Name(headers[name], ast.Load())):
                continue
            if isinstance(last, ast.Name) and last.id in headers.values():
                raise self.error("a loop that swaps loop-carried values directly is not "
                                 "supported yet", node)
            loop.carried.append((headers[name], last))
        brk = self.current["#brk"]
        loop.exit_flag = None if isinstance(brk, ast.Constant) and not brk.value else brk
        if loop.exit_flag is not None or loop.kind == "while":
            loop.counter = self.new_version_temp("trips")
        self.body = outer_body
        for name, header in headers.items():
            self.current[name] = ast.Name(header, ast.Load())
        self.rebuild_carried(structured)
        for name, before in local_only.items():
            if before is None:
                self.current.pop(name, None)
            else:
                self.current[name] = before
        for flag, value in outer_flags.items():
            if value is None:
                self.current.pop(flag, None)
            else:
                self.current[flag] = value
        if self.note_prefix:
            loop.inlined = self.note_prefix
        self.body.append(loop)

    def carry_elements(self, carried):
        """(carried names with each structure replaced by its elements' keys, the
        structures: {name: (their element keys and shapes)}). The elements are put in
        `self.current` under their keys."""
        out, structured = [], {}
        for name in carried:
            value = self.current.get(name)
            if not is_structure(value):
                out.append(name)
                continue
            flat, shapes = self.flatten_state({name: value})
            structured[name] = (list(flat), shapes)
            self.current.update(flat)
            out.extend(flat)
        return out, structured

    def rebuild_carried(self, structured):
        """Bind each structure to its elements' current versions, and forget the
        element keys: inside the body a join flattens the structure under the same
        keys (lower_values.flatten_state), so they must not be there twice."""
        for name, (keys, shapes) in structured.items():
            flat = {k: self.current.get(k) for k in keys}
            self.current[name] = unflatten_state(flat, shapes)[name]
            for k in keys:
                self.current.pop(k, None)

    def split_carried(self, structured, node):
        """At the end of the body: each carried structure's elements, by key, which
        must have the structure it had before the loop."""
        for name, (keys, shapes) in structured.items():
            flat, now = self.flatten_state({name: self.current.get(name)})
            if set(flat) != set(keys) or set(now) != set(shapes) or not all(
                    now[k].elements_match(s) for k, s in shapes.items()):
                raise self.error(f"'{name.lstrip('#')}' is a tuple, NamedTuple or dict "
                                 "that this loop makes with another structure (other "
                                 "elements, or not a container) than it has before the "
                                 "loop; keep its structure in every iteration", node)
            self.current.update(flat)

    def may_have_effects(self, body):
        """Could this loop body print, log or assert (itself or in a function it calls)?"""
        for n in (n for s in body for n in all_nodes(s)):
            if isinstance(n, ast.Assert):
                return True
            if isinstance(n, ast.Call):
                func = n.func
                if isinstance(func, ast.Name) and func.id in self.assigned:
                    return True         # a nested function, or one passed in
                if not self.is_external(func):
                    continue
                try:
                    fn = self.resolve(func)
                except TranslationError:
                    continue
                if is_effect_call(fn) or (inspect.isfunction(fn) and not is_library(fn)
                                          and rules.rule_for_call(fn) is None):
                    return True
        return False

    def new_version_temp(self, base):
        name = self.names.fresh(self.prefix + base)
        self.locals.add(name)
        return name

    def callee_object(self, node):
        if (isinstance(node, ast.Call) and self.is_external(node.func)
                and not (isinstance(node.func, ast.Attribute) and self._is_array_method(node.func))):
            try:
                return self.resolve(node.func)
            except TranslationError:
                return None
        return None


def _stored_names(statements):
    names = set()
    for statement in statements:
        for node in all_nodes(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names

def _has(statements, kind):
    return any(isinstance(n, kind) for s in statements for n in all_nodes(s))

def _loads(tree, exclude):
    """Names read anywhere in `tree` outside the subtree `exclude`."""
    names, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if node is exclude:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names

def _exposed(statements, defined):
    """Names that may be read before this code assigns them (an approximation that
    errs towards 'exposed', which only costs a copy)."""
    out = set()
    for s in statements:
        if isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            out |= _loads(s.value, None) - defined
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
                out |= {s.target.id} - defined
            for t in targets:
                out |= {n.id for n in all_nodes(t) if isinstance(n, ast.Name)
                        and isinstance(n.ctx, ast.Load)} - defined
                defined |= {n.id for n in all_nodes(t) if isinstance(n, ast.Name)
                            and isinstance(n.ctx, ast.Store)}
        elif isinstance(s, ast.If):
            out |= _loads(s.test, None) - defined
            out |= _exposed(s.body, set(defined)) | _exposed(s.orelse, set(defined))
        elif isinstance(s, (ast.For, ast.While)):
            head = s.iter if isinstance(s, ast.For) else s.test
            out |= _loads(head, None) - defined
            inner = set(defined)
            if isinstance(s, ast.For):
                inner |= {n.id for n in all_nodes(s.target) if isinstance(n, ast.Name)}
            out |= _exposed(s.body, inner)
        else:
            out |= _loads(s, None) - defined
    return out

def _may_run_zero_times(bounds):
    values = [b.value for b in bounds if isinstance(b, ast.Constant)]
    if len(values) != len(bounds) or not all(type(v) is int for v in values):
        return True
    return len(range(*values)) == 0

