// Float math written as plain, branch-free C++ so the compiler vectorises the loops that call it with
// each ISA's flags (no intrinsics, no libm calls in hot loops). Each function is accurate to a few float
// ulps over its whole range and keeps IEEE behaviour at the ends (±inf, NaN).
//   exp:     x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor series to degree 7 (truncation error
//            < 6e-9 relative), 2^n put together in the exponent bits (as two factors, so that n = 128
//            and n = −126 stay representable).
//   expm1:   the Taylor series to degree 8 for |x| < 0.5 (no cancellation near 0), exp(x) − 1 beyond.
//   sigmoid: 1 / (1 + e^−x).   tanh: expm1(2|x|) / (expm1(2|x|) + 2) with the sign of x, ±1 beyond 9.
#pragma once
#include <cstdint>
#include <cstring>

#include "isa.h"

namespace verbo {
namespace VERBO_NS {
namespace vecmath {

inline float bits_to_float(int32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

inline float exp(float x) {
  const float hi = 88.72283f;   // e^x overflows float above this
  const float lo = -87.33654f;  // and falls below the smallest normal under this (we return 0)
  float clamped = x > hi ? hi : (x < lo ? lo : x);
  // n = round(x / ln 2), by the 1.5·2^23 trick (exact in the default rounding mode).
  const float round = 12582912.0f;
  float n = (clamped * 1.44269504088896341f + round) - round;
  // r = x − n·ln2 in two parts (ln2 = hi + lo) so that r keeps its low bits.
  float r = clamped - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n as two factors 2^(n/2)·2^(n − n/2), each a normal float for every n in [−126, 128].
  int32_t whole = static_cast<int32_t>(n);
  int32_t half = whole >> 1;
  float result = p * bits_to_float((half + 127) << 23) * bits_to_float((whole - half + 127) << 23);
  result = x > hi ? __builtin_inff() : result;
  result = x < lo ? 0.0f : result;
  return x != x ? x : result;
}

inline float expm1(float x) {
  float p = 1.0f / 40320.0f;
  p = p * x + 1.0f / 5040.0f;
  p = p * x + 1.0f / 720.0f;
  p = p * x + 1.0f / 120.0f;
  p = p * x + 1.0f / 24.0f;
  p = p * x + 1.0f / 6.0f;
  p = p * x + 0.5f;
  p = p * x + 1.0f;
  float small = p * x;
  float large = exp(x) - 1.0f;
  return __builtin_fabsf(x) < 0.5f ? small : large;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

inline float tanh(float x) {
  float a = __builtin_fabsf(x);
  float e = expm1(2.0f * (a > 9.0f ? 9.0f : a));
  float t = e / (e + 2.0f);
  t = a > 9.0f ? 1.0f : t;
  t = __builtin_copysignf(t, x);
  return x != x ? x : t;
}

}  // namespace vecmath
}  // namespace VERBO_NS
}  // namespace verbo
