// Plain TypeScript exact scan: dot products of one unit query with every row (row-major), top-k kept in
// a bounded min-heap (O(n log k), no sort of the n scores). The oracle for the WebAssembly kernel
// (scan.as.ts) and the fallback when WebAssembly SIMD is unavailable. Heap conventions match the kernel:
// k slots initialised to (-inf, -1), root = the k-th best so far.

/** Fills a heap's k slots with (-inf, -1). */
export function heapReset(heapScores: Float32Array, heapIds: Int32Array, offset: number, k: number): void {
  heapScores.fill(Number.NEGATIVE_INFINITY, offset, offset + k);
  heapIds.fill(-1, offset, offset + k);
}

/** Offers (score, id) to the min-heap of size k at `offset` (ids at `idOffset`, by default the same). */
export function heapPush(
  heapScores: Float32Array,
  heapIds: Int32Array,
  offset: number,
  k: number,
  score: number,
  id: number,
  idOffset = offset,
): void {
  if (!(score > heapScores[offset]!)) return;
  let pos = 0;
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= k) break;
    let child = left;
    if (left + 1 < k && heapScores[offset + left + 1]! < heapScores[offset + left]!) child = left + 1;
    const childScore = heapScores[offset + child]!;
    if (!(childScore < score)) break;
    heapScores[offset + pos] = childScore;
    heapIds[idOffset + pos] = heapIds[idOffset + child]!;
    pos = child;
  }
  heapScores[offset + pos] = score;
  heapIds[idOffset + pos] = id;
}

/**
 * Scans rows [firstRow, lastRow) of `rows` (row-major, `dim` columns) against `query` (at queryOffset),
 * offering each dot product to the heap at `heapOffset`. `mask[id] === 0` skips a row.
 */
export function scanReference(
  rows: Float32Array,
  dim: number,
  query: Float32Array,
  queryOffset: number,
  k: number,
  heapScores: Float32Array,
  heapIds: Int32Array,
  heapOffset: number,
  mask: Uint8Array | undefined,
  firstRow: number,
  lastRow: number,
): void {
  for (let row = firstRow; row < lastRow; row++) {
    if (mask !== undefined && mask[row] === 0) continue;
    const base = row * dim;
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += query[queryOffset + j]! * rows[base + j]!;
    heapPush(heapScores, heapIds, heapOffset, k, dot, row);
  }
}

/** The heap's filled entries as (id, score) pairs, best first (ties: lower id first). */
export function heapToSorted(
  heapScores: Float32Array,
  heapIds: Int32Array,
  offset: number,
  k: number,
): { ids: number[]; scores: number[] } {
  const order: number[] = [];
  for (let i = 0; i < k; i++) if (heapIds[offset + i]! >= 0) order.push(offset + i);
  order.sort((a, b) => heapScores[b]! - heapScores[a]! || heapIds[a]! - heapIds[b]!);
  return { ids: order.map((i) => heapIds[i]!), scores: order.map((i) => heapScores[i]!) };
}
