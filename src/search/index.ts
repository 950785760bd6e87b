// Nearest-neighbour search over words: one KnnIndex interface, exact (the native scan) and HNSW; the exact
// scan itself (scanTopK) and the bounded top-k heap for callers that scan their own matrix.
export type {
  AddOptions,
  KnnIndex,
  Neighbor,
  NoticeCallback,
  Query,
  SearchOptions,
  VectorsInput,
  WordFilter,
} from './types.js';
export { ExactIndex, type ExactIndexOptions } from './exact.js';
export {
  type HnswBuilder,
  type HnswEngine,
  HnswIndex,
  HNSW_LIMITS,
  type HnswOptions,
  type HnswSidecar,
  type RecallOptions,
  type RecallReport,
  readSidecar,
  sidecarPath,
} from './hnsw.js';
export {
  buildIndexFiles,
  type BuildIndexFilesResult,
  chooseIndexKind,
  type CreateIndexOptions,
  createIndex,
  DEFAULT_EXACT_THRESHOLD,
  type IndexKind,
  indexFilePath,
  indexFilesExist,
  loadIndex,
  loadIndexFiles,
  type LoadIndexFilesOptions,
} from './factory.js';
export { vectorsChecksum } from './checksum.js';
export { type HnswGraph, parseHnswlibIndex } from './hnswlib-format.js';
export type { HnswTraversal } from './kernels/hnsw.js';
export { boundedEditDistance, suggestSpellings } from './suggest.js';
export { type ScanOptions, type ScanResult, scanTopK, scanTopKReference } from './kernels/scan.js';
export { type ScoredIndex, TopK } from './top-k.js';
