"""The s2s_ad benchmark suite: run it with `python benchmarks/run.py` (see README.md)."""
