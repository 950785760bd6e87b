// The exact cosine scan: for each query, the k rows of a row-major matrix with the highest dot product
// (cosine similarity when rows and queries are unit length), best first, skipping masked rows and, per
// query, the rows of three excluded groups (the question words of an analogy). `scanTopK` runs the native
// kernel (native/scan.cc: blocked and fused with the top-k, on the addon's threads) or, without the
// addon, `scanTopKReference`, the plain loop that is also its oracle.
//
// The order is total — higher score first, then lower row — so an answer never depends on the thread
// count or on which path computed it, up to float rounding of the scores.
import { type NativeKernels, nativeKernels, threadCount } from '../../native/index.js';
import { TopK } from '../top-k.js';

export interface ScanOptions {
  /** Rows kept per query. */
  k: number;
  /** Rows with mask[row] === 0 are never returned. */
  mask?: Uint8Array;
  /**
   * With `excluded`: query q never returns a row whose group[row] is one of excluded[3q], excluded[3q + 1],
   * excluded[3q + 2] (−1 matches no group).
   */
  group?: Int32Array;
  excluded?: Int32Array;
  /** Threads to scan with (default: threadCount()); results do not depend on it. */
  threads?: number;
  /** The native kernel table, or null for the plain loop (default: the addon's table for this CPU). */
  kernels?: NativeKernels | null;
}

/** Per query, k slots best first: row ids (−1 for an empty slot) and their float32 scores (−inf). */
export interface ScanResult {
  ids: Int32Array;
  scores: Float32Array;
}

/**
 * The top `k` rows of `rows` ([rowCount, dim]) for each of `queryCount` queries ([queryCount, dim]).
 * NaN scores are never returned.
 */
export function scanTopK(
  rows: Float32Array,
  rowCount: number,
  dim: number,
  queries: Float32Array,
  queryCount: number,
  options: ScanOptions,
): ScanResult {
  const { k } = options;
  const scores = new Float32Array(queryCount * k);
  const ids = new Int32Array(queryCount * k);
  const kernels = options.kernels === undefined ? nativeKernels() : options.kernels;
  if (kernels === null) {
    scanTopKReference(rows, rowCount, dim, queries, queryCount, options, scores, ids);
  } else {
    kernels.scanTopK(
      rows,
      rowCount,
      dim,
      queries,
      queryCount,
      k,
      options.mask ?? null,
      options.excluded === undefined ? null : (options.group ?? null),
      options.excluded ?? null,
      scores,
      ids,
      options.threads ?? threadCount(),
    );
  }
  return { ids, scores };
}

/** The plain loop of scanTopK: every row's dot product (in float64), a bounded heap per query. */
export function scanTopKReference(
  rows: Float32Array,
  rowCount: number,
  dim: number,
  queries: Float32Array,
  queryCount: number,
  options: ScanOptions,
  scores: Float32Array,
  ids: Int32Array,
): void {
  const { k, mask, group, excluded } = options;
  for (let q = 0; q < queryCount; q++) {
    const top = new TopK(k);
    const query = q * dim;
    const [e0, e1, e2] =
      excluded === undefined ? [] : [excluded[3 * q], excluded[3 * q + 1], excluded[3 * q + 2]];
    for (let row = 0; row < rowCount; row++) {
      if (mask !== undefined && mask[row] === 0) continue;
      if (excluded !== undefined) {
        const g = group![row];
        if (g === e0 || g === e1 || g === e2) continue;
      }
      const base = row * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += rows[base + j]! * queries[query + j]!;
      // rounded to float32 first, as the kernel keeps it, so ties rank alike
      const score = Math.fround(dot);
      if (score > Number.NEGATIVE_INFINITY) top.push(row, score);
    }
    const sorted = top.sorted();
    for (let i = 0; i < k; i++) {
      scores[q * k + i] = sorted[i]?.score ?? Number.NEGATIVE_INFINITY;
      ids[q * k + i] = sorted[i]?.index ?? -1;
    }
  }
}
