// ExactIndex: exact cosine nearest neighbours by scanning every row. Rows are stored unit-length, so
// cosine similarity is a dot product; the scan runs in the WebAssembly SIMD kernel (both cores for large
// matrices) when it was built, else in the plain TypeScript loop, with identical results up to float
// rounding. Top-k uses bounded heaps (no sort of all n scores).
import { readFileSync } from 'node:fs';
import { FormatError, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { wasmAvailable } from '../util/wasm.js';
import { heapReset, heapToSorted, scanReference } from './kernels/scan.js';
import { WasmScanner } from './kernels/wasm-scan.js';
import type { AddOptions, KnnIndex, Neighbor, Query, SearchOptions, VectorsInput } from './types.js';
import {
  buildMask,
  checkK,
  excludedIds,
  normalizeRows,
  type ResolvedQuery,
  resolveQuery,
  WordTable,
} from './words.js';

export interface ExactIndexOptions {
  /** 'wasm' (SIMD kernel), 'js' (plain loop) or 'auto' (wasm when built; the default). */
  backend?: 'auto' | 'wasm' | 'js';
  /** Threads for the wasm scan: 1 or 2 (default 2 on a machine with 2+ cores). */
  threads?: number;
  /** Scans below this many multiply-adds stay on one thread (default 2^20). */
  parallelThreshold?: number;
  /**
   * wasm: single queries scan a bfloat16 copy first (half the memory traffic), then rescore the rows that
   * can still make the top k from the float rows; exact either way (default true).
   */
  halfPrecisionFilter?: boolean;
}

const MAGIC = 'VERBOKNN';
const FORMAT_VERSION = 1;

export class ExactIndex implements KnnIndex {
  readonly kind = 'exact' as const;
  readonly dim: number;
  private readonly table = new WordTable();
  /** Unit rows, row-major, capacity ≥ size × dim. */
  private rows: Float32Array;
  private readonly scanner: WasmScanner | undefined;

  constructor(dim: number, options: ExactIndexOptions = {}) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new VerboError(`ExactIndex: dim must be a positive integer, got ${dim}`, 'BAD_ARGUMENT');
    }
    this.dim = dim;
    this.rows = new Float32Array(0);
    const backend = options.backend ?? 'auto';
    if (backend === 'wasm' && !wasmAvailable('scan')) {
      throw new VerboError(
        'ExactIndex: the WebAssembly scan kernel is not built; run `npm run build`',
        'UNSUPPORTED',
      );
    }
    if (backend !== 'js' && wasmAvailable('scan')) {
      this.scanner = new WasmScanner(dim, {
        threads: options.threads,
        parallelThreshold: options.parallelThreshold,
        halfPrecisionFilter: options.halfPrecisionFilter,
      });
    }
  }

  /** Which scan runs: 'wasm' or 'js'. */
  get backend(): 'wasm' | 'js' {
    return this.scanner === undefined ? 'js' : 'wasm';
  }

  /**
   * Starts the scan's worker thread now and resolves once it is ready (true), instead of letting the
   * first large scan start it; false when the scan runs on one thread.
   */
  warmUp(): Promise<boolean> {
    return this.scanner === undefined ? Promise.resolve(false) : this.scanner.warmUp();
  }

  /** Stops the scan's worker thread (optional: it does not keep the process alive). */
  close(): void {
    this.scanner?.close();
  }

  get size(): number {
    return this.table.size;
  }

  add(words: readonly string[], vectors: VectorsInput, options: AddOptions = {}): void {
    const incoming = normalizeRows(words, vectors, this.dim);
    const before = this.table.size;
    const ids = this.table.assign(words, options.counts);
    const after = this.table.size;
    if (after * this.dim > this.rows.length) {
      const grown = new Float32Array(Math.max(after, Math.ceil(before * 1.5)) * this.dim);
      grown.set(this.rows.subarray(0, before * this.dim));
      this.rows = grown;
    }
    let lowestUpdated = before;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      this.rows.set(incoming.subarray(i * this.dim, (i + 1) * this.dim), id * this.dim);
      if (id < lowestUpdated) lowestUpdated = id;
    }
    if (this.scanner !== undefined) {
      if (lowestUpdated < before) {
        for (const id of ids) if (id < before) this.scanner.writeRows(this.rows, id, id + 1);
      }
      this.scanner.writeRows(this.rows, before, after);
    }
  }

  remove(words: readonly string[]): number {
    const gone = new Set<number>();
    for (const word of words) {
      const id = this.table.ids.get(word);
      if (id !== undefined) gone.add(id);
    }
    if (gone.size === 0) return 0;
    const dim = this.dim;
    const remap = this.table.compact((id) => !gone.has(id));
    for (let id = 0; id < remap.length; id++) {
      const target = remap[id]!;
      if (target >= 0 && target !== id) this.rows.copyWithin(target * dim, id * dim, (id + 1) * dim);
    }
    this.scanner?.setRows(this.rows, this.table.size);
    return gone.size;
  }

  has(word: string): boolean {
    return this.table.ids.has(word);
  }

  words(): string[] {
    return this.table.words.slice();
  }

  /** Word counts by id, when they were given. */
  counts(): number[] | undefined {
    return this.table.counts?.slice();
  }

  getVector(word: string): Float32Array {
    const id = this.table.idOf(word);
    return this.rows.slice(id * this.dim, (id + 1) * this.dim);
  }

  /** The unit rows, row-major (a view: do not modify). */
  matrix(): Float32Array {
    return this.rows.subarray(0, this.size * this.dim);
  }

  search(query: Query, k: number, options?: SearchOptions): Neighbor[] {
    return this.searchBatch([query], k, options)[0]!;
  }

  searchBatch(queries: readonly Query[], k: number, options?: SearchOptions): Neighbor[][] {
    checkK(k);
    this.checkNotEmpty();
    if (!Array.isArray(queries)) {
      throw new VerboError('searchBatch: queries must be an array of words or vectors', 'BAD_ARGUMENT');
    }
    const dim = this.dim;
    const resolved: ResolvedQuery[] = queries.map((query) =>
      resolveQuery(this.table, query, dim, (id) => this.rows.subarray(id * dim, (id + 1) * dim)),
    );
    const excluded = excludedIds(this.table, options);
    // Exclusions go into the filter's mask; without a filter, a few are dropped from k + few neighbours,
    // many (more than 32) get a mask of their own so that the heaps stay small.
    let mask = buildMask(this.table, options?.filter);
    if (mask === undefined && excluded.length > 32) mask = new Uint8Array(this.size).fill(1);
    let extra = excluded.length;
    if (mask !== undefined) {
      for (const id of excluded) mask[id] = 0;
      extra = 0;
    }
    const anySelf = resolved.some((query) => query.selfId >= 0);
    const wanted = Math.min(this.size, k + extra + (anySelf ? 1 : 0));
    const flat = new Float32Array(resolved.length * dim);
    for (let i = 0; i < resolved.length; i++) flat.set(resolved[i]!.vector, i * dim);
    const heaps = this.scanAll(flat, resolved.length, wanted, mask);
    const skip = new Set(excluded);
    return resolved.map((query, i) => {
      const { ids, scores } = heapToSorted(heaps.scores, heaps.ids, i * wanted, wanted);
      const neighbors: Neighbor[] = [];
      for (let j = 0; j < ids.length && neighbors.length < k; j++) {
        const id = ids[j]!;
        if (id === query.selfId || skip.has(id)) continue;
        neighbors.push({ word: this.table.words[id]!, similarity: clampCosine(scores[j]!) });
      }
      return neighbors;
    });
  }

  private scanAll(
    queries: Float32Array,
    count: number,
    k: number,
    mask: Uint8Array | undefined,
  ): { scores: Float32Array; ids: Int32Array } {
    if (this.scanner !== undefined) return this.scanner.scan(queries, count, k, mask);
    const scores = new Float32Array(count * k);
    const ids = new Int32Array(count * k);
    for (let q = 0; q < count; q++) {
      heapReset(scores, ids, q * k, k);
      scanReference(this.rows, this.dim, queries, q * this.dim, k, scores, ids, q * k, mask, 0, this.size);
    }
    return { scores, ids };
  }

  private checkNotEmpty(): void {
    if (this.size === 0) {
      throw new VerboError('search: the index is empty; add(words, vectors) before searching', 'EMPTY');
    }
  }

  /** Writes words, counts and unit vectors: 'VERBOKNN', u32 version, u32 header bytes, JSON header, float32 rows. */
  save(path: string): void {
    const header = Buffer.from(
      JSON.stringify({
        kind: 'exact',
        dim: this.dim,
        count: this.size,
        words: this.table.words,
        counts: this.table.counts,
      }),
      'utf8',
    );
    const headerBytes = Math.ceil((16 + header.length) / 4) * 4 - 16;
    const out = new Uint8Array(16 + headerBytes + this.size * this.dim * 4);
    out.set(Buffer.from(MAGIC, 'latin1'), 0);
    const view = new DataView(out.buffer);
    view.setUint32(8, FORMAT_VERSION, true);
    view.setUint32(12, headerBytes, true);
    out.set(header, 16);
    out.fill(0x20, 16 + header.length, 16 + headerBytes); // pad the JSON with spaces
    const body = new Float32Array(out.buffer, 16 + headerBytes, this.size * this.dim);
    body.set(this.matrix()); // little-endian on every platform Node supports
    writeFileAtomic(path, out);
  }

  static load(path: string, options: ExactIndexOptions = {}): ExactIndex {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (error) {
      throw new VerboError(`cannot read index file ${path}: ${(error as Error).message}`, 'ENOENT');
    }
    if (data.length < 16 || data.toString('latin1', 0, 8) !== MAGIC) {
      throw new FormatError(`${path} is not a verbo exact index (no 'VERBOKNN' header)`);
    }
    const version = data.readUInt32LE(8);
    if (version !== FORMAT_VERSION) {
      throw new FormatError(
        `${path}: exact index format version ${version}; this verbo reads version ${FORMAT_VERSION}`,
      );
    }
    const headerBytes = data.readUInt32LE(12);
    let header: { kind: string; dim: number; count: number; words: string[]; counts?: number[] };
    try {
      header = JSON.parse(data.toString('utf8', 16, 16 + headerBytes));
    } catch {
      throw new FormatError(`${path}: the index header is not valid JSON (truncated or corrupt file)`);
    }
    const expected = 16 + headerBytes + header.count * header.dim * 4;
    if (header.kind !== 'exact' || header.words?.length !== header.count || data.length !== expected) {
      throw new FormatError(
        `${path}: expected ${expected} bytes for ${header.count} × ${header.dim} vectors, found ${data.length}`,
      );
    }
    const rows = new Float32Array(header.count * header.dim);
    new Uint8Array(rows.buffer).set(data.subarray(16 + headerBytes));
    const index = new ExactIndex(header.dim, options);
    index.add(header.words, rows, header.counts === undefined ? {} : { counts: header.counts });
    return index;
  }
}

/** Rounding can push a dot product of unit vectors a hair past ±1. */
function clampCosine(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}
