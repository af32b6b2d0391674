"""Lowering of control flow, containers and calls into the structured trace.

`StructuredLowerer` extends the straight-line lowering of trace.py with `if`/`elif`/
`else`, conditional expressions, `and`/`or`, chained comparisons, `for` (over ranges,
sequences, `zip`, `enumerate`, `reversed`), `while`, `break`, `continue`, `return`
anywhere, element writes into arrays the function creates, local lists, and calls
to user functions (inlined, see inline.py).

Versions. `self.current` maps each user name to the operand holding its value now (a
version name, or a constant). Besides user names it tracks pseudo-variables:

    '#brk'  the innermost loop's body asked to break       (per iteration)
    '#cnt'  ... asked to continue                            (per iteration)
    '#ret'  the function returned                            (per call)
    '#rv'   the value returned
    '#aux'  with has_aux, the auxiliary value returned beside it
    '#val'  the value of a conditional expression

Exits are compile-time state while they are certain (a constant True/False) and
become flag variables only where paths disagree; the code after an `if` whose one
branch surely exits is lowered into the other branch, so the common
`if c: return a` / `return b` needs no flag at all.
"""
import ast
import builtins

from . import ir, rules
from .errors import TranslationError
from .rules import control_rules as cr
from .trace import Stmt, Trace, _Lowerer, _is_docstring

TRUE, FALSE = ast.Constant(True), ast.Constant(False)
_OP_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
               ast.MatMult: "@", ast.Mod: "%", ast.FloorDiv: "//"}
_EXITS = ("#brk", "#cnt", "#ret")
_PSEUDO_BASE = {"#brk": "broke", "#cnt": "skip", "#ret": "returned", "#rv": "result",
                "#aux": "aux", "#val": None}
NO, MAYBE, YES = "no", "maybe", "yes"


def lower_structured(parsed, has_aux=False):
    return StructuredLowerer(parsed, has_aux).run()


class StructuredLowerer(_Lowerer):
    def __init__(self, parsed, has_aux=False):
        super().__init__(parsed)
        self.has_aux = has_aux          # the function returns (output, auxiliary data)
        self.current = {p: ast.Name(p, ast.Load()) for p in self.params}
        self.current["#ret"] = FALSE
        self.current["#rv"] = ast.Constant(None)    # what a phi copies on paths without return
        if has_aux:
            self.current["#aux"] = ast.Constant(None)
        self.loop_depth = 0
        self.prefix = ""                # callee prefix while inlining: 'helper_'
        self.fresh_arrays = set()       # version names of arrays this function created
        self.fresh_lists = set()        # ... of those, the Python lists
        self.allocated = set()          # results of arithmetic: new arrays when arrays
        self.inlining = []              # the user functions being inlined (recursion check)
        self.extra_namespace = {}       # externals of inlined callees under their new names
        self.note_prefix = None         # note for statements of an inlined callee

    def run(self):
        statements = list(self.parsed.node.body)
        if statements and _is_docstring(statements[0]):
            statements = statements[1:]
        self.block(statements)
        if self.current["#ret"] is not TRUE:
            last = statements[-1] if statements else self.parsed.node
            raise self.error("a differentiated function must end with 'return <value>' "
                             "on every path", last)
        result = self.current["#rv"]
        trace = Trace(self.parsed, self.params, self.body, result,
                      self.parsed.loc(self.result_node), self.locals, self.names.taken,
                      self.temps)
        trace.extra_namespace = self.extra_namespace
        trace.aux = self.current.get("#aux")
        return trace

    # -- versions ----------------------------------------------------------------------

    def name(self, node):
        if node.id in self.assigned:
            operand = self.current.get(node.id)
            if operand is None:
                raise self.error(f"local variable '{node.id}' is used before it is "
                                 "assigned", node)
            return _copy(operand)
        self.resolve(node)
        return ast.Name(node.id, ast.Load())

    def new_version(self, user_name):
        base = _PSEUDO_BASE.get(user_name, user_name)
        if base is None:
            self.temp_count += 1
            base = f"{self.temp_prefix}{self.temp_count}"
            name = self.names.fresh(base)
            self.temps.add(name)
        else:
            base = self.prefix + base
            if base in self.locals or base in self.names.taken and base != user_name:
                name = self.names.fresh(base)
            else:
                name = base
                self.names.taken.add(name)
        self.locals.add(name)
        return name

    def assign(self, target, value):
        if isinstance(target, ast.Name):
            name = self.new_version(target.id)
            operand = self.expr(value, target=name)
            self.current[target.id] = ast.Name(name, ast.Load())
            if self.is_fresh(operand):
                self.fresh_arrays.add(name)
                if operand.id in self.fresh_lists:
                    self.fresh_lists.add(name)
            elif isinstance(operand, ast.Name) and operand.id in self.allocated:
                self.allocated.add(name)
        elif isinstance(target, ast.Subscript):
            self.setitem(target, value)
        else:
            super().assign(target, value)
            for t in target.elts:       # the base class records plain names
                if isinstance(self.current.get(t.id), str):
                    self.current[t.id] = ast.Name(self.current[t.id], ast.Load())

    def emit(self, target, rule, args, node, **spelling):
        result = super().emit(target, rule, args, node, **spelling)
        stmt = self.body[-1]
        if self.note_prefix:
            stmt.inlined = self.note_prefix
        if id(rule) in cr.FRESH:
            self.fresh_arrays.add(stmt.target)
        elif _allocates(rule):
            self.allocated.add(stmt.target)
        if rule is cr.MAKE_LIST:
            self.fresh_lists.add(stmt.target)
        return result

    def is_fresh(self, operand):
        return isinstance(operand, ast.Name) and operand.id in self.fresh_arrays

    # -- blocks and exits ----------------------------------------------------------------

    def block(self, statements):
        for i, node in enumerate(statements):
            rest = statements[i + 1:]
            if isinstance(node, ast.If):
                self.if_statement(node, rest)
                return
            self.statement(node)
            state = self.exit_state()
            if state == YES:
                if rest:
                    what = {ast.Return: "return", ast.Break: "break",
                            ast.Continue: "continue"}.get(type(node), "this statement")
                    raise self.error(f"code after '{what}' never runs; remove it", rest[0])
                return
            if state == MAYBE and rest:
                self.guarded(rest, node)
                return

    def exit_state(self, current=None):
        current = self.current if current is None else current
        flags = [current.get(f, FALSE) for f in _EXITS]
        if any(f is TRUE for f in flags):
            return YES
        if any(not isinstance(f, ast.Constant) for f in flags):
            return MAYBE
        return NO

    def guarded(self, rest, node):
        """Lower `rest` so that it runs only if no exit flag is set, one flag at a time
        (in the branch where a flag is true, it is known to be true)."""
        flag = next(f for f in _EXITS
                    if not isinstance(self.current.get(f, FALSE), ast.Constant))

        def exited():
            self.current[flag] = TRUE
            if flag == "#ret" and self.loop_depth:
                self.current["#brk"] = TRUE

        def continues():
            self.current[flag] = FALSE
            if self.exit_state() == MAYBE:
                self.guarded(rest, node)
            else:
                self.block(rest)
        self.branches(self.current[flag], exited, continues, node)

    def branches(self, test, then, orelse, node):
        """Lower an if: `then`/`orelse` lower each branch. Returns the states."""
        before = dict(self.current)
        outer = self.body
        results = []
        for lower_branch in (then, orelse):
            self.body, self.current = [], dict(before)
            lower_branch()
            results.append((self.body, self.current))
        self.body = outer
        (body, after_then), (orelse_body, after_else) = results
        item = ir.If(test, body, orelse_body, [], self.parsed.loc(node))
        if self.note_prefix:
            item.inlined = self.note_prefix
        self.body.append(item)
        self.current = self.merge(item, before, after_then, after_else)
        return item

    def merge(self, item, before, a, b):
        """Join two branch states with phi copies where their versions differ."""
        merged = {}
        for key in list(a) + [k for k in b if k not in a]:
            x, y = a.get(key), b.get(key)
            if _same(x, y):
                merged[key] = x
                continue
            if x is None and y is None:
                continue
            target = self.new_version(key)
            item.phis.append((target, x, y))
            merged[key] = ast.Name(target, ast.Load())
            fresh = [v for v in (x, y) if v is not None]
            if all(self.is_fresh(v) for v in fresh):
                self.fresh_arrays.add(target)
                if all(v.id in self.fresh_lists for v in fresh):
                    self.fresh_lists.add(target)
        return merged

    # -- statements ----------------------------------------------------------------------

    def statement(self, node):
        if isinstance(node, ast.Return):
            if node.value is None:
                raise self.error("a differentiated function must return a value", node)
            self.result_node = node
            value = node.value
            if self.has_aux and not self.inlining:
                if not (isinstance(value, ast.Tuple) and len(value.elts) == 2):
                    raise self.error("with has_aux=True the function must return a pair "
                                     "(output, auxiliary data)", node)
                self.current["#aux"] = self.expr(value.elts[1])
                value = value.elts[0]
            self.current["#rv"] = self.expr(value)
            self.current["#ret"] = TRUE
            if self.loop_depth:
                self.current["#brk"] = TRUE
        elif isinstance(node, (ast.Break, ast.Continue)):
            if not self.loop_depth:
                raise self.error(f"'{type(node).__name__.lower()}' outside a loop", node)
            self.current["#brk" if isinstance(node, ast.Break) else "#cnt"] = TRUE
        elif isinstance(node, ast.For):
            self.for_statement(node)
        elif isinstance(node, ast.While):
            self.while_statement(node)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            self.augmented_assignment(node)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Subscript):
            load = ast.Subscript(node.target.value, node.target.slice, ast.Load())
            value = ast.copy_location(ast.BinOp(ast.copy_location(load, node), node.op,
                                                node.value), node)
            self.setitem(node.target, value)
        elif isinstance(node, ast.Expr) and _is_append(node.value):
            self.append(node.value)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            raise self.error("a call whose result is not used has no effect on the "
                             "result; assign it or remove it", node)
        elif isinstance(node, ast.FunctionDef):
            raise self.error("nested function definitions inside a differentiated "
                             "function are not supported; define the helper outside", node)
        else:
            super().statement(node)

    def augmented_assignment(self, node):
        """`y += v` changes an array (or list) in place, so every name sharing it sees
        the change; on a number it rebinds y. An array the function created is written
        in place as `y[...] = y + v`; anything else is lowered as `y = y + v` with the
        statement marked in place, and aliasing.py refuses, once kinds are known, the
        cases where that would differ from Python (a shared array read afterwards, or an
        argument's array changed)."""
        user = node.target.id
        load = ast.copy_location(ast.Name(user, ast.Load()), node)
        value = ast.copy_location(ast.BinOp(load, node.op, node.value), node)
        current = self.current.get(user) if user in self.assigned else None
        if isinstance(current, ast.Name) and current.id in self.fresh_lists:
            raise self.error(f"'{user} {_OP_SYMBOLS.get(type(node.op), '?')}= ...' extends "
                             f"the list '{user}' in place, which s2s_ad does not follow; "
                             f"use {user}.append(...) for each element", node)
        if self.is_fresh(current):
            whole = ast.copy_location(ast.Subscript(ast.Name(user, ast.Store()),
                                                    ast.Constant(Ellipsis), ast.Store()), node)
            self.setitem(whole, value)
            return
        self.assign(node.target, value)
        stmt = self.body[-1] if self.body else None
        if isinstance(stmt, Stmt) and stmt.target == self.current[user].id \
                and stmt.rule.spelling == rules.BINOP:
            stmt.inplace = True

    def if_statement(self, node, rest):
        test = self.expr(node.test)
        branch_states = {}

        def lower(statements, which):
            def run():
                self.block(statements)
                branch_states[which] = self.exit_state()
                # Code after the if joins a branch that may continue when the other
                # surely leaves: no flag is needed for that if.
                if rest and branch_states[which] != YES and other_leaves[which]():
                    if branch_states[which] == NO:
                        self.block(rest)
                    else:
                        self.guarded(rest, node)
                    branch_states[which] = "took rest"
            return run

        other_leaves = {"then": lambda: _surely_leaves(node.orelse),
                        "else": lambda: _surely_leaves(node.body)}
        self.branches(test, lower(node.body, "then"), lower(node.orelse, "else"), node)
        if "took rest" in branch_states.values() or not rest:
            return
        state = self.exit_state()
        if state == YES:
            raise self.error("code after this 'if' never runs; remove it", rest[0])
        if state == MAYBE:
            self.guarded(rest, node)
        else:
            self.block(rest)

    # -- loops ---------------------------------------------------------------------------

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

        self.loop(node, loop, begin, body=node.body, extra_assigned={target_name})

    def while_statement(self, node):
        if node.orelse:
            raise self.error("'while ... else' is not supported", node.orelse[0])
        loop = ir.Loop("while", [], cond_body=[], loc=self.parsed.loc(node))

        def begin():
            outer, self.body = self.body, loop.cond_body
            loop.cond = self.expr(node.test)
            self.body = outer

        self.loop(node, loop, begin, body=node.body, extra_assigned=set())

    def loop(self, node, loop, begin, body, extra_assigned):
        """Lower a loop whose iteration starts with `begin()` and runs `body`. Names the
        body assigns that are read before their assignment or after the loop are
        loop-carried: a header version per name, copied from the value before the loop
        and assigned again at the end of each iteration."""
        assigned = _stored_names(body) - extra_assigned
        outside = _loads(self.parsed.node, exclude=node)
        carried = sorted(assigned & (outside | _exposed(body, set())))
        if _has(body, ast.Return):
            carried += ["#ret", "#rv"] + (["#aux"] if "#aux" in self.current else [])
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
        outer_body = self.body
        outer_flags = {f: self.current.get(f) for f in ("#brk", "#cnt")}
        self.body = loop.body
        self.loop_depth += 1
        self.current["#brk"], self.current["#cnt"] = FALSE, FALSE
        begin()
        self.block(body)
        self.loop_depth -= 1
        for name in carried:
            last = self.current.get(name)
            if last is None or _same(last, ast.Name(headers[name], ast.Load())):
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
        for flag, value in outer_flags.items():
            if value is None:
                self.current.pop(flag, None)
            else:
                self.current[flag] = value
        if self.note_prefix:
            loop.inlined = self.note_prefix
        self.body.append(loop)

    def new_version_temp(self, base):
        name = self.names.fresh(self.prefix + base)
        self.locals.add(name)
        return name

    def iteration(self, node):
        """What a `for` runs over, as range bounds, the user's index name (or None), and a
        function that binds the user's targets from the index inside the body."""
        target, it = node.target, node.iter
        fn = self.callee_object(it)
        if fn is builtins.range:
            if not isinstance(target, ast.Name):
                raise self.error("a range loop needs a single name as its target", target)
            bounds = [self.expr(a) for a in it.args]
            return bounds, target.id, lambda index: None
        if fn is builtins.reversed:
            inner = it.args[0]
            if self.callee_object(inner) is builtins.range:
                # The same indices backwards: loop over the range object range(...)[::-1]
                span = self.call_rule(builtins.range, [self.expr(a) for a in inner.args], it)
                seq = self.getitem(span, ast.Slice(None, None, ast.Constant(-1)), it)
                n = self.call_rule(builtins.len, [seq], it)
                return [n], None, lambda index: self.bind_target(target, seq, index)
            seq = self.expr(inner)
            n = self.call_rule(builtins.len, [seq], it)
            last = self.binop(ast.Sub, n, ast.Constant(1), it)
            bounds = [last, ast.Constant(-1), ast.Constant(-1)]
            return bounds, None, lambda index: self.bind_target(target, seq, index)
        if fn is builtins.enumerate:
            if not (isinstance(target, ast.Tuple) and len(target.elts) == 2):
                raise self.error("enumerate needs two targets: 'for i, v in enumerate(...)'",
                                 target)
            seq = self.expr(it.args[0])
            start = self.expr(it.args[1]) if len(it.args) > 1 else None
            n = self.call_rule(builtins.len, [seq], it)

            def bind(index):
                count = index if start is None else self.binop(ast.Add, index, start, it)
                self.bind_name(target.elts[0], count)
                self.bind_target(target.elts[1], seq, index)
            return [n], None, bind
        if fn is builtins.zip:
            if not (isinstance(target, ast.Tuple) and len(target.elts) == len(it.args)):
                raise self.error("zip needs one target per sequence", target)
            seqs = [self.expr(a) for a in it.args]
            n = self.call_rule(builtins.len, [seqs[0]], it)
            for seq in seqs[1:]:
                n = self.call_rule(builtins.min, [n, self.call_rule(builtins.len, [seq], it)], it)

            def bind(index):
                for t, seq in zip(target.elts, seqs):
                    self.bind_target(t, seq, index)
            return [n], None, bind
        if isinstance(it, ast.Call) and fn is not None:
            raise self.error(f"a for loop can run over range, zip, enumerate, reversed or "
                             f"a sequence, not over a call of {rules.describe(fn)}", it)
        seq = self.expr(it)
        n = self.call_rule(builtins.len, [seq], it)
        return [n], None, lambda index: self.bind_target(target, seq, index)

    def bind_target(self, target, seq, index):
        value = self.getitem(seq, index, target)
        self.bind_name(target, value)

    def bind_name(self, target, operand):
        if not isinstance(target, ast.Name):
            raise self.error("loop targets must be names", target)
        name = self.new_version(target.id)
        self.emit(name, rules.rule_for_operator("copy", None), {"x": operand}, target,
                  call_args=[operand])
        self.current[target.id] = ast.Name(name, ast.Load())

    def callee_object(self, node):
        if (isinstance(node, ast.Call) and self.is_external(node.func)
                and not (isinstance(node.func, ast.Attribute) and self._is_array_method(node.func))):
            try:
                return self.resolve(node.func)
            except TranslationError:
                return None
        return None

    # -- small emitters ------------------------------------------------------------------

    def call_rule(self, fn, operands, node):
        rule = rules.rule_for_call(fn)
        args = dict(zip(rule.params, operands))
        return self.emit(None, rule, args, node, call_args=operands,
                         callee=ast.Name(fn.__name__, ast.Load()))

    def binop(self, op, x, y, node):
        rule = rules.rule_for_operator(rules.BINOP, op)
        return self.emit(None, rule, {"x": x, "y": y}, node, call_args=[x, y])

    # -- expressions ---------------------------------------------------------------------

    def _expr(self, node, target):
        if isinstance(node, _RawOperand):
            return node.operand
        if isinstance(node, ast.Compare):
            return self.compare(node, target)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node, target)
        if isinstance(node, ast.IfExp):
            return self.conditional(node.test, node.body, node.orelse, node, target)
        if isinstance(node, ast.Subscript):
            joined = self.index_trick(node, target)
            if joined is not None:
                return joined
            return self.getitem(self.expr(node.value), self.index(node.slice), node, target)
        if isinstance(node, ast.Dict):
            if not all(isinstance(k, ast.Constant) for k in node.keys):
                raise self.error("only dicts with literal keys are supported", node)
            parts = [p for k, v in zip(node.keys, node.values) for p in (k, self.expr(v))]
            return self.emit(target, cr.MAKE_DICT, {f"a{k}": v for k, v in enumerate(parts)},
                             node, call_args=parts)
        if isinstance(node, ast.List):
            items = [self.expr(e) for e in node.elts]
            return self.emit(target, cr.MAKE_LIST, {f"i{k}": v for k, v in enumerate(items)},
                             node, call_args=items)
        if (isinstance(node, ast.Call) and self.is_external(node.func)
                and not (isinstance(node.func, ast.Attribute) and self._is_array_method(node.func))):
            fn = self.resolve(node.func)
            if rules.rule_for_call(fn) is None:
                from .inline import inline_call
                return inline_call(self, fn, node, target)
        return super()._expr(node, target)

    def compare(self, node, target):
        left = self.expr(node.left)
        ops, comparators = list(node.ops), list(node.comparators)
        rule = cr.COMPARISONS.get(type(ops[0]))
        if rule is None:
            raise self.error(f"the comparison '{type(ops[0]).__name__}' is not supported",
                             node)
        right = self.expr(comparators[0])
        if len(ops) == 1:
            return self.emit(target, rule, {"x": left, "y": right}, node,
                             call_args=[left, right])
        first = self.emit(None, rule, {"x": left, "y": right}, node, call_args=[left, right])
        rest = ast.copy_location(ast.Compare(_RawOperand(right), ops[1:], comparators[1:]),
                                 node)
        # a < b < c is `a < b and b < c` with b evaluated once.
        return self.short_circuit(first, rest, node, target, is_and=True)

    def boolop(self, node, target):
        value = self.expr(node.values[0])
        for k, operand in enumerate(node.values[1:], 1):
            last = k == len(node.values) - 1
            value = self.short_circuit(value, operand, node, target if last else None,
                                       is_and=isinstance(node.op, ast.And))
        return value

    def short_circuit(self, value, other, node, target, is_and):
        def keep():
            self.current["#val"] = value

        def evaluate():
            self.current["#val"] = self.expr(other)
        then, orelse = (evaluate, keep) if is_and else (keep, evaluate)
        return self.value_branches(value, then, orelse, node, target)

    def conditional(self, test, body, orelse, node, target):
        test = self.expr(test)

        def then():
            self.current["#val"] = self.expr(body)

        def other():
            self.current["#val"] = self.expr(orelse)
        return self.value_branches(test, then, other, node, target)

    def value_branches(self, test, then, orelse, node, target):
        saved = self.current.pop("#val", None)
        item = self.branches(test, then, orelse, node)
        value = self.current.pop("#val")
        if saved is not None:
            self.current["#val"] = saved
        if target is not None and item.phis and item.phis[-1][0] == getattr(value, "id", None):
            # Name the merged value after the assignment's target: y = a if c else b.
            old = item.phis[-1][0]
            item.phis[-1] = (target,) + item.phis[-1][1:]
            self.locals.discard(old)
            return ast.Name(target, ast.Load())
        return value

    # -- containers ----------------------------------------------------------------------

    def index(self, node):
        if isinstance(node, ast.List) and all(isinstance(e, ast.Constant) for e in node.elts):
            return node                 # x[[0, 0, 2]]: a literal index, fixed length
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.expr(p)
                     for p in (node.lower, node.upper, node.step)]
            return ast.Slice(*parts)
        if isinstance(node, ast.Tuple):
            return ast.Tuple([self.index(e) for e in node.elts], ast.Load())
        return self.expr(node)

    def index_trick(self, node, target):
        """np.r_[a, b] and np.c_[a, b]: indexing an object whose rule joins the pieces.
        Returns None for ordinary indexing."""
        if not self.is_external(node.value):
            return None
        rule = rules.rule_for_call(self.resolve(node.value))
        if rule is None or rule.spelling != rules.SUBSCRIPT:
            return None
        pieces = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for piece in pieces:
            if isinstance(piece, ast.Slice) or (isinstance(piece, ast.Constant)
                                                and isinstance(piece.value, str)):
                raise self.error(f"{rule.name}[...] with slices or string directives is not "
                                 "supported; join the arrays with np.concatenate", piece)
        operands = ast.Tuple([self.expr(piece) for piece in pieces], ast.Load())
        bound = {"arrays": operands}
        bound.update({f"arrays[{k}]": op for k, op in enumerate(operands.elts)})
        return self.emit(target, rule, bound, node, call_args=[node.value, operands])

    def getitem(self, base, index, node, target=None):
        if isinstance(base, _RawOperand):
            base = base.operand
        return self.emit(target, cr.GETITEM, {"x": base, "index": index}, node,
                         call_args=[base, index])

    def setitem(self, target, value):
        if not isinstance(target.value, ast.Name) or target.value.id not in self.assigned:
            raise self.error("only names of local arrays can be written into", target)
        user = target.value.id
        array = self.name(target.value)
        if not (self.is_fresh(array) or array.id in self.allocated):
            what = ("the argument" if array.id in self.params or user in self.params
                    else "the array")
            raise self.error(f"writing into {what} '{user}' would change an array s2s_ad "
                             f"does not own (the caller's, or a view); copy it first: "
                             f"{user} = np.array({user})", target)
        index = self.index(target.slice)
        operand = self.expr(value)
        save = cr.SAVE_ITEM if array.id in self.fresh_lists else cr.SAVE
        saved = self.emit(None, save, {"x": array, "index": index}, target,
                          call_args=[array, index])
        self.body.append(ir.Store(array.id, index, operand, saved, self.parsed.loc(target),
                                  inlined=self.note_prefix))

    def append(self, call):
        receiver = call.func.value
        if not (isinstance(receiver, ast.Name) and receiver.id in self.assigned):
            raise self.error("only local lists can be appended to", call)
        lst = self.name(receiver)
        if not self.is_fresh(lst):
            raise self.error(f"appending to '{receiver.id}' would change a list s2s_ad does "
                             "not own; build a new list in the function", call)
        if len(call.args) != 1 or call.keywords:
            raise self.error("append takes one argument", call)
        value = self.expr(call.args[0])
        self.body.append(ir.Append(lst.id, value, self.parsed.loc(call),
                                   inlined=self.note_prefix))


def _allocates(rule):
    """Does this primitive always return a new array (arithmetic, elementwise functions),
    never a view of an argument? Writing into its result changes nothing else."""
    return rule.broadcasts is True or rule.spelling in (rules.BINOP, rules.UNARY)


class _RawOperand(ast.expr):
    """An already-lowered operand standing inside a not-yet-lowered expression."""
    _fields = ()

    def __init__(self, operand):
        super().__init__()
        self.operand = operand


def _copy(operand):
    if isinstance(operand, ast.Name):
        return ast.Name(operand.id, ast.Load())
    return operand


def _same(x, y):
    if x is None or y is None:
        return x is y
    if isinstance(x, ast.Name) and isinstance(y, ast.Name):
        return x.id == y.id
    if isinstance(x, ast.Constant) and isinstance(y, ast.Constant):
        return type(x.value) is type(y.value) and x.value == y.value
    return False


def _stored_names(statements):
    names = set()
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _has(statements, kind):
    return any(isinstance(n, kind) for s in statements for n in ast.walk(s))


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
                out |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)
                        and isinstance(n.ctx, ast.Load)} - defined
                defined |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)
                            and isinstance(n.ctx, ast.Store)}
        elif isinstance(s, ast.If):
            out |= _loads(s.test, None) - defined
            out |= _exposed(s.body, set(defined)) | _exposed(s.orelse, set(defined))
        elif isinstance(s, (ast.For, ast.While)):
            head = s.iter if isinstance(s, ast.For) else s.test
            out |= _loads(head, None) - defined
            inner = set(defined)
            if isinstance(s, ast.For):
                inner |= {n.id for n in ast.walk(s.target) if isinstance(n, ast.Name)}
            out |= _exposed(s.body, inner)
        else:
            out |= _loads(s, None) - defined
    return out


def _is_append(node):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append")


def _may_run_zero_times(bounds):
    values = [b.value for b in bounds if isinstance(b, ast.Constant)]
    if len(values) != len(bounds) or not all(type(v) is int for v in values):
        return True
    return len(range(*values)) == 0


def _surely_leaves(statements):
    """Does this branch always end in return/break/continue (syntactically)?"""
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, (ast.Return, ast.Break, ast.Continue)):
        return True
    if isinstance(last, ast.If):
        return _surely_leaves(last.body) and _surely_leaves(last.orelse)
    return False
