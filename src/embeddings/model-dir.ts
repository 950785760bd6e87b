// The model directory written by `verbo train` and read by every query command:
//   vectors.bin   word2vec binary (loadable by gensim and the C tool)
//   vocab.txt     "word count" per line, most frequent first (the C tool's -save-vocab format)
//   config.json   { format: 'verbo-word2vec', version: 1, ...training options }
//   history.json  per-epoch records (loss, words/s, ...)
//   model.bin     subword (fastText) models only: the whole model in fastText's .bin format (word rows,
//                 n-gram rows, output weights, settings) — what the fastText CLI and gensim load, and
//                 what `loadModel` reads for them (vectors.bin then holds each word's mean-of-rows vector,
//                 for word2vec tools, as fastText's .vec beside its .bin)
// Each file is first written under a temporary name; only when all are complete are they renamed over
// the previous ones (config.json last, as the marker of a complete model), so a failed save leaves the
// previous model intact. config.json records the byte size of each data file, so a directory left
// half-replaced by a crash during the renames is refused at load rather than silently mixed.
// `loadModel` also accepts a bare word2vec .bin/.txt/.vec file or a fastText .bin (told apart by content).
// Beside the model may live its HNSW search index (index.hnsw + index.hnsw.json, src/search's files):
// `buildModelIndex` writes it, `loadModelIndex` attaches it to the vectors, rebuilding it when the
// vectors changed since (checked by checksum) or when it is missing or unreadable.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type BuildIndexFilesResult,
  buildIndexFiles,
  type HnswOptions,
  indexFilePath,
  type KnnIndex,
  loadIndexFiles,
  type NoticeCallback,
} from '../search/index.js';
import { FormatError, VerboError } from '../util/errors.js';
import { type FastTextArgs, isFastTextBin, readFastTextBin, writeFastTextBin } from './fasttext-bin.js';
import { type Word2VecFormat, readWord2Vec, writeWord2Vec } from './formats.js';
import { KeyedVectors } from './keyed-vectors.js';
import { fastTextWriteData, SubwordVectors } from './subword-vectors.js';

export const MODEL_FORMAT = 'verbo-word2vec';
export const MODEL_FORMAT_VERSION = 1;

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

function temporaryName(path: string): string {
  return `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
}

/** Writes a model directory (see the header); creates `dir` if needed. */
export async function saveModel(dir: string, options: SaveModelOptions): Promise<void> {
  const { vectors } = options;
  const counts = options.vocabularyCounts ?? vectors.counts;
  if (counts !== undefined && counts.length !== vectors.size) {
    throw new VerboError(
      `saveModel: ${counts.length} vocabulary counts for ${vectors.size} words; give one count per word.`,
    );
  }
  await mkdir(dir, { recursive: true });
  const config: Record<string, unknown> = {
    ...options.config,
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    dim: vectors.dim,
    vocabSize: vectors.size,
    ...(vectors instanceof SubwordVectors ? { subword: { ...vectors.settings } } : {}),
  };
  // Each entry: final path, temporary path. Written fully first, then renamed in order.
  const staged: [string, string][] = [];
  const stage = (name: string) => {
    const final = join(dir, name);
    const temporary = temporaryName(final);
    staged.push([final, temporary]);
    return temporary;
  };
  try {
    await writeWord2Vec(stage(MODEL_FILES.vectors), vectors, { format: 'binary' });
    if (vectors instanceof SubwordVectors)
      await writeFastTextBin(stage(MODEL_FILES.fastText), fastTextWriteData(vectors, options.fastText));
    if (counts !== undefined) {
      const lines: string[] = [];
      for (let i = 0; i < vectors.size; i++) lines.push(`${vectors.words[i]} ${counts[i]}\n`);
      await writeFile(stage(MODEL_FILES.vocabulary), lines.join(''));
    }
    await writeFile(stage(MODEL_FILES.history), `${JSON.stringify(options.history ?? [], null, 2)}\n`);
    const files: Record<string, number> = {};
    for (const [final, temporary] of staged) files[basename(final)] = statSync(temporary).size;
    config.files = files;
    await writeFile(stage(MODEL_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
    for (const [final, temporary] of staged) await rename(temporary, final);
    if (counts === undefined) await rm(join(dir, MODEL_FILES.vocabulary), { force: true });
    if (!(vectors instanceof SubwordVectors)) await rm(join(dir, MODEL_FILES.fastText), { force: true });
  } catch (error) {
    for (const [, temporary] of staged) await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Loads a model directory written by `saveModel`, a word2vec .bin/.txt/.vec file (binary or text told
 * apart by content) or a fastText .bin (SubwordVectors: every word gets a vector, as in fastText).
 */
export async function loadModel(path: string): Promise<LoadedModel> {
  if (!existsSync(path)) {
    throw new VerboError(
      `model not found: ${path} (give a directory written by \`verbo train\` or a word2vec .bin/.txt file).`,
      'ENOENT',
    );
  }
  if (!statSync(path).isDirectory()) {
    if (startsWithFastTextMagic(path)) {
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
    const file = await readWord2Vec(path);
    return { vectors: file.vectors, config: bareFileConfig(file.format, file.vectors), history: [] };
  }
  const configPath = join(path, MODEL_FILES.config);
  if (!existsSync(configPath)) {
    throw new FormatError(
      `${path}: not a verbo model directory (no ${MODEL_FILES.config}); train one with \`verbo train ... --out ${path}\`.`,
    );
  }
  const config = parseJson(await readFile(configPath, 'utf8'), configPath) as ModelConfig;
  if (config === null || typeof config !== 'object' || config.format !== MODEL_FORMAT) {
    throw new FormatError(
      `${configPath}: expected "format": "${MODEL_FORMAT}", got ${JSON.stringify(config?.format)}.`,
    );
  }
  if (config.version !== MODEL_FORMAT_VERSION) {
    throw new FormatError(
      `${configPath}: model format version ${JSON.stringify(config.version)} is not supported by this verbo (it reads version ${MODEL_FORMAT_VERSION}).`,
    );
  }
  const vectorsPath = join(path, MODEL_FILES.vectors);
  if (!existsSync(vectorsPath))
    throw new FormatError(`${path}: the model directory has no ${MODEL_FILES.vectors}.`);
  checkFileSizes(path, config.files);
  if (config.subword !== undefined) return loadSubwordModel(path, config);
  const { vectors } = await readWord2Vec(vectorsPath, { format: 'binary' });
  let withCounts = vectors;
  const vocabularyPath = join(path, MODEL_FILES.vocabulary);
  if (existsSync(vocabularyPath)) {
    const counts = parseVocabulary(await readFile(vocabularyPath, 'utf8'), vocabularyPath, vectors.words);
    withCounts = new KeyedVectors(vectors.words, vectors.vectors, vectors.dim, counts);
  }
  const historyPath = join(path, MODEL_FILES.history);
  const history = existsSync(historyPath) ? parseJson(await readFile(historyPath, 'utf8'), historyPath) : [];
  if (!Array.isArray(history))
    throw new FormatError(`${historyPath}: expected a JSON array of per-epoch records.`);
  return { vectors: withCounts, config, history };
}

function startsWithFastTextMagic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(4);
    return readSync(fd, head, 0, 4, 0) === 4 && isFastTextBin(head);
  } finally {
    closeSync(fd);
  }
}

/** A subword model directory: the vectors come from model.bin, checked against config.json's settings. */
async function loadSubwordModel(dir: string, config: ModelConfig): Promise<LoadedModel> {
  const binPath = join(dir, MODEL_FILES.fastText);
  if (!existsSync(binPath)) {
    throw new FormatError(
      `${dir}: config.json describes a subword model but ${MODEL_FILES.fastText} is missing.`,
    );
  }
  const model = await readFastTextBin(binPath);
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
  const history = existsSync(historyPath) ? parseJson(await readFile(historyPath, 'utf8'), historyPath) : [];
  if (!Array.isArray(history))
    throw new FormatError(`${historyPath}: expected a JSON array of per-epoch records.`);
  return { vectors, config, history };
}

/** Refuses a directory whose data files do not have the sizes config.json recorded (an interrupted save). */
function checkFileSizes(dir: string, files: unknown): void {
  if (files === null || typeof files !== 'object') return;
  for (const [name, size] of Object.entries(files as Record<string, unknown>)) {
    const path = join(dir, name);
    const actual = existsSync(path) ? statSync(path).size : undefined;
    if (typeof size === 'number' && actual !== size) {
      throw new FormatError(
        `${dir}: ${name} is ${actual === undefined ? 'missing' : `${actual} bytes`} but config.json recorded ${size} bytes; the model directory is inconsistent (an interrupted save?). Save or train it again.`,
      );
    }
  }
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
    throw new FormatError(`${path}: not valid JSON (${(error as Error).message}).`);
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

/** Refuses anything but a model directory (a saved index needs one to live in). */
function checkModelDirectory(dir: string, where: string): void {
  if (!existsSync(dir)) {
    throw new VerboError(`${where}: model not found: ${dir}.`, 'ENOENT');
  }
  if (!statSync(dir).isDirectory() || !existsSync(join(dir, MODEL_FILES.config))) {
    throw new VerboError(
      `${where}: ${dir} is not a verbo model directory (no ${MODEL_FILES.config}); an index is saved beside a model written by \`verbo train\`.`,
    );
  }
}

/**
 * Builds the HNSW index over `vectors` (loaded from the model directory `dir`) and saves it there as
 * index.hnsw + index.hnsw.json, each file atomically; the previous index stays until the new one is
 * complete. Counts go into the sidecar when the vectors have them.
 */
export function buildModelIndex(
  dir: string,
  vectors: KeyedVectors,
  options: HnswOptions = {},
): BuildIndexFilesResult {
  checkModelDirectory(dir, 'index build');
  return buildIndexFiles(join(dir, MODEL_FILES.index), vectors.words, vectors.vectors, vectors.dim, {
    ...options,
    ...(vectors.counts === undefined ? {} : { counts: vectors.counts }),
  });
}

export interface LoadModelIndexOptions {
  /** Search ef and the build parameters used when the index must be (re)built. */
  hnsw?: HnswOptions;
  /** Told (one line each) when the saved index is missing, stale or unreadable and is rebuilt. */
  onNotice?: NoticeCallback;
}

/**
 * The saved HNSW index of the model directory `dir`, attached to `vectors` (loaded from `dir`) for their
 * searches. When the index is missing, was built from other vectors (checksum) or cannot be read, it is
 * rebuilt, saved for next time and `onNotice` says so.
 */
export function loadModelIndex(
  dir: string,
  vectors: KeyedVectors,
  options: LoadModelIndexOptions = {},
): KnnIndex {
  checkModelDirectory(dir, 'index');
  const location = join(dir, MODEL_FILES.index);
  const counts = vectors.counts === undefined ? {} : { counts: vectors.counts };
  let index: KnnIndex;
  try {
    index = loadIndexFiles(location, vectors.words, vectors.vectors, vectors.dim, {
      kind: 'hnsw',
      ...(options.hnsw === undefined ? {} : { hnsw: options.hnsw }),
      ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
      ...counts,
    });
  } catch (error) {
    // A sidecar or graph that cannot be read (truncated, from another index) or of another dimension is
    // rebuilt like a stale one.
    if (!(error instanceof FormatError) && !(error instanceof VerboError && error.code === 'SHAPE'))
      throw error;
    options.onNotice?.(
      `the HNSW index at ${indexFilePath(location)} cannot be used (${error.message}); rebuilding it`,
    );
    index = buildIndexFiles(location, vectors.words, vectors.vectors, vectors.dim, {
      ...options.hnsw,
      ...counts,
    }).index;
  }
  vectors.attachIndex(index);
  return index;
}
