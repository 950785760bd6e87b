// KeyedVectors: the query object for trained word vectors (words, a [size, dim] matrix, optional counts),
// separate from the trainer as in gensim. Similarity queries follow gensim's KeyedVectors semantics:
// cosine similarity on unit-normalised rows, most-similar on the normalised weighted mean of unit
// vectors (+1 for positive, −1 for negative terms) with the query words excluded, 3CosMul as Levy &
// Goldberg (2014) with cosines shifted to [0, 1], and doesnt-match as the word farthest from the mean.
// Every nearest-neighbour search goes through one private method (`nearestRows`): by default an exact
// scan of the unit matrix itself (src/search's scanTopK: the native kernel, no copy of the matrix, the
// same answer on any number of threads); an HNSW index only when one is asked for (`useIndex('hnsw')`,
// `attachIndex`) or the vocabulary is large (from DEFAULT_EXACT_THRESHOLD words, built lazily on the first
// search). The candidates are rescored in float64 against the unit matrix, so the exact path answers
// exactly as a full float64 scan would. 3CosMul keeps its own scan (its score is not a cosine).
// Every query word is looked up by one private method (`queryWord`): a word of the vocabulary is its
// row; a subclass may give words outside it a vector (SubwordVectors builds it from character n-grams,
// `vectorOutsideVocabulary`), which then enters every query, and only the vocabulary is searched.
import {
  chooseIndexKind,
  createIndex,
  type ExactIndexOptions,
  HnswIndex,
  type HnswOptions,
  type IndexKind,
  type KnnIndex,
  type NoticeCallback,
  type ScoredIndex,
  scanTopK,
  suggestSpellings,
  TopK,
} from '../search/index.js';
import type { Neighbor } from '../search/index.js';
import { ShapeError, UnknownWordError, VerboError } from '../util/errors.js';

/** A word or a raw vector of length `dim`. */
export type QueryTerm = string | ArrayLike<number>;

export interface MostSimilarOptions {
  /** Words (or vectors) that pull the query toward them (weight +1). */
  positive?: readonly QueryTerm[];
  /** Words (or vectors) that push the query away (weight −1). */
  negative?: readonly QueryTerm[];
  /** How many neighbours to return (default 10). */
  topN?: number;
  /** Search only the first `restrictVocab` words (the most frequent ones when rows are sorted by count). */
  restrictVocab?: number;
  /** More words to leave out of the results, besides the query words themselves. */
  exclude?: readonly string[];
  /** Only words seen at least this many times in the corpus (needs the model's counts). */
  minCount?: number;
  /** Only words matching this regular expression (a string is compiled with the 'u' flag). */
  match?: RegExp | string;
}

/** The options of a search from given words or a vector: everything but the query terms. */
export type NeighborOptions = Omit<MostSimilarOptions, 'positive' | 'negative'>;

/** How KeyedVectors searches (see `useIndex`). */
export interface SearchIndexOptions {
  /**
   * 'auto' (default): an exact scan below `exactThreshold` words, an HNSW index from it on; or force
   * 'exact' (always the scan) / 'hnsw'.
   */
  kind?: IndexKind;
  /** Where 'auto' switches to HNSW (default src/search's DEFAULT_EXACT_THRESHOLD, 100,000 words). */
  exactThreshold?: number;
  /** The exact scan's threads (default: VERBO_THREADS or the core count; answers do not depend on it). */
  exact?: ExactIndexOptions;
  hnsw?: HnswOptions;
  /** Told about slow or surprising events (an HNSW rebuild). */
  onNotice?: NoticeCallback;
}

/** The 3CosMul denominator guard, as in gensim (and Levy & Goldberg). */
const COSMUL_EPSILON = 1e-6;
/**
 * Extra candidates asked of the index beyond topN: its float32 scores may order near-ties (within
 * ~1e-6) differently from float64, so a few more are rescored and the float64 top-N kept.
 */
const RESCORE_MARGIN = 8;

/** A query for nearestRows: a unit float64 vector, and the row it is when it is one word (left out). */
interface RowQuery {
  vector: Float64Array;
  selfRow?: number;
}

export class KeyedVectors {
  /** The words, row order of `vectors` (most frequent first when written by the trainer). */
  readonly words: readonly string[];
  /** Row-major [size, dim]. After changing it in place, call `invalidateNorms()`. */
  readonly vectors: Float32Array;
  readonly dim: number;
  /** Corpus counts per word when known (row order). */
  readonly counts: Float64Array | undefined;
  private readonly keyToIndex: Map<string, number>;
  private unitCache: Float32Array | undefined;
  private indexSettings: SearchIndexOptions = {};
  /** The index searched (HNSW), built on the first search or attached; dropped when the vectors change. */
  private knn: KnnIndex | undefined;
  /** Whether this object built `knn` (and so closes it when dropping it). */
  private ownsIndex = false;
  /** Whether the index's ids are this object's rows (then filters test rows, not words). */
  private indexAligned = false;

  constructor(words: readonly string[], vectors: Float32Array, dim: number, counts?: Float64Array) {
    if (!Number.isInteger(dim) || dim <= 0)
      throw new ShapeError(`KeyedVectors: dim must be a positive integer, got ${dim}.`);
    if (vectors.length !== words.length * dim) {
      throw new ShapeError(
        `KeyedVectors: vectors has ${vectors.length} values but ${words.length} words × dim ${dim} = ${words.length * dim} were expected.`,
      );
    }
    if (counts !== undefined && counts.length !== words.length) {
      throw new ShapeError(
        `KeyedVectors: counts has ${counts.length} entries, expected one per word (${words.length}).`,
      );
    }
    this.words = words;
    this.vectors = vectors;
    this.dim = dim;
    this.counts = counts;
    this.keyToIndex = new Map();
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      if (this.keyToIndex.has(word)) {
        throw new VerboError(
          `KeyedVectors: the word '${word}' appears twice (rows ${this.keyToIndex.get(word)} and ${i}); words must be unique.`,
        );
      }
      this.keyToIndex.set(word, i);
    }
  }

  /** Number of words. */
  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.keyToIndex.has(word);
  }

  /** The row of `word`, or −1 when it is not in the vocabulary. */
  tryIndex(word: string): number {
    return this.keyToIndex.get(word) ?? -1;
  }

  /** The row of `word`; throws UnknownWordError (with close spellings) when it is not in the vocabulary. */
  index(word: string): number {
    const i = this.keyToIndex.get(word);
    if (i === undefined) throw new UnknownWordError(word, this.suggest(word));
    return i;
  }

  /** Close spellings of `word` from the vocabulary (bounded edit distance, case-insensitive). */
  suggest(word: string, max = 5): string[] {
    return suggestSpellings(word, this.words, { limit: max });
  }

  /**
   * A copy of the raw vector of `word`; for a word outside the vocabulary, the vector a subword model
   * builds from its character n-grams (see `vectorSource`).
   */
  vector(word: string): Float32Array {
    const row = this.tryIndex(word);
    if (row >= 0) return this.vectors.slice(row * this.dim, (row + 1) * this.dim);
    const built = this.vectorOutsideVocabulary(word);
    if (built === undefined) throw new UnknownWordError(word, this.suggest(word));
    return built;
  }

  /** A copy of the unit-length vector of `word` (zeros for an all-zero vector). */
  unitVector(word: string): Float32Array {
    return Float32Array.from(this.queryWord(word).unit);
  }

  /**
   * Where the vector of `word` comes from: 'vocabulary' (its own row), 'ngrams' (a subword model builds
   * it from the word's character n-grams), or undefined (the word has no vector).
   */
  vectorSource(word: string): 'vocabulary' | 'ngrams' | undefined {
    return this.has(word) ? 'vocabulary' : undefined;
  }

  /**
   * The vector of a word outside the vocabulary, or undefined when it has none. Always undefined here;
   * a subword model (SubwordVectors) builds one from the word's character n-grams.
   */
  protected vectorOutsideVocabulary(_word: string): Float32Array | undefined {
    return undefined;
  }

  /**
   * A query word as its row (−1 for a vector built outside the vocabulary) and its unit vector in float64;
   * throws UnknownWordError (with close spellings) when the word has no vector.
   */
  private queryWord(word: string): { row: number; unit: Float64Array } {
    const row = this.tryIndex(word);
    if (row >= 0) {
      return {
        row,
        unit: Float64Array.from(this.unitVectors().subarray(row * this.dim, (row + 1) * this.dim)),
      };
    }
    const built = this.vectorOutsideVocabulary(word);
    if (built === undefined) throw new UnknownWordError(word, this.suggest(word));
    const unit = Float64Array.from(built);
    normalize(unit);
    return { row: -1, unit };
  }

  /** The count of `word` when counts are known, else undefined. */
  count(word: string): number | undefined {
    return this.counts?.[this.index(word)];
  }

  /**
   * Replaces the vector of `word`: the cached unit matrix is dropped and the search index, when one was
   * built or attached, is updated in place (one word re-added), not rebuilt.
   */
  setVector(word: string, values: ArrayLike<number>): void {
    const row = this.index(word);
    this.checkLength(values, 'setVector');
    for (let j = 0; j < this.dim; j++) this.vectors[row * this.dim + j] = values[j]!;
    this.unitCache = undefined;
    this.knn?.add([word], this.vectors.subarray(row * this.dim, (row + 1) * this.dim));
  }

  /**
   * Drops the cached unit-normalised matrix and the search index (built or attached); call after
   * changing `vectors` in place. The next search builds a new index.
   */
  invalidateNorms(): void {
    this.unitCache = undefined;
    this.dropIndex();
  }

  /**
   * Chooses how searches run: 'auto' (the default: the exact scan below the threshold, an HNSW index
   * above), 'exact' or 'hnsw', with their options. The current index is dropped; the next search builds
   * the new one when it needs one.
   */
  useIndex(options: SearchIndexOptions | IndexKind): void {
    const settings = typeof options === 'string' ? { kind: options } : { ...options };
    const kind = settings.kind ?? 'auto';
    if (kind !== 'auto' && kind !== 'exact' && kind !== 'hnsw') {
      throw new VerboError(`useIndex: kind must be 'auto', 'exact' or 'hnsw', got '${String(kind)}'.`);
    }
    this.indexSettings = settings;
    this.dropIndex();
  }

  /**
   * Searches with `index` from now on (e.g. an HNSW index loaded from files beside the model), until
   * `useIndex` or `invalidateNorms` drops it (`setVector` updates it in place). It must hold exactly this
   * model's words with these vectors (loadIndexFiles checks them by checksum); the caller keeps ownership.
   */
  attachIndex(index: KnnIndex): void {
    if (index.dim !== this.dim) {
      throw new ShapeError(
        `attachIndex: the index holds vectors of dimension ${index.dim}, the model has dim ${this.dim}; build the index from this model.`,
      );
    }
    const words = index.words();
    const missing = words.find((word) => !this.keyToIndex.has(word));
    if (words.length !== this.size || missing !== undefined) {
      throw new VerboError(
        `attachIndex: the index holds ${words.length} words${missing === undefined ? '' : ` (e.g. '${missing}', not in the model)`} but the model has ${this.size}; build the index from this model.`,
      );
    }
    this.dropIndex();
    this.knn = index;
    this.ownsIndex = false;
    this.indexAligned =
      words.every((word, i) => word === this.words[i]) &&
      !(index instanceof HnswIndex && index.deletedCount > 0);
  }

  /**
   * The index searches go through, built now when there is none (kind chosen by `useIndex`). With kind
   * 'exact' this builds an ExactIndex (a copy of the unit rows) for callers that want a KnnIndex;
   * KeyedVectors's own exact searches scan its unit matrix and never build one.
   */
  searchIndex(): KnnIndex {
    if (this.knn === undefined) {
      this.knn = createIndex(this.words, this.vectors, this.dim, {
        ...this.indexSettings,
        ...(this.counts === undefined ? {} : { counts: this.counts }),
      });
      this.ownsIndex = true;
      this.indexAligned = true;
    }
    return this.knn;
  }

  /** Whether searches go through an index (HNSW, or one attached) rather than the exact scan. */
  private usesIndex(): boolean {
    if (this.knn !== undefined) return true;
    const { kind, exactThreshold } = this.indexSettings;
    return chooseIndexKind(this.size, kind, exactThreshold) === 'hnsw';
  }

  private dropIndex(): void {
    if (this.ownsIndex) this.knn?.close();
    this.knn = undefined;
    this.ownsIndex = false;
    this.indexAligned = false;
  }

  /**
   * The unit-normalised matrix [size, dim] (computed once, cached). Norms are accumulated in float64;
   * an all-zero row stays zero.
   */
  unitVectors(): Float32Array {
    if (this.unitCache !== undefined) return this.unitCache;
    const { dim, vectors } = this;
    const unit = new Float32Array(vectors.length);
    for (let row = 0, offset = 0; row < this.size; row++, offset += dim) {
      let sumSquares = 0;
      for (let j = 0; j < dim; j++) sumSquares += vectors[offset + j]! * vectors[offset + j]!;
      if (sumSquares === 0) continue;
      const inverse = 1 / Math.sqrt(sumSquares);
      for (let j = 0; j < dim; j++) unit[offset + j] = vectors[offset + j]! * inverse;
    }
    this.unitCache = unit;
    return unit;
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    const unitA = this.queryWord(a).unit;
    const unitB = this.queryWord(b).unit;
    let dot = 0;
    for (let j = 0; j < this.dim; j++) dot += unitA[j]! * unitB[j]!;
    return dot;
  }

  /**
   * The `topN` words closest by cosine to the normalised mean of the positive terms' unit vectors minus
   * the negative ones' (gensim's most_similar). Word terms are left out of the results; raw vector terms
   * enter the mean as given. `minCount` and `match` filter the vocabulary searched.
   */
  mostSimilar(options: MostSimilarOptions): Neighbor[] {
    const positive = options.positive ?? [];
    const negative = options.negative ?? [];
    if (positive.length + negative.length === 0) {
      throw new VerboError(
        'mostSimilar: give at least one positive or negative word, e.g. { positive: ["king"] }.',
      );
    }
    const mean = new Float64Array(this.dim);
    const excluded = this.excludedRows(options.exclude);
    const addTerm = (term: QueryTerm, weight: number) => {
      if (typeof term === 'string') {
        const { row, unit } = this.queryWord(term);
        if (row >= 0) excluded.add(row);
        for (let j = 0; j < this.dim; j++) mean[j] += weight * unit[j]!;
      } else {
        this.checkLength(term, 'mostSimilar');
        for (let j = 0; j < this.dim; j++) mean[j] += weight * term[j]!;
      }
    };
    for (const term of positive) addTerm(term, 1);
    for (const term of negative) addTerm(term, -1);
    normalize(mean);
    return this.search([{ vector: mean }], options, excluded)[0]!;
  }

  /**
   * mostSimilar({ positive: [word], ...options }) for each word, as one batched index search (faster
   * than one call per word). Each word is left out of its own results only.
   */
  mostSimilarBatch(words: readonly string[], options: NeighborOptions = {}): Neighbor[][] {
    const queries = words.map((word): RowQuery => {
      const { row, unit: vector } = this.queryWord(word);
      normalize(vector);
      return row >= 0 ? { vector, selfRow: row } : { vector };
    });
    return this.search(queries, options, this.excludedRows(options.exclude));
  }

  /** The `topN` words closest by cosine to a raw vector (nothing excluded unless asked). */
  similarToVector(vector: ArrayLike<number>, options: NeighborOptions = {}): Neighbor[] {
    this.checkLength(vector, 'similarToVector');
    const query = Float64Array.from(vector as ArrayLike<number>);
    normalize(query);
    return this.search([{ vector: query }], options, this.excludedRows(options.exclude))[0]!;
  }

  /** Validates the shared options, then nearestRows → neighbours. */
  private search(queries: RowQuery[], options: NeighborOptions, excluded: Set<number>): Neighbor[][] {
    const topN = this.topN(options.topN);
    const limit = this.limit(options.restrictVocab);
    const keep = this.rowFilter(options, 'mostSimilar');
    return this.nearestRows(queries, topN, limit, excluded, keep).map((rows) => this.toNeighbors(rows));
  }

  /**
   * 3CosMul (Levy & Goldberg 2014): score(w) = Π_p cos′(w, p) / (Π_n cos′(w, n) + ε), with cosines
   * shifted to [0, 1] by cos′ = (1 + cos) / 2 and ε = 1e-6, as gensim's most_similar_cosmul.
   * Vector terms are normalised to unit length.
   */
  mostSimilarCosMul(options: MostSimilarOptions): Neighbor[] {
    const positive = options.positive ?? [];
    const negative = options.negative ?? [];
    if (positive.length + negative.length === 0) {
      throw new VerboError('mostSimilarCosMul: give at least one positive or negative word.');
    }
    const { dim } = this;
    const unit = this.unitVectors();
    const excluded = this.excludedRows(options.exclude);
    const termVector = (term: QueryTerm): Float64Array => {
      if (typeof term === 'string') {
        const query = this.queryWord(term);
        if (query.row >= 0) excluded.add(query.row);
        return query.unit;
      }
      this.checkLength(term, 'mostSimilarCosMul');
      const v = Float64Array.from(term as ArrayLike<number>);
      normalize(v);
      return v;
    };
    const positives = positive.map(termVector);
    const negatives = negative.map(termVector);
    const limit = this.limit(options.restrictVocab);
    const keep = this.rowFilter(options, 'mostSimilarCosMul');
    const top = new TopK(this.topN(options.topN));
    for (let row = 0; row < limit; row++) {
      if (excluded.has(row) || (keep !== undefined && !keep(row))) continue;
      const offset = row * dim;
      let numerator = 1;
      for (const p of positives) numerator *= (1 + dot(unit, offset, p, dim)) / 2;
      let denominator = 1;
      for (const n of negatives) denominator *= (1 + dot(unit, offset, n, dim)) / 2;
      top.push(row, numerator / (denominator + COSMUL_EPSILON));
    }
    return this.toNeighbors(top.sorted());
  }

  /** a is to b as c is to ?: most-similar with positive [b, c] and negative [a]. */
  analogy(a: string, b: string, c: string, topN = 5): Neighbor[] {
    return this.mostSimilar({ positive: [b, c], negative: [a], topN });
  }

  /** The word farthest (lowest cosine) from the normalised mean of the words' unit vectors. */
  doesntMatch(words: readonly string[]): string {
    if (words.length < 2) throw new VerboError(`doesntMatch: give at least two words, got ${words.length}.`);
    const { dim } = this;
    const units = words.map((word) => this.queryWord(word).unit);
    const mean = new Float64Array(dim);
    for (const unit of units) for (let j = 0; j < dim; j++) mean[j] += unit[j]!;
    normalize(mean);
    let worst = 0;
    let worstScore = Infinity;
    for (let i = 0; i < units.length; i++) {
      const score = dot(units[i]!, 0, mean, dim);
      // Ties go to the alphabetically first word, as gensim's sorted((distance, word)) does.
      if (score < worstScore || (score === worstScore && words[i]! < words[worst]!)) {
        worst = i;
        worstScore = score;
      }
    }
    return words[worst]!;
  }

  /**
   * The one nearest-neighbour search: for each query, the `topN` rows among the first `limit` with the
   * highest cosine to its unit vector, skipping `excluded`, the query's own row and rows failing `keep`.
   * The exact scan (or the index) proposes topN + RESCORE_MARGIN candidates in one batched call; each is
   * rescored in float64 against the unit matrix and the best topN kept (ties to the lower row), so the
   * exact path answers as a full float64 scan would.
   */
  private nearestRows(
    queries: RowQuery[],
    topN: number,
    limit: number,
    excluded: Set<number>,
    keep: ((row: number) => boolean) | undefined,
  ): ScoredIndex[][] {
    if (topN === 0 || limit === 0 || queries.length === 0) return queries.map(() => []);
    const passes = (row: number) => row < limit && (keep === undefined || keep(row));
    const candidates = this.usesIndex()
      ? this.indexCandidates(
          queries,
          topN,
          excluded,
          limit < this.size || keep !== undefined ? passes : undefined,
        )
      : this.scanCandidates(queries, topN, limit, excluded, keep);
    const { dim } = this;
    const unit = this.unitVectors();
    return queries.map(({ vector, selfRow }, q) => {
      const top = new TopK(topN);
      for (const row of candidates[q]!) {
        if (row === selfRow || excluded.has(row) || !passes(row)) continue;
        top.push(row, dot(unit, row * dim, vector, dim));
      }
      return top.sorted();
    });
  }

  /** Candidate rows per query from the exact scan of the unit matrix's first `limit` rows. */
  private scanCandidates(
    queries: RowQuery[],
    topN: number,
    limit: number,
    excluded: Set<number>,
    keep: ((row: number) => boolean) | undefined,
  ): number[][] {
    const { dim } = this;
    // A filter, or many exclusions, become a mask; a few exclusions only widen the top-k.
    let mask: Uint8Array | undefined;
    let extra = 0;
    for (const row of excluded) if (row < limit) extra++;
    if (keep !== undefined || extra > 32) {
      mask = new Uint8Array(limit);
      for (let row = 0; row < limit; row++) mask[row] = keep === undefined || keep(row) ? 1 : 0;
      for (const row of excluded) if (row < limit) mask[row] = 0;
      extra = 0;
    }
    const self = queries.some(({ selfRow }) => selfRow !== undefined) ? 1 : 0;
    const k = Math.min(limit, topN + extra + self + RESCORE_MARGIN);
    const flat = new Float32Array(queries.length * dim);
    for (let q = 0; q < queries.length; q++) flat.set(queries[q]!.vector, q * dim);
    const { threads } = this.indexSettings.exact ?? {};
    const found = scanTopK(this.unitVectors(), limit, dim, flat, queries.length, {
      k,
      ...(mask === undefined ? {} : { mask }),
      ...(threads === undefined ? {} : { threads }),
    });
    return queries.map((_, q) => {
      const rows: number[] = [];
      for (let j = q * k; j < (q + 1) * k && found.ids[j]! >= 0; j++) rows.push(found.ids[j]!);
      return rows;
    });
  }

  /** Candidate rows per query from the index (HNSW or attached), built when missing. */
  private indexCandidates(
    queries: RowQuery[],
    topN: number,
    excluded: Set<number>,
    passes: ((row: number) => boolean) | undefined,
  ): number[][] {
    const { words } = this;
    const index = this.searchIndex();
    const filter =
      passes === undefined
        ? undefined
        : this.indexAligned
          ? (_word: string, id: number) => passes(id)
          : (word: string) => {
              const row = this.keyToIndex.get(word);
              return row !== undefined && passes(row);
            };
    const exclude = Array.from(excluded, (row) => words[row]!);
    const found = index.searchBatch(
      queries.map(({ vector, selfRow }) =>
        selfRow === undefined ? Float32Array.from(vector) : words[selfRow]!,
      ),
      Math.min(topN + RESCORE_MARGIN, this.size),
      filter === undefined ? { exclude } : { exclude, filter },
    );
    return found.map((list) => {
      const rows: number[] = [];
      for (const { word } of list) {
        const row = this.keyToIndex.get(word);
        if (row !== undefined) rows.push(row);
      }
      return rows;
    });
  }

  /** The rows a search may return under `minCount` / `match`, or undefined when neither is given. */
  private rowFilter(options: NeighborOptions, where: string): ((row: number) => boolean) | undefined {
    const { minCount, match } = options;
    if (minCount === undefined && match === undefined) return undefined;
    const { counts } = this;
    if (minCount !== undefined) {
      if (typeof minCount !== 'number' || Number.isNaN(minCount)) {
        throw new VerboError(`${where}: minCount must be a number, got ${String(minCount)}.`);
      }
      if (counts === undefined) {
        throw new VerboError(
          `${where}: minCount needs word counts, and these vectors have none (a model directory with vocab.txt has them; a bare .bin/.txt file does not).`,
        );
      }
    }
    let pattern: RegExp | undefined;
    if (typeof match === 'string') {
      try {
        pattern = new RegExp(match, 'u');
      } catch (error) {
        throw new VerboError(
          `${where}: match is not a valid regular expression: ${(error as Error).message}.`,
        );
      }
    } else if (match !== undefined) {
      if (!(match instanceof RegExp)) throw new VerboError(`${where}: match must be a RegExp or a string.`);
      pattern = match;
    }
    const words = this.words;
    return (row) => {
      if (minCount !== undefined && counts![row]! < minCount) return false;
      if (pattern !== undefined) {
        pattern.lastIndex = 0;
        if (!pattern.test(words[row]!)) return false;
      }
      return true;
    };
  }

  private excludedRows(words: readonly string[] | undefined): Set<number> {
    const excluded = new Set<number>();
    for (const word of words ?? []) {
      const row = this.keyToIndex.get(word);
      if (row !== undefined) excluded.add(row);
    }
    return excluded;
  }

  private topN(topN: number | undefined): number {
    const n = topN ?? 10;
    if (!Number.isInteger(n) || n < 0) throw new VerboError(`topN must be a whole number ≥ 0, got ${n}.`);
    return n;
  }

  private limit(restrictVocab: number | undefined): number {
    if (restrictVocab === undefined) return this.size;
    if (!Number.isInteger(restrictVocab) || restrictVocab < 0) {
      throw new VerboError(`restrictVocab must be a whole number ≥ 0, got ${restrictVocab}.`);
    }
    return Math.min(this.size, restrictVocab);
  }

  private checkLength(values: ArrayLike<number>, where: string): void {
    if (values.length !== this.dim) {
      throw new ShapeError(
        `${where}: a vector of length ${values.length} was given, the model has dim ${this.dim}.`,
      );
    }
  }

  private toNeighbors(scored: ScoredIndex[]): Neighbor[] {
    return scored.map(({ index, score }) => ({ word: this.words[index]!, similarity: score }));
  }
}

function dot(matrix: Float32Array | Float64Array, offset: number, vector: Float64Array, dim: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += matrix[offset + j]! * vector[j]!;
  return sum;
}

/** Scales `v` to unit length in place (an all-zero vector stays zero). */
function normalize(v: Float64Array): void {
  let sumSquares = 0;
  for (let j = 0; j < v.length; j++) sumSquares += v[j]! * v[j]!;
  if (sumSquares === 0) return;
  const inverse = 1 / Math.sqrt(sumSquares);
  for (let j = 0; j < v.length; j++) v[j]! *= inverse;
}
