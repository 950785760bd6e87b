// Host side of the WebAssembly HNSW search (hnsw.as.ts): lays a graph read from an hnswlib file
// (../hnswlib-format.ts) out in the kernel's own (shared) memory once, with int8 codes of the rows
// (of x − mean, a scale per row), and answers single queries with a few calls into the kernel (no per-query
// allocation inside it, no crossing into N-API). With two threads, a persistent worker (hnsw-worker.ts)
// runs a second instance of the kernel on the same memory: after a few expansions here the candidate
// queue is split between the two walkers, both walk at once, and the results are merged (see the
// kernel's header). The worker spins for a moment after each walk, so back-to-back queries do not wait
// for it to wake, then sleeps.
//
// Memory layout (bytes, each part 64-byte aligned): [0, 64K) left to AssemblyScript | control block (4K)
// | level-0 links | upper-level starts | upper-level links | int8 rows | float32 rows | deleted flags |
// visited marks | shared scratch (query, final heap, output) | this thread's walker | the worker's walker.
import { wasmModule } from '../../util/wasm.js';
import type { HnswGraph } from '../hnswlib-format.js';
import { DONE, HNSW_SLOTS, KernelWorker, REQUEST } from './kernel-worker.js';

const PAGE = 65536;
const CONTROL = 65536;
const BASE = CONTROL + 4096;
/** ef the scratch is first laid out for; a larger ef lays it out again. */
const INITIAL_EF_CAPACITY = 512;
/** Expansions made here before the candidates are split between the two walkers. */
const SEED_STEPS = 3;
/**
 * Each of two walkers keeps a result list of this fraction of ef (together 1.1 ef): measured on 100k word
 * vectors, two walkers then reach the recall of one at ef (0.982 at ef 100, bench/search.mjs).
 */
const WALKER_EF_SHARE = 0.55;
/** Below this ef (or this many nodes) one walker is quicker than two and their hand-over. */
const TWO_WALKERS_MIN_EF = 24;
const TWO_WALKERS_MIN_COUNT = 2000;
/** Longest wait for the worker's walk before it is retired and the query run here alone (ms). */
const WORKER_TIMEOUT_MS = 5000;

const { OP, CLAIM, PARAMS, CONFIGURE, WALK } = HNSW_SLOTS;

interface HnswExports {
  configure(...args: number[]): void;
  sharedBytes(count: number, dim: number, efCapacity: number): number;
  walkerBytes(count: number, maxM0: number, maxM: number, efCapacity: number): number;
  queryAddress(): number;
  outScoresAddress(): number;
  outIdsAddress(): number;
  search(k: number, ef: number, mode: number, rerank: number): number;
  begin(mode: number): void;
  walk(ef: number, mode: number, steps: number): number;
  split(): void;
  swapWalkers(): void;
  resetMarks(): void;
  rescore(k: number, rerank: number): void;
  finish(k: number, merge: number): number;
}

export type HnswTraversal = 'int8' | 'float32';

export interface WasmHnswOptions {
  /**
   * Scores used while walking the graph: 'int8' (quantised rows, a quarter of the memory traffic; the
   * best `rerank` results are rescored in float32; the default) or 'float32' (hnswlib's own arithmetic).
   */
  traversal?: HnswTraversal;
  /**
   * int8 traversal: how many of the best results by int8 score are rescored in float32 (by each walker;
   * default 2k: the int8 order of x − mean puts almost every true top k among its top 2k).
   */
  rerank?: number;
  /** Renumber the nodes breadth-first from the entry point, so that neighbours sit close in memory (default true). */
  reorder?: boolean;
  /** Threads a single query walks with: 1 (the default), or 2 (a worker thread walks half of the candidates). */
  threads?: number;
}

/**
 * The same graph with its nodes renumbered in breadth-first order over level 0 from the entry point
 * (nodes it cannot reach follow in their old order). Neighbours then mostly sit in nearby rows, so a
 * search touches fewer pages and cache lines.
 */
export function reorderBreadthFirst(graph: HnswGraph): HnswGraph {
  const { count, dim, maxM0, links0 } = graph;
  const stride = maxM0 + 1;
  const order = new Int32Array(count); // new id → old id
  const rank = new Int32Array(count).fill(-1); // old id → new id
  let placed = 0;
  let next = 0;
  const place = (node: number): void => {
    rank[node] = placed;
    order[placed++] = node;
  };
  if (count > 0) place(graph.entryPoint);
  for (let seed = 0; placed < count || next < placed; seed++) {
    while (next < placed) {
      const node = order[next++]!;
      const linkCount = links0[node * stride]!;
      for (let j = 1; j <= linkCount; j++) {
        const neighbor = links0[node * stride + j]!;
        if (rank[neighbor]! < 0) place(neighbor);
      }
    }
    while (seed < count && rank[seed]! >= 0) seed++;
    if (seed < count) place(seed);
  }
  const newLinks = new Int32Array(links0.length);
  const vectors = new Float32Array(graph.vectors.length);
  const labels = new Float64Array(count);
  const deleted = new Uint8Array(count);
  const levels = new Int32Array(count);
  const upperStart = new Int32Array(count);
  for (let node = 0; node < count; node++) {
    const old = order[node]!;
    const linkCount = links0[old * stride]!;
    newLinks[node * stride] = linkCount;
    for (let j = 1; j <= linkCount; j++) newLinks[node * stride + j] = rank[links0[old * stride + j]!]!;
    vectors.set(graph.vectors.subarray(old * dim, (old + 1) * dim), node * dim);
    labels[node] = graph.labels[old]!;
    deleted[node] = graph.deleted[old]!;
    levels[node] = graph.levels[old]!;
    upperStart[node] = graph.upperStart[old]!;
  }
  // upper lists keep their place in the pool; only the ids in them change
  const upperLinks = graph.upperLinks.slice();
  const listInts = graph.maxM + 1;
  for (let at = 0; at < upperLinks.length; at += listInts) {
    for (let j = 1; j <= upperLinks[at]!; j++) upperLinks[at + j] = rank[upperLinks[at + j]!]!;
  }
  return {
    ...graph,
    entryPoint: count > 0 ? rank[graph.entryPoint]! : 0,
    links0: newLinks,
    vectors,
    labels,
    deleted,
    levels,
    upperStart,
    upperLinks,
  };
}

const align = (value: number): number => Math.ceil(value / 64) * 64;

export class WasmHnswSearcher {
  readonly dim: number;
  readonly count: number;
  /** External label of each internal id. */
  readonly labels: Float64Array;
  readonly traversal: HnswTraversal;
  rerank: number | undefined;
  readonly threads: number;
  /**
   * Queries answered by two walkers, and of those, how many had the worker's share walked on this thread
   * (the worker had not taken it by the time this thread's own walk ended: it was off its core).
   */
  readonly stats = { twoWalkers: 0, walkedHere: 0 };
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: HnswExports;
  private readonly worker: KernelWorker;
  private readonly control: Int32Array;
  private readonly graph: Pick<HnswGraph, 'maxM0' | 'maxM' | 'entryPoint' | 'maxLevel'>;
  private readonly layout: {
    links: number;
    upperStart: number;
    upperLinks: number;
    rows8: number;
    stride8: number;
    rowsF: number;
    strideF: number;
    deleted: number;
    visited: number;
    scratch: number;
  };
  private efCapacity = 0;
  /** Nodes flagged deleted (in the graph's file or by markDeleted). */
  private deletedCount = 0;
  private bytes!: Uint8Array;
  private floats!: Float32Array;
  private ints!: Int32Array;
  /** The worker's configure() arguments for the current layout (its walker and partner swapped). */
  private workerLayout: number[] = [];
  /** Whether the worker has been given workerLayout since it last changed. */
  private workerLaidOut = false;
  /** Internal id of each label (−1: none), for marking deletions. */
  private readonly nodeOfLabel: Map<number, number> = new Map();

  constructor(source: HnswGraph, options: WasmHnswOptions = {}) {
    const graph = options.reorder === false ? source : reorderBreadthFirst(source);
    const { dim, count, maxM0 } = graph;
    this.dim = dim;
    this.count = count;
    this.labels = graph.labels;
    this.traversal = options.traversal ?? 'int8';
    this.rerank = options.rerank;
    this.threads = checkThreads(options.threads ?? 1);
    this.graph = graph;
    // an int8 row: dim codes padded to 16 bytes, then its float32 scale; rows start on a cache line when
    // that costs little (dim 100: 116 bytes in 128, two lines, not three)
    const width8 = Math.ceil(dim / 16) * 16;
    const stride8 = dim > 48 ? Math.ceil((width8 + 4) / 64) * 64 : Math.ceil((width8 + 4) / 16) * 16;
    const strideF = Math.ceil(dim / 4) * 16;
    const links = BASE;
    const upperStart = align(links + count * (maxM0 + 1) * 4);
    const upperLinks = align(upperStart + count * 4);
    const rows8 = align(upperLinks + graph.upperLinks.length * 4);
    const rowsF = align(rows8 + count * stride8);
    const deleted = align(rowsF + count * strideF);
    const visited = align(deleted + count);
    const scratch = align(visited + count);
    this.layout = {
      links,
      upperStart,
      upperLinks,
      rows8,
      stride8,
      rowsF,
      strideF,
      deleted,
      visited,
      scratch,
    };
    this.memory = new WebAssembly.Memory({
      initial: Math.ceil(scratch / PAGE) + 1,
      maximum: 65536,
      shared: true,
    });
    this.worker = new KernelWorker('search/kernels/hnsw-worker.js', 'hnsw', this.memory, CONTROL);
    this.control = this.worker.control;
    const instance = new WebAssembly.Instance(wasmModule('hnsw'), { env: { memory: this.memory } });
    this.kernel = instance.exports as unknown as HnswExports;
    this.configure(INITIAL_EF_CAPACITY);
    const { bytes, ints, floats } = this;
    ints.set(graph.links0, links >> 2);
    ints.set(graph.upperStart, upperStart >> 2);
    ints.set(graph.upperLinks, upperLinks >> 2);
    bytes.set(graph.deleted, deleted);
    for (let node = 0; node < count; node++) this.deletedCount += graph.deleted[node]!;
    ints[(this.layout.scratch >> 2) + 1] = this.deletedCount;
    for (let node = 0; node < count; node++) {
      floats.set(graph.vectors.subarray(node * dim, (node + 1) * dim), (rowsF + node * strideF) >> 2);
      this.nodeOfLabel.set(graph.labels[node]!, node);
    }
    // int8 rows: codes of x − mean (see the kernel), each row scaled by 127 / max_d |x_d − mean_d|, the
    // inverse kept after its codes
    const mean = new Float64Array(dim);
    const vectors = graph.vectors;
    for (let node = 0; node < count; node++) {
      for (let d = 0; d < dim; d++) mean[d]! += vectors[node * dim + d]!;
    }
    for (let d = 0; d < dim; d++) mean[d]! /= Math.max(1, count);
    const signed = new Int8Array(this.memory.buffer);
    for (let node = 0; node < count; node++) {
      const source = node * dim;
      const target = rows8 + node * stride8;
      let largest = 0;
      for (let d = 0; d < dim; d++) largest = Math.max(largest, Math.abs(vectors[source + d]! - mean[d]!));
      const a = largest > 0 ? 127 / largest : 0;
      for (let d = 0; d < dim; d++) signed[target + d] = Math.round((vectors[source + d]! - mean[d]!) * a);
      floats[(target + width8) >> 2] = largest / 127;
    }
  }

  /** Lays the scratch and the walkers out for ef up to `efCapacity` (growing memory when needed). */
  private configure(efCapacity: number): void {
    const { maxM0, maxM, entryPoint, maxLevel } = this.graph;
    const layout = this.layout;
    const shared = layout.scratch;
    const mine = align(shared + this.kernel.sharedBytes(this.count, this.dim, efCapacity));
    const walkerBytes = this.kernel.walkerBytes(this.count, maxM0, maxM, efCapacity);
    const theirs = align(mine + walkerBytes);
    const needed = theirs + walkerBytes;
    const have = this.memory.buffer.byteLength;
    if (needed > have) this.memory.grow(Math.ceil((needed - have) / PAGE));
    // a shared memory's buffer does not detach on growth, but views made before it do not see the new pages
    this.bytes = new Uint8Array(this.memory.buffer);
    this.floats = new Float32Array(this.memory.buffer);
    this.ints = new Int32Array(this.memory.buffer);
    const common = [
      this.count,
      this.dim,
      maxM0,
      maxM,
      layout.links,
      layout.upperStart,
      layout.upperLinks,
      layout.rows8,
      layout.stride8,
      layout.rowsF,
      layout.strideF,
      layout.deleted,
      layout.visited,
      shared,
    ];
    this.kernel.configure(...common, mine, theirs, efCapacity, entryPoint, maxLevel);
    this.kernel.resetMarks();
    this.workerLayout = [...common, theirs, mine, efCapacity, entryPoint, maxLevel];
    this.workerLaidOut = false;
    this.ints[(shared >> 2) + 1] = this.deletedCount;
    this.efCapacity = efCapacity;
  }

  /** Marks a label deleted (kept in the graph for routing, never returned); false when it is unknown. */
  markDeleted(label: number, isDeleted = true): boolean {
    const node = this.nodeOfLabel.get(label);
    if (node === undefined) return false;
    const flag = this.layout.deleted + node;
    if (this.bytes[flag] !== (isDeleted ? 1 : 0)) {
      this.bytes[flag] = isDeleted ? 1 : 0;
      this.deletedCount += isDeleted ? 1 : -1;
      // the kernel reads the count beside its query number (0: walks skip the flags)
      this.ints[(this.layout.scratch >> 2) + 1] = this.deletedCount;
    }
    return true;
  }

  /**
   * The k nearest (by inner product with the normalised query) of `query` (dim values), searching with a
   * beam of max(ef, k) as hnswlib does; the int8 traversal keeps at least 2k, so that near ties its
   * rounding misorders are still among the results re-ranked in float32 (at ef ≈ k it would otherwise
   * lose recall against hnswlib on dense clusters). With two walkers each keeps ⌈0.55 ef⌉ (at least as
   * many as one walker's minimum). Labels and similarities, best first; fewer than k when the graph holds
   * fewer.
   */
  search(query: ArrayLike<number>, k: number, ef: number): { labels: number[]; similarities: number[] } {
    const least = this.traversal === 'int8' ? 2 * k : k;
    const beam = Math.max(ef, least);
    if (beam > this.efCapacity) this.configure(Math.max(beam, this.efCapacity * 2));
    this.placeQuery(query);
    const mode = this.traversal === 'int8' ? 1 : 0;
    const rerank = mode === 1 ? (this.rerank ?? 2 * k) : 0;
    let found = -1;
    if (this.useWorker(beam)) {
      found = this.searchTwoWalkers(k, Math.max(Math.ceil(ef * WALKER_EF_SHARE), least), mode, rerank);
      if (found < 0) this.placeQuery(query); // the worker did not answer: again on one thread
    }
    if (found < 0) found = this.kernel.search(k, beam, mode, rerank);
    const floats = this.floats;
    const scores = this.kernel.outScoresAddress() >> 2;
    const ids = this.kernel.outIdsAddress() >> 2;
    const labels = new Array<number>(found);
    const similarities = new Array<number>(found);
    for (let i = 0; i < found; i++) {
      labels[i] = this.labels[this.ints[ids + i]!]!;
      similarities[i] = floats[scores + i]!;
    }
    return { labels, similarities };
  }

  /** Copies the query (dim values) to where the kernel reads it. */
  private placeQuery(query: ArrayLike<number>): void {
    const at = this.kernel.queryAddress() >> 2;
    if (query instanceof Float32Array && query.length === this.dim) this.floats.set(query, at);
    else for (let d = 0; d < this.dim; d++) this.floats[at + d] = query[d]!;
  }

  /** One query on two walkers (see the kernel); −1 when the worker did not answer (retired: search again). */
  private searchTwoWalkers(k: number, ef: number, mode: number, rerank: number): number {
    const kernel = this.kernel;
    if (!this.workerLaidOut) {
      if (!this.awaitWorker(this.post(CONFIGURE, this.workerLayout))) return -1;
      this.workerLaidOut = true;
    }
    kernel.begin(mode);
    kernel.walk(ef, mode, SEED_STEPS);
    kernel.split();
    const request = this.post(WALK, [ef, mode, k, rerank]);
    kernel.walk(ef, mode, -1);
    if (mode !== 0) kernel.rescore(k, rerank);
    // A running worker takes a request within a microsecond or two; one still untaken after this walk
    // lost its core to another thread (for a whole time slice, milliseconds): walk its share here.
    if (Atomics.compareExchange(this.control, CLAIM, request, 0) === request) {
      this.stats.walkedHere++;
      kernel.swapWalkers();
      kernel.walk(ef, mode, -1);
      if (mode !== 0) kernel.rescore(k, rerank);
      kernel.swapWalkers();
    } else if (!this.awaitWorker(request)) {
      return -1;
    }
    this.stats.twoWalkers++;
    return kernel.finish(k, 1);
  }

  /**
   * Waits for the worker to finish `request`, spinning (a walk takes tens of microseconds, less than it
   * takes a sleeping thread to wake); false, and the worker retired, when it did not in time.
   */
  private awaitWorker(request: number): boolean {
    const control = this.control;
    if (Atomics.load(control, DONE) === request) return true;
    const started = performance.now();
    let spins = 0;
    while (Atomics.load(control, DONE) !== request) {
      if (++spins % 1024 === 0 && performance.now() - started > WORKER_TIMEOUT_MS) {
        this.worker.stop();
        return false;
      }
    }
    return true;
  }

  /** Whether this query should use two walkers; starts the worker (lazily) the first time. */
  private useWorker(beam: number): boolean {
    if (this.threads < 2) return false;
    if (beam < TWO_WALKERS_MIN_EF || this.count < TWO_WALKERS_MIN_COUNT) return false;
    return this.worker.available();
  }

  private post(op: number, params: readonly number[]): number {
    const control = this.control;
    for (let i = 0; i < params.length; i++) control[PARAMS + i] = params[i]!;
    control[OP] = op;
    control[CLAIM] = Atomics.load(control, REQUEST) + 1; // the number post() is about to give the request
    return this.worker.post();
  }

  /**
   * Starts the worker now (instead of at the first query) and resolves once it is ready; resolves false
   * when this searcher walks on one thread (threads 1, worker script not built, or worker failed).
   */
  async warmUp(timeoutMs = 10_000): Promise<boolean> {
    return this.threads >= 2 && this.worker.warmUp(timeoutMs);
  }

  /** Whether queries may currently use two walkers (a ready worker). */
  get parallelReady(): boolean {
    return this.threads >= 2 && this.worker.ready;
  }

  /** Stops the worker thread (it is unref'd, so this is only needed to free it early). */
  close(): void {
    this.worker.stop();
  }
}

function checkThreads(threads: number): number {
  if (threads !== 1 && threads !== 2) {
    throw new RangeError(`WasmHnswSearcher: threads must be 1 or 2, got ${threads}`);
  }
  return threads;
}
