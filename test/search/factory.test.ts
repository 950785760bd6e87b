// createIndex's choice of index, the index files kept beside a model (build, load, stale rebuild), the
// generic loadIndex, and the bounded edit-distance suggestions.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  boundedEditDistance,
  buildIndexFiles,
  chooseIndexKind,
  createIndex,
  ExactIndex,
  HnswIndex,
  indexFilePath,
  indexFilesExist,
  loadIndex,
  loadIndexFiles,
  suggestSpellings,
} from '../../src/search/index.js';
import { randomVectors, wordList } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'verbo-factory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('createIndex', () => {
  const dim = 8;
  const words = wordList(300);
  const vectors = randomVectors(300, dim, 41);

  it.each([
    { kind: 'auto' as const, threshold: 1000, expected: 'exact' },
    { kind: 'auto' as const, threshold: 300, expected: 'hnsw' },
    { kind: 'exact' as const, threshold: 10, expected: 'exact' },
    { kind: 'hnsw' as const, threshold: 1000, expected: 'hnsw' },
  ])('$kind with threshold $threshold → $expected', ({ kind, threshold, expected }) => {
    const index = createIndex(words, vectors, dim, {
      kind,
      exactThreshold: threshold,
      counts: words.map((_, i) => i),
    });
    expect(index.kind).toBe(expected);
    expect(index.size).toBe(300);
    expect(
      index.search('w0', 3, { filter: { minCount: 200 } }).every((n) => Number(n.word.slice(1)) >= 200),
    ).toBe(true);
  });

  it('rejects an unknown kind', () => {
    expect(() => chooseIndexKind(10, 'fast' as 'auto')).toThrow(
      "index kind must be 'auto', 'exact' or 'hnsw', got 'fast'",
    );
  });
});

describe('index files beside a model', () => {
  const dim = 10;
  const words = wordList(200);
  const vectors = randomVectors(200, dim, 42);

  it('builds into a model directory and loads back; a stale index is rebuilt, saved and reported', () => {
    const model = join(tmp, 'model');
    mkdirSync(model);
    expect(indexFilesExist(model)).toBe(false);
    expect(loadIndexFiles(model, words, vectors, dim).kind).toBe('exact'); // small and nothing saved

    const built = buildIndexFiles(model, words, vectors, dim, { M: 8, efConstruction: 40 });
    expect(built.path).toBe(join(model, 'index.hnsw'));
    expect(indexFilesExist(model)).toBe(true);

    const notices: string[] = [];
    const loaded = loadIndexFiles(model, words, vectors, dim, { onNotice: (m) => notices.push(m) });
    expect(loaded.kind).toBe('hnsw');
    expect(notices).toEqual([]);
    expect(loaded.search('w3', 5)).toEqual(built.index.search('w3', 5));
    expect(loadIndexFiles(model, words, vectors, dim, { kind: 'exact' }).kind).toBe('exact');

    const changed = vectors.slice();
    changed[5] = -changed[5]!;
    const rebuilt = loadIndexFiles(model, words, changed, dim, { onNotice: (m) => notices.push(m) });
    expect(notices.length).toBe(1);
    expect(notices[0]).toContain('checksum differs');
    expect((rebuilt as HnswIndex).M).toBe(8);
    // saved: the next load is quiet
    loadIndexFiles(model, words, changed, dim, { onNotice: (m) => notices.push(m) });
    expect(notices.length).toBe(1);
  });

  it("kind 'hnsw' with nothing saved builds, saves and says so", () => {
    const prefix = join(tmp, 'vectors.hnsw');
    const notices: string[] = [];
    const index = loadIndexFiles(prefix, words, vectors, dim, {
      kind: 'hnsw',
      onNotice: (m) => notices.push(m),
    });
    expect(index.kind).toBe('hnsw');
    expect(indexFilePath(prefix)).toBe(prefix);
    expect(indexFilesExist(prefix)).toBe(true);
    expect(notices).toEqual([`no HNSW index at ${prefix}; building one for 200 words (saved for next time)`]);
  });

  it('loadIndex reads either kind', () => {
    const exact = new ExactIndex(dim);
    exact.add(words, vectors);
    exact.save(join(tmp, 'exact.knn'));
    expect(loadIndex(join(tmp, 'exact.knn')).kind).toBe('exact');
    const hnsw = new HnswIndex(dim);
    hnsw.add(words, vectors);
    hnsw.save(join(tmp, 'g.hnsw'));
    const loaded = loadIndex(join(tmp, 'g.hnsw'));
    expect(loaded.kind).toBe('hnsw');
    expect(loaded.search('w9', 4)).toEqual(hnsw.search('w9', 4));
  });
});

describe('spelling suggestions', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['', 'abc', 3],
    ['same', 'same', 0],
    ['abc', 'acb', 2],
  ])('edit distance %s → %s = %i', (a, b, distance) => {
    expect(boundedEditDistance(a, b, 5)).toBe(distance);
    expect(boundedEditDistance(b, a, 5)).toBe(distance);
    // past the bound the answer is bound + 1
    if (distance > 1) expect(boundedEditDistance(a, b, distance - 1)).toBe(distance);
  });

  it('agrees with an unbounded Levenshtein on seeded random strings', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const word = () =>
      Array.from({ length: 1 + Math.floor(next() * 7) }, () => 'abc'[Math.floor(next() * 3)]).join('');
    for (let trial = 0; trial < 300; trial++) {
      const a = word();
      const b = word();
      const full = levenshtein(a, b);
      expect(boundedEditDistance(a, b, 2)).toBe(Math.min(full, 3));
    }
  });

  it('suggests the closest words first, case-insensitively, bounded by length', () => {
    const vocabulary = ['house', 'horse', 'mouse', 'houses', 'home', 'elephant', 'House'];
    expect(suggestSpellings('hous', vocabulary)).toEqual(['house', 'House']);
    expect(suggestSpellings('housse', vocabulary, { limit: 3 })).toEqual(['house', 'House', 'horse']);
    expect(suggestSpellings('qqqqqqqq', vocabulary)).toEqual([]);
  });
});

function levenshtein(a: string, b: string): number {
  const table = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) table[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      table[i]![j] = Math.min(
        table[i - 1]![j]! + 1,
        table[i]![j - 1]! + 1,
        table[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return table[a.length]![b.length]!;
}
