"""What the numbers were measured on: CPU, cores, Python, NumPy and its BLAS, threads.

Printed with every result, because a time without its machine (and BLAS thread count,
which decides matmul speed at large d) cannot be compared with anything.
"""
import os
import platform

import numpy as np

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas():
    """The BLAS NumPy was built against, with threads as threadpoolctl sees them."""
    described = "unknown BLAS"
    try:
        config = np.show_config(mode="dicts")
        lib = config["Build Dependencies"]["blas"]
        described = f"{lib.get('name', '?')} {lib.get('version', '')}".strip()
    except Exception:       # older NumPy has no dict mode; the name is then unknown
        pass
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return described
    pools = [f"{p['internal_api']} {p['num_threads']} threads"
             for p in threadpool_info() if p.get("user_api") == "blas"]
    return described + (f" ({', '.join(pools)})" if pools else "")


def info():
    env = {name: os.environ[name] for name in THREAD_VARS if name in os.environ}
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas(),
        "thread_env": env,
        "platform": platform.platform(),
        "load_average": load_average(),
    }


def load_average():
    """The 1-minute load average: well above the cores this run keeps busy (up to
    the BLAS threads) means someone else shared the CPU and the times are suspect."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):     # not on every platform
        return None


def line(machine):
    threads = ", ".join(f"{k}={v}" for k, v in machine["thread_env"].items()) or "none set"
    return (f"machine: {machine['cpu']}, {machine['cores']} cores | "
            f"Python {machine['python']} | NumPy {machine['numpy']}, BLAS {machine['blas']} | "
            f"thread env vars: {threads} | load average {_load(machine)}"
            + (f" | {machine['allocator']}" if machine.get("allocator") else "")
            + (f" | {machine['jax']}" if machine.get("jax") else ""))


def _load(machine):
    after = machine.get("load_average_after")
    return f"{machine['load_average']} at start, {after} at end" if after is not None \
        else str(machine["load_average"])
