// Gather and scatter-add along one axis of a contiguous block viewed as [outer, axisSize, inner]:
// the embedding lookup (rows of a table picked by word ids) and its gradient (rows added back into
// the table, repeated ids accumulating). Indices are checked by the caller before these run.

/** out[o, i, :] = x[o, indices[i], :]. */
export function gatherAxis(
  x: Float32Array,
  xOffset: number,
  outer: number,
  axisSize: number,
  inner: number,
  indices: Int32Array,
  out: Float32Array,
  outOffset: number,
): void {
  const count = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < count; i++) {
      const src = xOffset + (o * axisSize + indices[i]!) * inner;
      out.set(x.subarray(src, src + inner), outOffset + (o * count + i) * inner);
    }
  }
}

/** target[o, indices[i], :] += source[o, i, :] (target is updated in place). */
export function scatterAddAxis(
  target: Float32Array,
  targetOffset: number,
  outer: number,
  axisSize: number,
  inner: number,
  indices: Int32Array,
  source: Float32Array,
  sourceOffset: number,
): void {
  const count = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < count; i++) {
      const dst = targetOffset + (o * axisSize + indices[i]!) * inner;
      const src = sourceOffset + (o * count + i) * inner;
      for (let j = 0; j < inner; j++) target[dst + j]! += source[src + j]!;
    }
  }
}
