// Our own HNSW builder: the graph hnswlib's addPoint would grow over unit rows (cosine space), built by
// the native kernel (native/hnsw_build.cc; its header explains a batch) on several threads, and the same
// graph — bit for bit — whatever the thread count, for one seed and one kernel table. The result is an
// HnswGraph (../hnswlib-format.ts) that writeHnswlibIndex turns into hnswlib's file, so hnswlib-node
// loads it and keeps serving filtered queries, later single adds and deletions.
//
// Levels: node i's top level is floor(−ln(u_i) · mL), mL = 1 / ln(M) (hnswlib's distribution), with
// u_i = 1 − r_i and r_0, r_1, … the draws of verbo's Random(seed) in node order (capped at 255); they are
// not hnswlib's own draws (its std::default_random_engine), only the same law.
//
// Batches: the first SEQUENTIAL_NODES nodes one at a time (the graph is too small to share), then batches
// of BATCH_FRACTION of the nodes already in (at most MAX_BATCH): a batch's nodes search the graph as it
// stood at its start, so a batch that is a small part of the graph loses little (and its nodes may link
// each other, batchMates).
//
// Oracle: no second implementation. A builder has no single right answer (hnswlib's own graph differs
// with its level draws and insertion order), so the test oracle is behavioural: recall against exact
// search at least that of hnswlib-node's own build on the same data, hnswlib-node reading the file, the
// structural invariants of the lists, and 1 vs 2 threads giving the same bytes.
import type { NativeKernels } from '../../native/index.js';
import { VerboError } from '../../util/errors.js';
import { Random } from '../../util/random.js';
import type { HnswGraph } from '../hnswlib-format.js';

/** Nodes inserted one at a time before batches start. */
export const SEQUENTIAL_NODES = 256;
/** A batch's size as a fraction of the nodes already in the graph. */
export const BATCH_FRACTION = 0.01;
/** The largest batch. */
export const MAX_BATCH = 1024;
/** The highest level drawn (hnswlib has no cap; above 255 is a chance of M^−255). */
const MAX_LEVEL = 255;

export interface HnswBuildOptions {
  M: number;
  efConstruction: number;
  /** Seed of the level draws. */
  seed: number;
  /** Threads (any count gives the same graph). */
  threads: number;
  /** The native kernel table. */
  kernels: NativeKernels;
  /** Let a node link the nodes of its own batch before it (default true). */
  batchMates?: boolean;
  /** Called after each batch with (nodes in the graph, count). */
  onProgress?: (done: number, total: number) => void;
}

/** Each node's top level: floor(−ln(1 − r) / ln(M)), r from Random(seed) in node order. */
export function drawLevels(count: number, M: number, seed: number): Int32Array {
  const random = new Random(seed);
  const mL = 1 / Math.log(M);
  const levels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const level = Math.floor(-Math.log(1 - random.next()) * mL);
    levels[i] = level > MAX_LEVEL ? MAX_LEVEL : level;
  }
  return levels;
}

/** The end of each batch, in order (the last is `count`). */
export function batchEnds(count: number): number[] {
  const ends: number[] = [];
  let done = 0;
  while (done < count) {
    const size =
      done < SEQUENTIAL_NODES ? 1 : Math.max(1, Math.min(MAX_BATCH, Math.floor(done * BATCH_FRACTION)));
    done = Math.min(count, done + size);
    ends.push(done);
  }
  return ends;
}

/** Builds the graph over `count` unit rows ([count, dim]); node i gets label i. */
export function buildHnswGraph(
  rows: Float32Array,
  count: number,
  dim: number,
  options: HnswBuildOptions,
): HnswGraph {
  const { M, efConstruction } = options;
  if (!Number.isInteger(M) || M < 2 || M > 32_767) {
    throw new VerboError(`HNSW build: M must be a whole number from 2 to 32767, got ${M}`, 'BAD_ARGUMENT');
  }
  if (!Number.isInteger(efConstruction) || efConstruction < 1) {
    throw new VerboError(
      `HNSW build: efConstruction must be a whole number ≥ 1, got ${efConstruction}`,
      'BAD_ARGUMENT',
    );
  }
  if (!Number.isInteger(dim) || dim < 1 || !Number.isInteger(count) || count < 1) {
    throw new VerboError(
      `HNSW build: needs dim ≥ 1 and at least one row, got dim ${dim}, ${count} rows`,
      'BAD_ARGUMENT',
    );
  }
  if (rows.length < count * dim) {
    throw new VerboError(
      `HNSW build: ${count} rows of dim ${dim} need ${count * dim} values, got ${rows.length}`,
      'SHAPE',
    );
  }
  const maxM0 = 2 * M;
  const levels = drawLevels(count, M, options.seed);
  const upperStart = new Int32Array(count).fill(-1);
  let upperInts = 0;
  for (let i = 0; i < count; i++) {
    if (levels[i]! > 0) {
      upperStart[i] = upperInts;
      upperInts += levels[i]! * (M + 1);
    }
  }
  const links0 = new Int32Array(count * (maxM0 + 1));
  const upperLinks = new Int32Array(upperInts);
  const vectors = rows.length === count * dim ? rows : rows.subarray(0, count * dim);
  let entryPoint = -1;
  let maxLevel = 0;
  let begin = 0;
  for (const end of batchEnds(count)) {
    options.kernels.hnswBuildBatch(
      vectors,
      levels,
      links0,
      upperStart,
      upperLinks,
      count,
      dim,
      M,
      maxM0,
      efConstruction,
      begin,
      end,
      entryPoint,
      entryPoint < 0 ? 0 : maxLevel,
      options.batchMates ?? true,
      options.threads,
    );
    // hnswlib's rule, in node order: a node above the top level becomes the entry point
    for (let i = begin; i < end; i++) {
      if (entryPoint < 0 || levels[i]! > maxLevel) {
        entryPoint = i;
        maxLevel = levels[i]!;
      }
    }
    begin = end;
    options.onProgress?.(end, count);
  }
  const labels = new Float64Array(count);
  for (let i = 0; i < count; i++) labels[i] = i;
  return {
    dim,
    count,
    maxM: M,
    maxM0,
    M,
    efConstruction,
    maxLevel,
    entryPoint,
    links0,
    vectors,
    labels,
    deleted: new Uint8Array(count),
    levels,
    upperStart,
    upperLinks,
  };
}
