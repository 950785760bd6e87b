// Softmax cross-entropy over rows of logits that already lie in the GEMM module's shared memory, for the
// fused output layer + loss (linear-cross-entropy.ts). Each call handles the rows [start, start + count),
// so the main thread and the helper worker split a matrix by taking chunks of rows (threads-protocol.ts).
// Logits are row-major [rows, cols] floats at `logits`; lse, losses and the upstream gradient are f64.
//
// Forward, per row r (one read-modify-write pass, then one read pass of a row that is still in cache):
//   x[r, c] += b[c]                           (the bias, added in place: no separate pass over the logits)
//   lse[r]   = max + log Σ_c e^(x[r, c] − max)  (stable: every exponent ≤ 0)
//   loss[r]  = lse[r] − x[r, t_r]
// Backward, in place: G[r, c] = g · (e^(x[r, c] − lse[r]) − [c = t_r]), and the column sums of G over the
// chunk's rows into partial[chunk, c] (so db = Σ_chunks partial costs no further pass over G, and the
// order of additions does not depend on which thread ran which chunk). lse is split into its float32
// rounding, subtracted inside the exponent (exact where x is near lse, i.e. where p is large), and the
// small remainder folded into the row's scale in float64.
import { expVector } from './exp.as-lib';

/** Forward rows: adds the bias in place, writes lse[r] and loss[r] (see the header). */
export function crossEntropyForwardRows(
  start: i32,
  count: i32,
  chunk: i32,
  logits: usize,
  cols: i32,
  bias: usize,
  targets: usize,
  lse: usize,
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
    let total: f64;
    if (isNaN(peak) || peak == Infinity || peak == -Infinity) {
      // NaN stays NaN; a row holding +∞ (or only −∞) has that log-sum-exp.
      total = <f64>peak;
    } else {
      const shift = f32x4.splat(peak);
      let low = f64x2.splat(0);
      let high = f64x2.splat(0);
      offset = 0;
      for (; offset < vectorBytes; offset += 16) {
        const e = expVector(f32x4.sub(v128.load(row + offset), shift));
        low = f64x2.add(low, f64x2.promote_low_f32x4(e));
        high = f64x2.add(high, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)));
      }
      let sum =
        f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1) + (f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1));
      for (; offset < rowBytes; offset += 4) {
        sum += <f64>f32x4.extract_lane(expVector(f32x4.splat(load<f32>(row + offset) - peak)), 0);
      }
      total = <f64>peak + Math.log(sum);
    }
    store<f64>(lse + (<usize>r << 3), total);
    store<f64>(losses + (<usize>r << 3), total - atTarget);
  }
}

/**
 * Backward rows: logits → G in place and partial[chunk, :] = Σ_rows G (see the header). `gradient` is the
 * byte address of the f64 upstream gradient per row (the same for every row: mean or sum reduction).
 */
export function crossEntropyBackwardRows(
  start: i32,
  count: i32,
  chunk: i32,
  logits: usize,
  cols: i32,
  targets: usize,
  lse: usize,
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
    const rowLse = load<f64>(lse + (<usize>r << 3));
    const target = <usize>load<i32>(targets + (<usize>r << 2)) << 2;
    if (!isFinite(rowLse)) {
      // A row holding ±∞ or NaN: the plain loop's IEEE behaviour, in float64.
      for (let offset: usize = 0; offset < rowBytes; offset += 4) {
        const value = <f32>(g * Math.exp(<f64>load<f32>(row + offset) - rowLse));
        store<f32>(row + offset, value);
        store<f32>(partial + offset, load<f32>(partial + offset) + value);
      }
    } else {
      const shift = <f32>rowLse;
      const scale = <f32>(g * Math.exp(<f64>shift - rowLse));
      const s = f32x4.splat(shift);
      const k = f32x4.splat(scale);
      let offset: usize = 0;
      for (; offset < vectorBytes; offset += 16) {
        const value = f32x4.mul(k, expVector(f32x4.sub(v128.load(row + offset), s)));
        v128.store(row + offset, value);
        v128.store(partial + offset, f32x4.add(v128.load(partial + offset), value));
      }
      for (; offset < rowBytes; offset += 4) {
        const value = scale * f32x4.extract_lane(expVector(f32x4.splat(load<f32>(row + offset) - shift)), 0);
        store<f32>(row + offset, value);
        store<f32>(partial + offset, load<f32>(partial + offset) + value);
      }
    }
    store<f32>(row + target, load<f32>(row + target) - gf);
    store<f32>(partial + target, load<f32>(partial + target) - gf);
  }
}
