"""The derivative toolkit, with JAX's names and conventions: jvp (forward mode, a
source transformation of its own), vjp, jacfwd, jacrev and hessian.

    jvp(f, primals, tangents)   -> (f(*primals), J @ tangents)
    vjp(f, *primals)            -> (f(*primals), vjp_fn) with vjp_fn(ct) -> cotangents
    jacfwd(f, argnums=0)(*args) -> the Jacobian, one jvp per input element
    jacrev(f, argnums=0)(*args) -> the Jacobian, one vjp per output element
    hessian(f, argnums=0)       -> jacfwd(grad(f)): forward over reverse, the jvp of the
                                   generated gradient's own source
"""
import functools
import itertools
import weakref

import numpy as np

from .errors import TranslationError, UsageError, UsageValueError
from .kinds import signature_key
from .trees import is_tree
from . import rules, tangent_pipeline
from .scalar_loops import plain_code
from .tangent_batch import NotBatchable
from .jacobian_batch import jacfwd_block, jacrev_blocks
from .tape_reading import forward_readable
from .by_value import argument_positions, values_at
from .hvp_last import last_product, remember

_JVP_CACHE = weakref.WeakKeyDictionary()     # function -> {moving positions: _Jvp}


class _Jvp:
    """One function's jvp compiler and its compiled versions, keyed by signature.
    `wrt`: the positions of the arguments that move (None: all)."""

    def __init__(self, fun, wrt=None):
        self.fun = fun
        try:
            self.compiler = tangent_pipeline.TangentCompiler(fun)
        except (TranslationError, UsageError) as error:
            raise error.with_traceback(None) from None
        if wrt is not None:
            self.compiler.wrt = [self.compiler.params[i] for i in wrt]
        self.cache = {}
        self.sources = {}
        self.by_value = {}      # key -> positions of the int arguments its shapes assume

    def compiled(self, primals, batch=None, plain=False):
        """(the generated jvp, its source) for arguments like `primals`; with `batch`,
        the version whose tangents stack `batch` directions along a leading axis
        (tangent_batch.py: raises NotBatchable, remembered, where it cannot). `plain`:
        the function compiled from the source as shown, for s2s_ad to read back (the
        one that runs releases its temporaries early: release.py)."""
        if self.cache and self._stale():
            self.compiler.forget()
            self.cache.clear()
            self.sources.clear()
            self.by_value.clear()
        key = signature_key(primals) if batch is None else (signature_key(primals), batch)
        if key in self.by_value:    # shapes follow int arguments' values (by_value.py)
            key = (key, values_at(primals, self.by_value[key]))
        function = self.cache.get(key)
        if function is None:
            try:
                done = tangent_pipeline.run(self.compiler, primals, batch, by_value=True)
                function = (done.function, done.plain_function)
                if done.value_params and key not in self.by_value:
                    positions = self.by_value[key] = argument_positions(
                        self.compiler.params, done.value_params)
                    key = (key, values_at(primals, positions))
                self.sources[key] = done.source
            except NotBatchable as why:
                function = why
            except (TranslationError, UsageError) as error:
                if batch is None:
                    raise error.with_traceback(None) from None
                function = NotBatchable(str(error))
            self.cache[key] = function
        if isinstance(function, NotBatchable):
            raise function
        return function[1 if plain else 0], self.sources[key]


    def _stale(self):
        """Has a global, closure variable or builtin the code was built from been
        rebound (to something other than an equal number)? As grad's dispatcher does
        (api.py), so a jvp never runs code specialised on an old value."""
        from .api import _same_value
        for dep in self.compiler.parsed.dependencies:
            now = dep.current()
            if now is not dep.value and not _same_value(now, dep.value):
                return True
        return False


def _jvp_of(fun, wrt=None):
    entries = _JVP_CACHE.get(fun)
    if entries is None:
        entries = _JVP_CACHE[fun] = {}
    entry = entries.get(wrt)
    if entry is None:
        entry = entries[wrt] = _Jvp(_plain(fun), wrt)
    return entry


def moving(primals, tangents):
    """The positions of the arguments that move, or None for all: an integer argument
    whose tangent is zero stays out, as in JAX (where it has no tangent at all), so that
    no term of the tangent code multiplies a zero by what is undefined at an integer
    (the exponent's term of x ** n at x < 0 is 0 * log(x))."""
    still = [i for i, (p, t) in enumerate(zip(primals, tangents))
             if _is_integer(p) and not np.any(t)]
    if not still:
        return None
    return tuple(i for i in range(len(primals)) if i not in still)


def _is_integer(p):
    if isinstance(p, (bool, int, np.integer)):
        return True
    return isinstance(p, np.ndarray) and p.dtype.kind in "iub"


def _plain(fun):
    if hasattr(fun, "_s2s_compiler"):
        raise UsageValueError("this takes a plain function, not one s2s_ad already "
                              "transformed (jvp(grad(f), ...) is the Hessian-vector "
                              "product; hessian differentiates gradients for you)")
    return fun


def _parameters(fun):
    import inspect
    return list(inspect.signature(fun).parameters)


def jvp(fun, primals, tangents):
    """(fun(*primals), the directional derivative of fun at primals along tangents),
    as in JAX: `primals` and `tangents` are tuples of the same structure."""
    primals, tangents = tuple(primals), tuple(tangents)
    floats = _float_arrays(primals, tangents)
    if floats:
        # the common case, checked in one pass: every argument moves, none is a tree
        if not hasattr(fun, "_s2s_compiler"):
            function, _ = _jvp_of(fun).compiled(primals)
            return function(*primals, *tangents)
        function = last_product(fun, primals)       # the last HVP's code (hvp_last.py)
        if function is not None:
            return function(*primals, *tangents)
    if len(primals) != len(tangents):
        raise UsageValueError(f"jvp got {len(primals)} primal(s) but {len(tangents)} "
                              "tangent(s); give one tangent per primal")
    if any(is_tree(p) for p in primals):
        # parameter trees: jvp of a function of their leaves (toolkit_trees.py)
        from .toolkit_trees import flat_primals, leaves_wrapper
        structures, flat_p, flat_t = flat_primals(primals, tangents)
        return jvp(leaves_wrapper(_plain(fun), structures), flat_p, flat_t)
    for p, t in zip(primals, tangents):
        if np.shape(p) != np.shape(t):
            raise UsageValueError(f"a tangent of shape {np.shape(t)} for a primal of shape "
                                  f"{np.shape(p)}: each tangent has its primal's shape")
    if hasattr(fun, "_s2s_compiler"):
        return _hessian_vector_product(fun, primals, tangents, floats)
    function, _ = _jvp_of(fun, moving(primals, tangents)).compiled(primals)
    return function(*primals, *[_as_float(t) for t in tangents])


def _float_arrays(primals, tangents):
    """Are all primals and tangents float arrays, each tangent of its primal's shape?"""
    if len(primals) != len(tangents):
        return False
    for p, t in zip(primals, tangents):
        if type(p) is not np.ndarray or type(t) is not np.ndarray or \
                p.shape != t.shape or p.dtype.kind != "f" or t.dtype.kind != "f":
            return False
    return True


def _hessian_vector_product(gradient, primals, tangents, floats=False):
    """jvp(grad(f), primals, tangents): (grad(f)(*primals), H @ tangents), the
    Hessian-vector product, exact and at a small constant times the cost of f
    (second_order.py: forward over reverse, or reverse over forward through loops)."""
    from .second_order import forward_over_reverse, gradient_and_product
    compiler = gradient._s2s_compiler
    if compiler.has_aux or compiler.with_value:
        raise UsageValueError("jvp of a gradient takes grad(f) without has_aux; for "
                              "value_and_grad(f) take jvp(f) and jvp(grad(f)) apart")
    numbers = compiler.argnums
    k = numbers if isinstance(numbers, int) else tuple(numbers)
    result = gradient_and_product(compiler.fun, k, primals, tangents)
    if floats and forward_over_reverse(compiler.fun, k, primals):
        remember(gradient, compiler.fun, k, primals)    # (hvp_last.py)
    return result


def jvp_source(fun, *primals):
    """The generated forward-mode source for arguments like `primals`."""
    return _jvp_of(fun).compiled(primals)[1]


def _as_float(t):
    if isinstance(t, np.ndarray) and not np.issubdtype(t.dtype, np.floating):
        return t.astype(float)
    return t


# -- vjp: reverse mode seeded with a cotangent --------------------------------------------

_VJP_CACHE = weakref.WeakKeyDictionary()     # function -> {(output structure, argnums): grad}
_WRAPPERS = itertools.count()


def vjp(fun, *primals):
    """(fun(*primals), vjp_fn) as in JAX: vjp_fn(cotangent) returns one cotangent per
    primal (None for a primal that is not a float), for array, number or tuple outputs.
    vjp_fn is the gradient of `sum(fun(*primals) * cotangent)`, a generated function
    taking the cotangent as an extra argument."""
    fun = _plain(fun)
    out = fun(*primals)
    structure = _structure(out)
    # A parameter tree (api_trees.py) gets a cotangent of its own structure.
    argnums = tuple(i for i, p in enumerate(primals) if _is_float(p) or is_tree(p))
    if not argnums:
        raise UsageValueError("vjp: no primal is a float or a float array, so there is "
                              "nothing to differentiate")
    gradient = _seeded_gradient(fun, len(primals), structure, argnums)

    def vjp_fn(cotangent):
        cts = _flatten(cotangent, structure)
        grads = gradient(*primals, *cts)
        result = [None] * len(primals)
        for n, g in zip(argnums, grads):
            result[n] = g
        return tuple(result)
    return out, vjp_fn


def _is_float(p):
    if isinstance(p, float):
        return True
    return isinstance(p, (np.ndarray, np.floating)) and np.issubdtype(np.asarray(p).dtype,
                                                                        np.floating)


def _structure(out):
    """None for one array or number, else the tuple's length (nested tuples refused)."""
    if isinstance(out, tuple):
        if any(isinstance(o, (tuple, list, dict)) for o in out):
            raise UsageValueError("vjp/jacrev take outputs that are an array, a number or "
                                  "a flat tuple of them")
        return len(out)
    if isinstance(out, (list, dict)):
        raise UsageValueError("vjp/jacrev take outputs that are an array, a number or a "
                              "tuple of them; return a tuple instead of a list or dict")
    return None


def _flatten(cotangent, structure):
    if structure is None:
        return (cotangent,)
    cotangent = tuple(cotangent)
    if len(cotangent) != structure:
        raise UsageValueError(f"the output is a tuple of {structure}, so the cotangent "
                              f"must be a tuple of {structure}, not {len(cotangent)}")
    return cotangent


def _seeded_gradient(fun, nargs, structure, argnums):
    table = _VJP_CACHE.setdefault(fun, {})
    key = (nargs, structure, argnums)
    if key not in table:
        table[key] = _make_seeded(fun, nargs, structure, argnums)
    return table[key]


def _make_seeded(fun, nargs, structure, argnums):
    """grad of `def f_vjp(a0, ..., ct): return np.sum(f(a0, ...) * ct)`, written out as
    source (s2s_ad reads source) and registered with linecache."""
    from .api import grad
    import linecache
    params = [f"a{i}" for i in range(nargs)]
    call = f"fun({', '.join(params)})"
    if structure is None:
        cts, body = ["ct"], f"    return np.sum({call} * ct)\n"
    else:
        cts = [f"ct{k}" for k in range(structure)]
        body = f"    out = {call}\n    return " + " + ".join(
            f"np.sum(out[{k}] * ct{k})" for k in range(structure)) + "\n"
    name = f"{getattr(fun, '__name__', 'f')}_vjp"
    name = name if name.isidentifier() else "f_vjp"
    source = f"def {name}({', '.join(params + cts)}):\n{body}"
    filename = f"<s2s_ad vjp wrapper #{next(_WRAPPERS)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np, "fun": fun}
    exec(compile(source, filename, "exec"), namespace)
    return grad(namespace[name], argnums=argnums if len(argnums) > 1 else argnums)


# -- Jacobians and Hessians ----------------------------------------------------------------

def jacfwd(fun, argnums=0):
    """The Jacobian of `fun` with respect to argument(s) `argnums` by forward mode: one
    jvp per element of the input. Shape: output shape + input shape (JAX's layout)."""
    single = isinstance(argnums, int)
    numbers = (argnums,) if single else tuple(argnums)

    @functools.wraps(fun)
    def jacobian(*args):
        _no_trees("jacfwd", args, numbers, arrays_too=False)
        blocks = []
        for n in numbers:
            block = jacfwd_block(fun, args, n)      # one call for every column
            if block is not None:
                blocks.append(block)
                out = _outputs_of(block)
                continue
            x = np.asarray(args[n], dtype=float)
            columns = []
            out = None
            for j in range(x.size):
                basis = np.zeros(x.size)
                basis[j] = 1.0
                tangents = [_zero_tangent(a) for a in args]
                tangents[n] = basis.reshape(x.shape) if x.shape else 1.0
                out, t = jvp(fun, args, tangents)
                columns.append(t)
            blocks.append(_assemble_columns(columns, out, x.shape))
        if single:
            return blocks[0]
        if isinstance(out, tuple):      # JAX's nesting: outputs outside, arguments inside
            return tuple(tuple(block[k] for block in blocks) for k in range(len(out)))
        return tuple(blocks)
    return jacobian


def _no_trees(name, args, numbers, arrays_too=True):
    """Refuse trees among the differentiated arguments; `arrays_too=False` lets through
    a list or tuple of numbers that NumPy reads as an array, as these always did."""
    for n in numbers:
        if is_tree(args[n]) and not (not arrays_too and _array_like(args[n])):
            raise UsageValueError(
                f"{name} takes numbers and arrays as differentiated arguments, not "
                f"parameter trees (argument {n} is a {type(args[n]).__name__}); pass the "
                "leaves as separate arguments (grad, vjp and jvp take trees)")


def _array_like(value):
    try:
        return np.asarray(value, dtype=float).dtype != object
    except (TypeError, ValueError):
        return False


def _zero_tangent(a):
    if isinstance(a, np.ndarray):
        return np.zeros(a.shape)
    if isinstance(a, (float, int, np.number)):
        return 0.0
    return a


def _assemble_columns(columns, out, in_shape):
    if isinstance(out, tuple):
        return tuple(_assemble_columns([c[k] for c in columns], out[k], in_shape)
                     for k in range(len(out)))
    out_shape = np.shape(out)
    stacked = np.stack([np.asarray(c, dtype=float).reshape(out_shape) for c in columns],
                       axis=-1)
    result = stacked.reshape(out_shape + in_shape)
    return float(result) if result.shape == () and not out_shape else result


def jacrev(fun, argnums=0):
    """The Jacobian by reverse mode: one vjp per element of the output."""
    single = isinstance(argnums, int)
    numbers = (argnums,) if single else tuple(argnums)

    @functools.wraps(fun)
    def jacobian(*args):
        _no_trees("jacrev", args, numbers, arrays_too=False)
        out, vjp_fn = vjp(fun, *args)
        outs = out if isinstance(out, tuple) else (out,)
        batched = _jacrev_batched(fun, args, out, outs, numbers, single)
        if batched is not None:
            return batched
        per_output = []
        for k, o in enumerate(outs):
            o_shape = np.shape(o)
            rows = {n: [] for n in numbers}
            for i in range(int(np.prod(o_shape, dtype=int))):
                seed = np.zeros(o_shape)
                seed.flat[i] = 1.0
                seed = seed if o_shape else 1.0
                cts = [np.zeros(np.shape(q)) if np.shape(q) else 0.0 for q in outs]
                cts[k] = seed
                grads = vjp_fn(tuple(cts) if isinstance(out, tuple) else cts[0])
                for n in numbers:
                    if grads[n] is None:
                        raise UsageValueError(f"argument {n} is not a float: jacrev "
                                              "differentiates float arguments only")
                    rows[n].append(np.asarray(grads[n], dtype=float))
            blocks = []
            for n in numbers:
                in_shape = np.shape(args[n])
                J = np.stack(rows[n]).reshape(o_shape + in_shape)
                blocks.append(float(J) if J.shape == () else J)
            per_output.append(blocks[0] if single else tuple(blocks))
        return tuple(per_output) if isinstance(out, tuple) else per_output[0]
    return jacobian


def _outputs_of(block):
    """Whether jacfwd's output is a tuple (JAX nests tuple outputs outside): a block is
    a tuple exactly when the output is."""
    return block if isinstance(block, tuple) else None


def _jacrev_batched(fun, args, out, outs, numbers, single):
    """jacrev from one batched call per output (jacobian_batch.py), or None."""
    fun = _plain(fun)
    argnums = tuple(i for i, p in enumerate(args) if _is_float(p) or is_tree(p))
    if not set(numbers) <= set(argnums):
        return None             # the loop below says which argument is not a float
    seeded = _seeded_gradient(fun, len(args), _structure(out), argnums)
    blocks = jacrev_blocks(seeded, argnums, args, outs)
    if blocks is None:
        return None
    per_output = [b[numbers[0]] if single else tuple(b[n] for n in numbers) for b in blocks]
    return tuple(per_output) if isinstance(out, tuple) else per_output[0]


def hessian(fun, argnums=0):
    """The Hessian of a scalar `fun`, exactly, by compiling generated code again:
    forward over reverse (jacfwd of the generated gradient, whose source s2s_ad reads
    back in forward mode, its tape read in place: tape_reading.py); where that is
    refused, reverse over forward: the gradient of the generated jvp, which needs no
    tape, along each basis direction (H is symmetric, so the rows are the same)."""
    from .api import grad
    with plain_code():          # scalar_loops.py: the tape as forward mode expects it
        gradient = grad(fun, argnums=argnums)

    @functools.wraps(fun)
    def hess(*args):
        _no_trees("hessian", args, (argnums,) if isinstance(argnums, int) else argnums)
        with plain_code():
            generated = gradient.compile(*args)
        try:        # (tape_reading.py: the tape as forward mode reads it)
            return jacfwd(forward_readable(generated), argnums)(*args)
        except TranslationError as first:
            try:
                return _reverse_over_forward(fun, argnums, args)
            except TranslationError as second:
                raise TranslationError(
                    f"hessian: neither forward over reverse ({first.msg}) nor reverse over "
                    f"forward ({second.msg}) could differentiate {fun.__name__} twice",
                    None) from None
    return hess


def _reverse_over_forward(fun, argnums, args):
    """H[i] = grad_x (J(x) e_i): the generated jvp, differentiated by grad (compiled
    once per signature: second_order.py keeps it)."""
    from .second_order import _reverse_over_forward as directional_gradient
    single = isinstance(argnums, int)
    numbers = (argnums,) if single else tuple(argnums)
    blocks = []
    for n in numbers:
        x = np.asarray(args[n], dtype=float)
        rows = []
        for j in range(x.size):
            basis = np.zeros(x.size)
            basis[j] = 1.0
            tangents = [_zero_tangent(a) for a in args]
            tangents[n] = basis.reshape(x.shape) if x.shape else 1.0
            rows.append([directional_gradient(fun, m, tuple(args), tuple(tangents))
                         for m in numbers])
        per_second = []
        for k, m in enumerate(numbers):
            in_shape = np.shape(args[m])
            stacked = np.stack([np.asarray(r[k], dtype=float) for r in rows])
            H = stacked.reshape(x.shape + in_shape)
            per_second.append(float(H) if H.shape == () else H)
        blocks.append(per_second[0] if single else tuple(per_second))
    return blocks[0] if single else tuple(blocks)


# -- grad(grad(f)) ---------------------------------------------------------------------------

def grad_of_gradient(gradient, argnums, with_value, has_aux):
    """grad of a function `grad(f, argnums=k)` returned: d/dx_j of df/dx_k, one entry of
    f's Hessian block (k, j), computed as `hessian` does (the generated gradient compiled
    again). The inner gradient must be one number: x_k a scalar, as grad requires."""
    compiler = gradient._s2s_compiler
    if has_aux or compiler.has_aux or compiler.with_value or \
            not isinstance(compiler.argnums, int):
        raise UsageValueError("grad of a gradient takes grad(f, argnums=<one int>) of a "
                              "function without has_aux; for several arguments use "
                              "s2s_ad.hessian(f, argnums=...)")
    inner = compiler.argnums
    fun = compiler.fun
    single = isinstance(argnums, int)
    outer = (argnums,) if single else tuple(argnums)

    @functools.wraps(fun)
    def second(*args):
        if np.shape(args[inner]) != ():
            raise UsageValueError(
                f"grad(grad(f)) needs grad(f) to return one number, but argument {inner} "
                f"has shape {np.shape(args[inner])}; use s2s_ad.hessian(f) for arrays")
        block = hessian(fun, argnums=tuple(dict.fromkeys((inner,) + outer)))(*args)
        rows = dict(zip(dict.fromkeys((inner,) + outer), block))
        order = list(dict.fromkeys((inner,) + outer))
        entries = tuple(rows[inner][order.index(j)] for j in outer)
        result = entries[0] if single else entries
        return (gradient(*args), result) if with_value else result
    return second


# -- stop_gradient ---------------------------------------------------------------------------

def stop_gradient(x):
    """x itself, treated as a constant by every mode: no gradient flows back through it
    and its tangent is zero (JAX's lax.stop_gradient)."""
    return x


rules.defrule(stop_gradient, "x", name="stop_gradient", zero_grad=True)


# -- custom rules: custom_rules.py (custom_vjp, custom_jvp, defvjp) -------------------------

from .custom_rules import custom_jvp, custom_vjp, defvjp  # noqa: E402,F401
