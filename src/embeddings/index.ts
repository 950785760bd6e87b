// The embeddings stage: word2vec and subword (fastText) training, the KeyedVectors query object (and
// SubwordVectors, which also answers for unseen words), vector file formats (word2vec, fastText .bin),
// the model directory and evaluation. Exports are named one by one.
export type { Neighbor } from '../search/index.js';
export {
  KeyedVectors,
  type MostSimilarOptions,
  type NeighborOptions,
  type QueryTerm,
  type SearchIndexOptions,
} from './keyed-vectors.js';
export {
  readWord2Vec,
  writeWord2Vec,
  formatFloat32,
  type Word2VecFormat,
  type Word2VecFile,
  type ReadWord2VecOptions,
  type WriteWord2VecOptions,
} from './formats.js';
export { SubwordVectors, fastTextWriteData, type SubwordVectorsOptions } from './subword-vectors.js';
export {
  characterNgrams,
  fastTextHash,
  ngramBuckets,
  DEFAULT_SUBWORD_SETTINGS,
  END_OF_SENTENCE,
  type SubwordSettings,
} from './subword.js';
export {
  readFastTextBin,
  writeFastTextBin,
  isFastTextBin,
  FASTTEXT_MAGIC,
  FASTTEXT_VERSION,
  type FastTextArgs,
  type FastTextLoss,
  type FastTextModelKind,
  type FastTextModelData,
  type FastTextWriteData,
  type ReadFastTextOptions,
} from './fasttext-bin.js';
export {
  saveModel,
  loadModel,
  buildModelIndex,
  loadModelIndex,
  writeModelFiles,
  type LoadModelIndexOptions,
  MODEL_FILES,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type SaveModelOptions,
  type LoadedModel,
  type ModelConfig,
} from './model-dir.js';
export {
  evaluateAnalogies,
  evaluateAnalogiesFile,
  evaluateWordPairs,
  evaluateWordPairsFile,
  type AnalogyEvaluation,
  type AnalogyEvaluationOptions,
  type AnalogySectionResult,
  type WordPairEvaluation,
  type WordPairEvaluationOptions,
} from './evaluate.js';
export { lookupWord, type WordLookup } from './lookup.js';
export { spearman, pearson, averageRanks } from './spearman.js';
export {
  trainWord2Vec,
  learningRate,
  resolveOptions as resolveWord2VecOptions,
  type Word2VecOptions,
  type Word2VecModel,
  type ResolvedWord2VecOptions,
  type TrainingState,
  type TrainEvent,
  type TrainHooks,
  type Word2VecTrainResult,
  type TrainSummary,
  type Word2VecEpochRecord,
  type MemoryEstimate,
  type SentenceCorpus,
} from './trainer.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  checkpointDir,
  hasCheckpoint,
  partialCheckpointDir,
} from './checkpoint.js';
export { buildHuffmanTree, type HuffmanTree } from './huffman.js';
export { pca2d, type Projection2D, type PcaOptions } from './projection.js';
export { umap2d, type UmapOptions } from './umap.js';
