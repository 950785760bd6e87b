// Shared f32 row primitives for AssemblyScript kernels (dot product, axpy, scale, fill), on raw
// pointers into linear memory, with 128-bit SIMD (f32x4). Kernels import these so that every hot
// loop over embedding rows uses the same tested arithmetic. The summation order of `dotF32` is:
// two f32x4 accumulators over blocks of 8, one over a block of 4, lanes summed 0+1+2+3, then the
// scalar tail; plain TS oracles compare with a tolerance rather than bit for bit.

/** Σ a[i]·b[i] for i < n (a, b: byte addresses of f32 rows). */
@inline
export function dotF32(a: usize, b: usize, n: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const offset = <usize>i << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + offset), v128.load(b + offset)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(a + offset, 16), v128.load(b + offset, 16)));
  }
  if (i + 4 <= n) {
    const offset = <usize>i << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + offset), v128.load(b + offset)));
    i += 4;
  }
  acc0 = f32x4.add(acc0, acc1);
  let sum =
    f32x4.extract_lane(acc0, 0) +
    f32x4.extract_lane(acc0, 1) +
    f32x4.extract_lane(acc0, 2) +
    f32x4.extract_lane(acc0, 3);
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    sum += load<f32>(a + offset) * load<f32>(b + offset);
  }
  return sum;
}

/** y[i] += alpha·x[i] for i < n. */
@inline
export function axpyF32(alpha: f32, x: usize, y: usize, n: i32): void {
  const scale = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(y + offset, f32x4.add(v128.load(y + offset), f32x4.mul(scale, v128.load(x + offset))));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    store<f32>(y + offset, load<f32>(y + offset) + alpha * load<f32>(x + offset));
  }
}

/** x[i] *= alpha for i < n. */
@inline
export function scaleF32(alpha: f32, x: usize, n: i32): void {
  const scale = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(x + offset, f32x4.mul(scale, v128.load(x + offset)));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    store<f32>(x + offset, alpha * load<f32>(x + offset));
  }
}

/** x[i] = value for i < n. */
@inline
export function fillF32(value: f32, x: usize, n: i32): void {
  const splat = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), splat);
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), value);
}

/** y[i] += x[i] for i < n. */
@inline
export function addF32(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(y + offset, f32x4.add(v128.load(y + offset), v128.load(x + offset)));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    store<f32>(y + offset, load<f32>(y + offset) + load<f32>(x + offset));
  }
}
