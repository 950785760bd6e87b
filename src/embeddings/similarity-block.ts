// Cosine scans over a unit-normalised [rows, dim] matrix: every row against one query (most-similar),
// and a block of queries against every row keeping each query's best row outside its excluded groups
// (batched analogy evaluation, no [queries, rows] score matrix stored). `SimilarityScanner` runs them
// in the WebAssembly SIMD kernel (similarity-block.as.ts) on its own copy of the matrix when the
// kernel is built, else in the plain loops below, which are also the kernel's test oracle.
import { wasmAvailable, wasmModule } from '../util/wasm.js';
import { VerboError } from '../util/errors.js';

/** out[r] = ⟨matrix[r], query⟩ for r < rowCount. */
export function rowScoresReference(
  matrix: Float32Array,
  rowCount: number,
  dim: number,
  query: ArrayLike<number>,
  out: Float32Array | Float64Array,
): void {
  for (let row = 0, offset = 0; row < rowCount; row++, offset += dim) {
    let score = 0;
    for (let j = 0; j < dim; j++) score += matrix[offset + j]! * query[j]!;
    out[row] = score;
  }
}

/**
 * For each query q in [0, count): bestRow[q] = argmax over rows r < rowCount of ⟨queries[q], matrix[r]⟩
 * among rows whose `group[r]` is not one of excludedGroups[3q .. 3q+2] (−1 if none); bestScore[q] its
 * score. Ties keep the lower row. queries: [count, dim], matrix: [rowCount, dim] (row-major).
 */
export function bestRowsExcludingReference(
  queries: ArrayLike<number>,
  count: number,
  matrix: Float32Array,
  rowCount: number,
  dim: number,
  group: Int32Array,
  excludedGroups: Int32Array,
  bestRow: Int32Array,
  bestScore: Float32Array | Float64Array,
): void {
  bestRow.fill(-1, 0, count);
  bestScore.fill(-Infinity, 0, count);
  for (let row = 0; row < rowCount; row++) {
    const offset = row * dim;
    const g = group[row]!;
    for (let q = 0; q < count; q++) {
      const base = q * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += matrix[offset + j]! * queries[base + j]!;
      if (s <= bestScore[q]!) continue;
      const e = 3 * q;
      if (g === excludedGroups[e] || g === excludedGroups[e + 1] || g === excludedGroups[e + 2]) continue;
      bestScore[q] = s;
      bestRow[q] = row;
    }
  }
}

interface KernelExports {
  rowScores(matrix: number, rowCount: number, dim: number, query: number, out: number): void;
  bestRowsExcluding(
    matrix: number,
    rowCount: number,
    dim: number,
    queries: number,
    count: number,
    group: number,
    excluded: number,
    bestRow: number,
    bestScore: number,
  ): void;
}

const PAGE = 65536;
/** Matrices above this many bytes stay in JS (WebAssembly memory is limited to 4 GiB). */
const MAX_WASM_BYTES = 2 ** 31;

export interface SimilarityScannerOptions {
  /** Use the WebAssembly kernel when it is built (default true). */
  wasm?: boolean;
  /** Queries per `bestRowsExcluding` call (default 256). */
  blockCapacity?: number;
  /** Row groups for `bestRowsExcluding` (default: every row its own group). */
  group?: Int32Array;
}

/**
 * Scans one matrix many times. With the kernel, the matrix lives in the kernel's memory: given a matrix,
 * the scanner copies it there; given none, it allocates one there (`matrix`) for the caller to fill, so
 * the caller keeps no second copy.
 */
export class SimilarityScanner {
  readonly rowCount: number;
  readonly dim: number;
  readonly blockCapacity: number;
  readonly usesWasm: boolean;
  /** The scanned [rowCount, dim] matrix (a view of the kernel's memory when `usesWasm`). */
  readonly matrix: Float32Array;
  private readonly group: Int32Array;
  private kernel: KernelExports | undefined;
  private memory: WebAssembly.Memory | undefined;
  private readonly at = { matrix: 0, group: 0, scores: 0, queries: 0, excluded: 0, bestRow: 0, bestScore: 0 };
  private readonly scoresJs: Float32Array;
  private readonly bestScoreJs: Float64Array;

  constructor(
    matrix: Float32Array | undefined,
    rowCount: number,
    dim: number,
    options: SimilarityScannerOptions = {},
  ) {
    this.rowCount = rowCount;
    this.dim = dim;
    this.blockCapacity = Math.max(1, options.blockCapacity ?? 256);
    this.group = options.group ?? Int32Array.from({ length: rowCount }, (_, i) => i);
    const capacity = this.blockCapacity;
    const layout = [
      ['matrix', rowCount * dim * 4],
      ['group', rowCount * 4],
      ['scores', rowCount * 4],
      ['queries', capacity * dim * 4],
      ['excluded', capacity * 12],
      ['bestRow', capacity * 4],
      ['bestScore', capacity * 4],
    ] as const;
    let end = PAGE; // the first page is left to the module
    for (const [name, bytes] of layout) {
      this.at[name] = end;
      end += Math.ceil(bytes / 16) * 16;
    }
    this.usesWasm = (options.wasm ?? true) && end <= MAX_WASM_BYTES && wasmAvailable('similarity-block');
    if (this.usesWasm) {
      const memory = new WebAssembly.Memory({ initial: Math.ceil(end / PAGE) });
      const instance = new WebAssembly.Instance(wasmModule('similarity-block'), {
        env: { memory, abort() {} },
      });
      this.kernel = instance.exports as unknown as KernelExports;
      this.memory = memory;
      this.matrix = new Float32Array(memory.buffer, this.at.matrix, rowCount * dim);
      if (matrix !== undefined) this.matrix.set(matrix.subarray(0, rowCount * dim));
      new Int32Array(memory.buffer, this.at.group, rowCount).set(this.group);
    } else this.matrix = matrix ?? new Float32Array(rowCount * dim);
    this.scoresJs = this.usesWasm ? new Float32Array(0) : new Float32Array(rowCount);
    this.bestScoreJs = new Float64Array(this.usesWasm ? 0 : capacity);
  }

  /** Scores of the first `rowCount` rows against `query` (a view, valid until the next call). */
  rowScores(query: ArrayLike<number>, rowCount = this.rowCount): Float32Array {
    const rows = Math.min(rowCount, this.rowCount);
    if (this.kernel === undefined) {
      rowScoresReference(this.matrix, rows, this.dim, query, this.scoresJs);
      return this.scoresJs.subarray(0, rows);
    }
    const buffer = this.memory!.buffer;
    new Float32Array(buffer, this.at.queries, this.dim).set(query);
    this.kernel.rowScores(this.at.matrix, rows, this.dim, this.at.queries, this.at.scores);
    return new Float32Array(buffer, this.at.scores, rows);
  }

  /**
   * Best row per query outside its three excluded groups (see bestRowsExcludingReference); at most
   * `blockCapacity` queries. Returns a view of the rows (−1 when every row was excluded).
   */
  bestRowsExcluding(queries: ArrayLike<number>, count: number, excludedGroups: Int32Array): Int32Array {
    if (count > this.blockCapacity) {
      throw new VerboError(
        `bestRowsExcluding: ${count} queries exceed the block capacity ${this.blockCapacity}.`,
      );
    }
    if (this.kernel === undefined) {
      const bestRow = new Int32Array(count);
      bestRowsExcludingReference(
        queries,
        count,
        this.matrix,
        this.rowCount,
        this.dim,
        this.group,
        excludedGroups,
        bestRow,
        this.bestScoreJs,
      );
      return bestRow;
    }
    const buffer = this.memory!.buffer;
    const values = count * this.dim;
    const target = new Float32Array(buffer, this.at.queries, values);
    for (let i = 0; i < values; i++) target[i] = queries[i]!;
    new Int32Array(buffer, this.at.excluded, 3 * count).set(excludedGroups.subarray(0, 3 * count));
    this.kernel.bestRowsExcluding(
      this.at.matrix,
      this.rowCount,
      this.dim,
      this.at.queries,
      count,
      this.at.group,
      this.at.excluded,
      this.at.bestRow,
      this.at.bestScore,
    );
    return new Int32Array(buffer, this.at.bestRow, count).slice();
  }
}
