// Row-wise softmax cross-entropy kernels over contiguous [rows, cols] logits, for the fused losses.
// Each row is shifted by its maximum before exponentiating, so e^(x − max) ≤ 1 and nothing overflows:
//   lse = max + log Σ e^(x − max),   log p = x − lse,   p = e^(x − lse).
// The forward stores one lse per row; the backward recomputes p from it instead of keeping a
// [rows, cols] probability matrix alive until backward (that matters at a 10 000-word vocabulary).

// Rows of NATIVE_MIN_COLS or more go to the native kernels (native/softmax.cc); these loops are their
// oracle and fallback.
import { nativeKernels, threadCount } from '../../native/index.js';

/** Rows shorter than this stay in the plain loop. */
export const NATIVE_MIN_COLS = 32;

/** lse[r] = log Σ_c e^x[r, c], computed stably. */
export function logSumExpRows(
  x: Float32Array,
  xOffset: number,
  rows: number,
  cols: number,
  lse: Float64Array,
): void {
  const native = cols >= NATIVE_MIN_COLS ? nativeKernels() : null;
  if (native !== null) {
    native.logSumExpRows(x.subarray(xOffset, xOffset + rows * cols), rows, cols, lse, threadCount());
    return;
  }
  logSumExpRowsLoop(x, xOffset, rows, cols, lse);
}

/** The plain loop of logSumExpRows: its oracle and fallback. */
export function logSumExpRowsLoop(
  x: Float32Array,
  xOffset: number,
  rows: number,
  cols: number,
  lse: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = xOffset + r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (x[base + c]! > max) max = x[base + c]!;
    if (max === -Infinity || max === Infinity) {
      lse[r] = max;
      continue;
    }
    let total = 0;
    for (let c = 0; c < cols; c++) total += Math.exp(x[base + c]! - max);
    lse[r] = max + Math.log(total);
  }
}

/** loss[r] = lse[r] − x[r, target[r]]: the negative log-probability of each row's target. */
export function sparseCrossEntropyRows(
  x: Float32Array,
  xOffset: number,
  rows: number,
  cols: number,
  targets: Int32Array,
  lse: Float64Array,
  loss: Float64Array,
): void {
  for (let r = 0; r < rows; r++) loss[r] = lse[r]! - x[xOffset + r * cols + targets[r]!]!;
}

/** dx[r, c] = rowGrad[r] · (p[r, c] − [c = target[r]]), with p recomputed from lse. */
export function sparseCrossEntropyBackward(
  x: Float32Array,
  xOffset: number,
  rows: number,
  cols: number,
  targets: Int32Array,
  lse: Float64Array,
  rowGrad: Float64Array,
  dx: Float32Array,
): void {
  const native = cols >= NATIVE_MIN_COLS ? nativeKernels() : null;
  if (native !== null) {
    const span = x.subarray(xOffset, xOffset + rows * cols);
    native.sparseCrossEntropyBackward(span, rows, cols, targets, lse, rowGrad, dx, threadCount());
    return;
  }
  sparseCrossEntropyBackwardLoop(x, xOffset, rows, cols, targets, lse, rowGrad, dx);
}

/** The plain loop of sparseCrossEntropyBackward: its oracle and fallback. */
export function sparseCrossEntropyBackwardLoop(
  x: Float32Array,
  xOffset: number,
  rows: number,
  cols: number,
  targets: Int32Array,
  lse: Float64Array,
  rowGrad: Float64Array,
  dx: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = xOffset + r * cols;
    const out = r * cols;
    const g = rowGrad[r]!;
    const shift = lse[r]!;
    for (let c = 0; c < cols; c++) dx[out + c] = g * Math.exp(x[base + c]! - shift);
    dx[out + targets[r]!]! -= g;
  }
}

/** loss[r] = Σ_c t[r, c] · (lse[r] − x[r, c]) = −Σ_c t · log p (targets need not sum to 1). */
export function denseCrossEntropyRows(
  x: Float32Array,
  xOffset: number,
  t: Float32Array,
  tOffset: number,
  rows: number,
  cols: number,
  lse: Float64Array,
  loss: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const xb = xOffset + r * cols;
    const tb = tOffset + r * cols;
    let total = 0;
    for (let c = 0; c < cols; c++) {
      const tc = t[tb + c]!;
      if (tc !== 0) total += tc * (lse[r]! - x[xb + c]!);
    }
    loss[r] = total;
  }
}

/**
 * Gradients of the dense loss: dx[r, c] = g_r · (p[r, c] · Σ_c t[r, c] − t[r, c]) and
 * dt[r, c] = g_r · (lse[r] − x[r, c]) = −g_r · log p[r, c]. Either output may be null.
 */
export function denseCrossEntropyBackward(
  x: Float32Array,
  xOffset: number,
  t: Float32Array,
  tOffset: number,
  rows: number,
  cols: number,
  lse: Float64Array,
  rowGrad: Float64Array,
  dx: Float32Array | null,
  dt: Float32Array | null,
): void {
  for (let r = 0; r < rows; r++) {
    const xb = xOffset + r * cols;
    const tb = tOffset + r * cols;
    const out = r * cols;
    const g = rowGrad[r]!;
    const shift = lse[r]!;
    if (dx !== null) {
      let mass = 0;
      for (let c = 0; c < cols; c++) mass += t[tb + c]!;
      for (let c = 0; c < cols; c++) dx[out + c] = g * (Math.exp(x[xb + c]! - shift) * mass - t[tb + c]!);
    }
    if (dt !== null) for (let c = 0; c < cols; c++) dt[out + c] = g * (shift - x[xb + c]!);
  }
}
