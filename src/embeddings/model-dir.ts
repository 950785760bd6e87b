// The model directory written by `verbo train` and read by every query command:
//   vectors.bin   word2vec binary (loadable by gensim and the C tool)
//   vocab.txt     "word count" per line, most frequent first (the C tool's -save-vocab format)
//   history.json  per-epoch records (loss, words/s, ...)
//   model.bin     subword (fastText) models only: the whole model in fastText's .bin format (word rows,
//                 n-gram rows, output weights, settings) — what the fastText CLI and gensim load, and
//                 what `loadModel` reads for them (vectors.bin then holds each word's mean-of-rows vector,
//                 for word2vec tools, as fastText's .vec beside its .bin)
//   checkpoint/   the trainer's last state (for --update), when written by `verbo train`
//   index.hnsw + index.hnsw.json   the HNSW search index (src/search's files), when built
//   config.json   { format: 'verbo-word2vec', version: 2, ...training options, files: the manifest }
// The whole folder is written through src/util/model-files: built beside the target, swapped in by
// renames, config.json listing every file's size and sha256 (checked when the file is read), a lock
// against a second writer, and never over a model of another kind. Version 1 folders (sizes only)
// still load. `loadModel` also accepts a bare word2vec .bin/.txt/.vec file or a fastText .bin (told apart
// by content).
// `buildModelIndex` adds the HNSW index to a model folder (the other files are hard-linked into the new
// folder, not copied); `loadModelIndex` attaches it to the vectors, rebuilding it (and saving the new
// folder) when it is missing, stale (vectors changed, checked by checksum) or fails the manifest.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuildIndexFilesResult,
  buildIndexFiles,
  createIndex,
  type HnswOptions,
  type KnnIndex,
  loadIndexFiles,
  type NoticeCallback,
  sidecarPath,
} from '../search/index.js';
import { DivergedError, FormatError, parseFailure, shown, VerboError } from '../util/errors.js';
import { withFileErrors } from '../util/files.js';
import {
  describeKind,
  firstNonFinite,
  hasManifest,
  linkModelFiles,
  type ModelConfigOut,
  openModelDir,
  readModelConfig,
  settleModelDir,
  verifyFiles,
  writeModelDir,
} from '../util/model-files.js';
import { type FastTextArgs, isFastTextBin, readFastTextBin, writeFastTextBin } from './fasttext-bin.js';
import { duplicatesWarning, type Word2VecFormat, readWord2Vec, writeWord2Vec } from './formats.js';
import { KeyedVectors } from './keyed-vectors.js';
import { fastTextWriteData, SubwordVectors } from './subword-vectors.js';

export const MODEL_FORMAT = 'verbo-word2vec' as const;
/** 2: config.json holds the manifest (size and sha256 of every file); version 1 folders still load. */
export const MODEL_FORMAT_VERSION = 2;

export const MODEL_FILES = {
  vectors: 'vectors.bin',
  vocabulary: 'vocab.txt',
  config: 'config.json',
  history: 'history.json',
  /** Subword models: the fastText .bin of the whole model. */
  fastText: 'model.bin',
  /** The HNSW graph (hnswlib's file); its sidecar is `index.hnsw.json`. Written by `buildModelIndex`. */
  index: 'index.hnsw',
} as const;

export interface SaveModelOptions {
  vectors: KeyedVectors;
  /** Training options and anything else worth keeping; stored in config.json beside format and version. */
  config: object;
  /** Corpus counts in row order; defaults to `vectors.counts`. Without counts no vocab.txt is written. */
  vocabularyCounts?: ArrayLike<number>;
  /** Per-epoch records (loss, words/s, ...). */
  history?: object[];
  /**
   * Subword vectors only: the training settings written into model.bin's header (ws, epoch, neg, loss,
   * model, t, ...), the output weights (zeros when not given) and the corpus token count.
   */
  fastText?: { args?: Partial<FastTextArgs>; output?: Float32Array; ntokens?: number };
}

export interface ModelConfig {
  format: string;
  version: number;
  [key: string]: unknown;
}

export interface LoadedModel {
  vectors: KeyedVectors;
  config: ModelConfig;
  history: object[];
}

/** Writes a model directory (see the header); the previous one at `dir` survives any failure. */
export async function saveModel(dir: string, options: SaveModelOptions): Promise<void> {
  checkSavable(options);
  await writeModelDir(dir, { format: MODEL_FORMAT }, (staging) => writeModelFiles(staging, options));
}

/**
 * Writes the files of a model (vectors, vocabulary, history) into `folder`, a staging folder of
 * openModelDir, and returns what config.json holds besides the manifest. For writers that put more
 * into the folder (a training run's checkpoint) before committing it.
 */
export async function writeModelFiles(folder: string, options: SaveModelOptions): Promise<ModelConfigOut> {
  checkSavable(options);
  const { vectors } = options;
  const counts = options.vocabularyCounts ?? vectors.counts;
  await writeWord2Vec(join(folder, MODEL_FILES.vectors), vectors, { format: 'binary' });
  if (vectors instanceof SubwordVectors)
    await writeFastTextBin(join(folder, MODEL_FILES.fastText), fastTextWriteData(vectors, options.fastText));
  if (counts !== undefined) {
    const lines: string[] = [];
    for (let i = 0; i < vectors.size; i++) lines.push(`${vectors.words[i]} ${counts[i]}\n`);
    await writeFile(join(folder, MODEL_FILES.vocabulary), lines.join(''));
  }
  await writeFile(join(folder, MODEL_FILES.history), `${JSON.stringify(options.history ?? [], null, 2)}\n`);
  return {
    ...options.config,
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    dim: vectors.dim,
    vocabSize: vectors.size,
    ...(vectors instanceof SubwordVectors ? { subword: { ...vectors.settings } } : {}),
  };
}

/** Refuses what would make a model that cannot answer: mismatched counts, non-finite vectors. */
function checkSavable(options: SaveModelOptions): void {
  const { vectors } = options;
  const counts = options.vocabularyCounts ?? vectors.counts;
  if (counts !== undefined && counts.length !== vectors.size) {
    throw new VerboError(
      `saveModel: ${counts.length} vocabulary counts for ${vectors.size} words; give one count per word.`,
    );
  }
  // A subword model's n-gram rows are saved too (model.bin): all of them must be finite.
  const bad = firstNonFinite(vectors instanceof SubwordVectors ? vectors.inputMatrix : vectors.vectors);
  if (bad >= 0) {
    const row = Math.floor(bad / vectors.dim);
    throw new DivergedError(
      `saveModel: the vector of ${row < vectors.size ? `'${shown(vectors.words[row]!)}'` : `n-gram bucket ${row - vectors.size}`} holds a non-finite value; a model with non-finite vectors is not saved (did training diverge? lower the learning rate).`,
    );
  }
}

/**
 * Loads a model directory written by `saveModel`, a word2vec .bin/.txt/.vec file (binary or text told
 * apart by content) or a fastText .bin (SubwordVectors: every word gets a vector, as in fastText).
 */
export interface LoadModelOptions {
  /** Told about what loads but deserves a word (a bare vector file's duplicated words). */
  onWarning?: (message: string) => void;
}

export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  if (!settleModelDir(path)) {
    throw new VerboError(
      `model not found: ${path} (give a directory written by \`verbo train\` or a word2vec .bin/.txt file).`,
      'ENOENT',
    );
  }
  if (!statSync(path).isDirectory()) {
    if (startsWithFastTextMagic(path)) return loadFastTextFile(path);
    const file = await readWord2Vec(path);
    const warning = duplicatesWarning(path, file);
    if (warning !== undefined) options.onWarning?.(warning);
    return { vectors: file.vectors, config: bareFileConfig(file.format, file.vectors), history: [] };
  }
  const config = readModelDirConfig(path);
  if (config.subword !== undefined) return loadSubwordModel(path, config);
  // Read what the manifest lists (older folders: what is there), each checked against it first.
  const present = (name: string): boolean =>
    hasManifest(config) ? Object.hasOwn(config.files as object, name) : existsSync(join(path, name));
  const names = [MODEL_FILES.vectors, MODEL_FILES.vocabulary, MODEL_FILES.history].filter(
    (name) => name === MODEL_FILES.vectors || present(name),
  );
  verifyFiles(path, config, names);
  const { vectors } = await readWord2Vec(join(path, MODEL_FILES.vectors), { format: 'binary' });
  let withCounts = vectors;
  if (names.includes(MODEL_FILES.vocabulary)) {
    const vocabularyPath = join(path, MODEL_FILES.vocabulary);
    const counts = parseVocabulary(await readFile(vocabularyPath, 'utf8'), vocabularyPath, vectors.words);
    withCounts = new KeyedVectors(vectors.words, vectors.vectors, vectors.dim, counts);
  }
  const historyPath = join(path, MODEL_FILES.history);
  const history = names.includes(MODEL_FILES.history)
    ? parseJson(await readFile(historyPath, 'utf8'), historyPath)
    : [];
  if (!Array.isArray(history))
    throw new FormatError(`${historyPath}: expected a JSON array of per-epoch records.`);
  return { vectors: withCounts, config, history };
}

function startsWithFastTextMagic(path: string): boolean {
  return withFileErrors('read', path, () => {
    const fd = openSync(path, 'r');
    try {
      const head = new Uint8Array(4);
      return readSync(fd, head, 0, 4, 0) === 4 && isFastTextBin(head);
    } finally {
      closeSync(fd);
    }
  });
}

/** A bare fastText .bin: its vectors, and its header's settings as the config. */
async function loadFastTextFile(path: string): Promise<LoadedModel> {
  const model = await readFastTextBin(path);
  const vectors = SubwordVectors.fromFastText(model);
  const { dim, minn, maxn, bucket } = model.args;
  const config: ModelConfig = {
    format: 'fasttext-bin',
    version: MODEL_FORMAT_VERSION,
    dim,
    vocabSize: vectors.size,
    subword: { minn, maxn, bucket },
    fastText: model.args,
  };
  return { vectors, config, history: [] };
}

/** A subword model folder: the vectors come from model.bin, checked against config.json's settings. */
async function loadSubwordModel(dir: string, config: ModelConfig): Promise<LoadedModel> {
  verifyFiles(dir, config, [MODEL_FILES.fastText, MODEL_FILES.history]);
  const model = await readFastTextBin(join(dir, MODEL_FILES.fastText));
  const expected = config.subword as Record<string, unknown>;
  for (const key of ['minn', 'maxn', 'bucket'] as const) {
    if (expected?.[key] !== model.args[key]) {
      throw new FormatError(
        `${dir}: ${MODEL_FILES.fastText} has ${key} ${model.args[key]} but config.json says ${JSON.stringify(expected?.[key])}; the model directory is inconsistent.`,
      );
    }
  }
  const vectors = SubwordVectors.fromFastText(model);
  const historyPath = join(dir, MODEL_FILES.history);
  const history = parseJson(await readFile(historyPath, 'utf8'), historyPath);
  if (!Array.isArray(history))
    throw new FormatError(`${historyPath}: expected a JSON array of per-epoch records.`);
  return { vectors, config, history };
}

/** config.json of a word2vec model folder, checked: kind, version, a manifest from version 2 on. */
function readModelDirConfig(dir: string): ModelConfig {
  const config = readModelConfig(dir);
  const configPath = join(dir, MODEL_FILES.config);
  if (config === undefined) {
    throw new FormatError(
      `${dir}: not a verbo model directory (no ${MODEL_FILES.config}); train one with \`verbo train ... --out ${dir}\`.`,
    );
  }
  if (config.format !== MODEL_FORMAT) {
    throw new FormatError(
      `${configPath}: expected "format": "${MODEL_FORMAT}", got ${JSON.stringify(config.format)}; ${dir} holds a ${describeKind(config.format)}, not word vectors.`,
    );
  }
  if (config.version !== 1 && config.version !== MODEL_FORMAT_VERSION) {
    throw new FormatError(
      `${configPath}: model format version ${JSON.stringify(config.version)} is not supported by this verbo (it reads versions 1 and ${MODEL_FORMAT_VERSION}).`,
    );
  }
  if (config.version >= 2 && !hasManifest(config)) {
    throw new FormatError(`${configPath}: the manifest ("files") is missing; the model folder is corrupt.`);
  }
  return config;
}

function bareFileConfig(format: Word2VecFormat, vectors: KeyedVectors): ModelConfig {
  return {
    format: format === 'binary' ? 'word2vec-binary' : 'word2vec-text',
    version: MODEL_FORMAT_VERSION,
    dim: vectors.dim,
    vocabSize: vectors.size,
  };
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormatError(`${path}: not valid JSON (${parseFailure(error)}).`);
  }
}

/** Parses vocab.txt ("word count" lines) and checks it lists the vectors' words in the same order. */
function parseVocabulary(text: string, path: string, words: readonly string[]): Float64Array {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== words.length) {
    throw new FormatError(
      `${path}: ${lines.length} lines but the vectors hold ${words.length} words; the model is inconsistent.`,
    );
  }
  const counts = new Float64Array(words.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    const space = line.lastIndexOf(' ');
    const word = line.slice(0, space);
    const count = Number(line.slice(space + 1));
    if (space <= 0 || !Number.isFinite(count) || count < 0) {
      throw new FormatError(
        `${path}: line ${i + 1} should be "word count", got ${JSON.stringify(line.slice(0, 60))}.`,
      );
    }
    if (word !== words[i]) {
      throw new FormatError(
        `${path}: line ${i + 1} names '${word}' but row ${i + 1} of the vectors is '${words[i]}'; the model is inconsistent.`,
      );
    }
    counts[i] = count;
  }
  return counts;
}

/** The config of the model folder `dir`, refusing anything else (a saved index needs one to live in). */
function modelDirectoryConfig(dir: string, where: string): ModelConfig {
  if (!settleModelDir(dir)) throw new VerboError(`${where}: model not found: ${dir}.`, 'ENOENT');
  if (!statSync(dir).isDirectory() || !existsSync(join(dir, MODEL_FILES.config))) {
    throw new VerboError(
      `${where}: ${dir} is not a verbo model directory (no ${MODEL_FILES.config}); an index is saved beside a model written by \`verbo train\`.`,
    );
  }
  return readModelDirConfig(dir);
}

const INDEX_FILES = [MODEL_FILES.index, sidecarPath(MODEL_FILES.index)];

/**
 * Writes a new version of the model folder `dir` holding `index` (an HNSW index over its vectors): the
 * other files are hard-linked from the current folder, the index saved beside them, config.json's
 * manifest redone, and the folder swapped in (src/util/model-files).
 */
function saveIndexIntoModel(dir: string, config: ModelConfig, save: (path: string) => void): void {
  const writer = openModelDir(dir, { format: MODEL_FORMAT });
  try {
    linkModelFiles(dir, writer.staging, (name) => INDEX_FILES.includes(name));
    save(join(writer.staging, MODEL_FILES.index));
    const { files: _files, ...kept } = config;
    writer.commit({ ...kept, format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION });
  } finally {
    writer.close();
  }
}

/**
 * Builds the HNSW index over `vectors` (loaded from the model directory `dir`) and saves it there as
 * index.hnsw + index.hnsw.json; the folder is replaced as a whole, so the previous index stays until
 * the new one is complete. Counts go into the sidecar when the vectors have them.
 */
export function buildModelIndex(
  dir: string,
  vectors: KeyedVectors,
  options: HnswOptions = {},
): BuildIndexFilesResult {
  const config = modelDirectoryConfig(dir, 'index build');
  let built: BuildIndexFilesResult | undefined;
  saveIndexIntoModel(dir, config, (path) => {
    built = buildIndexFiles(path, vectors.words, vectors.vectors, vectors.dim, {
      ...options,
      ...(vectors.counts === undefined ? {} : { counts: vectors.counts }),
    });
  });
  return { ...built!, path: join(dir, MODEL_FILES.index) };
}

export interface LoadModelIndexOptions {
  /** Search ef and the build parameters used when the index must be (re)built. */
  hnsw?: HnswOptions;
  /** Told (one line each) when the saved index is missing, stale or unreadable and is rebuilt. */
  onNotice?: NoticeCallback;
}

/**
 * The saved HNSW index of the model directory `dir`, attached to `vectors` (loaded from `dir`) for their
 * searches. When the index is missing, fails the manifest (changed by hand, from another model), was
 * built from other vectors (checksum) or cannot be read, it is rebuilt, saved for next time (unless
 * another process is writing the folder) and `onNotice` says so.
 */
export function loadModelIndex(
  dir: string,
  vectors: KeyedVectors,
  options: LoadModelIndexOptions = {},
): KnnIndex {
  const config = modelDirectoryConfig(dir, 'index');
  const location = join(dir, MODEL_FILES.index);
  const counts = vectors.counts === undefined ? {} : { counts: vectors.counts };
  const listed =
    hasManifest(config) && INDEX_FILES.every((name) => Object.hasOwn(config.files as object, name));
  let index: KnnIndex | undefined;
  let rebuilt = false;
  if (!listed && !(config.version === 1 && INDEX_FILES.every((name) => existsSync(join(dir, name))))) {
    options.onNotice?.(
      `no HNSW index at ${location}; building one for ${vectors.size} words (saved for next time)`,
    );
  } else {
    try {
      verifyFiles(dir, config, INDEX_FILES);
      index = loadIndexFiles(location, vectors.words, vectors.vectors, vectors.dim, {
        kind: 'hnsw',
        saveRebuilt: false,
        ...(options.hnsw === undefined ? {} : { hnsw: options.hnsw }),
        onNotice: (message) => {
          rebuilt = true;
          options.onNotice?.(message);
        },
        ...counts,
      });
    } catch (error) {
      // A sidecar or graph that fails the manifest, cannot be read or has another dimension is rebuilt
      // like a stale one.
      if (!(error instanceof FormatError) && !(error instanceof VerboError && error.code === 'SHAPE'))
        throw error;
      options.onNotice?.(`the HNSW index at ${location} cannot be used (${error.message}); rebuilding it`);
    }
  }
  if (index === undefined) {
    index = createIndex(vectors.words, vectors.vectors, vectors.dim, {
      kind: 'hnsw',
      ...(options.hnsw === undefined ? {} : { hnsw: options.hnsw }),
      ...counts,
    });
    rebuilt = true;
  }
  if (rebuilt) {
    const built = index;
    try {
      saveIndexIntoModel(dir, config, (path) => built.save(path));
    } catch (error) {
      if (!(error instanceof VerboError) || error.code !== 'LOCKED') throw error;
      options.onNotice?.(`the rebuilt HNSW index is not saved: ${error.message}`);
    }
  }
  vectors.attachIndex(index);
  return index;
}
