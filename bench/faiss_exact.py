#!/usr/bin/env python3
"""bench/faiss_exact.py -- the exact-search anchor alone, for paired runs against bench/search.mjs.

faiss IndexFlatIP (exact inner product on unit rows = cosine) over the same data bench/search.mjs reads
with --data word2vec: every vector of a word2vec binary file, the words of --query-words as queries (each
query is a word of the index; k+1 neighbours are asked for, as ann_faiss.py does, and the query's own row
is dropped after timing). Timed: one batch call of all queries, and one query per call (the first
--single-queries), each --repeat times (min / median). No HNSW build (ann_faiss.py does that too, and
takes a minute): this script exists so that `node bench/pair.mjs` can interleave ours and faiss's exact
search run by run.

Run it as users run faiss: without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (`env -u ... node bench/pair.mjs`).
The BLAS kernel threadpoolctl reports is in the JSON.

Threads: faiss.omp_set_num_threads() bounds faiss's own OpenMP loops only; a batch search's inner
products are one BLAS sgemm, and OpenBLAS runs it on its own pool (every core unless told otherwise).
So --threads N bounds both (threadpoolctl's threadpool_limits for the BLAS), and "1 thread" means one
core; --blas-threads M sets the BLAS pool apart (e.g. --threads 1 --blas-threads 2: faiss's loops on one
thread, its sgemm on two — on 2 cores the fastest 2-core setting of this faiss, which loses time when
both pools have two threads).

Usage:
  /usr/bin/python3 bench/faiss_exact.py --vectors F.bin --query-words F.txt [--threads 1] [--k 10]
      [--repeat 3] [--single-queries 1000] [--blas-threads N (default: --threads)]
Last stdout line: one JSON object (batch_qps and single_query_qps are medians).
"""
import argparse
import json
import statistics
import sys
import time


def read_word2vec_binary(path):
    import numpy as np

    with open(path, "rb") as fh:
        n, dim = (int(x) for x in fh.readline().split())
        data = fh.read()
    words = []
    rows = np.empty((n, dim), dtype=np.float32)
    at = 0
    for i in range(n):
        while data[at] == 0x0A:
            at += 1
        space = data.index(b" ", at)
        words.append(data[at:space].decode("utf-8", errors="replace"))
        at = space + 1
        rows[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=at)
        at += 4 * dim
    return words, rows


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--query-words", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--single-queries", type=int, default=1000)
    a = ap.parse_args(argv)

    import faiss
    import numpy as np

    from threadpoolctl import threadpool_info, threadpool_limits

    blas_threads = a.threads if a.blas_threads is None else a.blas_threads
    faiss.omp_set_num_threads(a.threads)
    threadpool_limits(limits=blas_threads, user_api="blas")
    words, xb = read_word2vec_binary(a.vectors)
    norms = np.linalg.norm(xb, axis=1, keepdims=True)
    xb /= np.where(norms == 0, 1, norms)
    row_of = {}
    for i, w in enumerate(words):
        row_of.setdefault(w, i)
    with open(a.query_words, encoding="utf-8") as fh:
        listed = [line.strip() for line in fh if line.strip()]
    qids = np.array([row_of[w] for w in listed if w in row_of], dtype=np.int64)
    xq = np.ascontiguousarray(xb[qids])
    nq = xq.shape[0]
    kq = a.k + 1

    flat = faiss.IndexFlatIP(xb.shape[1])
    flat.add(xb)
    flat.search(xq[:10], kq)  # warm
    batch, single = [], []
    n_single = min(nq, a.single_queries)
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        flat.search(xq, kq)
        batch.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for i in range(n_single):
            flat.search(xq[i:i + 1], kq)
        single.append(time.perf_counter() - t0)

    try:
        blas = [
            {k: v for k, v in info.items() if k in ("internal_api", "version", "architecture", "num_threads")}
            for info in threadpool_info()
        ]
    except Exception as error:  # noqa: BLE001 -- the figure stands without it
        blas = {"error": str(error)}
    res = {
        "script": "bench/faiss_exact.py",
        "faiss": faiss.__version__,
        "threads": a.threads,
        "blas_threads": blas_threads,
        "n": xb.shape[0],
        "dim": xb.shape[1],
        "queries": nq,
        "k": a.k,
        "batch_seconds": batch,
        "batch_qps": nq / statistics.median(batch),
        "batch_qps_best": nq / min(batch),
        "single_queries": n_single,
        "single_seconds": single,
        "single_query_qps": n_single / statistics.median(single),
        "blas": blas,
    }
    print(
        f"faiss IndexFlatIP, {a.threads} thread(s), BLAS {blas_threads}: batch {res['batch_qps']:.0f} q/s, "
        f"one query at a time {res['single_query_qps']:.0f} q/s",
        file=sys.stderr,
    )
    print(json.dumps(res))


if __name__ == "__main__":
    main()
