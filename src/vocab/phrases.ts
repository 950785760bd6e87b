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
// `freeze()` keeps only the glued pairs (FrozenPhrases), which apply the same way and save as JSON.
// Counting memory is bounded like the vocabulary's: above maxVocabSize entries, those counted ≤ level are
// dropped and the level grows (see counting.ts).
import { readFileSync } from 'node:fs';
import { FormatError, parseFailure, VerboError } from '../util/errors.js';
import { fileError, writeFileAtomic } from '../util/files.js';
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

/** Pair counts as first word → second word → count: no joined keys to build and hash per token. */
type PairTable = Map<string, Map<string, number>>;

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
  private readonly pairCounts: PairTable;
  private readonly distinctPairs: number;

  private constructor(
    wordCounts: Map<string, number>,
    pairCounts: PairTable,
    distinctPairs: number,
    tokens: number,
    pruneLevel: number,
    options: Required<Omit<PhrasesOptions, 'maxVocabSize'>>,
  ) {
    this.wordCounts = wordCounts;
    this.pairCounts = pairCounts;
    this.distinctPairs = distinctPairs;
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
    const pairs: PairTable = new Map();
    let distinctPairs = 0;
    let tokens = 0;
    let pruneLevel = 0;
    const prune = (): void => {
      while (words.size + distinctPairs > maxVocabSize) {
        pruneLevel++;
        for (const [word, count] of words) if (count <= pruneLevel) words.delete(word);
        for (const [first, followers] of pairs) {
          for (const [second, count] of followers) {
            if (count <= pruneLevel) {
              followers.delete(second);
              distinctPairs--;
            }
          }
          if (followers.size === 0) pairs.delete(first);
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
          let followers = pairs.get(previous);
          if (followers === undefined) {
            followers = new Map();
            pairs.set(ownString(previous), followers);
          }
          const pairCount = followers.get(word);
          if (pairCount === undefined) {
            followers.set(ownString(word), 1);
            distinctPairs++;
            grew = true;
          } else followers.set(word, pairCount + 1);
        }
        if (grew && words.size + distinctPairs > maxVocabSize) prune();
        previous = word;
      }
      tokens += sentence.length;
    }
    return new Phrases(words, pairs, distinctPairs, tokens, pruneLevel, {
      minCount,
      threshold,
      scoring,
      delimiter,
    });
  }

  /** Distinct words plus distinct pairs counted (the V of the default score). */
  get vocabSize(): number {
    return this.wordCounts.size + this.distinctPairs;
  }

  wordCount(word: string): number {
    return this.wordCounts.get(word) ?? 0;
  }

  pairCount(first: string, second: string): number {
    return this.pairCounts.get(first)?.get(second) ?? 0;
  }

  /** The score of "first second", or -Infinity when a part was never counted. */
  score(first: string, second: string): number {
    const a = this.wordCounts.get(first);
    const b = this.wordCounts.get(second);
    const ab = this.pairCounts.get(first)?.get(second);
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
    return glue(tokens, this.delimiter, (first, second) => this.isPhrase(first, second));
  }

  /** Only the glued pairs, without the counts: small, fast to apply, and savable. */
  freeze(): FrozenPhrases {
    const glued: [string, string, number][] = [];
    for (const [first, followers] of this.pairCounts) {
      for (const second of followers.keys()) {
        const score = this.score(first, second);
        if (score > this.threshold) glued.push([first, second, score]);
      }
    }
    return new FrozenPhrases(glued, this.delimiter);
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
    for (const [first, followers] of this.pairCounts) {
      for (const [second, count] of followers) {
        const score = this.score(first, second);
        if (score > this.threshold) found.push({ phrase: first + this.delimiter + second, score, count });
      }
    }
    return found.sort((x, y) => y.score - x.score);
  }
}

/** Glues accepted pairs left to right; a word joins at most one new pair. */
function glue(
  tokens: readonly string[],
  delimiter: string,
  accept: (first: string, second: string) => boolean,
): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const word = tokens[i]!;
    if (i + 1 < tokens.length && accept(word, tokens[i + 1]!)) {
      out.push(word + delimiter + tokens[i + 1]!);
      i += 2;
    } else {
      out.push(word);
      i += 1;
    }
  }
  return out;
}

export const PHRASES_JSON_FORMAT = 'verbo-phrases';

/** The JSON document of a frozen phrase model. */
export interface PhrasesJson {
  format: typeof PHRASES_JSON_FORMAT;
  version: 1;
  delimiter: string;
  /** [first, second, score] for every glued pair. */
  phrases: [string, string, number][];
}

/** A phrase model reduced to its glued pairs (gensim's FrozenPhrases): apply, save and load. */
export class FrozenPhrases {
  readonly delimiter: string;
  private readonly pairs: Map<string, Map<string, number>> = new Map();
  private count = 0;

  constructor(phrases: Iterable<readonly [string, string, number]>, delimiter = '_') {
    this.delimiter = delimiter;
    for (const [first, second, score] of phrases) {
      let followers = this.pairs.get(first);
      if (followers === undefined) this.pairs.set(first, (followers = new Map()));
      if (!followers.has(second)) this.count++;
      followers.set(second, score);
    }
  }

  /** Number of glued pairs. */
  get size(): number {
    return this.count;
  }

  isPhrase(first: string, second: string): boolean {
    return this.pairs.get(first)?.has(second) ?? false;
  }

  apply(tokens: readonly string[]): string[] {
    return glue(tokens, this.delimiter, (first, second) => this.isPhrase(first, second));
  }

  toJSON(): PhrasesJson {
    const phrases: [string, string, number][] = [];
    for (const [first, followers] of this.pairs) {
      for (const [second, score] of followers) phrases.push([first, second, score]);
    }
    return { format: PHRASES_JSON_FORMAT, version: 1, delimiter: this.delimiter, phrases };
  }

  static fromJSON(doc: unknown, source = 'phrases'): FrozenPhrases {
    const d = doc as Partial<PhrasesJson> | null;
    if (typeof d !== 'object' || d === null || d.format !== PHRASES_JSON_FORMAT) {
      throw new FormatError(
        `${source}: expected "format": "${PHRASES_JSON_FORMAT}"; is this a verbo phrase model?`,
      );
    }
    if (d.version !== 1)
      throw new FormatError(`${source}: unsupported phrase model version ${JSON.stringify(d.version)}.`);
    if (typeof d.delimiter !== 'string' || !Array.isArray(d.phrases)) {
      throw new FormatError(`${source}: "delimiter" must be a string and "phrases" an array.`);
    }
    d.phrases.forEach((entry, i) => {
      if (
        !Array.isArray(entry) ||
        entry.length !== 3 ||
        typeof entry[0] !== 'string' ||
        typeof entry[1] !== 'string' ||
        typeof entry[2] !== 'number'
      ) {
        throw new FormatError(`${source}: phrase ${i} must be [first, second, score].`);
      }
    });
    return new FrozenPhrases(d.phrases, d.delimiter);
  }
}

/** Writes a frozen phrase model as JSON, atomically. */
export function savePhrases(phrases: FrozenPhrases | Phrases, path: string): void {
  const frozen = phrases instanceof Phrases ? phrases.freeze() : phrases;
  writeFileAtomic(path, `${JSON.stringify(frozen.toJSON())}\n`);
}

/** Reads a phrase model written by savePhrases. */
export function loadPhrases(path: string): FrozenPhrases {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new VerboError(`${path}: no such phrase model file.`, 'ENOENT');
    }
    throw fileError(error, 'read', path);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`${path}: not valid JSON (${parseFailure(error)}); expected a verbo phrase model.`);
  }
  return FrozenPhrases.fromJSON(doc, path);
}
