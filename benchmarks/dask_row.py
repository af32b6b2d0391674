"""The logistic-loss gradient over a large chunked dask array, on a local dask cluster
of 1 and 2 worker processes, against the same gradient on the in-memory NumPy array.

    python benchmarks/dask_row.py                       # 1,000,000 x 10 rows (80 MB)
    python benchmarks/dask_row.py --rows 200000 --repeats 2

Not part of run.py's suite (nor of CI's quick run): it starts clusters and takes tens
of seconds. It prints one Markdown table; the gradients are checked against NumPy's.
"""
import argparse
import sys
from pathlib import Path
from time import perf_counter

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np                                                      # noqa: E402

from benchmarks.suite import logistic_loss                              # noqa: E402
from s2s_ad import value_and_grad                                       # noqa: E402


def best_of(repeats, call):
    times = []
    for _ in range(repeats):
        start = perf_counter()
        result = call()
        times.append(perf_counter() - start)
    return min(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/dask_row.py", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per chunk")
    parser.add_argument("--workers", default="1,2", help="cluster sizes, e.g. 1,2")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        import dask.array as da
        from distributed import Client, LocalCluster
    except ImportError:
        sys.exit("needs dask: pip install -e .[dask]")

    n, d = args.rows, args.features
    X = da.random.RandomState(0).normal(size=(n, d), chunks=(args.chunk, d))
    y = da.sign(da.random.RandomState(1).normal(size=n, chunks=args.chunk))
    w = np.random.default_rng(2).normal(size=d) / np.sqrt(d)
    f = value_and_grad(logistic_loss)

    X_np, y_np = X.compute(), y.compute()
    f(w, X_np[:10], y_np[:10])                          # compile outside the timing
    numpy_time, (value, reference) = best_of(args.repeats, lambda: f(w, X_np, y_np))
    rows = [("NumPy, in memory", 1, numpy_time, 0.0)]

    for workers in [int(k) for k in args.workers.split(",")]:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster):
            Xd, yd = X.persist(), y.persist()           # the data live on the workers
            start = perf_counter()
            f(w, Xd, yd)                                # first call: compiles
            first = perf_counter() - start
            seconds, (v, g) = best_of(args.repeats, lambda: f(w, Xd, yd))
            assert np.allclose(v, value, rtol=1e-10) and np.allclose(g, reference, rtol=1e-9)
            rows.append((f"dask, {args.chunk:,}-row chunks", workers, seconds, first))

    print(f"\nLogistic-loss value and gradient, {n:,} x {d} float64 "
          f"({n * d * 8 / 1e6:.0f} MB), best of {args.repeats}\n")
    print("| where | workers | seconds | vs NumPy | first call (compile + run) |")
    print("|---|---|---|---|---|")
    for where, workers, seconds, first in rows:
        first_text = f"{first:.2f} s" if first else "-"
        print(f"| {where} | {workers} | {seconds:.3f} | {seconds / numpy_time:.2f}x "
              f"| {first_text} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
