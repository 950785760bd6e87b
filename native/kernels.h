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

struct KernelTable {
  /** "avx512", "avx2", "portable" or "neon". */
  const char* isa;
  /** Register tile of the GEMM micro-kernel (rows × columns), for diagnostics. */
  int gemmMr, gemmNr;
  void (*gemm)(const GemmArgs& args);
  void (*word2vecTrain)(const Word2VecJob& job);
};

}  // namespace verbo
