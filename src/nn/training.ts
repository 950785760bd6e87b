// The one training loop of verbo: Model.fit and seq's language-model trainer both run it. Per epoch it
// asks the task for its batches in order; per batch the task's `step` runs the forward pass and returns
// the loss to differentiate with the values to log; the loop checks the loss is finite (an error
// BEFORE the update keeps the weights of the last good step), differentiates, takes one optimizer step,
// and averages the logs over the epoch (weighted by each batch's size). After each epoch it adds the
// validation logs (val_*), calls the callbacks and records Keras's History. Everything else — shuffling,
// carrying recurrent state, learning-rate schedules, checkpoints, early stopping, progress — is the
// task's or a callback's.
import type { Tensor } from '../tensor/index.js';
import { VerboError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import type { Callback, CallbackModel, History, Logs } from './callbacks.js';
import type { Optimizer } from './optimizers.js';

/** What one batch gives the loop. */
export interface StepResult {
  /** The scalar to differentiate (the loop calls backward on it when it requires gradients). */
  loss: Tensor;
  /** The values to log for this batch; `loss` must be among them (checked for NaN before the update). */
  logs: Logs;
  /** The batch's weight in the epoch means (examples, tokens). */
  size: number;
}

/** What a running training exposes to callbacks (setRun): enough to write and restore checkpoints. */
export interface TrainingRun {
  model: CallbackModel;
  optimizer: Optimizer;
  /** The parameters the optimizer updates, in a fixed order. */
  params: readonly Tensor[];
  /** The seeded source of shuffling and dropout (its state is part of a checkpoint). */
  random: Random;
  history: History;
  /** The epoch to run to (exclusive). */
  endEpoch: number;
  callbacks: readonly Callback[];
}

export interface TrainingLoopOptions<B> {
  /** Names the caller in errors, e.g. "model 'clf'.fit". */
  who: string;
  model: CallbackModel;
  optimizer: Optimizer;
  params: readonly Tensor[];
  random: Random;
  /** First epoch (0-based) and the epoch to stop before. */
  initialEpoch: number;
  endEpoch: number;
  /** The batches of one epoch, in order. */
  batches: (epoch: number) => Iterable<B>;
  step: (batch: B, index: number) => StepResult;
  /** Validation logs after an epoch (without the val_ prefix). */
  validate?: () => Logs;
  callbacks: readonly Callback[];
}

/** Runs the loop; returns the History of the epochs run (with a restored checkpoint's before them). */
export async function runTraining<B>(options: TrainingLoopOptions<B>): Promise<History> {
  const { model, optimizer, params, callbacks } = options;
  const history: History = { epoch: [], history: {} };
  const run: TrainingRun = {
    model,
    optimizer,
    params,
    random: options.random,
    history,
    endEpoch: options.endEpoch,
    callbacks,
  };
  for (const cb of callbacks) {
    cb.setModel?.(model);
    cb.setRun?.(run);
  }
  model.stopTraining = false;
  for (const cb of callbacks) await cb.onTrainBegin?.({});
  let initialEpoch = options.initialEpoch;
  for (const cb of callbacks) {
    const resumed = cb.restore?.();
    if (resumed !== undefined) initialEpoch = resumed;
  }
  for (let epoch = initialEpoch; epoch < options.endEpoch; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, {});
    const sums: Record<string, number> = {};
    let seen = 0;
    let index = 0;
    for (const batch of options.batches(epoch)) {
      for (const cb of callbacks) await cb.onBatchBegin?.(index, { batch: index });
      const { loss, logs, size } = options.step(batch, index);
      const value = logs.loss;
      if (value === undefined || !Number.isFinite(value)) {
        const parts = Object.entries(logs)
          .filter(([key]) => key.endsWith('loss') && key !== 'loss')
          .map(([key, v]) => `${key} ${v}`);
        throw new VerboError(
          `${options.who}: the loss is ${value} at epoch ${epoch + 1}, batch ${index + 1}` +
            (parts.length > 0 ? ` (${parts.join(', ')})` : '') +
            '; training stopped before updating, so the weights are those of the last good step. ' +
            'Lower the learning rate, clip gradients (clipNorm) or check the data for NaN',
          'DIVERGED',
        );
      }
      if (loss.requiresGrad) {
        loss.backward();
        optimizer.step(params);
      }
      for (const [key, v] of Object.entries(logs)) sums[key] = (sums[key] ?? 0) + v * size;
      seen += size;
      for (const cb of callbacks) await cb.onBatchEnd?.(index, { batch: index, size, ...logs });
      index++;
    }
    const epochLogs: Logs = {};
    for (const [key, value] of Object.entries(sums)) epochLogs[key] = value / Math.max(1, seen);
    if (options.validate) {
      for (const [key, value] of Object.entries(options.validate())) epochLogs[`val_${key}`] = value;
    }
    for (const cb of callbacks) await cb.onEpochEnd?.(epoch, epochLogs);
    history.epoch.push(epoch);
    for (const [key, value] of Object.entries(epochLogs)) (history.history[key] ??= []).push(value);
    // Let timers and I/O run between epochs (progress output, signals).
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (model.stopTraining) break;
  }
  for (const cb of callbacks) await cb.onTrainEnd?.({});
  return history;
}
