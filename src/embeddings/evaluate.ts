// Intrinsic evaluation of word vectors with gensim's conventions, so our numbers compare with its own:
// - analogies (Google questions-words format: ": section" lines, then "a b c d" lines): 3CosAdd over
//   the `restrictVocab` most frequent words (default 30,000), case-insensitive (words upper-cased, each
//   upper-cased form mapped to its most frequent spelling); a question with any word outside that set is
//   skipped; the prediction is the best row that is not a spelling of a, b or c (gensim's
//   evaluate_word_analogies). Questions are scored in blocks against the restricted matrix.
// - word pairs (WordSim-353 "w1<TAB>w2<TAB>score", '#' comments): Spearman's rho between the human
//   scores and the cosines of the in-vocabulary pairs, out-of-vocabulary pairs counted
//   (gensim's evaluate_word_pairs, restrictVocab 300,000).
// Subword models (SubwordVectors) give words outside the vocabulary a vector from their character
// n-grams; by default (`ngrams`) those words are scored with it, as fastText users evaluate: a pair is
// then always scored, and an analogy question is scored when its answer is among the candidate words
// (a, b and c may be built from n-grams). The results count how many were (`builtFromNgrams`);
// `ngrams: false` keeps gensim's in-vocabulary convention.
import { readFile } from 'node:fs/promises';
import { scanTopK } from '../search/index.js';
import { FormatError } from '../util/errors.js';
import type { KeyedVectors } from './keyed-vectors.js';
import { pearson, spearman } from './spearman.js';

export interface AnalogySectionResult {
  correct: number;
  /** Questions scored (all four words in the restricted vocabulary, or built from n-grams). */
  total: number;
  skipped: number;
  /** Questions scored with a, b or c built from character n-grams (subword models). */
  builtFromNgrams: number;
}

export interface AnalogyEvaluation {
  correct: number;
  /** Questions scored; `accuracy` = correct / total. */
  total: number;
  /** Questions with a word outside the restricted vocabulary (and, with n-grams, without a vector). */
  skipped: number;
  /** Lines that are not four words (ignored, as gensim does). */
  invalid: number;
  /** Scored questions with a, b or c built from character n-grams (subword models). */
  builtFromNgrams: number;
  accuracy: number;
  sections: Record<string, AnalogySectionResult>;
}

export interface AnalogyEvaluationOptions {
  /** Only the first `restrictVocab` words are candidates and questions must lie inside them (default 30,000). */
  restrictVocab?: number;
  /** Compare words upper-cased (default true). */
  caseInsensitive?: boolean;
  /** Questions scored per call of the exact scan (default 1024). */
  blockSize?: number;
  /** Subword models: score words outside the vocabulary with their n-gram vectors (default true). */
  ngrams?: boolean;
}

export interface WordPairEvaluation {
  spearman: number;
  pearson: number;
  /** Pairs scored (both words in the vocabulary, or built from n-grams). */
  pairs: number;
  /** Pairs with a word outside the restricted vocabulary (and, with n-grams, without a vector). */
  oov: number;
  /** Scored pairs with a word built from character n-grams (subword models). */
  builtFromNgrams: number;
  /** Lines that are not "w1<TAB>w2<TAB>number" (ignored). */
  invalid: number;
}

export interface WordPairEvaluationOptions {
  /** Default 300,000 (gensim's default for word pairs). */
  restrictVocab?: number;
  caseInsensitive?: boolean;
  /** Column separator (default a tab). */
  delimiter?: string;
  /** Subword models: score words outside the vocabulary with their n-gram vectors (default true). */
  ngrams?: boolean;
}

/**
 * The unit vector (float64) a subword model builds from the n-grams of a word outside the vocabulary,
 * or undefined when the model has none or `ngrams` is off.
 */
function ngramUnitVector(
  vectors: KeyedVectors,
  word: string,
  ngrams: boolean | undefined,
): Float64Array | undefined {
  if (ngrams === false || vectors.vectorSource(word) !== 'ngrams') return undefined;
  return Float64Array.from(vectors.unitVector(word));
}

/** Maps each (folded) key of the first `limit` words to its first, i.e. most frequent, row. */
function restrictedKeys(vectors: KeyedVectors, limit: number, fold: (w: string) => string) {
  const keyToRow = new Map<string, number>();
  const group = new Int32Array(limit);
  for (let row = 0; row < limit; row++) {
    const key = fold(vectors.words[row]!);
    const first = keyToRow.get(key);
    if (first === undefined) {
      keyToRow.set(key, row);
      group[row] = row;
    } else {
      group[row] = first;
    }
  }
  return { keyToRow, group };
}

function folder(caseInsensitive: boolean | undefined): (word: string) => string {
  return caseInsensitive === false ? (word) => word : (word) => word.toUpperCase();
}

/** Scores analogy questions given as text in the questions-words format. */
export function evaluateAnalogies(
  vectors: KeyedVectors,
  text: string,
  options: AnalogyEvaluationOptions = {},
): AnalogyEvaluation {
  const limit = Math.min(vectors.size, options.restrictVocab ?? 30_000);
  const fold = folder(options.caseInsensitive);
  const { keyToRow, group } = restrictedKeys(vectors, limit, fold);
  const { dim } = vectors;
  const unit = vectors.unitVectors();
  const blockSize = Math.max(1, Math.min(4096, options.blockSize ?? 1024));

  const sections: Record<string, AnalogySectionResult> = {};
  let invalid = 0;
  // Questions waiting to be scored: their section and the rows of a, b, c, expected (−1 for a word
  // built from n-grams, whose unit vector is then in pendingBuilt).
  const pendingSections: AnalogySectionResult[] = [];
  const pendingRows: number[] = [];
  const pendingBuilt: (Float64Array | undefined)[] = [];
  const termVector = (q: number, k: number): Float64Array | Float32Array => {
    const row = pendingRows[4 * q + k]!;
    return row >= 0 ? unit.subarray(row * dim, (row + 1) * dim) : pendingBuilt[4 * q + k]!;
  };
  const queries = new Float32Array(blockSize * dim);
  const excluded = new Int32Array(blockSize * 3);

  const flush = () => {
    const count = pendingSections.length;
    if (count === 0) return;
    queries.fill(0);
    for (let q = 0; q < count; q++) {
      const [a, b, c] = [pendingRows[4 * q]!, pendingRows[4 * q + 1]!, pendingRows[4 * q + 2]!];
      const [va, vb, vc] = [termVector(q, 0), termVector(q, 1), termVector(q, 2)];
      // Query = normalise(b̂ + ĉ − â): gensim's weighted mean of unit vectors, made unit length.
      const query = new Float64Array(dim);
      let sumSquares = 0;
      for (let j = 0; j < dim; j++) {
        query[j] = vb[j]! + vc[j]! - va[j]!;
        sumSquares += query[j]! * query[j]!;
      }
      const inverse = sumSquares > 0 ? 1 / Math.sqrt(sumSquares) : 0;
      for (let j = 0; j < dim; j++) queries[q * dim + j] = query[j]! * inverse;
      excluded[3 * q] = a;
      excluded[3 * q + 1] = b;
      excluded[3 * q + 2] = c;
    }
    // The best row outside each question's three word groups (the exact scan with k = 1).
    const bestRow = scanTopK(unit, limit, dim, queries, count, { k: 1, group, excluded }).ids;
    for (let q = 0; q < count; q++) {
      const section = pendingSections[q]!;
      section.total++;
      const predicted = bestRow[q]!;
      if (predicted >= 0 && group[predicted] === pendingRows[4 * q + 3]) section.correct++;
    }
    pendingSections.length = 0;
    pendingRows.length = 0;
    pendingBuilt.length = 0;
  };

  let current: AnalogySectionResult | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.startsWith(':')) {
      const name = line.slice(1).trim();
      current = sections[name] ??= { correct: 0, total: 0, skipped: 0, builtFromNgrams: 0 };
      continue;
    }
    if (current === undefined) {
      throw new FormatError(
        `analogy file line ${i + 1}: a question before any ": section" line; the file should start with a line like ": capital-common-countries".`,
      );
    }
    const words = line.split(/\s+/);
    if (words.length !== 4) {
      invalid++;
      continue;
    }
    const rows = words.map((word) => keyToRow.get(fold(word)));
    // Only a, b, c may be built from n-grams: the answer must be a candidate row.
    const built = words.map((word, k) =>
      k < 3 && rows[k] === undefined ? ngramUnitVector(vectors, word, options.ngrams) : undefined,
    );
    if (rows.some((row, k) => row === undefined && built[k] === undefined)) {
      current.skipped++;
      continue;
    }
    if (built.some((vector) => vector !== undefined)) current.builtFromNgrams++;
    pendingSections.push(current);
    for (let k = 0; k < 4; k++) {
      pendingRows.push(rows[k] ?? -1);
      pendingBuilt.push(built[k]);
    }
    if (pendingSections.length === blockSize) flush();
  }
  flush();

  let correct = 0;
  let total = 0;
  let skipped = 0;
  let builtFromNgrams = 0;
  for (const section of Object.values(sections)) {
    correct += section.correct;
    total += section.total;
    skipped += section.skipped;
    builtFromNgrams += section.builtFromNgrams;
  }
  return {
    correct,
    total,
    skipped,
    invalid,
    builtFromNgrams,
    accuracy: total > 0 ? correct / total : 0,
    sections,
  };
}

/** Scores a questions-words file (UTF-8). */
export async function evaluateAnalogiesFile(
  vectors: KeyedVectors,
  path: string,
  options: AnalogyEvaluationOptions = {},
): Promise<AnalogyEvaluation> {
  return evaluateAnalogies(vectors, await readFile(path, 'utf8'), options);
}

/** Scores word pairs given as text ("w1<TAB>w2<TAB>score" lines, '#' comments). */
export function evaluateWordPairs(
  vectors: KeyedVectors,
  text: string,
  options: WordPairEvaluationOptions = {},
): WordPairEvaluation {
  const limit = Math.min(vectors.size, options.restrictVocab ?? 300_000);
  const fold = folder(options.caseInsensitive);
  const delimiter = options.delimiter ?? '\t';
  const { keyToRow } = restrictedKeys(vectors, limit, fold);
  const unit = vectors.unitVectors();
  const { dim } = vectors;
  const gold: number[] = [];
  const model: number[] = [];
  let oov = 0;
  let invalid = 0;
  let builtFromNgrams = 0;
  const termVector = (word: string): Float32Array | Float64Array | undefined => {
    const row = keyToRow.get(fold(word));
    return row !== undefined
      ? unit.subarray(row * dim, (row + 1) * dim)
      : ngramUnitVector(vectors, word, options.ngrams);
  };
  for (const rawLine of text.split('\n')) {
    if (rawLine.startsWith('#')) continue;
    const parts = rawLine.split(delimiter);
    const score = parts.length === 3 ? Number(parts[2]!.trim()) : Number.NaN;
    if (parts.length !== 3 || parts[2]!.trim() === '' || !Number.isFinite(score)) {
      if (rawLine.trim() !== '') invalid++;
      continue;
    }
    const a = termVector(parts[0]!);
    const b = termVector(parts[1]!);
    if (a === undefined || b === undefined) {
      oov++;
      continue;
    }
    if (a instanceof Float64Array || b instanceof Float64Array) builtFromNgrams++;
    let cosine = 0;
    for (let j = 0; j < dim; j++) cosine += a[j]! * b[j]!;
    gold.push(score);
    model.push(cosine);
  }
  return {
    spearman: spearman(gold, model),
    pearson: pearson(gold, model),
    pairs: gold.length,
    oov,
    invalid,
    builtFromNgrams,
  };
}

/** Scores a word-pairs file (UTF-8). */
export async function evaluateWordPairsFile(
  vectors: KeyedVectors,
  path: string,
  options: WordPairEvaluationOptions = {},
): Promise<WordPairEvaluation> {
  return evaluateWordPairs(vectors, await readFile(path, 'utf8'), options);
}
