// The language-model directory:
//   config.json   { format: 'verbo-lm', version 2, config (architecture + tokenization), vocabularySize,
//                   embeddingFrozen, training (a summary) }
//   vocab.json    the vocabulary (src/vocab's versioned JSON)
//   weights.json + weights.bin   the parameters by name, in nn's one weight format (nn/weights-file.ts)
// The folder is written through util/model-files: built beside the target and swapped in by renames,
// config.json carrying the manifest (size and sha256 of every file), checked at load with every weight
// against the architecture, so a half-written, edited or mixed folder is refused; weights that are not
// finite are never saved. Other files in the folder (a run's checkpoint/, history.json) are kept.
// Version 1 directories (weights.bin alone, its layout listed in config.json) are still read.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  assignWeights,
  readWeightFile,
  type WeightEntry,
  type WeightMap,
  writeWeightFile,
} from '../nn/index.js';
import { FormatError, parseFailure, VerboError } from '../util/errors.js';
import {
  describeKind,
  firstNonFinite,
  hasManifest,
  linkModelFiles,
  type ModelConfigFile,
  type ModelConfigOut,
  settleModelDir,
  verifyFiles,
  writeModelDirSync,
} from '../util/model-files.js';
import { loadVocabularyJson, saveVocabularyJson } from '../vocab/index.js';
import { LanguageModel, type LanguageModelConfig } from './model.js';
import { createLmTokenizer } from './data.js';

export const LM_FORMAT = 'verbo-lm' as const;
export const LM_FORMAT_VERSION = 2;
export const LM_FILES = {
  config: 'config.json',
  vocabulary: 'vocab.json',
  weights: 'weights.bin',
  weightsManifest: 'weights.json',
} as const;

interface LmConfigFile extends ModelConfigFile {
  format: typeof LM_FORMAT;
  version: number;
  config: LanguageModelConfig;
  vocabularySize: number;
  embeddingFrozen: boolean;
  /** Version 1 only: the parameters' order and shapes in weights.bin, and its size. */
  parameters?: { name: string; shape: number[] }[];
  weightsBytes?: number;
  training?: Record<string, unknown>;
}

/** Writes the model to `dir` (created if needed); `training` is a summary stored in config.json. */
export function saveLanguageModel(
  model: LanguageModel,
  dir: string,
  extra: { training?: Record<string, unknown> } = {},
): void {
  const weights = model
    .parameters()
    .map((p) => ({ name: p.name, shape: p.tensor.shape, values: p.tensor.toFloat32Array() }));
  for (const w of weights) {
    const bad = firstNonFinite(w.values);
    if (bad >= 0) {
      throw new VerboError(
        `the language model's weight '${w.name}' holds ${w.values[bad]} at index ${bad}; a diverged model is not saved (${dir} is left as it was). Lower the learning rate or clip gradients.`,
        'DIVERGED',
      );
    }
  }
  const own = new Set<string>([
    LM_FILES.config,
    LM_FILES.vocabulary,
    LM_FILES.weights,
    LM_FILES.weightsManifest,
  ]);
  writeModelDirSync(dir, { format: LM_FORMAT }, (staging) => {
    if (existsSync(join(dir, LM_FILES.config))) linkModelFiles(dir, staging, (name) => own.has(name));
    return writeLanguageModelFiles(model, staging, extra, weights);
  });
}

/**
 * Writes vocab.json and the weights of `model` into `folder` (a model folder being built, see
 * util/model-files) and returns what config.json holds besides the manifest. `weights` default to the
 * model's own; non-finite ones are for the caller to refuse (saveLanguageModel does).
 */
export function writeLanguageModelFiles(
  model: LanguageModel,
  folder: string,
  extra: { training?: Record<string, unknown> } = {},
  weights: WeightEntry[] = model
    .parameters()
    .map((p) => ({ name: p.name, shape: p.tensor.shape, values: p.tensor.toFloat32Array() })),
): ModelConfigOut {
  saveVocabularyJson(model.vocab, join(folder, LM_FILES.vocabulary));
  writeWeightFile(folder, weights);
  return {
    format: LM_FORMAT,
    version: LM_FORMAT_VERSION,
    config: model.config,
    vocabularySize: model.vocab.size,
    embeddingFrozen: model.embeddingFrozen,
    ...(extra.training !== undefined ? { training: extra.training } : {}),
  };
}

/** Reads a model directory written by saveLanguageModel (checks format, version, sizes). */
export function loadLanguageModel(dir: string): LanguageModel {
  if (!settleModelDir(dir) || !statSync(dir).isDirectory()) {
    throw new VerboError(
      `'${dir}' is not a language-model directory (it does not exist or is a file); train one with: verbo lm train <text> --out ${dir}`,
      'ENOENT',
    );
  }
  const configPath = join(dir, LM_FILES.config);
  if (!existsSync(configPath)) {
    throw new VerboError(
      `'${dir}' holds no ${LM_FILES.config}; is it a language model written by verbo lm train?`,
      'ENOENT',
    );
  }
  let file: LmConfigFile;
  try {
    file = JSON.parse(readFileSync(configPath, 'utf8')) as LmConfigFile;
  } catch (error) {
    throw new FormatError(`${configPath}: not valid JSON (${parseFailure(error)}).`);
  }
  if (file.format !== LM_FORMAT) {
    const format = String(file.format);
    throw new FormatError(
      format.startsWith('verbo-')
        ? `${configPath}: ${dir} holds a ${describeKind(format)}, not a language model.`
        : `${configPath}: expected "format": "${LM_FORMAT}", got ${JSON.stringify(file.format)}; is this a verbo language model?`,
    );
  }
  if (!(Number.isInteger(file.version) && file.version >= 1)) {
    throw new FormatError(`${configPath}: "version" must be a whole number ≥ 1.`);
  }
  if (file.version > LM_FORMAT_VERSION) {
    throw new FormatError(
      `${configPath}: language-model format version ${file.version} is newer than this verbo reads (${LM_FORMAT_VERSION}); upgrade verbo.`,
    );
  }
  if (file.version >= 2 && !hasManifest(file)) {
    throw new FormatError(`${configPath}: the manifest ("files") is missing; the folder is corrupt.`);
  }
  if (file.config === null || typeof file.config !== 'object' || !Number.isSafeInteger(file.vocabularySize)) {
    throw new FormatError(`${configPath}: "config" and "vocabularySize" are missing or malformed.`);
  }
  try {
    createLmTokenizer(file.config); // the text settings are checked here, not at the first prediction
  } catch (error) {
    if (!(error instanceof VerboError)) throw error;
    throw new FormatError(`${configPath}: ${error.message} The folder's settings are corrupt.`);
  }
  verifyFiles(
    dir,
    file,
    file.version === 1
      ? [LM_FILES.vocabulary, LM_FILES.weights]
      : [LM_FILES.vocabulary, LM_FILES.weightsManifest, LM_FILES.weights],
  );
  const vocab = loadVocabularyJson(join(dir, LM_FILES.vocabulary));
  if (vocab.size !== file.vocabularySize) {
    throw new FormatError(
      `${dir}: the vocabulary has ${vocab.size} words but config.json says ${file.vocabularySize}; the directory is inconsistent (retrain or restore it).`,
    );
  }
  const model = new LanguageModel(vocab, file.config); // checks the sizes before allocating
  const weights = file.version === 1 ? readVersion1Weights(dir, file) : readWeightFile(dir);
  for (const [name, { values }] of weights) {
    const bad = firstNonFinite(values);
    if (bad >= 0) {
      throw new FormatError(
        `${join(dir, LM_FILES.weights)}: weight '${name}' holds ${values[bad]} at index ${bad}; the weights must be finite numbers (a diverged training run or a corrupt file): train the model again.`,
      );
    }
  }
  assignWeights(
    weights,
    model.parameters().map((p) => ({ name: p.name, data: p.tensor.data, shape: p.tensor.shape })),
    join(dir, file.version === 1 ? LM_FILES.weights : LM_FILES.weightsManifest),
  );
  if (file.embeddingFrozen) model.freezeEmbedding(true);
  return model;
}

/** A version 1 directory's weights.bin: the parameters back to back in the order config.json lists. */
function readVersion1Weights(dir: string, file: LmConfigFile): WeightMap {
  const weightsPath = join(dir, LM_FILES.weights);
  if (!existsSync(weightsPath)) throw new FormatError(`${dir}: ${LM_FILES.weights} is missing.`);
  const bytes = readFileSync(weightsPath);
  if (bytes.byteLength !== file.weightsBytes) {
    throw new FormatError(
      `${weightsPath}: ${bytes.byteLength} bytes but config.json says ${file.weightsBytes}; the file is truncated or from another save.`,
    );
  }
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const out: WeightMap = new Map();
  let offset = 0;
  for (const p of file.parameters ?? []) {
    const size = p.shape.reduce((n, d) => n * d, 1);
    if (offset + size > floats.length) {
      throw new FormatError(`${weightsPath}: too short for the parameters listed in config.json.`);
    }
    out.set(p.name, { shape: p.shape, values: floats.subarray(offset, offset + size) });
    offset += size;
  }
  return out;
}
