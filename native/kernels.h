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
/**
 * An optimizer's pass over one parameter (elementwise.cc): sgdUpdate sets
 * param[i] = float(param[i] − learningRate · grad[i]) computed in double, as the TypeScript loop does;
 * sumOfSquares returns Σ grad[i]² in double, summed by fixed chunks in order (param unused).
 */
struct ParameterArgs {
  float* param;
  const float* grad;
  ptrdiff_t length;
  double learningRate;
  int threads;
};

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
 * A word2vec model as the chunk loop sees it (src/embeddings/kernels/word2vec.ts fills it): the weight
 * matrices it updates in place, lock-free (Hogwild), and the read-only tables of the run.
 */
struct Word2VecModel {
  int dim, window, negative;
  bool hs, cbow, exactSigmoid;
  float* input;              // [vocab, dim] word vectors
  float* output;             // [vocab, dim] negative-sampling weights (negative > 0)
  float* hsWeights;          // [vocab − 1, dim] inner-node weights of the Huffman tree (hs)
  const float* sigmoid;      // σ and log σ on the C tool's grid: 1001 values each
  const float* logSigmoid;
  const uint32_t* noise;     // alias table of the noise distribution: [threshold, alias] × noiseSize
  uint32_t noiseSize;
  const float* keep;         // [vocab] probability of keeping a word (subsampling)
  const int32_t* codeStart;  // hs: word w's path is codes/points[codeStart[w] .. + codeLength[w])
  const int32_t* codeLength;
  const uint8_t* codes;
  const int32_t* points;
};

/**
 * One job of the word2vec trainer: `pieces` chunks of sentences, each trained by one thread with its own
 * learning rate and random stream. Sentence s ends at ids[ends[s]] (exclusive; offsets into ids); piece
 * p holds sentences [pieceEnds[p − 1], pieceEnds[p]) (from 0 for p = 0). rng[p] is piece p's state
 * (advanced in place); results[3p .. 3p + 2] receive its kept words, loss sum and examples.
 */
struct Word2VecJob {
  Word2VecModel model;
  const int32_t* ids;
  const int32_t* ends;
  int pieces;
  const int32_t* pieceEnds;
  const float* alphas;
  uint64_t* rng;
  double* results;
  int threads;
};

/**
 * A whole GRU layer (reset gate after the recurrent product, Keras' reset_after) over `steps` steps;
 * gates [z | r | n]. forward: hu = h_{t−1}·U; z, r = σ(x + hu + rb); hn = hu_n + rb_n;
 * n = tanh(x_n + r·hn); h_t = z·h_{t−1} + (1 − z)·n. hs holds h0 first and receives h_t in block t + 1;
 * saved [steps, batch, 4·units] keeps [z | r | n | hn]. backward: from gradOut [batch, steps, units]
 * (dL/dh_t) to dx [steps, batch, 3·units] (input projection), dhu [steps, batch, 3·units] (of h·U + rb)
 * and dh (dL/dh0, when wantH0).
 */
struct GruArgs {
  int batch, steps, units;
  const float* xProj;         // [batch, steps, 3·units]
  const float* recurrent;     // [units, 3·units]
  const float* recurrentBias; // [3·units]
  float* hs;                  // [steps + 1, batch, units]
  float* saved;               // [steps, batch, 4·units]
  const float* gradOut;       // [batch, steps, units]
  float* dx;                  // [steps, batch, 3·units]
  float* dhu;                 // [steps, batch, 3·units]
  float* dh;                  // [batch, units]
  bool wantH0;
  int threads;
};

/**
 * One job of the subword (fastText) trainer: word2vec's job over a model whose input matrix holds the
 * word rows then the n-gram bucket rows; word w's rows are subwordRows[subwordStart[w] .. subwordStart[w
 * + 1]); σ from fastText's table (513 values on [−8, 8]) instead of the model's.
 */
struct SubwordJob {
  Word2VecJob job;
  const int32_t* subwordStart;
  const int32_t* subwordRows;
  const float* fastTextSigmoid;
};

/**
 * The exact cosine scan (scan.cc): for each query, the k rows with the highest dot product, best first
 * (ties: the lower row), skipping rows with mask[r] == 0 and, per query q, rows whose group[r] is one of
 * excluded[3q .. 3q + 2] (when excluded is not null). rows: [rowCount, dim]; queries: [queryCount, dim];
 * scores, ids: [queryCount, k], empty slots −inf and −1. Results do not depend on `threads`.
 */
struct ScanArgs {
  const float* rows;
  int rowCount, dim;
  const float* queries;
  int queryCount, k;
  const uint8_t* mask;
  const int32_t* group;
  const int32_t* excluded;
  float* scores;
  int32_t* ids;
  int threads;
};

/**
 * An HNSW graph built by hnswlib and laid out by src/search/kernels/hnsw.ts (hnsw.cc searches it). Node
 * ids are dense 0 … count − 1. As JavaScript hands it over, links0 is count × (maxM0 + 1) ints, per node
 * its level-0 link count (low 16 bits) then the links; the walk's copy (HnswCopy, hnsw_graph.h) has
 * count × linkStride ids instead, −1 past a node's degree. A node's list for level l ≥ 1 starts at
 * upperLinks[upperStart[node] + (l − 1) × (maxM + 1)] (a count, then maxM slots). rows8: count × stride8
 * bytes, per node width8 int8 codes of x − mean (zeros past dim), then its float32 scale; rowsF: count ×
 * dim unit rows; deleted: count flags.
 */
struct HnswGraph {
  int count, dim, maxM0, maxM, entryPoint, maxLevel;
  const int32_t* links0;
  int linkStride;
  const int32_t* upperStart;
  const int32_t* upperLinks;
  size_t upperLinkInts;
  const int8_t* rows8;
  int stride8, width8;
  const float* rowsF;
  const uint8_t* deleted;
};

/**
 * HNSW searches (hnsw.cc): for each of queryCount queries (dim raw values each), the best k nodes with a
 * beam of max(ef, k) (int8: max(ef, 2k), the best max(rerank, k) rescored in float32), best first into
 * ids/scores ([queryCount, k]; −1 / −inf past found[q]). walkers 2: each query walked by two threads
 * sharing one visited set (answers may vary from run to run); else queries split into `threads` ranges.
 */
struct HnswSearchArgs {
  const HnswGraph* graph;
  const float* queries;
  int queryCount, k, ef, rerank;
  bool int8;
  int deletedCount;
  int32_t* ids;
  float* scores;
  int32_t* found;
  int threads, walkers;
  /** Per query, a node to start the level-0 search at instead of descending from the entry point (−1: descend); may be null. */
  const int32_t* starts;
};

/**
 * One batch of an HNSW build (hnsw_build.cc): nodes [begin, end) joined to the graph of nodes [0, begin)
 * (entry point entryPoint on level maxLevel; entryPoint −1 when begin is 0). Lists as in HnswGraph, but
 * written: links0 count × (maxM0 + 1), upperLinks lists of M + 1 ints (maxM = M) from upperStart[node];
 * levels[node] is the node's top level. rows: count × dim unit rows. batchMates: a node may also link the
 * nodes of its batch before it. Same links for any `threads`.
 */
struct HnswBuildArgs {
  const float* rows;
  const int32_t* levels;
  int32_t* links0;
  const int32_t* upperStart;
  int32_t* upperLinks;
  int count, dim, M, maxM0, efConstruction;
  int begin, end, entryPoint, maxLevel;
  bool batchMates;
  int threads;
};

/**
 * 2-D convolution and max pooling on channels-last images x [batch, height, width, channels] (native/conv.cc;
 * the loops they replace are in src/tensor/kernels/conv.ts). Window (oy, ox) covers rows
 * oy·strideH − padTop + [0, kernelH) and columns ox·strideW − padLeft + [0, kernelW); positions outside the
 * image count as 0 (convolution) or are skipped (pooling). Outputs are [batch, outH, outW, …].
 * conv2dForward:   y = im2col(x) · kernel (+ bias), kernel [kernelH·kernelW·channels, filters] (bias may be
 *                  null), then max(y, 0) when relu
 * conv2dBackward:  from dy (times [y > 0] when relu, y being the forward's output): dx = col2im(dy · kernelᵀ),
 *                  dkernel = im2col(x)ᵀ · dy, dbias = Σ_rows dy (each skipped when null)
 * maxPoolForward:  y[b, oy, ox, c] = the window's maximum (the first in window order; a NaN wins), and
 *                  argmax[...] = its index (iy·width + ix)·channels + c within the image (−1: empty window)
 * maxPoolBackward: dx = dy scattered to argmax
 * Every output is overwritten.
 */
struct WindowArgs {
  int batch, height, width, channels;
  int kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW;
  int filters;          // convolution
  bool relu;            // convolution: relu fused after the bias
  const float* x;       // [batch, height, width, channels]
  const float* kernel;  // [kernelH·kernelW·channels, filters]
  const float* bias;    // [filters]
  float* y;             // [batch, outH, outW, filters or channels] (read by a fused relu's backward)
  const float* dy;      // [batch, outH, outW, filters or channels]
  float* dx;            // [batch, height, width, channels]
  float* dkernel;       // [kernelH·kernelW·channels, filters]
  float* dbias;         // [filters]
  int32_t* argmax;      // pooling: [batch, outH, outW, channels]
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
  void (*gruForward)(const GruArgs& args);
  void (*gruBackward)(const GruArgs& args);
  void (*word2vecTrain)(const Word2VecJob& job);
  void (*subwordTrain)(const SubwordJob& job);
  void (*scanTopK)(const ScanArgs& args);
  void (*hnswSearch)(const HnswSearchArgs& args);
  void (*hnswBuildBatch)(const HnswBuildArgs& args);
  void (*conv2dForward)(const WindowArgs& args);
  void (*conv2dBackward)(const WindowArgs& args);
  void (*maxPoolForward)(const WindowArgs& args);
  void (*maxPoolBackward)(const WindowArgs& args);
  void (*sgdUpdate)(const ParameterArgs& args);
  double (*sumOfSquares)(const ParameterArgs& args);
};

}  // namespace verbo
