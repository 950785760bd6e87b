// Language-model data: lines → tokens (word or character level) → a vocabulary with <unk> and <eos>
// → one Int32Array id stream (Penn Treebank style: each line's tokens followed by <eos>) → the classic
// truncated-BPTT batching.
//
// Batching (Zaremba et al. 2014; PyTorch's word_language_model): the stream of N ids is cut into
// `batch` parallel streams of ⌊N / batch⌋ ids each (the tail is dropped), stream b being the b-th
// consecutive chunk. Window w covers positions [w·bptt, w·bptt + steps) of every stream; its targets are
// the same positions shifted by one. Consecutive windows continue each stream, so the hidden state of
// row b after window w is the right starting state for row b of window w + 1. Windows are returned
// batch-major ([batch, time], flat index b·steps + t), the layout of the fused recurrent ops.
//
// Memory: the id stream is 4 bytes per token (PTB's 930k training tokens are 3.7 MB); the model,
// not the corpus, dominates.
import { createPipeline, tokenizeCharacters } from '../text/index.js';
import { VerboError } from '../util/errors.js';
import { Vocabulary } from '../vocab/index.js';

/** The unknown-word and end-of-line specials (ids 0 and 1 in every LM vocabulary). */
export const UNK = '<unk>';
export const EOS = '<eos>';
export const LM_SPECIALS: readonly string[] = [UNK, EOS];

export type LmLevel = 'word' | 'char';

/** How text becomes tokens; stored in the model so that prediction tokenizes as training did. */
export interface LmTextOptions {
  /** 'word' (default) or 'char' (grapheme clusters; whitespace runs become one ' '). */
  level?: LmLevel;
  /** Word level: 'none' splits on whitespace (PTB files), 'default' runs the text pipeline. */
  prep?: 'none' | 'default';
  /** Word level with prep 'default': the pipeline language. */
  lang?: 'en' | 'pt';
}

/** A line → tokens function (without the trailing <eos>). */
export type LmTokenizer = (line: string) => string[];

/** The tokenizer for these options (word: pipeline or whitespace; char: characters). */
export function createLmTokenizer(options: LmTextOptions = {}): LmTokenizer {
  const level = options.level ?? 'word';
  if (level === 'char') return (line) => tokenizeCharacters(line);
  if (level !== 'word') throw new VerboError(`unknown level '${level as string}'; expected word or char.`);
  const pipeline = createPipeline({ prep: options.prep ?? 'default', lang: options.lang ?? 'en' });
  return (line) => pipeline.tokens(line);
}

export interface LmVocabularyOptions {
  /** At most this many entries, the two specials included (default: no limit). */
  maxSize?: number;
  /** Leave out words seen fewer times (default 1). */
  minCount?: number;
}

/** Counts the corpus and builds the vocabulary: <unk>, <eos>, then tokens by count. */
export async function buildLmVocabulary(
  lines: AsyncIterable<string>,
  tokenize: LmTokenizer,
  options: LmVocabularyOptions = {},
): Promise<Vocabulary> {
  const counts = new Map<string, number>();
  let eos = 0;
  for await (const line of lines) {
    const tokens = tokenize(line);
    if (tokens.length === 0) continue;
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    eos++;
  }
  if (eos === 0) {
    throw new VerboError('the training text has no tokens; give a file with text in it.', 'EMPTY');
  }
  counts.set(EOS, (counts.get(EOS) ?? 0) + eos);
  return Vocabulary.fromCounts(counts, {
    specials: LM_SPECIALS,
    maxSize: options.maxSize,
    minCount: options.minCount,
  });
}

/** The ids of a token list; unknown tokens become <unk> and are counted. */
export function encodeTokens(
  tokens: readonly string[],
  vocab: Vocabulary,
): { ids: Int32Array; unknown: string[] } {
  const ids = new Int32Array(tokens.length);
  const unknown: string[] = [];
  const unk = vocab.id(UNK);
  tokens.forEach((token, i) => {
    const id = vocab.id(token);
    if (id < 0) unknown.push(token);
    ids[i] = id < 0 ? unk : id;
  });
  return { ids, unknown };
}

export interface EncodedText {
  /** Every line's ids followed by <eos>. */
  ids: Int32Array;
  /** Tokens that were not in the vocabulary (mapped to <unk>). */
  unknownTokens: number;
  /** Lines with at least one token. */
  lines: number;
}

/** Encodes a corpus into one id stream (PTB style), stopping after `maxTokens` ids if given. */
export async function encodeLines(
  lines: AsyncIterable<string>,
  tokenize: LmTokenizer,
  vocab: Vocabulary,
  options: { maxTokens?: number } = {},
): Promise<EncodedText> {
  const limit = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const unk = vocab.id(UNK);
  const eos = vocab.id(EOS);
  if (unk < 0 || eos < 0) {
    throw new VerboError(`a language-model vocabulary needs the specials ${UNK} and ${EOS}.`, 'FORMAT');
  }
  let buffer = new Int32Array(1 << 16);
  let length = 0;
  let unknownTokens = 0;
  let count = 0;
  const push = (id: number): void => {
    if (length === buffer.length) {
      const grown = new Int32Array(buffer.length * 2);
      grown.set(buffer);
      buffer = grown;
    }
    buffer[length++] = id;
  };
  outer: for await (const line of lines) {
    const tokens = tokenize(line);
    if (tokens.length === 0) continue;
    count++;
    for (const token of tokens) {
      if (length >= limit) break outer;
      const id = vocab.id(token);
      if (id < 0) unknownTokens++;
      push(id < 0 ? unk : id);
    }
    if (length >= limit) break;
    push(eos);
  }
  return { ids: buffer.slice(0, length), unknownTokens, lines: count };
}

/** The id stream cut into `batch` parallel streams: row b is streams[b·length, (b + 1)·length). */
export interface BatchedStream {
  streams: Int32Array;
  batch: number;
  /** Ids per stream. */
  length: number;
}

/** Cuts `ids` into `batch` consecutive streams of ⌊N / batch⌋ ids (the tail is dropped). */
export function batchify(ids: Int32Array, batch: number): BatchedStream {
  if (!(Number.isInteger(batch) && batch >= 1)) {
    throw new VerboError(`batch must be a whole number ≥ 1, got ${batch}.`, 'BAD_ARGUMENT');
  }
  const length = Math.floor(ids.length / batch);
  if (length < 2) {
    throw new VerboError(
      `the text has ${ids.length} tokens, too few for ${batch} parallel streams of at least 2 tokens; ` +
        'give more text or a smaller --batch.',
      'EMPTY',
    );
  }
  return { streams: ids.slice(0, length * batch), batch, length };
}

/** Number of windows of `bptt` steps: full windows only, or also the shorter last one. */
export function windowCount(data: BatchedStream, bptt: number, partial = false): number {
  const positions = data.length - 1; // the last id of a stream is only ever a target
  return partial ? Math.ceil(positions / bptt) : Math.floor(positions / bptt);
}

export interface Window {
  /** Batch-major input ids [batch, steps]: inputs[b·steps + t] = stream b at position start + t. */
  inputs: Int32Array;
  /** The next ids, same layout. */
  targets: Int32Array;
  steps: number;
}

/** Window number `index`: at most `bptt` steps from position index·bptt of every stream. */
export function getWindow(data: BatchedStream, index: number, bptt: number): Window {
  const start = index * bptt;
  const steps = Math.min(bptt, data.length - 1 - start);
  if (steps <= 0) throw new VerboError(`window ${index} is past the end of the streams`);
  const { batch, length, streams } = data;
  const inputs = new Int32Array(steps * batch);
  const targets = new Int32Array(steps * batch);
  for (let b = 0; b < batch; b++) {
    const from = b * length + start;
    inputs.set(streams.subarray(from, from + steps), b * steps);
    targets.set(streams.subarray(from + 1, from + 1 + steps), b * steps);
  }
  return { inputs, targets, steps };
}
