// The language-model directory:
//   config.json   { format: 'verbo-lm', version, config (architecture + tokenization), parameters
//                   (name, shape), weightsBytes, training (a summary) }
//   vocab.json    the vocabulary (src/vocab's versioned JSON)
//   weights.bin   every parameter as little-endian float32, in the order of config.parameters
// Each file is written atomically (temporary name + rename), config.json last as the marker of a
// complete model; it records the byte size of weights.bin and the vocabulary size, so a directory left
// half-replaced by a crash is refused at load instead of silently mixed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { loadVocabularyJson, saveVocabularyJson } from '../vocab/index.js';
import { LanguageModel, type LanguageModelConfig } from './model.js';

export const LM_FORMAT = 'verbo-lm';
export const LM_FORMAT_VERSION = 1;
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

/** Writes the model to `dir` (created if needed); `training` is a summary stored in config.json. */
export function saveLanguageModel(
  model: LanguageModel,
  dir: string,
  extra: { training?: Record<string, unknown> } = {},
): void {
  const parameters = model.parameters();
  const total = parameters.reduce((n, p) => n + p.tensor.size, 0);
  const weights = new Float32Array(total);
  let offset = 0;
  for (const p of parameters) {
    weights.set(p.tensor.toFloat32Array(), offset);
    offset += p.tensor.size;
  }
  const bytes = new Uint8Array(weights.buffer);
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
    throw new VerboError('saving a language model needs a little-endian machine.', 'UNSUPPORTED');
  }
  const config: LmConfigFile = {
    format: LM_FORMAT,
    version: LM_FORMAT_VERSION,
    config: model.config,
    vocabularySize: model.vocab.size,
    embeddingFrozen: model.embeddingFrozen,
    parameters: parameters.map((p) => ({ name: p.name, shape: [...p.tensor.shape] })),
    weightsBytes: bytes.byteLength,
    ...(extra.training !== undefined ? { training: extra.training } : {}),
  };
  saveVocabularyJson(model.vocab, join(dir, LM_FILES.vocabulary));
  writeFileAtomic(join(dir, LM_FILES.weights), bytes);
  writeFileAtomic(join(dir, LM_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
}

/** Reads a model directory written by saveLanguageModel (checks format, version, sizes). */
export function loadLanguageModel(dir: string): LanguageModel {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
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
    throw new FormatError(`${configPath}: not valid JSON (${(error as Error).message}).`);
  }
  if (file.format !== LM_FORMAT) {
    throw new FormatError(
      `${configPath}: expected "format": "${LM_FORMAT}", got ${JSON.stringify(file.format)}; is this a verbo language model?`,
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
  const vocab = loadVocabularyJson(join(dir, LM_FILES.vocabulary));
  if (vocab.size !== file.vocabularySize) {
    throw new FormatError(
      `${dir}: the vocabulary has ${vocab.size} words but config.json says ${file.vocabularySize}; the directory is inconsistent (retrain or restore it).`,
    );
  }
  const model = new LanguageModel(vocab, file.config);
  const weightsPath = join(dir, LM_FILES.weights);
  if (!existsSync(weightsPath)) throw new FormatError(`${dir}: ${LM_FILES.weights} is missing.`);
  const bytes = readFileSync(weightsPath);
  if (bytes.byteLength !== file.weightsBytes) {
    throw new FormatError(
      `${weightsPath}: ${bytes.byteLength} bytes but config.json says ${file.weightsBytes}; the file is truncated or from another save.`,
    );
  }
  const weights = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const parameters = model.parameters();
  const listed = file.parameters ?? [];
  const expected = parameters.map((p) => `${p.name} [${p.tensor.shape.join(', ')}]`).join(', ');
  const found = listed.map((p) => `${p.name} [${p.shape.join(', ')}]`).join(', ');
  if (expected !== found) {
    throw new FormatError(`${configPath}: parameters ${found} do not match the architecture (${expected}).`);
  }
  let offset = 0;
  for (const p of parameters) {
    if (offset + p.tensor.size > weights.length) {
      throw new FormatError(`${weightsPath}: too short for the parameters listed in config.json.`);
    }
    p.tensor.data.set(weights.subarray(offset, offset + p.tensor.size));
    offset += p.tensor.size;
  }
  if (file.embeddingFrozen) model.freezeEmbedding(true);
  return model;
}
