// The language-model directory:
//   config.json   { format: 'verbo-lm', version, config (architecture + tokenization), parameters
//                   (name, shape), weightsBytes, training (a summary), files: the manifest }
//   vocab.json    the vocabulary (src/vocab's versioned JSON)
//   weights.bin   every parameter as little-endian float32, in the order of config.parameters
// The folder is written through src/util/model-files: built beside the target and swapped in whole
// (never three separate renames), with a manifest (size and sha256 of every file) that loading checks,
// so a shuffled vocab.json or another model's weights.bin is refused naming the file; never over another
// kind's folder; weights that are not finite are neither saved nor loaded. Version 1 folders (no
// manifest) still load.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DivergedError, FormatError, VerboError } from '../util/errors.js';
import { fileError, writeFileAtomic } from '../util/files.js';
import {
  describeKind,
  firstNonFinite,
  hasManifest,
  type ModelConfigOut,
  readModelConfig,
  settleModelDir,
  verifyBytes,
  writeModelDirSync,
} from '../util/model-files.js';
import { saveVocabularyJson, vocabularyFromJson } from '../vocab/index.js';
import { checkLanguageModelSize } from './limits.js';
import { LanguageModel, type LanguageModelConfig, resolveConfig } from './model.js';

export const LM_FORMAT = 'verbo-lm' as const;
/** 2: config.json holds the manifest; version 1 folders still load. */
export const LM_FORMAT_VERSION = 2;
export const LM_FILES = { config: 'config.json', vocabulary: 'vocab.json', weights: 'weights.bin' } as const;

interface LmConfigFile {
  format: typeof LM_FORMAT;
  version: number;
  config: LanguageModelConfig;
  vocabularySize: number;
  embeddingFrozen: boolean;
  parameters: { name: string; shape: number[] }[];
  weightsBytes: number;
  training?: Record<string, unknown>;
}

/** Writes the model to `dir` (see the header); `training` is a summary stored in config.json. */
export function saveLanguageModel(
  model: LanguageModel,
  dir: string,
  extra: { training?: Record<string, unknown> } = {},
): void {
  const weights = languageModelWeights(model);
  writeModelDirSync(dir, { format: LM_FORMAT }, (staging) =>
    writeLanguageModelFiles(model, staging, extra, weights),
  );
}

/** Every parameter of the model as one little-endian float32 array, in the order of model.parameters(). */
export function languageModelWeights(model: LanguageModel): Float32Array {
  const parameters = model.parameters();
  const total = parameters.reduce((n, p) => n + p.tensor.size, 0);
  const weights = new Float32Array(total);
  let offset = 0;
  for (const p of parameters) {
    weights.set(p.tensor.toFloat32Array(), offset);
    offset += p.tensor.size;
  }
  return weights;
}

/**
 * Writes vocab.json and weights.bin of the model into `folder` (a staging folder of openModelDir) and
 * returns config.json's contents. `weights` default to the model's own (see languageModelWeights).
 */
export function writeLanguageModelFiles(
  model: LanguageModel,
  folder: string,
  extra: { training?: Record<string, unknown> } = {},
  weights: Float32Array = languageModelWeights(model),
): ModelConfigOut {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
    throw new VerboError('saving a language model needs a little-endian machine.', 'UNSUPPORTED');
  }
  const bad = firstNonFinite(weights);
  if (bad >= 0) {
    throw new DivergedError(
      `the language model's weights hold ${weights[bad]} (${parameterAt(model, bad)}); a model with non-finite weights is not saved (training diverged: lower the learning rate).`,
    );
  }
  const bytes = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  saveVocabularyJson(model.vocab, join(folder, LM_FILES.vocabulary));
  writeFileAtomic(join(folder, LM_FILES.weights), bytes);
  const config: LmConfigFile = {
    format: LM_FORMAT,
    version: LM_FORMAT_VERSION,
    config: model.config,
    vocabularySize: model.vocab.size,
    embeddingFrozen: model.embeddingFrozen,
    parameters: model.parameters().map((p) => ({ name: p.name, shape: [...p.tensor.shape] })),
    weightsBytes: bytes.byteLength,
    ...(extra.training !== undefined ? { training: extra.training } : {}),
  };
  return { ...config };
}

/** "parameter 'lstm0.kernel', value 12" for a flat index into languageModelWeights. */
function parameterAt(model: LanguageModel, index: number): string {
  let offset = 0;
  for (const p of model.parameters()) {
    if (index < offset + p.tensor.size) return `parameter '${p.name}', value ${index - offset + 1}`;
    offset += p.tensor.size;
  }
  return `value ${index + 1}`;
}

/** Reads a model directory written by saveLanguageModel, checking every file before trusting it. */
export function loadLanguageModel(dir: string): LanguageModel {
  if (!settleModelDir(dir) || !statSync(dir).isDirectory()) {
    throw new VerboError(
      `'${dir}' is not a language-model directory (it does not exist or is a file); train one with: verbo lm train <text> --out ${dir}`,
      'ENOENT',
    );
  }
  const configPath = join(dir, LM_FILES.config);
  const config = readModelConfig(dir);
  if (config === undefined) {
    throw new VerboError(
      `'${dir}' holds no ${LM_FILES.config}; is it a language model written by verbo lm train?`,
      'ENOENT',
    );
  }
  const file = checkConfigFile(config, configPath);
  const vocabularyBytes = readModelFile(dir, LM_FILES.vocabulary);
  verifyBytes(dir, config, LM_FILES.vocabulary, vocabularyBytes);
  const vocabularyPath = join(dir, LM_FILES.vocabulary);
  let vocabularyDocument: unknown;
  try {
    vocabularyDocument = JSON.parse(new TextDecoder().decode(vocabularyBytes));
  } catch (error) {
    throw new FormatError(`${vocabularyPath}: not valid JSON (${(error as Error).message}).`);
  }
  const vocab = vocabularyFromJson(vocabularyDocument, vocabularyPath);
  if (vocab.size !== file.vocabularySize) {
    throw new FormatError(
      `${dir}: the vocabulary has ${vocab.size} words but config.json says ${file.vocabularySize}; the directory is inconsistent (retrain or restore it).`,
    );
  }
  // Sizes first: a config claiming a huge model is refused before anything of that size is allocated.
  checkLanguageModelSize(file.config, vocab.size);
  const weightsPath = join(dir, LM_FILES.weights);
  const bytes = readModelFile(dir, LM_FILES.weights);
  verifyBytes(dir, config, LM_FILES.weights, bytes);
  if (bytes.byteLength !== file.weightsBytes) {
    throw new FormatError(
      `${weightsPath}: ${bytes.byteLength} bytes but config.json says ${file.weightsBytes}; the file is truncated or from another save.`,
    );
  }
  const listedFloats = file.parameters.reduce((n, p) => n + p.shape.reduce((m, d) => m * d, 1), 0);
  if (listedFloats * 4 !== bytes.byteLength) {
    throw new FormatError(
      `${weightsPath}: ${bytes.byteLength} bytes for the ${listedFloats} weights config.json lists; the file is truncated or from another save.`,
    );
  }
  const weights = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const model = new LanguageModel(vocab, file.config);
  const parameters = model.parameters();
  const expected = parameters.map((p) => `${p.name} [${p.tensor.shape.join(', ')}]`).join(', ');
  const found = file.parameters.map((p) => `${p.name} [${p.shape.join(', ')}]`).join(', ');
  if (expected !== found) {
    throw new FormatError(`${configPath}: parameters ${found} do not match the architecture (${expected}).`);
  }
  const bad = firstNonFinite(weights);
  if (bad >= 0) {
    throw new FormatError(
      `${weightsPath}: ${parameterAt(model, bad)} is ${weights[bad]}; the weights must be finite numbers (a diverged training run or a corrupt file): train the model again.`,
    );
  }
  let offset = 0;
  for (const p of parameters) {
    p.tensor.data.set(weights.subarray(offset, offset + p.tensor.size));
    offset += p.tensor.size;
  }
  if (file.embeddingFrozen) model.freezeEmbedding(true);
  return model;
}

/** The bytes of a file of the model folder; a missing one is named as missing. */
function readModelFile(dir: string, name: string): Uint8Array {
  const path = join(dir, name);
  if (!existsSync(path)) throw new FormatError(`${dir}: ${name} is missing.`);
  try {
    return readFileSync(path);
  } catch (error) {
    throw fileError(error, 'read', path);
  }
}

/** config.json of a language-model folder, every field checked (a corrupt one is a FormatError). */
function checkConfigFile(config: Record<string, unknown>, configPath: string): LmConfigFile {
  const fail = (what: string): never => {
    throw new FormatError(`${configPath}: ${what}`);
  };
  if (config.format !== LM_FORMAT) {
    const format = String(config.format);
    fail(
      format.startsWith('verbo-')
        ? `this folder holds a ${describeKind(format)}, not a language model.`
        : `expected "format": "${LM_FORMAT}", got ${JSON.stringify(config.format)}; is this a verbo language model?`,
    );
  }
  const version = config.version as number;
  if (!(Number.isInteger(version) && version >= 1)) fail('"version" must be a whole number ≥ 1.');
  if (version > LM_FORMAT_VERSION) {
    fail(
      `language-model format version ${version} is newer than this verbo reads (${LM_FORMAT_VERSION}); upgrade verbo.`,
    );
  }
  if (version >= 2 && !hasManifest(config as never))
    fail('the manifest ("files") is missing; the folder is corrupt.');
  const file = config as unknown as LmConfigFile;
  if (file.config === null || typeof file.config !== 'object' || Array.isArray(file.config)) {
    fail('"config" (the architecture) is missing.');
  }
  try {
    file.config = resolveConfig(file.config);
  } catch (error) {
    if (error instanceof VerboError) fail(`the architecture is invalid: ${error.message}`);
    throw error;
  }
  if (!(Number.isSafeInteger(file.vocabularySize) && file.vocabularySize >= 2)) {
    fail('"vocabularySize" must be a whole number ≥ 2.');
  }
  if (!(Number.isSafeInteger(file.weightsBytes) && file.weightsBytes >= 0)) {
    fail('"weightsBytes" must be a whole number ≥ 0.');
  }
  const shapesValid =
    Array.isArray(file.parameters) &&
    file.parameters.every(
      (p) =>
        p !== null &&
        typeof p === 'object' &&
        typeof p.name === 'string' &&
        Array.isArray(p.shape) &&
        p.shape.every((d) => Number.isSafeInteger(d) && d >= 0),
    );
  if (!shapesValid) fail('"parameters" must list {name, shape} for every weight.');
  file.embeddingFrozen = file.embeddingFrozen === true;
  return file;
}
