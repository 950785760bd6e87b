// Row-wise softmax cross-entropy, and the output layer fused with it (compiled once per ISA).
// Every row is shifted by its maximum before exponentiating (e^(x − max) ≤ 1: nothing overflows); sums
// run in double over 16 interleaved partial sums, in a fixed order (rows.h). Rows are cut into a fixed number of
// chunks whatever the thread count, so results never depend on it.
//
// The fused output layer (see kernels.h, LinearCrossEntropyArgs) keeps the [rows, n] logits in a buffer
// the caller owns, from forward to backward:
//   forward:  Z = X·W (gemm.cc); per row, one pass finds the max of z + b, a second overwrites z with
//             e = e^(z + b − max) while summing it; lse = max + log Σ, loss = lse − (z + b)[target].
//   backward: per row G = g · (e/Σ − onehot) in place (one multiply per entry, no exponential), with the
//             column sums of each chunk of rows (db); then dX = G·Wᵀ and dW = Xᵀ·G on gemm.
// A row whose maximum is ±inf or NaN keeps its logits; its lse is that maximum and backward recomputes
// g · e^(x − lse) in double, as the TypeScript loop does (IEEE behaviour for ±inf and NaN).
#include <cmath>

#include "families.h"
#include "pool.h"
#include "rows.h"
#include "vecmath.h"

namespace verbo {
namespace VERBO_NS {
namespace {

constexpr int kRowChunks = 8;

inline bool finite(float value) { return value - value == 0.0f; }

// ---- log_sum_exp_rows / sparse_cross_entropy_backward -----------------------------------------------

void lse_task(void* context, int task) {
  const RowsArgs& a = *static_cast<const RowsArgs*>(context);
  int per = (a.rows + kRowChunks - 1) / kRowChunks;
  int end = (task + 1) * per < a.rows ? (task + 1) * per : a.rows;
  for (int r = task * per; r < end; r++) {
    const float* x = a.x + static_cast<ptrdiff_t>(r) * a.cols;
    float peak = rows::row_max(x, nullptr, a.cols);
    if (!finite(peak)) {
      a.lse[r] = peak;
      continue;
    }
    a.lse[r] = static_cast<double>(peak) + std::log(rows::sum_exp(x, nullptr, a.cols, peak, nullptr));
  }
}

void ce_backward_task(void* context, int task) {
  const RowsArgs& a = *static_cast<const RowsArgs*>(context);
  int per = (a.rows + kRowChunks - 1) / kRowChunks;
  int end = (task + 1) * per < a.rows ? (task + 1) * per : a.rows;
  for (int r = task * per; r < end; r++) {
    const float* x = a.x + static_cast<ptrdiff_t>(r) * a.cols;
    float* dx = a.dx + static_cast<ptrdiff_t>(r) * a.cols;
    double g = a.rowGrad[r], lse = a.lse[r];
    if (!std::isfinite(lse)) {
      for (int c = 0; c < a.cols; c++) dx[c] = static_cast<float>(g * std::exp(x[c] - lse));
    } else {
      // e^(x − lse) with lse split into a float part (exact where x is near it) and a small remainder
      // folded into the row's scale.
      float shift = static_cast<float>(lse);
      float scale = static_cast<float>(g * std::exp(static_cast<double>(shift) - lse));
      for (int c = 0; c < a.cols; c++) dx[c] = scale * vecmath::exp(x[c] - shift);
    }
    dx[a.targets[r]] -= static_cast<float>(g);
  }
}

// ---- the fused output layer ----------------------------------------------------------------------

void linear_forward_task(void* context, int task) {
  const LinearCrossEntropyArgs& a = *static_cast<const LinearCrossEntropyArgs*>(context);
  int per = (a.rows + kRowChunks - 1) / kRowChunks;
  int end = (task + 1) * per < a.rows ? (task + 1) * per : a.rows;
  const int n = a.n;
  for (int r = task * per; r < end; r++) {
    // z + b is read twice (its maximum, then its exponentials), never written back: one pass less over
    // the row. The target's logit is the same float sum.
    float* z = a.logits + static_cast<ptrdiff_t>(r) * n;
    const int target = a.targets[r];
    float peak = rows::row_max(z, a.bias, n);
    double atTarget = a.bias == nullptr ? z[target] : z[target] + a.bias[target];
    double* stats = a.stats + 2 * static_cast<ptrdiff_t>(r);
    if (!finite(peak)) {
      // Backward recomputes from the logits themselves: they must hold z + b.
      if (a.bias != nullptr)
        for (int j = 0; j < n; j++) z[j] += a.bias[j];
      stats[0] = peak;
      stats[1] = std::nan("");
      a.losses[r] = stats[0] - atTarget;
      continue;
    }
    double total = rows::sum_exp(z, a.bias, n, peak, z);
    stats[0] = static_cast<double>(peak) + std::log(total);
    stats[1] = 1.0 / total;
    a.losses[r] = stats[0] - atTarget;
  }
}

struct BackwardRows {
  const LinearCrossEntropyArgs* args;
  float* partials;  // [kRowChunks, n] column sums of G per chunk of rows
};

void linear_backward_task(void* context, int task) {
  const BackwardRows& job = *static_cast<const BackwardRows*>(context);
  const LinearCrossEntropyArgs& a = *job.args;
  int per = (a.rows + kRowChunks - 1) / kRowChunks;
  int end = (task + 1) * per < a.rows ? (task + 1) * per : a.rows;
  const int n = a.n;
  float* partial = job.partials == nullptr ? nullptr : job.partials + static_cast<ptrdiff_t>(task) * n;
  if (partial != nullptr)
    for (int j = 0; j < n; j++) partial[j] = 0.0f;
  const double g = a.rowGradient;
  for (int r = task * per; r < end; r++) {
    float* row = a.logits + static_cast<ptrdiff_t>(r) * n;
    const double* stats = a.stats + 2 * static_cast<ptrdiff_t>(r);
    if (std::isnan(stats[1])) {
      for (int j = 0; j < n; j++) row[j] = static_cast<float>(g * std::exp(row[j] - stats[0]));
    } else {
      float scale = static_cast<float>(g * stats[1]);
      for (int j = 0; j < n; j++) row[j] *= scale;
    }
    row[a.targets[r]] -= static_cast<float>(g);
    if (partial != nullptr)
      for (int j = 0; j < n; j++) partial[j] += row[j];
  }
}

}  // namespace

void log_sum_exp_rows(const RowsArgs& args) {
  parallel_for(args.rows < kRowChunks ? args.rows : kRowChunks, args.cols >= 256 ? args.threads : 1, lse_task,
               const_cast<RowsArgs*>(&args));
}

void sparse_cross_entropy_backward(const RowsArgs& args) {
  parallel_for(args.rows < kRowChunks ? args.rows : kRowChunks, args.cols >= 256 ? args.threads : 1,
               ce_backward_task, const_cast<RowsArgs*>(&args));
}

void linear_cross_entropy_forward(const LinearCrossEntropyArgs& a) {
  const ptrdiff_t n = a.n, k = a.k;
  // Z = X · W: W(p, j) = w[p·n + j], or w[j·k + p] when stored transposed.
  GemmArgs product{a.rows, a.n, a.k, a.x, k, 1, a.w, a.wTransposed ? 1 : n, a.wTransposed ? k : 1,
                   a.logits, n, false, a.threads};
  gemm(product);
  int chunks = a.rows < kRowChunks ? a.rows : kRowChunks;
  parallel_for(chunks, a.threads, linear_forward_task, const_cast<LinearCrossEntropyArgs*>(&a));
}

void linear_cross_entropy_backward(const LinearCrossEntropyArgs& a) {
  const ptrdiff_t n = a.n, k = a.k;
  int chunks = a.rows < kRowChunks ? a.rows : kRowChunks;
  BackwardRows job{&a, a.db == nullptr ? nullptr : thread_scratch(2, sizeof(float) * chunks * n)};
  parallel_for(chunks, a.threads, linear_backward_task, &job);
  if (a.db != nullptr) {
    for (ptrdiff_t j = 0; j < n; j++) a.db[j] = job.partials[j];
    for (int chunk = 1; chunk < chunks; chunk++) {
      const float* partial = job.partials + chunk * n;
      for (ptrdiff_t j = 0; j < n; j++) a.db[j] += partial[j];
    }
  }
  if (a.dx != nullptr) {
    // dX[rows, k] = G[rows, n] · Wᵀ[n, k]: Wᵀ(j, p) = W(p, j) swaps W's strides.
    GemmArgs product{a.rows, a.k, a.n, a.logits, n, 1, a.w, a.wTransposed ? k : 1, a.wTransposed ? 1 : n,
                     a.dx, k, a.accumulateX, a.threads};
    gemm(product);
  }
  if (a.dw != nullptr) {
    // dW[k, n] = Xᵀ[k, rows] · G[rows, n].
    GemmArgs product{a.k, a.n, a.rows, a.x, 1, k, a.logits, n, 1, a.dw, n, a.accumulateW, a.threads};
    gemm(product);
  }
}

}  // namespace VERBO_NS
}  // namespace verbo
