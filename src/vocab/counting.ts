// Counting a token stream into a vocabulary with bounded memory. Counts live in one Map<string, number>
// (V8's hash map is the fastest general string table in JS). On huge corpora the table is pruned the way
// the word2vec C tool's ReduceVocab does it: when it holds more than `maxTypes` distinct words, every word
// counted at most `level` times so far is deleted and `level` grows by one (1, 2, 3, ...).
//
// What pruning does to counts: a deleted word loses the occurrences seen so far and, if it shows up again,
// restarts from zero. So counts are never too high, and a word's count is short by at most the sum of the
// levels of the prunes that caught it (≤ 1 + 2 + ... + pruneLevel); a word whose running count stays above
// the level at every prune is exact. `prunedTokens` says how many occurrences were lost in total. The
// table never holds more than maxTypes words. (V8 caps a Map at 2^24 ≈ 16.7M entries, so maxTypes beyond
// ~16M cannot be honoured.)
import { VerboError } from '../util/errors.js';
import { Vocabulary, type VocabularyOptions, type VocabularyProgress } from './vocabulary.js';

export interface CountOptions {
  /** Prune when the table holds more distinct words than this (default: never). */
  maxTypesWhileCounting?: number;
  /** Called about every `progressEvery` tokens (at sentence ends) and once at the end. */
  onProgress?: (event: VocabularyProgress) => void;
  /** Tokens between progress reports (default 1,000,000). */
  progressEvery?: number;
}

/** Incremental token counter: feed sentences with `add`, read `counts`. */
export class TokenCounter {
  /** word → count, in order of (latest) first occurrence. */
  readonly counts = new Map<string, number>();
  /** Every token added, including those later lost to pruning. */
  tokens = 0;
  /** The level of the last prune (0: never pruned, counts exact). */
  pruneLevel = 0;
  /** Occurrences discarded by pruning. */
  prunedTokens = 0;
  /** How many times the table was pruned. */
  prunes = 0;
  private readonly maxTypes: number;

  constructor(options: { maxTypes?: number } = {}) {
    const maxTypes = options.maxTypes ?? Number.POSITIVE_INFINITY;
    if (!(maxTypes >= 1)) {
      throw new VerboError(`maxTypesWhileCounting must be at least 1, got ${options.maxTypes}.`);
    }
    this.maxTypes = maxTypes;
  }

  /** Distinct words held right now. */
  get types(): number {
    return this.counts.size;
  }

  /** Counts one sentence (or any run of tokens). */
  add(tokens: readonly string[]): void {
    const counts = this.counts;
    const maxTypes = this.maxTypes;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      const count = counts.get(token);
      if (count !== undefined) counts.set(token, count + 1);
      else {
        counts.set(ownString(token), 1);
        if (counts.size > maxTypes) this.prune();
      }
    }
    this.tokens += tokens.length;
  }

  /** Deletes words counted ≤ level, raising the level, until the table fits in maxTypes. */
  private prune(): void {
    const counts = this.counts;
    while (counts.size > this.maxTypes) {
      const level = this.pruneLevel + 1;
      for (const [word, count] of counts) {
        if (count <= level) {
          counts.delete(word);
          this.prunedTokens += count;
        }
      }
      this.pruneLevel = level;
      this.prunes++;
    }
  }
}

/**
 * A copy of `text` that holds no reference to a larger string. V8 makes substrings of 13 or more
 * characters (from split, slice, regex matches) as views into their parent, so a word kept as a Map key
 * would keep its whole input line alive and memory would grow with the corpus. Concatenating, forcing
 * a flat copy (Number() reads the characters) and slicing off the extra character yields a string backed
 * only by the word itself. Shorter substrings are already copies.
 */
export function ownString(text: string): string {
  if (text.length < 13) return text;
  const joined = ` ${text}`;
  Number(joined);
  return joined.slice(1);
}

/** Counts every token of a stream of sentences (sync or async iterable of token arrays). */
export async function countTokens(
  sentences: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
  options: CountOptions = {},
): Promise<TokenCounter> {
  const counter = new TokenCounter({ maxTypes: options.maxTypesWhileCounting });
  const onProgress = options.onProgress;
  const every = options.progressEvery ?? 1_000_000;
  let nextReport = every;
  for await (const sentence of sentences) {
    counter.add(sentence);
    if (onProgress !== undefined && counter.tokens >= nextReport) {
      onProgress({ tokens: counter.tokens, types: counter.types });
      nextReport = counter.tokens + every;
    }
  }
  onProgress?.({ tokens: counter.tokens, types: counter.types });
  return counter;
}

/** Counts a stream of sentences and builds the vocabulary (specials, min-count, max-size). */
export async function buildVocabulary(
  sentences: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
  options: VocabularyOptions = {},
): Promise<Vocabulary> {
  const counter = await countTokens(sentences, options);
  return vocabularyFromCounter(counter, options);
}

/** The vocabulary of a finished TokenCounter, carrying its pruning facts. */
export function vocabularyFromCounter(counter: TokenCounter, options: VocabularyOptions = {}): Vocabulary {
  return Vocabulary.fromCounts(counter.counts, {
    minCount: options.minCount,
    maxSize: options.maxSize,
    specials: options.specials,
    tokensSeen: counter.tokens,
    pruneLevel: counter.pruneLevel,
    prunedTokens: counter.prunedTokens,
  });
}

/**
 * Rough peak bytes for counting `types` distinct words and building their vocabulary: the counting Map
 * (entry, hash slack and the string: ~55 bytes for an 8-letter word measured on Node 20), the built
 * vocabulary (id array, counts, index map: ~40 bytes) and the sorting temporaries, rounded up to
 * 150 bytes per word plus 1.5 bytes per character (Latin-1 letters take one byte, others two).
 */
export function estimateVocabularyMemory(types: number, avgWordLength = 8): number {
  if (!(types >= 0) || !(avgWordLength >= 0)) {
    throw new VerboError(
      `estimateVocabularyMemory: expected types ≥ 0 and a length ≥ 0, got ${types}, ${avgWordLength}.`,
    );
  }
  const perWord = 150 + Math.ceil(1.5 * avgWordLength);
  return Math.round(types * perWord);
}
