// Elementwise, activation and row-reduction kernels in WebAssembly SIMD (f32x4). The TypeScript side
// (simd.ts) copies blocks of a Float32Array into this module's own memory, runs a kernel in place and
// copies the block back; the plain loops in elementwise.ts, activations.ts and softmax.ts are the oracle.
//
// exp: expVector from exp.as-lib.ts (Cephes' expf scheme, shared with the GEMM module's softmax rows).
// tanh: Cephes' tanhf: an odd polynomial for |x| < 0.625, else 1 − 2/(e^{2|x|} + 1) with the sign of x.
// sigmoid: 1 / (1 + e^{−x}) (e^{−x} → ∞ gives 0, never NaN).
import { expVector } from './exp.as-lib';

// @ts-ignore: decorator
@inline
function tanhVector(x: v128): v128 {
  const sign = v128.and(x, i32x4.splat(0x80000000));
  const ax = f32x4.abs(x);
  // Large |x|: 1 − 2/(e^{2|x|} + 1).
  const e = expVector(f32x4.add(ax, ax));
  const large = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  // Small |x|: x + x·z·P(z), z = x².
  const z = f32x4.mul(ax, ax);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), ax), ax);
  const magnitude = v128.bitselect(small, large, f32x4.lt(ax, f32x4.splat(0.625)));
  return v128.or(magnitude, sign);
}

// @ts-ignore: decorator
@inline
function sigmoidVector(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expVector(f32x4.neg(x))));
}

// Unary kernels work in place on n floats at ptr (n a multiple of 4; the caller pads the tail).
export function expInPlace(ptr: usize, n: i32): void {
  const end = ptr + (<usize>n << 2);
  for (let p = ptr; p < end; p += 16) v128.store(p, expVector(v128.load(p)));
}

export function tanhInPlace(ptr: usize, n: i32): void {
  const end = ptr + (<usize>n << 2);
  for (let p = ptr; p < end; p += 16) v128.store(p, tanhVector(v128.load(p)));
}

export function sigmoidInPlace(ptr: usize, n: i32): void {
  const end = ptr + (<usize>n << 2);
  for (let p = ptr; p < end; p += 16) v128.store(p, sigmoidVector(v128.load(p)));
}

export function reluInPlace(ptr: usize, n: i32): void {
  const end = ptr + (<usize>n << 2);
  const zero = f32x4.splat(0);
  // max (not pmax) to match Math.max: NaN stays NaN and −0 becomes +0.
  for (let p = ptr; p < end; p += 16) v128.store(p, f32x4.max(v128.load(p), zero));
}

/** a[i] += b[i] over n floats (n a multiple of 4). */
export function addInPlace(a: usize, b: usize, n: i32): void {
  const end = a + (<usize>n << 2);
  for (; a < end; a += 16, b += 16) v128.store(a, f32x4.add(v128.load(a), v128.load(b)));
}

/** a[i] *= b[i] over n floats (n a multiple of 4). */
export function mulInPlace(a: usize, b: usize, n: i32): void {
  const end = a + (<usize>n << 2);
  for (; a < end; a += 16, b += 16) v128.store(a, f32x4.mul(v128.load(a), v128.load(b)));
}

/** max over n floats at ptr (n ≥ 1; NaN if any is NaN). */
export function maxOf(ptr: usize, n: i32): f32 {
  let best = f32x4.splat(-Infinity);
  const vectorEnd = ptr + (<usize>(n & ~3) << 2);
  let p = ptr;
  for (; p < vectorEnd; p += 16) best = f32x4.max(best, v128.load(p));
  let result = max(max(f32x4.extract_lane(best, 0), f32x4.extract_lane(best, 1)), max(f32x4.extract_lane(best, 2), f32x4.extract_lane(best, 3)));
  const end = ptr + (<usize>n << 2);
  for (; p < end; p += 4) result = max(result, load<f32>(p));
  return result;
}

/** Σ e^(x − shift) over n floats at ptr, accumulated in float64 per lane group. */
export function sumExpShifted(ptr: usize, n: i32, shift: f32): f64 {
  const s = f32x4.splat(shift);
  let low = f64x2.splat(0);
  let high = f64x2.splat(0);
  const vectorEnd = ptr + (<usize>(n & ~3) << 2);
  let p = ptr;
  for (; p < vectorEnd; p += 16) {
    const e = expVector(f32x4.sub(v128.load(p), s));
    low = f64x2.add(low, f64x2.promote_low_f32x4(e));
    high = f64x2.add(high, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)));
  }
  let total = f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1) + f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1);
  const end = ptr + (<usize>n << 2);
  for (; p < end; p += 4) total += <f64>f32x4.extract_lane(expVector(f32x4.splat(load<f32>(p) - shift)), 0);
  return total;
}

/** x[i] = scale · e^(x[i] − shift) in place over n floats (n a multiple of 4): softmax-CE gradients. */
export function scaledExpInPlace(ptr: usize, n: i32, shift: f32, scale: f32): void {
  const s = f32x4.splat(shift);
  const g = f32x4.splat(scale);
  const end = ptr + (<usize>n << 2);
  for (let p = ptr; p < end; p += 16) v128.store(p, f32x4.mul(g, expVector(f32x4.sub(v128.load(p), s))));
}
