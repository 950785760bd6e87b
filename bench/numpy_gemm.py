#!/usr/bin/env python3
"""numpy_gemm.py -- the OpenBLAS anchor of bench/tensor.mjs: float32 C = A @ B through numpy.

Times the same shapes bench/tensor.mjs times (m x k times k x n), with the BLAS thread pool limited to each
of --threads through threadpoolctl. Like bench/tensor.mjs: --samples samples of at least --min-time seconds
each (after warm-up), or, with --reps N, exactly N calls per sample (fixed work, for whole-process paired
runs). GFLOP/s = 2 m n k / seconds, best and median sample. Run it with the OpenBLAS pinning variables
removed (bench/tensor.mjs does): `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 ...`.
Records the BLAS kernel threadpoolctl reports. Last stdout line: one JSON object.

Usage: /usr/bin/python3 bench/numpy_gemm.py [--shapes 512x512x512,700x800x200] [--threads 1,2]
           [--samples 3] [--min-time 0.25] [--reps N]
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", default="512x512x512,700x800x200,700x10000x200", help="MxNxK list")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--samples", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.25)
    ap.add_argument("--reps", type=int, default=0, help="fixed calls per sample (0: size by --min-time)")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    keys = ("internal_api", "architecture", "version", "num_threads", "threading_layer")
    res = {
        "script": "bench/numpy_gemm.py",
        "numpy": np.__version__,
        "blas": [{k: d.get(k) for k in keys} for d in threadpool_info() if d.get("user_api") == "blas"],
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")},
        "results": [],
    }
    for shape in a.shapes.split(","):
        m, n, k = (int(x) for x in shape.split("x"))
        A = rng.standard_normal((m, k), dtype=np.float32)
        B = rng.standard_normal((k, n), dtype=np.float32)
        C = np.empty((m, n), dtype=np.float32)
        flop = 2.0 * m * n * k
        for th in (int(x) for x in a.threads.split(",")):
            with threadpool_limits(limits=th, user_api="blas"):
                once = float("inf")
                start = time.perf_counter()
                calls = 0
                while calls < 3 or time.perf_counter() - start < min(a.min_time, 0.2):
                    t0 = time.perf_counter()
                    np.matmul(A, B, out=C)
                    once = min(once, max(time.perf_counter() - t0, 1e-6))
                    calls += 1
                reps = a.reps if a.reps > 0 else max(1, int(a.min_time / once + 0.999))
                samples = []
                for _ in range(a.samples):
                    t0 = time.perf_counter()
                    for _ in range(reps):
                        np.matmul(A, B, out=C)
                    samples.append((time.perf_counter() - t0) / reps)
            row = {"shape": shape, "m": m, "n": n, "k": k, "threads": th, "reps": reps,
                   "ms": {"min": 1000 * min(samples), "median": 1000 * statistics.median(samples)},
                   "gflops": {"best": flop / min(samples) / 1e9, "median": flop / statistics.median(samples) / 1e9}}
            res["results"].append(row)
            print(json.dumps(row), file=sys.stderr)
    print(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
