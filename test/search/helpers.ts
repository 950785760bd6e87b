// Shared test data for the search tests: seeded unit vectors, a Gaussian mixture, and a brute-force
// reference (every score computed in float64, then a full sort) that the indexes must agree with.
import { Random } from '../../src/util/random.js';

export function randomVectors(count: number, dim: number, seed: number): Float32Array {
  const random = new Random(seed);
  const out = new Float32Array(count * dim);
  for (let i = 0; i < out.length; i++) out[i] = random.normal();
  return out;
}

/** `count` points around `clusters` random centres (spread `spread` around each), dim `dim`. */
export function gaussianMixture(
  count: number,
  dim: number,
  clusters: number,
  spread: number,
  seed: number,
): Float32Array {
  const random = new Random(seed);
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = random.normal();
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const c = random.int(clusters);
    for (let j = 0; j < dim; j++) out[i * dim + j] = centres[c * dim + j]! + spread * random.normal();
  }
  return out;
}

export function wordList(count: number, prefix = 'w'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

export interface Ranked {
  id: number;
  score: number;
}

/** Cosine similarity of `query` with every row, all sorted (best first, ties by id). */
export function bruteForce(
  rows: Float32Array,
  dim: number,
  query: ArrayLike<number>,
  keep: (id: number) => boolean = () => true,
): Ranked[] {
  let queryNorm = 0;
  for (let j = 0; j < dim; j++) queryNorm += query[j]! * query[j]!;
  queryNorm = Math.sqrt(queryNorm);
  const out: Ranked[] = [];
  for (let id = 0; id < rows.length / dim; id++) {
    if (!keep(id)) continue;
    let dot = 0;
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      dot += rows[id * dim + j]! * query[j]!;
      norm += rows[id * dim + j]! * rows[id * dim + j]!;
    }
    out.push({ id, score: norm === 0 || queryNorm === 0 ? 0 : dot / Math.sqrt(norm) / queryNorm });
  }
  return out.sort((a, b) => b.score - a.score || a.id - b.id);
}

export function row(rows: Float32Array, dim: number, id: number): Float32Array {
  return rows.slice(id * dim, (id + 1) * dim);
}

/**
 * Asserts that `actual` is the top-k of `expected`: the same similarities position by position (within
 * `atol`), and at each position a word whose reference score equals that position's (so only exact or
 * near ties may swap).
 */
export function sameNeighbors(
  actual: { word: string; similarity: number }[],
  expected: Ranked[],
  words: readonly string[],
  k: number,
  atol = 2e-5,
): string | undefined {
  const wanted = expected.slice(0, k);
  if (actual.length !== wanted.length) return `expected ${wanted.length} neighbours, got ${actual.length}`;
  const scoreOf = new Map(expected.map((entry) => [words[entry.id]!, entry.score]));
  for (let i = 0; i < wanted.length; i++) {
    const got = actual[i]!;
    if (Math.abs(got.similarity - wanted[i]!.score) > atol) {
      return `position ${i}: similarity ${got.similarity}, reference ${wanted[i]!.score}`;
    }
    const reference = scoreOf.get(got.word);
    if (reference === undefined || Math.abs(reference - wanted[i]!.score) > atol) {
      return `position ${i}: word ${got.word} (reference score ${reference}) where ${words[wanted[i]!.id]} (${wanted[i]!.score}) was expected`;
    }
  }
  return undefined;
}
