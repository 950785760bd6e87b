// Training a language model with truncated backpropagation through time (Zaremba et al. 2014).
//
// The training ids are cut into `batch` parallel streams (data.ts) and walked in windows of `bptt`
// steps. The hidden state of each stream is carried from one window to the next but DETACHED, so
// gradients flow back at most `bptt` steps. The differentiated loss is the cross-entropy SUMMED over
// the window's steps and AVERAGED over the batch — Zaremba's scale, for which SGD with lr 1 and
// gradient clipping at global norm 5 is tuned (a per-token mean would need lr ≈ 35). Reported
// losses and perplexities are per token: perplexity = exp(mean cross-entropy in nats).
//
// Learning rate (SGD, Zaremba): lr₀ for the first `decayAfter` epochs, then multiplied by `lrDecay`
// each epoch (small config: lr 1, ×0.5 after epoch 4). Validation perplexity after every epoch; the
// best weights are kept (and saved to `outDir`), training stops early after `patience` epochs without
// improvement. With `outDir`, a checkpoint of the last epoch (weights, optimizer, sampler state) is
// written to outDir/checkpoint so `resume` continues where an interrupted run stopped.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, type Optimizer, SGD } from '../nn/index.js';
import { mul, noGrad, type Tensor } from '../tensor/index.js';
import { FormatError, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { Random } from '../util/random.js';
import { batchify, getWindow, windowCount } from './data.js';
import { loadLanguageModel, saveLanguageModel } from './io.js';
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

const CHECKPOINT_FORMAT = 'verbo-lm-checkpoint';
const CHECKPOINT_VERSION = 1;

interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Epochs completed. */
  epoch: number;
  history: EpochRecord[];
  bestValid: number | null;
  bestEpoch: number | null;
  epochsWithoutImprovement: number;
  randomState: number[];
  optimizer: { name: LmOptimizerName; iterations: number; slots: number };
}

/** The optimizer's per-parameter state arrays (Adam moments), read through its protected map. */
function optimizerSlots(optimizer: Optimizer): Map<Tensor, Float32Array[]> {
  return (optimizer as unknown as { state: Map<Tensor, Float32Array[]> }).state;
}

function checkOption(name: string, value: number, min: number, integer: boolean): void {
  if (!(value >= min) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new VerboError(
      `${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got ${value}.`,
      'BAD_ARGUMENT',
    );
  }
}

/** Trains `model` in place on `trainIds`; see the file header. */
export async function trainLanguageModel(
  model: LanguageModel,
  trainIds: Int32Array,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const bptt = options.bptt ?? 35;
  const batch = options.batch ?? 20;
  const epochs = options.epochs ?? 1;
  const optimizerName = options.optimizer ?? 'sgd';
  if (optimizerName !== 'sgd' && optimizerName !== 'adam') {
    throw new VerboError(
      `unknown optimizer '${optimizerName as string}'; expected sgd or adam.`,
      'BAD_ARGUMENT',
    );
  }
  const sgd = optimizerName === 'sgd';
  const learningRate = options.learningRate ?? (sgd ? 1 : 0.001);
  const lrDecay = options.lrDecay ?? (sgd ? 0.5 : 1);
  const decayAfter = options.decayAfter ?? 4;
  const clip = options.clip ?? 5;
  const patience = options.patience ?? 3;
  const maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
  checkOption('bptt', bptt, 1, true);
  checkOption('batch', batch, 1, true);
  checkOption('epochs', epochs, 1, true);
  checkOption('learningRate', learningRate, Number.MIN_VALUE, false);
  checkOption('lrDecay', lrDecay, Number.MIN_VALUE, false);
  checkOption('decayAfter', decayAfter, 0, true);
  checkOption('clip', clip, 0, false);
  checkOption('patience', patience, 1, true);
  if (options.maxTokens !== undefined) checkOption('maxTokens', options.maxTokens, 1, true);
  if (options.resume && options.outDir === undefined) {
    throw new VerboError('resume needs outDir: the folder of the interrupted run.', 'BAD_ARGUMENT');
  }

  const data = batchify(trainIds, batch);
  const batches = windowCount(data, bptt);
  if (batches === 0) {
    throw new VerboError(
      `the training text is too short for windows of ${bptt} steps in ${batch} streams ` +
        `(${trainIds.length} tokens); give more text or lower --bptt / --batch.`,
      'EMPTY',
    );
  }
  const clipNorm = clip > 0 ? clip : undefined;
  const optimizer: Optimizer = sgd
    ? new SGD({ learningRate, clipNorm })
    : new Adam({ learningRate, clipNorm });
  const random = new Random(options.seed ?? 1);
  const params = model.trainableParameters();
  const onProgress = options.onProgress;
  const progressEvery = options.progressEvery ?? 250;

  let history: EpochRecord[] = [];
  let bestValid: number | undefined;
  let bestEpoch: number | undefined;
  let bestWeights: Float32Array[] | undefined;
  let epochsWithoutImprovement = 0;
  let startEpoch = 1;

  const checkpointDir = options.outDir === undefined ? undefined : join(options.outDir, 'checkpoint');
  if (options.resume && checkpointDir !== undefined) {
    const resumed = readCheckpoint(model, checkpointDir);
    const state = resumed.state;
    if (state.optimizer.name !== optimizerName) {
      throw new VerboError(
        `the checkpoint in ${checkpointDir} was trained with ${state.optimizer.name}, not ${optimizerName}; resume with the same optimizer.`,
        'BAD_ARGUMENT',
      );
    }
    history = state.history;
    startEpoch = state.epoch + 1;
    bestValid = state.bestValid ?? undefined;
    bestEpoch = state.bestEpoch ?? undefined;
    epochsWithoutImprovement = state.epochsWithoutImprovement;
    random.setState(state.randomState);
    optimizer.iterations = state.optimizer.iterations;
    if (resumed.slots.length > 0) {
      const slots = optimizerSlots(optimizer);
      const perParam = resumed.slots.length / params.length;
      params.forEach((p, i) => {
        slots.set(p, resumed.slots.slice(i * perParam, (i + 1) * perParam));
      });
    }
    if (
      bestValid !== undefined &&
      options.outDir !== undefined &&
      existsSync(join(options.outDir, 'config.json'))
    ) {
      bestWeights = loadLanguageModel(options.outDir)
        .parameters()
        .map((p) => p.tensor.toFloat32Array());
    }
  }

  const totalBatches = Math.max(0, epochs - startEpoch + 1) * batches;
  const start = performance.now();
  let tokens = 0;
  let batchesDone = 0;
  let stoppedEarly = false;
  let lastLoss = Number.NaN;
  let lastEmit = 0;

  const fractionDone = (): number =>
    Math.min(1, Math.max(batchesDone / Math.max(1, totalBatches), tokens / maxTokens));

  for (let epoch = startEpoch; epoch <= epochs && tokens < maxTokens; epoch++) {
    const epochLearningRate = learningRate * lrDecay ** Math.max(0, epoch - decayAfter);
    optimizer.learningRate = epochLearningRate;
    const epochStart = performance.now();
    let state = model.initialState(batch);
    let lossSum = 0;
    let epochTokens = 0;
    let w = 0;
    for (; w < batches && tokens < maxTokens; w++) {
      const window = getWindow(data, w, bptt);
      const { hidden, state: next } = model.forward(window.inputs, window.steps, batch, state, {
        training: true,
        random,
      });
      const loss = model.loss(hidden, window.targets, { reduction: 'sum' });
      const summed = loss.item();
      if (!Number.isFinite(summed)) {
        throw new VerboError(
          `the training loss became ${summed} at epoch ${epoch}, window ${w + 1}; lower the learning rate or clip gradients (--clip).`,
          'DIVERGED',
        );
      }
      mul(loss, 1 / batch).backward(); // Σ over steps, mean over the batch
      optimizer.step(params);
      state = next.map((layer) => layer.map((t) => t.detach()));
      lossSum += summed;
      epochTokens += window.targets.length;
      tokens += window.targets.length;
      batchesDone++;
      const now = performance.now();
      if (onProgress && now - lastEmit >= progressEvery) {
        lastEmit = now;
        const seconds = (now - start) / 1000;
        const fraction = fractionDone();
        const meanLoss = lossSum / epochTokens;
        onProgress({
          phase: 'train',
          epoch,
          epochs,
          batch: w + 1,
          batches,
          tokens,
          tokensPerSecond: tokens / seconds,
          loss: meanLoss,
          perplexity: Math.exp(meanLoss),
          learningRate: epochLearningRate,
          fraction,
          etaSeconds: fraction > 0 ? (seconds * (1 - fraction)) / fraction : Number.POSITIVE_INFINITY,
        });
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    lastLoss = lossSum / epochTokens;
    const record: EpochRecord = {
      epoch,
      learningRate: epochLearningRate,
      trainLoss: lastLoss,
      trainPerplexity: Math.exp(lastLoss),
      seconds: (performance.now() - epochStart) / 1000,
      tokens: epochTokens,
    };
    let improved = false;
    if (options.validIds !== undefined) {
      const evaluation = evaluatePerplexity(model, options.validIds, { batch: options.evalBatch, bptt });
      record.validPerplexity = evaluation.perplexity;
      improved = bestValid === undefined || evaluation.perplexity < bestValid;
      if (improved) {
        bestValid = evaluation.perplexity;
        bestEpoch = epoch;
        bestWeights = model.parameters().map((p) => p.tensor.toFloat32Array());
        epochsWithoutImprovement = 0;
      } else epochsWithoutImprovement++;
    } else {
      improved = true;
    }
    history.push(record);
    if (options.outDir !== undefined) {
      if (improved) saveLanguageModel(model, options.outDir, { training: trainingSummary(record) });
      writeCheckpoint(model, optimizer, checkpointDir!, {
        format: CHECKPOINT_FORMAT,
        version: CHECKPOINT_VERSION,
        epoch,
        history,
        bestValid: bestValid ?? null,
        bestEpoch: bestEpoch ?? null,
        epochsWithoutImprovement,
        randomState: random.getState(),
        optimizer: { name: optimizerName, iterations: optimizer.iterations, slots: 0 },
      });
    }
    if (onProgress) {
      const seconds = (performance.now() - start) / 1000;
      const fraction = fractionDone();
      onProgress({
        phase: 'epoch',
        epoch,
        epochs,
        batch: w,
        batches,
        tokens,
        tokensPerSecond: tokens / seconds,
        loss: lastLoss,
        perplexity: Math.exp(lastLoss),
        learningRate: epochLearningRate,
        fraction,
        etaSeconds: fraction > 0 ? (seconds * (1 - fraction)) / fraction : Number.POSITIVE_INFINITY,
        validPerplexity: record.validPerplexity,
        improved,
      });
    }
    if (options.validIds !== undefined && epochsWithoutImprovement >= patience) {
      stoppedEarly = epoch < epochs;
      break;
    }
  }

  // Keep the best weights (by validation perplexity) in the returned model.
  if (bestWeights !== undefined) {
    model.parameters().forEach((p, i) => {
      p.tensor.data.set(bestWeights![i]!);
    });
  }
  const seconds = (performance.now() - start) / 1000;
  const last = history[history.length - 1];
  return {
    tokens,
    seconds,
    tokensPerSecond: seconds > 0 ? tokens / seconds : 0,
    trainPerplexity: last?.trainPerplexity ?? Math.exp(lastLoss),
    validPerplexity: bestValid,
    bestEpoch,
    stoppedEarly,
    history,
  };
}

function trainingSummary(record: EpochRecord): Record<string, unknown> {
  return { ...record };
}

function writeCheckpoint(
  model: LanguageModel,
  optimizer: Optimizer,
  dir: string,
  state: CheckpointState,
): void {
  const slots = optimizerSlots(optimizer);
  const arrays: Float32Array[] = [];
  for (const p of model.trainableParameters()) arrays.push(...(slots.get(p) ?? []));
  state.optimizer.slots = arrays.length;
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const buffer = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    buffer.set(a, offset);
    offset += a.length;
  }
  saveLanguageModel(model, dir);
  writeFileAtomic(join(dir, 'optimizer.bin'), new Uint8Array(buffer.buffer));
  writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(state)}\n`);
}

function readCheckpoint(
  model: LanguageModel,
  dir: string,
): { state: CheckpointState; slots: Float32Array[] } {
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) {
    throw new VerboError(
      `nothing to resume: ${dir} holds no checkpoint (state.json); train without --resume first.`,
      'ENOENT',
    );
  }
  let state: CheckpointState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointState;
  } catch (error) {
    throw new FormatError(`${statePath}: not valid JSON (${(error as Error).message}).`);
  }
  if (state.format !== CHECKPOINT_FORMAT || !(state.version <= CHECKPOINT_VERSION)) {
    throw new FormatError(`${statePath}: not a verbo LM checkpoint this version can read.`);
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
      'BAD_ARGUMENT',
    );
  }
  mine.forEach((p, i) => {
    p.tensor.data.set(theirs[i]!.tensor.data.subarray(0, p.tensor.size));
  });
  const slots: Float32Array[] = [];
  if (state.optimizer.slots > 0) {
    const bytes = readFileSync(join(dir, 'optimizer.bin'));
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const sizes = model.trainableParameters();
    const perParam = state.optimizer.slots / sizes.length;
    let offset = 0;
    for (const p of sizes) {
      for (let s = 0; s < perParam; s++) {
        slots.push(all.slice(offset, offset + p.size));
        offset += p.size;
      }
    }
  }
  return { state, slots };
}
