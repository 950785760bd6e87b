// Row operations of the embedding kernels (word2vec.cc, scan.cc, hnsw.cc): dot products and updates
// over one row of n floats, and the int8 dot product of the HNSW walk. Like microkernel.h, one of the
// few places in native/ with intrinsics: without -ffast-math the compiler will not vectorise a float
// sum (it may not reorder the additions), so the sums are written out with one accumulator per lane.
//   AVX-512: 16 lanes, the tail through a mask      AVX2: 8 lanes, the tail through a mask
//   portable / NEON: 8 partial sums in a plain array, which the compiler vectorises (SSE2 or NEON).
// The order of the additions differs between ISAs, so results agree across ISAs to rounding only; on
// one ISA they never depend on anything but the inputs.
#pragma once
#include <cstdint>

#include "isa.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace verbo {
namespace VERBO_NS {
namespace vec {

#if defined(__AVX2__)  // also the AVX-512 build's

inline __m256i madd_i8_i16(__m256i sum, const int8_t* row, __m256i q) {
  return _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row))), q));
}

/**
 * The end of dot4_i8_i16: adds to the partial sums a, b, c, d (8 int32 lanes each) the products of the
 * four rows and the query over [i, n), 16 values at a time, and writes the four totals to out.
 */
inline void finish_dot4_i8_i16(__m256i a, __m256i b, __m256i c, __m256i d, const int8_t* r0, const int8_t* r1,
                               const int8_t* r2, const int8_t* r3, const int16_t* query, int i, int n, int32_t* out) {
  for (; i < n; i += 16) {
    __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(query + i));
    a = madd_i8_i16(a, r0 + i, q);
    b = madd_i8_i16(b, r1 + i, q);
    c = madd_i8_i16(c, r2 + i, q);
    d = madd_i8_i16(d, r3 + i, q);
  }
  // per 128-bit half: [a, b, c, d] partial sums, then the halves added
  __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1)));
}

#endif

#if defined(__AVX512F__)

inline __mmask16 tail_mask(int remaining) {
  return remaining >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << remaining) - 1);
}

/** Σ a[i]·b[i] for i < n. */
inline float dot(const float* a, const float* b, int n) {
  __m512 sum0 = _mm512_setzero_ps(), sum1 = _mm512_setzero_ps();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    sum0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), sum0);
    sum1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), sum1);
  }
  for (; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    sum0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), sum0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(sum0, sum1));
}

/** y[i] += s·x[i]. */
inline void axpy(float s, const float* __restrict x, float* __restrict y, int n) {
  const __m512 sv = _mm512_set1_ps(s);
  for (int i = 0; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(sv, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
  }
}

/** The logistic step of word2vec: error[i] += g·target[i], then target[i] += g·input[i]. */
inline void step(float g, const float* __restrict input, float* __restrict target, float* __restrict error, int n) {
  const __m512 gv = _mm512_set1_ps(g);
  for (int i = 0; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    __m512 t = _mm512_maskz_loadu_ps(m, target + i);
    _mm512_mask_storeu_ps(error + i, m, _mm512_fmadd_ps(gv, t, _mm512_maskz_loadu_ps(m, error + i)));
    _mm512_mask_storeu_ps(target + i, m, _mm512_fmadd_ps(gv, _mm512_maskz_loadu_ps(m, input + i), t));
  }
}

/**
 * Σ row[i]·query[i] over n int8 × int16 values (n a multiple of 16). The products are summed in 32-bit
 * integers, exactly, so every ISA gives the same value.
 */
inline int32_t dot_i8_i16(const int8_t* row, const int16_t* query, int n) {
  __m512i sum = _mm512_setzero_si512();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512i x = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + i)));
    sum = _mm512_add_epi32(sum, _mm512_madd_epi16(x, _mm512_loadu_si512(query + i)));
  }
  int32_t total = _mm512_reduce_add_epi32(sum);
  if (i < n) {
    __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i)));
    __m256i p = _mm256_madd_epi16(x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(query + i)));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    total += _mm_cvtsi128_si32(s);
  }
  return total;
}

/**
 * dot_i8_i16 of four rows against one query at once (out[t] for row t): the four sums are reduced
 * together, which costs a quarter of four separate reductions.
 */
inline void dot4_i8_i16(const int8_t* r0, const int8_t* r1, const int8_t* r2, const int8_t* r3, const int16_t* query,
                        int n, int32_t* out) {
  __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512(), s2 = _mm512_setzero_si512(),
          s3 = _mm512_setzero_si512();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512i q = _mm512_loadu_si512(query + i);
    s0 = _mm512_add_epi32(s0, _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + i))), q));
    s1 = _mm512_add_epi32(s1, _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1 + i))), q));
    s2 = _mm512_add_epi32(s2, _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r2 + i))), q));
    s3 = _mm512_add_epi32(s3, _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r3 + i))), q));
  }
  __m256i a = _mm256_add_epi32(_mm512_castsi512_si256(s0), _mm512_extracti64x4_epi64(s0, 1));
  __m256i b = _mm256_add_epi32(_mm512_castsi512_si256(s1), _mm512_extracti64x4_epi64(s1, 1));
  __m256i c = _mm256_add_epi32(_mm512_castsi512_si256(s2), _mm512_extracti64x4_epi64(s2, 1));
  __m256i d = _mm256_add_epi32(_mm512_castsi512_si256(s3), _mm512_extracti64x4_epi64(s3, 1));
  finish_dot4_i8_i16(a, b, c, d, r0, r1, r2, r3, query, i, n, out);  // the last 16 values, if any
}

#elif defined(__AVX2__)

inline __m256i tail_mask(int remaining) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(remaining), lanes);
}

inline float horizontal_sum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

inline float dot(const float* a, const float* b, int n) {
  __m256 sum0 = _mm256_setzero_ps(), sum1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    sum0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), sum0);
    sum1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), sum1);
  }
  for (; i < n; i += 8) {
    __m256i m = tail_mask(n - i);
    sum0 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), sum0);
  }
  return horizontal_sum(_mm256_add_ps(sum0, sum1));
}

inline void axpy(float s, const float* __restrict x, float* __restrict y, int n) {
  const __m256 sv = _mm256_set1_ps(s);
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(sv, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  if (i < n) {
    __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, m, _mm256_fmadd_ps(sv, _mm256_maskload_ps(x + i, m), _mm256_maskload_ps(y + i, m)));
  }
}

inline void step(float g, const float* __restrict input, float* __restrict target, float* __restrict error, int n) {
  const __m256 gv = _mm256_set1_ps(g);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 t = _mm256_loadu_ps(target + i);
    _mm256_storeu_ps(error + i, _mm256_fmadd_ps(gv, t, _mm256_loadu_ps(error + i)));
    _mm256_storeu_ps(target + i, _mm256_fmadd_ps(gv, _mm256_loadu_ps(input + i), t));
  }
  if (i < n) {
    __m256i m = tail_mask(n - i);
    __m256 t = _mm256_maskload_ps(target + i, m);
    _mm256_maskstore_ps(error + i, m, _mm256_fmadd_ps(gv, t, _mm256_maskload_ps(error + i, m)));
    _mm256_maskstore_ps(target + i, m, _mm256_fmadd_ps(gv, _mm256_maskload_ps(input + i, m), t));
  }
}

inline int32_t dot_i8_i16(const int8_t* row, const int16_t* query, int n) {
  __m256i sum = _mm256_setzero_si256();
  for (int i = 0; i < n; i += 16) {
    __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i)));
    sum = _mm256_add_epi32(sum, _mm256_madd_epi16(x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(query + i))));
  }
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

inline void dot4_i8_i16(const int8_t* r0, const int8_t* r1, const int8_t* r2, const int8_t* r3, const int16_t* query,
                        int n, int32_t* out) {
  const __m256i zero = _mm256_setzero_si256();
  finish_dot4_i8_i16(zero, zero, zero, zero, r0, r1, r2, r3, query, 0, n, out);
}

#else

constexpr int kLanes = 8;

inline float dot(const float* a, const float* b, int n) {
  float sum[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; j++) sum[j] += a[i + j] * b[i + j];
  for (int j = 0; i < n; i++, j++) sum[j] += a[i] * b[i];
  return ((sum[0] + sum[4]) + (sum[1] + sum[5])) + ((sum[2] + sum[6]) + (sum[3] + sum[7]));
}

inline void axpy(float s, const float* __restrict x, float* __restrict y, int n) {
  for (int i = 0; i < n; i++) y[i] += s * x[i];
}

inline void step(float g, const float* __restrict input, float* __restrict target, float* __restrict error, int n) {
  for (int i = 0; i < n; i++) {
    float t = target[i];
    error[i] += g * t;
    target[i] = t + g * input[i];
  }
}

inline int32_t dot_i8_i16(const int8_t* row, const int16_t* query, int n) {
  int32_t sum = 0;
  for (int i = 0; i < n; i++) sum += static_cast<int32_t>(row[i]) * query[i];
  return sum;
}

inline void dot4_i8_i16(const int8_t* r0, const int8_t* r1, const int8_t* r2, const int8_t* r3, const int16_t* query,
                        int n, int32_t* out) {
  out[0] = dot_i8_i16(r0, query, n);
  out[1] = dot_i8_i16(r1, query, n);
  out[2] = dot_i8_i16(r2, query, n);
  out[3] = dot_i8_i16(r3, query, n);
}

#endif

/** y[i] += x[i]. */
inline void add(const float* __restrict x, float* __restrict y, int n) {
  for (int i = 0; i < n; i++) y[i] += x[i];
}

/** y[i] *= s. */
inline void scale(float s, float* y, int n) {
  for (int i = 0; i < n; i++) y[i] *= s;
}

inline void zero(float* y, int n) {
  for (int i = 0; i < n; i++) y[i] = 0.0f;
}

/** Asks for the cache lines of `bytes` bytes at p (a hint; never faults). */
inline void prefetch(const void* p, int bytes) {
  const char* c = static_cast<const char*>(p);
  for (int o = 0; o < bytes; o += 64) __builtin_prefetch(c + o);
}

}  // namespace vec
}  // namespace VERBO_NS
}  // namespace verbo
