// Shared f32 row primitives for AssemblyScript kernels (dot product, axpy, scale, fill), on raw
// pointers into linear memory, with 128-bit SIMD (f32x4). Kernels import these so that every hot
// loop over embedding rows uses the same tested arithmetic. The summation order of `dotF32` is:
// two f32x4 accumulators over blocks of 8, one over a block of 4, lanes summed 0+1+2+3, then the
// scalar tail; plain TS oracles compare with a tolerance rather than bit for bit.

/** Σ a[i]·b[i] for i < n (a, b: byte addresses of f32 rows). Four accumulators for instruction-level parallelism. */
@inline
export function dotF32(a: usize, b: usize, n: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  const bytes = <usize>n << 2;
  let offset: usize = 0;
  for (; offset + 64 <= bytes; offset += 64) {
    const pa = a + offset;
    const pb = b + offset;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(pa), v128.load(pb)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(pa, 16), v128.load(pb, 16)));
    acc2 = f32x4.add(acc2, f32x4.mul(v128.load(pa, 32), v128.load(pb, 32)));
    acc3 = f32x4.add(acc3, f32x4.mul(v128.load(pa, 48), v128.load(pb, 48)));
  }
  for (; offset + 16 <= bytes; offset += 16) {
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + offset), v128.load(b + offset)));
  }
  acc0 = f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3));
  let sum =
    f32x4.extract_lane(acc0, 0) +
    f32x4.extract_lane(acc0, 1) +
    f32x4.extract_lane(acc0, 2) +
    f32x4.extract_lane(acc0, 3);
  for (; offset < bytes; offset += 4) sum += load<f32>(a + offset) * load<f32>(b + offset);
  return sum;
}

/**
 * The two updates of one logistic step in a single pass: e[i] += g·t[i] (with t's old value), then
 * t[i] += g·x[i]. Reads the target row once instead of twice.
 */
@inline
export function accumulateAndUpdateF32(g: f32, x: usize, t: usize, e: usize, n: i32): void {
  const scale = f32x4.splat(g);
  const bytes = <usize>n << 2;
  let offset: usize = 0;
  for (; offset + 32 <= bytes; offset += 32) {
    const t0 = v128.load(t + offset);
    const t1 = v128.load(t + offset, 16);
    const x0 = v128.load(x + offset);
    const x1 = v128.load(x + offset, 16);
    v128.store(e + offset, f32x4.add(v128.load(e + offset), f32x4.mul(scale, t0)));
    v128.store(e + offset, f32x4.add(v128.load(e + offset, 16), f32x4.mul(scale, t1)), 16);
    v128.store(t + offset, f32x4.add(t0, f32x4.mul(scale, x0)));
    v128.store(t + offset, f32x4.add(t1, f32x4.mul(scale, x1)), 16);
  }
  for (; offset + 16 <= bytes; offset += 16) {
    const target = v128.load(t + offset);
    v128.store(e + offset, f32x4.add(v128.load(e + offset), f32x4.mul(scale, target)));
    v128.store(t + offset, f32x4.add(target, f32x4.mul(scale, v128.load(x + offset))));
  }
  for (; offset < bytes; offset += 4) {
    const target = load<f32>(t + offset);
    store<f32>(e + offset, load<f32>(e + offset) + g * target);
    store<f32>(t + offset, target + g * load<f32>(x + offset));
  }
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
