// Training callbacks (Keras names): hooks the training loop (training.ts; Model.fit and seq's language
// model trainer) calls at the start and end of training, of each epoch and of each batch, with the
// running logs ({ loss, accuracy, val_loss, … }). Built-in callbacks: earlyStopping, modelCheckpoint,
// reduceLROnPlateau, learningRateScheduler, backupAndRestore (resumable checkpoints). Progress output
// is a callback too (logger.ts's ProgbarLogger, or the CLI's bars drawn from onBatchEnd / onEpochEnd).
//
// A checkpoint (backupAndRestore) is a directory: the model as its save() writes it (the one weight
// format, weights-file.ts), optimizer.json/.bin (the optimizer's per-parameter arrays, named
// `weight/slot`), callback-arrays.json/.bin (e.g. earlyStopping's best weights) and state.json, written
// last: { format: 'verbo-checkpoint', version, epoch (the next to run), history, random, optimizer
// { className, iterations, learningRate }, callbacks (each one's getState) }.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Tensor } from '../tensor/index.js';
import { FormatError, parseFailure, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { type Manifest, manifestOf, settleModelDir, verifyCheckpointFiles } from '../util/model-files.js';
import type { TrainingRun } from './training.js';
import {
  assignWeights,
  readWeightFile,
  type WeightEntry,
  type WeightMap,
  writeWeightFile,
} from './weights-file.js';

export type Logs = Record<string, number>;

/**
 * The part of a model the callbacks use (kept small so they can be tested alone): nn's Model, and the
 * adapter seq puts around a language model.
 */
export interface CallbackModel {
  stopTraining: boolean;
  getWeightValues(): Float32Array[];
  setWeightValues(values: readonly Float32Array[]): void;
  /** Writes the model (architecture and weights) into a directory. */
  save(dir: string): void;
  /** The weights by name, in a fixed order (checkpoints). */
  namedWeights(): { name: string; value: Tensor }[];
  optimizer: { learningRate: number | ((step: number) => number) } | null;
}

/** What a callback keeps across a resumed run (backupAndRestore saves it). */
export interface CallbackState {
  json: Record<string, unknown>;
  arrays?: WeightEntry[];
}

export interface Callback {
  setModel?(model: CallbackModel): void;
  /** The running training (optimizer, parameters, random source, history): for checkpoints. */
  setRun?(run: TrainingRun): void;
  /** After onTrainBegin: restore a checkpoint, returning the epoch to continue from (or undefined). */
  restore?(): number | undefined;
  /** State to carry over a resumed run, and putting it back. */
  getState?(): CallbackState;
  setState?(json: Record<string, unknown>, arrays: WeightMap): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

type Mode = 'auto' | 'min' | 'max';

/** Whether a larger value of `monitor` is better ('auto': accuracy-like names are maximised). */
function maximises(monitor: string, mode: Mode): boolean {
  if (mode !== 'auto') return mode === 'max';
  return /acc|auc|precision|recall|f1/i.test(monitor);
}

function monitored(monitor: string, logs: Logs, who: string): number | undefined {
  const value = logs[monitor];
  if (value === undefined) {
    throw new VerboError(
      `${who}: the logs have no '${monitor}' (available: ${Object.keys(logs).join(', ')}); ` +
        (monitor.startsWith('val_') ? 'pass validationData or validationSplit to fit, or ' : '') +
        'monitor one of the available names',
    );
  }
  return value;
}

export interface EarlyStoppingOptions {
  /** Quantity to watch (default 'val_loss'). */
  monitor?: string;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Stop after this many epochs in a row without improvement (Keras; default 0: at the first one). */
  patience?: number;
  mode?: Mode;
  /** Put back the weights of the best epoch when stopping (default false). */
  restoreBestWeights?: boolean;
}

export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private readonly mode: Mode;
  private model: CallbackModel | null = null;
  private best = Number.NaN;
  private wait = 0;
  private bestWeights: Float32Array[] | null = null;
  /** The epoch at which training stopped (−1 while it has not). */
  stoppedEpoch = -1;
  bestEpoch = -1;
  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    this.mode = options.mode ?? 'auto';
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  onTrainBegin(): void {
    this.best = Number.NaN;
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.bestWeights = null;
  }
  /** Without an early stop, restoreBestWeights still ends training on the best epoch's weights. */
  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.model && this.stoppedEpoch < 0) {
      this.model.setWeightValues(this.bestWeights);
    }
  }
  getState(): CallbackState {
    return {
      json: { best: this.best, wait: this.wait, bestEpoch: this.bestEpoch },
      arrays: this.bestWeights?.map((values, i) => ({ name: String(i), shape: [values.length], values })),
    };
  }
  setState(json: Record<string, unknown>, arrays: WeightMap): void {
    this.best = typeof json.best === 'number' ? json.best : Number.NaN;
    this.wait = Number(json.wait ?? 0);
    this.bestEpoch = Number(json.bestEpoch ?? -1);
    this.bestWeights = arrays.size > 0 ? [...arrays.values()].map((a) => a.values.slice()) : null;
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    const value = monitored(this.monitor, logs, 'earlyStopping')!;
    const better = maximises(this.monitor, this.mode)
      ? value > this.best + this.minDelta
      : value < this.best - this.minDelta;
    if (Number.isNaN(this.best) || better) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights && this.model) this.bestWeights = this.model.getWeightValues();
      return;
    }
    this.wait++;
    if (this.wait >= this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) this.model.setWeightValues(this.bestWeights);
    }
  }
}

export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}

export interface ModelCheckpointOptions {
  /** Directory the model is saved to (model.json, weights.json, weights.bin). May contain {epoch}. */
  path: string;
  monitor?: string;
  /** Save only when `monitor` improved (default false: every epoch). */
  saveBestOnly?: boolean;
  mode?: Mode;
}

export class ModelCheckpoint implements Callback {
  readonly path: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  private readonly mode: Mode;
  private model: CallbackModel | null = null;
  private best = Number.NaN;
  /** Epochs at which the model was written. */
  readonly savedEpochs: number[] = [];
  constructor(options: ModelCheckpointOptions) {
    if (typeof options?.path !== 'string' || options.path === '') {
      throw new VerboError('modelCheckpoint: give a path (a directory to save the model in)');
    }
    this.path = options.path;
    this.monitor = options.monitor ?? 'val_loss';
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.mode = options.mode ?? 'auto';
  }
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  getState(): CallbackState {
    return { json: { best: this.best } };
  }
  setState(json: Record<string, unknown>): void {
    this.best = typeof json.best === 'number' ? json.best : Number.NaN;
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.model) return;
    if (this.saveBestOnly) {
      const value = monitored(this.monitor, logs, 'modelCheckpoint')!;
      const better = maximises(this.monitor, this.mode) ? value > this.best : value < this.best;
      if (!(Number.isNaN(this.best) || better)) return;
      this.best = value;
    }
    this.model.save(this.path.replaceAll('{epoch}', String(epoch + 1)));
    this.savedEpochs.push(epoch);
  }
}

export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  return new ModelCheckpoint(options);
}

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  /** New rate = rate · factor (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  minDelta?: number;
  /** Epochs to wait after a reduction (default 0). */
  cooldown?: number;
  minLearningRate?: number;
  mode?: Mode;
}

/** Divides a constant learning rate when the monitored quantity stops improving (Keras ReduceLROnPlateau). */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLearningRate: number;
  private readonly mode: Mode;
  private model: CallbackModel | null = null;
  private best = Number.NaN;
  private wait = 0;
  private cooling = 0;
  constructor(options: ReduceLROnPlateauOptions = {}) {
    this.monitor = options.monitor ?? 'val_loss';
    this.factor = options.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) {
      throw new VerboError(`reduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    }
    this.patience = options.patience ?? 10;
    this.minDelta = options.minDelta ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.minLearningRate = options.minLearningRate ?? 0;
    this.mode = options.mode ?? 'auto';
  }
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  onEpochEnd(_epoch: number, logs: Logs): void {
    const value = monitored(this.monitor, logs, 'reduceLROnPlateau')!;
    const optimizer = this.model?.optimizer;
    if (!optimizer) return;
    if (typeof optimizer.learningRate !== 'number') {
      throw new VerboError(
        'reduceLROnPlateau: the optimizer uses a schedule; give it a constant learningRate instead',
      );
    }
    logs.lr = optimizer.learningRate;
    if (this.cooling > 0) {
      this.cooling--;
      this.wait = 0;
    }
    const better = maximises(this.monitor, this.mode)
      ? value > this.best + this.minDelta
      : value < this.best - this.minDelta;
    if (Number.isNaN(this.best) || better) {
      this.best = value;
      this.wait = 0;
      return;
    }
    if (this.cooling > 0) return;
    this.wait++;
    if (this.wait >= this.patience) {
      optimizer.learningRate = Math.max(optimizer.learningRate * this.factor, this.minLearningRate);
      this.cooling = this.cooldown;
      this.wait = 0;
    }
  }
}

export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): ReduceLROnPlateau {
  return new ReduceLROnPlateau(options);
}

/**
 * Sets the learning rate at the start of every epoch (Keras LearningRateScheduler):
 * `schedule(epoch, rate)` with the 0-based epoch and the current rate; logs it as `lr`.
 */
export class LearningRateScheduler implements Callback {
  private model: CallbackModel | null = null;
  private readonly schedule: (epoch: number, learningRate: number) => number;
  constructor(schedule: (epoch: number, learningRate: number) => number) {
    if (typeof schedule !== 'function') {
      throw new VerboError(
        'learningRateScheduler: give a function (epoch, learningRate) => new learningRate',
      );
    }
    this.schedule = schedule;
  }
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  onEpochBegin(epoch: number): void {
    const optimizer = this.model?.optimizer;
    if (!optimizer) return;
    if (typeof optimizer.learningRate !== 'number') {
      throw new VerboError(
        'learningRateScheduler: the optimizer already uses a schedule; give it a constant learningRate',
      );
    }
    const next = this.schedule(epoch, optimizer.learningRate);
    if (!(Number.isFinite(next) && next > 0)) {
      throw new VerboError(
        `learningRateScheduler: the schedule gave ${next} at epoch ${epoch + 1}; it must be a number > 0`,
      );
    }
    optimizer.learningRate = next;
  }
  onEpochEnd(_epoch: number, logs: Logs): void {
    const rate = this.model?.optimizer?.learningRate;
    if (typeof rate === 'number') logs.lr = rate;
  }
}

export function learningRateScheduler(
  schedule: (epoch: number, learningRate: number) => number,
): LearningRateScheduler {
  return new LearningRateScheduler(schedule);
}

export const CHECKPOINT_FORMAT = 'verbo-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

export interface BackupAndRestoreOptions {
  /** The checkpoint directory (written after every epoch). */
  dir: string;
  /**
   * 'auto' (default, as Keras): continue from the checkpoint when there is one; true: there must be one;
   * false: start afresh (an old checkpoint is overwritten).
   */
  resume?: boolean | 'auto';
  /** Delete the checkpoint when training ends normally (default true, as Keras). */
  deleteCheckpoint?: boolean;
}

interface CheckpointState {
  format: string;
  version: number;
  /** Size and sha256 of every other file of the checkpoint (absent in older ones): a damaged file is named. */
  files?: Manifest;
  epoch: number;
  history: History;
  random: number[];
  optimizer: { className: string; iterations: number; learningRate: number | null };
  /** The state of each callback that has one (getState), in callback order. */
  callbacks: { className: string; state: Record<string, unknown> }[];
}

/** Whether `dir` holds a complete checkpoint (its state.json is written last). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'state.json'));
}

/**
 * Writes a resumable checkpoint after every epoch and, at the start of training, continues from it
 * (Keras BackupAndRestore): weights, optimizer state, random source, history and the other callbacks'
 * state (early stopping's best value and weights, …), so an interrupted run goes on as if it had not
 * stopped.
 */
export class BackupAndRestore implements Callback {
  readonly dir: string;
  private readonly resume: boolean | 'auto';
  private readonly deleteCheckpoint: boolean;
  private run: TrainingRun | null = null;
  constructor(options: BackupAndRestoreOptions) {
    if (typeof options?.dir !== 'string' || options.dir === '') {
      throw new VerboError('backupAndRestore: give a dir (the checkpoint directory)');
    }
    this.dir = options.dir;
    this.resume = options.resume ?? 'auto';
    this.deleteCheckpoint = options.deleteCheckpoint ?? true;
  }
  setRun(run: TrainingRun): void {
    this.run = run;
  }

  restore(): number | undefined {
    const run = this.run!;
    if (this.resume === false) return undefined;
    settleModelDir(this.dir);
    if (!hasCheckpoint(this.dir)) {
      if (this.resume === true) {
        throw new VerboError(
          `nothing to resume: ${this.dir} holds no checkpoint (state.json); train without resuming first.`,
          'ENOENT',
        );
      }
      return undefined;
    }
    const statePath = join(this.dir, 'state.json');
    let state: CheckpointState;
    try {
      state = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointState;
    } catch (error) {
      throw new FormatError(`${statePath}: not valid JSON (${parseFailure(error)}).`);
    }
    if (state === null || typeof state !== 'object')
      throw new FormatError(`${statePath}: expected a JSON object.`);
    // Every file checked before any is read: a truncated or changed one is named as corrupt.
    if (state.files !== undefined) verifyCheckpointFiles(this.dir, state.files, statePath);
    if (state.format !== CHECKPOINT_FORMAT || !(state.version <= CHECKPOINT_FORMAT_VERSION)) {
      throw new FormatError(
        `${statePath}: not a checkpoint this verbo reads (format ${JSON.stringify(state.format)}, version ${state.version}); start the training afresh.`,
      );
    }
    if (state.optimizer.className !== run.optimizer.className) {
      throw new VerboError(
        `the checkpoint in ${this.dir} was trained with ${state.optimizer.className}, not ${run.optimizer.className}; resume with the same optimizer.`,
        'MISMATCH',
      );
    }
    const named = run.model.namedWeights();
    try {
      assignWeights(
        readWeightFile(this.dir),
        named.map((w) => ({ name: w.name, data: w.value.data, shape: w.value.shape })),
        join(this.dir, 'weights.json'),
      );
    } catch (error) {
      throw new VerboError(
        `the checkpoint in ${this.dir} does not fit this model (${(error as Error).message}); resume with the same settings and training text.`,
        'MISMATCH',
      );
    }
    const slots = readWeightFile(this.dir, 'optimizer');
    const names = new Map(named.map((w) => [w.value, w.name]));
    run.optimizer.setSlots(
      run.params,
      run.params.map((p) => {
        const out: Float32Array[] = [];
        for (let s = 0; slots.has(`${names.get(p)}/${s}`); s++)
          out.push(slots.get(`${names.get(p)}/${s}`)!.values);
        return out;
      }),
    );
    run.optimizer.iterations = state.optimizer.iterations;
    if (state.optimizer.learningRate !== null) run.optimizer.learningRate = state.optimizer.learningRate;
    run.random.setState(state.random);
    run.history.epoch.push(...state.history.epoch);
    for (const [key, values] of Object.entries(state.history.history)) run.history.history[key] = [...values];
    // Each stateful callback takes the saved state of the same class, in order.
    const arrays = readWeightFile(this.dir, 'callback-arrays');
    const used = new Set<number>();
    for (const cb of run.callbacks) {
      if (cb === this || !cb.setState) continue;
      const i = state.callbacks.findIndex((c, k) => !used.has(k) && c.className === cb.constructor.name);
      if (i < 0) continue;
      used.add(i);
      const own: WeightMap = new Map();
      for (const [name, value] of arrays) {
        if (name.startsWith(`${i}:`)) own.set(name.slice(`${i}:`.length), value);
      }
      cb.setState(state.callbacks[i]!.state, own);
    }
    return state.epoch;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const run = this.run;
    if (run === null) return;
    // Built beside the checkpoint and swapped in by renames: a kill leaves the previous one or this one.
    const target = resolve(this.dir);
    const staging = `${target}.new-${process.pid}-0`;
    rmSync(staging, { recursive: true, force: true });
    this.write(run, staging, epoch, logs);
    const old = `${target}.old-${process.pid}`;
    rmSync(old, { recursive: true, force: true });
    if (existsSync(target)) renameSync(target, old);
    renameSync(staging, target);
    rmSync(old, { recursive: true, force: true });
  }

  private write(run: TrainingRun, dir: string, epoch: number, logs: Logs): void {
    run.model.save(dir);
    const named = run.model.namedWeights();
    const names = new Map(named.map((w) => [w.value, w.name]));
    const slots = run.optimizer.getSlots(run.params);
    const slotEntries: WeightEntry[] = [];
    run.params.forEach((p, i) => {
      slots[i]!.forEach((values, s) => {
        slotEntries.push({ name: `${names.get(p) ?? `param${i}`}/${s}`, shape: p.shape, values });
      });
    });
    writeWeightFile(dir, slotEntries, 'optimizer');
    const callbackArrays: WeightEntry[] = [];
    const callbackStates: CheckpointState['callbacks'] = [];
    for (const cb of run.callbacks) {
      if (cb === this || !cb.getState) continue;
      const own = cb.getState();
      const i = callbackStates.length;
      for (const entry of own.arrays ?? []) callbackArrays.push({ ...entry, name: `${i}:${entry.name}` });
      callbackStates.push({ className: cb.constructor.name, state: own.json });
    }
    writeWeightFile(dir, callbackArrays, 'callback-arrays');
    const rate = run.optimizer.learningRate;
    const state: CheckpointState = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_FORMAT_VERSION,
      files: manifestOf(dir, ['state.json']),
      epoch: epoch + 1,
      history: appendEpoch(run.history, epoch, logs),
      random: run.random.getState(),
      optimizer: {
        className: run.optimizer.className,
        iterations: run.optimizer.iterations,
        learningRate: typeof rate === 'number' ? rate : null,
      },
      callbacks: callbackStates,
    };
    writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(state)}\n`);
  }

  onTrainEnd(): void {
    if (this.deleteCheckpoint) {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** The history with this epoch's logs added (onEpochEnd runs before the loop records the epoch). */
function appendEpoch(history: History, epoch: number, logs: Logs): History {
  const out: History = { epoch: [...history.epoch, epoch], history: structuredClone(history.history) };
  for (const [key, value] of Object.entries(logs)) (out.history[key] ??= []).push(value);
  return out;
}

export function backupAndRestore(options: BackupAndRestoreOptions): BackupAndRestore {
  return new BackupAndRestore(options);
}

/** Keras' History: the epochs run and, per log name, one value per epoch. */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

/** For typing batches handed to custom callbacks. */
export type BatchTensors = { inputs: Tensor[]; targets: Tensor[] };
