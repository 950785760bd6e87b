// e^x on four floats at once (f32x4), shared by the elementwise kernels (tensor-simd.as.ts) and the
// softmax rows of the GEMM module (cross-entropy.as-lib.ts), so both compute the same values.
//
// Cephes' expf scheme. n = round(x·log2 e); r = x − n·ln 2 (ln 2 split in two parts so the subtraction
// is exact); e^r by a degree-6 polynomial on |r| ≤ ln2/2 (about 1 ulp); e^x = e^r · 2^n with 2^n applied
// as two halves so the results near overflow and in the subnormal range stay right. Plain multiplies and
// adds (no fused multiply-add even in the relaxed-SIMD build), so every build rounds alike.

// @ts-ignore: decorator
@inline
export function expVector(x: v128): v128 {
  const clamped = f32x4.max(f32x4.min(x, f32x4.splat(88.8)), f32x4.splat(-104.0));
  const n = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  const exponent = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(exponent, 1);
  const rest = i32x4.sub(exponent, half);
  const scale1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const scale2 = i32x4.shl(i32x4.add(rest, i32x4.splat(127)), 23);
  const result = f32x4.mul(f32x4.mul(p, scale1), scale2);
  // Below −104 the true value is under the smallest subnormal: 0. (NaN passes through min/max.)
  return v128.andnot(result, f32x4.lt(x, f32x4.splat(-104.0)));
}
