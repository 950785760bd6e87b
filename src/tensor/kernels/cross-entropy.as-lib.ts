// Softmax cross-entropy over rows of logits that already lie in the GEMM module's shared memory, for the
// fused output layer + loss (linear-cross-entropy.ts). Each call handles the rows [start, start + count),
// so the main thread and the helper worker split a matrix by taking chunks of rows (threads-protocol.ts).
// Logits are row-major [rows, cols] floats at `logits`; `stats` holds two f64 per row (lse, 1/Σ);
// losses and the upstream gradient are f64.
//
// Forward, per row r (one read-modify-write pass, then a second over a row that is still in cache):
//   x[r, c] += b[c], and the row's max m      (the bias, added in place: no separate pass over the logits)
//   e[r, c]  = e^(x[r, c] − m), stored over x  (stable: every exponent ≤ 0)
//   s_r = Σ_c e[r, c];  lse_r = m + log s_r;  loss_r = lse_r − x[r, t_r]  (x[r, t_r] read before it goes)
// Backward, in place: G[r, c] = g · (p[r, c] − [c = t_r]) with p = e / s_r, so it costs one multiply per
// entry and no exponential; and the column sums of G over the chunk's rows go to partial[chunk, c] (so
// db = Σ_chunks partial costs no further pass over G, and the order of additions does not depend on
// which thread ran which chunk).
// A row whose maximum is ±∞ or NaN keeps its logits (no e): lse = that maximum, 1/s = NaN marks it, and
// backward computes g · e^(x − lse) in float64 as the plain loop does (IEEE behaviour for ±∞ and NaN).
import { expVector } from './exp.as-lib';

/** Forward rows: adds the bias, leaves e = e^(x − max) in place, writes stats and loss[r] (see the header). */
export function crossEntropyForwardRows(
  start: i32,
  count: i32,
  chunk: i32,
  logits: usize,
  cols: i32,
  bias: usize,
  targets: usize,
  stats: usize,
  losses: usize,
): void {
  const rowBytes = <usize>cols << 2;
  const vectorBytes = <usize>(cols & ~3) << 2;
  for (let r = start; r < start + count; r++) {
    const row = logits + <usize>r * rowBytes;
    // x += b, and the running maximum, in one pass.
    let best = f32x4.splat(-Infinity);
    let offset: usize = 0;
    for (; offset < vectorBytes; offset += 16) {
      const v = f32x4.add(v128.load(row + offset), v128.load(bias + offset));
      v128.store(row + offset, v);
      best = f32x4.max(best, v);
    }
    let peak = max(
      max(f32x4.extract_lane(best, 0), f32x4.extract_lane(best, 1)),
      max(f32x4.extract_lane(best, 2), f32x4.extract_lane(best, 3)),
    );
    for (; offset < rowBytes; offset += 4) {
      const v = load<f32>(row + offset) + load<f32>(bias + offset);
      store<f32>(row + offset, v);
      peak = max(peak, v);
    }
    const target = <usize>load<i32>(targets + (<usize>r << 2));
    const atTarget = <f64>load<f32>(row + (target << 2));
    const rowStats = stats + (<usize>r << 4);
    let lse: f64;
    if (isNaN(peak) || peak == Infinity || peak == -Infinity) {
      // NaN stays NaN; a row holding +∞ (or only −∞) has that log-sum-exp.
      lse = <f64>peak;
      store<f64>(rowStats, lse);
      store<f64>(rowStats, NaN, 8);
    } else {
      const shift = f32x4.splat(peak);
      let low = f64x2.splat(0);
      let high = f64x2.splat(0);
      offset = 0;
      for (; offset < vectorBytes; offset += 16) {
        const e = expVector(f32x4.sub(v128.load(row + offset), shift));
        v128.store(row + offset, e);
        low = f64x2.add(low, f64x2.promote_low_f32x4(e));
        high = f64x2.add(high, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)));
      }
      let sum =
        f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1) + (f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1));
      for (; offset < rowBytes; offset += 4) {
        const e = f32x4.extract_lane(expVector(f32x4.splat(load<f32>(row + offset) - peak)), 0);
        store<f32>(row + offset, e);
        sum += <f64>e;
      }
      lse = <f64>peak + Math.log(sum);
      store<f64>(rowStats, lse);
      store<f64>(rowStats, 1.0 / sum, 8);
    }
    store<f64>(losses + (<usize>r << 3), lse - atTarget);
  }
}

/**
 * Backward rows: e → G in place and partial[chunk, :] = Σ_rows G (see the header). `gradient` is the
 * byte address of the f64 upstream gradient per row (the same for every row: mean or sum reduction).
 */
export function crossEntropyBackwardRows(
  start: i32,
  count: i32,
  chunk: i32,
  logits: usize,
  cols: i32,
  targets: usize,
  stats: usize,
  gradient: usize,
  partials: usize,
): void {
  const rowBytes = <usize>cols << 2;
  const vectorBytes = <usize>(cols & ~3) << 2;
  const partial = partials + <usize>chunk * rowBytes;
  memory.fill(partial, 0, rowBytes);
  const g = load<f64>(gradient);
  const gf = <f32>g;
  for (let r = start; r < start + count; r++) {
    const row = logits + <usize>r * rowBytes;
    const rowStats = stats + (<usize>r << 4);
    const inverseSum = load<f64>(rowStats, 8);
    const target = <usize>load<i32>(targets + (<usize>r << 2)) << 2;
    if (isNaN(inverseSum)) {
      // The row kept its logits (maximum ±∞ or NaN): the plain loop's IEEE behaviour, in float64.
      const lse = load<f64>(rowStats);
      for (let offset: usize = 0; offset < rowBytes; offset += 4) {
        const value = <f32>(g * Math.exp(<f64>load<f32>(row + offset) - lse));
        store<f32>(row + offset, value);
        store<f32>(partial + offset, load<f32>(partial + offset) + value);
      }
    } else {
      const scale = <f32>(g * inverseSum);
      const k = f32x4.splat(scale);
      let offset: usize = 0;
      for (; offset + 32 <= vectorBytes; offset += 32) {
        const v0 = f32x4.mul(k, v128.load(row + offset));
        const v1 = f32x4.mul(k, v128.load(row + offset, 16));
        v128.store(row + offset, v0);
        v128.store(row + offset, v1, 16);
        v128.store(partial + offset, f32x4.add(v128.load(partial + offset), v0));
        v128.store(partial + offset, f32x4.add(v128.load(partial + offset, 16), v1), 16);
      }
      for (; offset < vectorBytes; offset += 16) {
        const value = f32x4.mul(k, v128.load(row + offset));
        v128.store(row + offset, value);
        v128.store(partial + offset, f32x4.add(v128.load(partial + offset), value));
      }
      for (; offset < rowBytes; offset += 4) {
        const value = scale * load<f32>(row + offset);
        store<f32>(row + offset, value);
        store<f32>(partial + offset, load<f32>(partial + offset) + value);
      }
    }
    store<f32>(row + target, load<f32>(row + target) - gf);
    store<f32>(partial + target, load<f32>(partial + target) - gf);
  }
}
