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
//   RunGuard               (run-guard.ts) stops a diverged epoch before anything is saved, and makes a
//                          resumed run prove it is the same run (text and settings)
//   backupAndRestore       the last epoch's checkpoint in the run's folder, which `resume` continues from
//   earlyStopping          stop after `patience` epochs without a better validation perplexity; keep the
//                          best weights
//   ProgressReporter       TrainProgress events for the CLI and the demo
//
// With `outDir`, the run's folder is `<outDir>.partial` (src/util/model-files): its checkpoint/ is
// written there every epoch, and at the end the kept model (the best by validation perplexity, else the
// last) beside it, before the folder replaces `outDir` whole (commitRun). A killed, failed or diverged
// run leaves the previous model in `outDir`, and its last good checkpoint in the run's folder for
// `resume`.
import { readFileSync } from 'node:fs';
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
  type Optimizer,
  runTraining,
  SGD,
  type TrainingRun,
} from '../nn/index.js';
import { mul, noGrad, type Tensor } from '../tensor/index.js';
import { InternalError, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { firstNonFinite, linkModelFiles, type ModelDirWriter, openModelDir } from '../util/model-files.js';
import { Random } from '../util/random.js';
import { type BatchedStream, batchify, getWindow, windowCount } from './data.js';
import { LM_FILES, LM_FORMAT, saveLanguageModel, writeLanguageModelFiles } from './io.js';
import { checkLanguageModelSize } from './limits.js';
import type { LanguageModel } from './model.js';
import {
  hasLmCheckpoint,
  lmCheckpointToResume,
  partialLmCheckpointDir,
  RunGuard,
  runFingerprint,
  savedRunSettings,
} from './run-guard.js';

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
  /**
   * Continue the interrupted run into outDir (its checkpoint in `<outDir>.partial`), or the finished
   * one's (outDir/checkpoint) for more epochs: the same text, and the settings not given are the
   * checkpoint's (given ones must match). The model must have the same architecture and vocabulary.
   */
  resume?: boolean;
  /**
   * More files to write beside the model in outDir (e.g. history.json), given the run's history (all
   * epochs) and this run's tokens: name → contents; part of the folder that replaces outDir.
   */
  extraFiles?: (run: { history: EpochRecord[]; tokens: number }) => Record<string, string | Uint8Array>;
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

/** The options with their defaults; on resume, the checkpoint's settings stand in for those not given. */
function resolveTrainOptions(options: TrainOptions, saved?: Partial<Settings>): Settings {
  const optimizer = options.optimizer ?? saved?.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam') {
    throw new VerboError(`unknown optimizer '${optimizer as string}'; expected sgd or adam.`, 'BAD_ARGUMENT');
  }
  const sgd = optimizer === 'sgd';
  const settings: Settings = {
    bptt: options.bptt ?? saved?.bptt ?? 35,
    batch: options.batch ?? saved?.batch ?? 20,
    epochs: options.epochs ?? 1,
    optimizer,
    learningRate: options.learningRate ?? saved?.learningRate ?? (sgd ? 1 : 0.001),
    lrDecay: options.lrDecay ?? saved?.lrDecay ?? (sgd ? 0.5 : 1),
    decayAfter: options.decayAfter ?? saved?.decayAfter ?? 4,
    clip: options.clip ?? saved?.clip ?? 5,
    patience: options.patience ?? 3,
    maxTokens: options.maxTokens ?? Number.POSITIVE_INFINITY,
    seed: options.seed ?? saved?.seed ?? 1,
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
  // The step never keeps a gradient past the update: its buffers go back to the next backward.
  return settings.optimizer === 'sgd'
    ? new SGD({ learningRate, clipNorm, recycleGradients: true })
    : new Adam({ learningRate, clipNorm, recycleGradients: true });
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
  if (options.resume && options.outDir === undefined) {
    throw new VerboError('resume needs outDir: the folder of the interrupted run.', 'BAD_ARGUMENT');
  }
  const outDir = options.outDir;
  const resumeFrom = options.resume && outDir !== undefined ? lmCheckpointToResume(outDir) : undefined;
  if (options.resume && !hasLmCheckpoint(resumeFrom!)) {
    throw new VerboError(
      `nothing to resume: ${resumeFrom} holds no checkpoint (state.json); train without resuming first.`,
      'ENOENT',
    );
  }
  const out =
    outDir === undefined
      ? undefined
      : openModelDir(outDir, {
          format: LM_FORMAT,
          // Continuing the interrupted run keeps its folder; anything else starts a fresh one.
          partial: resumeFrom === partialLmCheckpointDir(outDir) ? 'keep' : 'fresh',
        });
  try {
    const checkpointDir = out === undefined ? undefined : join(out.staging, 'checkpoint');
    // A finished model's checkpoint is continued from a copy in the new run's folder.
    if (resumeFrom !== undefined && checkpointDir !== undefined && resumeFrom !== checkpointDir) {
      linkModelFiles(resumeFrom, checkpointDir);
      writeFileAtomic(join(checkpointDir, LM_FILES.config), readFileSync(join(resumeFrom, LM_FILES.config)));
    }
    const { epochsRun, ...result } = await trainRun(model, trainIds, options, checkpointDir);
    if (out !== undefined) commitRun(out, model, options, { ...result, epochsRun });
    return result;
  } finally {
    // A run that stopped after a checkpoint (Ctrl-C, divergence, a full disk) keeps it for resume.
    out?.close({ keepStaging: hasLmCheckpoint(join(out.staging, 'checkpoint')) });
  }
}

/**
 * Writes the kept model (the best by validation perplexity, which earlyStopping has put back, else the
 * last) and the caller's extra files beside the run's checkpoint/, and swaps the folder in place of
 * outDir. A resumed run that had no epoch left to run changes nothing.
 */
function commitRun(
  out: ModelDirWriter,
  model: LanguageModel,
  options: TrainOptions,
  result: TrainResult & { epochsRun: number },
): void {
  if (result.epochsRun === 0) return;
  const kept = result.history.find((record) => record.epoch === result.bestEpoch) ?? result.history.at(-1);
  const weights = model
    .parameters()
    .map((p) => ({ name: p.name, shape: p.tensor.shape, values: p.tensor.toFloat32Array() }));
  for (const w of weights) {
    const bad = firstNonFinite(w.values);
    if (bad >= 0)
      throw new InternalError(`the kept weight '${w.name}' holds ${w.values[bad]} after training.`);
  }
  const config = writeLanguageModelFiles(
    model,
    out.staging,
    kept === undefined ? {} : { training: { ...kept } },
    weights,
  );
  for (const [name, contents] of Object.entries(
    options.extraFiles?.({ history: result.history, tokens: result.tokens }) ?? {},
  )) {
    if (!/^\w[\w.-]*$/.test(name) || name === LM_FILES.config) {
      throw new VerboError(`extraFiles: '${name}' is not a plain file name for the model folder.`);
    }
    writeFileAtomic(join(out.staging, name), contents);
  }
  out.commit(config);
}

async function trainRun(
  model: LanguageModel,
  trainIds: Int32Array,
  options: TrainOptions,
  checkpointDir: string | undefined,
): Promise<TrainResult & { epochsRun: number }> {
  const saved = options.resume && checkpointDir !== undefined ? savedRunSettings(checkpointDir) : undefined;
  const settings = resolveTrainOptions(options, saved?.settings);
  checkLanguageModelSize(model.config, model.vocab.size, settings);
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
  const guard = new RunGuard(
    model,
    settings,
    givenSettings(options),
    runFingerprint(trainIds, options.validIds),
  );
  const callbacks = lmCallbacks({
    options,
    settings,
    target,
    counters,
    carried,
    stopper,
    windows,
    guard,
    checkpointDir,
  });
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
  const result = trainResult(history, counters, (performance.now() - start) / 1000, stopper, settings);
  return { ...result, epochsRun: guard.epochsRun };
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
  guard: RunGuard;
  /** The run's checkpoint folder (in `<outDir>.partial`); the model is saved beside it. */
  checkpointDir: string | undefined;
}): Callback[] {
  const { options, settings, target, counters, carried, stopper, windows, guard, checkpointDir } = parts;
  const { learningRate, lrDecay, decayAfter } = settings;
  const callbacks: Callback[] = [
    carried,
    learningRateScheduler((epoch) => learningRate * lrDecay ** Math.max(0, epoch + 1 - decayAfter)),
    new Perplexity(),
    new EpochRecorder(target, counters),
    guard,
  ];
  if (checkpointDir !== undefined) {
    // The kept model is written beside the checkpoint when the run ends (commitRun), not during it.
    callbacks.push(
      backupAndRestore({
        dir: checkpointDir,
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

/** The settings the caller chose (a resumed run must match its checkpoint in these). */
function givenSettings(options: TrainOptions): Partial<Settings> {
  const given: Partial<Settings> = {
    bptt: options.bptt,
    batch: options.batch,
    optimizer: options.optimizer,
    learningRate: options.learningRate,
    lrDecay: options.lrDecay,
    decayAfter: options.decayAfter,
    clip: options.clip,
    seed: options.seed,
  };
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
}
