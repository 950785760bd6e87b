// HnswIndex: recall against brute force on a seeded Gaussian mixture, growth, deletion and compaction,
// exclude/filter, save → load (and the rebuild when the vectors changed), and its error messages.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HnswIndex, readSidecar, sidecarPath, vectorsChecksum } from '../../src/search/index.js';
import { FormatError, UnknownWordError } from '../../src/util/errors.js';
import { bruteForce, gaussianMixture, randomVectors, row, wordList } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'verbo-hnsw-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('HnswIndex on 10k clustered vectors (dim 100)', () => {
  const n = 10_000;
  const dim = 100;
  // 100 more points from the same mixture serve as queries (not in the index)
  const sample = gaussianMixture(n + 100, dim, 50, 0.6, 21);
  const vectors = sample.slice(0, n * dim);
  const queries = sample.slice(n * dim);
  const words = wordList(n);
  let index: HnswIndex;

  beforeAll(() => {
    // a smaller efConstruction keeps the build to a few seconds; recall is still far above 0.95
    index = new HnswIndex(dim, { efConstruction: 100, capacity: 1000 });
    index.add(words, vectors);
  });

  it('grew past its initial capacity and holds every word', () => {
    expect(index.maxElements).toBeGreaterThanOrEqual(n);
    expect(index.size).toBe(n);
    expect(index.words()).toEqual(words);
  });

  it('recall@10 ≥ 0.95 against brute force (100 seeded queries near the data)', () => {
    let hits = 0;
    for (let q = 0; q < 100; q++) {
      const query = row(queries, dim, q);
      const truth = new Set(
        bruteForce(vectors, dim, query)
          .slice(0, 10)
          .map((entry) => words[entry.id]),
      );
      const found = index.search(query, 10);
      expect(found.length).toBe(10);
      for (const neighbor of found) if (truth.has(neighbor.word)) hits++;
    }
    expect(hits / 1000).toBeGreaterThanOrEqual(0.95);
  });

  it('similarities are cosines: they match the brute-force scores of the returned words', () => {
    const query = row(vectors, dim, 17);
    const scores = new Map(bruteForce(vectors, dim, query).map((entry) => [words[entry.id]!, entry.score]));
    const found = index.search('w17', 10);
    expect(found.map((n) => n.word)).not.toContain('w17');
    for (const neighbor of found) {
      expect(neighbor.similarity).toBeGreaterThanOrEqual(-1);
      expect(neighbor.similarity).toBeLessThanOrEqual(1);
      expect(neighbor.similarity).toBeCloseTo(scores.get(neighbor.word)!, 4);
    }
    for (let i = 1; i < found.length; i++)
      expect(found[i]!.similarity).toBeLessThanOrEqual(found[i - 1]!.similarity);
  });

  it('recall() reports recall per ef and suggests the smallest ef reaching the target', () => {
    const report = index.recall({ sample: 100, k: 10, efs: [200, 10, 50], target: 0.9, seed: 3 });
    expect(report.results.map((r) => r.ef)).toEqual([10, 50, 200]);
    expect(report.sample).toBe(100);
    for (const result of report.results) {
      expect(result.recall).toBeGreaterThanOrEqual(0);
      expect(result.recall).toBeLessThanOrEqual(1);
    }
    expect(report.results[2]!.recall).toBeGreaterThanOrEqual(0.95);
    const first = report.results.find((r) => r.recall >= 0.9);
    expect(report.suggestedEf).toBe(first?.ef ?? null);
    expect(index.ef).toBe(100); // restored
    const impossible = index.recall({ sample: 20, efs: [10], target: 1.01 });
    expect(impossible.suggestedEf).toBeNull();
  });

  it('batch queries equal one query at a time', () => {
    const batch = index.searchBatch(['w1', 'w2', row(vectors, dim, 3)], 5);
    expect(batch).toEqual([
      index.search('w1', 5),
      index.search('w2', 5),
      index.search(row(vectors, dim, 3), 5),
    ]);
  });

  it('exclude and filter', () => {
    const plain = index.search('w5', 10).map((n) => n.word);
    const excluded = index.search('w5', 10, { exclude: [plain[0]!, plain[1]!] }).map((n) => n.word);
    expect(excluded).not.toContain(plain[0]);
    expect(excluded).not.toContain(plain[1]);
    expect(excluded.slice(0, 8)).toEqual(plain.slice(2));
    const even = index.search('w5', 10, { filter: (_word, id) => id % 2 === 0 });
    expect(even.length).toBe(10);
    expect(even.every((n) => Number(n.word.slice(1)) % 2 === 0)).toBe(true);
    const regex = index.search('w5', 5, { filter: { regex: /^w9\d\d\d$/ } });
    expect(regex.every((n) => /^w9\d\d\d$/.test(n.word))).toBe(true);
  });

  it('save → load returns the same neighbours', () => {
    const path = join(tmp, 'mixture.hnsw');
    index.save(path);
    const sidecar = readSidecar(path);
    expect(sidecar.M).toBe(16);
    expect(sidecar.efConstruction).toBe(100);
    expect(sidecar.labels.length).toBe(n);
    const loaded = HnswIndex.load(path);
    expect(loaded.size).toBe(n);
    for (const word of ['w0', 'w123', 'w9999'])
      expect(loaded.search(word, 10)).toEqual(index.search(word, 10));
    expect(loaded.getVector('w7')).toBeAllClose(index.getVector('w7'), { atol: 1e-7 });

    const notices: string[] = [];
    const same = HnswIndex.load(path, { words, vectors, onNotice: (m) => notices.push(m) });
    expect(notices).toEqual([]);
    expect(same.search('w42', 10)).toEqual(index.search('w42', 10));
  });
});

describe('HnswIndex behaviour', () => {
  const dim = 12;

  it('grows automatically past its initial capacity, one small batch at a time', () => {
    const index = new HnswIndex(dim, { capacity: 16 });
    const vectors = randomVectors(200, dim, 31);
    const words = wordList(200);
    for (let start = 0; start < 200; start += 7) {
      const end = Math.min(200, start + 7);
      index.add(words.slice(start, end), vectors.slice(start * dim, end * dim));
    }
    expect(index.size).toBe(200);
    expect(index.maxElements).toBeGreaterThanOrEqual(200);
    for (const id of [0, 15, 16, 17, 100, 199])
      expect(index.search(row(vectors, dim, id), 1)[0]!.word).toBe(`w${id}`);
  });

  it('deletes with markDelete, then compacts once more than a quarter is deleted', () => {
    const notices: string[] = [];
    const index = new HnswIndex(dim, { onNotice: (m) => notices.push(m) });
    const vectors = randomVectors(100, dim, 32);
    const words = wordList(100);
    index.add(words, vectors);
    expect(index.remove(['w1', 'w2', 'w3', 'nope'])).toBe(3);
    expect(index.size).toBe(97);
    expect(index.deletedCount).toBe(3);
    expect(index.has('w1')).toBe(false);
    expect(() => index.search('w1', 3)).toThrow(UnknownWordError);
    const all = index.search(row(vectors, dim, 1), 97).map((n) => n.word);
    expect(all).not.toContain('w1');
    expect(all.length).toBe(97);
    expect(notices).toEqual([]);

    index.remove(wordList(30).slice(4)); // 26 more: 29 of 100 deleted > 25%
    expect(notices.length).toBe(1);
    expect(notices[0]).toBe('HNSW index: 29 of 100 words deleted; rebuilding the graph with the 71 left');
    expect(index.deletedCount).toBe(0);
    expect(index.size).toBe(71);
    expect(index.words()).toEqual(words.slice(0, 1).concat(words.slice(30)));
    for (const id of [0, 30, 99]) expect(index.search(row(vectors, dim, id), 1)[0]!.word).toBe(`w${id}`);
    const exactOrder = bruteForce(vectors, dim, row(vectors, dim, 50), (id) => id === 0 || id >= 30).slice(
      1,
      6,
    );
    expect(index.search('w50', 5).map((n) => n.word)).toEqual(exactOrder.map((entry) => `w${entry.id}`));

    // a deleted word can come back
    index.add(['w1'], row(vectors, dim, 1));
    expect(index.search(row(vectors, dim, 1), 1)[0]!.word).toBe('w1');
  });

  it('a deleted word that is added again is unmarked', () => {
    const index = new HnswIndex(dim);
    const vectors = randomVectors(20, dim, 33);
    index.add(wordList(20), vectors);
    index.remove(['w4']);
    index.add(['w4'], row(vectors, dim, 4));
    expect(index.size).toBe(20);
    expect(index.deletedCount).toBe(0);
    expect(index.search(row(vectors, dim, 4), 1)[0]).toEqual({
      word: 'w4',
      similarity: expect.closeTo(1, 5),
    });
  });

  it('an index saved with deleted words loads back without them', () => {
    const index = new HnswIndex(dim);
    const vectors = randomVectors(40, dim, 37);
    const words = wordList(40);
    index.add(words, vectors);
    index.remove(['w3', 'w7']);
    const path = join(tmp, 'deleted.hnsw');
    index.save(path);
    expect(readSidecar(path).labels.filter((label) => label === null).length).toBe(2);
    const loaded = HnswIndex.load(path);
    expect(loaded.size).toBe(38);
    expect(loaded.has('w3')).toBe(false);
    expect(loaded.words()).toEqual(words.filter((w) => w !== 'w3' && w !== 'w7'));
    expect(loaded.getVector('w5')).toBeAllClose(index.getVector('w5'), { atol: 1e-6 });
    expect(loaded.search(row(vectors, dim, 3), 38).map((n) => n.word)).not.toContain('w3');
    expect(loaded.checksum()).toBe(index.checksum());
    loaded.compact();
    expect(loaded.deletedCount).toBe(0);
    expect(loaded.search(row(vectors, dim, 8), 1)[0]!.word).toBe('w8');
  });

  it('minCount filter uses the counts given to add()', () => {
    const index = new HnswIndex(dim);
    const vectors = randomVectors(50, dim, 34);
    index.add(wordList(50), vectors, { counts: Array.from({ length: 50 }, (_, i) => i) });
    const found = index.search('w10', 10, { filter: { minCount: 40 } });
    expect(found.length).toBe(10);
    expect(found.every((n) => Number(n.word.slice(1)) >= 40)).toBe(true);
  });

  it('saves atomically with a sidecar holding words, parameters and a checksum', () => {
    const index = new HnswIndex(dim, { M: 8, efConstruction: 50, ef: 30 });
    const vectors = randomVectors(30, dim, 35);
    const words = wordList(30);
    index.add(words, vectors);
    const path = join(tmp, 'small.hnsw');
    index.save(path);
    const sidecar = readSidecar(path);
    expect(sidecar).toMatchObject({
      format: 'verbo-hnsw',
      space: 'cosine',
      dim,
      M: 8,
      efConstruction: 50,
      ef: 30,
    });
    expect(sidecar.labels).toEqual(words);
    const unit = vectors.slice();
    for (let i = 0; i < 30; i++) {
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += unit[i * dim + j]! ** 2;
      for (let j = 0; j < dim; j++) unit[i * dim + j]! /= Math.sqrt(norm);
    }
    expect(sidecar.checksum).toBe(vectorsChecksum(words, unit, dim));
    const loaded = HnswIndex.load(path);
    expect(loaded.M).toBe(8);
    expect(loaded.ef).toBe(30);

    const notices: string[] = [];
    const changed = vectors.slice();
    changed[0] = changed[0]! + 1;
    const rebuilt = HnswIndex.load(path, { words, vectors: changed, onNotice: (m) => notices.push(m) });
    expect(notices).toEqual([
      `${path}: the vectors changed since this HNSW index was built (checksum differs); rebuilding it (M 8, efConstruction 50, 30 words)`,
    ]);
    expect(rebuilt.size).toBe(30);
    expect(rebuilt.M).toBe(8);
    expect(rebuilt.checksum()).not.toBe(sidecar.checksum);
    expect(rebuilt.search(row(changed, dim, 0), 1)[0]!.word).toBe('w0');
    // a word list that changed is a change too
    const renamed = words.slice();
    renamed[3] = 'other';
    HnswIndex.load(path, { words: renamed, vectors, onNotice: (m) => notices.push(m) });
    expect(notices.length).toBe(2);
  });

  it('raises clear errors (messages pinned)', () => {
    const empty = new HnswIndex(dim);
    expect(() => empty.search(new Float32Array(dim), 3)).toThrow(
      'search: the index is empty; add(words, vectors) before searching',
    );
    const index = new HnswIndex(3);
    index.add(['house', 'mouse', 'horse'], randomVectors(3, 3, 36));
    expect(() => index.search([1, 2, 3, 4], 2)).toThrow(
      'search: the query vector has 4 values, but the index holds vectors of dimension 3',
    );
    expect(() => index.add(['x'], new Float32Array(4))).toThrow(
      'add: expected 1 × 3 = 3 values (one row of 3 per word), got 4; pass one vector of the index dimension per word',
    );
    expect(() => index.search('hause', 2)).toThrow(
      "word 'hause' is not in the vocabulary. Did you mean: house, mouse, horse?",
    );
    expect(() => new HnswIndex(3, { M: 0 })).toThrow('HnswIndex: M must be a positive integer, got 0');
    const path = join(tmp, 'broken.hnsw');
    expect(() => HnswIndex.load(path)).toThrow(
      `HNSW index sidecar ${path}.json is missing; build the index again`,
    );
    writeFileSync(sidecarPath(path), '{"format":');
    expect(() => HnswIndex.load(path)).toThrow(FormatError);
  });
});
