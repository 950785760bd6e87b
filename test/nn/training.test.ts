// nn's one training loop through fit: an interrupted run resumed from backupAndRestore's checkpoint
// ends on the same weights as an uninterrupted one (optimizer moments, dropout's random source, early
// stopping's best value and weights carried over); learningRateScheduler; optimizer state round trips.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adam,
  backupAndRestore,
  type Callback,
  dense,
  dropout,
  earlyStopping,
  hasCheckpoint,
  learningRateScheduler,
  type Model,
  sequential,
} from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-nn-training-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function data(): { x: Tensor; y: Tensor } {
  const random = new Random(4);
  const x = new Float32Array(80 * 3);
  const y = new Float32Array(80);
  for (let i = 0; i < 80; i++) {
    for (let j = 0; j < 3; j++) x[i * 3 + j] = random.normal(0, 1);
    y[i] = x[i * 3]! - 0.5 * x[i * 3 + 1]! + random.normal(0, 0.1);
  }
  return { x: new Tensor(x, [80, 3]), y: new Tensor(y, [80, 1]) };
}

function regressor(): Model {
  const m = sequential(
    [dense({ units: 8, activation: 'tanh', inputShape: [3] }), dropout({ rate: 0.2 }), dense({ units: 1 })],
    { seed: 6 },
  );
  m.compile({ optimizer: adam({ learningRate: 0.02 }), loss: 'mse' });
  return m;
}

/** A callback that fails at the end of `epoch`, after the checkpoint of that epoch is written. */
function crashAfter(epoch: number): Callback {
  return {
    onEpochEnd(e) {
      if (e === epoch) throw new Error('interrupted');
    },
  };
}

describe('resumable training (backupAndRestore)', () => {
  it('an interrupted fit resumed from its checkpoint ends on the weights of an uninterrupted one', async () => {
    const { x, y } = data();
    const settings = { epochs: 6, batchSize: 16, validationSplit: 0.25, seed: 2, verbose: 0 as const };
    const straight = regressor();
    const stopA = earlyStopping({ monitor: 'val_loss', patience: 10, restoreBestWeights: true });
    const full = await straight.fit(x, y, { ...settings, callbacks: [stopA] });

    const backup = join(dir, 'backup');
    const first = regressor();
    const stopB = earlyStopping({ monitor: 'val_loss', patience: 10, restoreBestWeights: true });
    await expect(
      first.fit(x, y, { ...settings, callbacks: [stopB, backupAndRestore({ dir: backup }), crashAfter(2)] }),
    ).rejects.toThrow(/interrupted/);
    expect(hasCheckpoint(backup)).toBe(true);

    const second = regressor(); // a new process would rebuild the model the same way
    const stopC = earlyStopping({ monitor: 'val_loss', patience: 10, restoreBestWeights: true });
    const resumed = await second.fit(x, y, {
      ...settings,
      callbacks: [stopC, backupAndRestore({ dir: backup })],
    });
    expect(resumed.epoch).toEqual([0, 1, 2, 3, 4, 5]);
    expect(resumed.history.val_loss).toBeAllClose(full.history.val_loss!, { rtol: 1e-5 });
    second.getWeightValues().forEach((w, i) => {
      expect(w).toBeAllClose(straight.getWeightValues()[i]!, { atol: 1e-6 });
    });
    expect(stopC.bestEpoch).toBe(stopA.bestEpoch);
    expect(existsSync(backup)).toBe(false); // deleted at the end, as Keras does
  });

  it('resume: true without a checkpoint, and a checkpoint of another optimizer, are clear errors', async () => {
    const { x, y } = data();
    const m = regressor();
    await expect(
      m.fit(x, y, {
        epochs: 1,
        verbose: 0,
        callbacks: [backupAndRestore({ dir: join(dir, 'none'), resume: true })],
      }),
    ).rejects.toThrow(/nothing to resume: .* holds no checkpoint/);
    const kept = join(dir, 'kept');
    await m.fit(x, y, {
      epochs: 1,
      verbose: 0,
      callbacks: [backupAndRestore({ dir: kept, deleteCheckpoint: false })],
    });
    const other = sequential(
      [dense({ units: 8, activation: 'tanh', inputShape: [3] }), dense({ units: 1 })],
      {
        seed: 6,
      },
    );
    other.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(
      other.fit(x, y, { epochs: 2, verbose: 0, callbacks: [backupAndRestore({ dir: kept })] }),
    ).rejects.toThrow(/trained with Adam, not SGD; resume with the same optimizer/);
  });
});

describe('learningRateScheduler and optimizer state', () => {
  it('sets the rate at each epoch start and logs it as lr', async () => {
    const { x, y } = data();
    const m = regressor();
    const seen: number[] = [];
    const history = await m.fit(x, y, {
      epochs: 4,
      verbose: 0,
      callbacks: [
        learningRateScheduler((epoch) => 0.1 * 0.5 ** epoch),
        { onEpochBegin: () => void seen.push(m.optimizer!.learningRate as number) },
      ],
    });
    expect(seen).toEqual([0.1, 0.05, 0.025, 0.0125]);
    expect(history.history.lr).toEqual(seen);
    await expect(
      m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [learningRateScheduler(() => Number.NaN)] }),
    ).rejects.toThrow(/the schedule gave NaN at epoch 1; it must be a number > 0/);
  });

  it('getSlots / setSlots round-trip Adam moments and check their sizes', async () => {
    const { x, y } = data();
    const m = regressor();
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    const params = m.trainableWeights;
    const slots = m.optimizer!.getSlots(params);
    expect(slots.map((s) => s.length)).toEqual(params.map(() => 2));
    const fresh = adam();
    fresh.setSlots(params, slots);
    expect(fresh.getSlots(params)).toEqual(slots);
    expect(() => fresh.setSlots(params, slots.slice(1))).toThrow(/slot lists for 4 parameters/);
    expect(() =>
      fresh.setSlots(
        params,
        slots.map((s) => s.slice(0, 1)),
      ),
    ).toThrow(/needs 2 arrays/);
  });
});
