// The sequence stage: RNN / LSTM / GRU language models on the tensor core — data (vocabulary with
// <unk>/<eos>, PTB batching), the model and its inference (predict, generate, perplexity), truncated-BPTT
// training, word2vec initialisation, and the model directory.
export {
  UNK,
  EOS,
  LM_SPECIALS,
  createLmTokenizer,
  buildLmVocabulary,
  encodeTokens,
  encodeLines,
  batchify,
  windowCount,
  getWindow,
  type LmLevel,
  type LmTextOptions,
  type LmTokenizer,
  type LmVocabularyOptions,
  type EncodedText,
  type BatchedStream,
  type Window,
} from './data.js';
export {
  CELL_TYPES,
  type CellType,
  LanguageModel,
  resolveConfig,
  softmax64,
  topIndices,
  type LanguageModelOptions,
  type LanguageModelConfig,
  type NamedParameter,
  type Prediction,
  type PredictOptions,
  type GenerateOptions,
  type Generation,
  type ForwardResult,
} from './model.js';
export {
  trainLanguageModel,
  evaluatePerplexity,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  type EpochRecord,
  type EvaluateOptions,
  type Evaluation,
  type LmOptimizerName,
} from './train.js';
export { saveLanguageModel, loadLanguageModel, LM_FORMAT, LM_FORMAT_VERSION, LM_FILES } from './io.js';
export { checkLanguageModelSize, LM_LIMITS, languageModelParameters } from './limits.js';
export { hasLmCheckpoint, lmCheckpointToResume, partialLmCheckpointDir } from './run-guard.js';
export {
  readWord2VecFile,
  resolveVectorsPath,
  initEmbeddingFromVectors,
  type WordVectors,
  type VectorCoverage,
} from './vectors.js';
export { vocabularyOfFiles, encodeFiles, perplexityOfFiles, type LmCorpusOptions } from './corpus.js';
