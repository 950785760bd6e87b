// 17.2: seeds flow explicitly. A model's seed and each layer's position give the layer's weights, so
// the same code gives the same weights whatever ran before it (no process-wide counter), names are
// unique per model by position, and trained, given or explicitly seeded weights are never redrawn.
import { describe, expect, it } from 'vitest';
import { dense, dropout, input, lstm, model, type Model, sequential } from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';

function build(seed?: number): Model {
  const x = input({ shape: [6] });
  const h = dense({ units: 5, activation: 'relu' }).apply(x);
  const y = dense({ units: 5 }).apply(dropout({ rate: 0.1 }).apply(h));
  return model({ inputs: x, outputs: y, seed });
}

const values = (m: Model) => m.getWeightValues().map((w) => Array.from(w));

describe('explicit seeds', () => {
  it('the same code gives the same weights, whatever was built before', () => {
    const first = values(build(7));
    // unrelated layers and models in between would have moved a process-wide counter
    for (let i = 0; i < 5; i++) dense({ units: 3 }).apply(input({ shape: [2] }));
    build(3);
    sequential([lstm({ units: 4, inputShape: [3, 2] })]).summary({ print: false });
    expect(values(build(7))).toEqual(first);
    expect(values(build())).toEqual(values(build(0)));
  });

  it('layers of the same shape get different weights (seed from the position); another seed, other weights', () => {
    const m = build(7);
    const [k1, , k2] = m.getWeightValues();
    const first = values(m);
    expect(Array.from(k1!.subarray(0, 5))).not.toEqual(Array.from(k2!.subarray(0, 5)));
    expect(values(build(8))).not.toEqual(first);
  });

  it('unnamed layers are named by position within their model; weights follow the name', () => {
    const m = build(1);
    expect(m.layers.map((l) => l.name)).toEqual(['input', 'dense', 'dropout', 'dense_1']);
    expect(m.weights.map((w) => w.name)).toEqual([
      'dense/kernel',
      'dense/bias',
      'dense_1/kernel',
      'dense_1/bias',
    ]);
    const s = sequential([
      dense({ units: 2, inputShape: [3] }),
      dense({ units: 2, name: 'dense' }),
      dense({ units: 1 }),
    ]);
    s.summary({ print: false }); // builds the graph
    expect(s.layers.map((l) => l.name)).toEqual(['sequential_input', 'dense_1', 'dense', 'dense_2']);
  });

  it('keeps explicitly seeded, given and trained weights when a layer joins a model', async () => {
    const seeded = dense({ units: 3, seed: 42 });
    const alone = seeded.apply(new Tensor(new Float32Array(4), [1, 4]));
    expect(alone.shape).toEqual([1, 3]);
    const before = seeded.getWeights().map((w) => Array.from(w.toFloat32Array()));
    const x = input({ shape: [4] });
    model({ inputs: x, outputs: seeded.apply(x), seed: 5 });
    expect(seeded.getWeights().map((w) => Array.from(w.toFloat32Array()))).toEqual(before);

    const trainedModel = build(2);
    trainedModel.compile({ optimizer: 'sgd', loss: 'mse' });
    const data = new Tensor(
      Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      [4, 6],
    );
    await trainedModel.fit(data, new Tensor(new Float32Array(20).fill(0.5), [4, 5]), {
      epochs: 2,
      verbose: 0,
    });
    const trained = trainedModel.getLayer('dense');
    const kept = Array.from(trained.getWeights()[0]!.toFloat32Array());
    const x2 = input({ shape: [6] });
    model({ inputs: x2, outputs: dense({ units: 1 }).apply(trained.apply(x2)), seed: 9 });
    expect(Array.from(trained.getWeights()[0]!.toFloat32Array())).toEqual(kept);
  });
});
