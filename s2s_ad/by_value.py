"""One compiled gradient per value of the int arguments that decide shapes.

A signature (api.py's cache key) holds types and array shapes, not the values of int
arguments: `grad(f)` compiled on f(x, 3) serves f(x, 5) too. That is right while the
int is a step count or an index, but not when it decides a shape (`x[:n]`,
`np.zeros(n)`), since the generated code is specialised on shapes. kind_flow.py finds
those arguments; this wrapper then keeps one version per value of them, compiled on
first use, as a shape-specialised cache would."""


def by_value(compiler, args, result, wrap, compile_again):
    """The gradient for `args`'s signature: `wrap(result.function)` itself when no
    shape depends on an int argument, else a function that picks (or compiles, with
    `compile_again(args)`) the version for the values of those arguments. `wrap`
    adapts a compiled function as the dispatcher does (scalar types, other arrays)."""
    first = wrap(result.function)
    if not result.value_params:
        return first
    positions = argument_positions(compiler.params, result.value_params)
    names = [compiler.params[i] for i in positions]
    first.assumes = assumed(names, values_at(args, positions))
    versions = {values_at(args, positions): (first, result.source)}

    def version(args):
        key = values_at(args, positions)
        found = versions.get(key)
        if found is None:
            again = compile_again(args)
            function = wrap(again.function)
            function.assumes = assumed(names, key)
            found = versions[key] = (function, again.source)
        return found

    def for_these_values(*args):
        return version(args)[0](*args)

    for_these_values.__wrapped__ = first
    for_these_values.version = version
    return for_these_values


def version_for(compiled, args, source):
    """(function, source): the version of a compiled gradient for these argument
    values, and its text (`compiled` and `source` when it has one version): what api's
    `compile(*args)` returns and `.source` shows, for callers that read the generated
    function (second_order.py, jit)."""
    pick = getattr(compiled, "version", None)
    return (compiled, source) if pick is None else pick(args)


def argument_positions(params, names):
    """The positions of the arguments `names` (what settle_kinds returned)."""
    return sorted(params.index(p) for p in names)


def values_at(args, positions):
    """The key of a version: the values of those arguments in `args`."""
    # an argument left to its default has one value: the default (a rebinding of the
    # defaults recompiles everything, dependencies.py)
    return tuple(args[i] if i < len(args) else None for i in positions)


def assumed(names, values):
    """{argument name: value} a version is only right for (export.py writes it into the
    exported module's header)."""
    return dict(zip(names, values))
