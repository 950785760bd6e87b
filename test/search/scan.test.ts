// The exact scan (scanTopK) of every native kernel table this CPU can run against the TypeScript oracle
// (scanTopKReference): odd dims (1, 3, 17, 129) and row counts (not multiples of the register tile),
// one query and batches of 3 to 130 queries (the single-query and the panel paths on either side of
// the batch threshold — 4 queries, 8 with AVX-512's 64-query panels — partial and whole panels), k
// from 1 to more than the rows, masks and per-query excluded groups, and the same answer on one thread
// and on two.
import { describe, expect, it } from 'vitest';
import { nativeTables } from '../../src/native/index.js';
import { type ScanOptions, scanTopK } from '../../src/search/index.js';
import { Random } from '../../src/util/random.js';

const tables = nativeTables();
if (tables.length === 0) console.warn('scan tests: no native kernel table (VERBO_NATIVE=0): the oracle only');

function unitRows(random: Random, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) {
      const x = random.uniform(-1, 1);
      out[r * dim + d] = x;
      sum += x * x;
    }
    const inverse = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let d = 0; d < dim; d++) out[r * dim + d]! *= inverse;
  }
  return out;
}

/**
 * Where the native answer differs from the oracle's beyond float rounding (undefined: nowhere): ids
 * position by position unless the two scores there are within rounding (a near tie may swap).
 */
function topKDifference(
  received: { ids: Int32Array; scores: Float32Array },
  expected: { ids: Int32Array; scores: Float32Array },
  k: number,
): string | undefined {
  if (received.ids.length !== expected.ids.length)
    return `${received.ids.length} slots, expected ${expected.ids.length}`;
  for (let i = 0; i < expected.ids.length; i++) {
    const e = expected.scores[i]!;
    const r = received.scores[i]!;
    if (expected.ids[i] === -1) {
      if (received.ids[i] !== -1) return `slot ${i}: row ${received.ids[i]} where the oracle has none`;
      continue;
    }
    if (!(Math.abs(r - e) < 1e-5)) return `slot ${i}: score ${r}, oracle ${e}`;
    if (received.ids[i] !== expected.ids[i]) {
      // only a near tie may swap: the oracle ranks the received row within rounding of this score
      const first = i - (i % k);
      const at = expected.ids.subarray(first, first + k).indexOf(received.ids[i]!);
      if (at < 0) return `slot ${i}: row ${received.ids[i]} is not in the oracle's top-k`;
      if (!(Math.abs(expected.scores[first + at]! - e) < 1e-5)) {
        return `slot ${i}: row ${received.ids[i]} (oracle score ${expected.scores[first + at]}) where row ${expected.ids[i]} (${e}) was expected`;
      }
    }
  }
  return undefined;
}

/** Every table against the oracle (computed once) on one random configuration. */
function check(
  random: Random,
  rows: number,
  dim: number,
  queries: number,
  k: number,
  extra: Partial<ScanOptions> = {},
): void {
  const matrix = unitRows(random, rows, dim);
  const query = unitRows(random, queries, dim);
  const expected = scanTopK(matrix, rows, dim, query, queries, { ...extra, k, kernels: null });
  for (const table of tables) {
    const where = `${table.isa} rows ${rows} dim ${dim} queries ${queries} k ${k}${extra.mask ? ' mask' : ''}${extra.excluded ? ' excluded' : ''}`;
    const one = scanTopK(matrix, rows, dim, query, queries, { ...extra, k, kernels: table, threads: 1 });
    const two = scanTopK(matrix, rows, dim, query, queries, { ...extra, k, kernels: table, threads: 2 });
    expect(topKDifference(one, expected, k), where).toBeUndefined();
    // the thread count never changes an answer, not even in the last bit
    expect(Array.from(two.ids), where).toEqual(Array.from(one.ids));
    expect(Array.from(two.scores), where).toEqual(Array.from(one.scores));
  }
}

describe.skipIf(tables.length === 0)(
  `native scan (${tables.map((table) => table.isa).join(', ')}) against the oracle`,
  () => {
    it('odd dims and row counts, one query and batches, k from 1 to more than the rows', () => {
      const random = new Random(5);
      for (const dim of [1, 3, 17, 129])
        for (const [rows, queries] of [
          [1, 1],
          [13, 3],
          [50, 4],
          [301, 5],
          [130, 8],
          [777, 33],
          [1030, 70],
          [129, 130],
        ] as const)
          for (const k of rows < 1000 ? [1, 10, rows + 3] : [1, 10, 200])
            check(random, rows, dim, queries, k);
    });

    it('large enough to split rows between threads (one query) and query groups (a batch)', () => {
      const random = new Random(6);
      check(random, 20_011, 100, 1, 10);
      check(random, 9_001, 100, 300, 11);
    });

    it("skips masked rows and each query's excluded groups", () => {
      const random = new Random(7);
      const rows = 997;
      const mask = new Uint8Array(rows).map((_, r) => (r % 3 === 0 ? 0 : 1));
      const group = Int32Array.from({ length: rows }, (_, r) => r >> 1); // pairs of rows share a group
      for (const queries of [1, 2, 40]) {
        const excluded = Int32Array.from({ length: 3 * queries }, () => random.int(rows >> 1));
        check(random, rows, 19, queries, 5, { mask });
        check(random, rows, 19, queries, 1, { group, excluded });
        check(random, rows, 19, queries, 4, { mask, group, excluded });
      }
    });

    it.each(tables.map((table) => ({ isa: table.isa, table })))(
      '$isa ranks exact ties by the lower row, and never returns NaN',
      ({ table }) => {
        const dim = 8;
        const rows = 40;
        const matrix = new Float32Array(rows * dim);
        for (let r = 0; r < rows; r++) matrix[r * dim + (r % 4)] = 1; // four groups of identical rows
        matrix.fill(Number.NaN, 5 * dim, 6 * dim);
        const query = Float32Array.of(1, 0, 0, 0, 0, 0, 0, 0);
        for (const queries of [1, 6]) {
          const batch = new Float32Array(queries * dim);
          for (let q = 0; q < queries; q++) batch.set(query, q * dim);
          const found = scanTopK(matrix, rows, dim, batch, queries, { k: 12, kernels: table });
          for (let q = 0; q < queries; q++) {
            expect(Array.from(found.ids.subarray(q * 12, q * 12 + 10))).toEqual([
              0, 4, 8, 12, 16, 20, 24, 28, 32, 36,
            ]);
            expect(Array.from(found.ids.subarray(q * 12 + 10, q * 12 + 12))).toEqual([1, 2]);
          }
        }
      },
    );
  },
);
