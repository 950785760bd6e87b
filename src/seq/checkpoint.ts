// A language-model training run's checkpoint and the checks around it, kept apart from the training
// loop (src/seq/train.ts) so that the loop can change without them:
// - the checkpoint folder (RUN/checkpoint) is one model folder written whole (src/util/model-files):
//   the model (config.json, vocab.json, weights.bin) plus optimizer.bin (the optimizer's moments),
//   best.bin (the best weights by validation perplexity, when validating) and state.json (epoch,
//   history, early-stopping and RNG state, the run's settings and its corpus fingerprint), every file in
//   the manifest, so a truncated or changed file is named as corrupt instead of surfacing later as a NaN;
// - a resumed run must be the same run: the same training (and validation) text, and the settings that
//   shape each epoch (`checkResumedRun`); epochs, maxTokens and patience may grow;
// - a diverged epoch (non-finite loss, perplexity or weights) stops the run before anything is saved
//   (`checkFiniteEpoch`).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Optimizer } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { DivergedError, FormatError, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import {
  firstNonFinite,
  readModelConfig,
  settleModelDir,
  verifyBytes,
  writeModelDirSync,
} from '../util/model-files.js';
import { LM_FORMAT, languageModelWeights, loadLanguageModel, writeLanguageModelFiles } from './io.js';
import type { LanguageModel } from './model.js';

const CHECKPOINT_FORMAT = 'verbo-lm-checkpoint';
/** 2: the run's settings and corpus fingerprint, best.bin, and the checkpoint folder's manifest. */
const CHECKPOINT_VERSION = 2;
const FILES = { state: 'state.json', optimizer: 'optimizer.bin', best: 'best.bin' } as const;

export type LmOptimizerName = 'sgd' | 'adam';

/** The settings that shape every epoch of a run: a resumed run keeps them. */
export interface LmRunSettings {
  bptt: number;
  batch: number;
  optimizer: LmOptimizerName;
  learningRate: number;
  lrDecay: number;
  decayAfter: number;
  clip: number;
  seed: number;
}

const SETTING_NAMES = [
  'bptt',
  'batch',
  'optimizer',
  'learningRate',
  'lrDecay',
  'decayAfter',
  'clip',
  'seed',
] as const satisfies readonly (keyof LmRunSettings)[];

/** What identifies the run's text: the training (and validation) ids. */
export interface LmRunFingerprint {
  trainTokens: number;
  trainSha256: string;
  validTokens: number | null;
  validSha256: string | null;
}

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Epochs completed. */
  epoch: number;
  history: object[];
  bestValid: number | null;
  bestEpoch: number | null;
  epochsWithoutImprovement: number;
  randomState: number[];
  optimizer: { name: LmOptimizerName; iterations: number; slots: number };
  /** Absent in checkpoints written before version 2. */
  settings?: LmRunSettings;
  fingerprint?: LmRunFingerprint;
  /** Whether best.bin holds the best weights (else the best are the checkpoint's own). */
  hasBest?: boolean;
}

/** The checkpoint folder of a run into `outDir` that has not finished (`<outDir>.partial/checkpoint`). */
export function partialLmCheckpointDir(outDir: string): string {
  return join(`${resolve(outDir)}.partial`, 'checkpoint');
}

/** Whether `dir` holds a checkpoint. */
export function hasLmCheckpoint(dir: string): boolean {
  return existsSync(join(dir, FILES.state));
}

/**
 * The checkpoint `resume` continues for `outDir`: the interrupted run's (in `<outDir>.partial`) when
 * there is one, else the finished model's (`<outDir>/checkpoint`, to train it further).
 */
export function lmCheckpointToResume(outDir: string): string {
  const partial = partialLmCheckpointDir(outDir);
  settleModelDir(partial); // a kill while the checkpoint folder was being swapped
  return hasLmCheckpoint(partial) ? partial : join(outDir, 'checkpoint');
}

export function runFingerprint(trainIds: Int32Array, validIds?: Int32Array): LmRunFingerprint {
  const digest = (ids: Int32Array) =>
    createHash('sha256')
      .update(new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength))
      .digest('hex');
  return {
    trainTokens: trainIds.length,
    trainSha256: digest(trainIds),
    validTokens: validIds === undefined ? null : validIds.length,
    validSha256: validIds === undefined ? null : digest(validIds),
  };
}

/**
 * Refuses a resume whose text or given settings differ from the checkpoint's, naming what differs.
 * `given` holds only the settings the caller chose (the others are the checkpoint's).
 */
export function checkResumedRun(
  state: CheckpointState,
  given: Partial<LmRunSettings>,
  fingerprint: LmRunFingerprint,
  dir: string,
): void {
  const differences: string[] = [];
  if (state.settings !== undefined) {
    for (const key of SETTING_NAMES) {
      const value = given[key];
      if (value !== undefined && value !== state.settings[key]) {
        differences.push(`${key} ${value} (the checkpoint has ${state.settings[key]})`);
      }
    }
  }
  const saved = state.fingerprint;
  if (saved !== undefined) {
    if (saved.trainSha256 !== fingerprint.trainSha256) {
      differences.push(
        saved.trainTokens === fingerprint.trainTokens
          ? `another training text of as many tokens (${fingerprint.trainTokens})`
          : `a training text of ${fingerprint.trainTokens} tokens (the checkpoint's had ${saved.trainTokens})`,
      );
    }
    if (saved.validSha256 !== fingerprint.validSha256) {
      differences.push(
        fingerprint.validSha256 === null
          ? 'no validation text (the checkpoint had one)'
          : saved.validSha256 === null
            ? 'a validation text (the checkpoint had none)'
            : 'another validation text',
      );
    }
  }
  if (differences.length > 0) {
    throw new VerboError(
      `resume: this run has ${differences.join(', ')}; the checkpoint in ${dir} belongs to another run. Resume with the same text and settings, or start a new run without --resume.`,
      'MISMATCH',
    );
  }
}

/** The optimizer's per-parameter state arrays (Adam moments), read through its protected map. */
export function optimizerSlots(optimizer: Optimizer): Map<Tensor, Float32Array[]> {
  return (optimizer as unknown as { state: Map<Tensor, Float32Array[]> }).state;
}

function floatsBytes(arrays: readonly Float32Array[]): Uint8Array {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const buffer = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    buffer.set(a, offset);
    offset += a.length;
  }
  return new Uint8Array(buffer.buffer);
}

/** Writes the checkpoint folder `dir` whole (see the header). */
export function writeLmCheckpoint(
  model: LanguageModel,
  optimizer: Optimizer,
  dir: string,
  state: CheckpointState,
  bestWeights?: readonly Float32Array[],
): void {
  const slots = optimizerSlots(optimizer);
  const arrays: Float32Array[] = [];
  for (const p of model.trainableParameters()) arrays.push(...(slots.get(p) ?? []));
  writeModelDirSync(dir, { format: LM_FORMAT }, (staging) => {
    const config = writeLanguageModelFiles(model, staging, {}, languageModelWeights(model));
    writeFileAtomic(join(staging, FILES.optimizer), floatsBytes(arrays));
    if (bestWeights !== undefined) writeFileAtomic(join(staging, FILES.best), floatsBytes(bestWeights));
    const saved: CheckpointState = {
      ...state,
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      optimizer: { ...state.optimizer, slots: arrays.length },
      hasBest: bestWeights !== undefined,
    };
    writeFileAtomic(join(staging, FILES.state), `${JSON.stringify(saved)}\n`);
    return config;
  });
}

/**
 * Reads the checkpoint in `dir` into `model` (weights), returning its state, the optimizer's moments and
 * the best weights. Every file is checked against the folder's manifest: a damaged one is named corrupt.
 */
export function readLmCheckpoint(
  model: LanguageModel,
  dir: string,
): { state: CheckpointState; slots: Float32Array[]; bestWeights?: Float32Array[] } {
  const statePath = join(dir, FILES.state);
  if (!existsSync(statePath)) {
    throw new VerboError(
      `nothing to resume: ${dir} holds no checkpoint (state.json); train without --resume first.`,
      'ENOENT',
    );
  }
  const config = readModelConfig(dir);
  const corrupt = (name: string, what: string): never => {
    throw new FormatError(
      `${join(dir, name)} is corrupt (${what}); the checkpoint cannot be resumed: start a new run.`,
    );
  };
  const readChecked = (name: string): Uint8Array => {
    const bytes = readFileSync(join(dir, name));
    if (config !== undefined) {
      try {
        verifyBytes(dir, config, name, bytes);
      } catch (error) {
        if (error instanceof FormatError) corrupt(name, 'it does not match the checkpoint manifest');
        throw error;
      }
    }
    return bytes;
  };
  let state: CheckpointState;
  try {
    state = JSON.parse(new TextDecoder().decode(readChecked(FILES.state))) as CheckpointState;
  } catch (error) {
    if (error instanceof VerboError) throw error;
    return corrupt(FILES.state, `not valid JSON: ${(error as Error).message}`);
  }
  if (state?.format !== CHECKPOINT_FORMAT || !(state.version <= CHECKPOINT_VERSION)) {
    corrupt(FILES.state, 'not a verbo LM checkpoint this version can read');
  }
  const saved = loadLanguageModel(dir);
  const mine = model.parameters();
  const theirs = saved.parameters();
  const same =
    mine.length === theirs.length &&
    mine.every((p, i) => p.name === theirs[i]!.name && p.tensor.size === theirs[i]!.tensor.size) &&
    saved.vocab.size === model.vocab.size;
  if (!same) {
    throw new VerboError(
      `the checkpoint in ${dir} has a different architecture or vocabulary than this model; ` +
        'resume with the same settings and training text.',
      'MISMATCH',
    );
  }
  mine.forEach((p, i) => {
    p.tensor.data.set(theirs[i]!.tensor.data.subarray(0, p.tensor.size));
  });
  const trainable = model.trainableParameters();
  const floatsOf = (name: string, expected: number): Float32Array => {
    const bytes = readChecked(name);
    if (bytes.byteLength !== expected * 4)
      corrupt(name, `${bytes.byteLength} bytes, expected ${expected * 4}`);
    const floats = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const bad = firstNonFinite(floats);
    if (bad >= 0) corrupt(name, `value ${bad + 1} is ${floats[bad]}`);
    return floats;
  };
  const slots: Float32Array[] = [];
  const slotCount = state.optimizer?.slots ?? 0;
  if (!(Number.isInteger(slotCount) && slotCount >= 0 && slotCount % Math.max(1, trainable.length) === 0)) {
    corrupt(FILES.state, `"optimizer.slots" is ${slotCount}`);
  }
  if (slotCount > 0) {
    const perParam = slotCount / trainable.length;
    const all = floatsOf(FILES.optimizer, perParam * trainable.reduce((n, p) => n + p.size, 0));
    let offset = 0;
    for (const p of trainable) {
      for (let s = 0; s < perParam; s++) {
        slots.push(all.slice(offset, offset + p.size));
        offset += p.size;
      }
    }
  }
  let bestWeights: Float32Array[] | undefined;
  if (state.hasBest === true) {
    const all = floatsOf(
      FILES.best,
      mine.reduce((n, p) => n + p.tensor.size, 0),
    );
    bestWeights = [];
    let offset = 0;
    for (const p of mine) {
      bestWeights.push(all.slice(offset, offset + p.tensor.size));
      offset += p.tensor.size;
    }
  }
  return { state, slots, ...(bestWeights === undefined ? {} : { bestWeights }) };
}

/**
 * Refuses an epoch that diverged: a non-finite training loss or validation perplexity (exp of a mean
 * loss above ~709 nats), or non-finite weights. Called before anything of the epoch is saved.
 */
export function checkFiniteEpoch(
  model: LanguageModel,
  epoch: number,
  record: { trainLoss: number; trainPerplexity: number; validPerplexity?: number; learningRate: number },
): void {
  let what: string | undefined;
  if (!Number.isFinite(record.trainLoss) || !Number.isFinite(record.trainPerplexity)) {
    what = `the training perplexity became ${record.trainPerplexity}`;
  } else if (record.validPerplexity !== undefined && !Number.isFinite(record.validPerplexity)) {
    what = `the validation perplexity became ${record.validPerplexity}`;
  } else {
    for (const p of model.parameters()) {
      const at = firstNonFinite(p.tensor.data);
      if (at >= 0) {
        what = `the weights of '${p.name}' hold ${p.tensor.data[at]}`;
        break;
      }
    }
  }
  if (what === undefined) return;
  throw new DivergedError(
    `training diverged in epoch ${epoch}: ${what}. Nothing of this epoch was saved; lower the learning rate (it was ${record.learningRate}) or clip gradients (--clip).`,
  );
}
