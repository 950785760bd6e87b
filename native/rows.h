// The softmax rows' two passes (softmax.cc): a row's maximum, and Σ e^(x − shift) summed in double over
// 16 lanes. GCC leaves both lane loops scalar (a float max under IEEE rules; the float → double
// conversions of the sums), which made them a tenth of the output layer's time; so on x86 the lane
// arithmetic is written with AVX2 intrinsics (the AVX-512 build uses them too: Zen 4 splits 512-bit ops
// in two anyway) and the portable build runs the plain loops. Same lanes, same order of additions, and
// max(v, m) keeps m when either is NaN exactly as `v > m ? v : m`: every ISA gives the plain loops' bits.
#pragma once
#include "isa.h"
#include "vecmath.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace verbo {
namespace VERBO_NS {
namespace rows {

constexpr int kLanes = 16;

/** The maximum of x[j] (+ bias[j] when bias is given) over j < n (NaN-free rows; a NaN only makes the
 * later sum NaN). The sum is the float one the caller's logits hold. */
inline float row_max(const float* __restrict x, const float* __restrict bias, int n) {
  const float inf = __builtin_inff();
  float lanes[kLanes];
  int j = 0;
#if defined(__AVX2__)
  __m256 low = _mm256_set1_ps(-inf), high = low;
  if (bias == nullptr) {
    for (; j + kLanes <= n; j += kLanes) {
      low = _mm256_max_ps(_mm256_loadu_ps(x + j), low);
      high = _mm256_max_ps(_mm256_loadu_ps(x + j + 8), high);
    }
  } else {
    for (; j + kLanes <= n; j += kLanes) {
      low = _mm256_max_ps(_mm256_add_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(bias + j)), low);
      high = _mm256_max_ps(_mm256_add_ps(_mm256_loadu_ps(x + j + 8), _mm256_loadu_ps(bias + j + 8)), high);
    }
  }
  _mm256_storeu_ps(lanes, low);
  _mm256_storeu_ps(lanes + 8, high);
#else
  for (int l = 0; l < kLanes; l++) lanes[l] = -inf;
  if (bias == nullptr) {
    for (; j + kLanes <= n; j += kLanes)
      for (int l = 0; l < kLanes; l++) lanes[l] = x[j + l] > lanes[l] ? x[j + l] : lanes[l];
  } else {
    for (; j + kLanes <= n; j += kLanes)
      for (int l = 0; l < kLanes; l++) {
        const float value = x[j + l] + bias[j + l];
        lanes[l] = value > lanes[l] ? value : lanes[l];
      }
  }
#endif
  float best = -inf;
  if (bias == nullptr)
    for (; j < n; j++) best = x[j] > best ? x[j] : best;
  else
    for (; j < n; j++) best = x[j] + bias[j] > best ? x[j] + bias[j] : best;
  for (int l = 0; l < kLanes; l++) best = lanes[l] > best ? lanes[l] : best;
  return best;
}

/** Σ_j e^(z[j] − shift) with z = x (+ bias), in double over kLanes partial sums (lane l sums entries
 * j ≡ l mod 16 in order; then the tail, then the lanes in order); writes the exponentials to e (may be x)
 * unless e is null. */
inline double sum_exp(const float* x, const float* bias, int n, float shift, float* e) {
  double lanes[kLanes];
  int j = 0;
#if defined(__AVX2__)
  __m256d sums[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
#else
  for (int l = 0; l < kLanes; l++) lanes[l] = 0.0;
#endif
  for (; j + kLanes <= n; j += kLanes) {
    float block[kLanes];
    if (bias == nullptr)
      for (int l = 0; l < kLanes; l++) block[l] = vecmath::exp(x[j + l] - shift);
    else
      for (int l = 0; l < kLanes; l++) block[l] = vecmath::exp((x[j + l] + bias[j + l]) - shift);
#if defined(__AVX2__)
    const __m256 low = _mm256_loadu_ps(block), high = _mm256_loadu_ps(block + 8);
    sums[0] = _mm256_add_pd(sums[0], _mm256_cvtps_pd(_mm256_castps256_ps128(low)));
    sums[1] = _mm256_add_pd(sums[1], _mm256_cvtps_pd(_mm256_extractf128_ps(low, 1)));
    sums[2] = _mm256_add_pd(sums[2], _mm256_cvtps_pd(_mm256_castps256_ps128(high)));
    sums[3] = _mm256_add_pd(sums[3], _mm256_cvtps_pd(_mm256_extractf128_ps(high, 1)));
    if (e != nullptr) {
      _mm256_storeu_ps(e + j, low);
      _mm256_storeu_ps(e + j + 8, high);
    }
#else
    for (int l = 0; l < kLanes; l++) lanes[l] += static_cast<double>(block[l]);
    if (e != nullptr)
      for (int l = 0; l < kLanes; l++) e[j + l] = block[l];
#endif
  }
#if defined(__AVX2__)
  for (int q = 0; q < 4; q++) _mm256_storeu_pd(lanes + 4 * q, sums[q]);
#endif
  double total = 0;
  for (; j < n; j++) {
    float value = vecmath::exp((bias == nullptr ? x[j] : x[j] + bias[j]) - shift);
    if (e != nullptr) e[j] = value;
    total += value;
  }
  for (int l = 0; l < kLanes; l++) total += lanes[l];
  return total;
}

}  // namespace rows
}  // namespace VERBO_NS
}  // namespace verbo
