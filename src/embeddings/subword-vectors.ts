// SubwordVectors: the query object of a subword (fastText) model, gensim's FastTextKeyedVectors. It keeps
// the trained input matrix — word rows, then `bucket` n-gram rows — and the settings that map a word to
// its rows (subword.ts). A vocabulary word's vector is the mean of its own row and its n-gram rows (held
// precomputed in `vectors`, so searches run over the vocabulary as for word2vec); a word outside the
// vocabulary gets the mean of its n-gram rows, as the fastText CLI and gensim compute it, and every
// query (vector, similarity, neighbours, analogies, evaluation) accepts it. `vectorSource` tells the two
// apart so the CLI and the page can say when a vector was built from n-grams.
import { ShapeError } from '../util/errors.js';
import type { FastTextArgs, FastTextModelData, FastTextWriteData } from './fasttext-bin.js';
import { KeyedVectors } from './keyed-vectors.js';
import {
  characterNgrams,
  checkSubwordSettings,
  hasNgrams,
  meanOfRows,
  ngramBuckets,
  type SubwordSettings,
  vocabularySubwordRows,
} from './subword.js';

export interface SubwordVectorsOptions {
  /** Corpus counts per word (row order). */
  counts?: Float64Array;
  /** The exact bytes of each word when they are not its UTF-8 (a fastText file's invalid UTF-8). */
  wordBytes?: readonly Uint8Array[];
}

/** The mean-of-rows vector of every vocabulary word: [words, dim]. */
function composeVocabulary(
  words: readonly string[],
  input: Float32Array,
  dim: number,
  settings: SubwordSettings,
  wordBytes: readonly Uint8Array[] | undefined,
): Float32Array {
  const { start, rows } = vocabularySubwordRows(wordBytes ?? words, settings);
  const composed = new Float32Array(words.length * dim);
  for (let i = 0; i < words.length; i++) {
    meanOfRows(input, dim, rows, composed.subarray(i * dim, (i + 1) * dim), start[i]!, start[i + 1]!);
  }
  return composed;
}

export class SubwordVectors extends KeyedVectors {
  /** minn, maxn, bucket: how a word maps to its n-gram rows. */
  readonly settings: Readonly<SubwordSettings>;
  /** [words + bucket, dim]: the trained word rows, then the n-gram rows (fastText's input matrix). */
  readonly inputMatrix: Float32Array;

  constructor(
    words: readonly string[],
    inputMatrix: Float32Array,
    dim: number,
    settings: SubwordSettings,
    options: SubwordVectorsOptions = {},
  ) {
    checkSubwordSettings(settings);
    if (inputMatrix.length !== (words.length + settings.bucket) * dim) {
      throw new ShapeError(
        `SubwordVectors: the input matrix has ${inputMatrix.length} values, expected (${words.length} words + ${settings.bucket} buckets) × dim ${dim}.`,
      );
    }
    super(
      words,
      composeVocabulary(words, inputMatrix, dim, settings, options.wordBytes),
      dim,
      options.counts,
    );
    this.settings = { ...settings };
    this.inputMatrix = inputMatrix;
  }

  /** The vectors of a fastText .bin (readFastTextBin): every word's vector as the fastText CLI prints it. */
  static fromFastText(data: FastTextModelData): SubwordVectors {
    const { args } = data;
    return new SubwordVectors(
      data.words,
      data.input,
      args.dim,
      { minn: args.minn, maxn: args.maxn, bucket: args.bucket },
      { counts: data.counts, wordBytes: data.wordBytes },
    );
  }

  /** Whether words outside the vocabulary can get a vector (the model has n-grams). */
  get hasNgrams(): boolean {
    return hasNgrams(this.settings);
  }

  override vectorSource(word: string): 'vocabulary' | 'ngrams' | undefined {
    if (this.has(word)) return 'vocabulary';
    return ngramBuckets(word, this.settings).length > 0 ? 'ngrams' : undefined;
  }

  /** The character n-grams of `word` (its vector's parts besides its own row), in fastText's order. */
  ngrams(word: string): string[] {
    return hasNgrams(this.settings) ? characterNgrams(word, this.settings.minn, this.settings.maxn) : [];
  }

  protected override vectorOutsideVocabulary(word: string): Float32Array | undefined {
    const buckets = ngramBuckets(word, this.settings);
    if (buckets.length === 0) return undefined;
    const rows = buckets.map((bucket) => this.size + bucket);
    return meanOfRows(this.inputMatrix, this.dim, rows);
  }
}

/** fastText's defaults for the .bin header fields a model does not say. */
const DEFAULT_ARGS: FastTextArgs = {
  dim: 100,
  ws: 5,
  epoch: 5,
  minCount: 5,
  neg: 5,
  wordNgrams: 1,
  loss: 'ns',
  model: 'skipgram',
  bucket: 0,
  minn: 3,
  maxn: 0,
  lrUpdateRate: 100,
  t: 1e-4,
};

/**
 * What writeFastTextBin needs to write `vectors` as a fastText .bin: a subword model with its own rows
 * and n-gram rows, or plain word vectors as a model without n-grams (maxn 0, bucket 0) — both answer
 * `fasttext nn` and `print-word-vectors` with the same vectors. `args` fills the header's training
 * settings (ws, epoch, neg, loss, ...); counts default to 1 per word when unknown.
 */
export function fastTextWriteData(
  vectors: KeyedVectors,
  options: { args?: Partial<FastTextArgs>; output?: Float32Array; ntokens?: number } = {},
): FastTextWriteData {
  const subword = vectors instanceof SubwordVectors ? vectors : undefined;
  const args: FastTextArgs = {
    ...DEFAULT_ARGS,
    ...options.args,
    dim: vectors.dim,
    ...(subword === undefined
      ? { bucket: 0, maxn: 0 }
      : { bucket: subword.settings.bucket, minn: subword.settings.minn, maxn: subword.settings.maxn }),
  };
  return {
    args,
    words: vectors.words,
    counts: vectors.counts ?? new Float64Array(vectors.size).fill(1),
    ...(options.ntokens === undefined ? {} : { ntokens: options.ntokens }),
    input: subword?.inputMatrix ?? vectors.vectors,
    ...(options.output === undefined ? {} : { output: options.output }),
  };
}
