// The register tile of the batched cosine scan (scan.cc): scores of R consecutive rows against one panel
// of QW queries,
//   out[r·QW + q] = Σ_d rows[r·dim + d] · panel[d·QW + q]        (r < R ≤ kRows, q < QW)
// where the panel holds QW queries transposed (QW consecutive values per dimension d). Row values are
// broadcast straight from the row-major matrix (no packing); each score is one chain of multiply-adds
// in the order d = 0, 1, …, so it does not depend on which tile or thread computed it.
//   AVX-512: 6 rows × 64 queries (24 zmm accumulators)   AVX2: 3 × 32 (12 ymm)
//   portable / NEON: 4 × 16, plain loops the compiler vectorises over the queries.
// Wide and short beats square here: each broadcast row value feeds QW / lanes multiply-adds, and on a
// CPU that runs 512-bit instructions as two 256-bit halves (AMD Zen 4) the broadcasts, not the
// multiply-adds, were the limit of the squarer 12 × 32 / 6 × 16 tiles (1 thread, 99,485 × 100 rows,
// 1,000 queries: 12 × 32 about 80 GFLOP/s, 6 × 64 about 95; AVX2 6 × 16 about 71, 3 × 32 about 88).
#pragma once

#include "isa.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace verbo {
namespace VERBO_NS {
namespace scantile {

#if defined(__AVX512F__)

constexpr int kRows = 6;
constexpr int QW = 64;
constexpr int kLanes = 16;
using Lanes = __m512;
inline Lanes zero() { return _mm512_setzero_ps(); }
inline Lanes load(const float* p) { return _mm512_loadu_ps(p); }
inline Lanes broadcast(const float* p) { return _mm512_set1_ps(*p); }
inline Lanes fmadd(Lanes a, Lanes b, Lanes c) { return _mm512_fmadd_ps(a, b, c); }
inline void store(float* p, Lanes v) { _mm512_storeu_ps(p, v); }
/** Bit i set where p[i] ≥ t[i] (i < kLanes); NaN never passes. */
inline uint64_t at_least(const float* p, const float* t) {
  return _mm512_cmp_ps_mask(_mm512_loadu_ps(p), _mm512_loadu_ps(t), _CMP_GE_OQ);
}

#elif defined(__AVX2__)

constexpr int kRows = 3;
constexpr int QW = 32;
constexpr int kLanes = 8;
using Lanes = __m256;
inline Lanes zero() { return _mm256_setzero_ps(); }
inline Lanes load(const float* p) { return _mm256_loadu_ps(p); }
inline Lanes broadcast(const float* p) { return _mm256_broadcast_ss(p); }
inline Lanes fmadd(Lanes a, Lanes b, Lanes c) { return _mm256_fmadd_ps(a, b, c); }
inline void store(float* p, Lanes v) { _mm256_storeu_ps(p, v); }
inline uint64_t at_least(const float* p, const float* t) {
  return static_cast<uint64_t>(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(t), _CMP_GE_OQ)));
}

#endif

#if defined(__AVX512F__) || defined(__AVX2__)

/** QW / kLanes vectors of queries per row. */
constexpr int kVectors = QW / kLanes;
static_assert(QW <= 64, "passing() returns one bit per query of a panel in 64 bits");

template <int R>
inline void tile(const float* __restrict rows, int dim, const float* __restrict panel, float* __restrict out) {
  Lanes acc[R][kVectors];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; v++) acc[r][v] = zero();
  for (int d = 0; d < dim; d++) {
    Lanes q[kVectors];
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; v++) q[v] = load(panel + d * QW + v * kLanes);
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      const Lanes x = broadcast(rows + r * dim + d);
#pragma GCC unroll 8
      for (int v = 0; v < kVectors; v++) acc[r][v] = fmadd(x, q[v], acc[r][v]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; v++) store(out + r * QW + v * kLanes, acc[r][v]);
}

/** Bit q set where out[q] ≥ threshold[q] (q < QW); NaN never passes. */
inline uint64_t passing(const float* out, const float* threshold) {
  uint64_t bits = 0;
#pragma GCC unroll 8
  for (int v = 0; v < kVectors; v++) bits |= at_least(out + v * kLanes, threshold + v * kLanes) << (v * kLanes);
  return bits;
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

inline uint64_t passing(const float* out, const float* threshold) {
  uint64_t bits = 0;
  for (int q = 0; q < QW; q++) bits |= static_cast<uint64_t>(out[q] >= threshold[q]) << q;
  return bits;
}

#endif

}  // namespace scantile
}  // namespace VERBO_NS
}  // namespace verbo
