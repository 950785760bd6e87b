// The native HNSW search against its TypeScript oracle (the same walk) on every kernel table, and against
// hnswlib-node on the same graph: hnswlib's file format read back (several levels, deletion flags,
// truncated files refused), float32 traversal giving hnswlib's own answers, int8 traversal keeping
// recall, deletions, batches split between threads answering as one thread does, two walkers (opt-in)
// keeping the recall of one, and HnswIndex's two engines side by side.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HnswGraph, parseHnswlibIndex } from '../../src/search/hnswlib-format.js';
import { HnswIndex } from '../../src/search/index.js';
import { nativeKernels, nativeTables } from '../../src/native/index.js';
import { HnswSearcher, hnswSearchReference, reorderForSearch } from '../../src/search/kernels/hnsw.js';
import { FormatError } from '../../src/util/errors.js';
import { bruteForce, gaussianMixture, row, wordList } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'verbo-hnsw-native-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const haveKernel = nativeKernels() !== null;
if (!haveKernel) console.warn('hnsw-native tests: the native kernels are disabled (VERBO_NATIVE=0); skipped');

/** A raw hnswlib-node graph over `vectors` (labels 0…n−1), its file and the parsed graph. */
function buildRaw(
  vectors: Float32Array,
  dim: number,
  options: { M: number; efConstruction: number; name: string },
): { raw: hnswlib.HierarchicalNSW; file: string; graph: HnswGraph } {
  const n = vectors.length / dim;
  const raw = new hnswlib.HierarchicalNSW('cosine', dim);
  raw.initIndex({ maxElements: n, m: options.M, efConstruction: options.efConstruction, randomSeed: 100 });
  for (let i = 0; i < n; i++) raw.addPoint(Array.from(row(vectors, dim, i)), i);
  const file = join(tmp, options.name);
  raw.writeIndexSync(file);
  return { raw, file, graph: parseHnswlibIndex(readFileSync(file), file) };
}

/** Fraction of queries whose top-k label sets are equal. */
function agreement(a: number[][], b: number[][]): number {
  let same = 0;
  a.forEach((labels, q) => {
    const other = new Set(b[q]);
    if (labels.length === b[q]!.length && labels.every((label) => other.has(label))) same++;
  });
  return same / a.length;
}

function recallOf(found: number[][], truth: number[][]): number {
  let hits = 0;
  found.forEach((labels, q) => {
    const wanted = new Set(truth[q]);
    for (const label of labels) if (wanted.has(label)) hits++;
  });
  return hits / (truth.length * truth[0]!.length);
}

describe('hnswlib index files', () => {
  const dim = 12;
  const vectors = gaussianMixture(600, dim, 8, 0.5, 3);
  let built: ReturnType<typeof buildRaw>;

  beforeAll(() => {
    // M 4 gives a tall graph (levels are drawn with mult = 1 / ln M)
    built = buildRaw(vectors, dim, { M: 4, efConstruction: 40, name: 'tall.hnsw' });
  });

  it('reads the header, the level-0 records and several upper levels', () => {
    const { graph, raw } = built;
    expect(graph.dim).toBe(dim);
    expect(graph.count).toBe(600);
    expect([graph.M, graph.maxM, graph.maxM0, graph.efConstruction]).toEqual([4, 4, 8, 40]);
    expect(graph.maxLevel).toBeGreaterThanOrEqual(3);
    expect(graph.levels[graph.entryPoint]).toBe(graph.maxLevel);
    expect(Math.max(...graph.levels)).toBe(graph.maxLevel);
    expect(Array.from(graph.labels).sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    for (let node = 0; node < graph.count; node += 37) {
      const label = graph.labels[node]!;
      expect(Array.from(graph.vectors.subarray(node * dim, (node + 1) * dim))).toEqual(raw.getPoint(label));
      const links = graph.links0[node * (graph.maxM0 + 1)]!;
      expect(links).toBeGreaterThan(0);
      expect(links).toBeLessThanOrEqual(graph.maxM0);
    }
    // every upper list of a node on level l links to nodes that reach level l too
    for (let node = 0; node < graph.count; node++) {
      for (let level = 1; level <= graph.levels[node]!; level++) {
        const at = graph.upperStart[node]! + (level - 1) * (graph.maxM + 1);
        for (let j = 1; j <= graph.upperLinks[at]!; j++) {
          expect(graph.levels[graph.upperLinks[at + j]!]).toBeGreaterThanOrEqual(level);
        }
      }
    }
  });

  it('reads the markDelete flag', () => {
    const { raw } = built;
    raw.markDelete(5);
    raw.markDelete(77);
    const file = join(tmp, 'deleted.hnsw');
    raw.writeIndexSync(file);
    const graph = parseHnswlibIndex(readFileSync(file));
    const flagged = Array.from(graph.labels).filter((_, node) => graph.deleted[node] === 1);
    expect(flagged.sort((a, b) => a - b)).toEqual([5, 77]);
    raw.unmarkDelete(5);
    raw.unmarkDelete(77);
  });

  it('refuses a truncated file, trailing bytes and a corrupt header with a FormatError', () => {
    const bytes = readFileSync(built.file);
    expect(() => parseHnswlibIndex(bytes.subarray(0, 50), 'short.hnsw')).toThrow(FormatError);
    expect(() => parseHnswlibIndex(bytes.subarray(0, bytes.length - 3), 'cut.hnsw')).toThrow(
      /cut\.hnsw: not a readable hnswlib index/,
    );
    expect(() => parseHnswlibIndex(bytes.subarray(0, 96 + 100 * 76), 'half.hnsw')).toThrow(FormatError);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => parseHnswlibIndex(longer, 'long.hnsw')).toThrow(/account for/);
    const corrupt = new Uint8Array(bytes);
    new DataView(corrupt.buffer).setBigUint64(64, 1000n, true); // maxM0
    expect(() => parseHnswlibIndex(corrupt, 'corrupt.hnsw')).toThrow(FormatError);
  });

  it.skipIf(!haveKernel)('the tall graph (dim 12, several levels) is searched as hnswlib searches it', () => {
    const { graph, raw } = built;
    const searcher = new HnswSearcher(graph, { traversal: 'float32' });
    const queries = gaussianMixture(100, dim, 8, 0.5, 4);
    raw.setEf(20);
    const expected = Array.from(
      { length: 100 },
      (_, q) => raw.searchKnn(Array.from(row(queries, dim, q)), 5).neighbors,
    );
    const found = Array.from({ length: 100 }, (_, q) => searcher.search(row(queries, dim, q), 5, 20).labels);
    expect(agreement(found, expected)).toBeGreaterThanOrEqual(0.97);
    const int8 = new HnswSearcher(graph, {});
    const truth = Array.from({ length: 100 }, (_, q) =>
      bruteForce(vectors, dim, row(queries, dim, q))
        .slice(0, 5)
        .map((entry) => entry.id),
    );
    const int8Found = Array.from({ length: 100 }, (_, q) => int8.search(row(queries, dim, q), 5, 20).labels);
    expect(recallOf(int8Found, truth)).toBeGreaterThanOrEqual(recallOf(expected, truth) - 0.02);
  });

  it.skipIf(!haveKernel)(
    'a walk started at a given node (no descent) walks as the oracle started there, on every table',
    () => {
      // the tall graph (M 4) with short beams: walks from different nodes end in different places
      const { graph } = built;
      const queries = gaussianMixture(60, dim, 8, 0.5, 9);
      const startOf = (q: number) => (q * 37 + 11) % graph.count; // a label
      for (const table of nativeTables()) {
        const searcher = new HnswSearcher(graph, { kernels: table, threads: 1 });
        const nodeOf = new Map(Array.from(searcher.layout.labels, (label, node) => [label, node]));
        let elsewhere = 0;
        const started: number[][] = [];
        for (let q = 0; q < 60; q++) {
          const query = row(queries, dim, q);
          const found = searcher.search(query, 3, 2, startOf(q));
          const expected = hnswSearchReference(searcher.layout, query, 3, 2, {
            start: nodeOf.get(startOf(q))!,
          });
          expect(found.labels, `${table.isa} query ${q}`).toEqual(
            expected.ids.map((id) => searcher.layout.labels[id]!),
          );
          if (found.labels.join() !== searcher.search(query, 3, 2).labels.join()) elsewhere++;
          started.push(found.labels);
        }
        expect(elsewhere, `${table.isa}: some walks from another node end elsewhere`).toBeGreaterThan(0);
        // one batch, every other query started (−1 and unknown labels descend)
        const starts = Array.from({ length: 60 }, (_, q) =>
          q % 2 === 0 ? startOf(q) : q % 4 === 1 ? -1 : 1e6,
        );
        const batch = searcher.searchBatch(queries, 60, 3, 2, starts);
        batch.forEach((answer, q) => {
          expect(answer.labels).toEqual(
            q % 2 === 0 ? started[q] : searcher.search(row(queries, dim, q), 3, 2).labels,
          );
        });
      }
      // the addon refuses a start that is not a node
      const searcher = new HnswSearcher(graph, { threads: 1 });
      expect(() =>
        nativeKernels()!.hnswSearch(
          (searcher as unknown as { handle: never }).handle,
          row(queries, dim, 0),
          1,
          3,
          2,
          6,
          true,
          0,
          new Int32Array(3),
          new Float32Array(3),
          new Int32Array(1),
          1,
          1,
          new Int32Array([graph.count]),
        ),
      ).toThrow(/a start is not a node of the graph/);
    },
  );

  it('renumbering (upper levels first) keeps every node, vector and link of every level', () => {
    const { graph } = built;
    const renumbered = reorderForSearch(graph);
    expect(renumbered.entryPoint).toBe(0);
    // the highest levels first: levels never rise along the new ids
    for (let node = 1; node < renumbered.count; node++) {
      expect(renumbered.levels[node]).toBeLessThanOrEqual(renumbered.levels[node - 1]!);
    }
    expect(renumbered.upperLinks.length).toBe(graph.upperLinks.length);
    const nodeOf = (g: HnswGraph) => new Map(Array.from(g.labels, (label, node) => [label, node]));
    const before = nodeOf(graph);
    const stride = graph.maxM0 + 1;
    for (let node = 0; node < renumbered.count; node++) {
      const label = renumbered.labels[node]!;
      const old = before.get(label)!;
      expect(renumbered.vectors.subarray(node * dim, (node + 1) * dim)).toEqual(
        graph.vectors.subarray(old * dim, (old + 1) * dim),
      );
      const links = (g: HnswGraph, at: number) =>
        Array.from(
          g.links0.subarray(at * stride + 1, at * stride + 1 + g.links0[at * stride]!),
          (id) => g.labels[id],
        );
      expect(links(renumbered, node)).toEqual(links(graph, old));
      expect(renumbered.levels[node]).toBe(graph.levels[old]);
      expect(renumbered.upperStart[node]! < 0).toBe(graph.upperStart[old]! < 0);
      const upperLinks = (g: HnswGraph, at: number, level: number) => {
        const list = g.upperStart[at]! + (level - 1) * (g.maxM + 1);
        return Array.from(
          g.upperLinks.subarray(list + 1, list + 1 + g.upperLinks[list]!),
          (id) => g.labels[id],
        );
      };
      for (let level = 1; level <= graph.levels[old]!; level++) {
        expect(upperLinks(renumbered, node, level)).toEqual(upperLinks(graph, old, level));
      }
    }
  });
});

describe.skipIf(!haveKernel)(
  'native search against hnswlib-node and the oracle on the same graph (5k × 32)',
  () => {
    const n = 5000;
    const dim = 32;
    const sample = gaussianMixture(n + 200, dim, 40, 0.5, 11);
    const vectors = sample.slice(0, n * dim);
    const queries = Array.from({ length: 200 }, (_, q) => row(sample, dim, n + q));
    let built: ReturnType<typeof buildRaw>;
    let truth: number[][];

    beforeAll(() => {
      built = buildRaw(vectors, dim, { M: 16, efConstruction: 100, name: 'mixture.hnsw' });
      truth = queries.map((query) =>
        bruteForce(vectors, dim, query)
          .slice(0, 10)
          .map((entry) => entry.id),
      );
    });

    const hnswlibAt = (ef: number) => {
      built.raw.setEf(ef);
      return queries.map((query) => built.raw.searchKnn(Array.from(query), 10).neighbors);
    };

    it('float32 traversal returns hnswlib-node searchKnn answers (any node order)', () => {
      expect(built.graph.maxLevel).toBeGreaterThanOrEqual(2);
      for (const reorder of [false, true]) {
        const searcher = new HnswSearcher(built.graph, { traversal: 'float32', reorder });
        for (const ef of [10, 40, 100]) {
          const expected = hnswlibAt(ef);
          const found = queries.map((query) => searcher.search(query, 10, ef).labels);
          // equal but for float summation order deciding a near tie
          expect(agreement(found, expected)).toBeGreaterThanOrEqual(0.97);
        }
      }
    });

    it('similarities are the float32 cosines, best first', () => {
      const searcher = new HnswSearcher(built.graph, {});
      for (const query of queries.slice(0, 20)) {
        const { labels, similarities } = searcher.search(query, 10, 50);
        const reference = new Map(bruteForce(vectors, dim, query).map((entry) => [entry.id, entry.score]));
        labels.forEach((label, i) => {
          expect(similarities[i]).toBeCloseTo(reference.get(label)!, 5);
          if (i > 0) expect(similarities[i]).toBeLessThanOrEqual(similarities[i - 1]!);
        });
      }
    });

    it('every kernel table walks as the TypeScript oracle does (int8: the same nodes; float32: to rounding)', () => {
      for (const table of nativeTables()) {
        for (const traversal of ['int8', 'float32'] as const) {
          const searcher = new HnswSearcher(built.graph, { traversal, kernels: table, threads: 1 });
          let same = 0;
          for (const query of queries.slice(0, 60)) {
            for (const [k, ef] of [
              [1, 1],
              [10, 17],
              [10, 100],
            ] as const) {
              const found = searcher.search(query, k, ef);
              const expected = hnswSearchReference(searcher.layout, query, k, ef, { traversal });
              const labels = expected.ids.map((id) => searcher.layout.labels[id]!);
              if (found.labels.join() === labels.join()) same++;
              found.similarities.forEach((similarity, i) => {
                expect(similarity).toBeCloseTo(expected.similarities[i]!, 5);
              });
            }
          }
          // int8 walks are integer sums (identical); only float32 near ties may differ
          expect(same / 180, `${table.isa} ${traversal}`).toBeGreaterThanOrEqual(
            traversal === 'int8' ? 0.99 : 0.95,
          );
        }
      }
    });

    it('a word-like query started at its own node (no descent) keeps the recall of the descent', () => {
      // queries that are nodes of the graph, as a word of the index is: each starts at its own node
      const members = Array.from({ length: 40 }, (_, i) => 97 * i + 5);
      const memberTruth = members.map((label) =>
        bruteForce(vectors, dim, row(vectors, dim, label))
          .slice(0, 10)
          .map((entry) => entry.id),
      );
      const searcher = new HnswSearcher(built.graph, {});
      const started = members.map((label) => searcher.search(row(vectors, dim, label), 10, 40, label).labels);
      const descended = members.map((label) => searcher.search(row(vectors, dim, label), 10, 40).labels);
      expect(recallOf(started, memberTruth)).toBeGreaterThanOrEqual(recallOf(descended, memberTruth) - 0.01);
    });

    it('a batch split between threads answers as one query at a time does', () => {
      const searcher = new HnswSearcher(built.graph, { threads: 2 });
      const flat = new Float32Array(queries.length * dim);
      queries.forEach((query, q) => {
        flat.set(query, q * dim);
      });
      const batch = searcher.searchBatch(flat, queries.length, 10, 60);
      expect(batch.map((answer) => answer.labels)).toEqual(
        queries.map((query) => searcher.search(query, 10, 60).labels),
      );
    });

    it('int8 traversal mostly agrees with hnswlib and keeps its recall (within 0.01)', () => {
      const searcher = new HnswSearcher(built.graph, { traversal: 'int8' });
      for (const ef of [20, 50, 100]) {
        const expected = hnswlibAt(ef);
        const found = queries.map((query) => searcher.search(query, 10, ef).labels);
        expect(agreement(found, expected)).toBeGreaterThanOrEqual(0.8);
        expect(recallOf(found, truth)).toBeGreaterThanOrEqual(recallOf(expected, truth) - 0.01);
      }
    });

    it('never returns a deleted node, and returns it again once undeleted', () => {
      const searcher = new HnswSearcher(built.graph, {});
      const first = queries.map((query) => searcher.search(query, 10, 50).labels);
      const gone = new Set(first.flatMap((labels) => labels.slice(0, 3)));
      for (const label of gone) expect(searcher.markDeleted(label)).toBe(true);
      expect(searcher.markDeleted(n + 5)).toBe(false);
      const after = queries.map((query) => searcher.search(query, 10, 50).labels);
      for (const labels of after) {
        expect(labels.length).toBe(10);
        for (const label of labels) expect(gone.has(label)).toBe(false);
      }
      for (const label of gone) searcher.markDeleted(label, false);
      expect(queries.map((query) => searcher.search(query, 10, 50).labels)).toEqual(first);
    });

    it('two walkers (opt-in) keep the recall of one and answer k distinct nodes, best first', () => {
      const one = new HnswSearcher(built.graph, { walkers: 1 });
      const two = new HnswSearcher(built.graph, { walkers: 2 });
      for (const ef of [30, 100]) {
        const single = queries.map((query) => one.search(query, 10, ef).labels);
        const found = queries.map((query) => {
          const { labels, similarities } = two.search(query, 10, ef);
          expect(labels.length).toBe(10);
          expect(new Set(labels).size).toBe(10);
          const reference = new Map(bruteForce(vectors, dim, query).map((entry) => [entry.id, entry.score]));
          labels.forEach((label, i) => {
            expect(similarities[i]).toBeCloseTo(reference.get(label)!, 5);
            if (i > 0) expect(similarities[i]).toBeLessThanOrEqual(similarities[i - 1]!);
          });
          return labels;
        });
        expect(recallOf(found, truth)).toBeGreaterThanOrEqual(recallOf(single, truth) - 0.02);
      }
      // deleted nodes are skipped by both walkers
      const gone = new Set(queries.slice(0, 50).flatMap((query) => one.search(query, 3, 50).labels));
      for (const label of gone) two.markDeleted(label);
      for (const query of queries.slice(0, 50)) {
        for (const label of two.search(query, 10, 50).labels) expect(gone.has(label)).toBe(false);
      }
      for (const label of gone) two.markDeleted(label, false);
      expect(two.search(queries[0]!, 10, 2000).labels).toEqual(truth[0]);
    });

    it('a beam wider than the graph, and k above the graph size', () => {
      const searcher = new HnswSearcher(built.graph, {});
      const wide = searcher.search(queries[0]!, 10, 2000);
      expect(wide.labels).toEqual(truth[0]);
      const small = parseHnswlibIndex(
        readFileSync(
          buildRaw(vectors.slice(0, 5 * dim), dim, { M: 4, efConstruction: 10, name: 'five.hnsw' }).file,
        ),
      );
      expect(new HnswSearcher(small).search(queries[0]!, 10, 10).labels.sort()).toEqual([0, 1, 2, 3, 4]);
    });

    it('the copy of the level-0 lists (on cache lines, −1 past the degree) walks as the oracle: full and short lists, M 5 and 8', () => {
      // M 5: lists of up to 10 in slots of 16; M 8: up to 16 in exactly 16 (a full list has no −1 after it)
      for (const M of [5, 8]) {
        const small = buildRaw(vectors.slice(0, 1500 * dim), dim, {
          M,
          efConstruction: 60,
          name: `m${M}.hnsw`,
        });
        const stride = small.graph.maxM0 + 1;
        let full = 0;
        for (let node = 0; node < small.graph.count; node++) {
          if (small.graph.links0[node * stride] === small.graph.maxM0) full++;
        }
        expect(full, `M ${M}: some level-0 lists are full`).toBeGreaterThan(0);
        for (const table of nativeTables()) {
          const searcher = new HnswSearcher(small.graph, { kernels: table, threads: 1 });
          for (const query of queries.slice(0, 30)) {
            const found = searcher.search(query, 10, 40);
            const expected = hnswSearchReference(searcher.layout, query, 10, 40);
            expect(found.labels, `${table.isa} M ${M}`).toEqual(
              expected.ids.map((id) => searcher.layout.labels[id]!),
            );
          }
        }
      }
    });
  },
);

describe.skipIf(!haveKernel)('int8 codes of vectors that share a large common part', () => {
  // unit vectors ≈ 0.9 · one common direction + a small spread of their own (word vectors look like
  // this): codes of x itself spend their steps on the common part, codes of x − mean on the spread
  const n = 4000;
  const dim = 48;
  const spread = gaussianMixture(n + 100, dim, 30, 0.5, 21);
  const common = gaussianMixture(1, dim, 1, 0, 22);
  let norm = 0;
  for (const value of common) norm += value * value;
  const vectors = new Float32Array(spread.length);
  for (let i = 0; i < n + 100; i++) {
    let rowNorm = 0;
    for (let d = 0; d < dim; d++) rowNorm += spread[i * dim + d]! ** 2;
    for (let d = 0; d < dim; d++) {
      vectors[i * dim + d] = (3 * common[d]!) / Math.sqrt(norm) + spread[i * dim + d]! / Math.sqrt(rowNorm);
    }
  }
  const base = vectors.slice(0, n * dim);
  const queries = Array.from({ length: 100 }, (_, q) => row(vectors, dim, n + q));

  it('the int8 walk and its 2k rescored keep the float32 walk’s recall (within 0.01)', () => {
    const built = buildRaw(base, dim, { M: 16, efConstruction: 100, name: 'common.hnsw' });
    const truth = queries.map((query) =>
      bruteForce(base, dim, query)
        .slice(0, 10)
        .map((entry) => entry.id),
    );
    const float = new HnswSearcher(built.graph, { traversal: 'float32' });
    const int8 = new HnswSearcher(built.graph, { traversal: 'int8' });
    for (const ef of [20, 60]) {
      const expected = recallOf(
        queries.map((query) => float.search(query, 10, ef).labels),
        truth,
      );
      const found = recallOf(
        queries.map((query) => int8.search(query, 10, ef).labels),
        truth,
      );
      expect(expected).toBeGreaterThan(0.8);
      expect(found).toBeGreaterThanOrEqual(expected - 0.01);
    }
  });
});

describe.skipIf(!haveKernel)('HnswIndex engines', () => {
  const n = 3000;
  const dim = 24;
  const vectors = gaussianMixture(n, dim, 30, 0.5, 5);
  const words = wordList(n);
  const queryWords = words.filter((_, i) => i % 29 === 0);

  const neighbourWords = (index: HnswIndex, engine: 'native' | 'hnswlib') => {
    index.engine = engine;
    return queryWords.map((word) => index.search(word, 10).map((neighbor) => neighbor.word));
  };

  it("'native' and 'hnswlib' mostly agree, the query word left out either way", () => {
    const index = new HnswIndex(dim, { efConstruction: 100, capacity: n, traversal: 'float32' });
    index.add(words, vectors);
    expect(index.engine).toBe('native');
    const ours = neighbourWords(index, 'native');
    const theirs = neighbourWords(index, 'hnswlib');
    let same = 0;
    ours.forEach((list, q) => {
      expect(list).not.toContain(queryWords[q]);
      expect(list.length).toBe(10);
      if (list.join() === theirs[q]!.join()) same++;
    });
    expect(same / ours.length).toBeGreaterThanOrEqual(0.95);
  });

  it('deleted words are never returned (before and after the search structure exists), added ones are', () => {
    const index = new HnswIndex(dim, { efConstruction: 100, capacity: n, compactThreshold: 1 });
    index.add(words, vectors);
    index.prepareSearch();
    const before = neighbourWords(index, 'native');
    const asked = new Set(queryWords);
    const firstRemoved = new Set(before.map((list) => list[0]!).filter((word) => !asked.has(word)));
    expect(firstRemoved.size).toBeGreaterThan(50);
    index.remove([...firstRemoved]); // marks the live native layout
    const check = (removed: Set<string>) => {
      for (const list of neighbourWords(index, 'native')) {
        expect(list.length).toBe(10);
        for (const word of list) expect(removed.has(word)).toBe(false);
      }
    };
    check(firstRemoved);
    // adding lays the graph out again from hnswlib's, which keeps the deletion flags
    const extra = vectors.slice(0, 2 * dim).map((value) => value * 2);
    index.add(['twin0', 'twin1'], extra);
    const twin = index.search(vectors.slice(0, dim), 2).map((neighbor) => neighbor.word);
    expect(twin).toContain('twin0');
    check(firstRemoved);
    expect(index.search('w1', 5, { exclude: ['twin1'] }).map((nb) => nb.word)).not.toContain('twin1');
  });

  it('save → load searches the loaded file with the same answers', () => {
    const index = new HnswIndex(dim, { efConstruction: 100, capacity: n });
    index.add(words, vectors);
    const path = join(tmp, 'engines.hnsw');
    index.save(path);
    const expected = neighbourWords(index, 'native');
    const loaded = HnswIndex.load(path);
    expect(neighbourWords(loaded, 'native')).toEqual(expected);
    // a file that no longer matches what was loaded is not trusted: the graph is written out again
    const other = HnswIndex.load(path);
    writeFileSync(path, 'not an index');
    expect(neighbourWords(other, 'native')).toEqual(expected);
  });

  it('rejects an unknown engine, traversal, thread or walker count', () => {
    expect(() => new HnswIndex(dim, { engine: 'faiss' as 'native' })).toThrow(
      /engine must be 'native' or 'hnswlib'/,
    );
    expect(() => new HnswIndex(dim, { traversal: 'int4' as 'int8' })).toThrow(/traversal must be/);
    expect(() => new HnswIndex(dim, { walkers: 4 })).toThrow('HnswIndex: walkers must be 1 or 2, got 4');
    expect(() => new HnswIndex(dim, { threads: 0 })).toThrow(
      'HnswIndex: threads must be a whole number ≥ 1, got 0',
    );
  });

  it('answers repeat exactly by default; two walkers keep the recall of one; close() drops the layout', () => {
    const single = new HnswIndex(dim, { efConstruction: 100, capacity: n });
    single.add(words, vectors);
    const path = join(tmp, 'walkers.hnsw');
    single.save(path);
    const double = HnswIndex.load(path, { walkers: 2 });
    const truth = queryWords.map((word) => {
      const exact = bruteForce(vectors, dim, row(vectors, dim, Number(word.slice(1))));
      return exact.slice(1, 11).map((entry) => words[entry.id]!);
    });
    const recall = (lists: string[][]) =>
      lists.reduce((hits, list, q) => hits + list.filter((word) => truth[q]!.includes(word)).length, 0) /
      (10 * lists.length);
    const one = neighbourWords(single, 'native');
    expect(neighbourWords(single, 'native')).toEqual(one);
    expect(single.searchBatch(queryWords, 10).map((list) => list.map((nb) => nb.word))).toEqual(one);
    const two = neighbourWords(double, 'native');
    expect(recall(two)).toBeGreaterThanOrEqual(recall(one) - 0.02);
    single.close();
    expect(neighbourWords(single, 'native')).toEqual(one);
  });
});
