// The GEMM micro-kernels: the only code in native/ written with intrinsics. One register tile per ISA,
//   C[R × NR] (+)= Σ_p a[p·MR + i] · b[p·bStride + j]      (i < R ≤ MR, j < NR)
// where `a` is a packed micro-panel of A (MR values per step p, zero-padded) and `b` points at NR
// consecutive values per step p: a packed micro-panel of B (bStride = NR) or, when B is row-major, B
// itself (bStride = its row length). Only the first `cols` ≤ NR columns of the tile are written to C.
// The accumulators live in registers for the whole k loop; rows are broadcast, columns are vectors.
// With one or two rows (a batch-1 step, a GEMV) the k loop is split over four accumulator sets, so the
// FMAs of consecutive steps do not wait on each other.
//   AVX-512: MR 12 × NR 32 (24 zmm accumulators of 32)     AVX2: MR 6 × NR 16 (12 ymm of 16)
//   portable / NEON: MR 4 × NR 16, plain loops the compiler vectorises (SSE2 or NEON).
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

template <int R>
inline void tile(int kc, const float* __restrict a, const float* __restrict b, ptrdiff_t bStride,
                 float* __restrict c, ptrdiff_t ldc, int cols, bool add) {
  // With one or two rows, each accumulator would wait on the FMA before it (4 cycles) at every step:
  // S interleaved sets of accumulators (step p goes to set p % S) keep enough FMAs in flight.
  constexpr int S = R <= 2 ? 4 : 1;
  __m512 lo[S][R], hi[S][R];
#pragma GCC unroll 16
  for (int s = 0; s < S; s++)
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) lo[s][i] = hi[s][i] = _mm512_setzero_ps();
  int p = 0;
  for (; p + S <= kc; p += S) {
#pragma GCC unroll 4
    for (int s = 0; s < S; s++) {
      const __m512 b0 = _mm512_loadu_ps(b);
      const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 16
      for (int i = 0; i < R; i++) {
        const __m512 ai = _mm512_set1_ps(a[i]);
        lo[s][i] = _mm512_fmadd_ps(ai, b0, lo[s][i]);
        hi[s][i] = _mm512_fmadd_ps(ai, b1, hi[s][i]);
      }
      a += MR;
      b += bStride;
    }
  }
  for (; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      lo[0][i] = _mm512_fmadd_ps(ai, b0, lo[0][i]);
      hi[0][i] = _mm512_fmadd_ps(ai, b1, hi[0][i]);
    }
    a += MR;
    b += bStride;
  }
#pragma GCC unroll 4
  for (int s = 1; s < S; s++)
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      lo[0][i] = _mm512_add_ps(lo[0][i], lo[s][i]);
      hi[0][i] = _mm512_add_ps(hi[0][i], hi[s][i]);
    }
  const __mmask16 maskLo = cols >= 16 ? 0xffff : static_cast<__mmask16>((1u << cols) - 1);
  const __mmask16 maskHi = cols >= 32 ? 0xffff : cols <= 16 ? 0 : static_cast<__mmask16>((1u << (cols - 16)) - 1);
#pragma GCC unroll 16
  for (int i = 0; i < R; i++) {
    float* row = c + i * ldc;
    __m512 first = lo[0][i], second = hi[0][i];
    if (add) {
      first = _mm512_add_ps(first, _mm512_maskz_loadu_ps(maskLo, row));
      second = _mm512_add_ps(second, _mm512_maskz_loadu_ps(maskHi, row + 16));
    }
    _mm512_mask_storeu_ps(row, maskLo, first);
    _mm512_mask_storeu_ps(row + 16, maskHi, second);
  }
}

#elif defined(__AVX2__)

constexpr int MR = 6;
constexpr int NR = 16;

inline __m256i column_mask(int cols) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lanes);
}

template <int R>
inline void tile(int kc, const float* __restrict a, const float* __restrict b, ptrdiff_t bStride,
                 float* __restrict c, ptrdiff_t ldc, int cols, bool add) {
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
        const __m256 ai = _mm256_broadcast_ss(a + i);
        lo[s][i] = _mm256_fmadd_ps(ai, b0, lo[s][i]);
        hi[s][i] = _mm256_fmadd_ps(ai, b1, hi[s][i]);
      }
      a += MR;
      b += bStride;
    }
  }
  for (; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      lo[0][i] = _mm256_fmadd_ps(ai, b0, lo[0][i]);
      hi[0][i] = _mm256_fmadd_ps(ai, b1, hi[0][i]);
    }
    a += MR;
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

template <int R>
inline void tile(int kc, const float* __restrict a, const float* __restrict b, ptrdiff_t bStride,
                 float* __restrict c, ptrdiff_t ldc, int cols, bool add) {
  float acc[R][NR];
  for (int i = 0; i < R; i++)
    for (int j = 0; j < NR; j++) acc[i][j] = 0.0f;
  for (int p = 0; p < kc; p++) {
    for (int i = 0; i < R; i++) {
      const float ai = a[i];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
    a += MR;
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

/** tile<R> for a run-time row count 1 ≤ rows ≤ MR. */
inline void tile_rows(int rows, int kc, const float* a, const float* b, ptrdiff_t bStride, float* c,
                      ptrdiff_t ldc, int cols, bool add) {
  switch (rows) {
#define VERBO_TILE_CASE(R) \
  case R:                  \
    if (R <= MR) tile<(R <= MR ? R : 1)>(kc, a, b, bStride, c, ldc, cols, add); \
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
