// Our HNSW search over a graph hnswlib built: the graph read from hnswlib's file (../hnswlib-format.ts)
// is laid out once — nodes renumbered (upper levels first, each breadth-first) so a walk's reads sit
// close in memory, int8 codes of the rows — and searched by the native kernel (native/hnsw.cc; see its
// header for the walk), one query or a batch per call, with no crossing into hnswlib-node and no array
// building per query.
// `hnswSearchReference` is the same walk in plain TypeScript, the kernel's test oracle.
//
// int8 codes: word vectors share a large common part (in the benchmark's set, unit vectors whose mean
// has norm 0.9), so the codes are of x − mean: q·x = q·mean + q·(x − mean), the first term is the same
// for every node of a query, and the 8 bits go to what tells rows apart. Each row has its own scale
// a_x = max_d |x_d − mean_d| / 127 (kept after its codes), the query is rounded to int16 with one scale,
// and a node's walk score is a_x · Σ_d q16_d · x8_d: it orders nodes as q·(x − mean) does up to rounding
// (of the true 10 nearest among a query's 100 nearest, 0.93 are the int8 top 10 and all but 1 in 2,000
// the int8 top 20). The best `rerank` (default 2k) results of an int8 walk are rescored in float32.
//
// Deterministic by default: a batch is split between threads by query (each thread its own visited
// set), so answers are those of one thread. `walkers: 2` is the opt-in for the throughput of single
// queries: two threads walk one query at once, and which reaches a node first varies from run to run.
import type { NativeHnswGraph, NativeHnswHandle } from '../../native/embedding-kernels.js';
import { type NativeKernels, nativeKernels, threadCount } from '../../native/index.js';
import { VerboError } from '../../util/errors.js';
import type { HnswGraph } from '../hnswlib-format.js';

export type HnswTraversal = 'int8' | 'float32';

export interface HnswSearcherOptions {
  /** Walk scores: 'int8' (a quarter of the memory traffic; the default) or 'float32' (hnswlib's arithmetic). */
  traversal?: HnswTraversal;
  /** int8: how many of the best results (by int8 score) are rescored in float32 (default 2k). */
  rerank?: number;
  /** Renumber the nodes for the walk (reorderForSearch; default true). */
  reorder?: boolean;
  /** Threads a batch of queries is split between (default: VERBO_THREADS or the core count). */
  threads?: number;
  /**
   * Walkers per single query: 1 (default: answers repeat exactly) or 2 (two threads walk each query: more
   * queries per second on two idle cores, fewer on a busy machine; answers may differ slightly from run to run).
   */
  walkers?: number;
  /** The native kernel table (default: the addon's table for this CPU). */
  kernels?: NativeKernels;
}

/** Below this beam (or this many nodes) one walker is quicker than two and their hand-over. */
const TWO_WALKERS_MIN_EF = 24;
const TWO_WALKERS_MIN_COUNT = 2000;

/**
 * The same graph with its nodes renumbered for the walk: the nodes of the upper levels first, the highest
 * level first, then the nodes of level 0 only; within each level in breadth-first order over level 0 from
 * the entry point (nodes it cannot reach follow in their old order). Every query's descent reads only the
 * upper nodes — with their ids first, their `upperStart` entries, lists and rows are a few hundred KB
 * that stay in the caches from one query to the next — and breadth-first order puts neighbours in nearby
 * rows. The upper lists are rewritten in the new order too.
 */
export function reorderForSearch(graph: HnswGraph): HnswGraph {
  const { count, dim, maxM0, links0 } = graph;
  const stride = maxM0 + 1;
  const visit = new Int32Array(count); // breadth-first position → old id
  const seen = new Uint8Array(count);
  let placed = 0;
  let next = 0;
  const place = (node: number): void => {
    seen[node] = 1;
    visit[placed++] = node;
  };
  if (count > 0) place(graph.entryPoint);
  for (let seed = 0; placed < count || next < placed; seed++) {
    while (next < placed) {
      const node = visit[next++]!;
      const linkCount = links0[node * stride]!;
      for (let j = 1; j <= linkCount; j++) {
        const neighbor = links0[node * stride + j]!;
        if (seen[neighbor] === 0) place(neighbor);
      }
    }
    while (seed < count && seen[seed] === 1) seed++;
    if (seed < count) place(seed);
  }
  // a stable counting sort of the breadth-first order by level, highest first
  const perLevel = new Int32Array(graph.maxLevel + 2);
  for (let node = 0; node < count; node++) perLevel[graph.maxLevel - graph.levels[node]! + 1]!++;
  for (let level = 1; level < perLevel.length; level++) perLevel[level]! += perLevel[level - 1]!;
  const order = new Int32Array(count); // new id → old id
  const rank = new Int32Array(count); // old id → new id
  for (const node of visit) {
    const at = perLevel[graph.maxLevel - graph.levels[node]!]!++;
    order[at] = node;
    rank[node] = at;
  }
  const newLinks = new Int32Array(links0.length);
  const vectors = new Float32Array(graph.vectors.length);
  const labels = new Float64Array(count);
  const deleted = new Uint8Array(count);
  const levels = new Int32Array(count);
  const upperStart = new Int32Array(count).fill(-1);
  const upperLinks = new Int32Array(graph.upperLinks.length);
  const listInts = graph.maxM + 1;
  let upperAt = 0;
  for (let node = 0; node < count; node++) {
    const old = order[node]!;
    const linkCount = links0[old * stride]!;
    newLinks[node * stride] = linkCount;
    for (let j = 1; j <= linkCount; j++) newLinks[node * stride + j] = rank[links0[old * stride + j]!]!;
    vectors.set(graph.vectors.subarray(old * dim, (old + 1) * dim), node * dim);
    labels[node] = graph.labels[old]!;
    deleted[node] = graph.deleted[old]!;
    levels[node] = graph.levels[old]!;
    const from = graph.upperStart[old]!;
    if (from >= 0) {
      // this node's lists for levels 1…levels[node], in the new order of the nodes
      upperStart[node] = upperAt;
      for (let level = 1; level <= levels[node]!; level++, upperAt += listInts) {
        const list = from + (level - 1) * listInts;
        const linkCount = graph.upperLinks[list]!;
        upperLinks[upperAt] = linkCount;
        for (let j = 1; j <= linkCount; j++) upperLinks[upperAt + j] = rank[graph.upperLinks[list + j]!]!;
      }
    }
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

/** The graph as the kernel reads it (NativeHnswGraph), with each node's label. */
export interface HnswLayout extends NativeHnswGraph {
  labels: Float64Array;
}

/** Lays a graph out for the kernel: int8 codes of x − mean with a float32 scale after each row's codes. */
export function layOutGraph(graph: HnswGraph): HnswLayout {
  const { count, dim } = graph;
  const width8 = Math.ceil(dim / 16) * 16;
  // a row starts on a cache line when that costs little (dim 100: 116 bytes in 128, two lines, not three)
  const stride8 = dim > 48 ? Math.ceil((width8 + 4) / 64) * 64 : Math.ceil((width8 + 4) / 16) * 16;
  const rows8 = new Int8Array(count * stride8);
  const scales = new Float32Array(rows8.buffer);
  const mean = new Float64Array(dim);
  const vectors = graph.vectors;
  for (let node = 0; node < count; node++) for (let d = 0; d < dim; d++) mean[d]! += vectors[node * dim + d]!;
  for (let d = 0; d < dim; d++) mean[d]! /= Math.max(1, count);
  for (let node = 0; node < count; node++) {
    const source = node * dim;
    const target = node * stride8;
    let largest = 0;
    for (let d = 0; d < dim; d++) largest = Math.max(largest, Math.abs(vectors[source + d]! - mean[d]!));
    const a = largest > 0 ? 127 / largest : 0;
    for (let d = 0; d < dim; d++) rows8[target + d] = Math.round((vectors[source + d]! - mean[d]!) * a);
    scales[(target + width8) >> 2] = largest / 127;
  }
  return {
    count,
    dim,
    maxM0: graph.maxM0,
    maxM: graph.maxM,
    entryPoint: graph.entryPoint,
    maxLevel: graph.maxLevel,
    links0: graph.links0,
    upperStart: graph.upperStart,
    upperLinks: graph.upperLinks,
    rows8,
    stride8,
    width8,
    rowsF: graph.vectors,
    deleted: graph.deleted.slice(),
    labels: graph.labels,
  };
}

/** One search's answers: per query up to k labels (or node ids for the reference) and float32 cosines. */
export interface HnswAnswer {
  labels: number[];
  similarities: number[];
}

export class HnswSearcher {
  readonly dim: number;
  readonly count: number;
  readonly traversal: HnswTraversal;
  rerank: number | undefined;
  readonly threads: number;
  readonly walkers: number;
  readonly layout: HnswLayout;
  private readonly kernels: NativeKernels;
  private readonly handle: NativeHnswHandle;
  private readonly nodeOfLabel = new Map<number, number>();
  private deletedCount = 0;
  private ids = new Int32Array(0);
  private scores = new Float32Array(0);
  private found = new Int32Array(0);
  private starts = new Int32Array(0);

  constructor(source: HnswGraph, options: HnswSearcherOptions = {}) {
    const kernels = options.kernels ?? nativeKernels();
    if (kernels === null) {
      throw new VerboError(
        "the native HNSW search is not available (see `verbo --version`); use engine 'hnswlib'",
        'UNSUPPORTED',
      );
    }
    this.kernels = kernels;
    const graph = options.reorder === false ? source : reorderForSearch(source);
    this.layout = layOutGraph(graph);
    this.dim = graph.dim;
    this.count = graph.count;
    this.traversal = options.traversal ?? 'int8';
    this.rerank = options.rerank;
    this.threads = Math.max(1, options.threads ?? threadCount());
    this.walkers = options.walkers ?? 1;
    if (this.walkers !== 1 && this.walkers !== 2) {
      throw new VerboError(
        `HNSW search: walkers must be 1 or 2, got ${String(options.walkers)}`,
        'BAD_ARGUMENT',
      );
    }
    for (let node = 0; node < this.count; node++) {
      this.nodeOfLabel.set(this.layout.labels[node]!, node);
      this.deletedCount += this.layout.deleted[node]!;
    }
    this.handle = kernels.hnswGraph(this.layout);
  }

  /** Marks a label deleted (kept for routing, never returned); false when it is unknown. */
  markDeleted(label: number, isDeleted = true): boolean {
    const node = this.nodeOfLabel.get(label);
    if (node === undefined) return false;
    const flag = isDeleted ? 1 : 0;
    if (this.layout.deleted[node] !== flag) {
      this.layout.deleted[node] = flag;
      this.deletedCount += isDeleted ? 1 : -1;
    }
    return true;
  }

  /**
   * The k nearest of one query (dim values; normalised here), best first. `startLabel`: the label of a node
   * to start the level-0 search at instead of descending from the entry point — the query's own word when
   * it is one of the graph (the best start there is: no descent, fewer nodes scored on the way); −1 or an
   * unknown label: descend.
   */
  search(query: ArrayLike<number>, k: number, ef: number, startLabel = -1): HnswAnswer {
    const walkers =
      this.walkers === 2 && ef >= TWO_WALKERS_MIN_EF && this.count >= TWO_WALKERS_MIN_COUNT ? 2 : 1;
    const values =
      query instanceof Float32Array && query.length === this.dim ? query : Float32Array.from(query);
    return this.run(values, 1, k, ef, walkers, [startLabel])[0]!;
  }

  /** search() for `count` queries ([count, dim]), split between the threads (one walker each). */
  searchBatch(
    queries: Float32Array,
    count: number,
    k: number,
    ef: number,
    startLabels?: ArrayLike<number>,
  ): HnswAnswer[] {
    return this.run(queries, count, k, ef, 1, startLabels);
  }

  private run(
    queries: Float32Array,
    count: number,
    k: number,
    ef: number,
    walkers: number,
    startLabels: ArrayLike<number> | undefined,
  ): HnswAnswer[] {
    // the kernel's output arrays are kept between calls (a single query then allocates no typed array)
    if (this.ids.length < count * k) {
      this.ids = new Int32Array(count * k);
      this.scores = new Float32Array(count * k);
    }
    if (this.found.length < count) {
      this.found = new Int32Array(count);
      this.starts = new Int32Array(count);
    }
    const { ids, scores, found, starts } = this;
    let anyStart = false;
    for (let q = 0; q < count && startLabels !== undefined; q++) {
      starts[q] = this.nodeOfLabel.get(startLabels[q]!) ?? -1;
      anyStart ||= starts[q]! >= 0;
    }
    const int8 = this.traversal === 'int8';
    const rerank = int8 ? (this.rerank ?? 2 * k) : 0;
    this.kernels.hnswSearch(
      this.handle,
      queries,
      count,
      k,
      ef,
      rerank,
      int8,
      this.deletedCount,
      ids,
      scores,
      found,
      this.threads,
      walkers,
      anyStart ? starts : null,
    );
    const answers: HnswAnswer[] = [];
    for (let q = 0; q < count; q++) {
      const labels: number[] = [];
      const similarities: number[] = [];
      for (let i = q * k; i < q * k + found[q]!; i++) {
        labels.push(this.layout.labels[ids[i]!]!);
        similarities.push(scores[i]!);
      }
      answers.push({ labels, similarities });
    }
    return answers;
  }
}

/**
 * The kernel's walk in plain TypeScript (one walker; the oracle of native/hnsw.cc): node ids of the
 * layout and their float32 cosines, best first. Integer sums and float32 rounding as the kernel's, so an
 * int8 walk visits the same nodes; float32 scores agree to rounding. `start`: a node id of the layout to
 * begin level 0 at, without the descent.
 */
export function hnswSearchReference(
  layout: HnswLayout,
  query: ArrayLike<number>,
  k: number,
  ef: number,
  options: { traversal?: HnswTraversal; rerank?: number; start?: number } = {},
): { ids: number[]; similarities: number[] } {
  const { count, dim, width8, stride8, links0, maxM0, maxM, upperLinks, upperStart, deleted } = layout;
  if (count === 0) return { ids: [], similarities: [] };
  const int8 = (options.traversal ?? 'int8') === 'int8';
  const beam = Math.max(ef, int8 ? 2 * k : k);
  let sum = 0;
  for (let d = 0; d < dim; d++) sum = Math.fround(sum + Math.fround(query[d]! * query[d]!));
  const norm = Math.fround(Math.sqrt(sum));
  const unit = Float32Array.from({ length: dim }, (_, d) => (norm > 0 ? query[d]! / norm : query[d]!));
  let largest = 0;
  for (let d = 0; d < dim; d++) largest = Math.max(largest, Math.abs(unit[d]!));
  const scale = largest > 0 ? Math.fround(32767 / largest) : 0;
  const q16 = new Int16Array(width8);
  for (let d = 0; d < dim; d++) q16[d] = roundHalfEven(Math.fround(unit[d]! * scale));
  const scales = new Float32Array(layout.rows8.buffer, layout.rows8.byteOffset);
  const scoreFloat = (node: number): number => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += layout.rowsF[node * dim + d]! * unit[d]!;
    return Math.fround(s);
  };
  const score = (node: number): number => {
    if (!int8) return scoreFloat(node);
    let total = 0;
    for (let d = 0; d < width8; d++) total += layout.rows8[node * stride8 + d]! * q16[d]!;
    return Math.fround(Math.fround(total) * scales[(node * stride8 + width8) >> 2]!);
  };
  // descent through the upper levels: each list scored at once, then a move to its best node (none
  // from a given start node)
  const start = options.start ?? -1;
  let current = start >= 0 ? start : layout.entryPoint;
  let currentScore = score(current);
  for (let level = start >= 0 ? 0 : layout.maxLevel; level > 0; level--) {
    for (let changed = true; changed; ) {
      changed = false;
      const start = upperStart[current]!;
      const at = start + (level - 1) * (maxM + 1);
      if (start < 0 || at + maxM + 1 > upperLinks.length) break;
      let next = current;
      for (let j = 1; j <= (upperLinks[at]! & 0xffff); j++) {
        const s = score(upperLinks[at + j]!);
        if (s > currentScore) {
          currentScore = s;
          next = upperLinks[at + j]!;
          changed = true;
        }
      }
      current = next;
    }
  }
  // the beam search on level 0 (results: worst first at the root; candidates: best first)
  const visited = new Uint8Array(count);
  const results = new ReferenceHeap();
  const candidates = new ReferenceHeap();
  visited[current] = 1;
  if (deleted[current] === 0) {
    results.push(currentScore, current);
    candidates.push(-currentScore, current);
  } else candidates.push(Number.POSITIVE_INFINITY, current);
  let lower = results.size > 0 ? results.rootScore : Number.NEGATIVE_INFINITY;
  while (candidates.size > 0) {
    if (-candidates.rootScore < lower && results.size >= beam) break;
    const node = candidates.rootId;
    candidates.pop();
    const at = node * (maxM0 + 1);
    for (let j = 1; j <= (links0[at]! & 0xffff); j++) {
      const neighbor = links0[at + j]!;
      if (visited[neighbor] === 1) continue;
      visited[neighbor] = 1;
      const s = score(neighbor);
      if (results.size < beam || s > lower) {
        candidates.push(-s, neighbor);
        if (deleted[neighbor] === 0) {
          if (results.size < beam) results.push(s, neighbor);
          else results.replaceRoot(s, neighbor);
        }
        if (results.size > 0) lower = results.rootScore;
      }
    }
  }
  let kept = results.entries();
  if (int8) {
    kept.sort((a, b) => b.score - a.score);
    kept = kept
      .slice(0, Math.max(options.rerank ?? 2 * k, k))
      .map(({ id }) => ({ id, score: scoreFloat(id) }));
  }
  kept.sort((a, b) => b.score - a.score || a.id - b.id);
  kept = kept.slice(0, k);
  return { ids: kept.map((entry) => entry.id), similarities: kept.map((entry) => entry.score) };
}

/** Rounds half to even, as the kernel's nearbyint does. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The kernel's heap (min-heap on score), for the reference walk. */
class ReferenceHeap {
  private readonly scores: number[] = [];
  private readonly ids: number[] = [];

  get size(): number {
    return this.scores.length;
  }

  get rootScore(): number {
    return this.scores[0]!;
  }

  get rootId(): number {
    return this.ids[0]!;
  }

  entries(): { id: number; score: number }[] {
    return this.ids.map((id, i) => ({ id, score: this.scores[i]! }));
  }

  push(score: number, id: number): void {
    let pos = this.scores.length;
    this.scores.push(score);
    this.ids.push(id);
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!(score < this.scores[parent]!)) break;
      this.scores[pos] = this.scores[parent]!;
      this.ids[pos] = this.ids[parent]!;
      pos = parent;
    }
    this.scores[pos] = score;
    this.ids[pos] = id;
  }

  replaceRoot(score: number, id: number): void {
    this.siftDown(0, score, id);
  }

  pop(): void {
    const score = this.scores.pop()!;
    const id = this.ids.pop()!;
    if (this.scores.length > 0) this.siftDown(0, score, id);
  }

  private siftDown(start: number, score: number, id: number): void {
    const n = this.scores.length;
    let pos = start;
    for (;;) {
      const left = 2 * pos + 1;
      if (left >= n) break;
      let child = left;
      if (left + 1 < n && this.scores[left + 1]! < this.scores[left]!) child = left + 1;
      if (!(this.scores[child]! < score)) break;
      this.scores[pos] = this.scores[child]!;
      this.ids[pos] = this.ids[child]!;
      pos = child;
    }
    this.scores[pos] = score;
    this.ids[pos] = id;
  }
}
