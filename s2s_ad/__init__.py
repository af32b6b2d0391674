"""s2s_ad: source-to-source reverse-mode automatic differentiation for numerical Python.

    from s2s_ad import grad
    @grad
    def f(x): ...

The gradient is a new, ordinary Python function generated from the source of `f`;
`.source` shows it.
"""
from .api import grad, show, value_and_grad
from .errors import TranslationError
# forward mode, higher order and custom rules (issue "The derivative toolkit")
from .toolkit import hessian, jacfwd, jacrev, jvp, stop_gradient, vjp
from .custom_rules import custom_jvp, custom_vjp, defvjp
# checking, benchmarking, exporting
from .check import check_grad, taylor_test
from .bench import benchmark
from .export import export
# speed: the numba backend and checkpointing
from .jit import JitFallbackWarning, jit
from .checkpoint import checkpoint_loops
from .checkpoint_call import checkpoint
# the lecture: trace tables, kinks and Clarke subgradients, optimizers
from .trace_tables import trace_table
from .kinks import kinks
from . import optim

__all__ = ["grad", "value_and_grad", "show", "TranslationError",
           "jvp", "vjp", "jacfwd", "jacrev", "hessian", "stop_gradient",
           "custom_vjp", "custom_jvp", "defvjp",
           "check_grad", "taylor_test", "benchmark", "export",
           "jit", "JitFallbackWarning", "checkpoint_loops", "checkpoint",
           "trace_table", "kinks", "optim"]
__version__ = "0.1.0"
