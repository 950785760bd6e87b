// Intrinsic evaluation of word vectors with gensim's conventions, so our numbers compare with its own:
// - analogies (Google questions-words format: ": section" lines, then "a b c d" lines): 3CosAdd over
//   the `restrictVocab` most frequent words (default 30,000), case-insensitive (words upper-cased, each
//   upper-cased form mapped to its most frequent spelling); a question with any word outside that set is
//   skipped; the prediction is the best row that is not a spelling of a, b or c (gensim's
//   evaluate_word_analogies). Questions are scored in blocks against the restricted matrix.
// - word pairs (WordSim-353 "w1<TAB>w2<TAB>score", '#' comments): Spearman's rho between the human
//   scores and the cosines of the in-vocabulary pairs, out-of-vocabulary pairs counted
//   (gensim's evaluate_word_pairs, restrictVocab 300,000).
import { readFile } from 'node:fs/promises';
import { FormatError } from '../util/errors.js';
import type { KeyedVectors } from './keyed-vectors.js';
import { SimilarityScanner } from './similarity-block.js';
import { pearson, spearman } from './spearman.js';

export interface AnalogySectionResult {
  correct: number;
  /** Questions scored (all four words in the restricted vocabulary). */
  total: number;
  skipped: number;
}

export interface AnalogyEvaluation {
  correct: number;
  /** Questions scored; `accuracy` = correct / total. */
  total: number;
  /** Questions with a word outside the restricted vocabulary. */
  skipped: number;
  /** Lines that are not four words (ignored, as gensim does). */
  invalid: number;
  accuracy: number;
  sections: Record<string, AnalogySectionResult>;
}

export interface AnalogyEvaluationOptions {
  /** Only the first `restrictVocab` words are candidates and questions must lie inside them (default 30,000). */
  restrictVocab?: number;
  /** Compare words upper-cased (default true). */
  caseInsensitive?: boolean;
  /** Questions scored per pass over the matrix (default 256). */
  blockSize?: number;
}

export interface WordPairEvaluation {
  spearman: number;
  pearson: number;
  /** Pairs scored (both words in the vocabulary). */
  pairs: number;
  /** Pairs with a word outside the restricted vocabulary. */
  oov: number;
  /** Lines that are not "w1<TAB>w2<TAB>number" (ignored). */
  invalid: number;
}

export interface WordPairEvaluationOptions {
  /** Default 300,000 (gensim's default for word pairs). */
  restrictVocab?: number;
  caseInsensitive?: boolean;
  /** Column separator (default a tab). */
  delimiter?: string;
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
  const blockSize = Math.max(1, Math.min(1024, options.blockSize ?? 256));
  const scanner = new SimilarityScanner(unit.subarray(0, limit * dim), limit, dim, {
    group,
    blockCapacity: blockSize,
  });

  const sections: Record<string, AnalogySectionResult> = {};
  let invalid = 0;
  // Questions waiting to be scored: their section and the rows of a, b, c, expected.
  const pendingSections: AnalogySectionResult[] = [];
  const pendingRows: number[] = [];
  const queries = new Float64Array(blockSize * dim);
  const excluded = new Int32Array(blockSize * 3);

  const flush = () => {
    const count = pendingSections.length;
    if (count === 0) return;
    queries.fill(0);
    for (let q = 0; q < count; q++) {
      const [a, b, c] = [pendingRows[4 * q]!, pendingRows[4 * q + 1]!, pendingRows[4 * q + 2]!];
      // Query = normalise(b̂ + ĉ − â): gensim's weighted mean of unit vectors, made unit length.
      let sumSquares = 0;
      for (let j = 0; j < dim; j++) {
        const v = unit[b * dim + j]! + unit[c * dim + j]! - unit[a * dim + j]!;
        queries[q * dim + j] = v;
        sumSquares += v * v;
      }
      const inverse = sumSquares > 0 ? 1 / Math.sqrt(sumSquares) : 0;
      for (let j = 0; j < dim; j++) queries[q * dim + j]! *= inverse;
      excluded[3 * q] = a;
      excluded[3 * q + 1] = b;
      excluded[3 * q + 2] = c;
    }
    const bestRow = scanner.bestRowsExcluding(queries, count, excluded);
    for (let q = 0; q < count; q++) {
      const section = pendingSections[q]!;
      section.total++;
      const predicted = bestRow[q]!;
      if (predicted >= 0 && group[predicted] === pendingRows[4 * q + 3]) section.correct++;
    }
    pendingSections.length = 0;
    pendingRows.length = 0;
  };

  let current: AnalogySectionResult | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.startsWith(':')) {
      const name = line.slice(1).trim();
      current = sections[name] ??= { correct: 0, total: 0, skipped: 0 };
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
    if (rows.some((row) => row === undefined)) {
      current.skipped++;
      continue;
    }
    pendingSections.push(current);
    for (const row of rows) pendingRows.push(row!);
    if (pendingSections.length === blockSize) flush();
  }
  flush();

  let correct = 0;
  let total = 0;
  let skipped = 0;
  for (const section of Object.values(sections)) {
    correct += section.correct;
    total += section.total;
    skipped += section.skipped;
  }
  return { correct, total, skipped, invalid, accuracy: total > 0 ? correct / total : 0, sections };
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
  for (const rawLine of text.split('\n')) {
    if (rawLine.startsWith('#')) continue;
    const parts = rawLine.split(delimiter);
    const score = parts.length === 3 ? Number(parts[2]!.trim()) : Number.NaN;
    if (parts.length !== 3 || parts[2]!.trim() === '' || !Number.isFinite(score)) {
      if (rawLine.trim() !== '') invalid++;
      continue;
    }
    const a = keyToRow.get(fold(parts[0]!));
    const b = keyToRow.get(fold(parts[1]!));
    if (a === undefined || b === undefined) {
      oov++;
      continue;
    }
    let cosine = 0;
    for (let j = 0; j < dim; j++) cosine += unit[a * dim + j]! * unit[b * dim + j]!;
    gold.push(score);
    model.push(cosine);
  }
  return { spearman: spearman(gold, model), pearson: pearson(gold, model), pairs: gold.length, oov, invalid };
}

/** Scores a word-pairs file (UTF-8). */
export async function evaluateWordPairsFile(
  vectors: KeyedVectors,
  path: string,
  options: WordPairEvaluationOptions = {},
): Promise<WordPairEvaluation> {
  return evaluateWordPairs(vectors, await readFile(path, 'utf8'), options);
}
