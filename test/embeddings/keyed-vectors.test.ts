// KeyedVectors against brute-force float64 computations on seeded random vectors, and against gensim's
// own answers on the fixture vectors (test/golden/make_w2v_fixtures.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KeyedVectors } from '../../src/embeddings/index.js';
import { readWord2Vec } from '../../src/embeddings/index.js';
import { UnknownWordError, VerboError } from '../../src/util/errors.js';
import { packagePath } from '../../src/util/paths.js';
import { Random } from '../../src/util/random.js';

function randomVectors(size: number, dim: number, seed: number): KeyedVectors {
  const random = new Random(seed);
  const words = Array.from({ length: size }, (_, i) => `w${i}`);
  const vectors = new Float32Array(size * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = random.normal();
  return new KeyedVectors(words, vectors, dim);
}

/** Row i as float64 unit vector. */
function unitRow(kv: KeyedVectors, i: number): number[] {
  const row = Array.from(kv.vectors.subarray(i * kv.dim, (i + 1) * kv.dim));
  const norm = Math.sqrt(row.reduce((s, x) => s + x * x, 0));
  return row.map((x) => x / norm);
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, j) => s + x * b[j]!, 0);

/** Brute force: every row scored, sorted descending, excluded rows dropped. */
function bruteForce(
  kv: KeyedVectors,
  score: (row: number[]) => number,
  exclude: Set<number>,
  topN: number,
  limit = kv.size,
) {
  const scored: { word: string; similarity: number }[] = [];
  for (let i = 0; i < limit; i++)
    if (!exclude.has(i)) scored.push({ word: kv.words[i]!, similarity: score(unitRow(kv, i)) });
  scored.sort((a, b) => b.similarity - a.similarity);
  return scored.slice(0, topN);
}

function meanQuery(kv: KeyedVectors, positive: string[], negative: string[]): number[] {
  const mean = new Array(kv.dim).fill(0);
  for (const [words, weight] of [
    [positive, 1],
    [negative, -1],
  ] as const) {
    for (const w of words) {
      const row = unitRow(kv, kv.index(w));
      for (let j = 0; j < kv.dim; j++) mean[j] += weight * row[j]!;
    }
  }
  const norm = Math.sqrt(mean.reduce((s, x) => s + x * x, 0));
  return mean.map((x) => x / norm);
}

function expectNeighbors(
  actual: { word: string; similarity: number }[],
  expected: { word: string; similarity: number }[],
) {
  expect(actual.map((n) => n.word)).toEqual(expected.map((n) => n.word));
  expect(actual.map((n) => n.similarity)).toBeAllClose(
    expected.map((n) => n.similarity),
    { rtol: 1e-5, atol: 1e-6 },
  );
}

describe('KeyedVectors queries (brute force, float64)', () => {
  const kv = randomVectors(500, 24, 42);

  it('similarity is the cosine and stays in [-1, 1]', () => {
    for (const [a, b] of [
      [3, 7],
      [10, 400],
      [5, 5],
    ] as const) {
      const expected = dot(unitRow(kv, a), unitRow(kv, b));
      expect(kv.similarity(`w${a}`, `w${b}`)).toBeAllClose(expected, { atol: 1e-6 });
    }
    for (let i = 0; i < 50; i++) expect(Math.abs(kv.similarity('w0', `w${i}`))).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('mostSimilar matches a full sort, input words excluded', () => {
    const cases: {
      positive: string[];
      negative: string[];
      topN: number;
      restrictVocab?: number;
      exclude?: string[];
    }[] = [
      { positive: ['w1'], negative: [], topN: 10 },
      { positive: ['w2', 'w3'], negative: ['w4'], topN: 7 },
      { positive: [], negative: ['w5'], topN: 3 },
      { positive: ['w6'], negative: [], topN: 5, restrictVocab: 100 },
      { positive: ['w7'], negative: [], topN: 5, exclude: ['w8', 'nonexistent'] },
    ];
    for (const c of cases) {
      const query = meanQuery(kv, c.positive, c.negative);
      const exclude = new Set(
        [...c.positive, ...c.negative, ...(c.exclude ?? [])].filter((w) => kv.has(w)).map((w) => kv.index(w)),
      );
      const expected = bruteForce(kv, (row) => dot(row, query), exclude, c.topN, c.restrictVocab);
      expectNeighbors(kv.mostSimilar(c), expected);
    }
  });

  it('mostSimilar accepts raw vectors as terms and returns everything for a large topN', () => {
    const raw = Array.from(kv.vectors.subarray(9 * kv.dim, 10 * kv.dim));
    const viaVector = kv.mostSimilar({ positive: [raw], topN: 3 });
    expect(viaVector[0]!.word).toBe('w9'); // not excluded: only word terms are
    expect(viaVector[0]!.similarity).toBeAllClose(1, { atol: 1e-6 });
    expect(kv.mostSimilar({ positive: ['w1'], topN: 10_000 })).toHaveLength(499);
  });

  it('analogy(a, b, c) is mostSimilar(positive [b, c], negative [a])', () => {
    const query = meanQuery(kv, ['w11', 'w12'], ['w10']);
    const expected = bruteForce(kv, (row) => dot(row, query), new Set([10, 11, 12]), 5);
    expectNeighbors(kv.analogy('w10', 'w11', 'w12'), expected);
  });

  it('mostSimilarCosMul follows Levy & Goldberg with the (1 + cos) / 2 shift and ε = 1e-6', () => {
    const [a, b, c] = [unitRow(kv, 20), unitRow(kv, 21), unitRow(kv, 22)];
    const score = (row: number[]) =>
      (((1 + dot(row, b)) / 2) * ((1 + dot(row, c)) / 2)) / ((1 + dot(row, a)) / 2 + 1e-6);
    const expected = bruteForce(kv, score, new Set([20, 21, 22]), 8);
    expectNeighbors(kv.mostSimilarCosMul({ positive: ['w21', 'w22'], negative: ['w20'], topN: 8 }), expected);
  });

  it('doesntMatch picks the word with the lowest cosine to the mean', () => {
    const words = ['w30', 'w31', 'w32', 'w33', 'w34'];
    const mean = meanQuery(kv, words, []);
    const scores = words.map((w) => dot(unitRow(kv, kv.index(w)), mean));
    const expected = words[scores.indexOf(Math.min(...scores))];
    expect(kv.doesntMatch(words)).toBe(expected);
  });

  it('recomputes the unit matrix after setVector', () => {
    const copy = new KeyedVectors(kv.words, kv.vectors.slice(), kv.dim);
    const before = copy.similarity('w1', 'w2');
    copy.setVector('w2', copy.vector('w1'));
    expect(copy.similarity('w1', 'w2')).toBeAllClose(1, { atol: 1e-6 });
    expect(before).not.toBeCloseTo(1, 3);
  });
});

describe('KeyedVectors errors', () => {
  const kv = new KeyedVectors(['house', 'horse', 'mouse', 'Houses', 'car'], new Float32Array(10).fill(1), 2);

  it('an unknown word names it and suggests close spellings', () => {
    let error: unknown;
    try {
      kv.vector('hous');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownWordError);
    const unknown = error as UnknownWordError;
    expect(unknown.word).toBe('hous');
    // 'hous' has 4 letters: edit distance ≤ 1 (house); horse, mouse and Houses are 2 edits away.
    expect(unknown.suggestions).toEqual(['house']);
    expect(unknown.message).toMatch(/'hous' is not in the vocabulary\. Did you mean: house\?/);
    // Longer words allow 2 edits; closest first, then most frequent (lowest row); case is ignored.
    expect(kv.suggest('hourse')).toEqual(['house', 'horse', 'mouse', 'Houses']);
    expect(kv.suggest('HORSE')).toEqual(['horse', 'house', 'mouse', 'Houses']); // the case variant first (distance 0)
    expect(() => kv.mostSimilar({ positive: ['zzzzzz'] })).toThrow(/'zzzzzz' is not in the vocabulary\.$/);
  });

  it('rejects bad shapes and arguments', () => {
    expect(() => new KeyedVectors(['a', 'b'], new Float32Array(3), 2)).toThrow(
      /3 values but 2 words × dim 2/,
    );
    expect(() => new KeyedVectors(['a', 'a'], new Float32Array(4), 2)).toThrow(/appears twice/);
    expect(() => kv.mostSimilar({})).toThrow(VerboError);
    expect(() => kv.doesntMatch(['car'])).toThrow(/at least two words/);
    expect(() => kv.mostSimilar({ positive: [[1, 2, 3]] })).toThrow(/length 3.*dim 2/);
  });
});

describe('KeyedVectors against gensim 4.2 (golden)', async () => {
  const golden = JSON.parse(readFileSync(packagePath('test', 'golden', 'w2v', 'gensim_golden.json'), 'utf8'));
  const { vectors: kv } = await readWord2Vec(packagePath('test', 'golden', 'w2v', 'gensim.bin'));
  const asNeighbors = (pairs: [string, number][]) =>
    pairs.map(([word, similarity]) => ({ word, similarity }));

  it('most_similar', () => {
    for (const c of golden.most_similar) {
      const actual = kv.mostSimilar({
        positive: c.positive,
        negative: c.negative,
        topN: c.topn,
        restrictVocab: c.restrict_vocab ?? undefined,
      });
      expectNeighbors(actual, asNeighbors(c.result));
    }
  });

  it('most_similar_cosmul', () => {
    for (const c of golden.most_similar_cosmul) {
      expectNeighbors(
        kv.mostSimilarCosMul({ positive: c.positive, negative: c.negative, topN: c.topn }),
        asNeighbors(c.result),
      );
    }
  });

  it('doesnt_match and similarity', () => {
    for (const c of golden.doesnt_match) expect(kv.doesntMatch(c.words)).toBe(c.result);
    for (const c of golden.similarity) expect(kv.similarity(c.a, c.b)).toBeAllClose(c.result, { atol: 1e-6 });
  });
});
