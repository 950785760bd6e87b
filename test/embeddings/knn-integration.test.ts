// KeyedVectors searching through src/search's KnnIndex: the exact index answers exactly as a full float64
// scan of the unit matrix (the pre-index behaviour, re-implemented here as the oracle), HNSW reaches
// recall@10 ≥ 0.95 on a seeded Gaussian mixture, 'auto' switches at its threshold, the index follows
// setVector / invalidateNorms, the count and regex filters, attachIndex, and the HNSW index kept in a
// model directory (built, reused, rebuilt when stale or corrupt).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildModelIndex,
  KeyedVectors,
  loadModel,
  loadModelIndex,
  type MostSimilarOptions,
  type Neighbor,
  saveModel,
} from '../../src/embeddings/index.js';
import { ExactIndex, HnswIndex } from '../../src/search/index.js';
import { ShapeError, VerboError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';
import { gaussianMixture, randomVectors } from '../search/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'verbo-knn-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeVectors(size: number, dim: number, seed: number, withCounts = false): KeyedVectors {
  const words = Array.from({ length: size }, (_, i) => `w${i}`);
  const counts = withCounts ? Float64Array.from(words, (_, i) => 1000 - (i % 1000)) : undefined;
  return new KeyedVectors(words, randomVectors(size, dim, seed), dim, counts);
}

function clustered(size: number, dim: number, clusters: number, spread: number, seed: number) {
  const words = Array.from({ length: size }, (_, i) => `w${i}`);
  return new KeyedVectors(words, gaussianMixture(size, dim, clusters, spread, seed), dim);
}

/**
 * The search as it was before the index: the float64 query (normalised mean of unit rows, or a raw
 * vector), every row among the first `limit` scored in float64 against the float32 unit matrix, excluded
 * rows and filtered rows skipped, sorted best first with ties to the lower row.
 */
function fullScan(
  kv: KeyedVectors,
  options: MostSimilarOptions & { keep?: (row: number) => boolean },
): Neighbor[] {
  const unit = kv.unitVectors();
  const { dim } = kv;
  const query = new Float64Array(dim);
  const excluded = new Set<number>();
  for (const [terms, weight] of [
    [options.positive ?? [], 1],
    [options.negative ?? [], -1],
  ] as const) {
    for (const term of terms) {
      if (typeof term === 'string') {
        const row = kv.index(term);
        excluded.add(row);
        for (let j = 0; j < dim; j++) query[j] = query[j]! + weight * unit[row * dim + j]!;
      } else {
        for (let j = 0; j < dim; j++) query[j] = query[j]! + weight * term[j]!;
      }
    }
  }
  for (const word of options.exclude ?? []) if (kv.has(word)) excluded.add(kv.index(word));
  let sumSquares = 0;
  for (let j = 0; j < dim; j++) sumSquares += query[j]! * query[j]!;
  const inverse = sumSquares === 0 ? 1 : 1 / Math.sqrt(sumSquares);
  for (let j = 0; j < dim; j++) query[j]! *= inverse;
  const limit = Math.min(kv.size, options.restrictVocab ?? kv.size);
  const scored: { row: number; score: number }[] = [];
  for (let row = 0; row < limit; row++) {
    if (excluded.has(row) || (options.keep !== undefined && !options.keep(row))) continue;
    let score = 0;
    for (let j = 0; j < dim; j++) score += unit[row * dim + j]! * query[j]!;
    scored.push({ row, score });
  }
  scored.sort((a, b) => b.score - a.score || a.row - b.row);
  return scored
    .slice(0, options.topN ?? 10)
    .map(({ row, score }) => ({ word: kv.words[row]!, similarity: score }));
}

/** Recall of `found` against `truth`, over all queries. */
function recall(found: Neighbor[][], truth: Neighbor[][]): number {
  let hits = 0;
  let total = 0;
  found.forEach((list, q) => {
    const expected = new Set(truth[q]!.map((n) => n.word));
    total += expected.size;
    for (const n of list) if (expected.has(n.word)) hits++;
  });
  return hits / total;
}

describe("KeyedVectors with kind 'exact'", () => {
  // 400 × 24 stays in plain arrays; 6000 × 48 keeps the unit matrix in the kernel's memory; 24000 × 48
  // (> 2^20 multiply-adds per query) makes the exact index scan on two threads.
  for (const [size, dim] of [
    [400, 24],
    [6000, 48],
    [24000, 48],
  ] as const) {
    it(`answers exactly as a full float64 scan (${size} × ${dim})`, () => {
      const kv = makeVectors(size, dim, size + dim);
      kv.useIndex('exact');
      const raw = Array.from(kv.vectors.subarray(9 * dim, 10 * dim));
      const cases: MostSimilarOptions[] = [
        { positive: ['w1'], topN: 10 },
        { positive: ['w2', 'w3'], negative: ['w4'], topN: 7 },
        { negative: ['w5'], topN: 3 },
        { positive: ['w6'], topN: 5, restrictVocab: Math.floor(size / 4) },
        { positive: ['w7'], topN: 5, exclude: ['w8', 'nonexistent', 'w1'] },
        { positive: [raw], topN: 4 },
        { positive: ['w10'], topN: 1 },
        { positive: ['w11'], topN: 0 },
      ];
      for (const c of cases) expect(kv.mostSimilar(c)).toEqual(fullScan(kv, c));
      expect(kv.searchIndex().kind).toBe('exact');
      // batch: each word left out of its own list only, same numbers as one call per word
      const words = ['w1', 'w20', 'w21', `w${size - 1}`];
      const batch = kv.mostSimilarBatch(words, { topN: 6, exclude: ['w22'] });
      expect(batch).toEqual(words.map((w) => fullScan(kv, { positive: [w], topN: 6, exclude: ['w22'] })));
      expect(kv.similarToVector(raw, { topN: 3 })).toEqual(fullScan(kv, { positive: [raw], topN: 3 }));
    });
  }

  it('returns everything for a large topN, and nothing from an empty restricted vocabulary', () => {
    const kv = makeVectors(50, 8, 1);
    kv.useIndex('exact');
    const all = kv.mostSimilar({ positive: ['w3'], topN: 1000 });
    expect(all).toHaveLength(49);
    expect(all).toEqual(fullScan(kv, { positive: ['w3'], topN: 1000 }));
    expect(kv.mostSimilar({ positive: ['w3'], restrictVocab: 0 })).toEqual([]);
  });
});

describe("KeyedVectors with kind 'hnsw'", () => {
  const size = 6000;
  const dim = 32;
  const exact = clustered(size, dim, 60, 0.35, 7);
  exact.useIndex('exact');
  const approximate = new KeyedVectors(exact.words, exact.vectors, dim);
  approximate.useIndex({ kind: 'hnsw', hnsw: { M: 16, efConstruction: 100, ef: 50 } });
  const queryWords = new Random(3).shuffle(exact.words.slice()).slice(0, 300) as string[];

  it('reaches recall@10 ≥ 0.95 against exact search on a seeded Gaussian mixture', () => {
    const truth = exact.mostSimilarBatch(queryWords, { topN: 10 });
    const found = approximate.mostSimilarBatch(queryWords, { topN: 10 });
    expect(approximate.searchIndex()).toBeInstanceOf(HnswIndex);
    expect(recall(found, truth)).toBeGreaterThanOrEqual(0.95);
    // similarities are the float64 cosines of the words found, whatever index found them
    const cosine = new Map<string, number>();
    for (const list of truth) for (const n of list) cosine.set(n.word, n.similarity);
    found.forEach((list, q) => {
      expect(list).toHaveLength(10);
      expect(list.map((n) => n.word)).not.toContain(queryWords[q]);
      for (let i = 1; i < list.length; i++)
        expect(list[i]!.similarity).toBeLessThanOrEqual(list[i - 1]!.similarity);
    });
    const shared = found[0]!.filter((n) => truth[0]!.some((t) => t.word === n.word));
    for (const n of shared) expect(n.similarity).toBe(truth[0]!.find((t) => t.word === n.word)!.similarity);
  });

  it('searches by an analogy vector with the input words excluded', () => {
    const options = { positive: ['w10', 'w11'], negative: ['w12'], topN: 10 };
    const truth = exact.mostSimilar(options);
    const found = approximate.mostSimilar(options);
    for (const word of ['w10', 'w11', 'w12']) expect(found.map((n) => n.word)).not.toContain(word);
    expect(recall([found], [truth])).toBeGreaterThanOrEqual(0.8);
  });

  it('applies restrictVocab and filters', () => {
    const keep = (row: number) => row < 3000 && /[02468]$/.test(exact.words[row]!);
    const found = approximate.mostSimilar({
      positive: ['w5'],
      topN: 10,
      restrictVocab: 3000,
      match: '[02468]$',
    });
    expect(found).toHaveLength(10);
    for (const n of found) expect(keep(exact.index(n.word))).toBe(true);
  });
});

describe("kind 'auto'", () => {
  it('is exact below the threshold and HNSW from it on', () => {
    const small = makeVectors(99, 8, 2);
    small.useIndex({ kind: 'auto', exactThreshold: 100 });
    expect(small.searchIndex().kind).toBe('exact');
    const large = makeVectors(100, 8, 2);
    large.useIndex({ exactThreshold: 100 });
    expect(large.searchIndex().kind).toBe('hnsw');
    // the default threshold (100,000 words) keeps ordinary models exact
    expect(makeVectors(100, 8, 2).searchIndex().kind).toBe('exact');
    expect(() => small.useIndex('faiss' as 'exact')).toThrow(/'auto', 'exact' or 'hnsw'/);
  });
});

describe('index lifetime', () => {
  for (const kind of ['exact', 'hnsw'] as const) {
    it(`is built once, lazily, and follows setVector and invalidateNorms (${kind})`, () => {
      const kv = makeVectors(300, 16, 5);
      kv.useIndex(kind);
      kv.mostSimilar({ positive: ['w1'] });
      const index = kv.searchIndex();
      kv.mostSimilar({ positive: ['w2'] });
      expect(kv.searchIndex()).toBe(index);
      // w200 moves next to w1: it must become w1's nearest neighbour at once
      const moved = Float32Array.from(kv.vector('w1'), (x, j) => x + (j === 0 ? 1e-3 : 0));
      expect(kv.mostSimilar({ positive: ['w1'], topN: 1 })[0]!.word).not.toBe('w200');
      kv.setVector('w200', moved);
      const top = kv.mostSimilar({ positive: ['w1'], topN: 1 })[0]!;
      expect(top.word).toBe('w200');
      expect(top.similarity).toBeAllClose(1, { atol: 1e-5 });
      expect(kv.mostSimilar({ positive: ['w1'], topN: 5 })).toEqual(
        fullScan(kv, { positive: ['w1'], topN: 5 }),
      );
      // in-place change: invalidateNorms drops the index and the next search sees the new vectors
      kv.vectors.set(moved, 250 * kv.dim);
      kv.invalidateNorms();
      expect(kv.searchIndex()).not.toBe(index);
      const pair = kv
        .mostSimilar({ positive: ['w1'], topN: 2 })
        .map((n) => n.word)
        .sort();
      expect(pair).toEqual(['w200', 'w250']);
    });
  }

  it('useIndex drops the current index', () => {
    const kv = makeVectors(100, 8, 6);
    const first = kv.searchIndex();
    kv.useIndex('hnsw');
    expect(kv.searchIndex()).not.toBe(first);
    expect(kv.searchIndex().kind).toBe('hnsw');
  });
});

describe('vocabulary filters', () => {
  const kv = makeVectors(2000, 16, 9, true); // count of w_i = 1000 - (i mod 1000)
  kv.useIndex('exact');

  it('minCount and match keep exactly the words that pass, as a filtered full scan', () => {
    const counts = kv.counts!;
    const cases: [MostSimilarOptions, (row: number) => boolean][] = [
      [{ positive: ['w1'], minCount: 900 }, (row) => counts[row]! >= 900],
      [{ positive: ['w1'], match: /^w1\d*$/ }, (row) => /^w1\d*$/.test(kv.words[row]!)],
      [
        { positive: ['w1'], match: '7$', minCount: 500, topN: 20 },
        (row) => counts[row]! >= 500 && /7$/.test(kv.words[row]!),
      ],
      [{ positive: ['w1'], match: /5/g, topN: 30 }, (row) => /5/.test(kv.words[row]!)],
      [{ positive: ['w1'], minCount: 10_000 }, () => false],
    ];
    for (const [options, keep] of cases) {
      const expected = fullScan(kv, { ...options, keep });
      expect(kv.mostSimilar(options)).toEqual(expected);
      expect(kv.mostSimilarBatch(['w1'], options)[0]).toEqual(expected);
    }
    expect(kv.mostSimilar({ positive: ['w1'], minCount: 10_000 })).toEqual([]);
  });

  it('mostSimilarCosMul honours the filters too', () => {
    const found = kv.mostSimilarCosMul({ positive: ['w1', 'w2'], negative: ['w3'], minCount: 990, topN: 50 });
    const passing = kv.words.filter((w) => kv.count(w)! >= 990 && !['w1', 'w2', 'w3'].includes(w));
    expect(found.map((n) => n.word).sort()).toEqual(passing.sort());
    for (const n of found) expect(kv.count(n.word)!).toBeGreaterThanOrEqual(990);
  });

  it('refuses minCount without counts and a bad regex, with one clear line', () => {
    const bare = makeVectors(20, 4, 1);
    expect(() => bare.mostSimilar({ positive: ['w1'], minCount: 2 })).toThrow(
      /minCount needs word counts, and these vectors have none/,
    );
    expect(() => kv.mostSimilar({ positive: ['w1'], match: '(' })).toThrow(
      /match is not a valid regular expression/,
    );
    expect(() => kv.mostSimilar({ positive: ['w1'], minCount: Number.NaN })).toThrow(VerboError);
  });
});

describe('attachIndex', () => {
  const kv = makeVectors(500, 12, 11);

  it('searches with an index built elsewhere, even in another word order', () => {
    const copy = new KeyedVectors(kv.words, kv.vectors, kv.dim);
    const order = new Random(4).shuffle(Array.from(kv.words.keys())) as number[];
    const index = new ExactIndex(kv.dim);
    index.add(
      order.map((row) => kv.words[row]!),
      order.map((row) => kv.vectors.subarray(row * kv.dim, (row + 1) * kv.dim)),
    );
    copy.attachIndex(index);
    expect(copy.searchIndex()).toBe(index);
    for (const options of [
      { positive: ['w1'], topN: 8 },
      { positive: ['w4'], topN: 8, restrictVocab: 100 },
      { positive: ['w4'], topN: 8, match: '3' },
    ]) {
      expect(copy.mostSimilar(options)).toEqual(
        fullScan(kv, { ...options, keep: (row) => !options.match || /3/.test(kv.words[row]!) }),
      );
    }
  });

  it('refuses an index of another dimension or vocabulary', () => {
    const other = new ExactIndex(kv.dim + 1);
    other.add(['w1'], [new Float32Array(kv.dim + 1).fill(1)]);
    expect(() => kv.attachIndex(other)).toThrow(ShapeError);
    const partial = new ExactIndex(kv.dim);
    partial.add(['w1', 'stranger'], [kv.vector('w1'), kv.vector('w2')]);
    expect(() => kv.attachIndex(partial)).toThrow(
      /holds 2 words \(e\.g\. 'stranger', not in the model\) but the model has 500/,
    );
  });
});

describe('the HNSW index in a model directory', () => {
  const dim = 16;
  const size = 800;
  const words = Array.from({ length: size }, (_, i) => `w${i}`);
  const counts = Float64Array.from(words, (_, i) => size - i);
  const matrix = gaussianMixture(size, dim, 16, 0.1, 21);

  it('is built when missing, reused when fresh, rebuilt when stale or unreadable', async () => {
    const dir = join(root, 'model');
    await saveModel(dir, { vectors: new KeyedVectors(words, matrix, dim, counts), config: {} });
    const notices: string[] = [];
    const onNotice = (message: string) => notices.push(message);
    const graph = join(dir, 'index.hnsw');
    const sidecar = join(dir, 'index.hnsw.json');

    let { vectors } = await loadModel(dir);
    const index = loadModelIndex(dir, vectors, { onNotice });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/no HNSW index at .*index\.hnsw; building one for 800 words/);
    expect(vectors.searchIndex()).toBe(index);
    expect(index.kind).toBe('hnsw');
    const written = statSync(graph).mtimeMs;
    expect(JSON.parse(readFileSync(sidecar, 'utf8')).counts).toEqual(Array.from(counts));
    const exact = new KeyedVectors(words, matrix, dim);
    exact.useIndex('exact');
    const probe = ['w0', 'w17', 'w400'];
    expect(vectors.mostSimilarBatch(probe, { topN: 5 })).toEqual(exact.mostSimilarBatch(probe, { topN: 5 }));

    // fresh: loaded, nothing said, nothing written
    ({ vectors } = await loadModel(dir));
    loadModelIndex(dir, vectors, { onNotice });
    expect(notices).toHaveLength(1);
    expect(statSync(graph).mtimeMs).toBe(written);
    expect(
      vectors.mostSimilar({ positive: ['w3'], minCount: 700 }).every((n) => vectors.count(n.word)! >= 700),
    ).toBe(true);

    // the model was saved again with other vectors: the new folder has no index (the old one went
    // with the old folder), so one is built for the new vectors
    const changed = matrix.slice();
    changed.set(matrix.subarray(0, dim), 5 * dim); // w5 becomes a copy of w0
    await saveModel(dir, { vectors: new KeyedVectors(words, changed, dim, counts), config: {} });
    expect(existsSync(graph)).toBe(false);
    ({ vectors } = await loadModel(dir));
    loadModelIndex(dir, vectors, { onNotice });
    expect(notices).toHaveLength(2);
    expect(notices[1]).toMatch(/no HNSW index at .*building one/);
    expect(vectors.mostSimilar({ positive: ['w0'], topN: 1 })[0]!.word).toBe('w5');
    ({ vectors } = await loadModel(dir));
    loadModelIndex(dir, vectors, { onNotice }); // the rebuilt index was saved
    expect(notices).toHaveLength(2);

    // unreadable sidecar: rebuilt with one notice
    writeFileSync(sidecar, '{"format": "verbo-hnsw", "vers');
    ({ vectors } = await loadModel(dir));
    loadModelIndex(dir, vectors, { onNotice });
    expect(notices).toHaveLength(3);
    expect(notices[2]).toMatch(/cannot be used .*rebuilding it/);
    expect(notices[2]).not.toMatch(/\n/);
    expect(JSON.parse(readFileSync(sidecar, 'utf8')).format).toBe('verbo-hnsw');

    // a sidecar edited by hand (two labels swapped, still valid JSON): refused by the manifest, rebuilt
    const edited = JSON.parse(readFileSync(sidecar, 'utf8'));
    [edited.labels[0], edited.labels[1]] = [edited.labels[1], edited.labels[0]];
    writeFileSync(sidecar, JSON.stringify(edited));
    ({ vectors } = await loadModel(dir));
    loadModelIndex(dir, vectors, { onNotice });
    expect(notices).toHaveLength(4);
    expect(notices[3]).toMatch(
      /index\.hnsw\.json: sha256 .* but the model's config\.json records sha256 .*rebuilding it/,
    );
    expect(vectors.mostSimilar({ positive: ['w0'], topN: 1 })[0]!.word).toBe('w5');
    expect(JSON.parse(readFileSync(sidecar, 'utf8')).labels.slice(0, 2)).toEqual(['w0', 'w1']);
  });

  it('buildModelIndex refuses anything but a model directory', async () => {
    const kv = new KeyedVectors(words, matrix, dim, counts);
    expect(() => buildModelIndex(join(root, 'nothing-here'), kv)).toThrow(/model not found/);
    expect(() => buildModelIndex(root, kv)).toThrow(/not a verbo model directory/);
    expect(() => loadModelIndex(root, kv)).toThrow(/not a verbo model directory/);
  });
});
