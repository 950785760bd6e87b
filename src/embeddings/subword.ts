// Character n-grams of words and their hashed rows, exactly as fastText computes them, so that a subword
// model's rows mean the same thing here, in the fastText CLI and in gensim:
//   - a word is wrapped as "<word>" and taken as UTF-8 bytes;
//   - an n-gram starts at every byte that begins a character (not a 10xxxxxx continuation byte) and
//     grows one character at a time (a character = its lead byte and its continuation bytes) up to
//     `maxn` characters; those of `minn` characters or more are kept, except the one-character n-grams
//     "<" and ">" themselves (which only matter when minn is 1);
//   - an n-gram's row is nwords + FNV-1a-32(bytes) mod bucket, where FNV-1a XORs each byte SIGN-EXTENDED
//     to 32 bits (fastText reads bytes as signed chars: 0xC3 enters as 0xFFFFFFC3). This decides the
//     row of every n-gram holding a non-ASCII character, i.e. of most Portuguese ones;
//   - the end-of-sentence token "</s>" has no n-grams.
// A vocabulary word's rows are [its own row, its n-gram rows...] in that order (n-grams by start, then
// length, duplicates kept); its vector is the mean of those rows. An unknown word's rows are its
// n-gram rows only.
import { VerboError } from '../util/errors.js';

/** fastText's end-of-line token: in its vocabulary, but never split into n-grams. */
export const END_OF_SENTENCE = '</s>';

export interface SubwordSettings {
  /** Shortest n-gram, in characters (fastText's -minn, default 3). */
  minn: number;
  /** Longest n-gram, in characters (fastText's -maxn, default 6; 0 turns n-grams off). */
  maxn: number;
  /** Number of hash buckets, i.e. n-gram rows (fastText's -bucket, default 2,000,000). */
  bucket: number;
}

export const DEFAULT_SUBWORD_SETTINGS: Readonly<SubwordSettings> = { minn: 3, maxn: 6, bucket: 2_000_000 };

const FNV_OFFSET_BASIS = 2166136261;
const FNV_PRIME = 16777619;
const BEGIN_OF_WORD = 0x3c; // '<'
const END_OF_WORD = 0x3e; // '>'

const encoder = new TextEncoder();

/** Throws a VerboError naming the bad setting; returns the settings. */
export function checkSubwordSettings(settings: SubwordSettings): SubwordSettings {
  const { minn, maxn, bucket } = settings;
  const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
  if (!whole(minn, 0, 100))
    throw new VerboError(`minn must be a whole number from 0 to 100, got ${minn}.`, 'BAD_ARGUMENT');
  if (!whole(maxn, 0, 100))
    throw new VerboError(`maxn must be a whole number from 0 to 100, got ${maxn}.`, 'BAD_ARGUMENT');
  if (maxn > 0 && minn > maxn) {
    throw new VerboError(
      `minn (${minn}) is larger than maxn (${maxn}): no n-gram would be kept; lower --minn or raise --maxn (or --maxn 0 for none).`,
      'BAD_ARGUMENT',
    );
  }
  if (!whole(bucket, 0, 2 ** 31 - 1)) {
    throw new VerboError(
      `bucket must be a whole number from 0 to 2147483647, got ${bucket}.`,
      'BAD_ARGUMENT',
    );
  }
  if (maxn > 0 && bucket === 0) {
    throw new VerboError(
      'bucket is 0 but maxn is not: n-grams need rows; give --bucket N or --maxn 0.',
      'BAD_ARGUMENT',
    );
  }
  return settings;
}

/** Whether words get n-grams under these settings (fastText: maxn > 0 and at least one bucket). */
export function hasNgrams(settings: SubwordSettings): boolean {
  return settings.maxn > 0 && settings.bucket > 0 && settings.minn <= settings.maxn;
}

/** fastText's FNV-1a over bytes[from, to): each byte sign-extended before the XOR. Unsigned 32-bit. */
export function fastTextHash(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let h = FNV_OFFSET_BASIS;
  for (let i = from; i < to; i++) h = Math.imul(h ^ ((bytes[i]! << 24) >> 24), FNV_PRIME);
  return h >>> 0;
}

/** The UTF-8 bytes of "<word>". */
export function wrappedBytes(word: string | Uint8Array): Uint8Array {
  const inner = typeof word === 'string' ? encoder.encode(word) : word;
  const bytes = new Uint8Array(inner.length + 2);
  bytes[0] = BEGIN_OF_WORD;
  bytes.set(inner, 1);
  bytes[inner.length + 1] = END_OF_WORD;
  return bytes;
}

/**
 * Calls `visit(from, to, hash)` for each n-gram of the wrapped word `bytes` ("<word>" as UTF-8) in
 * fastText's order, with the n-gram's byte range and its unsigned FNV-1a hash (computed incrementally:
 * FNV-1a of a longer n-gram continues that of its prefix).
 */
function forEachNgram(
  bytes: Uint8Array,
  minn: number,
  maxn: number,
  visit: (from: number, to: number, hash: number) => void,
): void {
  const size = bytes.length;
  for (let start = 0; start < size; start++) {
    if ((bytes[start]! & 0xc0) === 0x80) continue;
    let h = FNV_OFFSET_BASIS;
    let end = start;
    for (let n = 1; end < size && n <= maxn; n++) {
      h = Math.imul(h ^ ((bytes[end++]! << 24) >> 24), FNV_PRIME);
      while (end < size && (bytes[end]! & 0xc0) === 0x80)
        h = Math.imul(h ^ ((bytes[end++]! << 24) >> 24), FNV_PRIME);
      if (n >= minn && !(n === 1 && (start === 0 || end === size))) visit(start, end, h >>> 0);
    }
  }
}

/** The character n-grams of `word` (without its own row), in fastText's order; none for "</s>". */
export function characterNgrams(word: string, minn: number, maxn: number): string[] {
  if (word === END_OF_SENTENCE || maxn <= 0) return [];
  const bytes = wrappedBytes(word);
  const decoder = new TextDecoder();
  const ngrams: string[] = [];
  forEachNgram(bytes, minn, maxn, (from, to) => ngrams.push(decoder.decode(bytes.subarray(from, to))));
  return ngrams;
}

/**
 * The buckets (0 … bucket − 1) of the n-grams of `word`, in fastText's order (the row of a bucket is
 * nwords + bucket). `word` may be raw bytes (a fastText file's word, not necessarily valid UTF-8).
 */
export function ngramBuckets(word: string | Uint8Array, settings: SubwordSettings): number[] {
  const buckets: number[] = [];
  if (!hasNgrams(settings)) return buckets;
  if (word === END_OF_SENTENCE || (typeof word !== 'string' && isEndOfSentence(word))) return buckets;
  const { bucket } = settings;
  forEachNgram(wrappedBytes(word), settings.minn, settings.maxn, (_from, _to, hash) =>
    buckets.push(hash % bucket),
  );
  return buckets;
}

const END_OF_SENTENCE_BYTES = encoder.encode(END_OF_SENTENCE);
function isEndOfSentence(bytes: Uint8Array): boolean {
  return (
    bytes.length === END_OF_SENTENCE_BYTES.length && bytes.every((b, i) => b === END_OF_SENTENCE_BYTES[i])
  );
}

/**
 * The rows of every vocabulary word in compressed form: word i's rows are
 * `rows[start[i] .. start[i + 1])`, its own row i first, then nwords + bucket of each n-gram.
 * This is what training reads (the input of word i is the mean of those rows).
 */
export interface SubwordRows {
  start: Int32Array;
  rows: Int32Array;
}

/** The rows of each word of `words` (strings or raw bytes), ids in order. */
export function vocabularySubwordRows(
  words: readonly (string | Uint8Array)[],
  settings: SubwordSettings,
): SubwordRows {
  const nwords = words.length;
  const start = new Int32Array(nwords + 1);
  let rows = new Int32Array(Math.max(16, nwords * 8));
  let used = 0;
  for (let id = 0; id < nwords; id++) {
    const buckets = ngramBuckets(words[id]!, settings);
    if (used + 1 + buckets.length > rows.length) {
      const grown = new Int32Array(Math.max(rows.length * 2, used + 1 + buckets.length));
      grown.set(rows.subarray(0, used));
      rows = grown;
    }
    rows[used++] = id;
    for (const b of buckets) rows[used++] = nwords + b;
    start[id + 1] = used;
  }
  return { start, rows: rows.slice(0, used) };
}

/**
 * The mean of `rows` of `matrix` ([rowCount, dim], row-major) into `out` (zeros when `rows` is empty),
 * in fastText's float32 arithmetic (getWordVector: rows added one by one in float32, then multiplied
 * by float32(1 / count)), so a vector comes out bit for bit as the fastText CLI prints it.
 */
export function meanOfRows(
  matrix: Float32Array,
  dim: number,
  rows: ArrayLike<number>,
  out: Float32Array = new Float32Array(dim),
  from = 0,
  to = rows.length,
): Float32Array {
  // A Float32Array store rounds each sum to float32: the same as float32 addition (53 ≥ 2·24 + 2 bits).
  out.fill(0, 0, dim);
  for (let k = from; k < to; k++) {
    const at = rows[k]! * dim;
    for (let j = 0; j < dim; j++) out[j] = out[j]! + matrix[at + j]!;
  }
  const count = to - from;
  if (count > 0) {
    const scale = Math.fround(1 / count);
    for (let j = 0; j < dim; j++) out[j] = out[j]! * scale;
  }
  return out;
}
