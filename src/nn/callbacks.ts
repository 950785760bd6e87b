// Training callbacks (Keras names): hooks fit() calls at the start and end of training, of each epoch
// and of each batch, with the running logs ({ loss, accuracy, val_loss, … }). The library never
// prints: the CLI draws its progress bars from onBatchEnd / onEpochEnd. Built-in callbacks:
// earlyStopping, modelCheckpoint, reduceLROnPlateau.
import { VerboError } from '../util/errors.js';
import type { Tensor } from '../tensor/index.js';

export type Logs = Record<string, number>;

/** The part of a model the callbacks use (kept small so they can be tested alone). */
export interface CallbackModel {
  stopTraining: boolean;
  getWeightValues(): Float32Array[];
  setWeightValues(values: readonly Float32Array[]): void;
  save(dir: string): void;
  optimizer: { learningRate: number | ((step: number) => number) } | null;
}

export interface Callback {
  setModel?(model: CallbackModel): void;
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
  /** Epochs without improvement before stopping (default 0). */
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
    if (this.wait > this.patience && this.model) {
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

/** Keras' History: the epochs run and, per log name, one value per epoch. */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

/** For typing batches handed to custom callbacks. */
export type BatchTensors = { inputs: Tensor[]; targets: Tensor[] };
