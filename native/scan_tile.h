// The register tile of the batched cosine scan (scan.cc): scores of R consecutive rows against one panel
// of QW queries,
//   out[r·QW + q] = Σ_d rows[r·dim + d] · panel[d·QW + q]        (r < R ≤ kRows, q < QW)
// where the panel holds QW queries transposed (QW consecutive values per dimension d). Row values are
// broadcast straight from the row-major matrix (no packing); each score is one chain of multiply-adds
// in the order d = 0, 1, …, so it does not depend on which tile or thread computed it.
//   AVX-512: 12 rows × 32 queries (24 zmm accumulators)   AVX2: 6 × 16 (12 ymm)
//   portable / NEON: 4 × 16, plain loops the compiler vectorises over the queries.
#pragma once

#include "isa.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace verbo {
namespace VERBO_NS {
namespace scantile {

#if defined(__AVX512F__)

constexpr int kRows = 12;
constexpr int QW = 32;

template <int R>
inline void tile(const float* __restrict rows, int dim, const float* __restrict panel, float* __restrict out) {
  __m512 lo[R], hi[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) lo[r] = hi[r] = _mm512_setzero_ps();
  for (int d = 0; d < dim; d++) {
    const __m512 q0 = _mm512_loadu_ps(panel + d * QW);
    const __m512 q1 = _mm512_loadu_ps(panel + d * QW + 16);
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      const __m512 x = _mm512_set1_ps(rows[r * dim + d]);
      lo[r] = _mm512_fmadd_ps(x, q0, lo[r]);
      hi[r] = _mm512_fmadd_ps(x, q1, hi[r]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    _mm512_storeu_ps(out + r * QW, lo[r]);
    _mm512_storeu_ps(out + r * QW + 16, hi[r]);
  }
}

/** Bit q set where out[q] ≥ threshold[q] (q < QW); NaN never passes. */
inline uint32_t passing(const float* out, const float* threshold) {
  uint32_t lo = _mm512_cmp_ps_mask(_mm512_loadu_ps(out), _mm512_loadu_ps(threshold), _CMP_GE_OQ);
  uint32_t hi = _mm512_cmp_ps_mask(_mm512_loadu_ps(out + 16), _mm512_loadu_ps(threshold + 16), _CMP_GE_OQ);
  return lo | (hi << 16);
}

#elif defined(__AVX2__)

constexpr int kRows = 6;
constexpr int QW = 16;

template <int R>
inline void tile(const float* __restrict rows, int dim, const float* __restrict panel, float* __restrict out) {
  __m256 lo[R], hi[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) lo[r] = hi[r] = _mm256_setzero_ps();
  for (int d = 0; d < dim; d++) {
    const __m256 q0 = _mm256_loadu_ps(panel + d * QW);
    const __m256 q1 = _mm256_loadu_ps(panel + d * QW + 8);
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      const __m256 x = _mm256_broadcast_ss(rows + r * dim + d);
      lo[r] = _mm256_fmadd_ps(x, q0, lo[r]);
      hi[r] = _mm256_fmadd_ps(x, q1, hi[r]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    _mm256_storeu_ps(out + r * QW, lo[r]);
    _mm256_storeu_ps(out + r * QW + 8, hi[r]);
  }
}

inline uint32_t passing(const float* out, const float* threshold) {
  uint32_t lo = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(out), _mm256_loadu_ps(threshold), _CMP_GE_OQ));
  uint32_t hi = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(out + 8), _mm256_loadu_ps(threshold + 8), _CMP_GE_OQ));
  return lo | (hi << 8);
}

#else

constexpr int kRows = 4;
constexpr int QW = 16;

template <int R>
inline void tile(const float* __restrict rows, int dim, const float* __restrict panel, float* __restrict out) {
  float acc[R][QW];
  for (int r = 0; r < R; r++)
    for (int q = 0; q < QW; q++) acc[r][q] = 0.0f;
  for (int d = 0; d < dim; d++) {
    const float* p = panel + d * QW;
    for (int r = 0; r < R; r++) {
      const float x = rows[r * dim + d];
      for (int q = 0; q < QW; q++) acc[r][q] += x * p[q];
    }
  }
  for (int r = 0; r < R; r++)
    for (int q = 0; q < QW; q++) out[r * QW + q] = acc[r][q];
}

inline uint32_t passing(const float* out, const float* threshold) {
  uint32_t bits = 0;
  for (int q = 0; q < QW; q++) bits |= static_cast<uint32_t>(out[q] >= threshold[q]) << q;
  return bits;
}

#endif

}  // namespace scantile
}  // namespace VERBO_NS
}  // namespace verbo
