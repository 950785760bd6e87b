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
// best weights are kept, training stops early after `patience` epochs without improvement.
//
// With `outDir` the run is built in `<outDir>.partial` (src/util/model-files): a checkpoint of every
// epoch (weights, optimizer, sampler state, best weights; checkpoint.ts) in its checkpoint/ folder, and
// at the end the best model beside it; only then does the folder replace `outDir` whole. A killed,
// failed or diverged run leaves the previous model in `outDir` and its last good checkpoint for
// `resume`, which continues the interrupted run (or a finished one, for more epochs) after checking it
// is the same run (checkpoint.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, type Optimizer, SGD } from '../nn/index.js';
import { mul, noGrad } from '../tensor/index.js';
import { DivergedError, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { type ModelDirWriter, openModelDir } from '../util/model-files.js';
import { Random } from '../util/random.js';
import {
  type CheckpointState,
  checkFiniteEpoch,
  checkResumedRun,
  hasLmCheckpoint,
  type LmOptimizerName,
  lmCheckpointToResume,
  optimizerSlots,
  partialLmCheckpointDir,
  readLmCheckpoint,
  runFingerprint,
  writeLmCheckpoint,
} from './checkpoint.js';
import { batchify, getWindow, windowCount } from './data.js';
import { LM_FILES, LM_FORMAT, loadLanguageModel, writeLanguageModelFiles } from './io.js';
import { checkLanguageModelSize } from './limits.js';
import type { LanguageModel } from './model.js';

export type { LmOptimizerName } from './checkpoint.js';

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
  const resumeDir = options.resume && outDir !== undefined ? lmCheckpointToResume(outDir) : undefined;
  const out =
    outDir === undefined
      ? undefined
      : openModelDir(outDir, {
          format: LM_FORMAT,
          // Continuing the interrupted run keeps its folder; anything else starts a fresh one.
          partial: resumeDir === partialLmCheckpointDir(outDir) ? 'keep' : 'fresh',
        });
  try {
    return await trainRun(model, trainIds, options, out, resumeDir);
  } finally {
    // A run that stopped after a checkpoint (Ctrl-C, divergence, a full disk) keeps it for resume.
    out?.close({ keepStaging: hasLmCheckpoint(join(out.staging, 'checkpoint')) });
  }
}

async function trainRun(
  model: LanguageModel,
  trainIds: Int32Array,
  options: TrainOptions,
  out: ModelDirWriter | undefined,
  resumeDir: string | undefined,
): Promise<TrainResult> {
  const resumed = resumeDir === undefined ? undefined : readLmCheckpoint(model, resumeDir);
  // A resumed run takes the settings it is not given from its checkpoint (checkResumedRun refuses others).
  const saved = resumed?.state.settings;
  const bptt = options.bptt ?? saved?.bptt ?? 35;
  const batch = options.batch ?? saved?.batch ?? 20;
  const epochs = options.epochs ?? 1;
  const optimizerName = options.optimizer ?? saved?.optimizer ?? 'sgd';
  if (optimizerName !== 'sgd' && optimizerName !== 'adam') {
    throw new VerboError(
      `unknown optimizer '${optimizerName as string}'; expected sgd or adam.`,
      'BAD_ARGUMENT',
    );
  }
  const sgd = optimizerName === 'sgd';
  const learningRate = options.learningRate ?? saved?.learningRate ?? (sgd ? 1 : 0.001);
  const lrDecay = options.lrDecay ?? saved?.lrDecay ?? (sgd ? 0.5 : 1);
  const decayAfter = options.decayAfter ?? saved?.decayAfter ?? 4;
  const clip = options.clip ?? saved?.clip ?? 5;
  const seed = options.seed ?? saved?.seed ?? 1;
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
  checkLanguageModelSize(model.config, model.vocab.size, { batch, bptt, optimizer: optimizerName });
  const settings = { bptt, batch, optimizer: optimizerName, learningRate, lrDecay, decayAfter, clip, seed };
  const fingerprint = runFingerprint(trainIds, options.validIds);
  if (resumed !== undefined) {
    const given = {
      bptt: options.bptt,
      batch: options.batch,
      optimizer: options.optimizer,
      learningRate: options.learningRate,
      lrDecay: options.lrDecay,
      decayAfter: options.decayAfter,
      clip: options.clip,
      seed: options.seed,
    };
    checkResumedRun(resumed.state, given, fingerprint, resumeDir!);
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
  const random = new Random(seed);
  const params = model.trainableParameters();
  const onProgress = options.onProgress;
  const progressEvery = options.progressEvery ?? 250;

  let history: EpochRecord[] = [];
  let bestValid: number | undefined;
  let bestEpoch: number | undefined;
  let bestWeights: Float32Array[] | undefined;
  let epochsWithoutImprovement = 0;
  let startEpoch = 1;

  if (resumed !== undefined) {
    const state = resumed.state;
    if (state.optimizer.name !== optimizerName) {
      throw new VerboError(
        `the checkpoint in ${resumeDir} was trained with ${state.optimizer.name}, not ${optimizerName}; resume with the same optimizer.`,
        'MISMATCH',
      );
    }
    history = state.history as EpochRecord[];
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
    bestWeights = resumed.bestWeights;
    // Checkpoints before version 2 kept the best model in outDir itself.
    if (
      bestWeights === undefined &&
      bestValid !== undefined &&
      state.version < 2 &&
      options.outDir !== undefined
    ) {
      if (existsSync(join(options.outDir, 'config.json'))) {
        bestWeights = loadLanguageModel(options.outDir)
          .parameters()
          .map((p) => p.tensor.toFloat32Array());
      }
    }
  }

  const totalBatches = Math.max(0, epochs - startEpoch + 1) * batches;
  const start = performance.now();
  let tokens = 0;
  let batchesDone = 0;
  let stoppedEarly = false;
  let lastLoss = Number.NaN;
  let lastEmit = 0;
  let epochsRun = 0;

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
        throw new DivergedError(
          `training diverged in epoch ${epoch}, window ${w + 1}: the loss became ${summed}. Nothing of this epoch was saved; lower the learning rate (it was ${epochLearningRate}) or clip gradients (--clip).`,
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
    }
    checkFiniteEpoch(model, epoch, record);
    const valid = record.validPerplexity;
    if (valid !== undefined) {
      improved = bestValid === undefined || valid < bestValid;
      if (improved) {
        bestValid = valid;
        bestEpoch = epoch;
        bestWeights = model.parameters().map((p) => p.tensor.toFloat32Array());
        epochsWithoutImprovement = 0;
      } else epochsWithoutImprovement++;
    } else {
      improved = true;
    }
    history.push(record);
    epochsRun++;
    if (out !== undefined) {
      const checkpoint: CheckpointState = {
        format: 'verbo-lm-checkpoint',
        version: 2,
        epoch,
        history,
        bestValid: bestValid ?? null,
        bestEpoch: bestEpoch ?? null,
        epochsWithoutImprovement,
        randomState: random.getState(),
        optimizer: { name: optimizerName, iterations: optimizer.iterations, slots: 0 },
        settings,
        fingerprint,
      };
      const best = options.validIds === undefined ? undefined : bestWeights;
      writeLmCheckpoint(model, optimizer, join(out.staging, 'checkpoint'), checkpoint, best);
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
  const last = history[history.length - 1];
  if (out !== undefined && epochsRun > 0) {
    // The kept model (best by validation, else the last) beside the run's checkpoint, swapped in whole.
    const kept = history.find((record) => record.epoch === bestEpoch) ?? last;
    const config = writeLanguageModelFiles(model, out.staging, { training: { ...kept } });
    for (const [name, contents] of Object.entries(options.extraFiles?.({ history, tokens }) ?? {})) {
      if (!/^[\w][\w.-]*$/.test(name) || name === LM_FILES.config) {
        throw new VerboError(`extraFiles: '${name}' is not a plain file name for the model folder.`);
      }
      writeFileAtomic(join(out.staging, name), contents);
    }
    out.commit(config);
  }
  const seconds = (performance.now() - start) / 1000;
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
