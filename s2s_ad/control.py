"""Lowering of control flow, containers and calls into the structured trace.

`StructuredLowerer` extends the straight-line lowering of trace.py with `if`/`elif`/
`else`, conditional expressions, `and`/`or`, chained comparisons, `for` (over ranges,
sequences, `zip`, `enumerate`, `reversed`), `while`, `break`, `continue`, `return`
anywhere, element writes into arrays the function creates, local lists, and calls
to user functions (inlined, see inline.py). The lowering of loops, branches and
containers lives in lower_loops.py, lower_conditions.py and lower_containers.py, as
mixins of the one `StructuredLowerer` class defined here (its state and the statement
and expression dispatch).

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

from . import rules
from .lower_conditions import FALSE, MAYBE, TRUE, YES, ConditionLowering, RawOperand
from .lower_calls import CallLowering
from .lower_versions import VersionLowering
from .lower_containers import ContainerLowering, allocates
from .lower_loops import LoopLowering
from .lower_trees import TreeLowering
from .lower_unrolled import UnrolledLoopLowering
from .tree_values import DictValue, TreeSeq
from .lower_effects import EffectLowering
from .lower_displays import DisplayLowering
from .lower_values import (ExternalFunction, FunctionValue, RawValue, ValueLowering,
                           contains_function, is_structure, unflatten_state)
from .rules import control_rules as cr
from .errors import TranslationError
from .trace import Trace, _Lowerer, _is_docstring


def lower_structured(parsed, has_aux=False, trees=None):
    """`trees`: {parameter: (structure, leaf parameter names)} for the parameters that
    are parameter trees (lower_trees.py); `parsed` then lists the leaves instead."""
    lowerer = StructuredLowerer(parsed, has_aux)
    if trees:
        lowerer.setup_trees(trees)
    return lowerer.run()


class StructuredLowerer(DisplayLowering, TreeLowering, UnrolledLoopLowering, CallLowering, VersionLowering, ValueLowering, EffectLowering, LoopLowering, ConditionLowering,
                        ContainerLowering, _Lowerer):
    tuple_results = False           # forward mode (tangent_pipeline.py) returns tuples

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
        self.unpack_checks = []         # (operand, length, node) of `a, b = v` unpackings
        self.scope = object()           # identifies the function scope being lowered
        self.return_versions = set()    # versions of returned values (ir.Trace)
        self.assigned |= _defined_functions(parsed)

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
        if is_structure(result) and not (self.tuple_results and isinstance(result, ast.Tuple)):
            what = "a function" if contains_function(result) else \
                "a dict" if isinstance(result, DictValue) else \
                f"a {getattr(result, 'kind', 'tuple')} of {len(result.elts)} values"
            hint = ("; to return auxiliary data beside the output, return (output, aux) "
                    "and pass has_aux=True" if not contains_function(result) else "")
            raise self.error(f"grad needs a scalar output, but {self.parsed.node.name} "
                             f"returns {what}{hint}", self.result_node)
        result = self.after_effects(result, self.result_node)
        trace = Trace(self.parsed, self.params, self.body, result,
                      self.parsed.loc(self.result_node), self.locals, self.names.taken,
                      self.temps)
        trace.extra_namespace = self.extra_namespace
        trace.return_versions = frozenset(self.return_versions)
        # The analyses read names in the function's namespace (a copy of its globals):
        # an inlined callee's externals, renamed, are found there too, so a module-level
        # array a helper from another module reads has its shape known.
        self.parsed.namespace.update(self.extra_namespace)
        aux = self.current.get("#aux")
        trace.aux = self.runtime_value(aux, self.result_node) if is_structure(aux) else aux
        return trace

    def assign(self, target, value):
        if isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target, self.expr(value), value)
            return
        if isinstance(target, ast.Name):
            name = self.new_version(target.id)
            operand = self.expr(value, target=name)
            if is_structure(operand):
                self.current[target.id] = operand
                return
            self.current[target.id] = ast.Name(name, ast.Load())
            self.share_ownership(name, operand)
        elif isinstance(target, ast.Subscript):
            self.setitem(target, value)
        else:
            raise self.error("only names, tuples of names and elements of local arrays "
                             "can be assigned to", target)

    def expr(self, node, target=None):
        """As in trace.py, but a compile-time value (a tuple, a function) is not copied
        into `target`: the caller keeps it as it is."""
        operand = self._expr(node, None if target is None else target)
        if target is not None and is_structure(operand):
            return operand
        if target is not None and not (isinstance(operand, ast.Name) and operand.id == target):
            self.emit(target, rules.rule_for_operator("copy", None), {"x": operand}, node,
                      call_args=[operand])
        return operand

    def merge(self, item, before, a, b):
        """Join two branch states; compile-time tuples element by element."""
        flat_a, shapes_a = self.flatten_state(a)
        flat_b, shapes_b = self.flatten_state(b)
        for key in set(shapes_a) | set(shapes_b):
            if shapes_a.get(key) != shapes_b.get(key) and key in a and key in b:
                raise TranslationError(
                    f"'{key.lstrip('#')}' is a tuple of a different length (or not a "
                    "tuple) on the other path of this branch; give it the same shape on "
                    "both paths", item.loc)
        for key, value in list(flat_a.items()) + list(flat_b.items()):
            other = (flat_b if value is flat_a.get(key) else flat_a).get(key)
            if isinstance(value, (FunctionValue, ExternalFunction)) and value is not other:
                raise TranslationError(
                    f"'{key}' is a different function on each path of this branch; call "
                    "each function in its own branch instead", item.loc)
        merged = super().merge(item, before, flat_a, flat_b)
        return unflatten_state(merged, {**shapes_b, **shapes_a})

    def emit(self, target, rule, args, node, **spelling):
        _check_arguments(self, rule, args, node)
        result = super().emit(target, rule, args, node, **spelling)
        stmt = self.body[-1]
        if self.note_prefix:
            stmt.inlined = self.note_prefix
        if id(rule) in cr.FRESH:
            self.fresh_arrays.add(stmt.target)
        elif allocates(rule):
            self.allocated.add(stmt.target)
        if rule is cr.MAKE_LIST:
            self.fresh_lists.add(stmt.target)
        # [0.0] * n: also a new Python list (its overwritten elements are saved by
        # reference, SAVE_ITEM, not by .copy(), which a float does not have)
        if self.fresh_lists and rule is rules.rule_for_operator(rules.BINOP, ast.Mult) and any(
                isinstance(v, ast.Name) and v.id in self.fresh_lists for v in args.values()):
            self.fresh_lists.add(stmt.target)
        return result

    def block(self, statements):
        # (the rest of the block is sliced only where it is needed: a slice per
        # statement made lowering quadratic in the length of the block)
        for i, node in enumerate(statements):
            if isinstance(node, ast.If):
                self.if_statement(node, statements[i + 1:])
                return
            self.statement(node)
            state = self.exit_state()
            rest = i + 1 < len(statements)
            if state == YES:
                if rest:
                    what = {ast.Return: "return", ast.Break: "break",
                            ast.Continue: "continue"}.get(type(node), "this statement")
                    raise self.error(f"code after '{what}' never runs; remove it",
                                     statements[i + 1])
                return
            if state == MAYBE and rest:
                self.guarded(statements[i + 1:], node)
                return

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
                self.current["#aux"] = self.aux_operand(self.expr(value.elts[1]), node)
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
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                and self.effect_function(node.value) is not None:
            self.effect_statement(node.value, self.effect_function(node.value))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            raise self.unused_call(node)
        elif isinstance(node, ast.Assert):
            self.assert_statement(node)
        elif isinstance(node, ast.FunctionDef):
            defaults = [self.expr(d) for d in node.args.defaults]
            self.current[node.name] = FunctionValue(node, self.parsed, self.scope, defaults)
        else:
            super().statement(node)

    def _expr(self, node, target):
        if type(node) in _PLAIN:        # (most nodes: none of the cases below)
            return super()._expr(node, target)
        if isinstance(node, RawOperand):
            return node.operand
        if isinstance(node, RawValue):
            return node.operand
        if isinstance(node, ast.Tuple):
            return self.tuple_display(node)
        if isinstance(node, ast.Lambda):
            from .lambdas import as_def
            fn = as_def(node, "lambda_")
            defaults = [self.expr(d) for d in node.args.defaults]
            return FunctionValue(fn, self.parsed, self.scope, defaults, dict(self.current))
        if isinstance(node, ast.Call):
            called = self.call_structure(node, target)
            if called is not None:
                return called
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
            base = self.expr(node.value)
            if isinstance(base, DictValue):
                return self.tree_item(base, node, target)
            if isinstance(base, TreeSeq) and isinstance(node.slice, ast.Slice):
                sliced = self.sequence_slice(base, node.slice)
                if sliced is not None:
                    return sliced
            if isinstance(base, ast.Tuple) and is_structure(base):
                return self.tuple_item(base, self.index(node.slice), node, target)
            return self.getitem(base, self.index(node.slice), node, target)
        if isinstance(node, ast.DictComp):
            return self.dict_comprehension(node)
        if isinstance(node, ast.Dict):
            return self.dict_display(node)
        if isinstance(node, ast.List):
            return self.list_display(node, target)
        if (isinstance(node, ast.Call) and self.is_external(node.func)
                and not (isinstance(node.func, ast.Attribute) and self._is_array_method(node.func))):
            fn = self.resolve(node.func)
            if rules.rule_for_call(fn) is None:
                from .inline import inline_call
                return inline_call(self, fn, node, target)
        return super()._expr(node, target)



# Expressions this class leaves to the mixins and trace.py as they are.
_PLAIN = frozenset({ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp})


def _check_arguments(lowerer, rule, args, node):
    """Refuse a function or a tuple of computed values passed where `rule` cannot
    take one."""
    for key, value in args.items():
        if type(value) in _PLAIN:       # (a name or a number: nothing to refuse)
            continue
        if isinstance(value, (FunctionValue, ExternalFunction)):
            raise lowerer.error("a function can only be called, or passed to a function "
                                "s2s_ad inlines; not used as a value here", node)
        # (a sequence the rule binds element by element, 'arrays[0]', is taken
        # apart; so is a shape inside *args, np.zeros((n, n)): no derivative)
        if "[" not in key and is_structure(value) and f"{key}[0]" not in args \
                and not (rule.zero_grad and f"{key}[0][0]" in args) \
                and key not in rule.discrete and key != "index":
            raise lowerer.error("a tuple of computed values can be unpacked (a, b = t), "
                                "indexed (t[0]), passed to a function that takes a "
                                "sequence (np.array(t)) or returned as has_aux data; "
                                f"{rule.name} cannot take it here", node)


def _is_append(node):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append")



def _defined_functions(parsed):
    """Names of the functions `def`-ined inside the parsed function (nested ones)."""
    return {d.name for d in parsed.nodes()
            if isinstance(d, ast.FunctionDef) and d is not parsed.node}
