// Training checkpoints: the full word2vec TrainingState written at every epoch end, so that a crashed
// run resumes from its last completed epoch (`verbo train --resume DIR`) and a finished model can be
// trained further (`--update`). A checkpoint folder (normally MODEL_DIR/checkpoint/) holds
//   weights-<epoch>.f32   input embeddings (a subword model's: word rows, then n-gram rows), output weights,
//                         HS weights: raw little-endian float32, in that order, streamed (no copy in memory)
//   state.json            format + version, options, vocabulary (words and counts in id order),
//                         epoch, learning-rate position, RNG states, per-epoch history, the corpus
//                         fingerprint (resume's check), and the weights file's name and sha256
// Both are written atomically (temporary name + rename); state.json is written last and is the commit
// point: it always names a complete weights file, and older weights files are removed after it. Loading
// checks everything: a truncated or changed weights file, or weights that are not finite, is refused as
// a corrupt checkpoint, naming the file.
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { FormatError, VerboError } from '../util/errors.js';
import { writeFileAtomic, writeStreamAtomic } from '../util/files.js';
import { firstNonFinite } from '../util/model-files.js';
import { vocabularyFromJson, vocabularyToJson } from '../vocab/index.js';
import type { CorpusFingerprint } from './run-checks.js';
import type { Word2VecEpochRecord, ResolvedWord2VecOptions, TrainingState } from './trainer.js';

export const CHECKPOINT_FORMAT = 'verbo-word2vec-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const CHECKPOINT_STATE_FILE = 'state.json';

interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  weightsFile: string;
  inputLength: number;
  outputLength: number;
  hsLength: number;
  options: ResolvedWord2VecOptions;
  vocabulary: unknown;
  epochsDone: number;
  wordsDone: number;
  wordsPerEpoch: number;
  rawWordsPerEpoch: number;
  /** Absent in checkpoints written before the 'sentences' learning-rate decay (those resume by words). */
  sentencesDone?: number;
  sentencesPerEpoch?: number;
  rngStates: string[];
  history: Word2VecEpochRecord[];
  /** sha256 of the weights file (absent in checkpoints written before it). */
  weightsSha256?: string;
  corpus?: CorpusFingerprint;
}

/** The checkpoint folder of a model directory (the final state of the run that wrote it). */
export function checkpointDir(modelDir: string): string {
  return join(modelDir, 'checkpoint');
}

/**
 * The checkpoint folder of a run into `modelDir` that has not finished: the run builds its model in
 * `<modelDir>.partial` (src/util/model-files), checkpoints included, until it replaces `modelDir`.
 */
export function partialCheckpointDir(modelDir: string): string {
  return join(`${resolve(modelDir)}.partial`, 'checkpoint');
}

/** Whether `dir` holds a checkpoint (a state.json). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_STATE_FILE));
}

/** Writes `state` into `dir` (see the header). */
export async function saveCheckpoint(dir: string, state: TrainingState): Promise<void> {
  const weightsFile = `weights-${state.epochsDone}.f32`;
  const { inputEmbeddings: input, outputWeights: output, hsWeights: hs } = state;
  const hash = createHash('sha256');
  await writeStreamAtomic(join(dir, weightsFile), async (append) => {
    // In pieces of 16 MiB: a subword model's input matrix alone is bucket × dim × 4 bytes (800 MB by default).
    for (const matrix of [input, output, hs]) {
      for (let from = 0; from < matrix.length; from += 1 << 22) {
        const part = matrix.subarray(from, Math.min(matrix.length, from + (1 << 22)));
        const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
        hash.update(bytes);
        await append(bytes);
      }
    }
  });
  const doc: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    weightsFile,
    inputLength: input.length,
    outputLength: output.length,
    hsLength: hs.length,
    options: state.options,
    vocabulary: vocabularyToJson(state.vocabulary),
    epochsDone: state.epochsDone,
    wordsDone: state.wordsDone,
    wordsPerEpoch: state.wordsPerEpoch,
    rawWordsPerEpoch: state.rawWordsPerEpoch,
    sentencesDone: state.sentencesDone,
    sentencesPerEpoch: state.sentencesPerEpoch,
    rngStates: state.rngStates,
    history: state.history,
    weightsSha256: hash.digest('hex'),
    ...(state.corpus === undefined ? {} : { corpus: state.corpus }),
  };
  writeFileAtomic(join(dir, CHECKPOINT_STATE_FILE), `${JSON.stringify(doc)}\n`);
  for (const name of readdirSync(dir)) {
    if (/^weights-\d+\.f32$/.test(name) && name !== weightsFile) rmSync(join(dir, name), { force: true });
  }
}

/** Reads a checkpoint folder written by saveCheckpoint, checking every field and the weights' size. */
export async function loadCheckpoint(dir: string): Promise<TrainingState> {
  const statePath = join(dir, CHECKPOINT_STATE_FILE);
  if (!existsSync(statePath)) {
    throw new VerboError(
      `no checkpoint in ${dir} (expected ${CHECKPOINT_STATE_FILE}); resume needs a folder written by \`verbo train --out\`.`,
      'ENOENT',
    );
  }
  const fail = (what: string): never => {
    throw new FormatError(`${statePath}: ${what}`);
  };
  let doc: Partial<CheckpointJson>;
  try {
    doc = JSON.parse(readFileSync(statePath, 'utf8')) as Partial<CheckpointJson>;
  } catch {
    return fail('not valid JSON; the checkpoint is corrupt.');
  }
  if (doc === null || typeof doc !== 'object') fail('expected a JSON object.');
  if (doc.format !== CHECKPOINT_FORMAT)
    fail(`expected "format": "${CHECKPOINT_FORMAT}", got ${JSON.stringify(doc.format)}.`);
  if (doc.version !== CHECKPOINT_VERSION) {
    fail(
      `checkpoint version ${JSON.stringify(doc.version)} is not supported (this verbo reads ${CHECKPOINT_VERSION}).`,
    );
  }
  const counts = [
    'inputLength',
    'outputLength',
    'hsLength',
    'epochsDone',
    'wordsDone',
    'wordsPerEpoch',
    'rawWordsPerEpoch',
  ] as const;
  for (const key of counts) {
    const value = doc[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      fail(`"${key}" must be a whole number ≥ 0.`);
  }
  for (const key of ['sentencesDone', 'sentencesPerEpoch'] as const) {
    const value = doc[key];
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0)))
      fail(`"${key}" must be a number ≥ 0.`);
  }
  if (typeof doc.options !== 'object' || doc.options === null) fail('"options" is missing.');
  if (
    !Array.isArray(doc.rngStates) ||
    !doc.rngStates.every((s) => typeof s === 'string' && /^\d+$/.test(s))
  ) {
    fail('"rngStates" must be an array of decimal strings.');
  }
  if (!Array.isArray(doc.history)) fail('"history" must be an array.');
  if (typeof doc.weightsFile !== 'string' || !/^weights-\d+\.f32$/.test(doc.weightsFile))
    fail('"weightsFile" is missing or malformed.');
  const vocabulary = vocabularyFromJson(doc.vocabulary, `${statePath} (vocabulary)`);
  const options = doc.options as ResolvedWord2VecOptions;
  const inputLength = doc.inputLength!;
  const buckets = options.model === 'fasttext' ? (options.bucket ?? 0) : 0;
  if (inputLength !== (vocabulary.size + buckets) * options.dim) {
    fail(
      `${inputLength} input weights for (${vocabulary.size} words + ${buckets} n-gram buckets) × dim ${options.dim}.`,
    );
  }
  const weightsPath = join(dir, doc.weightsFile!);
  if (!existsSync(weightsPath)) fail(`the weights file ${doc.weightsFile} is missing.`);
  const size = statSync(weightsPath).size;
  const expectedBytes = (inputLength + doc.outputLength! + doc.hsLength!) * 4;
  if (size !== expectedBytes) {
    fail(
      `${doc.weightsFile} has ${size} bytes, expected ${expectedBytes}; the checkpoint is truncated or corrupt.`,
    );
  }
  // Each matrix is read straight into its own array (a subword model's input matrix is large).
  const matrices = [inputLength, doc.outputLength!, doc.hsLength!].map((length) => new Float32Array(length));
  const hash = createHash('sha256');
  const fd = openSync(weightsPath, 'r');
  try {
    let position = 0;
    for (const matrix of matrices) {
      const bytes = new Uint8Array(matrix.buffer);
      for (let done = 0; done < bytes.length; ) {
        const read = readSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 26), position + done);
        if (read === 0) fail(`${doc.weightsFile} ended early; the checkpoint is truncated.`);
        done += read;
      }
      position += bytes.length;
      hash.update(bytes);
    }
  } finally {
    closeSync(fd);
  }
  if (doc.weightsSha256 !== undefined && hash.digest('hex') !== doc.weightsSha256) {
    fail(
      `${doc.weightsFile} does not have the contents state.json recorded (sha256); the checkpoint is corrupt.`,
    );
  }
  let weight = 0;
  for (const matrix of matrices) {
    const bad = firstNonFinite(matrix);
    if (bad >= 0) {
      fail(
        `${doc.weightsFile} holds ${matrix[bad]} at weight ${weight + bad}: the run had diverged or the file is corrupt; start a new run.`,
      );
    }
    weight += matrix.length;
  }
  if (doc.corpus !== undefined && !isFingerprint(doc.corpus)) fail('"corpus" is malformed.');
  return {
    options,
    vocabulary,
    inputEmbeddings: matrices[0]!,
    outputWeights: matrices[1]!,
    hsWeights: matrices[2]!,
    epochsDone: doc.epochsDone!,
    wordsDone: doc.wordsDone!,
    wordsPerEpoch: doc.wordsPerEpoch!,
    rawWordsPerEpoch: doc.rawWordsPerEpoch!,
    sentencesDone: doc.sentencesDone ?? 0,
    sentencesPerEpoch: doc.sentencesPerEpoch ?? 0,
    rngStates: doc.rngStates!,
    history: doc.history!,
    ...(doc.corpus === undefined ? {} : { corpus: doc.corpus }),
  };
}

function isFingerprint(value: unknown): value is CorpusFingerprint {
  const print = value as CorpusFingerprint;
  return (
    typeof print === 'object' &&
    print !== null &&
    Number.isSafeInteger(print.tokens) &&
    Number.isSafeInteger(print.sentences) &&
    typeof print.countsSha256 === 'string'
  );
}
