// HnswIndex: approximate nearest neighbours over hnswlib-node's HNSW graph (space 'cosine'), behind the
// same KnnIndex interface as ExactIndex. hnswlib's rough edges stay inside: words map to integer labels,
// capacity grows by itself (resizeIndex), distances (1 − cos) come back as similarities, typed arrays
// become the plain arrays hnswlib wants, deletions use markDelete and the graph is rebuilt once more
// than a quarter of it is deleted. A saved index has a JSON sidecar (words by label, build parameters,
// a checksum of the vectors); loading it against changed vectors rebuilds it and says so.
//
// hnswlib builds the graph; queries walk it in our own native search (kernels/hnsw.ts, native/hnsw.cc)
// when the addon is available: the graph is read back from hnswlib's file format once (lazily, after any
// change) and laid out for the kernel, which saves the array building of every searchKnn call, walks
// with int8 copies of the rows (float32 re-ranking) and splits a batch of queries between threads.
// Answers are deterministic by default; two walkers per query are an opt-in for throughput. Queries with
// a filter, and installs without the addon, use hnswlib's searchKnn.
//
// Building: rows added in bulk to an empty graph (the first add, compact()) are built by our own native
// builder (kernels/hnsw-build.ts, native/hnsw_build.cc: several threads, the same graph whatever their
// number), written in hnswlib's file format to a temporary directory and loaded into hnswlib-node, which
// then holds the graph as if it had built it (filtered queries, later adds, markDelete, save). Adds to a
// graph that has nodes, and installs without the addon (or builder 'hnswlib'), use hnswlib's addPoint.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { FormatError, shown, UnknownWordError, VerboError } from '../util/errors.js';
import { sha256OfFile } from '../util/model-files.js';
import { writeFileAtomic } from '../util/files.js';
import { Random } from '../util/random.js';
import { nativeKernels, threadCount } from '../native/index.js';
import { vectorsChecksum } from './checksum.js';
import { ExactIndex } from './exact.js';
import { type HnswGraph, parseHnswlibIndex, writeHnswlibIndex } from './hnswlib-format.js';
import { HnswSearcher, type HnswTraversal } from './kernels/hnsw.js';
import { buildHnswGraph } from './kernels/hnsw-build.js';
import { suggestSpellings } from './suggest.js';
import type {
  AddOptions,
  KnnIndex,
  Neighbor,
  NoticeCallback,
  Query,
  SearchOptions,
  VectorsInput,
} from './types.js';
import { checkK, checkQueryVector, filterPredicate, normalizeRows, WordTable } from './words.js';

export interface HnswOptions {
  /** Graph degree (links per node and layer); default 16. Higher: better recall, more memory, slower build. */
  M?: number;
  /** Candidate list size while building; default 200. */
  efConstruction?: number;
  /** Candidate list size while searching (at least k is used); default 100. */
  ef?: number;
  /** Seed of hnswlib's level generator; default 100. */
  seed?: number;
  /** Initial capacity in words; grows by itself. */
  capacity?: number;
  /** Rebuild the graph when more than this fraction of its nodes is deleted; default 0.25 (1 = never). */
  compactThreshold?: number;
  /** Called with (done, total) while adding many words. */
  onProgress?: (done: number, total: number) => void;
  /** Told about rebuilds (stale saved index, compaction). */
  onNotice?: NoticeCallback;
  /**
   * Who answers queries: 'native' (our search over hnswlib's graph, kernels/hnsw.ts; the default when the
   * addon is available) or 'hnswlib' (hnswlib-node's searchKnn). Filtered queries always use hnswlib.
   */
  engine?: HnswEngine;
  /**
   * native engine: scores used while walking the graph, 'int8' or 'float32' (as hnswlib). Default: int8
   * from INT8_TRAVERSAL_MIN_SIZE vectors on, where the walk is bound by memory and int8 rows halve the
   * time at hnswlib's recall; float32 below, where a walk is cheap anyway and int8's steps can be as
   * coarse as very tight clusters (seen: recall 0.93 instead of 1 at ef 40 on 600 vectors in
   * 12 clusters of spread 0.05 — the int8 walk stops among near-ties).
   */
  traversal?: HnswTraversal;
  /**
   * Threads of the native builder, and those a batch of queries is split between by the native engine
   * (default: VERBO_THREADS or the cores). The graph built does not depend on it.
   */
  threads?: number;
  /**
   * Who builds the graph when rows are added to an empty index (the first add, compact()): 'native' (our
   * multi-threaded builder, kernels/hnsw-build.ts; the default when the addon is available) or 'hnswlib'
   * (hnswlib-node's addPoint, one row at a time). Adds to a non-empty graph always use addPoint.
   */
  builder?: HnswBuilder;
  /**
   * native engine: walkers per single query, 1 (the default: answers repeat exactly) or 2 (two threads
   * walk each query at about the same recall — faster or slower than one walker depending on how quickly
   * the cores hand work to each other (measure first) — and which reaches a node first varies, so answers
   * can differ slightly from run to run).
   */
  walkers?: number;
}

export type HnswEngine = 'native' | 'hnswlib';
export type HnswBuilder = 'native' | 'hnswlib';

/** From this many vectors on the native engine walks the graph with int8 rows by default. */
export const INT8_TRAVERSAL_MIN_SIZE = 50_000;

export interface RecallOptions {
  /** Query words drawn from the index (seeded); default 200. */
  sample?: number;
  /** Neighbours compared; default 10. */
  k?: number;
  /** ef values tried; default [10, 20, 50, 100, 200, 400]. */
  efs?: number[];
  /** Recall@k wanted; default 0.95. */
  target?: number;
  /** Seed of the sample; default 1. */
  seed?: number;
}

export interface RecallReport {
  k: number;
  sample: number;
  target: number;
  results: { ef: number; recall: number; queriesPerSecond: number }[];
  /** The smallest ef tried whose recall reached the target; null when none did. */
  suggestedEf: number | null;
}

/** What a saved index's sidecar (`<path>.json`) holds. */
export interface HnswSidecar {
  format: 'verbo-hnsw';
  version: 1;
  space: 'cosine';
  dim: number;
  M: number;
  efConstruction: number;
  ef: number;
  seed: number;
  /** Words by label; null for a deleted label. */
  labels: (string | null)[];
  counts?: number[];
  /** sha256 of the live words and unit vectors in label order (see vectorsChecksum). */
  checksum: string;
  /** Byte size of the hnswlib file, to catch an index file that does not belong to this sidecar. */
  indexBytes: number;
  /** sha256 of the hnswlib file: its stored vectors and links changed make it another index. */
  indexSha256?: string;
}

/** The largest settings accepted (from the constructor, a sidecar or a flag): beyond them, memory or time run out. */
export const HNSW_LIMITS = { dim: 65_536, M: 2048, efConstruction: 100_000, ef: 100_000 } as const;

const DEFAULTS = { M: 16, efConstruction: 200, ef: 100, seed: 100, compactThreshold: 0.25 };
const SIDECAR_VERSION = 1;

export function sidecarPath(path: string): string {
  return `${path}.json`;
}

export class HnswIndex implements KnnIndex {
  readonly kind = 'hnsw' as const;
  readonly dim: number;
  readonly M: number;
  readonly efConstruction: number;
  readonly seed: number;
  private efSearch: number;
  private readonly compactThreshold: number;
  private readonly onProgress: HnswOptions['onProgress'];
  private readonly onNotice: NoticeCallback | undefined;
  private graph: hnswlib.HierarchicalNSW;
  private capacity: number;
  /** Words by label (deleted labels keep their word until compaction). */
  private table = new WordTable();
  private deleted = new Set<number>();
  /** Unit rows by label, row-major; undefined until needed after a load without vectors. */
  private rows: Float32Array | undefined = new Float32Array(0);
  /** The checksum while the contents are unchanged since it was computed or loaded. */
  private knownChecksum: string | undefined;
  private searchEngine: HnswEngine;
  private readonly traversal: HnswTraversal | undefined;
  private readonly threads: number | undefined;
  private readonly walkers: number;
  private readonly builder: HnswBuilder;
  /** The graph our builder made, while unchanged: the native search lays it out without reading a file. */
  private builtGraph: HnswGraph | undefined;
  /** The native search's layout of the graph; undefined until a query needs it, dropped when the graph changes. */
  private searcher: HnswSearcher | undefined;
  /** The file the graph was loaded from, while the graph is unchanged (read instead of writing a copy). */
  private loadedFrom: { path: string; bytes: number; modified: number } | undefined;

  constructor(dim: number, options: HnswOptions = {}) {
    this.dim = positiveInteger('dim', dim);
    this.M = positiveInteger('M', options.M ?? DEFAULTS.M);
    if (this.M < 2) {
      throw new VerboError(
        `HnswIndex: M must be at least 2 (levels are drawn with 1 / ln M), got ${this.M}`,
        'BAD_ARGUMENT',
      );
    }
    this.efConstruction = positiveInteger(
      'efConstruction',
      options.efConstruction ?? DEFAULTS.efConstruction,
    );
    this.efSearch = positiveInteger('ef', options.ef ?? DEFAULTS.ef);
    this.seed = options.seed ?? DEFAULTS.seed;
    this.compactThreshold = options.compactThreshold ?? DEFAULTS.compactThreshold;
    this.onProgress = options.onProgress;
    this.onNotice = options.onNotice;
    this.capacity = Math.max(16, options.capacity ?? 1024);
    this.graph = this.newGraph(this.capacity);
    this.traversal = options.traversal;
    if (options.traversal !== undefined && options.traversal !== 'int8' && options.traversal !== 'float32') {
      throw new VerboError(
        `HnswIndex: traversal must be 'int8' or 'float32', got '${String(options.traversal)}'`,
        'BAD_ARGUMENT',
      );
    }
    this.threads = options.threads;
    if (this.threads !== undefined && (!Number.isInteger(this.threads) || this.threads < 1)) {
      throw new VerboError(
        `HnswIndex: threads must be a whole number ≥ 1, got ${String(options.threads)}`,
        'BAD_ARGUMENT',
      );
    }
    this.walkers = options.walkers ?? 1;
    if (this.walkers !== 1 && this.walkers !== 2) {
      throw new VerboError(
        `HnswIndex: walkers must be 1 or 2, got ${String(options.walkers)}`,
        'BAD_ARGUMENT',
      );
    }
    this.searchEngine = checkEngine(options.engine ?? (nativeKernels() === null ? 'hnswlib' : 'native'));
    this.builder = checkBuilder(options.builder ?? (nativeKernels() === null ? 'hnswlib' : 'native'));
  }

  /** Who answers unfiltered queries: 'native' or 'hnswlib' (see HnswOptions.engine). */
  get engine(): HnswEngine {
    return this.searchEngine;
  }

  set engine(value: HnswEngine) {
    this.searchEngine = checkEngine(value);
  }

  /** Lays the graph out for the native search now rather than at the first query (no-op for 'hnswlib'). */
  prepareSearch(): void {
    if (this.searchEngine === 'native' && this.table.size > 0) this.nativeSearcher();
  }

  /** Forgets the native layout after the graph changed. */
  private graphChanged(): void {
    this.searcher = undefined;
    this.loadedFrom = undefined;
    this.builtGraph = undefined;
  }

  /** Drops the native layout of the graph (the index stays usable: the next query lays it out again). */
  close(): void {
    this.searcher = undefined;
  }

  /** The native layout of the current graph, read from hnswlib's file format (made when missing). */
  private nativeSearcher(): HnswSearcher {
    if (this.searcher === undefined) {
      const source = this.loadedFrom;
      let bytes: Uint8Array | undefined;
      let name = 'HNSW index';
      if (source !== undefined && existsSync(source.path)) {
        const stat = statSync(source.path);
        if (stat.size === source.bytes && stat.mtimeMs === source.modified) {
          bytes = readFileSync(source.path);
          name = source.path;
        }
      }
      if (bytes === undefined && this.builtGraph === undefined) {
        const directory = mkdtempSync(join(tmpdir(), 'verbo-hnsw-'));
        try {
          const file = join(directory, 'graph.hnsw');
          this.graph.writeIndexSync(file);
          bytes = readFileSync(file);
        } catch (error) {
          throw new VerboError(
            `cannot copy the HNSW graph through ${directory} for the native search (${(error as Error).message}); free space there or use engine 'hnswlib'`,
            'FILE_SYSTEM',
          );
        } finally {
          rmSync(directory, { recursive: true, force: true });
        }
      }
      const graph = bytes === undefined ? this.builtGraph! : parseHnswlibIndex(bytes, name);
      if (graph.dim !== this.dim) {
        throw new FormatError(`${name}: the graph has dimension ${graph.dim}, the index ${this.dim}`);
      }
      const traversal = this.traversal ?? (graph.count >= INT8_TRAVERSAL_MIN_SIZE ? 'int8' : 'float32');
      const searcher = new HnswSearcher(graph, {
        traversal,
        walkers: this.walkers,
        ...(this.threads === undefined ? {} : { threads: this.threads }),
      });
      for (const label of this.deleted) searcher.markDeleted(label);
      this.searcher = searcher;
    }
    return this.searcher;
  }

  private newGraph(capacity: number): hnswlib.HierarchicalNSW {
    const graph = new hnswlib.HierarchicalNSW('cosine', this.dim);
    graph.initIndex({
      maxElements: capacity,
      m: this.M,
      efConstruction: this.efConstruction,
      randomSeed: this.seed,
    });
    graph.setEf(this.efSearch);
    return graph;
  }

  /** Words in the index (deleted ones not counted). */
  get size(): number {
    return this.table.size - this.deleted.size;
  }

  /** How many labels are deleted but still in the graph. */
  get deletedCount(): number {
    return this.deleted.size;
  }

  /** Current capacity of the graph (grows automatically). */
  get maxElements(): number {
    return this.capacity;
  }

  get ef(): number {
    return this.efSearch;
  }

  set ef(value: number) {
    this.efSearch = positiveInteger('ef', value);
    this.graph.setEf(this.efSearch);
  }

  add(words: readonly string[], vectors: VectorsInput, options: AddOptions = {}): void {
    const incoming = normalizeRows(words, vectors, this.dim);
    const rows = this.ensureRows();
    const wasEmpty = this.table.size === 0;
    this.knownChecksum = undefined;
    this.graphChanged();
    const ids = this.table.assign(words, options.counts);
    const needed = this.table.size;
    if (needed > this.capacity) {
      this.capacity = Math.max(needed, Math.ceil(this.capacity * 2));
      this.graph.resizeIndex(this.capacity);
    }
    if (needed * this.dim > rows.length) {
      const grown = new Float32Array(Math.max(needed, this.capacity) * this.dim);
      grown.set(rows);
      this.rows = grown;
    }
    const dim = this.dim;
    const total = ids.length;
    if (wasEmpty && total > 0 && this.builder === 'native') {
      for (let i = 0; i < total; i++)
        this.rows!.set(incoming.subarray(i * dim, (i + 1) * dim), ids[i]! * dim);
      this.buildNatively(this.rows!, needed);
      return;
    }
    const point = new Array<number>(dim).fill(0); // hnswlib wants a plain array: one, refilled per row
    for (let i = 0; i < total; i++) {
      const label = ids[i]!;
      const row = incoming.subarray(i * dim, (i + 1) * dim);
      this.rows!.set(row, label * dim);
      if (this.deleted.size > 0 && this.deleted.delete(label)) this.graph.unmarkDelete(label);
      for (let d = 0; d < dim; d++) point[d] = row[d]!;
      this.graph.addPoint(point, label); // an existing label is updated in place
      if (this.onProgress !== undefined && ((i + 1) % 1000 === 0 || i + 1 === total))
        this.onProgress(i + 1, total);
    }
  }

  remove(words: readonly string[]): number {
    let removed = 0;
    for (const word of words) {
      const label = this.table.ids.get(word);
      if (label === undefined || this.deleted.has(label)) continue;
      this.graph.markDelete(label);
      this.searcher?.markDeleted(label);
      this.deleted.add(label);
      this.knownChecksum = undefined;
      removed++;
    }
    if (removed > 0 && this.deleted.size > this.compactThreshold * this.table.size) this.compact();
    return removed;
  }

  /** Rebuilds the graph from the live words only (labels renumbered); done by remove() past the threshold. */
  compact(): void {
    if (this.deleted.size === 0) return;
    const rows = this.ensureRows();
    const dim = this.dim;
    const deleted = this.deleted;
    this.onNotice?.(
      `HNSW index: ${deleted.size} of ${this.table.size} words deleted; rebuilding the graph with the ${this.size} left`,
    );
    this.graphChanged();
    const remap = this.table.compact((label) => !deleted.has(label));
    const live = this.table.size;
    const compacted = new Float32Array(Math.max(live, 1) * dim);
    for (let label = 0; label < remap.length; label++) {
      const target = remap[label]!;
      if (target >= 0) compacted.set(rows.subarray(label * dim, (label + 1) * dim), target * dim);
    }
    this.deleted = new Set();
    this.rows = compacted;
    this.capacity = Math.max(16, live);
    if (this.builder === 'native' && live > 0) {
      this.buildNatively(compacted, live);
      return;
    }
    this.graph = this.newGraph(this.capacity);
    for (let label = 0; label < live; label++) {
      this.graph.addPoint(Array.from(compacted.subarray(label * dim, (label + 1) * dim)), label);
    }
  }

  /**
   * Builds the graph over the first `count` rows (label = row) with our native builder and hands it to
   * hnswlib-node through a file in a temporary directory (removed afterwards).
   */
  private buildNatively(rows: Float32Array, count: number): void {
    const graph = buildHnswGraph(rows, count, this.dim, {
      M: this.M,
      efConstruction: this.efConstruction,
      seed: this.seed,
      threads: this.threads ?? threadCount(),
      kernels: nativeKernels()!,
      ...(this.onProgress === undefined ? {} : { onProgress: this.onProgress }),
    });
    const bytes = writeHnswlibIndex(graph);
    const loaded = new hnswlib.HierarchicalNSW('cosine', this.dim);
    let directory: string | undefined;
    try {
      directory = mkdtempSync(join(tmpdir(), 'verbo-hnsw-build-'));
      const file = join(directory, 'graph.hnsw');
      writeFileSync(file, bytes);
      loaded.readIndexSync(file);
    } catch (error) {
      throw new VerboError(
        `cannot hand the built HNSW graph to hnswlib through ${directory ?? tmpdir()} (${(error as Error).message}); free space there or use builder 'hnswlib'`,
        'FILE_SYSTEM',
      );
    } finally {
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    }
    if (this.capacity > count) loaded.resizeIndex(this.capacity);
    loaded.setEf(this.efSearch);
    this.graph = loaded;
    this.builtGraph = graph;
  }

  has(word: string): boolean {
    const label = this.table.ids.get(word);
    return label !== undefined && !this.deleted.has(label);
  }

  words(): string[] {
    return this.table.words.filter((_, label) => !this.deleted.has(label));
  }

  getVector(word: string): Float32Array {
    const label = this.labelOf(word);
    return this.ensureRows().slice(label * this.dim, (label + 1) * this.dim);
  }

  private labelOf(word: string): number {
    const label = this.table.ids.get(word);
    if (label === undefined || this.deleted.has(label)) {
      throw new UnknownWordError(word, suggestSpellings(word, this.words()));
    }
    return label;
  }

  /** The unit rows by label; after a load without vectors they are read back from the graph once. */
  private ensureRows(): Float32Array {
    if (this.rows === undefined) {
      const rows = new Float32Array(Math.max(this.table.size, 1) * this.dim);
      for (let label = 0; label < this.table.size; label++) {
        // hnswlib refuses getPoint for a deleted label; its row is never read
        if (!this.deleted.has(label)) rows.set(this.graph.getPoint(label), label * this.dim);
      }
      this.rows = rows;
    }
    return this.rows;
  }

  search(query: Query, k: number, options?: SearchOptions): Neighbor[] {
    return this.searchBatch([query], k, options)[0]!;
  }

  /**
   * search() for many queries; with the native engine and no filter, one call of the kernel, split
   * between threads by query (the answers of one query at a time).
   */
  searchBatch(queries: readonly Query[], k: number, options?: SearchOptions): Neighbor[][] {
    if (!Array.isArray(queries)) {
      throw new VerboError('searchBatch: queries must be an array of words or vectors', 'BAD_ARGUMENT');
    }
    const { excluded, filter } = this.prepare(k, options);
    const resolved = queries.map((query) => this.resolveQuery(query));
    // ask for the neighbours that will be dropped too (hnswlib's filter already drops excluded ones)
    const extra = filter === undefined && excluded !== undefined ? excluded.size : 0;
    const wanted = Math.min(this.capacity, k + extra + (resolved.some((q) => q.selfId >= 0) ? 1 : 0));
    let answers: { labels: ArrayLike<number>; similarities: ArrayLike<number> }[];
    if (filter === undefined && this.searchEngine === 'native') {
      // a word of the index starts the walk at its own node (no descent from the entry point)
      const searcher = this.nativeSearcher();
      if (resolved.length === 1) {
        const { vector, selfId } = resolved[0]!;
        answers = [searcher.search(vector, wanted, this.efSearch, selfId)];
      } else {
        const flat = new Float32Array(resolved.length * this.dim);
        for (let q = 0; q < resolved.length; q++) flat.set(resolved[q]!.vector, q * this.dim);
        const starts = resolved.map((query) => query.selfId);
        answers = searcher.searchBatch(flat, resolved.length, wanted, this.efSearch, starts);
      }
    } else {
      answers = resolved.map(({ vector }) => {
        // hnswlib wants a plain array; its cosine space normalises the query itself
        const point = Array.from(vector);
        const found =
          filter === undefined
            ? this.graph.searchKnn(point, wanted)
            : this.graph.searchKnn(point, wanted, filter);
        return { labels: found.neighbors, similarities: found.distances.map((distance) => 1 - distance) };
      });
    }
    const words = this.table.words;
    return answers.map(({ labels, similarities }, q) => {
      const { selfId } = resolved[q]!;
      const neighbors: Neighbor[] = [];
      for (let i = 0; i < labels.length && neighbors.length < k; i++) {
        const label = labels[i]!;
        if (label === selfId || excluded?.has(label)) continue;
        const similarity = similarities[i]!;
        neighbors.push({
          word: words[label]!,
          similarity: similarity > 1 ? 1 : similarity < -1 ? -1 : similarity,
        });
      }
      return neighbors;
    });
  }

  /** A query's vector, and its label when it is a word of the index (left out of its own results). */
  private resolveQuery(query: Query): { vector: Float32Array; selfId: number } {
    const dim = this.dim;
    if (typeof query === 'string') {
      const selfId = this.labelOf(query);
      return { vector: this.ensureRows().subarray(selfId * dim, (selfId + 1) * dim), selfId };
    }
    checkQueryVector(query, dim);
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += query[j]! * query[j]!;
    if (!Number.isFinite(sum)) {
      throw new VerboError('the vector of the query holds a NaN or infinite value', 'BAD_ARGUMENT');
    }
    return { vector: query instanceof Float32Array ? query : Float32Array.from(query), selfId: -1 };
  }

  /** Checks k and the index, and turns exclude/filter into labels to drop and an hnswlib filter. */
  private prepare(
    k: number,
    options: SearchOptions | undefined,
  ): { excluded: Set<number> | undefined; filter: ((label: number) => boolean) | undefined } {
    checkK(k);
    if (this.size === 0) {
      throw new VerboError('search: the index is empty; add(words, vectors) before searching', 'EMPTY');
    }
    if (options === undefined) return { excluded: undefined, filter: undefined };
    let excluded: Set<number> | undefined;
    for (const word of options.exclude ?? []) {
      const label = this.table.ids.get(word);
      if (label !== undefined) (excluded ??= new Set()).add(label);
    }
    const keep = filterPredicate(this.table, options.filter);
    if (keep === undefined) return { excluded, filter: undefined };
    // hnswlib calls the filter for candidates; a mask makes each call one lookup
    const mask = new Uint8Array(this.table.size);
    for (let label = 0; label < mask.length; label++) {
      mask[label] = !this.deleted.has(label) && !excluded?.has(label) && keep(label) ? 1 : 0;
    }
    return { excluded, filter: (label) => mask[label] === 1 };
  }

  /**
   * Measures recall@k against exact search on `sample` words of the index (each query word left out of
   * its own results), for each ef in `efs`, and suggests the smallest ef reaching `target`.
   */
  recall(options: RecallOptions = {}): RecallReport {
    const k = options.k ?? 10;
    const target = options.target ?? 0.95;
    const efs = [...(options.efs ?? [10, 20, 50, 100, 200, 400])].sort((a, b) => a - b);
    checkK(k);
    const liveWords = this.words();
    if (liveWords.length < 2) throw new VerboError('recall: the index needs at least 2 words', 'EMPTY');
    const random = new Random(options.seed ?? 1);
    const order = random.shuffle(Array.from(liveWords.keys())) as number[];
    const sampleWords = order
      .slice(0, Math.min(options.sample ?? 200, liveWords.length))
      .map((i) => liveWords[i]!);
    const exact = new ExactIndex(this.dim);
    const rows = this.ensureRows();
    const liveRows = new Float32Array(liveWords.length * this.dim);
    liveWords.forEach((word, i) => {
      const label = this.table.ids.get(word)!;
      liveRows.set(rows.subarray(label * this.dim, (label + 1) * this.dim), i * this.dim);
    });
    exact.add(liveWords, liveRows);
    const truth = exact.searchBatch(sampleWords, k).map((list) => new Set(list.map((n) => n.word)));
    const previousEf = this.efSearch;
    const results: RecallReport['results'] = [];
    try {
      for (const ef of efs) {
        this.ef = ef;
        const started = performance.now();
        const found = this.searchBatch(sampleWords, k);
        const seconds = (performance.now() - started) / 1000;
        let hits = 0;
        let expected = 0;
        found.forEach((list, q) => {
          expected += truth[q]!.size;
          for (const neighbor of list) if (truth[q]!.has(neighbor.word)) hits++;
        });
        results.push({
          ef,
          recall: expected === 0 ? 1 : hits / expected,
          queriesPerSecond: sampleWords.length / seconds,
        });
      }
    } finally {
      this.ef = previousEf;
    }
    const reached = results.find((result) => result.recall >= target);
    return { k, sample: sampleWords.length, target, results, suggestedEf: reached?.ef ?? null };
  }

  /** Writes the hnswlib graph to `path` and the sidecar to `path.json`, each atomically. */
  save(path: string): void {
    const temporary = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
    let indexSha256: string;
    try {
      this.graph.writeIndexSync(temporary);
      indexSha256 = sha256OfFile(temporary);
      renameSync(temporary, path);
    } catch (error) {
      rmSync(temporary, { force: true });
      if (error instanceof VerboError) throw error;
      throw new VerboError(`cannot write HNSW index ${path}: ${(error as Error).message}`, 'FILE_SYSTEM');
    }
    const sidecar: HnswSidecar = {
      format: 'verbo-hnsw',
      version: SIDECAR_VERSION,
      space: 'cosine',
      dim: this.dim,
      M: this.M,
      efConstruction: this.efConstruction,
      ef: this.efSearch,
      seed: this.seed,
      labels: this.table.words.map((word, label) => (this.deleted.has(label) ? null : word)),
      checksum: this.checksum(),
      indexBytes: statSync(path).size,
      indexSha256,
    };
    if (this.table.counts !== undefined) sidecar.counts = this.table.counts;
    writeFileAtomic(sidecarPath(path), JSON.stringify(sidecar));
  }

  /** Checksum of the live words and unit vectors in label order. */
  checksum(): string {
    this.knownChecksum ??= this.computeChecksum();
    return this.knownChecksum;
  }

  private computeChecksum(): string {
    const rows = this.ensureRows();
    if (this.deleted.size === 0) return vectorsChecksum(this.table.words, rows, this.dim);
    const liveWords = this.words();
    const live = new Float32Array(liveWords.length * this.dim);
    liveWords.forEach((word, i) => {
      const label = this.table.ids.get(word)!;
      live.set(rows.subarray(label * this.dim, (label + 1) * this.dim), i * this.dim);
    });
    return vectorsChecksum(liveWords, live, this.dim);
  }

  /**
   * Reads an index saved by save(). Given the model's `words` and `vectors`, checks them against the
   * sidecar's checksum and, when they differ, rebuilds the index from them (same parameters) and says so
   * through `onNotice`; the rebuilt index is not written (call save()).
   */
  static load(
    path: string,
    options: HnswOptions & {
      words?: readonly string[];
      vectors?: VectorsInput;
      counts?: ArrayLike<number>;
    } = {},
  ): HnswIndex {
    const sidecar = readSidecar(path);
    // the graph's own build parameters; ef, the search settings and the callbacks come from the caller
    const parameters: HnswOptions = {
      M: sidecar.M,
      efConstruction: sidecar.efConstruction,
      seed: sidecar.seed,
      ef: options.ef ?? sidecar.ef,
      compactThreshold: options.compactThreshold,
      onProgress: options.onProgress,
      onNotice: options.onNotice,
      engine: options.engine,
      builder: options.builder,
      traversal: options.traversal,
      threads: options.threads,
      walkers: options.walkers,
    };
    let given: Float32Array | undefined;
    if (options.words !== undefined && options.vectors !== undefined) {
      given = normalizeRows(options.words, options.vectors, sidecar.dim);
      // Both the vectors and the sidecar's words by label must be those the index was built from: a
      // sidecar whose labels were edited (or come from another index) would answer with wrong words.
      const why =
        vectorsChecksum(options.words, given, sidecar.dim) !== sidecar.checksum
          ? 'the vectors changed since this HNSW index was built (checksum differs)'
          : !sameWords(sidecar.labels, options.words)
            ? "the sidecar's words by label are not the vectors' (edited, or from another index)"
            : undefined;
      if (why !== undefined) {
        options.onNotice?.(
          `${path}: ${why}; rebuilding it ` +
            `(M ${parameters.M}, efConstruction ${parameters.efConstruction}, ${options.words.length} words)`,
        );
        const rebuilt = new HnswIndex(sidecar.dim, { ...parameters, capacity: options.words.length });
        rebuilt.add(
          options.words,
          options.vectors,
          options.counts === undefined ? {} : { counts: options.counts },
        );
        return rebuilt;
      }
    }
    if (!existsSync(path))
      throw new VerboError(`HNSW index file ${path} is missing; rebuild the index`, 'ENOENT');
    const bytes = statSync(path).size;
    if (bytes !== sidecar.indexBytes) {
      throw new FormatError(
        `${path} has ${bytes} bytes but its sidecar expects ${sidecar.indexBytes}; the index file does not belong to ${sidecarPath(path)}: rebuild the index`,
      );
    }
    if (sidecar.indexSha256 !== undefined && sha256OfFile(path) !== sidecar.indexSha256) {
      throw new FormatError(
        `${path} does not have the contents its sidecar recorded (sha256): its vectors or links were changed, or it belongs to another index; rebuild the index`,
      );
    }
    const index = new HnswIndex(sidecar.dim, {
      ...parameters,
      capacity: Math.max(16, sidecar.labels.length),
    });
    try {
      index.graph = new hnswlib.HierarchicalNSW('cosine', sidecar.dim);
      index.graph.readIndexSync(path);
    } catch (error) {
      throw new FormatError(
        `${path}: hnswlib cannot read this index (${(error as Error).message}); rebuild it`,
      );
    }
    if (index.graph.getNumDimensions() !== sidecar.dim) {
      throw new FormatError(
        `${path}: the graph has dimension ${index.graph.getNumDimensions()}, its sidecar says ${sidecar.dim}`,
      );
    }
    if (index.graph.getCurrentCount() !== sidecar.labels.length) {
      throw new FormatError(
        `${path}: the graph holds ${index.graph.getCurrentCount()} vectors but its sidecar names ${sidecar.labels.length}; rebuild the index`,
      );
    }
    index.capacity = index.graph.getMaxElements();
    index.graph.setEf(index.efSearch);
    const stat = statSync(path);
    index.loadedFrom = { path, bytes: stat.size, modified: stat.mtimeMs };
    const table = new WordTable();
    sidecar.labels.forEach((word, label) => {
      table.words.push(word ?? '');
      if (word === null) index.deleted.add(label);
      else table.ids.set(word, label);
    });
    if (sidecar.counts !== undefined) table.counts = sidecar.counts.slice();
    index.table = table;
    // hnswlib's stored copies may differ from our unit rows in the last bit: keep the built checksum
    index.knownChecksum = sidecar.checksum;
    if (given !== undefined && index.deleted.size === 0) {
      const rows = new Float32Array(Math.max(index.capacity, table.size) * sidecar.dim);
      rows.set(given);
      index.rows = rows;
    } else {
      index.rows = undefined; // read back from the graph when needed
    }
    return index;
  }
}

export function readSidecar(path: string): HnswSidecar {
  const file = sidecarPath(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new VerboError(`HNSW index sidecar ${file} is missing; build the index again`, 'ENOENT');
  }
  let sidecar: HnswSidecar;
  try {
    sidecar = JSON.parse(text);
  } catch {
    throw new FormatError(`${file} is not valid JSON (truncated or corrupt); build the index again`);
  }
  if (
    sidecar?.format !== 'verbo-hnsw' ||
    sidecar.version !== SIDECAR_VERSION ||
    !Array.isArray(sidecar.labels) ||
    typeof sidecar.checksum !== 'string' ||
    !Number.isInteger(sidecar.dim)
  ) {
    throw new FormatError(
      `${file} is not a verbo HNSW sidecar (format 'verbo-hnsw', version ${SIDECAR_VERSION})`,
    );
  }
  checkSidecarFields(sidecar, file);
  return sidecar;
}

/** Every field of a sidecar within its bounds, before any of them sizes an allocation or a search. */
function checkSidecarFields(sidecar: HnswSidecar, file: string): void {
  const fail = (what: string): never => {
    throw new FormatError(`${file}: ${what}; build the index again`);
  };
  for (const key of ['dim', 'M', 'efConstruction', 'ef'] as const) {
    const value = sidecar[key];
    if (!(Number.isInteger(value) && value >= 1 && value <= HNSW_LIMITS[key])) {
      fail(`"${key}" must be a whole number from 1 to ${HNSW_LIMITS[key]}, got ${JSON.stringify(value)}`);
    }
  }
  if (!Number.isSafeInteger(sidecar.seed)) fail('"seed" must be a whole number');
  if (!(Number.isSafeInteger(sidecar.indexBytes) && sidecar.indexBytes >= 0))
    fail('"indexBytes" is malformed');
  if (!/^[0-9a-f]{64}$/.test(sidecar.checksum)) fail('"checksum" is malformed');
  if (sidecar.indexSha256 !== undefined && !/^[0-9a-f]{64}$/.test(sidecar.indexSha256)) {
    fail('"indexSha256" is malformed');
  }
  const seen = new Set<string>();
  for (const [label, word] of sidecar.labels.entries()) {
    if (word === null) continue;
    if (typeof word !== 'string' || word === '') fail(`label ${label} must be a word or null`);
    if (seen.has(word)) fail(`'${shown(word)}' has two labels`);
    seen.add(word);
  }
  const counts = sidecar.counts;
  if (
    counts !== undefined &&
    (!Array.isArray(counts) ||
      counts.length !== sidecar.labels.length ||
      !counts.every((c) => typeof c === 'number' && c >= 0 && Number.isFinite(c)))
  ) {
    fail('"counts" must give a count ≥ 0 per label');
  }
}

/** Whether the live labels, in label order, are exactly `words`. */
function sameWords(labels: readonly (string | null)[], words: readonly string[]): boolean {
  let i = 0;
  for (const label of labels) {
    if (label === null) continue;
    if (label !== words[i++]) return false;
  }
  return i === words.length;
}

function checkBuilder(builder: HnswBuilder): HnswBuilder {
  if (builder !== 'native' && builder !== 'hnswlib') {
    throw new VerboError(
      `HnswIndex: builder must be 'native' or 'hnswlib', got '${String(builder)}'`,
      'BAD_ARGUMENT',
    );
  }
  if (builder === 'native' && nativeKernels() === null) {
    throw new VerboError(
      "HnswIndex: the native HNSW builder is not available (see `verbo --version`); use builder 'hnswlib'",
      'UNSUPPORTED',
    );
  }
  return builder;
}

function checkEngine(engine: HnswEngine): HnswEngine {
  if (engine !== 'native' && engine !== 'hnswlib') {
    throw new VerboError(
      `HnswIndex: engine must be 'native' or 'hnswlib', got '${String(engine)}'`,
      'BAD_ARGUMENT',
    );
  }
  if (engine === 'native' && nativeKernels() === null) {
    throw new VerboError(
      "HnswIndex: the native HNSW search is not available (see `verbo --version`); use engine 'hnswlib'",
      'UNSUPPORTED',
    );
  }
  return engine;
}

function positiveInteger(name: keyof typeof HNSW_LIMITS, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new VerboError(`HnswIndex: ${name} must be a positive integer, got ${value}`, 'BAD_ARGUMENT');
  }
  if (value > HNSW_LIMITS[name]) {
    throw new VerboError(
      `HnswIndex: ${name} ${value} is above the largest accepted, ${HNSW_LIMITS[name]}`,
      'TOO_LARGE',
    );
  }
  return value;
}
