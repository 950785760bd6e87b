// Worked example: XOR with a 2-layer perceptron (2 → 8 tanh → 1 sigmoid), trained by backprop with
// SGD + momentum on the four points. Stated result: all four points classified right (accuracy 1).
// Usage: npm run example:xor [-- --seed N --epochs N --verbose 0|1|2]
import { nn, tensor } from 'verbo';
import { isMain, runExample } from './run.mjs';

export async function runXor(options = {}) {
  const seed = options.seed ?? 1;
  const model = nn.sequential(
    [
      nn.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
      nn.dense({ units: 1, activation: 'sigmoid' }),
    ],
    { name: 'xor', seed },
  );
  model.compile({
    optimizer: nn.sgd({ learningRate: 0.5, momentum: 0.9 }),
    loss: 'binary_crossentropy',
    metrics: ['accuracy'],
  });
  const x = tensor.tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = tensor.tensor([[0], [1], [1], [0]]);
  const history = await model.fit(x, y, {
    epochs: options.epochs ?? 300,
    batchSize: 4,
    seed,
    verbose: options.verbose ?? 0,
  });
  const predictions = Array.from(model.predict(x).toFloat32Array());
  const accuracy = predictions.filter((p, i) => (p > 0.5 ? 1 : 0) === [0, 1, 1, 0][i]).length / 4;
  return {
    summary: { accuracy, loss: history.history.loss.at(-1) },
    statedAccuracy: 1,
    history,
    details: { predictions, modelSummary: model.summary({ print: false }) },
  };
}

if (isMain(import.meta.url)) await runExample('xor', runXor);
