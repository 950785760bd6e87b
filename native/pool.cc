// The thread pool behind parallel_for (see pool.h). Workers are started lazily, the first time a job
// wants them, and never stopped: they are detached and the process may exit at any time. Between jobs a
// worker spins briefly on the job counter (a kernel call from JavaScript usually follows the previous
// one within microseconds), then sleeps on a condition variable.
#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

namespace verbo {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/** How many times an idle worker polls for a new job before it sleeps (tens of microseconds). */
constexpr int kSpins = 4000;

// A job is open from the moment it is posted until the caller has run out of tasks. A worker that wakes
// announces itself (active_), then joins only if the job it saw is still open; the caller waits only for
// the workers that joined, never for one that is still asleep or not yet scheduled (on a busy machine a
// woken thread can wait milliseconds for a core: the caller then simply runs every task itself).
class Pool {
 public:
  void run(int tasks, int threads, TaskFn fn, void* context) {
    if (threads > kMaxThreads) threads = kMaxThreads;
    if (threads > tasks) threads = tasks;
    if (threads <= 1 || !busy_.try_lock()) {
      for (int t = 0; t < tasks; t++) fn(context, t);
      return;
    }
    start_workers(threads - 1);
    fn_ = fn;
    context_ = context;
    tasks_ = tasks;
    participants_.store(threads - 1, std::memory_order_relaxed);
    next_.store(0, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_seq_cst);
      open_.store(true, std::memory_order_seq_cst);
    }
    wake_.notify_all();
    take_tasks();
    open_.store(false, std::memory_order_seq_cst);
    // Wait for the workers that joined (they finish their last task within microseconds, unless the
    // OS took their core): spin first, then sleep.
    for (int spin = 0; active_.load(std::memory_order_seq_cst) != 0; spin++) {
      if (spin < kSpins) {
        cpu_relax();
        continue;
      }
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return active_.load(std::memory_order_seq_cst) == 0; });
    }
    busy_.unlock();
  }

 private:
  void take_tasks() {
    for (;;) {
      int task = next_.fetch_add(1, std::memory_order_relaxed);
      if (task >= tasks_) return;
      fn_(context_, task);
    }
  }

  void start_workers(int wanted) {
    while (started_ < wanted) {
      int index = started_++;
      uint64_t seen = generation_.load(std::memory_order_acquire);
      std::thread([this, index, seen] { work(index, seen); }).detach();
    }
  }

  void work(int index, uint64_t seen) {
    for (;;) {
      uint64_t now = generation_.load(std::memory_order_acquire);
      for (int spin = 0; now == seen && spin < kSpins; spin++) {
        cpu_relax();
        now = generation_.load(std::memory_order_acquire);
      }
      if (now == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        now = generation_.load(std::memory_order_acquire);
      }
      seen = now;
      if (index >= participants_.load(std::memory_order_relaxed)) continue;
      active_.fetch_add(1, std::memory_order_seq_cst);
      // Join only the job we were woken for, and only while it is open (see the class comment).
      if (open_.load(std::memory_order_seq_cst) && generation_.load(std::memory_order_seq_cst) == seen) take_tasks();
      if (active_.fetch_sub(1, std::memory_order_seq_cst) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  std::mutex busy_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> open_{false};
  std::atomic<int> next_{0};
  std::atomic<int> active_{0};
  int started_ = 0;
  // Job description: written by the caller before generation_ is bumped, read by workers after.
  TaskFn fn_ = nullptr;
  void* context_ = nullptr;
  int tasks_ = 0;
  std::atomic<int> participants_{0};
};

// Never destroyed: detached workers may still be polling it while the process exits.
Pool& pool() {
  static Pool* instance = new Pool();
  return *instance;
}

int default_threads() {
  unsigned cores = std::thread::hardware_concurrency();
  int threads = cores == 0 ? 1 : static_cast<int>(cores);
  return threads > kMaxThreads ? kMaxThreads : threads;
}

std::atomic<int> configured_threads{0};

struct Scratch {
  void* data[4] = {nullptr, nullptr, nullptr, nullptr};
  size_t size[4] = {0, 0, 0, 0};
  ~Scratch() {
    for (void* block : data) std::free(block);
  }
};

thread_local Scratch scratch;

}  // namespace

void parallel_for(int tasks, int threads, TaskFn fn, void* context) {
  if (tasks <= 0) return;
  pool().run(tasks, threads, fn, context);
}

int pool_threads() {
  int threads = configured_threads.load(std::memory_order_relaxed);
  return threads > 0 ? threads : default_threads();
}

void set_pool_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > kMaxThreads) threads = kMaxThreads;
  configured_threads.store(threads, std::memory_order_relaxed);
}

float* thread_scratch(int slot, size_t bytes) {
  if (bytes == 0) bytes = 64;
  if (scratch.size[slot] < bytes) {
    std::free(scratch.data[slot]);
    size_t rounded = (bytes + 63) / 64 * 64;
    scratch.data[slot] = std::aligned_alloc(64, rounded);
    if (scratch.data[slot] == nullptr) {
      scratch.size[slot] = 0;
      throw std::bad_alloc();
    }
    scratch.size[slot] = rounded;
  }
  return static_cast<float*>(scratch.data[slot]);
}

}  // namespace verbo
