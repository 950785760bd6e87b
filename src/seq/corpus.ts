// Files → id streams for the language model, and the perplexity of a file: the glue between the
// corpus reader of src/text and the model (one place, so the CLI stays thin).
import { openCorpus } from '../text/index.js';
import type { Vocabulary } from '../vocab/index.js';
import {
  buildLmVocabulary,
  createLmTokenizer,
  type EncodedText,
  encodeLines,
  type LmTextOptions,
  type LmVocabularyOptions,
} from './data.js';
import type { LanguageModel } from './model.js';
import { type EvaluateOptions, type Evaluation, evaluatePerplexity } from './train.js';

export interface LmCorpusOptions {
  /** Stop after this many ids. */
  maxTokens?: number;
  /** Receives corpus warnings (e.g. invalid UTF-8). */
  onWarning?: (message: string) => void;
}

/** Builds the vocabulary of training files (PTB style: each line's tokens + <eos>). */
export async function vocabularyOfFiles(
  inputs: readonly string[],
  text: LmTextOptions,
  options: LmVocabularyOptions & { onWarning?: (message: string) => void } = {},
): Promise<Vocabulary> {
  const corpus = openCorpus(inputs, { onWarning: options.onWarning });
  try {
    return await buildLmVocabulary(corpus, createLmTokenizer(text), options);
  } finally {
    corpus.close();
  }
}

/** Encodes files into one id stream with the model's (or given) tokenization and vocabulary. */
export async function encodeFiles(
  inputs: readonly string[],
  text: LmTextOptions,
  vocab: Vocabulary,
  options: LmCorpusOptions = {},
): Promise<EncodedText> {
  const corpus = openCorpus(inputs, { onWarning: options.onWarning });
  try {
    return await encodeLines(corpus, createLmTokenizer(text), vocab, { maxTokens: options.maxTokens });
  } finally {
    corpus.close();
  }
}

/** Per-token perplexity of files under the model (unknown words count as <unk>, as in PTB). */
export async function perplexityOfFiles(
  model: LanguageModel,
  inputs: readonly string[],
  options: EvaluateOptions & LmCorpusOptions = {},
): Promise<Evaluation & { unknownTokens: number }> {
  const encoded = await encodeFiles(inputs, model.config, model.vocab, options);
  return { ...evaluatePerplexity(model, encoded.ids, options), unknownTokens: encoded.unknownTokens };
}
