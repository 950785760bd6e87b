// The one interface every nearest-neighbour index in verbo implements (ExactIndex, HnswIndex): an index
// over words, queried by a word or by any vector, answering with cosine similarities (not distances).

/** One neighbour: a word and its cosine similarity to the query, in [-1, 1]. */
export interface Neighbor {
  word: string;
  similarity: number;
}

/**
 * Which words may be returned: a predicate over (word, id), or a rule over the vocabulary.
 * `minCount` needs word counts (given to `add` or `createIndex`); `regex` must match the word.
 */
export type WordFilter =
  | ((word: string, id: number) => boolean)
  | { minCount?: number; regex?: RegExp | string };

export interface SearchOptions {
  /** Words never returned (e.g. the three input words of an analogy). Words not in the index are ignored. */
  exclude?: readonly string[] | ReadonlySet<string>;
  /** Only words passing the filter are returned. */
  filter?: WordFilter;
}

/** A query: a word in the index (which is then left out of its own results) or a vector of `dim` values. */
export type Query = string | Float32Array | readonly number[];

/** Vectors given to `add`: one flat row-major array of words.length × dim values, or one array per word. */
export type VectorsInput = Float32Array | readonly ArrayLike<number>[];

export interface AddOptions {
  /** Corpus counts of the words (same order), for `filter: { minCount }`. */
  counts?: ArrayLike<number>;
}

/** Something that wants to tell the user about a non-fatal event (the library never prints). */
export type NoticeCallback = (message: string) => void;

export interface KnnIndex {
  readonly kind: 'exact' | 'hnsw';
  /** Number of words in the index. */
  readonly size: number;
  /** Dimension of the vectors. */
  readonly dim: number;
  /** Adds words with their vectors (normalised to unit length on the way in); a word already present is updated. */
  add(words: readonly string[], vectors: VectorsInput, options?: AddOptions): void;
  /** Removes words; returns how many were present. */
  remove(words: readonly string[]): number;
  has(word: string): boolean;
  /** The words in id order. */
  words(): string[];
  /** The unit-length vector stored for a word (a copy). */
  getVector(word: string): Float32Array;
  /** The k most similar words, most similar first. */
  search(query: Query, k: number, options?: SearchOptions): Neighbor[];
  /** search() for many queries at once (faster than one call per query). */
  searchBatch(queries: readonly Query[], k: number, options?: SearchOptions): Neighbor[][];
  /** Writes the index to `path` atomically. */
  save(path: string): void;
  /** Frees what the index holds besides memory (nothing for ExactIndex); the index is unusable after. */
  close(): void;
}
