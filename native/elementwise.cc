// Element-wise activations over one contiguous run: exp, sigmoid, tanh, relu (compiled once per ISA; the
// loops are vectorised by the compiler from vecmath.h's branch-free functions). Long runs are cut into
// chunks on the pool; each element is computed alone, so the thread count never changes a result.
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

}  // namespace

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
