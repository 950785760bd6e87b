// Host side of the WebAssembly HNSW search (hnsw.as.ts): lays a graph read from an hnswlib file
// (../hnswlib-format.ts) out in the kernel's own memory once, with an int8 copy of the rows quantised
// per dimension, and answers single queries with one call into the kernel (no per-query allocation
// inside it, no crossing into N-API).
//
// Memory layout (bytes, each part 64-byte aligned): [0, 64K) left to AssemblyScript | level-0 links |
// upper-level starts | upper-level links | int8 rows | float32 rows | deleted flags | visited marks |
// scratch (query, heaps, results; laid out by the kernel's configure()).
import { wasmModule } from '../../util/wasm.js';
import type { HnswGraph } from '../hnswlib-format.js';

const PAGE = 65536;
const BASE = 65536;
/** ef the scratch is first laid out for; a larger ef lays it out again. */
const INITIAL_EF_CAPACITY = 512;

interface HnswExports {
  configure(...args: number[]): void;
  scratchBytes(count: number, dim: number, maxM0: number, maxM: number, efCapacity: number): number;
  queryAddress(): number;
  dimScaleAddress(): number;
  outScoresAddress(): number;
  outIdsAddress(): number;
  search(k: number, ef: number, mode: number, rerank: number): number;
}

export type HnswTraversal = 'int8' | 'float32';

export interface WasmHnswOptions {
  /**
   * Scores used while walking the graph: 'int8' (quantised rows, a quarter of the memory traffic; the
   * best `rerank` results are rescored in float32; the default) or 'float32' (hnswlib's own arithmetic).
   */
  traversal?: HnswTraversal;
  /** int8 traversal: how many of the ef results are rescored in float32 (default: all of them). */
  rerank?: number;
  /** Renumber the nodes breadth-first from the entry point, so that neighbours sit close in memory (default true). */
  reorder?: boolean;
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
  traversal: HnswTraversal;
  rerank: number | undefined;
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: HnswExports;
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
  private bytes!: Uint8Array;
  private floats!: Float32Array;
  private ints!: Int32Array;
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
    this.graph = graph;
    // int8 rows start on a cache line when that costs little (dim 100: 128 bytes, two lines, not three)
    const stride8 = dim > 48 ? Math.ceil(dim / 64) * 64 : Math.ceil(dim / 16) * 16;
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
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(scratch / PAGE) + 1, maximum: 65536 });
    const instance = new WebAssembly.Instance(wasmModule('hnsw'), { env: { memory: this.memory } });
    this.kernel = instance.exports as unknown as HnswExports;
    this.configure(INITIAL_EF_CAPACITY);
    const { bytes, ints, floats } = this;
    ints.set(graph.links0, links >> 2);
    ints.set(graph.upperStart, upperStart >> 2);
    ints.set(graph.upperLinks, upperLinks >> 2);
    bytes.set(graph.deleted, deleted);
    for (let node = 0; node < count; node++) {
      floats.set(graph.vectors.subarray(node * dim, (node + 1) * dim), (rowsF + node * strideF) >> 2);
      this.nodeOfLabel.set(graph.labels[node]!, node);
    }
    // int8 rows: dimension d scaled by 127 / max |x_d| over all rows
    const largest = new Float32Array(dim);
    const vectors = graph.vectors;
    for (let i = 0; i < count * dim; i += dim) {
      for (let d = 0; d < dim; d++) {
        const value = Math.abs(vectors[i + d]!);
        if (value > largest[d]!) largest[d] = value;
      }
    }
    const signed = new Int8Array(this.memory.buffer);
    for (let node = 0; node < count; node++) {
      const source = node * dim;
      const target = rows8 + node * stride8;
      for (let d = 0; d < dim; d++) {
        const a = largest[d]! > 0 ? 127 / largest[d]! : 0;
        signed[target + d] = Math.max(-127, Math.min(127, Math.round(vectors[source + d]! * a)));
      }
    }
    const dimScale = this.kernel.dimScaleAddress() >> 2;
    for (let d = 0; d < dim; d++) this.floats[dimScale + d] = largest[d]! / 127;
  }

  /** Lays the scratch out for ef up to `efCapacity` (growing memory when needed). */
  private configure(efCapacity: number): void {
    const { maxM0, maxM, entryPoint, maxLevel } = this.graph;
    const layout = this.layout;
    const scratchBytes = this.kernel.scratchBytes(this.count, this.dim, maxM0, maxM, efCapacity);
    const needed = layout.scratch + scratchBytes;
    const have = this.memory.buffer.byteLength;
    if (needed > have) this.memory.grow(Math.ceil((needed - have) / PAGE));
    this.bytes = new Uint8Array(this.memory.buffer);
    this.floats = new Float32Array(this.memory.buffer);
    this.ints = new Int32Array(this.memory.buffer);
    // keep the per-dimension scales across a re-layout
    const scales =
      this.efCapacity > 0
        ? this.floats.slice(
            this.kernel.dimScaleAddress() >> 2,
            (this.kernel.dimScaleAddress() >> 2) + this.dim,
          )
        : undefined;
    this.kernel.configure(
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
      layout.scratch,
      efCapacity,
      entryPoint,
      maxLevel,
    );
    if (scales !== undefined) this.floats.set(scales, this.kernel.dimScaleAddress() >> 2);
    this.efCapacity = efCapacity;
  }

  /** Marks a label deleted (kept in the graph for routing, never returned); false when it is unknown. */
  markDeleted(label: number, isDeleted = true): boolean {
    const node = this.nodeOfLabel.get(label);
    if (node === undefined) return false;
    this.bytes[this.layout.deleted + node] = isDeleted ? 1 : 0;
    return true;
  }

  /**
   * The k nearest (by inner product with the normalised query) of `query` (dim values), searching with a
   * beam of max(ef, k) as hnswlib does; the int8 traversal keeps at least 2k, so that near ties its
   * rounding misorders are still among the results re-ranked in float32 (at ef ≈ k it would otherwise
   * lose recall against hnswlib on dense clusters). Labels and similarities, best first; fewer than k
   * when the graph holds fewer.
   */
  search(query: ArrayLike<number>, k: number, ef: number): { labels: number[]; similarities: number[] } {
    const dim = this.dim;
    const beam = Math.max(ef, this.traversal === 'int8' ? 2 * k : k);
    if (beam > this.efCapacity) this.configure(Math.max(beam, this.efCapacity * 2));
    const at = this.kernel.queryAddress() >> 2;
    const floats = this.floats;
    for (let d = 0; d < dim; d++) floats[at + d] = query[d]!;
    const int8 = this.traversal === 'int8';
    const found = this.kernel.search(k, beam, int8 ? 1 : 0, int8 ? (this.rerank ?? beam) : 0);
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
}
