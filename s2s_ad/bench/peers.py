"""Other AD tools on the same functions: HIPS autograd, JAX (eager and jit), PyTorch.

Each tool is imported only when first used, and a missing one is reported as "not
installed". A function is handed to a tool with each of its globals that names the
numpy or math module (`np`, `numpy`, `math`, whatever the spelling) rebound to the
tool's own NumPy-like module: the code is the user's, only the library under it
changes. Helpers it calls keep their own globals, so a tool may fail on them; that
shows as "failed" with the tool's message.
All tools run in float64 on the CPU so that times and errors compare like with like.
"""
import importlib.metadata
import importlib.util
import math
import types

import numpy as np

PEERS = ("autograd", "jax", "jax.jit", "torch")
# What `benchmark` compares with by default: the NumPy-compatible tools.
NUMPY_PEERS = ("autograd", "jax", "jax.jit")
_MODULE = {"autograd": "autograd", "jax": "jax", "jax.jit": "jax", "torch": "torch"}


def installed(peer):
    return importlib.util.find_spec(_MODULE[peer]) is not None


def version(peer):
    try:
        return importlib.metadata.version(_MODULE[peer])
    except importlib.metadata.PackageNotFoundError:
        return "?"


def rebind(f, module, others=None):
    """A copy of f whose globals naming numpy or math name `module` instead, and those
    naming a key of `others` (SciPy modules and functions, by identity) its value (f
    itself is untouched)."""
    namespace = dict(f.__globals__)
    others = others or {}
    for name, value in f.__globals__.items():
        if value is np or value is math:
            namespace[name] = module
        elif id(value) in others:
            namespace[name] = others[id(value)]
    return types.FunctionType(f.__code__, namespace, f.__name__, f.__defaults__, f.__closure__)


def make_grad(peer, f, args, argnums):
    """(fn, fn_args, to_numpy): time fn(*fn_args); to_numpy(result) gives the gradient
    as grad() shapes it (a tuple for tuple argnums), in NumPy/Python numbers."""
    return _MAKERS[peer](f, args, argnums)


def scipy_stand_ins(special, stats):
    """{id(SciPy object): the peer's}: scipy.special and scipy.stats, the names
    `from scipy.special import logsumexp` and `from scipy.stats import norm` bind, and
    the `scipy` package as a namespace of the two. Empty if SciPy is not imported."""
    import sys
    if "scipy.special" not in sys.modules or "scipy.stats" not in sys.modules:
        return {}
    import scipy.special
    import scipy.stats
    out = {id(scipy.special): special, id(scipy.stats): stats,
           id(scipy): types.SimpleNamespace(special=special, stats=stats)}
    for library, theirs in ((scipy.special, special), (scipy.stats, stats)):
        for name in dir(theirs):
            if not name.startswith("_") and hasattr(library, name):
                out[id(getattr(library, name))] = getattr(theirs, name)
    return out


def _autograd(f, args, argnums):
    import autograd
    import autograd.numpy as anp
    import autograd.scipy.special
    import autograd.scipy.stats
    # autograd.numpy also has sin, exp, log, pi..., so it stands in for math too.
    others = scipy_stand_ins(autograd.scipy.special, autograd.scipy.stats)
    g = autograd.grad(rebind(f, anp, others), argnums)
    return g, args, _identity


def _jax_setup():
    import jax
    if not jax.config.jax_enable_x64:
        # Only before the first array exists: the platform cannot change afterwards.
        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
    return jax


def _jax(f, args, argnums, jit=False):
    jax = _jax_setup()
    import jax.numpy as jnp
    import jax.scipy.special
    import jax.scipy.stats
    others = scipy_stand_ins(jax.scipy.special, jax.scipy.stats)
    g = jax.grad(rebind(f, jnp, others), argnums)
    if jit:
        g = jax.jit(g)
    # Arrays go to the device once, outside the timed call.
    jargs = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)

    def call(*a):
        # JAX dispatches asynchronously: wait for the result, or we time the dispatch.
        return jax.block_until_ready(g(*a))
    return call, jargs, lambda r: _map(r, np.asarray)


def _torch(f, args, argnums):
    import torch
    torch_np = _torch_namespace(torch)
    ft = rebind(f, torch_np)
    positions = argnums if isinstance(argnums, tuple) else (argnums,)
    targs = []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            a = torch.from_numpy(a.copy())
        elif i in positions:
            a = torch.tensor(float(a), dtype=torch.float64)
        if i in positions:
            a.requires_grad_(True)
        targs.append(a)

    def call(*a):
        grads = torch.autograd.grad(ft(*a), [a[i] for i in positions])
        return grads if isinstance(argnums, tuple) else grads[0]
    return call, tuple(targs), lambda r: _map(r, lambda t: t.detach().numpy())


def _torch_namespace(torch):
    """The NumPy/math names the suite uses, spelled the torch way."""
    def maximum(x, y):
        # torch.maximum wants two tensors; NumPy takes a Python number too.
        return torch.maximum(torch.as_tensor(x, dtype=torch.float64),
                             torch.as_tensor(y, dtype=torch.float64))
    return types.SimpleNamespace(
        sin=torch.sin, cos=torch.cos, exp=torch.exp, log=torch.log, log1p=torch.log1p,
        sqrt=torch.sqrt, tanh=torch.tanh, sum=torch.sum, mean=torch.mean,
        dot=torch.matmul, maximum=maximum, pi=math.pi)


def _identity(result):
    return result


def _map(result, convert):
    return tuple(convert(r) for r in result) if isinstance(result, tuple) else convert(result)


_MAKERS = {
    "autograd": _autograd,
    "jax": _jax,
    "jax.jit": lambda f, args, argnums: _jax(f, args, argnums, jit=True),
    "torch": _torch,
}
