// Reduction kernels over a contiguous block viewed as [outer, size, inner]: the reduced axis has
// `size` entries and stride `inner`. A row reduction is inner = 1; summing a batch of gradients
// into a bias is outer = 1. Plain loops, no allocation.
// A whole-row sum (inner = 1) accumulates in float64 so long sums (mean over a big batch) do not
// drift; column sums accumulate in the float32 output row by row, which vectorises.

/** out[o, j] = Σ_r x[o, r, j]. */
export function sumAxis(
  x: Float32Array,
  xOffset: number,
  outer: number,
  size: number,
  inner: number,
  out: Float32Array,
  outOffset: number,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let total = 0;
      const base = xOffset + o * size;
      for (let r = 0; r < size; r++) total += x[base + r]!;
      out[outOffset + o] = total;
    }
    return;
  }
  // Four rows per pass over the output row: a quarter of the loads and stores of `out`.
  for (let o = 0; o < outer; o++) {
    const outBase = outOffset + o * inner;
    out.fill(0, outBase, outBase + inner);
    let r = 0;
    for (; r + 4 <= size; r += 4) {
      const x0 = xOffset + (o * size + r) * inner;
      const x1 = x0 + inner;
      const x2 = x1 + inner;
      const x3 = x2 + inner;
      for (let j = 0; j < inner; j++) {
        out[outBase + j]! += x[x0 + j]! + x[x1 + j]! + (x[x2 + j]! + x[x3 + j]!);
      }
    }
    for (; r < size; r++) {
      const xBase = xOffset + (o * size + r) * inner;
      for (let j = 0; j < inner; j++) out[outBase + j]! += x[xBase + j]!;
    }
  }
}

/**
 * out[o, j] = max_r x[o, r, j] and argmax[o, j] = the first r reaching it. A NaN wins (and its
 * index is kept), so NaNs are not silently dropped. Requires size ≥ 1.
 */
export function maxAxis(
  x: Float32Array,
  xOffset: number,
  outer: number,
  size: number,
  inner: number,
  out: Float32Array,
  outOffset: number,
  argmax: Int32Array,
  argmaxOffset: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let base = xOffset + o * size * inner + j;
      let best = x[base]!;
      let bestIndex = 0;
      if (!Number.isNaN(best)) {
        for (let r = 1; r < size; r++) {
          base += inner;
          const v = x[base]!;
          if (v > best || Number.isNaN(v)) {
            best = v;
            bestIndex = r;
            if (Number.isNaN(v)) break;
          }
        }
      }
      out[outOffset + o * inner + j] = best;
      argmax[argmaxOffset + o * inner + j] = bestIndex;
    }
  }
}

/** dx[o, argmax[o, j], j] += g[o, j]: routes each max's gradient to the entry that won. */
export function maxAxisBackward(
  g: Float32Array,
  gOffset: number,
  argmax: Int32Array,
  outer: number,
  size: number,
  inner: number,
  dx: Float32Array,
  dxOffset: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const k = o * inner + j;
      dx[dxOffset + (o * size + argmax[k]!) * inner + j]! += g[gOffset + k]!;
    }
  }
}
