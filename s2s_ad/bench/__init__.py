"""Benchmarking and finite differences: `benchmark(f, *args)` for any function, and
the machinery the project's suite (benchmarks/) runs on.

| module | job |
|---|---|
| `benchmark.py` | `benchmark()` and the `BenchmarkReport` it returns |
| `measure.py` | everything measured for one function at one point; the settings |
| `finite_diff.py` | forward, central, Richardson and complex-step differences; errors, digits, the step sweep |
| `timing.py` | calibrated, round-robin, median timing; the steady allocator |
| `peers.py` | autograd / JAX / PyTorch adapters, imported only when installed |
| `machine.py` | the machine line |
| `report.py`, `suite_report.py` | Markdown and JSON for one function, for the suite |
| `plots.py` | PNG figures (only when matplotlib is installed) |
| `progress.py` | a progress bar (tqdm when installed) for long runs |
"""
from .benchmark import FULL, QUICK, STANDARD, BenchmarkReport, Settings, benchmark

__all__ = ["benchmark", "BenchmarkReport", "Settings", "QUICK", "STANDARD", "FULL"]
