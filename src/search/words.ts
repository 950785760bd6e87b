// What every index shares: the word ↔ id table, validation of vectors and queries (with messages that
// say what was wrong and how to fix it), unit normalisation, and turning exclude/filter options into
// a per-id mask. Ids are dense 0..size-1 in insertion order.
import { UnknownWordError, VerboError } from '../util/errors.js';
import { suggestSpellings } from './suggest.js';
import type { Query, SearchOptions, VectorsInput, WordFilter } from './types.js';

/** Checks `vectors` against `words` and `dim`; returns unit-length rows, flat row-major. */
export function normalizeRows(words: readonly string[], vectors: VectorsInput, dim: number): Float32Array {
  const count = words.length;
  const rows = new Float32Array(count * dim);
  if (vectors instanceof Float32Array) {
    if (vectors.length !== count * dim) {
      const rowsGiven = vectors.length / dim;
      throw new VerboError(
        `add: expected ${count} × ${dim} = ${count * dim} values (one row of ${dim} per word), got ${vectors.length}` +
          (Number.isInteger(rowsGiven) ? ` (${rowsGiven} rows)` : '') +
          '; pass one vector of the index dimension per word',
        'SHAPE',
      );
    }
    rows.set(vectors);
  } else {
    if (vectors.length !== count) {
      throw new VerboError(
        `add: got ${count} words but ${vectors.length} vectors; pass one vector per word`,
        'SHAPE',
      );
    }
    for (let i = 0; i < count; i++) {
      const vector = vectors[i]!;
      if (vector.length !== dim) {
        throw new VerboError(
          `add: the vector of '${words[i]}' has ${vector.length} values, but the index holds vectors of dimension ${dim}`,
          'SHAPE',
        );
      }
      for (let j = 0; j < dim; j++) rows[i * dim + j] = vector[j]!;
    }
  }
  for (let i = 0; i < count; i++) normalizeInPlace(rows, i * dim, dim, words[i]!);
  return rows;
}

/** Scales rows[offset .. offset+dim) to unit length (a zero vector stays zero: similarity 0 to everything). */
export function normalizeInPlace(rows: Float32Array, offset: number, dim: number, label: string): void {
  let sum = 0;
  for (let j = offset; j < offset + dim; j++) sum += rows[j]! * rows[j]!;
  if (!Number.isFinite(sum)) {
    throw new VerboError(
      `the vector of ${label} holds a NaN or infinite value; check the model file`,
      'BAD_ARGUMENT',
    );
  }
  if (sum > 0) {
    const scale = 1 / Math.sqrt(sum);
    for (let j = offset; j < offset + dim; j++) rows[j]! *= scale;
  }
}

/** Checks a positive integer k. */
export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new VerboError(
      `search: k must be a positive integer (the number of neighbours), got ${k}`,
      'BAD_ARGUMENT',
    );
  }
}

export class WordTable {
  readonly words: string[] = [];
  readonly ids = new Map<string, number>();
  /** Counts by id, when the caller supplied them. */
  counts: number[] | undefined;

  get size(): number {
    return this.words.length;
  }

  /** The id of a word, or an UnknownWordError with close spellings. */
  idOf(word: string): number {
    const id = this.ids.get(word);
    if (id === undefined) throw new UnknownWordError(word, suggestSpellings(word, this.words));
    return id;
  }

  /** Appends new words / finds existing ones; returns the id of each. */
  assign(words: readonly string[], counts: ArrayLike<number> | undefined): Int32Array {
    if (counts !== undefined && counts.length !== words.length) {
      throw new VerboError(
        `add: got ${words.length} words but ${counts.length} counts; pass one count per word`,
        'SHAPE',
      );
    }
    const ids = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      if (typeof word !== 'string')
        throw new VerboError(`add: word ${i} is not a string (${typeof word})`, 'BAD_ARGUMENT');
      let id = this.ids.get(word);
      if (id === undefined) {
        id = this.words.length;
        this.words.push(word);
        this.ids.set(word, id);
        if (this.counts !== undefined) this.counts.push(0); // new words without counts count as 0
      }
      ids[i] = id;
      if (counts !== undefined) {
        if (this.counts === undefined) this.counts = new Array(this.words.length).fill(0);
        this.counts[id] = counts[i]!;
      }
    }
    return ids;
  }

  /** Rebuilds the table keeping only the ids with keep[id] true; returns old id → new id (-1 if gone). */
  compact(keep: (id: number) => boolean): Int32Array {
    const remap = new Int32Array(this.words.length).fill(-1);
    const words = this.words.slice();
    const counts = this.counts?.slice();
    this.words.length = 0;
    this.ids.clear();
    if (this.counts !== undefined) this.counts.length = 0;
    for (let id = 0; id < words.length; id++) {
      if (!keep(id)) continue;
      remap[id] = this.words.length;
      this.ids.set(words[id]!, this.words.length);
      this.words.push(words[id]!);
      if (this.counts !== undefined) this.counts.push(counts![id]!);
    }
    return remap;
  }
}

/** A query resolved to a unit vector, plus the id to leave out (the query word itself) or -1. */
export interface ResolvedQuery {
  vector: Float32Array;
  selfId: number;
}

export function resolveQuery(
  table: WordTable,
  query: Query,
  dim: number,
  rowOf: (id: number) => Float32Array,
): ResolvedQuery {
  if (typeof query === 'string') {
    const id = table.idOf(query);
    return { vector: rowOf(id), selfId: id };
  }
  checkQueryVector(query, dim);
  const vector = Float32Array.from(query);
  normalizeInPlace(vector, 0, dim, 'the query');
  return { vector, selfId: -1 };
}

/** Checks that a query is a vector of `dim` values. */
export function checkQueryVector(
  query: unknown,
  dim: number,
): asserts query is Float32Array | readonly number[] {
  if (!(query instanceof Float32Array) && !Array.isArray(query)) {
    throw new VerboError(
      'search: a query is a word (string) or a vector (Float32Array or number[])',
      'BAD_ARGUMENT',
    );
  }
  if (query.length !== dim) {
    throw new VerboError(
      `search: the query vector has ${query.length} values, but the index holds vectors of dimension ${dim}`,
      'SHAPE',
    );
  }
}

/** Ids of the excluded words that are in the table. */
export function excludedIds(table: WordTable, options: SearchOptions | undefined): number[] {
  const exclude = options?.exclude;
  if (exclude === undefined) return [];
  const ids: number[] = [];
  for (const word of exclude) {
    const id = table.ids.get(word);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** A predicate over ids for a filter, or undefined when there is no filter. */
export function filterPredicate(
  table: WordTable,
  filter: WordFilter | undefined,
): ((id: number) => boolean) | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === 'function') return (id) => filter(table.words[id]!, id);
  if (typeof filter !== 'object' || filter === null) {
    throw new VerboError(
      'search: filter must be a function (word, id) => boolean or { minCount, regex }',
      'BAD_ARGUMENT',
    );
  }
  const { minCount, regex } = filter;
  let counts: number[] | undefined;
  if (minCount !== undefined) {
    if (table.counts === undefined) {
      throw new VerboError(
        'search: filter.minCount needs word counts; pass { counts } to add() (or createIndex) first',
        'BAD_ARGUMENT',
      );
    }
    counts = table.counts;
  }
  const pattern =
    regex === undefined ? undefined : typeof regex === 'string' ? new RegExp(regex, 'u') : regex;
  return (id) => {
    if (counts !== undefined && counts[id]! < minCount!) return false;
    if (pattern !== undefined) {
      pattern.lastIndex = 0;
      if (!pattern.test(table.words[id]!)) return false;
    }
    return true;
  };
}

/** One byte per id (1 = may be returned) from a filter, or undefined when there is no filter. */
export function buildMask(
  table: WordTable,
  filter: WordFilter | undefined,
  into?: Uint8Array,
): Uint8Array | undefined {
  const keep = filterPredicate(table, filter);
  if (keep === undefined) return undefined;
  const mask = into ?? new Uint8Array(table.size);
  for (let id = 0; id < table.size; id++) mask[id] = keep(id) ? 1 : 0;
  return mask;
}
