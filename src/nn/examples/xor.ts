// Worked example: XOR with a 2-layer perceptron (2 → 8 tanh → 1 sigmoid), trained by backprop with
// SGD + momentum on the four points. Stated result: all four points classified right (accuracy 1).
import { tensor } from '../../tensor/index.js';
import { dense } from '../layers/core.js';
import { sgd } from '../optimizers.js';
import { sequential } from '../sequential.js';
import type { ExampleOptions, ExampleResult } from './types.js';

export async function runXor(options: ExampleOptions = {}): Promise<ExampleResult> {
  const seed = options.seed ?? 1;
  const model = sequential(
    [dense({ units: 8, activation: 'tanh', inputShape: [2] }), dense({ units: 1, activation: 'sigmoid' })],
    { name: 'xor', seed },
  );
  model.compile({
    optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }),
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
  });
  const x = tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = tensor([[0], [1], [1], [0]]);
  const history = await model.fit(x, y, {
    epochs: options.epochs ?? 300,
    batchSize: 4,
    seed,
    callbacks: options.callbacks ?? [],
  });
  const predictions = Array.from(model.predict(x).toFloat32Array());
  const accuracy = predictions.filter((p, i) => (p > 0.5 ? 1 : 0) === [0, 1, 1, 0][i]).length / 4;
  return {
    summary: { accuracy, loss: history.history.loss!.at(-1)! },
    statedAccuracy: 1,
    history,
    details: { predictions, modelSummary: model.summary() },
  };
}
