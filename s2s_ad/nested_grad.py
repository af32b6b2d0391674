"""`grad(inner)(w, ...)` called inside a differentiated function (meta-learning).

    def meta(lr, w):
        for step in range(5):
            w = w - lr * grad(inner)(w, X, y)
        return inner(w, X, y)

The call is one primitive of the rule table: the forward sweep calls the gradient
s2s_ad made for `inner` (a dispatcher, so it is compiled once per signature), and its
adjoint with respect to argument i is the Hessian-vector product H[i, k] @ g, where k is
the argument `inner` is differentiated in and g the adjoint of the call's result:

    w_bar = inner_grad_hvp(0, (w, X, y), z3_bar)      # grad(inner): a Hessian-vector product

computed exactly at run time by second_order.hessian_product (forward over reverse, or
reverse over forward through loops). `value_and_grad(inner)(...)` is the pair of the
inlined call of `inner` and this primitive; `argnums=(0, 1)` gives one primitive per
argument. has_aux is refused (the aux output would need its own derivative).
"""
import ast
import inspect
import itertools

from . import rules
from .second_order import hessian_product, zero_tangent

_RULES = {}         # (fun, k) -> (gradient, Rule, helper name)
_COUNT = itertools.count(1)
from .custom_notes import note


def lower_gradient_call(lowerer, node, target, gradient=None):
    """Lower `grad(inner, ...)(args)` (node.func a call of grad or value_and_grad) or
    `g(args)` for a gradient object g (given) into the trace; return its operand."""
    from .api import grad, value_and_grad
    if gradient is None:
        maker = node.func
        if not (lowerer.is_external(maker.func) and not isinstance(maker.func, ast.Call)):
            raise lowerer.error("only names and module attributes can be called or read "
                                "here", node)
        made_by = lowerer.resolve(maker.func)
        if made_by not in (grad, value_and_grad):
            raise lowerer.error("only names and module attributes can be called; of the "
                                "calls that return a function, s2s_ad follows "
                                "grad(f)(...) and value_and_grad(f)(...)", node)
        if len(maker.args) != 1 or not lowerer.is_external(maker.args[0]):
            raise lowerer.error(f"write {made_by.__name__}(f)(...) with f a function "
                                "defined at module level (its name, not an expression)",
                                node)
        fun = lowerer.resolve(maker.args[0])
        options = {}
        for k in maker.keywords:
            try:
                options[k.arg] = ast.literal_eval(k.value)
            except ValueError:
                raise lowerer.error(f"the option {k.arg}= of {made_by.__name__} must be a "
                                    "literal here", node) from None
        unknown = set(options) - {"argnums", "has_aux"}
        if unknown:
            raise lowerer.error(f"{made_by.__name__} has no option {sorted(unknown)[0]}=",
                                node)
        gradient = made_by(fun, argnums=options.get("argnums", 0),
                           has_aux=options.get("has_aux", False))
    compiler = getattr(gradient, "_s2s_compiler", None)
    if compiler is None:        # grad(grad(f)) made a Python function, not a dispatcher
        raise lowerer.error("only grad(f) and value_and_grad(f) of a plain function can "
                            "be called inside a differentiated function", node)
    fun = compiler.fun
    if compiler.has_aux:
        raise lowerer.error(f"grad({fun.__name__}, has_aux=True) inside a differentiated "
                            "function is not supported: its aux output would need a "
                            "derivative of its own; call it without has_aux", node)
    operands = _bind(lowerer, fun, node)
    numbers = compiler.argnums
    single = isinstance(numbers, int)
    plain = single and not compiler.with_value
    # The user's own name for the gradient is kept where it computes just this.
    callee = node.func if plain and not isinstance(node.func, ast.Call) and \
        gradient_rule(fun, numbers)[0] is gradient else None
    parts = [_emit_gradient(lowerer, fun, k, operands, node, target if plain else None,
                            callee) for k in ((numbers,) if single else numbers)]
    grads = parts[0] if single else ast.Tuple(parts, ast.Load())
    if not compiler.with_value:
        return grads
    alias = _bind_name(lowerer, fun, fun.__name__)
    call = ast.copy_location(ast.Call(ast.Name(alias, ast.Load()), node.args, node.keywords),
                             node)
    value = lowerer.expr(call)      # the value: `inner` itself, inlined
    return ast.Tuple([value, grads], ast.Load())


def _bind(lowerer, fun, node):
    """The call's operands in the order of fun's parameters, defaults filled in."""
    signature = inspect.signature(fun)
    for p in signature.parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            raise lowerer.error(f"grad({fun.__name__}) inside a differentiated function "
                                "takes functions of positional parameters only (no *args, "
                                "**kwargs or keyword-only parameters)", node)
    if any(k.arg is None for k in node.keywords):
        raise lowerer.error("'**' in calls is not supported", node)
    args = [lowerer.argument(a) for a in node.args]
    keywords = {k.arg: lowerer.argument(k.value) for k in node.keywords}
    try:
        bound = signature.bind(*args, **keywords)
    except TypeError as exc:
        raise lowerer.error(f"call of grad({fun.__name__}) does not match "
                            f"{fun.__name__}'s signature: {exc}", node) from None
    bound.apply_defaults()
    operands = []
    for name, value in bound.arguments.items():
        if not isinstance(value, ast.AST):
            try:
                ok = ast.literal_eval(repr(value)) == value
            except (ValueError, SyntaxError):
                ok = False
            if not ok:
                raise lowerer.error(f"the default of {fun.__name__}'s parameter '{name}' is "
                                    "not a literal; pass it explicitly here", node)
            value = ast.Constant(value) if not isinstance(value, (int, float)) or \
                value >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-value))
        operands.append(value)
    return operands


def _bind_name(lowerer, obj, stem):
    alias = lowerer.names.fresh(stem)
    lowerer.extra_namespace[alias] = obj
    lowerer.parsed.namespace[alias] = obj
    return alias


def _emit_gradient(lowerer, fun, k, operands, node, target, callee=None):
    gradient, rule = gradient_rule(fun, k)
    if callee is None:
        callee = ast.Name(_bind_name(lowerer, gradient, f"{fun.__name__}_grad"), ast.Load())
    args = dict(zip(rule.params, operands))
    return lowerer.emit(target, rule, args, node, call_args=list(operands), callee=callee)


def gradient_rule(fun, k):
    """The gradient object grad(fun, argnums=k) and its rule, made once per (fun, k).
    The rule's parameters are fun's own names (messages name them) unless one is a
    word of the template vocabulary; then a0, a1, ..."""
    entry = _RULES.get((fun, k))
    if entry is None:
        from .api import grad
        gradient = grad(fun, argnums=k)
        stem = _identifier(fun.__name__)
        number = next(_COUNT)
        helper, forward = f"{stem}_grad_hvp_{number}", f"{stem}_grad_jvp_{number}"
        names = list(inspect.signature(fun).parameters)
        if set(names) & {"g", "ans", "np", "math", "scipy", helper, forward}:
            names = [f"a{i}" for i in range(len(names))]

        def cotangent(i, args, g):
            """H[i, k] @ g: the adjoint of argument i of grad_k(fun)(*args)."""
            tangents = [zero_tangent(a) for a in args]
            tangents[k] = g
            return hessian_product(fun, i, args, tangents)

        def tangent(i, args, t):
            """H[k, i] @ t: the tangent of grad_k(fun)(*args) along argument i."""
            tangents = [zero_tangent(a) for a in args]
            tangents[i] = t
            return hessian_product(fun, k, args, tangents)
        for function, name, what in ((cotangent, helper, "differentiated"),
                                     (tangent, forward, "in forward mode")):
            function.__name__ = function.__qualname__ = name
            note(function, f"grad({fun.__name__}) {what}: a Hessian-vector product")
            rules.TEMPLATE_MODULES[name] = function
            # Differentiating this code again would need third derivatives of fun.
            rules.defrule(function, "i, args, v", name=f"grad({fun.__name__})'s "
                          "Hessian-vector product", refuses="third derivatives (grad "
                          "called inside a function differentiated twice) are not "
                          "supported").user_supplied = True
        packed = f"({', '.join(names)},)"
        rule = rules.defrule(
            gradient, ", ".join(names), name=f"grad({fun.__name__})",
            tangent={n: f"{forward}({i}, {packed}, {n}_dot)" for i, n in enumerate(names)},
            **{n: f"{helper}({i}, {packed}, g)" for i, n in enumerate(names)})
        rule.user_supplied = True       # made for the user's function, not built in
        entry = _RULES[(fun, k)] = (gradient, rule)
    return entry


def _identifier(name):
    return name if name.isidentifier() else "lambda_"
