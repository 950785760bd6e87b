// Element-wise activations over one contiguous run: exp, sigmoid, tanh, relu (compiled once per ISA; the
// loops are vectorised by the compiler from vecmath.h's branch-free functions), and the optimizers' two
// passes over a parameter: the SGD update and the sum of squares of a gradient (for clipping by the global
// norm). Long runs are cut into chunks on the pool; each element is computed alone, and the chunks' sums
// are added in order, so the thread count never changes a result.
#include "families.h"
#include "pool.h"
#include "vecmath.h"

namespace verbo {
namespace VERBO_NS {
namespace {

/** Below this many elements a run stays on the calling thread. */
constexpr ptrdiff_t kParallelMinLength = 1 << 16;
constexpr ptrdiff_t kChunk = 1 << 14;

void run(int op, const float* __restrict x, float* __restrict out, ptrdiff_t length) {
  switch (op) {
    case kExp:
      for (ptrdiff_t i = 0; i < length; i++) out[i] = vecmath::exp(x[i]);
      return;
    case kSigmoid:
      for (ptrdiff_t i = 0; i < length; i++) out[i] = vecmath::sigmoid(x[i]);
      return;
    case kTanh:
      for (ptrdiff_t i = 0; i < length; i++) out[i] = vecmath::tanh(x[i]);
      return;
    case kRelu:
      // x > 0 ? x : 0 keeps NaN as NaN (as Math.max(x, 0) does).
      for (ptrdiff_t i = 0; i < length; i++) out[i] = x[i] > 0.0f ? x[i] : (x[i] != x[i] ? x[i] : 0.0f);
      return;
    default:
      return;
  }
}

/** In place (out == x) the restrict promise above would be broken: copy through a block instead. */
void run_any(int op, const float* x, float* out, ptrdiff_t length) {
  if (x != out) {
    run(op, x, out, length);
    return;
  }
  float block[1024];
  for (ptrdiff_t start = 0; start < length; start += 1024) {
    ptrdiff_t size = length - start < 1024 ? length - start : 1024;
    for (ptrdiff_t i = 0; i < size; i++) block[i] = x[start + i];
    run(op, block, out + start, size);
  }
}

void chunk_task(void* context, int task) {
  const UnaryArgs& args = *static_cast<const UnaryArgs*>(context);
  ptrdiff_t start = task * kChunk;
  ptrdiff_t size = args.length - start < kChunk ? args.length - start : kChunk;
  run_any(args.op, args.x + start, args.out + start, size);
}

void sgd_task(void* context, int task) {
  const ParameterArgs& args = *static_cast<const ParameterArgs*>(context);
  const ptrdiff_t start = task * kChunk;
  const ptrdiff_t end = args.length - start < kChunk ? args.length : start + kChunk;
  float* __restrict param = args.param;
  const float* __restrict grad = args.grad;
  const double rate = args.learningRate;
  for (ptrdiff_t i = start; i < end; i++)
    param[i] = static_cast<float>(static_cast<double>(param[i]) - rate * static_cast<double>(grad[i]));
}

struct Squares {
  const ParameterArgs* args;
  double* sums;  // one per chunk
};

/** Σ x² over one chunk, in double over 8 lanes added in a fixed order (a float's square is exact in double). */
void squares_task(void* context, int task) {
  const Squares& job = *static_cast<const Squares*>(context);
  const ParameterArgs& args = *job.args;
  const ptrdiff_t start = task * kChunk;
  const ptrdiff_t end = args.length - start < kChunk ? args.length : start + kChunk;
  const float* __restrict x = args.grad;
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  ptrdiff_t i = start;
  for (; i + 8 <= end; i += 8)
    for (int l = 0; l < 8; l++) {
      const double value = x[i + l];
      lanes[l] += value * value;
    }
  double total = 0;
  for (; i < end; i++) total += static_cast<double>(x[i]) * x[i];
  for (int l = 0; l < 8; l++) total += lanes[l];
  job.sums[task] = total;
}

int chunks_of(ptrdiff_t length) { return static_cast<int>((length + kChunk - 1) / kChunk); }

}  // namespace

void sgd_update(const ParameterArgs& args) {
  if (args.length <= 0) return;
  parallel_for(chunks_of(args.length), args.length < kParallelMinLength ? 1 : args.threads, sgd_task,
               const_cast<ParameterArgs*>(&args));
}

double sum_of_squares(const ParameterArgs& args) {
  if (args.length <= 0) return 0.0;
  const int chunks = chunks_of(args.length);
  Squares job{&args, reinterpret_cast<double*>(thread_scratch(3, sizeof(double) * chunks))};
  parallel_for(chunks, args.length < kParallelMinLength ? 1 : args.threads, squares_task, &job);
  double total = 0;
  for (int chunk = 0; chunk < chunks; chunk++) total += job.sums[chunk];
  return total;
}

void unary(const UnaryArgs& args) {
  if (args.length < kParallelMinLength || args.threads <= 1) {
    run_any(args.op, args.x, args.out, args.length);
    return;
  }
  parallel_for(static_cast<int>((args.length + kChunk - 1) / kChunk), args.threads, chunk_task,
               const_cast<UnaryArgs*>(&args));
}

}  // namespace VERBO_NS
}  // namespace verbo
