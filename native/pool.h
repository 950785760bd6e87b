// The addon's thread pool (pool.cc): one per process, sized by setThreads (default: the core count).
// parallel_for runs tasks 0..count−1 on up to `threads` threads, the calling thread among them, and
// returns when all are done. One job runs at a time: a caller that finds the pool busy (an async job is
// training on it) runs its tasks alone on its own thread. Kernels pass a plain function pointer and a
// context pointer, so the per-ISA kernel sources need no std::function.
#pragma once
#include <cstddef>

namespace verbo {

using TaskFn = void (*)(void* context, int task);

/** Runs fn(context, t) for t in [0, tasks) on up to `threads` threads; blocks until all finished. */
void parallel_for(int tasks, int threads, TaskFn fn, void* context);

/** Threads kernels use unless told otherwise (≥ 1). */
int pool_threads();
/** Sets the default thread count (clamped to [1, kMaxThreads]). */
void set_pool_threads(int threads);
constexpr int kMaxThreads = 64;

/**
 * A scratch buffer of at least `bytes` bytes, 64-byte aligned, owned by the calling OS thread
 * (`slot` 0..3 gives independent buffers). Grows, never shrinks; valid until the same thread asks for
 * the same slot again.
 */
float* thread_scratch(int slot, size_t bytes);

}  // namespace verbo
