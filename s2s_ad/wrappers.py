"""Decorators written with `functools.wraps`: the wrapper is differentiated as
written, and a wrapper that only forwards `*args, **kwargs` to the function it wraps is
rewritten to take that function's own parameters.

Inside such a wrapper `args` is the tuple of the wrapped function's parameters, so other
uses of it are written out with them: `fn(*[a * 2.0 for a in args])` becomes
`fn(x * 2.0, y * 2.0)`, and `args[0]` becomes `(x, y)[0]`.
"""
import ast
import copy
import inspect
from .walk import all_nodes


def forward_varargs(parsed):
    """The signature callers see. A wrapper `def wrapper(*args, **kwargs)` made with
    functools.wraps that only forwards them (`fn(*args, **kwargs)`) is rewritten to take
    the wrapped function's parameters and pass them on by name, so it can be lowered
    like any function; other uses of *args/**kwargs are refused."""
    fun, node = parsed.fun, parsed.node
    args = node.args
    own = inspect.signature(fun, follow_wrapped=False)
    if not hasattr(fun, "__wrapped__") or (args.vararg is None and args.kwarg is None):
        return own      # *args/**kwargs of a plain function: the subset check refuses
    star = args.vararg or args.kwarg
    name = fun.__name__
    if args.posonlyargs or args.args or args.kwonlyargs:
        raise parsed.error(
            f"the decorator's wrapper '{name}' takes named parameters besides *args/"
            "**kwargs; s2s_ad differentiates a wrapper that forwards `*args, **kwargs` "
            "unchanged, or one with explicit parameters (`def wrapper(x, y): ...`)", star)
    try:
        wrapped = inspect.signature(fun)        # follows __wrapped__ (functools.wraps)
    except (TypeError, ValueError) as exc:
        raise parsed.error(f"cannot read the signature of the function '{name}' wraps: "
                           f"{exc}", star) from None
    params = list(wrapped.parameters.values())
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            raise parsed.error(
                f"'{name}' wraps a function with the parameter '{p}', which s2s_ad does "
                "not support; give the wrapped function plain parameters", star)
    forwarded = {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    names = [p.name for p in params]
    used = {n.id for n in all_nodes(node) if isinstance(n, ast.Name)} - forwarded
    for param in names:
        if param in used:
            raise parsed.error(
                f"the wrapper '{name}' forwards *args to a parameter named '{param}', a "
                "name its own body uses too; rename one of them", star)
    _Forward(args, names).visit(node)
    if args.vararg is not None:
        _Expand(args.vararg.arg, names).visit(node)
    for n in all_nodes(node):
        if isinstance(n, ast.Name) and n.id in forwarded:
            raise parsed.error(
                f"the wrapper '{name}' uses '{n.id}' other than forwarding it as "
                f"`fn(*args, **kwargs)`; s2s_ad cannot differentiate that. Give the "
                "wrapper explicit parameters (`def wrapper(x, y): ...`)", n)
    posonly = sum(p.kind is p.POSITIONAL_ONLY for p in params)
    new = [ast.copy_location(ast.arg(p), star) for p in names]
    node.args = ast.arguments(posonlyargs=new[:posonly], args=new[posonly:], vararg=None,
                              kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    parsed.defaults_owner = inspect.unwrap(fun)     # where the signature's defaults live
    return wrapped


class _Forward(ast.NodeTransformer):
    """`fn(*args, **kwargs)` -> `fn(x, y)` with the wrapped function's parameters."""

    def __init__(self, args, names):
        self.vararg = args.vararg.arg if args.vararg else None
        self.kwarg = args.kwarg.arg if args.kwarg else None
        self.names = names

    def visit_Call(self, node):
        self.generic_visit(node)
        stars = [a for a in node.args if isinstance(a, ast.Starred)
                 and isinstance(a.value, ast.Name) and a.value.id == self.vararg]
        kwargs = [k for k in node.keywords if k.arg is None
                  and isinstance(k.value, ast.Name) and k.value.id == self.kwarg]
        # Only a call that forwards all of them, once, is rewritten: `fn(*args)` alone
        # in a wrapper that also takes **kwargs would drop the caller's keywords. Any
        # other use is left in place and refused.
        wanted = (self.vararg is not None, self.kwarg is not None)
        if (len(stars), len(kwargs)) != wanted:
            return node
        args = []
        for a in node.args:
            if a in stars:
                args += [ast.copy_location(ast.Name(n, ast.Load()), a) for n in self.names]
            else:
                args.append(a)
        node.args = args
        node.keywords = [k for k in node.keywords if k not in kwargs]
        return node



_SCOPES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda,
           ast.NamedExpr)


class _Expand(ast.NodeTransformer):
    """The wrapper's other uses of `*args` (the tuple of the wrapped function's
    parameters `names`): `[e for a in args]` -> the list of `e` for each parameter,
    `fn(*[e1, e2])` -> `fn(e1, e2)`, any other `args` -> `(x, y)`, which the lowering
    indexes, unpacks and loops over like any tuple."""

    def __init__(self, vararg, names):
        self.vararg, self.names = vararg, names

    def visit_ListComp(self, node):
        (gen, *more) = node.generators
        if more or gen.ifs or gen.is_async or not isinstance(gen.target, ast.Name) or \
                not (isinstance(gen.iter, ast.Name) and gen.iter.id == self.vararg) or \
                any(isinstance(n, _SCOPES) for n in all_nodes(node.elt)):
            return self.generic_visit(node)     # (a nested scope could rebind the name)
        elts = [self.visit(_renamed(node.elt, gen.target.id, name)) for name in self.names]
        return ast.copy_location(ast.List(elts, ast.Load()), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        spliced = []
        for a in node.args:
            if isinstance(a, ast.Starred) and isinstance(a.value, (ast.List, ast.Tuple)):
                spliced += a.value.elts
            else:
                spliced.append(a)
        node.args = spliced
        return node

    def visit_Name(self, node):
        if node.id != self.vararg or not isinstance(node.ctx, ast.Load):
            return node
        elts = [ast.copy_location(ast.Name(n, ast.Load()), node) for n in self.names]
        return ast.copy_location(ast.Tuple(elts, ast.Load()), node)


def _renamed(expr, old, new):
    """A copy of `expr` reading `new` wherever it reads `old`."""
    expr = copy.deepcopy(expr)
    for n in all_nodes(expr):
        if isinstance(n, ast.Name) and n.id == old:
            n.id = new
    return expr
