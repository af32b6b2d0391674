"""s2s_ad: source-to-source reverse-mode automatic differentiation for numerical Python.

    from s2s_ad import grad
    @grad
    def f(x): ...

The gradient is a new, ordinary Python function generated from the source of `f`;
`.source` shows it.
"""
from .api import grad, show, value_and_grad
from .export import export
from .bench import benchmark
from .check import check_grad, taylor_test
from .errors import TranslationError
from .toolkit import custom_vjp, hessian, jacfwd, jacrev, jvp, stop_gradient, vjp

__all__ = ["grad", "value_and_grad", "show", "export", "check_grad", "taylor_test", "benchmark",
           "TranslationError", "jvp", "vjp", "jacfwd", "jacrev", "hessian", "stop_gradient",
           "custom_vjp"]
__version__ = "0.1.0"
from .jit import JitFallbackWarning, jit
__all__ += ["jit", "JitFallbackWarning"]
from .checkpoint import checkpoint_loops
__all__ += ["checkpoint_loops"]
from .checkpoint_call import checkpoint
__all__ += ["checkpoint"]
