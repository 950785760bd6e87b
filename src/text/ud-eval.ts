// Scoring against Universal Dependencies gold data: tokenization F1 (words matched in order) and UPOS /
// lemma accuracy, overall and per gold UPOS. Lemma accuracy follows issue 14's definition: exact match
// after lowercasing, over all words except PUNCT, SYM and NUM, and except words whose gold lemma is "_"
// (unannotated, as in parts of UD Portuguese-GSD).
import { VerboError } from '../util/errors.js';
import { type ConlluSentence, sentenceWords } from './conllu.js';

export interface F1Score {
  matched: number;
  predicted: number;
  gold: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Precision, recall and F1 from counts. */
export function f1Score(matched: number, predicted: number, gold: number): F1Score {
  const precision = predicted === 0 ? 0 : matched / predicted;
  const recall = gold === 0 ? 0 : matched / gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { matched, predicted, gold, precision, recall, f1 };
}

/** How many items of `predicted` match `gold` in order: the longest common subsequence's length. */
export function matchedInOrder(predicted: readonly string[], gold: readonly string[]): number {
  let previous = new Int32Array(gold.length + 1);
  let row = new Int32Array(gold.length + 1);
  for (let i = 1; i <= predicted.length; i++) {
    for (let j = 1; j <= gold.length; j++) {
      row[j] = predicted[i - 1] === gold[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, row[j - 1]!);
    }
    [previous, row] = [row, previous];
  }
  return previous[gold.length]!;
}

export interface Accuracy {
  correct: number;
  total: number;
  accuracy: number;
}

export interface TaggingScore {
  upos: Accuracy;
  lemma: Accuracy;
  /** Per gold UPOS: UPOS accuracy and lemma accuracy (lemma total 0 for PUNCT, SYM, NUM). */
  perUpos: Record<string, { upos: Accuracy; lemma: Accuracy }>;
}

const NO_LEMMA_SCORE = new Set(['PUNCT', 'SYM', 'NUM']);

function accuracy(correct: number, total: number): Accuracy {
  return { correct, total, accuracy: total === 0 ? 0 : correct / total };
}

/**
 * UPOS and lemma accuracy of `predicted` against `gold`: the same sentences with the same syntactic words
 * (as `verbo tag --input conllu` writes them). Throws when the words do not line up.
 */
export function scoreTagging(
  gold: readonly ConlluSentence[],
  predicted: readonly ConlluSentence[],
): TaggingScore {
  if (gold.length !== predicted.length) {
    throw new VerboError(
      `gold has ${gold.length} sentences but the tagged file ${predicted.length}; tag the gold file itself with --input conllu`,
      'MISMATCH',
    );
  }
  const counts = new Map<string, [number, number, number, number]>();
  for (let s = 0; s < gold.length; s++) {
    const goldWords = sentenceWords(gold[s]!);
    const predictedWords = sentenceWords(predicted[s]!);
    if (goldWords.length !== predictedWords.length) {
      throw new VerboError(
        `sentence ${s + 1}: gold has ${goldWords.length} words but the tagged file ${predictedWords.length}`,
        'MISMATCH',
      );
    }
    for (let w = 0; w < goldWords.length; w++) {
      const g = goldWords[w]!;
      const p = predictedWords[w]!;
      let entry = counts.get(g.upos);
      if (entry === undefined) counts.set(g.upos, (entry = [0, 0, 0, 0]));
      entry[1]++;
      if (g.upos === p.upos) entry[0]++;
      if (!NO_LEMMA_SCORE.has(g.upos) && g.lemma !== '_') {
        entry[3]++;
        if (g.lemma.toLowerCase() === p.lemma.toLowerCase()) entry[2]++;
      }
    }
  }
  const perUpos: TaggingScore['perUpos'] = {};
  const total = [0, 0, 0, 0];
  for (const [upos, entry] of [...counts].sort((a, b) => b[1][1] - a[1][1])) {
    perUpos[upos] = { upos: accuracy(entry[0], entry[1]), lemma: accuracy(entry[2], entry[3]) };
    for (let i = 0; i < 4; i++) total[i]! += entry[i]!;
  }
  return { upos: accuracy(total[0]!, total[1]!), lemma: accuracy(total[2]!, total[3]!), perUpos };
}
