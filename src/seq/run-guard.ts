// What guards a language-model training run, kept apart from the loop (train.ts) as one nn callback
// (RunGuard) and a few helpers:
// - a diverged epoch (non-finite loss or perplexity — exp of a mean loss above ~709 nats — or
//   non-finite weights) stops the run before modelCheckpoint or backupAndRestore save anything;
// - a resumed run must be the same run: its checkpoint carries the run's settings and a fingerprint of
//   its training (and validation) ids; resuming with another text, or with settings that differ from
//   those, is refused naming what differs (epochs, maxTokens and patience may change: they only say when
//   to stop);
// - where a run into `outDir` keeps its checkpoint: `<outDir>.partial/checkpoint` while it runs (see
//   train.ts), `outDir/checkpoint` once it has finished.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Callback, CallbackState, Logs } from '../nn/index.js';
import { DivergedError, VerboError } from '../util/errors.js';
import { firstNonFinite, settleModelDir } from '../util/model-files.js';
import type { LanguageModel } from './model.js';

/** The settings that shape every epoch of a run. */
export interface LmRunSettings {
  bptt: number;
  batch: number;
  optimizer: 'sgd' | 'adam';
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

/** The checkpoint folder of a run into `outDir` that has not finished (`<outDir>.partial/checkpoint`). */
export function partialLmCheckpointDir(outDir: string): string {
  return join(`${resolve(outDir)}.partial`, 'checkpoint');
}

/** Whether `dir` holds a complete checkpoint (its state.json is written last). */
export function hasLmCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'state.json'));
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

interface GuardState {
  settings?: LmRunSettings;
  fingerprint?: LmRunFingerprint;
}

/**
 * The settings and fingerprint a checkpoint's RunGuard saved (undefined for checkpoints without one),
 * read before the run starts so the settings not given can be the checkpoint's.
 */
export function savedRunSettings(checkpointDir: string): GuardState | undefined {
  try {
    const state = JSON.parse(readFileSync(join(checkpointDir, 'state.json'), 'utf8')) as {
      callbacks?: { className: string; state: GuardState }[];
    };
    return state.callbacks?.find((c) => c.className === RunGuard.name)?.state;
  } catch {
    return undefined; // backupAndRestore reports a missing or unreadable state.json itself
  }
}

/** See the file header. Placed after Perplexity and before the callbacks that save. */
export class RunGuard implements Callback {
  /** Epochs of this run that passed the check. */
  epochsRun = 0;
  constructor(
    private readonly model: LanguageModel,
    private readonly settings: LmRunSettings,
    /** The settings the caller chose (a resumed run must match the checkpoint in these). */
    private readonly given: Partial<LmRunSettings>,
    private readonly fingerprint: LmRunFingerprint,
  ) {}

  getState(): CallbackState {
    return { json: { settings: this.settings, fingerprint: this.fingerprint } };
  }

  /** On resume (backupAndRestore): refuses another run's checkpoint, naming what differs. */
  setState(json: Record<string, unknown>): void {
    const saved = json as GuardState;
    const differences: string[] = [];
    for (const key of SETTING_NAMES) {
      const value = this.given[key];
      const then = saved.settings?.[key];
      if (value !== undefined && then !== undefined && value !== then) {
        differences.push(`${key} ${value} (the checkpoint has ${then})`);
      }
    }
    const before = saved.fingerprint;
    const now = this.fingerprint;
    if (before !== undefined && before.trainSha256 !== now.trainSha256) {
      differences.push(
        before.trainTokens === now.trainTokens
          ? `another training text of as many tokens (${now.trainTokens})`
          : `a training text of ${now.trainTokens} tokens (the checkpoint's had ${before.trainTokens})`,
      );
    }
    if (before !== undefined && before.validSha256 !== now.validSha256) {
      differences.push(
        now.validSha256 === null
          ? 'no validation text (the checkpoint had one)'
          : before.validSha256 === null
            ? 'a validation text (the checkpoint had none)'
            : 'another validation text',
      );
    }
    if (differences.length > 0) {
      throw new VerboError(
        `resume: this run has ${differences.join(', ')}; the checkpoint belongs to another run. Resume with the same text and settings, or start a new run without --resume.`,
        'MISMATCH',
      );
    }
  }

  /** Refuses a diverged epoch before anything of it is saved. */
  onEpochEnd(epoch: number, logs: Logs): void {
    let what: string | undefined;
    for (const key of ['loss', 'perplexity', 'val_loss', 'val_perplexity']) {
      const value = logs[key];
      if (value !== undefined && !Number.isFinite(value)) {
        what = `the ${key.replace('val_', 'validation ')} became ${value}`;
        break;
      }
    }
    if (what === undefined) {
      for (const p of this.model.parameters()) {
        const at = firstNonFinite(p.tensor.data);
        if (at >= 0) {
          what = `the weights of '${p.name}' hold ${p.tensor.data[at]}`;
          break;
        }
      }
    }
    if (what === undefined) {
      this.epochsRun++;
      return;
    }
    throw new DivergedError(
      `training diverged in epoch ${epoch + 1}: ${what}. Nothing of this epoch was saved; lower the learning rate (it was ${logs.lr ?? this.settings.learningRate}) or clip gradients (--clip).`,
    );
  }
}
