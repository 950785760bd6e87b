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
  void (*subwordTrain)(const SubwordArgs& args);
};

}  // namespace verbo
