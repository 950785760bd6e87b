// The GEMM micro-kernels and the packers' 8 × 8 transposition: the only code in native/'s tensor kernels
// written with intrinsics. One register tile per ISA,
//   C[R × NR] (+)= Σ_p a[p·MR + i] · b[p·bStride + j]      (i < R ≤ MR, j < NR)
// where `a` is a packed micro-panel of A (MR values per step p, zero-padded) — or, InPlace, R rows of a
// row-major A read where they are (a[i·lda + p]; same sums in the same order) — and `b` points at NR
// consecutive values per step p: a packed micro-panel of B (bStride = NR) or, when B is row-major, B
// itself (bStride = its row length). Only the first `cols` ≤ NR columns of the tile are written to C.
// The accumulators live in registers for the whole k loop; rows are broadcast, columns are vectors.
// With one or two rows (a GEMV that gemm.cc does not stream as rows of B) the k loop is split over
// four accumulator sets, so the FMAs of consecutive steps do not wait on each other.
//   AVX-512: MR 12 × NR 32 (24 zmm accumulators of 32; a last panel of at most 16 columns runs as a
//            12 × 16 half tile)                           AVX2: MR 6 × NR 16 (12 ymm of 16)
//   portable / NEON: MR 4 × NR 16, plain loops the compiler vectorises (SSE2 or NEON).
// On Zen 4 (double-pumped AVX-512), once k blocks were 256 deep and the packing vectorised, the AVX-512
// tile measured 0.97-1.18× the AVX2 one on the LSTM language model's products (1 thread, CPU time, a
// loaded machine: 91-112 GFLOP/s), so dispatch stays by ISA, not by CPU family. A wide 6 × 64 AVX-512
// tile (24 zmm) measured the same as 12 × 32 on the output layer's three products (within noise, 1
// thread, CPU time), so the tile stays 12 × 32.
#pragma once
#include <cstddef>

#include "isa.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace verbo {
namespace VERBO_NS {
namespace micro {

#if defined(__AVX512F__)

constexpr int MR = 12;
constexpr int NR = 32;

/** The tile with V vectors of 16 columns per row: V = 2 for NR columns, V = 1 for a last panel of at
 * most 16 (a product with 200 columns ends in one of 8: half the FMAs of a full-width tile there). */
template <int R, int V, bool InPlace>
inline void tile_vectors(int kc, const float* __restrict a, ptrdiff_t lda, const float* __restrict b,
                         ptrdiff_t bStride, float* __restrict c, ptrdiff_t ldc, int cols, bool add) {
  // Packed A: step p's R values at a[p·MR + i]; in place: row i of a row-major A at a[i·lda + p].
  const ptrdiff_t rowStride = InPlace ? lda : 1, step = InPlace ? 1 : MR;
  // With one or two rows, each accumulator would wait on the FMA before it (4 cycles) at every step:
  // S interleaved sets of accumulators (step p goes to set p % S) keep enough FMAs in flight.
  constexpr int S = R <= 2 ? 4 : 1;
  __m512 acc[S][R][V];
#pragma GCC unroll 16
  for (int s = 0; s < S; s++)
#pragma GCC unroll 16
    for (int i = 0; i < R; i++)
#pragma GCC unroll 2
      for (int v = 0; v < V; v++) acc[s][i][v] = _mm512_setzero_ps();
  int p = 0;
  for (; p + S <= kc; p += S) {
#pragma GCC unroll 4
    for (int s = 0; s < S; s++) {
      __m512 bv[V];
#pragma GCC unroll 2
      for (int v = 0; v < V; v++) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 16
      for (int i = 0; i < R; i++) {
        const __m512 ai = _mm512_set1_ps(a[i * rowStride]);
#pragma GCC unroll 2
        for (int v = 0; v < V; v++) acc[s][i][v] = _mm512_fmadd_ps(ai, bv[v], acc[s][i][v]);
      }
      a += step;
      b += bStride;
    }
  }
  for (; p < kc; p++) {
    __m512 bv[V];
#pragma GCC unroll 2
    for (int v = 0; v < V; v++) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      const __m512 ai = _mm512_set1_ps(a[i * rowStride]);
#pragma GCC unroll 2
      for (int v = 0; v < V; v++) acc[0][i][v] = _mm512_fmadd_ps(ai, bv[v], acc[0][i][v]);
    }
    a += step;
    b += bStride;
  }
#pragma GCC unroll 4
  for (int s = 1; s < S; s++)
#pragma GCC unroll 16
    for (int i = 0; i < R; i++)
#pragma GCC unroll 2
      for (int v = 0; v < V; v++) acc[0][i][v] = _mm512_add_ps(acc[0][i][v], acc[s][i][v]);
  __mmask16 mask[V];
#pragma GCC unroll 2
  for (int v = 0; v < V; v++) {
    const int left = cols - 16 * v;
    mask[v] = left >= 16 ? 0xffff : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; i++) {
    float* row = c + i * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < V; v++) {
      __m512 value = acc[0][i][v];
      if (add) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask[v], row + 16 * v));
      _mm512_mask_storeu_ps(row + 16 * v, mask[v], value);
    }
  }
}

template <int R, bool InPlace>
inline void tile(int kc, const float* __restrict a, ptrdiff_t lda, const float* __restrict b, ptrdiff_t bStride,
                 float* __restrict c, ptrdiff_t ldc, int cols, bool add) {
  if (cols <= 16)
    tile_vectors<R, 1, InPlace>(kc, a, lda, b, bStride, c, ldc, cols, add);
  else
    tile_vectors<R, 2, InPlace>(kc, a, lda, b, bStride, c, ldc, cols, add);
}

#elif defined(__AVX2__)

constexpr int MR = 6;
constexpr int NR = 16;

inline __m256i column_mask(int cols) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lanes);
}

template <int R, bool InPlace>
inline void tile(int kc, const float* __restrict a, ptrdiff_t lda, const float* __restrict b, ptrdiff_t bStride,
                 float* __restrict c, ptrdiff_t ldc, int cols, bool add) {
  const ptrdiff_t rowStride = InPlace ? lda : 1, step = InPlace ? 1 : MR;
  // As in the AVX-512 tile: S interleaved accumulator sets when there are only one or two rows.
  constexpr int S = R <= 2 ? 4 : 1;
  __m256 lo[S][R], hi[S][R];
#pragma GCC unroll 8
  for (int s = 0; s < S; s++)
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) lo[s][i] = hi[s][i] = _mm256_setzero_ps();
  int p = 0;
  for (; p + S <= kc; p += S) {
#pragma GCC unroll 4
    for (int s = 0; s < S; s++) {
      const __m256 b0 = _mm256_loadu_ps(b);
      const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
      for (int i = 0; i < R; i++) {
        const __m256 ai = _mm256_broadcast_ss(a + i * rowStride);
        lo[s][i] = _mm256_fmadd_ps(ai, b0, lo[s][i]);
        hi[s][i] = _mm256_fmadd_ps(ai, b1, hi[s][i]);
      }
      a += step;
      b += bStride;
    }
  }
  for (; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      const __m256 ai = _mm256_broadcast_ss(a + i * rowStride);
      lo[0][i] = _mm256_fmadd_ps(ai, b0, lo[0][i]);
      hi[0][i] = _mm256_fmadd_ps(ai, b1, hi[0][i]);
    }
    a += step;
    b += bStride;
  }
#pragma GCC unroll 4
  for (int s = 1; s < S; s++)
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      lo[0][i] = _mm256_add_ps(lo[0][i], lo[s][i]);
      hi[0][i] = _mm256_add_ps(hi[0][i], hi[s][i]);
    }
  if (cols == NR) {
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      float* row = c + i * ldc;
      __m256 first = lo[0][i], second = hi[0][i];
      if (add) {
        first = _mm256_add_ps(first, _mm256_loadu_ps(row));
        second = _mm256_add_ps(second, _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, first);
      _mm256_storeu_ps(row + 8, second);
    }
    return;
  }
  const __m256i maskLo = column_mask(cols);
  const __m256i maskHi = column_mask(cols - 8);
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) {
    float* row = c + i * ldc;
    __m256 first = lo[0][i], second = hi[0][i];
    if (add) {
      first = _mm256_add_ps(first, _mm256_maskload_ps(row, maskLo));
      second = _mm256_add_ps(second, _mm256_maskload_ps(row + 8, maskHi));
    }
    _mm256_maskstore_ps(row, maskLo, first);
    _mm256_maskstore_ps(row + 8, maskHi, second);
  }
}

#else  // portable C++ (SSE2 on x86-64, NEON on arm64 through the compiler's vectoriser)

constexpr int MR = 4;
constexpr int NR = 16;

template <int R, bool InPlace>
inline void tile(int kc, const float* __restrict a, ptrdiff_t lda, const float* __restrict b, ptrdiff_t bStride,
                 float* __restrict c, ptrdiff_t ldc, int cols, bool add) {
  const ptrdiff_t rowStride = InPlace ? lda : 1, step = InPlace ? 1 : MR;
  float acc[R][NR];
  for (int i = 0; i < R; i++)
    for (int j = 0; j < NR; j++) acc[i][j] = 0.0f;
  for (int p = 0; p < kc; p++) {
    for (int i = 0; i < R; i++) {
      const float ai = a[i * rowStride];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
    a += step;
    b += bStride;
  }
  for (int i = 0; i < R; i++) {
    float* row = c + i * ldc;
    if (add)
      for (int j = 0; j < cols; j++) row[j] += acc[i][j];
    else
      for (int j = 0; j < cols; j++) row[j] = acc[i][j];
  }
}

#endif

/**
 * The packers' transposition (gemm.cc), dst[q·ldd + r] = src[r·ld + q] for r < rows ≤ 8 and q < 8: an
 * 8 × 8 block of a row-major matrix, whose rows become the columns of a packed micro-panel. On AVX2 and
 * AVX-512 the block is transposed in eight ymm registers (unpack, shuffle, then 128-bit lane swaps)
 * instead of 64 single loads and stores; rows past `rows` are neither read nor written.
 */
inline void transpose8(const float* __restrict src, ptrdiff_t ld, int rows, float* __restrict dst, ptrdiff_t ldd) {
#if defined(__AVX512F__) || defined(__AVX2__)
  __m256 r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) r[i] = i < rows ? _mm256_loadu_ps(src + i * ld) : _mm256_setzero_ps();
  // Pairs of rows interleaved, then quads, then the two 128-bit halves exchanged.
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
  __m256 c[8];
  c[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  c[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  c[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  c[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  c[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  c[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  c[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  c[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
  if (rows == 8) {
#pragma GCC unroll 8
    for (int q = 0; q < 8; q++) _mm256_storeu_ps(dst + q * ldd, c[q]);
  } else if (rows == 4 || rows == 6) {
#pragma GCC unroll 8
    for (int q = 0; q < 8; q++) {
      _mm_storeu_ps(dst + q * ldd, _mm256_castps256_ps128(c[q]));
      if (rows == 6) _mm_storel_pi(reinterpret_cast<__m64*>(dst + q * ldd + 4), _mm256_extractf128_ps(c[q], 1));
    }
  } else {
    for (int q = 0; q < 8; q++) {
      alignas(32) float column[8];
      _mm256_store_ps(column, c[q]);
      for (int i = 0; i < rows; i++) dst[q * ldd + i] = column[i];
    }
  }
#else
  for (int q = 0; q < 8; q++)
    for (int i = 0; i < rows; i++) dst[q * ldd + i] = src[i * ld + q];
#endif
}

/** tile<R> for a run-time row count 1 ≤ rows ≤ MR: A packed (lda unused) or, InPlace, read from a
 * row-major matrix with rows lda apart. */
template <bool InPlace>
inline void tile_rows(int rows, int kc, const float* a, ptrdiff_t lda, const float* b, ptrdiff_t bStride,
                      float* c, ptrdiff_t ldc, int cols, bool add) {
  switch (rows) {
#define VERBO_TILE_CASE(R) \
  case R:                  \
    if (R <= MR) tile<(R <= MR ? R : 1), InPlace>(kc, a, lda, b, bStride, c, ldc, cols, add); \
    return;
    VERBO_TILE_CASE(1)
    VERBO_TILE_CASE(2)
    VERBO_TILE_CASE(3)
    VERBO_TILE_CASE(4)
    VERBO_TILE_CASE(5)
    VERBO_TILE_CASE(6)
    VERBO_TILE_CASE(7)
    VERBO_TILE_CASE(8)
    VERBO_TILE_CASE(9)
    VERBO_TILE_CASE(10)
    VERBO_TILE_CASE(11)
    VERBO_TILE_CASE(12)
#undef VERBO_TILE_CASE
    default:
      return;
  }
}

}  // namespace micro
}  // namespace VERBO_NS
}  // namespace verbo
