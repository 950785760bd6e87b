// The functional Model API: graphs with several inputs and outputs, shared layers, residual adds;
// summary() parameter counts against hand counts; compile/fit/evaluate/predict with callbacks and
// history; save/load round trips (identical predictions); bad input naming layers and shapes; NaN.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  add,
  concatenate,
  conv2d,
  dense,
  dropout,
  earlyStopping,
  embedding,
  flatten,
  gru,
  input,
  loadModel,
  lstm,
  maxPooling2d,
  model,
  modelCheckpoint,
  reduceLROnPlateau,
  SGD,
  sequential,
  sgd,
} from '../../src/nn/index.js';
import { randn, Tensor, tensor } from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

const random = new Random(21);
const normal = (shape: number[]) => randn(shape, random);
const tempDir = () => mkdtempSync(join(tmpdir(), 'verbo-nn-'));

/** Integer ids in [0, n) as a float tensor. */
function ids(shape: number[], n: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: size }, () => random.int(n)),
    shape,
  );
}

function twoByTwo() {
  const a = input({ shape: [4], name: 'a' });
  const b = input({ shape: [4], name: 'b' });
  const shared = dense({ units: 3, activation: 'tanh', name: 'shared', seed: 1 });
  const ha = shared.apply(a);
  const hb = shared.apply(b);
  const merged = concatenate({ name: 'merged' }).apply([ha, hb]);
  const residual = add({ name: 'residual' }).apply([ha, hb]);
  const score = dense({ units: 1, name: 'score', seed: 2 }).apply(merged);
  const kind = dense({ units: 3, name: 'kind', seed: 3 }).apply(residual);
  return model({ inputs: [a, b], outputs: [score, kind], name: 'two_by_two' });
}

describe('functional models', () => {
  it('run several inputs and outputs with a shared layer (one set of weights)', () => {
    const m = twoByTwo();
    const [x1, x2] = [normal([5, 4]), normal([5, 4])];
    const [score, kind] = m.predictAll([x1, x2]);
    expect(score!.shape).toEqual([5, 1]);
    expect(kind!.shape).toEqual([5, 3]);
    // The shared layer's kernel appears once among the weights.
    expect(m.weights.map((w) => w.name)).toEqual([
      'shared/kernel',
      'shared/bias',
      'score/kernel',
      'score/bias',
      'kind/kernel',
      'kind/bias',
    ]);
    // kind = (tanh(x1·W + b) + tanh(x2·W + b))·K + c, computed by hand from the weights
    const [W, bias] = m.getLayer('shared').getWeights();
    const [K, c] = m.getLayer('kind').getWeights();
    const h = (x: Tensor, r: number, j: number) => {
      let s = bias!.get(j);
      for (let i = 0; i < 4; i++) s += x.get(r, i) * W!.get(i, j);
      return Math.tanh(s);
    };
    const expected: number[] = [];
    for (let r = 0; r < 5; r++) {
      for (let k = 0; k < 3; k++) {
        let s = c!.get(k);
        for (let j = 0; j < 3; j++) s += (h(x1, r, j) + h(x2, r, j)) * K!.get(j, k);
        expected.push(s);
      }
    }
    expect(kind!.toFloat32Array()).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-6 });
  });

  it('summary() counts parameters like Keras (shared layers once)', () => {
    const text = twoByTwo().summary({ print: false });
    // shared 4·3 + 3 = 15, score 6·1 + 1 = 7, kind 3·3 + 3 = 12 → 34
    expect(text).toMatch(/shared \(Dense\)\s+multiple|shared \(Dense\)\s+\(None, 3\)\s+15/);
    expect(text).toMatch(/score \(Dense\)\s+\(None, 1\)\s+7\s+merged/);
    expect(text).toMatch(/Total params: 34\n/);
    expect(text).toMatch(/Trainable params: 34\nNon-trainable params: 0/);
  });

  it('summary() of a language-model-like stack and a small CNN', () => {
    const lm = sequential([
      embedding({ inputDim: 100, outputDim: 8, inputShape: [7], trainable: false }),
      lstm({ units: 16, returnSequences: true }),
      gru({ units: 6, returnSequences: true }),
      dropout({ rate: 0.5 }),
      dense({ units: 100 }),
    ]);
    const text = lm.summary({ print: false });
    // embedding 800 (frozen); LSTM 4·(8·16 + 16·16 + 16) = 1600; GRU 3·(16·6 + 6·6 + 2·6) = 432; dense 6·100 + 100 = 700
    expect(text).toMatch(/\(LSTM\)\s+\(None, 7, 16\)\s+1600/);
    expect(text).toMatch(/\(GRU\)\s+\(None, 7, 6\)\s+432/);
    expect(text).toMatch(/Total params: 3,532\nTrainable params: 2,732\nNon-trainable params: 800/);
    const cnn = sequential([
      conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 10 }),
    ]);
    // conv 3·3·1·4 + 4 = 40; output 6×6×4 → pool 3×3×4 = 36 → dense 36·10 + 10 = 370
    expect(cnn.summary({ print: false })).toMatch(
      /\(None, 6, 6, 4\)\s+40[\s\S]*\(None, 3, 3, 4\)\s+0[\s\S]*\(None, 36\)[\s\S]*Total params: 410\n/,
    );
  });

  it('fits two outputs with per-output losses and metrics; history per epoch; evaluate agrees', async () => {
    const m = twoByTwo();
    m.compile({
      optimizer: sgd({ learningRate: 0.05 }),
      loss: { score: 'mse', kind: 'sparseCategoricalCrossentropy' },
      metrics: { kind: ['accuracy'] },
    });
    const x = [normal([40, 4]), normal([40, 4])];
    const y = [normal([40, 1]), ids([40], 3)];
    const history = await m.fit(x, y, { epochs: 3, batchSize: 8, validationSplit: 0.25, seed: 1 });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(Object.keys(history.history).sort()).toEqual(
      [
        'kind_accuracy',
        'kind_loss',
        'loss',
        'score_loss',
        'val_kind_accuracy',
        'val_kind_loss',
        'val_loss',
        'val_score_loss',
      ].sort(),
    );
    const last = history.history.loss!;
    expect(last[2]).toBeLessThan(last[0]!);
    const evaluated = m.evaluate(x, y, { batchSize: 40, returnDict: true });
    expect(evaluated.loss).toBeCloseTo(evaluated.score_loss! + evaluated.kind_loss!, 5);
  });

  it('reads cross-entropy names by the output layer: probabilities after softmax, logits after a linear layer', () => {
    const x = normal([6, 3]);
    const y = ids([6], 4);
    const targets = Array.from(y.toFloat32Array());
    for (const activation of ['softmax', 'linear'] as const) {
      const m = sequential([dense({ units: 4, activation, inputShape: [3], seed: 5 })]);
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const out = m.predict(x).toArray() as number[][];
      // −mean log p(target), with p = the outputs themselves (softmax) or their softmax (linear)
      const expected =
        -out.reduce((sum, row, r) => {
          const p =
            activation === 'softmax'
              ? row
              : row.map((v) => Math.exp(v) / row.reduce((a, w) => a + Math.exp(w), 0));
          return sum + Math.log(p[targets[r]!]!);
        }, 0) / 6;
      expect(m.evaluate(x, y, { returnDict: true }).loss).toBeCloseTo(expected, 4);
    }
  });

  it('sends progress events: onEpochBegin / onBatchEnd / onEpochEnd', async () => {
    const m = sequential([dense({ units: 1, inputShape: [2] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const events: string[] = [];
    await m.fit(normal([10, 2]), normal([10, 1]), {
      epochs: 2,
      batchSize: 4,
      callbacks: {
        onEpochBegin: (e) => {
          events.push(`begin ${e}`);
        },
        onBatchEnd: (b, logs) => {
          events.push(`batch ${b} ${logs.size}`);
        },
        onEpochEnd: (e, logs) => {
          events.push(`end ${e} ${Number.isFinite(logs.loss)}`);
        },
      },
    });
    expect(events).toEqual([
      'begin 0',
      'batch 0 4',
      'batch 1 4',
      'batch 2 2',
      'end 0 true',
      'begin 1',
      'batch 0 4',
      'batch 1 4',
      'batch 2 2',
      'end 1 true',
    ]);
  });

  it('earlyStopping stops and restores the best weights; reduceLROnPlateau lowers the rate', async () => {
    const m = sequential([dense({ units: 1, inputShape: [2], seed: 4 })]);
    const optimizer = new SGD({ learningRate: 0.1 });
    m.compile({ optimizer, loss: 'mse' });
    // Training targets x₀ + x₁, validation targets −(x₀ + x₁): the better the fit, the worse val_loss.
    const stopper = earlyStopping({ monitor: 'val_loss', patience: 1, restoreBestWeights: true });
    const plateau = reduceLROnPlateau({ monitor: 'val_loss', patience: 1, factor: 0.5 });
    const x = normal([16, 2]);
    const xv = normal([8, 2]);
    const sums = (t: Tensor, sign: number) =>
      tensor((t.toArray() as number[][]).map(([a, b]) => [sign * (a! + b!)]));
    const history = await m.fit(x, sums(x, 1), {
      epochs: 50,
      batchSize: 16,
      validationData: [xv, sums(xv, -1)],
      callbacks: [stopper, plateau],
    });
    expect(history.epoch.length).toBeLessThan(50);
    expect(stopper.stoppedEpoch).toBe(history.epoch.at(-1));
    const best = Math.min(...history.history.val_loss!);
    expect(history.history.val_loss![stopper.bestEpoch]).toBe(best);
    expect(optimizer.learningRate).toBeLessThan(0.1);
    // restoreBestWeights: evaluating now gives the best val_loss again
    expect(m.evaluate(xv, sums(xv, -1), { returnDict: true }).loss).toBeCloseTo(best, 5);
  });

  it('modelCheckpoint saves the best epochs; the saved model predicts the same', async () => {
    const dir = tempDir();
    const m = sequential([dense({ units: 4, activation: 'relu', inputShape: [3] }), dense({ units: 2 })]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const checkpoint = modelCheckpoint({ path: join(dir, 'best'), monitor: 'loss', saveBestOnly: true });
    const x = normal([20, 3]);
    const history = await m.fit(x, normal([20, 2]), { epochs: 4, batchSize: 5, callbacks: checkpoint });
    const bestEpoch = history.history.loss!.indexOf(Math.min(...history.history.loss!));
    expect(checkpoint.savedEpochs.at(-1)).toBe(bestEpoch);
    expect(loadModel(join(dir, 'best')).predict(x).shape).toEqual([20, 2]);
  });

  it('save → load gives identical predictions (functional with LSTM, embedding, conv; versioned JSON)', () => {
    const dir = tempDir();
    const words = input({ shape: [5], name: 'words' });
    const image = input({ shape: [6, 6, 1], name: 'image' });
    const text = lstm({ units: 4, name: 'encoder' }).apply(
      embedding({ inputDim: 10, outputDim: 3, name: 'emb' }).apply(words),
    );
    const picture = flatten({ name: 'flat' }).apply(
      maxPooling2d({ name: 'pool' }).apply(
        conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'conv' }).apply(image),
      ),
    );
    const out = dense({ units: 2, name: 'head' }).apply(concatenate({ name: 'join' }).apply([text, picture]));
    const original = model({ inputs: [words, image], outputs: out, name: 'mixed' });
    original.save(dir);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect([json.format, json.version]).toEqual(['verbo-model', 1]);
    const manifest = JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8'));
    expect(readFileSync(join(dir, 'weights.bin')).length).toBe(4 * original.countParams());
    expect(manifest.weights.length).toBe(original.weights.length);
    const loaded = loadModel(dir);
    const x = [ids([3, 5], 10), normal([3, 6, 6, 1])];
    expect(Array.from(loaded.predict(x).toFloat32Array())).toEqual(
      Array.from(original.predict(x).toFloat32Array()),
    );
    expect(loaded.summary({ print: false }).replace(/"mixed"/, '')).toBe(
      original.summary({ print: false }).replace(/"mixed"/, ''),
    );
  });

  it('save → load of a sequential model', () => {
    const dir = tempDir();
    const m = sequential([dense({ units: 3, activation: 'sigmoid', inputShape: [2] }), dense({ units: 1 })]);
    const x = normal([4, 2]);
    m.save(dir);
    const loaded = loadModel(dir);
    expect(loaded.className).toBe('Sequential');
    expect(Array.from(loaded.predict(x).toFloat32Array())).toEqual(Array.from(m.predict(x).toFloat32Array()));
  });
});

describe('bad input', () => {
  it('wrong input shape names the input and both shapes', () => {
    const m = twoByTwo();
    expect(() => m.predictAll([normal([2, 4]), normal([2, 5])])).toThrow(
      /input 'b' expects shape \(None, 4\), got \(2, 5\)/,
    );
  });

  it('wrong number of inputs lists the expected ones', () => {
    expect(() => twoByTwo().predictAll(normal([2, 4]))).toThrow(
      /expects 2 input\(s\) \(a \(None, 4\), b \(None, 4\)\), got 1/,
    );
  });

  it('a loss that does not fit its output names the loss, the output and both shapes', async () => {
    const m = twoByTwo();
    m.compile({ optimizer: 'sgd', loss: ['mse', 'sparseCategoricalCrossentropy'] });
    const x = [normal([4, 4]), normal([4, 4])];
    await expect(m.fit(x, [normal([4, 2]), ids([4], 3)])).rejects.toThrow(
      /loss 'meanSquaredError' on output 'score' \(None, 1\) needs targets of shape \(None, 1\), got \(4, 2\)/,
    );
    await expect(m.fit(x, [normal([4, 1]), normal([4, 3])])).rejects.toThrow(
      /loss 'sparseCategoricalCrossentropy' on output 'kind' \(None, 3\) needs targets of shape \(None,\), got \(4, 3\)/,
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: ['mse'] })).toThrow(/1 losses for 2 outputs/);
  });

  it('a layer applied to a wrong symbolic shape fails when the graph is built', () => {
    const x = input({ shape: [4] });
    const layer = dense({ units: 2, name: 'first' });
    layer.apply(x);
    expect(() => layer.apply(input({ shape: [5] }))).toThrow(
      /layer 'first' \(Dense\): input 0 has shape \(None, 5\)/,
    );
  });

  it('two layers with the same name are refused (weights are stored by name)', () => {
    const x = input({ shape: [2] });
    const y = dense({ units: 2, name: 'twin' }).apply(dense({ units: 2, name: 'twin' }).apply(x));
    expect(() => model({ inputs: x, outputs: y })).toThrow(/two different layers are named 'twin'/);
  });

  it('fit stops on a NaN loss before updating the weights', async () => {
    const m = sequential([dense({ units: 1, inputShape: [2], seed: 9 })]);
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse' });
    const before = m.getWeightValues();
    const x = tensor([
      [1, 2],
      [3, Number.NaN],
    ]);
    await expect(m.fit(x, tensor([[1], [2]]), { epochs: 1, batchSize: 2 })).rejects.toThrow(
      /the loss is NaN at epoch 1, batch 1/,
    );
    expect(m.getWeightValues()).toEqual(before);
  });

  it('fit stops when the loss diverges to infinity (learning rate far too high)', async () => {
    const m = sequential([dense({ units: 1, inputShape: [1], seed: 9 })]);
    m.compile({ optimizer: sgd({ learningRate: 1e6 }), loss: 'mse' });
    const x = tensor([[1e3], [-2e3], [3e3]]);
    await expect(m.fit(x, tensor([[1], [2], [3]]), { epochs: 50, batchSize: 3 })).rejects.toThrow(
      /loss is (NaN|Infinity)|NaN or infinite/,
    );
    for (const w of m.getWeightValues()) for (const v of w) expect(Number.isFinite(v)).toBe(true);
  });
});
