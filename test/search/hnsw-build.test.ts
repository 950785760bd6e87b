// Our native HNSW builder (kernels/hnsw-build.ts, native/hnsw_build.cc) against its behavioural oracle,
// hnswlib-node's own build: recall@10 at ef 100 against brute force on every kernel table at least
// hnswlib's − 0.01; the same bytes at 1 and 2 threads; a file hnswlib-node and parseHnswlibIndex both
// read, whose lists keep hnswlib's invariants; levels drawn by the seed; HnswIndex building with it
// (search, save / load, compaction, later adds, filters); bad arguments refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeKernels, nativeTables } from '../../src/native/index.js';
import { type HnswGraph, parseHnswlibIndex, writeHnswlibIndex } from '../../src/search/hnswlib-format.js';
import { HnswIndex } from '../../src/search/index.js';
import { HnswSearcher } from '../../src/search/kernels/hnsw.js';
import { batchEnds, buildHnswGraph, drawLevels } from '../../src/search/kernels/hnsw-build.js';
import { bruteForce, gaussianMixture, row, wordList } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'verbo-hnsw-build-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const haveKernel = nativeKernels() !== null;
if (!haveKernel) console.warn('hnsw-build tests: the native kernels are disabled (VERBO_NATIVE=0); skipped');

function unitRows(vectors: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(vectors.length);
  for (let i = 0; i < vectors.length / dim; i++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += vectors[i * dim + d]! ** 2;
    const scale = 1 / Math.sqrt(sum);
    for (let d = 0; d < dim; d++) out[i * dim + d] = vectors[i * dim + d]! * scale;
  }
  return out;
}

/** hnswlib-node holding the graph of `bytes` (through a file, as HnswIndex does). */
function loadInHnswlib(bytes: Uint8Array, dim: number, name: string): hnswlib.HierarchicalNSW {
  const file = join(tmp, name);
  writeFileSync(file, bytes);
  const graph = new hnswlib.HierarchicalNSW('cosine', dim);
  graph.readIndexSync(file);
  return graph;
}

function recallAt(
  graph: hnswlib.HierarchicalNSW,
  queries: number[][],
  truth: Set<number>[],
  ef: number,
): number {
  graph.setEf(ef);
  let hits = 0;
  queries.forEach((query, q) => {
    for (const label of graph.searchKnn(query, 10).neighbors) if (truth[q]!.has(label)) hits++;
  });
  return hits / (queries.length * 10);
}

/** hnswlib's invariants on every list: within its bound, no self or repeated link, every id a node of that level. */
function listProblems(graph: HnswGraph): string[] {
  const problems: string[] = [];
  const check = (node: number, level: number, links: Int32Array, limit: number): void => {
    if (level === 0 && links.length === 0) problems.push(`node ${node} has no level-0 link`);
    if (links.length > limit) problems.push(`node ${node} has ${links.length} links on level ${level}`);
    if (new Set(links).size !== links.length) problems.push(`node ${node} repeats a link on level ${level}`);
    for (const target of links) {
      if (target === node) problems.push(`node ${node} links itself on level ${level}`);
      if (!(target >= 0 && target < graph.count) || graph.levels[target]! < level)
        problems.push(`node ${node} links ${target} on level ${level}`);
    }
  };
  for (let node = 0; node < graph.count; node++) {
    const start = node * (graph.maxM0 + 1);
    check(node, 0, graph.links0.subarray(start + 1, start + 1 + graph.links0[start]!), graph.maxM0);
    for (let level = 1; level <= graph.levels[node]!; level++) {
      const list = graph.upperStart[node]! + (level - 1) * (graph.maxM + 1);
      check(node, level, graph.upperLinks.subarray(list + 1, list + 1 + graph.upperLinks[list]!), graph.maxM);
    }
  }
  return problems;
}

describe('level draws and batches', () => {
  it('levels follow floor(−ln u / ln M), repeat for a seed and differ for another', () => {
    const levels = drawLevels(200_000, 16, 100);
    expect(drawLevels(200_000, 16, 100)).toEqual(levels);
    expect(drawLevels(1000, 16, 101)).not.toEqual(levels.subarray(0, 1000));
    // P(level ≥ l) = M^−l
    const atLeast = (l: number): number => levels.filter((level) => level >= l).length / levels.length;
    expect(atLeast(1)).toBeCloseTo(1 / 16, 2);
    expect(atLeast(2)).toBeCloseTo(1 / 256, 3);
    expect(levels.reduce((a, b) => Math.min(a, b), 99)).toBe(0);
  });

  it('batches: one node at a time first, then at most 1% of the graph, covering every node once', () => {
    const ends = batchEnds(100_000);
    expect(ends.at(-1)).toBe(100_000);
    let previous = 0;
    for (const end of ends) {
      expect(end).toBeGreaterThan(previous);
      expect(end - previous).toBeLessThanOrEqual(Math.max(1, Math.floor(previous * 0.01)));
      previous = end;
    }
    expect(ends.slice(0, 256)).toEqual(Array.from({ length: 256 }, (_, i) => i + 1));
  });
});

describe.runIf(haveKernel)('native HNSW builder', () => {
  const dim = 48;
  const count = 3000;
  const options = { M: 8, efConstruction: 40, seed: 100 };
  const vectors = unitRows(gaussianMixture(count, dim, 20, 3, 11), dim);
  const queryRows = unitRows(gaussianMixture(200, dim, 20, 3, 11 + 1), dim);
  const queries = Array.from({ length: 200 }, (_, q) => Array.from(row(queryRows, dim, q)));
  let truth: Set<number>[] = [];
  let hnswlibRecall = 0;

  beforeAll(() => {
    truth = queries.map(
      (query) =>
        new Set(
          bruteForce(vectors, dim, query)
            .slice(0, 10)
            .map((r) => r.id),
        ),
    );
    const own = new hnswlib.HierarchicalNSW('cosine', dim);
    own.initIndex({
      maxElements: count,
      m: options.M,
      efConstruction: options.efConstruction,
      randomSeed: 100,
    });
    for (let i = 0; i < count; i++) own.addPoint(Array.from(row(vectors, dim, i)), i);
    hnswlibRecall = recallAt(own, queries, truth, 100);
  });

  for (const table of nativeTables()) {
    describe(`${table.isa} table`, () => {
      let graph: HnswGraph;
      let bytes: Uint8Array;
      beforeAll(() => {
        graph = buildHnswGraph(vectors, count, dim, { ...options, threads: 1, kernels: table });
        bytes = writeHnswlibIndex(graph);
      });

      it("recall@10 at ef 100 at least hnswlib-node's own build's − 0.01", () => {
        const ours = recallAt(loadInHnswlib(bytes, dim, `${table.isa}.hnsw`), queries, truth, 100);
        expect(hnswlibRecall).toBeGreaterThan(0.85); // the data is not trivially easy
        expect(ours).toBeGreaterThanOrEqual(hnswlibRecall - 0.01);
      });

      it('1 and 2 threads write the same bytes', () => {
        const two = buildHnswGraph(vectors, count, dim, { ...options, threads: 2, kernels: table });
        expect(Buffer.from(writeHnswlibIndex(two)).equals(Buffer.from(bytes))).toBe(true);
      });

      it("the file is hnswlib's: header fields, lists within bounds, read back by parseHnswlibIndex", () => {
        const parsed = parseHnswlibIndex(bytes, 'built');
        expect(parsed.count).toBe(count);
        expect(parsed.dim).toBe(dim);
        expect(parsed.M).toBe(options.M);
        expect(parsed.maxM).toBe(options.M);
        expect(parsed.maxM0).toBe(2 * options.M);
        expect(parsed.efConstruction).toBe(options.efConstruction);
        expect(parsed.maxLevel).toBeGreaterThanOrEqual(2);
        expect(parsed.levels[parsed.entryPoint]).toBe(parsed.maxLevel);
        expect(parsed.levels.reduce((a, b) => Math.max(a, b), 0)).toBe(parsed.maxLevel);
        expect(
          Buffer.from(parsed.levels.buffer).equals(Buffer.from(drawLevels(count, options.M, 100).buffer)),
        ).toBe(true);
        expect(parsed.labels.every((label, i) => label === i)).toBe(true);
        expect(Buffer.from(parsed.vectors.buffer).equals(Buffer.from(vectors.buffer))).toBe(true);
        expect(listProblems(parsed)).toEqual([]);
      });

      it('hnswlib-node answers on the file as our float32 walk does', () => {
        const loaded = loadInHnswlib(bytes, dim, `${table.isa}-walk.hnsw`);
        loaded.setEf(100);
        const searcher = new HnswSearcher(parseHnswlibIndex(bytes), { traversal: 'float32', kernels: table });
        let same = 0;
        for (const query of queries) {
          const theirs = new Set(loaded.searchKnn(query, 10).neighbors);
          const ours = searcher.search(query, 10, 100).labels;
          if (ours.length === 10 && ours.every((label) => theirs.has(label))) same++;
        }
        expect(same / queries.length).toBeGreaterThanOrEqual(0.97);
      });
    });
  }

  it('without batch-mates and with them, each deterministic; onProgress reaches the count', () => {
    const seen: number[] = [];
    const kernels = nativeKernels()!;
    const a = buildHnswGraph(vectors, count, dim, {
      ...options,
      threads: 2,
      kernels,
      batchMates: false,
      onProgress: (done, total) => {
        expect(total).toBe(count);
        seen.push(done);
      },
    });
    expect(listProblems(a)).toEqual([]);
    expect(seen.at(-1)).toBe(count);
    expect(seen).toEqual(batchEnds(count));
    const b = buildHnswGraph(vectors, count, dim, { ...options, threads: 1, kernels, batchMates: false });
    expect(b.links0).toEqual(a.links0);
  });

  it('refuses bad arguments with one-line errors', () => {
    const kernels = nativeKernels()!;
    const build =
      (overrides: Partial<Parameters<typeof buildHnswGraph>[3]>, rows = vectors, n = count) =>
      () =>
        buildHnswGraph(rows, n, dim, { ...options, threads: 1, kernels, ...overrides });
    expect(build({ M: 1 })).toThrow(/^HNSW build: M must be a whole number from 2/);
    expect(build({ efConstruction: 0 })).toThrow(/efConstruction must be a whole number ≥ 1, got 0/);
    expect(build({}, vectors.subarray(0, 10 * dim + 3), 11)).toThrow(
      /11 rows of dim 48 need 528 values, got 483/,
    );
    expect(() => new HnswIndex(dim, { M: 1 })).toThrow(/^HnswIndex: M must be at least 2/);
    expect(() => new HnswIndex(dim, { builder: 'faiss' as 'native' })).toThrow(
      /^HnswIndex: builder must be 'native' or 'hnswlib', got 'faiss'$/,
    );
    expect(() => new HnswIndex(dim).add(['a'], new Float32Array(dim + 1))).toThrow(/^[^\n]+$/);
    // the kernel itself checks what it is given
    const links0 = new Int32Array(4 * 17);
    expect(() =>
      kernels.hnswBuildBatch(
        vectors,
        new Int32Array(4),
        links0,
        new Int32Array(4).fill(-1),
        new Int32Array(0),
        4,
        dim,
        1,
        2,
        10,
        0,
        4,
        -1,
        0,
        true,
        1,
      ),
    ).toThrow(/2 ≤ M ≤ maxM0/);
    expect(() =>
      kernels.hnswBuildBatch(
        vectors,
        new Int32Array(4),
        links0,
        new Int32Array(4).fill(-1),
        new Int32Array(0),
        4,
        dim,
        8,
        16,
        10,
        0,
        4,
        2,
        0,
        true,
        1,
      ),
    ).toThrow(/entry point/);
    expect(() =>
      kernels.hnswBuildBatch(
        vectors,
        new Int32Array([0, 1, 0, 0]),
        links0,
        new Int32Array(4).fill(-1),
        new Int32Array(0),
        4,
        dim,
        8,
        16,
        10,
        0,
        4,
        -1,
        0,
        true,
        1,
      ),
    ).toThrow(/upper lists are outside/);
  });
});

describe.runIf(haveKernel)('HnswIndex on the native builder', () => {
  const dim = 16;
  const count = 1500;
  const vectors = gaussianMixture(count, dim, 12, 0.6, 21);
  const words = wordList(count);

  function exactTop(index: HnswIndex, word: string, k: number): string[] {
    const query = index.getVector(word);
    return bruteForce(vectors, dim, query, (id) => index.has(words[id]!) && words[id] !== word)
      .slice(0, k)
      .map((r) => words[r.id]!);
  }

  it('builds natively, searches, saves and loads with the same answers, as builder hnswlib does', () => {
    const seen: number[] = [];
    const index = new HnswIndex(dim, { onProgress: (done) => seen.push(done) });
    index.add(words, vectors);
    expect(seen.at(-1)).toBe(count);
    expect(seen.length).toBe(batchEnds(count).length); // per batch: the native builder ran
    let hits = 0;
    for (const word of words.slice(0, 100)) {
      const truth = new Set(exactTop(index, word, 10));
      for (const n of index.search(word, 10)) if (truth.has(n.word)) hits++;
    }
    expect(hits / 1000).toBeGreaterThanOrEqual(0.95);
    const path = join(tmp, 'index.hnsw');
    index.save(path);
    const loaded = HnswIndex.load(path);
    for (const word of words.slice(0, 50)) expect(loaded.search(word, 10)).toEqual(index.search(word, 10));
    // hnswlib's file of the loaded graph is the one our builder wrote, but for maxElements
    const reference = new HnswIndex(dim, { builder: 'hnswlib' });
    reference.add(words, vectors);
    expect(reference.search(words[0]!, 5).length).toBe(5);
    expect(parseHnswlibIndex(readFileSync(path)).count).toBe(count);
  });

  it('a temporary directory that cannot be made is one clear error', () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(tmp, 'missing', 'deeper');
    try {
      expect(() => new HnswIndex(dim).add(words.slice(0, 50), vectors.subarray(0, 50 * dim))).toThrow(
        /^cannot hand the built HNSW graph to hnswlib through [^\n]+; free space there or use builder 'hnswlib'$/,
      );
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('later adds, filters, removal and compaction keep working on a natively built graph', () => {
    const index = new HnswIndex(dim, { capacity: 16, compactThreshold: 1 });
    index.add(words.slice(0, 1000), vectors.subarray(0, 1000 * dim));
    expect(index.maxElements).toBeGreaterThanOrEqual(1000);
    // a later add goes through hnswlib's addPoint into the loaded graph
    index.add(words.slice(1000), vectors.subarray(1000 * dim));
    expect(index.size).toBe(count);
    for (const word of words.slice(1000, 1020)) {
      const self = index.search(index.getVector(word), 1)[0]!;
      expect(self.word).toBe(word);
    }
    const filtered = index.search(words[3]!, 5, { filter: { regex: /^w1\d*$/ } });
    expect(filtered.length).toBe(5);
    for (const n of filtered) expect(n.word).toMatch(/^w1\d*$/);
    const gone = words.slice(0, 600);
    expect(index.remove(gone)).toBe(600);
    for (const n of index.search(words[700]!, 10)) expect(gone).not.toContain(n.word);
    index.compact();
    expect(index.deletedCount).toBe(0);
    expect(index.size).toBe(count - 600);
    let hits = 0;
    for (const word of words.slice(700, 760)) {
      const truth = new Set(exactTop(index, word, 10));
      for (const n of index.search(word, 10)) if (truth.has(n.word)) hits++;
    }
    expect(hits / 600).toBeGreaterThanOrEqual(0.95);
    expect(index.has(words[0]!)).toBe(false);
  });
});
