// Strided copies: the one place that walks an n-d layout (shape + strides + offset) element by
// element. Views (transpose, slice, expand) are made contiguous here before a kernel runs on them,
// and gradients are written back into sliced regions here. An odometer walks the outer axes; the
// innermost axis is a plain loop.

/**
 * dst[dstOffset + Σ i·dstStrides] = src[srcOffset + Σ i·srcStrides] for every index i of `shape`.
 * With `accumulate`, adds instead of overwriting.
 */
export function copyStrided(
  src: Float32Array,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: Float32Array,
  dstOffset: number,
  dstStrides: readonly number[],
  shape: readonly number[],
  accumulate = false,
): void {
  const rank = shape.length;
  if (rank === 0) {
    if (accumulate) dst[dstOffset]! += src[srcOffset]!;
    else dst[dstOffset] = src[srcOffset]!;
    return;
  }
  for (let axis = 0; axis < rank; axis++) if (shape[axis] === 0) return;
  const inner = shape[rank - 1]!;
  const srcStep = srcStrides[rank - 1]!;
  const dstStep = dstStrides[rank - 1]!;
  const index = new Array<number>(rank - 1).fill(0);
  let s = srcOffset;
  let d = dstOffset;
  for (;;) {
    if (accumulate) {
      for (let i = 0; i < inner; i++) dst[d + i * dstStep]! += src[s + i * srcStep]!;
    } else if (srcStep === 1 && dstStep === 1) {
      dst.set(src.subarray(s, s + inner), d);
    } else {
      for (let i = 0; i < inner; i++) dst[d + i * dstStep] = src[s + i * srcStep]!;
    }
    // Advance the odometer over the outer axes.
    let axis = rank - 2;
    while (axis >= 0) {
      index[axis]!++;
      s += srcStrides[axis]!;
      d += dstStrides[axis]!;
      if (index[axis]! < shape[axis]!) break;
      s -= srcStrides[axis]! * shape[axis]!;
      d -= dstStrides[axis]! * shape[axis]!;
      index[axis] = 0;
      axis--;
    }
    if (axis < 0) return;
  }
}
