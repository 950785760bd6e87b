// The vocabulary stage: counting a token stream into word ↔ id with counts, sampling distributions for
// word2vec (subsampling, noise, alias sampler), phrase detection, and the vocabulary file formats.
export { Vocabulary } from './vocabulary.js';
export type { VocabularyOptions, VocabularyProgress, VocabularyInfo } from './vocabulary.js';
export {
  TokenCounter,
  countTokens,
  buildVocabulary,
  vocabularyFromCounter,
  estimateVocabularyMemory,
} from './counting.js';
export type { CountOptions } from './counting.js';
export { keepProbabilities, noiseWeights, AliasSampler } from './sampling.js';
export { Phrases } from './phrases.js';
export type { PhrasesOptions, PhraseScoring } from './phrases.js';
export {
  saveVocabularyText,
  loadVocabularyText,
  saveVocabularyJson,
  loadVocabularyJson,
  vocabularyToJson,
  vocabularyFromJson,
  saveVocabulary,
  loadVocabulary,
  VOCAB_JSON_FORMAT,
  VOCAB_JSON_VERSION,
} from './io.js';
export type { VocabularyJson } from './io.js';
