// Nearest-neighbour search over words: one KnnIndex interface, exact (WebAssembly SIMD scan) and HNSW.
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
export type { HnswTraversal } from './kernels/wasm-hnsw.js';
export { boundedEditDistance, suggestSpellings } from './suggest.js';
