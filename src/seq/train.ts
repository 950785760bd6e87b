// Training a language model with truncated backpropagation through time (Zaremba et al. 2014), on nn's
// one training loop (nn/training.ts) with callbacks.
//
// The training ids are cut into `batch` parallel streams (data.ts) and walked in windows of `bptt`
// steps, in order. The hidden state of each stream is carried from one window to the next but
// DETACHED (TbpttState), so gradients flow back at most `bptt` steps. The differentiated loss is the
// cross-entropy SUMMED over the window's steps and AVERAGED over the batch — Zaremba's scale, for which
// SGD with lr 1 and gradient clipping at global norm 5 is tuned (a per-token mean would need lr ≈ 35).
// Reported losses and perplexities are per token: perplexity = exp(mean cross-entropy in nats).
//
// The run, step by step (trainLanguageModel): resolve the options → cut the stream into windows → make
// the optimizer → assemble the callbacks → run nn's loop → read the result off its History. Callbacks:
//   TbpttState             the carried state (zero at each epoch's start)
//   learningRateScheduler  Zaremba's schedule: lr₀ for `decayAfter` epochs, then × `lrDecay` per epoch
//   Perplexity             perplexity and val_perplexity beside the losses
//   EpochRecorder          per-epoch tokens and seconds, and the summary saved with the model
//   modelCheckpoint        the best model (by validation perplexity; every epoch without one) in `outDir`
//   backupAndRestore       the last epoch's checkpoint in outDir/checkpoint, which `resume` continues from
//   earlyStopping          stop after `patience` epochs without a better validation perplexity; keep the
//                          best weights
//   ProgressReporter       TrainProgress events for the CLI and the demo
import { join } from 'node:path';
import {
  Adam,
  backupAndRestore,
  type Callback,
  type CallbackModel,
  EarlyStopping,
  type History,
  type Logs,
  learningRateScheduler,
  modelCheckpoint,
  type Optimizer,
  runTraining,
  SGD,
  type TrainingRun,
} from '../nn/index.js';
import { mul, noGrad, type Tensor } from '../tensor/index.js';
import { VerboError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { type BatchedStream, batchify, getWindow, windowCount } from './data.js';
import { saveLanguageModel } from './io.js';
import type { LanguageModel } from './model.js';

export type LmOptimizerName = 'sgd' | 'adam';

export interface TrainOptions {
  /** Steps per window (default 35). */
  bptt?: number;
  /** Parallel streams (default 20). */
  batch?: number;
  /** Passes over the training ids (default 1). */
  epochs?: number;
  /** Stop after this many training tokens (default: no limit). */
  maxTokens?: number;
  /** 'sgd' (default) or 'adam'. */
  optimizer?: LmOptimizerName;
  /** Initial learning rate (default 1 for SGD, 0.001 for Adam). */
  learningRate?: number;
  /** Learning-rate factor per epoch after `decayAfter` epochs (default 0.5 for SGD, 1 for Adam). */
  lrDecay?: number;
  /** Epochs at the initial learning rate (default 4). */
  decayAfter?: number;
  /** Clip gradients to this global L2 norm (default 5; 0 = no clipping). */
  clip?: number;
  /** Seed of dropout masks (default 1). */
  seed?: number;
  /** Validation ids (PTB style, with <eos>); perplexity is measured after every epoch. */
  validIds?: Int32Array;
  /** Stop after this many epochs without a better validation perplexity (default 3). */
  patience?: number;
  /** Streams used for validation (default 10). */
  evalBatch?: number;
  /** Save the best model here, and the last epoch's checkpoint in outDir/checkpoint. */
  outDir?: string;
  /** Continue from outDir/checkpoint (the model must have the same architecture and vocabulary). */
  resume?: boolean;
  /** Progress events, at most every `progressEvery` ms (default 250) and at every epoch's end. */
  onProgress?: (event: TrainProgress) => void;
  progressEvery?: number;
}

export interface TrainProgress {
  phase: 'train' | 'epoch';
  epoch: number;
  epochs: number;
  /** Windows done in this epoch, and their number. */
  batch: number;
  batches: number;
  /** Training tokens processed so far (this run). */
  tokens: number;
  tokensPerSecond: number;
  /** Mean per-token loss (nats) of this epoch so far. */
  loss: number;
  perplexity: number;
  learningRate: number;
  /** Fraction of the whole run done, and the estimated seconds left. */
  fraction: number;
  etaSeconds: number;
  /** 'epoch' events: the validation perplexity (when validating) and whether it was the best so far. */
  validPerplexity?: number;
  improved?: boolean;
}

export interface EpochRecord {
  epoch: number;
  learningRate: number;
  trainLoss: number;
  trainPerplexity: number;
  validPerplexity?: number;
  seconds: number;
  tokens: number;
}

export interface TrainResult {
  /** Training tokens processed in this run. */
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  /** Per-token perplexity of the last (partial) epoch's training windows. */
  trainPerplexity: number;
  /** Validation perplexity of the kept (best) model, when validating. */
  validPerplexity?: number;
  bestEpoch?: number;
  stoppedEarly: boolean;
  history: EpochRecord[];
}

export interface EvaluateOptions {
  /** Parallel streams (default 10; fewer when the text is short). */
  batch?: number;
  /** Window length (default 35). */
  bptt?: number;
}

export interface Evaluation {
  /** Tokens predicted. */
  tokens: number;
  /** Mean cross-entropy per token (nats). */
  loss: number;
  perplexity: number;
}

/** Per-token perplexity of `ids` under the model: streams with the state carried, no dropout. */
export function evaluatePerplexity(
  model: LanguageModel,
  ids: Int32Array,
  options: EvaluateOptions = {},
): Evaluation {
  const bptt = options.bptt ?? 35;
  if (ids.length < 2) {
    throw new VerboError(
      `need at least 2 tokens to measure perplexity, got ${ids.length}; give a longer text.`,
      'EMPTY',
    );
  }
  const batch = Math.max(1, Math.min(options.batch ?? 10, Math.floor(ids.length / 2)));
  const data = batchify(ids, batch);
  const windows = windowCount(data, bptt, true);
  return noGrad(() => {
    let state = model.initialState(batch);
    let total = 0;
    let tokens = 0;
    for (let w = 0; w < windows; w++) {
      const window = getWindow(data, w, bptt);
      const { hidden, state: next } = model.forward(window.inputs, window.steps, batch, state);
      const loss = model.loss(hidden, window.targets, { reduction: 'sum' });
      total += loss.item();
      tokens += window.targets.length;
      state = next;
    }
    const loss = total / tokens;
    return { tokens, loss, perplexity: Math.exp(loss) };
  });
}

function checkOption(name: string, value: number, min: number, integer: boolean): void {
  if (!(value >= min) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new VerboError(
      `${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got ${value}.`,
      'BAD_ARGUMENT',
    );
  }
}

/** The options with their defaults, checked. */
interface Settings {
  bptt: number;
  batch: number;
  epochs: number;
  optimizer: LmOptimizerName;
  learningRate: number;
  lrDecay: number;
  decayAfter: number;
  clip: number;
  patience: number;
  maxTokens: number;
  seed: number;
}

function resolveTrainOptions(options: TrainOptions): Settings {
  const optimizer = options.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam') {
    throw new VerboError(`unknown optimizer '${optimizer as string}'; expected sgd or adam.`, 'BAD_ARGUMENT');
  }
  const sgd = optimizer === 'sgd';
  const settings: Settings = {
    bptt: options.bptt ?? 35,
    batch: options.batch ?? 20,
    epochs: options.epochs ?? 1,
    optimizer,
    learningRate: options.learningRate ?? (sgd ? 1 : 0.001),
    lrDecay: options.lrDecay ?? (sgd ? 0.5 : 1),
    decayAfter: options.decayAfter ?? 4,
    clip: options.clip ?? 5,
    patience: options.patience ?? 3,
    maxTokens: options.maxTokens ?? Number.POSITIVE_INFINITY,
    seed: options.seed ?? 1,
  };
  checkOption('bptt', settings.bptt, 1, true);
  checkOption('batch', settings.batch, 1, true);
  checkOption('epochs', settings.epochs, 1, true);
  checkOption('learningRate', settings.learningRate, Number.MIN_VALUE, false);
  checkOption('lrDecay', settings.lrDecay, Number.MIN_VALUE, false);
  checkOption('decayAfter', settings.decayAfter, 0, true);
  checkOption('clip', settings.clip, 0, false);
  checkOption('patience', settings.patience, 1, true);
  if (options.maxTokens !== undefined) checkOption('maxTokens', options.maxTokens, 1, true);
  if (options.resume && options.outDir === undefined) {
    throw new VerboError('resume needs outDir: the folder of the interrupted run.', 'BAD_ARGUMENT');
  }
  return settings;
}

/** The training ids as `batch` streams, with the number of full windows (at least one). */
function cutIntoWindows(trainIds: Int32Array, settings: Settings): { data: BatchedStream; windows: number } {
  const data = batchify(trainIds, settings.batch);
  const windows = windowCount(data, settings.bptt);
  if (windows === 0) {
    throw new VerboError(
      `the training text is too short for windows of ${settings.bptt} steps in ${settings.batch} streams ` +
        `(${trainIds.length} tokens); give more text or lower --bptt / --batch.`,
      'EMPTY',
    );
  }
  return { data, windows };
}

function createOptimizer(settings: Settings): Optimizer {
  const clipNorm = settings.clip > 0 ? settings.clip : undefined;
  const { learningRate } = settings;
  return settings.optimizer === 'sgd'
    ? new SGD({ learningRate, clipNorm })
    : new Adam({ learningRate, clipNorm });
}

/** The language model as nn's training loop and callbacks see it. */
class LanguageModelTarget implements CallbackModel {
  stopTraining = false;
  /** The latest epoch's record: the `training` summary saved in config.json. */
  summary: EpochRecord | undefined;
  constructor(
    readonly model: LanguageModel,
    readonly optimizer: Optimizer,
  ) {}
  getWeightValues(): Float32Array[] {
    return this.model.parameters().map((p) => p.tensor.toFloat32Array());
  }
  setWeightValues(values: readonly Float32Array[]): void {
    this.model.parameters().forEach((p, i) => {
      p.tensor.data.set(values[i]!);
    });
  }
  save(dir: string): void {
    saveLanguageModel(this.model, dir, this.summary === undefined ? {} : { training: { ...this.summary } });
  }
  namedWeights(): { name: string; value: Tensor }[] {
    return this.model.parameters().map((p) => ({ name: p.name, value: p.tensor }));
  }
}

/** Token counts shared by the step and the callbacks. */
interface Counters {
  /** Training tokens processed in this run. */
  tokens: number;
  /** This epoch's tokens and summed loss (nats), and its windows done. */
  epochTokens: number;
  epochLoss: number;
  windowsDone: number;
}

/** Truncated BPTT's carried state: zero at each epoch's start, then each window's final state, detached. */
export class TbpttState implements Callback {
  state: Tensor[][];
  constructor(
    private readonly model: LanguageModel,
    private readonly batch: number,
  ) {
    this.state = model.initialState(batch);
  }
  onEpochBegin(): void {
    this.state = this.model.initialState(this.batch);
  }
  /** Keeps `next` for the next window, cut from the graph so gradients stop at the window's start. */
  carry(next: Tensor[][]): void {
    this.state = next.map((layer) => layer.map((t) => t.detach()));
  }
}

/** Adds perplexity = exp(loss) (and val_perplexity) to the logs. */
export class Perplexity implements Callback {
  onBatchEnd(_batch: number, logs: Logs): void {
    if (logs.loss !== undefined) logs.perplexity = Math.exp(logs.loss);
  }
  onEpochEnd(_epoch: number, logs: Logs): void {
    if (logs.loss !== undefined) logs.perplexity = Math.exp(logs.loss);
    if (logs.val_loss !== undefined) logs.val_perplexity = Math.exp(logs.val_loss);
  }
}

/** Adds the epoch's tokens and seconds to its logs and keeps its record as the model's summary. */
class EpochRecorder implements Callback {
  private start = 0;
  constructor(
    private readonly target: LanguageModelTarget,
    private readonly counters: Counters,
  ) {}
  onEpochBegin(): void {
    this.start = performance.now();
    this.counters.epochTokens = 0;
    this.counters.epochLoss = 0;
    this.counters.windowsDone = 0;
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    logs.tokens = this.counters.epochTokens;
    logs.seconds = (performance.now() - this.start) / 1000;
    this.target.summary = epochRecord(epoch, logs);
  }
}

function epochRecord(epoch: number, logs: Logs): EpochRecord {
  return {
    epoch: epoch + 1,
    learningRate: logs.lr!,
    trainLoss: logs.loss!,
    trainPerplexity: Math.exp(logs.loss!),
    ...(logs.val_perplexity !== undefined ? { validPerplexity: logs.val_perplexity } : {}),
    seconds: logs.seconds!,
    tokens: logs.tokens!,
  };
}

/** TrainProgress events: during an epoch at most every `every` ms, and at each epoch's end. */
class ProgressReporter implements Callback {
  private start = 0;
  private lastEmit = 0;
  private firstEpoch: number | undefined;
  private current = 0;
  private best = Number.POSITIVE_INFINITY;
  constructor(
    private readonly onProgress: (event: TrainProgress) => void,
    private readonly every: number,
    private readonly settings: Settings,
    private readonly windows: number,
    private readonly counters: Counters,
    private readonly optimizer: Optimizer,
  ) {}
  onTrainBegin(): void {
    this.start = performance.now();
  }
  /** A resumed run's best so far comes with its history, so 'improved' stays true to the whole run. */
  setRun(run: TrainingRun): void {
    this.run = run;
  }
  private run: TrainingRun | undefined;
  onEpochBegin(epoch: number): void {
    if (this.firstEpoch === undefined) {
      this.firstEpoch = epoch;
      for (const value of this.run?.history.history.val_perplexity ?? [])
        this.best = Math.min(this.best, value);
    }
    this.current = epoch;
  }
  private event(phase: 'train' | 'epoch', epoch: number, loss: number): TrainProgress {
    const seconds = (performance.now() - this.start) / 1000;
    const totalWindows = Math.max(1, (this.settings.epochs - this.firstEpoch!) * this.windows);
    const done = (epoch - this.firstEpoch!) * this.windows + this.counters.windowsDone;
    const fraction = Math.min(
      1,
      Math.max(done / totalWindows, this.counters.tokens / this.settings.maxTokens),
    );
    return {
      phase,
      epoch: epoch + 1,
      epochs: this.settings.epochs,
      batch: this.counters.windowsDone,
      batches: this.windows,
      tokens: this.counters.tokens,
      tokensPerSecond: this.counters.tokens / seconds,
      loss,
      perplexity: Math.exp(loss),
      learningRate: this.optimizer.learningRate as number,
      fraction,
      etaSeconds: fraction > 0 ? (seconds * (1 - fraction)) / fraction : Number.POSITIVE_INFINITY,
    };
  }
  /** A 'train' event when `every` ms have passed, then a turn of the event loop (the CLI redraws). */
  onBatchEnd(): Promise<void> | undefined {
    const now = performance.now();
    if (now - this.lastEmit < this.every) return undefined;
    this.lastEmit = now;
    this.onProgress(this.event('train', this.current, this.counters.epochLoss / this.counters.epochTokens));
    return new Promise((resolve) => setImmediate(resolve));
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    const valid = logs.val_perplexity;
    const improved = valid === undefined || valid < this.best;
    if (valid !== undefined && improved) this.best = valid;
    this.onProgress({ ...this.event('epoch', epoch, logs.loss!), validPerplexity: valid, improved });
  }
}

/** Trains `model` in place on `trainIds`; see the file header. */
export async function trainLanguageModel(
  model: LanguageModel,
  trainIds: Int32Array,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const settings = resolveTrainOptions(options);
  const { data, windows } = cutIntoWindows(trainIds, settings);
  const optimizer = createOptimizer(settings);
  const target = new LanguageModelTarget(model, optimizer);
  const random = new Random(settings.seed);
  const counters: Counters = { tokens: 0, epochTokens: 0, epochLoss: 0, windowsDone: 0 };
  const carried = new TbpttState(model, settings.batch);
  const stopper =
    options.validIds === undefined
      ? undefined
      : new EarlyStopping({
          monitor: 'val_perplexity',
          patience: settings.patience,
          restoreBestWeights: true,
        });
  const callbacks = lmCallbacks({ options, settings, target, counters, carried, stopper, windows });
  const start = performance.now();
  const history = await runTraining<number>({
    who: 'language model training',
    model: target,
    optimizer,
    params: model.trainableParameters(),
    random,
    initialEpoch: 0,
    endEpoch: settings.epochs,
    batches: function* () {
      for (let w = 0; w < windows && counters.tokens < settings.maxTokens; w++) yield w;
      if (counters.tokens >= settings.maxTokens) target.stopTraining = true;
    },
    step: (w) => {
      const window = getWindow(data, w, settings.bptt);
      const { hidden, state } = model.forward(window.inputs, window.steps, settings.batch, carried.state, {
        training: true,
        random,
      });
      const loss = model.loss(hidden, window.targets, { reduction: 'sum' });
      const summed = loss.item();
      carried.carry(state);
      const tokens = window.targets.length;
      counters.tokens += tokens;
      counters.epochTokens += tokens;
      counters.epochLoss += summed;
      counters.windowsDone++;
      // Σ over steps, mean over the batch: the scale SGD lr 1 + clip 5 is tuned for
      return { loss: mul(loss, 1 / settings.batch), logs: { loss: summed / tokens }, size: tokens };
    },
    validate:
      options.validIds === undefined
        ? undefined
        : () => {
            const evaluation = evaluatePerplexity(model, options.validIds!, {
              batch: options.evalBatch,
              bptt: settings.bptt,
            });
            return { loss: evaluation.loss };
          },
    callbacks,
  });
  return trainResult(history, counters, (performance.now() - start) / 1000, stopper, settings);
}

/** The callbacks of a language-model run, in the order they see each epoch's end (see the header). */
function lmCallbacks(parts: {
  options: TrainOptions;
  settings: Settings;
  target: LanguageModelTarget;
  counters: Counters;
  carried: TbpttState;
  stopper: EarlyStopping | undefined;
  windows: number;
}): Callback[] {
  const { options, settings, target, counters, carried, stopper, windows } = parts;
  const { learningRate, lrDecay, decayAfter } = settings;
  const callbacks: Callback[] = [
    carried,
    learningRateScheduler((epoch) => learningRate * lrDecay ** Math.max(0, epoch + 1 - decayAfter)),
    new Perplexity(),
    new EpochRecorder(target, counters),
  ];
  if (options.outDir !== undefined) {
    callbacks.push(
      modelCheckpoint({
        path: options.outDir,
        monitor: 'val_perplexity',
        saveBestOnly: stopper !== undefined,
      }),
      backupAndRestore({
        dir: join(options.outDir, 'checkpoint'),
        resume: options.resume === true,
        deleteCheckpoint: false,
      }),
    );
  }
  if (stopper) callbacks.push(stopper);
  if (options.onProgress) {
    const every = options.progressEvery ?? 250;
    callbacks.push(
      new ProgressReporter(options.onProgress, every, settings, windows, counters, target.optimizer),
    );
  }
  return callbacks;
}

/** The run's numbers from the loop's History (a resumed run's earlier epochs included). */
function trainResult(
  history: History,
  counters: Counters,
  seconds: number,
  stopper: EarlyStopping | undefined,
  settings: Settings,
): TrainResult {
  const records = history.epoch.map((epoch, i) => {
    const logs: Logs = {};
    for (const [key, values] of Object.entries(history.history)) {
      if (values[i] !== undefined) logs[key] = values[i]!;
    }
    return epochRecord(epoch, logs);
  });
  let best: EpochRecord | undefined;
  for (const record of records) {
    const valid = record.validPerplexity;
    if (valid !== undefined && (best === undefined || valid < best.validPerplexity!)) best = record;
  }
  const stopped = stopper !== undefined && stopper.stoppedEpoch >= 0;
  return {
    tokens: counters.tokens,
    seconds,
    tokensPerSecond: seconds > 0 ? counters.tokens / seconds : 0,
    trainPerplexity: records.at(-1)?.trainPerplexity ?? Number.NaN,
    validPerplexity: best?.validPerplexity,
    bestEpoch: best?.epoch,
    stoppedEarly: stopped && stopper.stoppedEpoch + 1 < settings.epochs,
    history: records,
  };
}
