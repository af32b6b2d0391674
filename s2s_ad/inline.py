"""Calls to user functions, inlined into the caller's trace.

`helper(x, scale=2.0)` is lowered by binding helper's parameters to the caller's
operands (defaults filled in), then lowering helper's body in its own scope: its
locals get the prefix `helper_` (`helper_t`, `helper_result`), its statements carry
the note `inlined helper(x, scale=2.0)`, and its free names resolve in its own
globals and closure (renamed when the caller's namespace means something else by
them). Its `return`s set the call's value like any early exit. The differentiated
function then sees one trace, so the adjoint of the call is simply part of the
reverse sweep, and each piece of generated code says which callee it belongs to.

A decorated helper is inlined as the wrapper the decorator made (what the caller
calls), whose body calls the function it wraps, inlined in turn; see frontend.py for
wrappers that forward `*args, **kwargs`.

A function transformed by s2s_ad (`grad(h)`) is a primitive whose adjoint is a
Hessian-vector product (nested_grad.py). Recursion cannot be inlined: refused.
"""
import ast
import inspect

from .errors import TranslationError
from .dependencies import Dependency, is_library
from .frontend import literal, parse_function
from .walk import all_nodes

_MISSING = object()


def inline_call(lowerer, fn, node, target):
    if hasattr(fn, "_s2s_compiler"):        # a gradient s2s_ad made: nested_grad.py
        from .nested_grad import lower_gradient_call
        return lower_gradient_call(lowerer, node, target, gradient=fn)
    if not inspect.isfunction(fn) or is_library(fn):
        from . import rules
        hint = ""
        if hasattr(fn, "__wrapped__") and not inspect.isfunction(fn) and not is_library(fn):
            hint = (f". It is a {type(fn).__name__} made by a decorator: call the "
                    "undecorated function, or write the decorator as a `def` wrapper")
        raise lowerer.error(f"no derivative rule for {rules.public_name(fn)}; s2s_ad can "
                            "only differentiate calls it has rules for, and Python "
                            f"functions it can read{hint}", node)
    # A decorated helper is inlined as its wrapper, whose body calls the function it
    # wraps (inlined in turn): what the caller calls is what gets differentiated.
    if fn in lowerer.inlining or fn is lowerer.parsed.fun:
        raise lowerer.error(f"recursive call of '{fn.__name__}': s2s_ad inlines calls, "
                            "so recursion is not supported; write it as a loop", node)
    try:
        callee = parse_function(fn)
    except TranslationError:
        raise
    except TypeError as exc:
        raise lowerer.error(f"cannot inline '{fn.__name__}': {exc}", node) from None
    # The callee's free names are the caller's dependencies too: one list for all.
    shared = lowerer.parsed.dependencies
    shared.extend(callee.dependencies)
    callee.dependencies = shared
    owner = callee.defaults_owner       # its defaults are folded into the caller's code
    shared.append(Dependency("attribute", owner, "__defaults__", (), owner.__defaults__))

    args = [lowerer.argument_value(a) for a in node.args]
    keywords = {k.arg: lowerer.argument_value(k.value) for k in node.keywords}
    if None in keywords:
        raise lowerer.error("'**' in calls is not supported", node)
    try:
        bound = callee.signature.bind(*args, **keywords)
    except TypeError as exc:
        raise lowerer.error(f"call of '{fn.__name__}' does not match its signature: {exc}",
                            node) from None
    bound.apply_defaults()
    return _Scope(lowerer, fn, callee, node).run(bound.arguments, target)


class _Scope:
    """Lowers one inlined call: swaps the lowerer's per-function state for the
    callee's, runs its body, and restores the caller's."""

    def __init__(self, lowerer, fn, callee, node):
        self.lowerer, self.fn, self.callee, self.node = lowerer, fn, callee, node

    def run(self, arguments, target):
        low, callee = self.lowerer, self.callee
        saved = {k: getattr(low, k, None) for k in (
            "parsed", "assigned", "current", "prefix", "loop_depth", "note_prefix", "params",
            "result_node", "scope")}
        token = None
        try:
            prefix = low.prefix + f"{self.fn.__name__}_"
            current = {}
            for name, value in arguments.items():
                current[name] = value if isinstance(value, ast.AST) else \
                    self.default(name, value)
            current["#ret"] = ast.Constant(False)
            current["#rv"] = ast.Constant(None)
            if "#chk" in low.current:
                current["#chk"] = low.current["#chk"]
            statements = list(callee.node.body)
            if statements and isinstance(statements[0], ast.Expr) and \
                    isinstance(statements[0].value, ast.Constant):
                statements = statements[1:]
            call_text = ast.unparse(self.node)
            low.parsed = self.rename_externals(callee)
            low.assigned = {a.arg for a in callee.node.args.args} | {
                n.id for n in all_nodes(callee.node)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            low.current, low.prefix, low.loop_depth = current, prefix, 0
            low.note_prefix = f"inlined {call_text}"
            low.params = []
            result, token = _lower_body(low, self.fn, statements, f"'{self.fn.__name__}'",
                                        statements[-1] if statements else callee.node)
        finally:
            for k, v in saved.items():
                setattr(low, k, v)
        return _bind_result(low, result, token, target, self.node)

    def default(self, name, value):
        """A default argument as an operand: a literal (a negative number as a unary
        minus, so it stays one operand wherever it is substituted), or a new external
        name bound to the value (arrays, NumPy scalars, objects)."""
        operand = literal(value)
        if operand is not None:
            return operand
        alias = self.lowerer.names.fresh(f"{self.fn.__name__}_{name}_default")
        self.lowerer.extra_namespace[alias] = value
        self.lowerer.parsed.namespace[alias] = value
        return ast.Name(alias, ast.Load())

    def rename_externals(self, callee):
        """The callee's free names that mean something else (or nothing) in the
        caller's namespace get fresh names, bound in the generated code's namespace."""
        low = self.lowerer
        local = {a.arg for a in callee.node.args.args} | {
            n.id for n in all_nodes(callee.node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        caller_ns = low.parsed.namespace
        renames = {}
        for n in all_nodes(callee.node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local \
                    and n.id not in renames:
                try:
                    obj = callee.lookup(n.id)
                except KeyError:
                    continue        # reported when lowered, at its line
                same = caller_ns.get(n.id, _MISSING) is obj or (
                    n.id not in caller_ns and _is_builtin(n.id, obj))
                if same and n.id not in low.locals:
                    continue
                alias = low.names.fresh(f"{self.fn.__name__}_{n.id}")
                renames[n.id] = alias
                low.extra_namespace[alias] = obj
        if renames:
            for n in all_nodes(callee.node):
                if isinstance(n, ast.Name) and n.id in renames and n.id not in local:
                    n.id = renames[n.id]
        namespace = dict(callee.namespace)
        namespace.update(caller_ns)
        namespace.update(low.extra_namespace)
        callee.namespace = namespace
        return callee


def _is_builtin(name, obj):
    import builtins
    return getattr(builtins, name, None) is obj


def inline_local(lowerer, value, node, target):
    """Inline a call of a nested function (or lambda): its parameters bound to the
    arguments, its free names to the enclosing function's variables as they are now
    (or, for a function passed along, as they were when it was passed)."""
    low, fn = lowerer, value.node
    if any(fn is f for f in low.inlining):
        raise low.error(f"recursive call of '{fn.name}': s2s_ad inlines calls, so "
                        "recursion is not supported; write it as a loop", node)
    env = low.current if value.scope is low.scope else value.env
    args = [low.argument_value(a) for a in node.args]
    keywords = {k.arg: low.argument_value(k.value) for k in node.keywords}
    if None in keywords:
        raise low.error("'**' in calls is not supported", node)
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    defaults = dict(zip(names[len(names) - len(value.defaults):], value.defaults))
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                default=defaults.get(n, inspect.Parameter.empty))
              for n in names]
    try:
        bound = inspect.Signature(params).bind(*args, **keywords)
    except TypeError as exc:
        raise low.error(f"call of '{fn.name}' does not match its parameters: {exc}",
                        node) from None
    bound.apply_defaults()
    own = set(names) | {n.id for n in all_nodes(fn) if isinstance(n, ast.Name)
                        and isinstance(n.ctx, ast.Store)}
    own |= {d.name for d in all_nodes(fn) if isinstance(d, ast.FunctionDef) and d is not fn}
    current = {k: v for k, v in env.items() if k not in own and not k.startswith("#")}
    current.update(bound.arguments)
    if "#chk" in low.current:
        current["#chk"] = low.current["#chk"]
    current["#ret"] = ast.Constant(False)
    current["#rv"] = ast.Constant(None)
    outer_assigned = {k for k in env if not k.startswith("#")}
    saved = {k: getattr(low, k, None) for k in (
        "parsed", "assigned", "current", "prefix", "loop_depth", "note_prefix", "params",
        "result_node", "scope")}
    try:
        low.parsed = value.parsed
        low.assigned = (outer_assigned - own) | own
        low.current = current
        low.prefix = low.prefix + f"{fn.name.strip('_')}_"
        low.loop_depth = 0
        low.note_prefix = f"inlined {ast.unparse(node)}"
        low.params = []
        result, token = _lower_body(low, fn, list(fn.body),
                                    f"the nested function '{fn.name}'", fn.body[-1])
    finally:
        for k, v in saved.items():
            setattr(low, k, v)
    return _bind_result(low, result, token, target, node)


def _lower_body(low, fn, statements, what, last):
    """Lower an inlined function's body in the lowerer's current (swapped-in) state;
    return the operand it returns and its effect token."""
    low.scope = object()
    low.inlining.append(fn)
    low.block(statements)
    low.inlining.pop()
    returned = low.current["#ret"]
    if not (isinstance(returned, ast.Constant) and returned.value is True):
        raise low.error(f"{what} must return a value on every path", last)
    return low.current["#rv"], low.current.get("#chk")


def _bind_result(low, result, token, target, node):
    """Back in the caller's state: keep the callee's effect token, and copy the result
    into the assignment's target when there is one."""
    if token is not None:
        low.current["#chk"] = token
    if target is None and isinstance(result, ast.Name) and result.id in low.return_versions:
        # The callee's returned value, read in an expression: the caller reads a copy
        # of it, so the callee's own versions are read nowhere after its return (the
        # exemption of ir.Trace.return_versions in aliasing.py rests on that).
        target = low.new_version("#val")
    if target is not None and not _is_structure(result):
        from .rules import rule_for_operator
        low.emit(target, rule_for_operator("copy", None), {"x": result}, node,
                 call_args=[result])
        return ast.Name(target, ast.Load())
    return result


def _is_structure(operand):
    from .lower_values import is_structure
    return is_structure(operand)
