// The vocabulary: a fixed mapping between words and ids with each word's corpus count. Specials
// (<unk>, <pad>, ...) take the first ids, then words by count, most frequent first, ties in order of
// first occurrence. Built from counts (see counting.ts for counting a token stream), grown with
// `extend` for continued training without moving existing ids.
import { VerboError } from '../util/errors.js';

export interface VocabularyProgress {
  /** Tokens counted so far. */
  tokens: number;
  /** Distinct words held in the counting table right now. */
  types: number;
}

export interface VocabularyOptions {
  /** Words seen fewer times than this are left out (default 1: keep everything). Specials are always kept. */
  minCount?: number;
  /** At most this many entries in total, specials included (default: no limit). */
  maxSize?: number;
  /** Words placed first with ids 0, 1, ... in this order, e.g. ['<unk>', '<pad>', '<bos>', '<eos>']. */
  specials?: readonly string[];
  /**
   * Memory bound while counting (as word2vec's ReduceVocab / gensim's max_vocab_size): when the table
   * holds more distinct words than this, words counted at most `level` times are dropped and `level`
   * grows by one (starting at 1). Counts of words caught by a prune restart from zero, so rare words are
   * undercounted (see TokenCounter). Default: no pruning.
   */
  maxTypesWhileCounting?: number;
  /** Called every ~1M tokens while counting, and once at the end. */
  onProgress?: (event: VocabularyProgress) => void;
}

/** Extra facts about how a vocabulary was counted, kept for reports and saved files. */
export interface VocabularyInfo {
  /** Every token counted, including words later dropped by min-count, max-size or pruning. */
  tokensSeen?: number;
  /** The min-count that was applied (1 when none was). */
  minCount?: number;
  /** The highest pruning level reached while counting (0: counts are exact). */
  pruneLevel?: number;
  /** Token occurrences discarded by pruning while counting. */
  prunedTokens?: number;
}

type CountSource = Map<string, number> | Iterable<readonly [string, number]>;

export class Vocabulary {
  /** id → word: specials first, then count descending, ties by first occurrence. */
  readonly words: readonly string[];
  /** id → count (specials count only if they occurred in the corpus; usually 0). */
  readonly counts: Float64Array;
  /** The specials, which are words[0 .. specials.length). */
  readonly specials: readonly string[];
  /** Sum of the counts of the words kept. */
  readonly totalCount: number;
  /** Every token counted, including those of dropped words. */
  readonly tokensSeen: number;
  /** The min-count applied when the vocabulary was built. */
  readonly minCount: number;
  /** The highest pruning level reached while counting (0: exact counts). */
  readonly pruneLevel: number;
  /** Token occurrences discarded by pruning while counting. */
  readonly prunedTokens: number;
  private readonly index: Map<string, number>;

  /**
   * A vocabulary from words already in id order. Most code wants `Vocabulary.fromCounts` or
   * `buildVocabulary`; this constructor is for loaders and checks only that words are distinct.
   */
  constructor(
    words: readonly string[],
    counts: ArrayLike<number>,
    specials: readonly string[] = [],
    info: VocabularyInfo = {},
  ) {
    if (words.length !== counts.length) {
      throw new VerboError(
        `Vocabulary: ${words.length} words but ${counts.length} counts; give one count per word.`,
      );
    }
    for (let i = 0; i < specials.length; i++) {
      if (words[i] !== specials[i]) {
        throw new VerboError(`Vocabulary: special '${specials[i]}' must be word ${i}, found '${words[i]}'.`);
      }
    }
    const index = new Map<string, number>();
    const ownCounts = new Float64Array(words.length);
    let total = 0;
    for (let id = 0; id < words.length; id++) {
      const word = words[id]!;
      if (index.has(word)) {
        throw new VerboError(`Vocabulary: '${word}' appears twice (ids ${index.get(word)} and ${id}).`);
      }
      index.set(word, id);
      const count = counts[id]!;
      ownCounts[id] = count;
      total += count;
    }
    this.words = Object.freeze(words.slice());
    this.counts = ownCounts;
    this.specials = Object.freeze(specials.slice());
    this.index = index;
    this.totalCount = total;
    this.tokensSeen = info.tokensSeen ?? total;
    this.minCount = info.minCount ?? 1;
    this.pruneLevel = info.pruneLevel ?? 0;
    this.prunedTokens = info.prunedTokens ?? 0;
  }

  /**
   * Builds a vocabulary from word counts: specials first, then words with count ≥ minCount, most
   * frequent first (ties keep the order of `counts`, i.e. first occurrence for a counting Map), cut to
   * maxSize entries. A special that also occurs in `counts` keeps its special id and takes that count.
   */
  static fromCounts(counts: CountSource, options: VocabularyOptions & VocabularyInfo = {}): Vocabulary {
    const minCount = options.minCount ?? 1;
    checkMinCount(minCount);
    const specials = checkSpecials(options.specials ?? []);
    const maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
    if (!(maxSize >= specials.length) || (Number.isFinite(maxSize) && !Number.isInteger(maxSize))) {
      throw new VerboError(
        `maxSize must be a whole number ≥ the number of specials (${specials.length}), got ${maxSize}.`,
      );
    }
    const specialIds = new Map(specials.map((word, id) => [word, id] as const));
    const specialCounts = new Float64Array(specials.length);
    const keptWords: string[] = [];
    const keptCounts: number[] = [];
    let seen = 0;
    for (const [word, count] of counts) {
      checkEntry(word, count);
      seen += count;
      const specialId = specialIds.get(word);
      if (specialId !== undefined) specialCounts[specialId] = count;
      else if (count >= minCount) {
        keptWords.push(word);
        keptCounts.push(count);
      }
    }
    // Stable sort of ids by count, descending: ties stay in input order.
    const order = Array.from(keptWords.keys()).sort((a, b) => keptCounts[b]! - keptCounts[a]!);
    const room = Math.min(order.length, maxSize - specials.length);
    const words = specials.slice();
    const finalCounts = new Float64Array(specials.length + room);
    finalCounts.set(specialCounts);
    for (let i = 0; i < room; i++) {
      words.push(keptWords[order[i]!]!);
      finalCounts[specials.length + i] = keptCounts[order[i]!]!;
    }
    return new Vocabulary(words, finalCounts, specials, {
      tokensSeen: options.tokensSeen ?? seen,
      minCount,
      pruneLevel: options.pruneLevel ?? 0,
      prunedTokens: options.prunedTokens ?? 0,
    });
  }

  /** Number of entries, specials included. */
  get size(): number {
    return this.words.length;
  }

  /** The id of `word`, or -1 when it is not in the vocabulary. */
  id(word: string): number {
    return this.index.get(word) ?? -1;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** The word with id `id`; throws on an id outside [0, size). */
  word(id: number): string {
    const word = this.words[id];
    if (word === undefined)
      throw new VerboError(`word id ${id} is out of range: the vocabulary has ${this.size} words.`);
    return word;
  }

  /** The count of the word with id `id`. */
  count(id: number): number {
    if (!(id >= 0 && id < this.size)) {
      throw new VerboError(`word id ${id} is out of range: the vocabulary has ${this.size} words.`);
    }
    return this.counts[id]!;
  }

  /**
   * A grown vocabulary for continued training: existing words keep their ids and add the new counts;
   * new words with count ≥ minCount (default: this vocabulary's min-count) are appended, most frequent
   * first. The result's tokensSeen adds every token in `counts`.
   */
  extend(counts: CountSource, options: { minCount?: number } = {}): Vocabulary {
    const minCount = options.minCount ?? this.minCount;
    checkMinCount(minCount);
    const grown = Float64Array.from(this.counts);
    const newWords: string[] = [];
    const newCounts: number[] = [];
    let seen = 0;
    for (const [word, count] of counts) {
      checkEntry(word, count);
      seen += count;
      const id = this.index.get(word);
      if (id !== undefined) grown[id] = grown[id]! + count;
      else if (count >= minCount) {
        newWords.push(word);
        newCounts.push(count);
      }
    }
    const order = Array.from(newWords.keys()).sort((a, b) => newCounts[b]! - newCounts[a]!);
    const words = this.words.slice();
    const allCounts = new Float64Array(this.size + order.length);
    allCounts.set(grown);
    for (let i = 0; i < order.length; i++) {
      words.push(newWords[order[i]!]!);
      allCounts[this.size + i] = newCounts[order[i]!]!;
    }
    return new Vocabulary(words, allCounts, this.specials, {
      tokensSeen: this.tokensSeen + seen,
      minCount: this.minCount,
      pruneLevel: this.pruneLevel,
      prunedTokens: this.prunedTokens,
    });
  }

  /**
   * The ids of `tokens`. Words not in the vocabulary are skipped (as word2vec does) unless `unknown`
   * gives an id to put in their place (e.g. `vocab.id('<unk>')` for a language model).
   */
  encode(tokens: readonly string[], options: { unknown?: number } = {}): Int32Array {
    const unknown = options.unknown;
    if (unknown !== undefined && !(Number.isInteger(unknown) && unknown >= 0 && unknown < this.size)) {
      throw new VerboError(`encode: unknown must be an id in [0, ${this.size}), got ${unknown}.`);
    }
    const ids = new Int32Array(tokens.length);
    let n = 0;
    for (let i = 0; i < tokens.length; i++) {
      const id = this.index.get(tokens[i]!);
      if (id !== undefined) ids[n++] = id;
      else if (unknown !== undefined) ids[n++] = unknown;
    }
    return n === ids.length ? ids : ids.slice(0, n);
  }

  /** The words of `ids`. */
  decode(ids: ArrayLike<number>): string[] {
    const words: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) words[i] = this.word(ids[i]!);
    return words;
  }

  /** [word, count] pairs in id order. */
  *entries(): IterableIterator<[string, number]> {
    for (let id = 0; id < this.size; id++) yield [this.words[id]!, this.counts[id]!];
  }
}

function checkMinCount(minCount: number): void {
  if (!(minCount >= 0) || !Number.isFinite(minCount)) {
    throw new VerboError(`minCount must be a number ≥ 0, got ${minCount}.`);
  }
}

function checkSpecials(specials: readonly string[]): readonly string[] {
  const seen = new Set<string>();
  for (const special of specials) {
    if (typeof special !== 'string' || special.length === 0) {
      throw new VerboError('specials must be non-empty strings, e.g. ["<unk>", "<pad>"].');
    }
    if (seen.has(special)) throw new VerboError(`special '${special}' is listed twice.`);
    seen.add(special);
  }
  return specials;
}

function checkEntry(word: string, count: number): void {
  if (typeof word !== 'string' || word.length === 0) {
    throw new VerboError(`vocabulary words must be non-empty strings, got ${JSON.stringify(word)}.`);
  }
  if (!(count >= 0) || !Number.isFinite(count)) {
    throw new VerboError(`the count of '${word}' must be a finite number ≥ 0, got ${count}.`);
  }
}
