// The WebAssembly HNSW search against hnswlib-node on the same graph: hnswlib's file format read back
// (several levels, deletion flags, truncated files refused), float32 traversal giving hnswlib's own
// answers, int8 traversal keeping recall, deletions, and HnswIndex's two engines side by side.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HnswGraph, parseHnswlibIndex } from '../../src/search/hnswlib-format.js';
import { HnswIndex } from '../../src/search/index.js';
import { reorderBreadthFirst, WasmHnswSearcher } from '../../src/search/kernels/wasm-hnsw.js';
import { FormatError } from '../../src/util/errors.js';
import { wasmAvailable } from '../../src/util/wasm.js';
import { bruteForce, gaussianMixture, row, wordList } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'verbo-hnsw-wasm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const haveKernel = wasmAvailable('hnsw');
if (!haveKernel)
  console.warn('hnsw-wasm tests: dist/wasm/hnsw.wasm is missing (run `npm run build`); skipped');

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
    const searcher = new WasmHnswSearcher(graph, { traversal: 'float32' });
    const queries = gaussianMixture(100, dim, 8, 0.5, 4);
    raw.setEf(20);
    const expected = Array.from(
      { length: 100 },
      (_, q) => raw.searchKnn(Array.from(row(queries, dim, q)), 5).neighbors,
    );
    const found = Array.from({ length: 100 }, (_, q) => searcher.search(row(queries, dim, q), 5, 20).labels);
    expect(agreement(found, expected)).toBeGreaterThanOrEqual(0.97);
    const int8 = new WasmHnswSearcher(graph, {});
    const truth = Array.from({ length: 100 }, (_, q) =>
      bruteForce(vectors, dim, row(queries, dim, q))
        .slice(0, 5)
        .map((entry) => entry.id),
    );
    const int8Found = Array.from({ length: 100 }, (_, q) => int8.search(row(queries, dim, q), 5, 20).labels);
    expect(recallOf(int8Found, truth)).toBeGreaterThanOrEqual(recallOf(expected, truth) - 0.02);
  });

  it('breadth-first renumbering keeps every node, vector and link', () => {
    const { graph } = built;
    const renumbered = reorderBreadthFirst(graph);
    expect(renumbered.entryPoint).toBe(0);
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
    }
  });
});

describe.skipIf(!haveKernel)('WebAssembly search against hnswlib-node on the same graph (5k × 32)', () => {
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
      const searcher = new WasmHnswSearcher(built.graph, { traversal: 'float32', reorder });
      for (const ef of [10, 40, 100]) {
        const expected = hnswlibAt(ef);
        const found = queries.map((query) => searcher.search(query, 10, ef).labels);
        // equal but for float summation order deciding a near tie
        expect(agreement(found, expected)).toBeGreaterThanOrEqual(0.97);
      }
    }
  });

  it('similarities are the float32 cosines, best first', () => {
    const searcher = new WasmHnswSearcher(built.graph, {});
    for (const query of queries.slice(0, 20)) {
      const { labels, similarities } = searcher.search(query, 10, 50);
      const reference = new Map(bruteForce(vectors, dim, query).map((entry) => [entry.id, entry.score]));
      labels.forEach((label, i) => {
        expect(similarities[i]).toBeCloseTo(reference.get(label)!, 5);
        if (i > 0) expect(similarities[i]).toBeLessThanOrEqual(similarities[i - 1]!);
      });
    }
  });

  it('int8 traversal mostly agrees with hnswlib and keeps its recall (within 0.01)', () => {
    const searcher = new WasmHnswSearcher(built.graph, { traversal: 'int8' });
    for (const ef of [20, 50, 100]) {
      const expected = hnswlibAt(ef);
      const found = queries.map((query) => searcher.search(query, 10, ef).labels);
      expect(agreement(found, expected)).toBeGreaterThanOrEqual(0.8);
      expect(recallOf(found, truth)).toBeGreaterThanOrEqual(recallOf(expected, truth) - 0.01);
    }
  });

  it('never returns a deleted node, and returns it again once undeleted', () => {
    const searcher = new WasmHnswSearcher(built.graph, {});
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

  it('two walkers (a worker thread) keep the recall of one and answer k distinct nodes, best first', async () => {
    const one = new WasmHnswSearcher(built.graph, { threads: 1 });
    const two = new WasmHnswSearcher(built.graph, { threads: 2 });
    expect(await two.warmUp()).toBe(true);
    expect(two.parallelReady).toBe(true);
    try {
      for (const ef of [30, 100]) {
        const single = queries.map((query) => one.search(query, 10, ef).labels);
        const before = two.stats.twoWalkers;
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
        expect(two.stats.twoWalkers - before).toBe(queries.length);
        expect(recallOf(found, truth)).toBeGreaterThanOrEqual(recallOf(single, truth) - 0.02);
      }
      // deleted nodes are skipped by both walkers; a beam past the layout lays both out again
      const gone = new Set(queries.slice(0, 50).flatMap((query) => one.search(query, 3, 50).labels));
      for (const label of gone) two.markDeleted(label);
      for (const query of queries.slice(0, 50)) {
        for (const label of two.search(query, 10, 50).labels) expect(gone.has(label)).toBe(false);
      }
      for (const label of gone) two.markDeleted(label, false);
      expect(two.search(queries[0]!, 10, 2000).labels).toEqual(truth[0]);
      expect(two.stats.twoWalkers).toBe(2 * queries.length + 51);
    } finally {
      two.close();
    }
  });

  it("the main thread walks the worker's share when the worker does not take it", async () => {
    const two = new WasmHnswSearcher(built.graph, { threads: 2 });
    expect(await two.warmUp()).toBe(true);
    const expected = new WasmHnswSearcher(built.graph, { threads: 1 });
    two.search(queries[0]!, 10, 100); // the worker has its layout
    expect(two.stats.twoWalkers).toBe(1);
    // stop the worker behind the searcher's back: it still counts as ready, so each query hands a share
    // over that nobody takes
    await (
      two as unknown as { worker: { worker: { terminate(): Promise<number> } } }
    ).worker.worker.terminate();
    const walkedBefore = two.stats.walkedHere;
    const found = queries.map((query) => two.search(query, 10, 100).labels);
    expect(two.stats.walkedHere - walkedBefore).toBe(queries.length);
    const single = queries.map((query) => expected.search(query, 10, 100).labels);
    expect(recallOf(found, truth)).toBeGreaterThanOrEqual(recallOf(single, truth) - 0.02);
    for (const labels of found) expect(new Set(labels).size).toBe(10);
    two.close();
  });

  it('a beam wider than the scratch was laid out for, and k above the graph size', () => {
    const searcher = new WasmHnswSearcher(built.graph, {});
    const wide = searcher.search(queries[0]!, 10, 2000);
    expect(wide.labels).toEqual(truth[0]);
    const small = parseHnswlibIndex(
      readFileSync(
        buildRaw(vectors.slice(0, 5 * dim), dim, { M: 4, efConstruction: 10, name: 'five.hnsw' }).file,
      ),
    );
    expect(new WasmHnswSearcher(small).search(queries[0]!, 10, 10).labels.sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

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
    const float = new WasmHnswSearcher(built.graph, { traversal: 'float32' });
    const int8 = new WasmHnswSearcher(built.graph, { traversal: 'int8' });
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

  const neighbourWords = (index: HnswIndex, engine: 'wasm' | 'hnswlib') => {
    index.engine = engine;
    return queryWords.map((word) => index.search(word, 10).map((neighbor) => neighbor.word));
  };

  it("'wasm' and 'hnswlib' mostly agree, the query word left out either way", () => {
    const index = new HnswIndex(dim, { efConstruction: 100, capacity: n, traversal: 'float32', threads: 1 });
    index.add(words, vectors);
    expect(index.engine).toBe('wasm');
    const ours = neighbourWords(index, 'wasm');
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
    const before = neighbourWords(index, 'wasm');
    const asked = new Set(queryWords);
    const firstRemoved = new Set(before.map((list) => list[0]!).filter((word) => !asked.has(word)));
    expect(firstRemoved.size).toBeGreaterThan(50);
    index.remove([...firstRemoved]); // marks the live WebAssembly copy
    const check = (removed: Set<string>) => {
      for (const list of neighbourWords(index, 'wasm')) {
        expect(list.length).toBe(10);
        for (const word of list) expect(removed.has(word)).toBe(false);
      }
    };
    check(firstRemoved);
    // adding rebuilds the copy from hnswlib's graph, which keeps the deletion flags
    const extra = vectors.slice(0, 2 * dim).map((value) => value * 2);
    index.add(['twin0', 'twin1'], extra);
    const twin = index.search(vectors.slice(0, dim), 2).map((neighbor) => neighbor.word);
    expect(twin).toContain('twin0');
    check(firstRemoved);
    expect(index.search('w1', 5, { exclude: ['twin1'] }).map((nb) => nb.word)).not.toContain('twin1');
  });

  it('save → load searches the loaded file with the same answers', () => {
    // one thread: two walkers race, and their answers need not repeat exactly
    const index = new HnswIndex(dim, { efConstruction: 100, capacity: n, threads: 1 });
    index.add(words, vectors);
    const path = join(tmp, 'engines.hnsw');
    index.save(path);
    const expected = neighbourWords(index, 'wasm');
    const loaded = HnswIndex.load(path, { threads: 1 });
    expect(neighbourWords(loaded, 'wasm')).toEqual(expected);
    // a file that no longer matches what was loaded is not trusted: the graph is written out again
    const other = HnswIndex.load(path, { threads: 1 });
    writeFileSync(path, 'not an index');
    expect(neighbourWords(other, 'wasm')).toEqual(expected);
  });

  it('rejects an unknown engine or traversal', () => {
    expect(() => new HnswIndex(dim, { engine: 'faiss' as 'wasm' })).toThrow(
      /engine must be 'wasm' or 'hnswlib'/,
    );
    expect(() => new HnswIndex(dim, { traversal: 'int4' as 'int8' })).toThrow(/traversal must be/);
    expect(() => new HnswIndex(dim, { threads: 4 })).toThrow('HnswIndex: threads must be 1 or 2, got 4');
  });

  it('two threads answer with the recall of one, and close() stops the worker', async () => {
    const single = new HnswIndex(dim, { efConstruction: 100, capacity: n, threads: 1 });
    single.add(words, vectors);
    const path = join(tmp, 'threads.hnsw');
    single.save(path);
    const double = HnswIndex.load(path, { threads: 2 });
    expect(await double.warmUp()).toBe(true);
    const truth = queryWords.map((word) => {
      const exact = bruteForce(vectors, dim, row(vectors, dim, Number(word.slice(1))));
      return exact.slice(1, 11).map((entry) => words[entry.id]!);
    });
    const recall = (lists: string[][]) =>
      lists.reduce((hits, list, q) => hits + list.filter((word) => truth[q]!.includes(word)).length, 0) /
      (10 * lists.length);
    const one = neighbourWords(single, 'wasm');
    const two = neighbourWords(double, 'wasm');
    expect(recall(two)).toBeGreaterThanOrEqual(recall(one) - 0.02);
    double.close();
    // without its worker the index walks on one thread
    expect(neighbourWords(double, 'wasm').map((list) => list.length)).toEqual(two.map(() => 10));
    expect(await double.warmUp()).toBe(false);
  });
});
