"""torch_timing.py -- what the PyTorch anchor scripts of bench/nn.mjs share: the timing rounds and the
BLAS kernel threadpoolctl reports (imported from beside them; python puts the script's folder first)."""
import statistics
import time


def time_rounds(once, iters, warmup):
    """ms per call of `once`: `warmup` calls, then 3 rounds of `iters` calls (min and median of the rounds)."""
    for _ in range(warmup):
        once()
    rounds = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(iters):
            once()
        rounds.append((time.perf_counter() - start) * 1000 / iters)
    return {"min": min(rounds), "median": statistics.median(rounds)}


def blas_info():
    """The BLAS libraries threadpoolctl sees (kernel architecture, version, threads), or None."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [{k: d.get(k) for k in ("internal_api", "architecture", "version", "num_threads")}
            for d in threadpool_info() if d.get("user_api") == "blas"]
