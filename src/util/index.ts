// The shared helpers every stage uses: typed errors, atomic files, model-directory machinery (manifest,
// lock, swap-in), memory budget, package paths and the seeded random source. src/cli and src/web import
// them from here; the library's public part of it (the errors, Random) is re-exported by src/index.ts.
export {
  type ErrorCode,
  VerboError,
  UnknownWordError,
  ShapeError,
  FormatError,
  DivergedError,
  FileSystemError,
  InternalError,
  parseFailure,
  shown,
} from './errors.js';
export {
  type ErrnoError,
  isErrnoError,
  fileError,
  withFileErrors,
  TEMPORARY_FILE,
  writeFileAtomic,
  writeStreamAtomic,
  batchedAppend,
} from './files.js';
export { MAX_ARRAY_BYTES, memoryBudgetBytes, formatBytes, checkMemory } from './memory.js';
export {
  CONFIG_FILE,
  type ModelFormat,
  describeKind,
  type ManifestEntry,
  type Manifest,
  type ModelConfigFile,
  firstNonFinite,
  readModelConfig,
  hasManifest,
  verifyBytes,
  verifyFiles,
  verifyCheckpointFiles,
  sha256Of,
  sha256OfFile,
  manifestOf,
  type DirLock,
  lockOutput,
  type TargetCheckOptions,
  checkReplaceable,
  recoverModelDir,
  settleModelDir,
  type OpenModelDirOptions,
  type ModelDirWriter,
  openModelDir,
  type ModelConfigOut,
  writeModelDir,
  writeModelDirSync,
  linkModelFiles,
  displayPath,
} from './model-files.js';
export { packageRoot, packagePath, sharedDataPath } from './paths.js';
export { Random } from './random.js';
