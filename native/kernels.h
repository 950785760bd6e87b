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

struct KernelTable {
  /** "avx512", "avx2", "portable" or "neon". */
  const char* isa;
  /** Register tile of the GEMM micro-kernel (rows × columns), for diagnostics. */
  int gemmMr, gemmNr;
  void (*gemm)(const GemmArgs& args);
};

}  // namespace verbo
