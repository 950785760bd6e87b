// ExactIndex against a brute-force reference (full sort) on seeded random data, through the native scan
// (one and two threads) and the plain TypeScript loop, single queries and batches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeKernels } from '../../src/native/index.js';
import { ExactIndex } from '../../src/search/index.js';
import { UnknownWordError, VerboError } from '../../src/util/errors.js';
import { bruteForce, randomVectors, row, sameNeighbors, wordList } from './helpers.js';

const native = nativeKernels() !== null;
if (!native)
  console.warn('search tests: the native kernels are disabled (VERBO_NATIVE=0): the TypeScript scan only');

const backends = [
  { name: 'typescript', options: { backend: 'typescript' as const }, skip: false },
  { name: 'native, 1 thread', options: { backend: 'native' as const, threads: 1 }, skip: !native },
  { name: 'native, 2 threads', options: { backend: 'native' as const, threads: 2 }, skip: !native },
];

const tmp = mkdtempSync(join(tmpdir(), 'verbo-exact-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(backends)('ExactIndex ($name)', ({ options, skip }) => {
  // n not a multiple of 8 (padding of the last panel), odd dim (the kernels' remainder loops)
  const n = 1003;
  const dim = 37;
  const vectors = randomVectors(n, dim, 11);
  const words = wordList(n);
  const queries = randomVectors(300, dim, 12);

  it.skipIf(skip)('single queries equal the brute-force top-k', () => {
    const index = new ExactIndex(dim, options);
    index.add(words, vectors);
    expect(index.backend).toBe(options.backend);
    for (const k of [1, 10, 37]) {
      for (let q = 0; q < 20; q++) {
        const query = row(queries, dim, q);
        const failure = sameNeighbors(index.search(query, k), bruteForce(vectors, dim, query), words, k);
        expect(failure).toBeUndefined();
      }
    }
    index.close();
  });

  it.skipIf(skip)('batches (1, 3, 4, 7 and 300 queries) equal the brute-force top-k', () => {
    const index = new ExactIndex(dim, options);
    index.add(words, vectors);
    for (const count of [1, 3, 4, 7, 300]) {
      const batch = Array.from({ length: count }, (_, q) => row(queries, dim, q));
      const results = index.searchBatch(batch, 10);
      expect(results.length).toBe(count);
      results.forEach((result, q) => {
        expect(sameNeighbors(result, bruteForce(vectors, dim, batch[q]!), words, 10)).toBeUndefined();
      });
    }
    index.close();
  });

  it.skipIf(skip)('a word query leaves the word itself out; exclude and filters apply', () => {
    const index = new ExactIndex(dim, options);
    const counts = words.map((_, i) => i % 7);
    index.add(words, vectors, { counts });
    const self = 5;
    const reference = bruteForce(vectors, dim, row(vectors, dim, self), (id) => id !== self);
    expect(sameNeighbors(index.search('w5', 10), reference, words, 10)).toBeUndefined();

    const excluded = [words[reference[0]!.id]!, words[reference[2]!.id]!, 'not-a-word'];
    const withoutExcluded = reference.filter((entry) => !excluded.includes(words[entry.id]!));
    expect(
      sameNeighbors(index.search('w5', 10, { exclude: excluded }), withoutExcluded, words, 10),
    ).toBeUndefined();
    expect(
      sameNeighbors(index.search('w5', 10, { exclude: new Set(excluded) }), withoutExcluded, words, 10),
    ).toBeUndefined();

    const query = row(queries, dim, 0);
    const minCount = bruteForce(vectors, dim, query, (id) => counts[id]! >= 4);
    expect(
      sameNeighbors(index.search(query, 10, { filter: { minCount: 4 } }), minCount, words, 10),
    ).toBeUndefined();
    const regex = bruteForce(vectors, dim, query, (id) => /^w1\d*$/.test(words[id]!));
    expect(
      sameNeighbors(index.search(query, 10, { filter: { regex: /^w1\d*$/ } }), regex, words, 10),
    ).toBeUndefined();
    expect(
      sameNeighbors(index.search(query, 10, { filter: { regex: '^w1\\d*$' } }), regex, words, 10),
    ).toBeUndefined();
    const even = bruteForce(vectors, dim, query, (id) => id % 2 === 0 && id !== 0);
    const predicate = index.search(query, 10, { filter: (_word, id) => id % 2 === 0, exclude: ['w0'] });
    expect(sameNeighbors(predicate, even, words, 10)).toBeUndefined();
    // many exclusions (a mask of their own)
    const many = reference.slice(0, 40).map((entry) => words[entry.id]!);
    expect(
      sameNeighbors(index.search('w5', 10, { exclude: many }), reference.slice(40), words, 10),
    ).toBeUndefined();
    // filter + batch: the mask is shared, the self-exclusion is per query
    const batch = index.searchBatch(['w2', 'w4'], 5, { filter: (_word, id) => id % 2 === 0 });
    expect(batch[0]!.map((n) => n.word)).not.toContain('w2');
    expect(batch[1]!.map((n) => n.word)).not.toContain('w4');
    expect(batch[0]!.every((n) => Number(n.word.slice(1)) % 2 === 0)).toBe(true);
  });
});

describe('ExactIndex behaviour', () => {
  it('cosine similarities stay in [-1, 1], also for duplicates, opposites and zero vectors', () => {
    const dim = 8;
    const base = randomVectors(50, dim, 3);
    const words = wordList(50);
    const copies = Float32Array.from(base.subarray(0, dim));
    const opposite = copies.map((x) => -x * 3);
    const index = new ExactIndex(dim);
    index.add(words, base);
    index.add(['copy', 'opposite', 'zero'], [copies, opposite, new Float32Array(dim)]);
    const all = index.search('w0', index.size - 1);
    expect(all.length).toBe(index.size - 1);
    for (const neighbor of all) {
      expect(neighbor.similarity).toBeGreaterThanOrEqual(-1);
      expect(neighbor.similarity).toBeLessThanOrEqual(1);
    }
    expect(all[0]!.word).toBe('copy');
    expect(all[0]!.similarity).toBeCloseTo(1, 5);
    expect(all.at(-1)!.word).toBe('opposite');
    expect(all.at(-1)!.similarity).toBeCloseTo(-1, 5);
    expect(all.find((n) => n.word === 'zero')!.similarity).toBe(0);
  });

  it('near-duplicate rows (scores within float rounding of each other) still give the exact top-k', () => {
    const dim = 16;
    const base = randomVectors(1, dim, 10);
    const n = 6000;
    const vectors = new Float32Array(n * dim);
    const jitter = randomVectors(n, dim, 13);
    // all rows within 1e-4 of one direction: every row is a candidate of every tile
    for (let i = 0; i < n; i++)
      for (let j = 0; j < dim; j++) vectors[i * dim + j] = base[j]! + 1e-4 * jitter[i * dim + j]!;
    const words = wordList(n);
    for (const threads of [1, 2]) {
      const index = new ExactIndex(dim, { threads });
      index.add(words, vectors);
      for (let round = 0; round < 2; round++) {
        const found = index.search(base, 5);
        expect(sameNeighbors(found, bruteForce(vectors, dim, base), words, 5, 1e-6)).toBeUndefined();
      }
      index.close();
    }
  });

  it('grows, updates an existing word, and removes words', () => {
    const dim = 16;
    const index = new ExactIndex(dim);
    const first = randomVectors(20, dim, 4);
    index.add(wordList(20), first);
    index.add(wordList(30, 'x'), randomVectors(30, dim, 5));
    expect(index.size).toBe(50);
    const moved = randomVectors(1, dim, 6);
    index.add(['w3'], moved);
    expect(index.size).toBe(50);
    expect(index.search(moved, 1)[0]!.word).toBe('w3');
    expect(index.getVector('w3')).toBeAllClose(bruteNormalize(moved), { atol: 1e-6 });
    expect(index.remove(['w3', 'x7', 'missing'])).toBe(2);
    expect(index.size).toBe(48);
    expect(index.has('w3')).toBe(false);
    expect(index.search(moved, 48).map((n) => n.word)).not.toContain('w3');
    // ids were renumbered: every remaining word still finds itself first by its vector
    for (const word of ['w0', 'w19', 'x0', 'x29'])
      expect(index.search(index.getVector(word), 1)[0]!.word).toBe(word);
  });

  it('save → load returns the same neighbours', () => {
    const dim = 24;
    const vectors = randomVectors(200, dim, 7);
    const words = wordList(200);
    const index = new ExactIndex(dim);
    index.add(words, vectors, { counts: words.map((_, i) => i) });
    const path = join(tmp, 'exact.knn');
    index.save(path);
    const loaded = ExactIndex.load(path);
    expect(loaded.size).toBe(200);
    expect(loaded.words()).toEqual(words);
    expect(loaded.counts()).toEqual(words.map((_, i) => i));
    for (const word of ['w0', 'w50', 'w199']) {
      const a = index.search(word, 10);
      const b = loaded.search(word, 10);
      expect(b.map((n) => n.word)).toEqual(a.map((n) => n.word));
      expect(b.map((n) => n.similarity)).toBeAllClose(
        a.map((n) => n.similarity),
        { atol: 1e-6 },
      );
    }
  });

  it('asking for more neighbours than words returns them all', () => {
    const index = new ExactIndex(4);
    index.add(['a', 'b', 'c'], randomVectors(3, 4, 8));
    expect(
      index
        .search('a', 10)
        .map((n) => n.word)
        .sort(),
    ).toEqual(['b', 'c']);
    expect(index.search([1, 0, 0, 0], 10).length).toBe(3);
  });

  it('raises clear errors (messages pinned)', () => {
    expect(() => new ExactIndex(3, { threads: 0 })).toThrow(
      'ExactIndex: threads must be a whole number ≥ 1, got 0',
    );
    expect(() => new ExactIndex(3, { backend: 'wasm' as 'native' })).toThrow(
      "ExactIndex: backend must be 'auto', 'native' or 'typescript', got 'wasm'",
    );
    const empty = new ExactIndex(3);
    expect(() => empty.search([1, 2, 3], 5)).toThrow(
      'search: the index is empty; add(words, vectors) before searching',
    );
    const index = new ExactIndex(3);
    index.add(['hello', 'help', 'world', 'yellow'], randomVectors(4, 3, 9));
    expect(() => index.search([1, 2], 5)).toThrow(
      'search: the query vector has 2 values, but the index holds vectors of dimension 3',
    );
    expect(() => index.add(['a', 'b'], new Float32Array(5))).toThrow(
      'add: expected 2 × 3 = 6 values (one row of 3 per word), got 5; pass one vector of the index dimension per word',
    );
    expect(() => index.add(['a'], [[1, 2, 3, 4]])).toThrow(
      "add: the vector of 'a' has 4 values, but the index holds vectors of dimension 3",
    );
    expect(() => index.search('hello', 0)).toThrow(
      'search: k must be a positive integer (the number of neighbours), got 0',
    );
    expect(() => index.search('a', 1, { filter: { minCount: 2 } })).toThrow(VerboError);
    expect(() => index.search('hello', 1, { filter: { minCount: 2 } })).toThrow(
      'search: filter.minCount needs word counts; pass { counts } to add() (or createIndex) first',
    );
    let error: unknown;
    try {
      index.search('helo', 3);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownWordError);
    expect((error as UnknownWordError).message).toBe(
      "word 'helo' is not in the vocabulary. Did you mean: hello, help?",
    );
    expect((error as UnknownWordError).suggestions).toEqual(['hello', 'help']);
    expect(() => index.search('zzzzzzzz', 3)).toThrow("word 'zzzzzzzz' is not in the vocabulary.");
  });
});

function bruteNormalize(vector: Float32Array): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return Array.from(vector, (x) => x / norm);
}
