// ExactIndex: exact cosine nearest neighbours by scanning every row. Rows are stored unit-length, so
// cosine similarity is a dot product; the scan (kernels/scan.ts) runs in the native kernel on the addon's
// threads, or in the plain TypeScript loop without the addon, with the same results up to float rounding.
// Top-k uses bounded heaps fused into the scan (no sort of all n scores).
import { readFileSync } from 'node:fs';
import { FormatError, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { type NativeKernels, nativeKernels } from '../native/index.js';
import { scanTopK } from './kernels/scan.js';
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
  /**
   * 'native' (the addon's scan; an error when the addon is unavailable), 'typescript' (the plain loop) or
   * 'auto' (native when available; the default).
   */
  backend?: 'auto' | 'native' | 'typescript';
  /** Threads a scan may use (default: VERBO_THREADS or the core count); answers do not depend on it. */
  threads?: number;
}

const MAGIC = 'VERBOKNN';
const FORMAT_VERSION = 1;

export class ExactIndex implements KnnIndex {
  readonly kind = 'exact' as const;
  readonly dim: number;
  private readonly table = new WordTable();
  /** Unit rows, row-major, capacity ≥ size × dim. */
  private rows: Float32Array;
  private readonly kernels: NativeKernels | null;
  private readonly threads: number | undefined;

  constructor(dim: number, options: ExactIndexOptions = {}) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new VerboError(`ExactIndex: dim must be a positive integer, got ${dim}`, 'BAD_ARGUMENT');
    }
    this.dim = dim;
    this.rows = new Float32Array(0);
    const backend = options.backend ?? 'auto';
    if (backend !== 'auto' && backend !== 'native' && backend !== 'typescript') {
      throw new VerboError(
        `ExactIndex: backend must be 'auto', 'native' or 'typescript', got '${String(backend)}'`,
        'BAD_ARGUMENT',
      );
    }
    this.kernels = backend === 'typescript' ? null : nativeKernels();
    if (backend === 'native' && this.kernels === null) {
      throw new VerboError(
        "ExactIndex: the native kernels are not available (see `verbo --version`); use backend 'auto' or 'typescript'",
        'UNSUPPORTED',
      );
    }
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
      throw new VerboError(
        `ExactIndex: threads must be a whole number ≥ 1, got ${String(options.threads)}`,
        'BAD_ARGUMENT',
      );
    }
    this.threads = options.threads;
  }

  /** Which scan runs: 'native' or 'typescript'. */
  get backend(): 'native' | 'typescript' {
    return this.kernels === null ? 'typescript' : 'native';
  }

  /** Nothing to free (the KnnIndex interface's close, for indexes that hold threads or files). */
  close(): void {}

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
    for (let i = 0; i < ids.length; i++) {
      this.rows.set(incoming.subarray(i * this.dim, (i + 1) * this.dim), ids[i]! * this.dim);
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
    const found = scanTopK(this.rows, this.size, dim, flat, resolved.length, {
      k: wanted,
      ...(mask === undefined ? {} : { mask }),
      ...(this.threads === undefined ? {} : { threads: this.threads }),
      kernels: this.kernels,
    });
    const skip = new Set(excluded);
    return resolved.map((query, i) => {
      const neighbors: Neighbor[] = [];
      for (let j = i * wanted; j < (i + 1) * wanted && neighbors.length < k; j++) {
        const id = found.ids[j]!;
        if (id < 0) break;
        if (id === query.selfId || skip.has(id)) continue;
        neighbors.push({ word: this.table.words[id]!, similarity: clampCosine(found.scores[j]!) });
      }
      return neighbors;
    });
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
