// The SIMD similarity kernel against its plain TypeScript oracle (odd dims and query counts exercise
// the scalar tails), and KeyedVectors on a matrix large enough to take the kernel path.
import { describe, expect, it } from 'vitest';
import { KeyedVectors } from '../../src/embeddings/index.js';
import {
  SimilarityScanner,
  bestRowsExcludingReference,
  rowScoresReference,
} from '../../src/embeddings/similarity-block.js';
import { Random } from '../../src/util/random.js';
import { wasmAvailable } from '../../src/util/wasm.js';

function unitMatrix(rows: number, dim: number, seed: number): Float32Array {
  const random = new Random(seed);
  const m = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (m[r * dim + j] = random.normal()) ** 2;
    for (let j = 0; j < dim; j++) m[r * dim + j]! /= Math.sqrt(sum);
  }
  return m;
}

// test/global-setup.ts builds dist/wasm before the run: a missing kernel is a failure, not a skip.
const built = wasmAvailable('similarity-block');

describe('SimilarityScanner', () => {
  for (const dim of [1, 7, 16, 33]) {
    it(`kernel agrees with the oracle (dim ${dim})`, () => {
      expect(built, 'dist/wasm/similarity-block.wasm').toBe(true);
      const rows = 301;
      const matrix = unitMatrix(rows, dim, dim);
      const queries = unitMatrix(11, dim, 100 + dim);
      const group = Int32Array.from({ length: rows }, (_, i) => (i % 50 === 7 ? i - 1 : i));
      const excluded = Int32Array.from({ length: 33 }, (_, i) => (i * 37) % rows);
      const scanner = new SimilarityScanner(matrix, rows, dim, { group, blockCapacity: 16 });
      expect(scanner.usesWasm).toBe(true);

      const expectedScores = new Float64Array(rows);
      rowScoresReference(matrix, rows, dim, queries.subarray(0, dim), expectedScores);
      expect(scanner.rowScores(queries.subarray(0, dim))).toBeAllClose(expectedScores, { atol: 1e-6 });
      expect(scanner.rowScores(queries.subarray(0, dim), 10)).toHaveLength(10);

      const expectedRows = new Int32Array(11);
      bestRowsExcludingReference(
        queries,
        11,
        matrix,
        rows,
        dim,
        group,
        excluded,
        expectedRows,
        new Float64Array(11),
      );
      expect(Array.from(scanner.bestRowsExcluding(queries, 11, excluded))).toEqual(Array.from(expectedRows));
      const plain = new SimilarityScanner(matrix, rows, dim, { group, blockCapacity: 16, wasm: false });
      expect(Array.from(plain.bestRowsExcluding(queries, 11, excluded))).toEqual(Array.from(expectedRows));
    });
  }

  it('the oracle excludes whole groups', () => {
    // Three rows in 1D: 1, 0.5, −1. Query 1: best row 0, unless group 0 (rows 0 and 1) is excluded.
    const matrix = Float32Array.from([1, 0.5, -1]);
    const bestRow = new Int32Array(2);
    const group = Int32Array.from([0, 0, 2]);
    bestRowsExcludingReference(
      [1, 1],
      2,
      matrix,
      3,
      1,
      group,
      Int32Array.from([5, 5, 5, 0, 5, 5]),
      bestRow,
      new Float64Array(2),
    );
    expect(Array.from(bestRow)).toEqual([0, 2]);
  });
});

describe('KeyedVectors on the kernel path', () => {
  it('mostSimilar equals a full float64 sort on a 3000 × 32 matrix', () => {
    const dim = 32;
    const rows = 3000;
    const random = new Random(77);
    const words = Array.from({ length: rows }, (_, i) => `w${i}`);
    const kv = new KeyedVectors(
      words,
      Float32Array.from({ length: rows * dim }, () => random.normal()),
      dim,
    );
    for (const probe of [0, 1234, 2999]) {
      const query = Array.from(kv.vectors.subarray(probe * dim, (probe + 1) * dim));
      const norm = Math.hypot(...query);
      const scored: { word: string; similarity: number }[] = [];
      for (let r = 0; r < rows; r++) {
        if (r === probe) continue;
        const row = Array.from(kv.vectors.subarray(r * dim, (r + 1) * dim));
        scored.push({
          word: words[r]!,
          similarity: row.reduce((s, x, j) => s + x * query[j]!, 0) / (Math.hypot(...row) * norm),
        });
      }
      scored.sort((a, b) => b.similarity - a.similarity);
      const actual = kv.mostSimilar({ positive: [`w${probe}`], topN: 8 });
      expect(actual.map((n) => n.word)).toEqual(scored.slice(0, 8).map((n) => n.word));
      expect(actual.map((n) => n.similarity)).toBeAllClose(
        scored.slice(0, 8).map((n) => n.similarity),
        { atol: 1e-6 },
      );
    }
  });

  it('setVector invalidates the kernel-held unit matrix', () => {
    const dim = 32;
    const rows = 2500;
    const random = new Random(5);
    const words = Array.from({ length: rows }, (_, i) => `w${i}`);
    const kv = new KeyedVectors(
      words,
      Float32Array.from({ length: rows * dim }, () => random.normal()),
      dim,
    );
    expect(kv.mostSimilar({ positive: ['w1'], topN: 1 })[0]!.word).not.toBe('w2000');
    kv.setVector(
      'w2000',
      Array.from(kv.vector('w1'), (x) => 3 * x),
    );
    const [best] = kv.mostSimilar({ positive: ['w1'], topN: 1 });
    expect(best!.word).toBe('w2000');
    expect(best!.similarity).toBeAllClose(1, { atol: 1e-6 });
    expect(kv.similarity('w1', 'w2000')).toBeAllClose(1, { atol: 1e-6 });
  });
});
