// Phrase detection (word2phrase / gensim Phrases): count words and adjacent word pairs, score each pair,
// and glue pairs scoring above a threshold into one token ("new york" → "new_york"). Learning again on
// glued text and applying both models in turn finds trigrams ("new_york times" → "new_york_times").
//
// Scores, for a pair (a, b) with counts A, B and pair count AB:
// - 'default' (Mikolov et al. 2013, as gensim's original_scorer): (AB − minCount) / (A · B) · V, where V
//   is the number of distinct entries counted (words plus pairs, as gensim's len(vocab));
// - 'npmi' (Bouma 2009): ln(p(ab) / (p(a) p(b))) / −ln p(ab), with p(x) = count(x) / N over the N word
//   tokens, in [−1, 1]; pairs seen fewer than minCount times score −∞.
// A pair is glued when its score is strictly greater than the threshold. Applying goes left to right and
// greedily: once "a b" is glued, b cannot start another pair.
// Counting memory is bounded like the vocabulary's: above maxVocabSize entries, those counted ≤ level are
// dropped and the level grows (see counting.ts).
import { VerboError } from '../util/errors.js';
import { ownString } from './counting.js';

export type PhraseScoring = 'default' | 'npmi';

export interface PhrasesOptions {
  /** Pairs seen fewer times are ignored (default 5). */
  minCount?: number;
  /** Glue a pair when its score is above this (default 10 for 'default', 0.5 for 'npmi'). */
  threshold?: number;
  scoring?: PhraseScoring;
  /** Glue between the words of a phrase (default '_'). */
  delimiter?: string;
  /** Prune counts above this many words + pairs (default 40,000,000, as gensim; V8 Maps stop near 16.7M each). */
  maxVocabSize?: number;
}

const PAIR_JOINER = '\u0000';

export class Phrases {
  readonly minCount: number;
  readonly threshold: number;
  readonly scoring: PhraseScoring;
  readonly delimiter: string;
  /** Word tokens counted. */
  readonly tokens: number;
  /** The pruning level reached while counting (0: exact counts). */
  readonly pruneLevel: number;
  private readonly wordCounts: Map<string, number>;
  private readonly pairCounts: Map<string, number>;

  private constructor(
    wordCounts: Map<string, number>,
    pairCounts: Map<string, number>,
    tokens: number,
    pruneLevel: number,
    options: Required<Omit<PhrasesOptions, 'maxVocabSize'>>,
  ) {
    this.wordCounts = wordCounts;
    this.pairCounts = pairCounts;
    this.tokens = tokens;
    this.pruneLevel = pruneLevel;
    this.minCount = options.minCount;
    this.threshold = options.threshold;
    this.scoring = options.scoring;
    this.delimiter = options.delimiter;
  }

  /** Counts words and adjacent pairs over the sentences (one pass) and returns the phrase model. */
  static async learn(
    sentences: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
    options: PhrasesOptions = {},
  ): Promise<Phrases> {
    const scoring = options.scoring ?? 'default';
    if (scoring !== 'default' && scoring !== 'npmi') {
      throw new VerboError(`Phrases: scoring must be 'default' or 'npmi', got '${scoring}'.`);
    }
    const minCount = options.minCount ?? 5;
    if (!(minCount >= 0) || !Number.isFinite(minCount)) {
      throw new VerboError(`Phrases: minCount must be a number ≥ 0, got ${minCount}.`);
    }
    const threshold = options.threshold ?? (scoring === 'npmi' ? 0.5 : 10);
    if (Number.isNaN(threshold)) throw new VerboError('Phrases: threshold must be a number.');
    if (scoring === 'npmi' && !(threshold >= -1 && threshold <= 1)) {
      throw new VerboError(`Phrases: with npmi scoring the threshold must lie in [-1, 1], got ${threshold}.`);
    }
    const delimiter = options.delimiter ?? '_';
    const maxVocabSize = options.maxVocabSize ?? 40_000_000;
    if (!(maxVocabSize >= 1)) throw new VerboError(`Phrases: maxVocabSize must be ≥ 1, got ${maxVocabSize}.`);

    const words = new Map<string, number>();
    const pairs = new Map<string, number>();
    let tokens = 0;
    let pruneLevel = 0;
    const prune = (): void => {
      while (words.size + pairs.size > maxVocabSize) {
        pruneLevel++;
        for (const table of [words, pairs]) {
          for (const [key, count] of table) if (count <= pruneLevel) table.delete(key);
        }
      }
    };
    for await (const sentence of sentences) {
      let previous: string | undefined;
      for (let i = 0; i < sentence.length; i++) {
        const word = sentence[i]!;
        const count = words.get(word);
        words.set(count === undefined ? ownString(word) : word, (count ?? 0) + 1);
        let grew = count === undefined;
        if (previous !== undefined) {
          const key = previous + PAIR_JOINER + word;
          const pairCount = pairs.get(key);
          pairs.set(pairCount === undefined ? ownString(key) : key, (pairCount ?? 0) + 1);
          if (pairCount === undefined) grew = true;
        }
        if (grew && words.size + pairs.size > maxVocabSize) prune();
        previous = word;
      }
      tokens += sentence.length;
    }
    return new Phrases(words, pairs, tokens, pruneLevel, { minCount, threshold, scoring, delimiter });
  }

  /** Distinct words plus distinct pairs counted (the V of the default score). */
  get vocabSize(): number {
    return this.wordCounts.size + this.pairCounts.size;
  }

  wordCount(word: string): number {
    return this.wordCounts.get(word) ?? 0;
  }

  pairCount(first: string, second: string): number {
    return this.pairCounts.get(first + PAIR_JOINER + second) ?? 0;
  }

  /** The score of "first second", or -Infinity when a part was never counted. */
  score(first: string, second: string): number {
    const a = this.wordCounts.get(first);
    const b = this.wordCounts.get(second);
    const ab = this.pairCounts.get(first + PAIR_JOINER + second);
    if (a === undefined || b === undefined || ab === undefined) return Number.NEGATIVE_INFINITY;
    if (this.scoring === 'default') return ((ab - this.minCount) / (a * b)) * this.vocabSize;
    if (ab < this.minCount) return Number.NEGATIVE_INFINITY;
    const n = this.tokens;
    const pab = ab / n;
    if (pab >= 1) return 1;
    return Math.log(pab / ((a / n) * (b / n))) / -Math.log(pab);
  }

  /** Whether "first second" is glued into one phrase. */
  isPhrase(first: string, second: string): boolean {
    return this.score(first, second) > this.threshold;
  }

  /** The sentence with detected pairs glued, left to right, each word in at most one new pair. */
  apply(tokens: readonly string[]): string[] {
    const out: string[] = [];
    let i = 0;
    while (i < tokens.length) {
      const word = tokens[i]!;
      if (i + 1 < tokens.length && this.isPhrase(word, tokens[i + 1]!)) {
        out.push(word + this.delimiter + tokens[i + 1]!);
        i += 2;
      } else {
        out.push(word);
        i += 1;
      }
    }
    return out;
  }

  /** Applies the model to every sentence of a stream. */
  async *applyAll(
    sentences: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
  ): AsyncGenerator<string[]> {
    for await (const sentence of sentences) yield this.apply(sentence);
  }

  /** Every glued pair with its score and count, best first. */
  phrases(): { phrase: string; score: number; count: number }[] {
    const found: { phrase: string; score: number; count: number }[] = [];
    for (const [key, count] of this.pairCounts) {
      const cut = key.indexOf(PAIR_JOINER);
      const first = key.slice(0, cut);
      const second = key.slice(cut + 1);
      const score = this.score(first, second);
      if (score > this.threshold) found.push({ phrase: first + this.delimiter + second, score, count });
    }
    return found.sort((x, y) => y.score - x.score);
  }
}
