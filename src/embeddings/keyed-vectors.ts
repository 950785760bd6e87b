// KeyedVectors: the query object for trained word vectors (words, a [size, dim] matrix, optional counts),
// separate from the trainer as in gensim. Similarity queries follow gensim's KeyedVectors semantics:
// cosine similarity on unit-normalised rows, most-similar on the normalised weighted mean of unit
// vectors (+1 for positive, −1 for negative terms) with the query words excluded, 3CosMul as Levy &
// Goldberg (2014) with cosines shifted to [0, 1], and doesnt-match as the word farthest from the mean.
// All nearest-neighbour scans go through one private method (`nearestRows`) so an external index
// (src/search's KnnIndex) can replace the plain scan in one place.
import { ShapeError, UnknownWordError, VerboError } from '../util/errors.js';
import { SimilarityScanner } from './similarity-block.js';
import { suggestSpellings } from './suggest.js';
import { TopK } from './top-k.js';

/** A word or a raw vector of length `dim`. */
export type QueryTerm = string | ArrayLike<number>;

export interface Neighbor {
  word: string;
  similarity: number;
}

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
}

/** The 3CosMul denominator guard, as in gensim (and Levy & Goldberg). */
const COSMUL_EPSILON = 1e-6;
/** Matrices with at least this many values are scanned by the WebAssembly kernel (when built). */
const SCANNER_MIN_VALUES = 1 << 16;

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
  private scannerCache: SimilarityScanner | undefined;

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
    return suggestSpellings(word, this.words, { max });
  }

  /** A copy of the raw vector of `word`. */
  vector(word: string): Float32Array {
    const row = this.index(word);
    return this.vectors.slice(row * this.dim, (row + 1) * this.dim);
  }

  /** A copy of the unit-length vector of `word` (zeros for an all-zero vector). */
  unitVector(word: string): Float32Array {
    const row = this.index(word);
    return this.unitVectors().slice(row * this.dim, (row + 1) * this.dim);
  }

  /** The count of `word` when counts are known, else undefined. */
  count(word: string): number | undefined {
    return this.counts?.[this.index(word)];
  }

  /** Replaces the vector of `word` and invalidates the cached unit matrix. */
  setVector(word: string, values: ArrayLike<number>): void {
    const row = this.index(word);
    this.checkLength(values, 'setVector');
    for (let j = 0; j < this.dim; j++) this.vectors[row * this.dim + j] = values[j]!;
    this.invalidateNorms();
  }

  /** Drops the cached unit-normalised matrix; call after changing `vectors` in place. */
  invalidateNorms(): void {
    this.unitCache = undefined;
    this.scannerCache = undefined;
  }

  /**
   * The unit-normalised matrix [size, dim] (computed once, cached). Norms are accumulated in float64;
   * an all-zero row stays zero.
   */
  unitVectors(): Float32Array {
    if (this.unitCache !== undefined) return this.unitCache;
    const { dim, vectors } = this;
    let unit: Float32Array;
    if (vectors.length >= SCANNER_MIN_VALUES) {
      // Large matrices live in the scan kernel's memory (no second copy); small ones in a plain array.
      this.scannerCache = new SimilarityScanner(undefined, this.size, dim);
      unit = this.scannerCache.matrix;
    } else {
      unit = new Float32Array(vectors.length);
    }
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
    const unit = this.unitVectors();
    const rowA = this.index(a) * this.dim;
    const rowB = this.index(b) * this.dim;
    let dot = 0;
    for (let j = 0; j < this.dim; j++) dot += unit[rowA + j]! * unit[rowB + j]!;
    return dot;
  }

  /**
   * The `topN` words closest by cosine to the normalised mean of the positive terms' unit vectors minus
   * the negative ones' (gensim's most_similar). Word terms are left out of the results; raw vector terms
   * enter the mean as given.
   */
  mostSimilar(options: MostSimilarOptions): Neighbor[] {
    const positive = options.positive ?? [];
    const negative = options.negative ?? [];
    if (positive.length + negative.length === 0) {
      throw new VerboError(
        'mostSimilar: give at least one positive or negative word, e.g. { positive: ["king"] }.',
      );
    }
    const unit = this.unitVectors();
    const mean = new Float64Array(this.dim);
    const excluded = this.excludedRows(options.exclude);
    const addTerm = (term: QueryTerm, weight: number) => {
      if (typeof term === 'string') {
        const row = this.index(term);
        excluded.add(row);
        for (let j = 0; j < this.dim; j++) mean[j] += weight * unit[row * this.dim + j]!;
      } else {
        this.checkLength(term, 'mostSimilar');
        for (let j = 0; j < this.dim; j++) mean[j] += weight * term[j]!;
      }
    };
    for (const term of positive) addTerm(term, 1);
    for (const term of negative) addTerm(term, -1);
    normalize(mean);
    return this.toNeighbors(
      this.nearestRows(mean, this.topN(options.topN), this.limit(options.restrictVocab), excluded),
    );
  }

  /** The `topN` words closest by cosine to a raw vector (nothing excluded unless asked). */
  similarToVector(
    vector: ArrayLike<number>,
    options: { topN?: number; restrictVocab?: number; exclude?: readonly string[] } = {},
  ): Neighbor[] {
    this.checkLength(vector, 'similarToVector');
    const query = Float64Array.from(vector as ArrayLike<number>);
    normalize(query);
    return this.toNeighbors(
      this.nearestRows(
        query,
        this.topN(options.topN),
        this.limit(options.restrictVocab),
        this.excludedRows(options.exclude),
      ),
    );
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
        const row = this.index(term);
        excluded.add(row);
        return Float64Array.from(unit.subarray(row * dim, (row + 1) * dim));
      }
      this.checkLength(term, 'mostSimilarCosMul');
      const v = Float64Array.from(term as ArrayLike<number>);
      normalize(v);
      return v;
    };
    const positives = positive.map(termVector);
    const negatives = negative.map(termVector);
    const limit = this.limit(options.restrictVocab);
    const top = new TopK(this.topN(options.topN));
    for (let row = 0; row < limit; row++) {
      if (excluded.has(row)) continue;
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
    const unit = this.unitVectors();
    const { dim } = this;
    const rows = words.map((word) => this.index(word));
    const mean = new Float64Array(dim);
    for (const row of rows) for (let j = 0; j < dim; j++) mean[j] += unit[row * dim + j]!;
    normalize(mean);
    let worst = 0;
    let worstScore = Infinity;
    for (let i = 0; i < rows.length; i++) {
      const score = dot(unit, rows[i]! * dim, mean, dim);
      // Ties go to the alphabetically first word, as gensim's sorted((distance, word)) does.
      if (score < worstScore || (score === worstScore && words[i]! < words[worst]!)) {
        worst = i;
        worstScore = score;
      }
    }
    return words[worst]!;
  }

  /**
   * The one nearest-neighbour scan: the `topN` rows among the first `limit` with the highest cosine to
   * the unit query, skipping `excluded`. A plain scan with a bounded heap; the place to plug a KnnIndex.
   */
  private nearestRows(
    query: Float64Array,
    topN: number,
    limit: number,
    excluded: Set<number>,
  ): { index: number; score: number }[] {
    const { dim } = this;
    const top = new TopK(topN);
    const unit = this.unitVectors();
    if (this.scannerCache !== undefined) {
      // Large matrices: all scores from the SIMD kernel, then a heap pass over them.
      const scores = this.scannerCache.rowScores(query, limit);
      let threshold = -Infinity;
      for (let row = 0; row < limit; row++) {
        const score = scores[row]!;
        if (score < threshold || excluded.has(row)) continue;
        top.push(row, score);
        threshold = top.threshold;
      }
      return top.sorted();
    }
    let threshold = -Infinity;
    for (let row = 0, offset = 0; row < limit; row++, offset += dim) {
      let score = 0;
      for (let j = 0; j < dim; j++) score += unit[offset + j]! * query[j]!;
      if (score < threshold || excluded.has(row)) continue;
      top.push(row, score);
      threshold = top.threshold;
    }
    return top.sorted();
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

  private toNeighbors(scored: { index: number; score: number }[]): Neighbor[] {
    return scored.map(({ index, score }) => ({ word: this.words[index]!, similarity: score }));
  }
}

function dot(matrix: Float32Array, offset: number, vector: Float64Array, dim: number): number {
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
