// verbo's public API: each stage's index names its exports; this file re-exports the stages.
export { VerboError, UnknownWordError, ShapeError, FormatError } from './util/errors.js';
export { Random } from './util/random.js';
export {
  KeyedVectors,
  SubwordVectors,
  readWord2Vec,
  writeWord2Vec,
  readFastTextBin,
  writeFastTextBin,
  saveModel,
  loadModel,
  evaluateAnalogies,
  evaluateAnalogiesFile,
  evaluateWordPairs,
  evaluateWordPairsFile,
  trainWord2Vec,
  loadCheckpoint,
  lookupWord,
  type WordLookup,
  type Word2VecOptions,
  type TrainEvent,
  type TrainingState,
} from './embeddings/index.js';
export * from './vocab/index.js';
export * from './text/index.js';
export * from './search/index.js';
export * as nn from './nn/index.js';
export * as tensor from './tensor/index.js';
export * from './seq/index.js';
export * as web from './web/index.js';
