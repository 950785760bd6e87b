// The table of kernel entry points one instruction set provides. Every ISA build fills one table
// (table.cc, compiled per ISA); dispatch.cc picks the table to use once, at load. Only plain structs
// and function pointers cross this boundary, so the ISA copies share no inline code.
#pragma once
#include <cstddef>
#include <cstdint>

namespace verbo {

/**
 * C[m, n] (+)= op(A)[m, k] · op(B)[k, n]. Element (i, p) of op(A) is a[i·rsA + p·csA], element (p, j)
 * of op(B) is b[p·rsB + j·csB], element (i, j) of C is c[i·ldc + j]; a transposed operand only swaps
 * its two strides. With accumulate the product is added to C, else it overwrites C. Each element of C
 * is summed in the same order whatever the thread count, so results do not depend on `threads`.
 */
struct GemmArgs {
  int m, n, k;
  const float* a;
  ptrdiff_t rsA, csA;
  const float* b;
  ptrdiff_t rsB, csB;
  float* c;
  ptrdiff_t ldc;
  bool accumulate;
  /** Most threads to use (1 = the calling thread only). */
  int threads;
};

/** out[i] = f(x[i]) for i < length (out may be x). */
enum UnaryOp { kExp = 0, kSigmoid = 1, kTanh = 2, kRelu = 3 };
struct UnaryArgs {
  int op;
  const float* x;
  float* out;
  ptrdiff_t length;
  int threads;
};

/**
 * Row-wise softmax kernels over contiguous [rows, cols] values x (the oracles are in
 * src/tensor/kernels/softmax.ts):
 *   log_sum_exp_rows:               lse[r] = log Σ_c e^x[r, c] (stable; ±inf and NaN rows as the oracle)
 *   sparse_cross_entropy_backward:  dx[r, c] = rowGrad[r] · (e^(x[r, c] − lse[r]) − [c = targets[r]])
 */
struct RowsArgs {
  int rows, cols;
  const float* x;
  double* lse;
  const int32_t* targets;
  const double* rowGrad;
  float* dx;
  int threads;
};

/**
 * The output layer and its loss as one kernel (src/tensor/kernels/linear-cross-entropy.ts):
 * z = x · W + b, loss_r = lse_r − z[r, t_r].
 * forward:  logits ← e^(z − max_r) per row (stats[2r] = lse_r, stats[2r + 1] = 1/Σ_r, or NaN for a row
 *           whose maximum is ±inf or NaN, which keeps z); losses[r] = loss_r.
 * backward: logits ← G = rowGradient · (softmax − onehot) in place; dx (+)= G · Wᵀ, dw (+)= Xᵀ · G,
 *           db = Σ_rows G (each output skipped when null).
 */
struct LinearCrossEntropyArgs {
  int rows, k, n;
  const float* x;      // [rows, k]
  const float* w;      // [k, n], or [n, k] when wTransposed
  bool wTransposed;
  const float* bias;   // [n]
  const int32_t* targets;
  float* logits;       // [rows, n]
  double* stats;       // [rows, 2]
  double* losses;      // [rows]
  double rowGradient;
  float* dx;           // [rows, k]
  bool accumulateX;
  float* dw;           // [k, n]
  bool accumulateW;
  float* db;           // [n]
  int threads;
};

/**
 * A whole LSTM layer over `steps` time steps (src/tensor/ops/recurrent.ts holds the TypeScript loop it
 * replaces). Gates [i | f | g | o]; states time-major.
 * forward:  for t: z_t = h_{t−1} · U + xProj[:, t]; i, f, o = σ, g = tanh; c_t = f c_{t−1} + i g;
 *           h_t = o tanh(c_t). hs, cs hold h0, c0 at step 0 and h_t, c_t at t + 1; gates and
 *           tanhCells are kept for backward.
 * backward: from gradOut [batch, steps + 1, units] (dL/dh_t, then dL/dc_{T−1}) to dz [steps, batch,
 *           4·units], dh (dL/dh0) and dc (dL/dc0); dh0 is skipped when !wantH0.
 */
struct LstmArgs {
  int batch, steps, units;
  const float* xProj;     // [batch, steps, 4·units]
  const float* recurrent; // [units, 4·units]
  float* hs;              // [steps + 1, batch, units]
  float* cs;              // [steps + 1, batch, units]
  float* tanhCells;       // [steps, batch, units]
  float* gates;           // [steps, batch, 4·units]
  const float* gradOut;   // [batch, steps + 1, units]
  float* dz;              // [steps, batch, 4·units]
  float* dh;              // [batch, units]
  float* dc;              // [batch, units]
  bool wantH0;
  int threads;
};

/**
 * A subword (fastText) model for the chunk loop (fasttext.cc): matrices the chunks update in place and
 * the tables they read. Word w's rows are subwordRows[subwordStart[w] .. subwordStart[w + 1]).
 */
struct SubwordModel {
  int dim, window, negative;
  bool hs, cbow;
  /** [words + buckets, dim] input rows; [words, dim] negative-sampling weights; HS node weights. */
  float* input;
  float* output;
  float* hsWeights;
  const int32_t* subwordStart;
  const int32_t* subwordRows;
  /** Alias table of the noise distribution: per word [u32 threshold, alias]; noiseBins entries. */
  const uint32_t* noise;
  uint32_t noiseBins;
  const float* keep;
  const int32_t* codeStart;
  const int32_t* codeLength;
  const uint8_t* codes;
  const int32_t* points;
  /** fastText's σ table: 513 values on [−8, 8]. */
  const float* sigmoid;
};

/** One chunk of word ids (sentences end at `ends`), its learning rate and RNG; results filled in. */
struct SubwordChunk {
  const int32_t* ids;
  int words;
  const int32_t* ends;
  int sentences;
  float alpha;
  /** In: the RNG state to start from; out: where it ended. */
  uint64_t rng;
  /** Out: words kept after subsampling, loss sum, examples. */
  int kept;
  double lossSum;
  double examples;
};

/** `count` chunks trained at once, one per task on up to `threads` threads (Hogwild). */
struct SubwordArgs {
  const SubwordModel* model;
  SubwordChunk* chunks;
  int count;
  int threads;
};

struct KernelTable {
  /** "avx512", "avx2", "portable" or "neon". */
  const char* isa;
  /** Register tile of the GEMM micro-kernel (rows × columns), for diagnostics. */
  int gemmMr, gemmNr;
  void (*gemm)(const GemmArgs& args);
  void (*unary)(const UnaryArgs& args);
  void (*logSumExpRows)(const RowsArgs& args);
  void (*sparseCrossEntropyBackward)(const RowsArgs& args);
  void (*linearCrossEntropyForward)(const LinearCrossEntropyArgs& args);
  void (*linearCrossEntropyBackward)(const LinearCrossEntropyArgs& args);
  void (*lstmForward)(const LstmArgs& args);
  void (*lstmBackward)(const LstmArgs& args);
  void (*subwordTrain)(const SubwordArgs& args);
};

}  // namespace verbo
