// A custom truncated-BPTT loop, as the language models use the layers: embedding → stateful LSTM →
// dense logits, consecutive windows of one stream, states carried (detached) across windows, sparse
// cross-entropy, SGD with global-norm clipping. On a periodic token stream the model learns to
// predict the next token.
import { describe, expect, it } from 'vitest';
import {
  dense,
  embedding,
  input,
  lstm,
  model,
  SGD,
  sparseCategoricalCrossEntropy,
} from '../../src/nn/index.js';
import { noGrad, Tensor } from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

describe('truncated BPTT with a stateful LSTM', () => {
  it('learns a periodic stream window by window', () => {
    const vocab = 5;
    const batch = 2;
    const bptt = 6;
    const stream = Array.from({ length: 400 }, (_, i) => [0, 1, 2, 3, 4, 2][i % 6]!);
    const words = input({ shape: [bptt], name: 'words' });
    const recurrent = lstm({ units: 16, returnSequences: true, stateful: true, name: 'lstm' });
    const logits = dense({ units: vocab, name: 'logits' }).apply(
      recurrent.apply(embedding({ inputDim: vocab, outputDim: 8, name: 'emb' }).apply(words)),
    );
    const lm = model({ inputs: words, outputs: logits, seed: 3 });
    const optimizer = new SGD({ learningRate: 0.5, clipNorm: 5 });
    const random = new Random(1);
    // Two parallel streams: halves of the data, as the LM batching does.
    const half = stream.length / batch;
    const window = (start: number, shift: number) =>
      new Tensor(
        Float32Array.from(
          { length: batch * bptt },
          (_, k) => stream[Math.floor(k / bptt) * half + start + (k % bptt) + shift]!,
        ),
        [batch, bptt],
      );
    const losses: number[] = [];
    for (let epoch = 0; epoch < 6; epoch++) {
      lm.resetStates();
      for (let start = 0; start + bptt + 1 < half; start += bptt) {
        const loss = sparseCategoricalCrossEntropy(
          window(start, 1),
          lm.apply(window(start, 0), { training: true, random }),
        );
        loss.backward();
        optimizer.step(lm.trainableWeights);
        losses.push(loss.item());
      }
    }
    expect(recurrent.states).not.toBe(null);
    expect(recurrent.states![0]!.requiresGrad).toBe(false);
    const early = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const late = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(late).toBeLessThan(0.2 * early);
    // After 2 → 3 comes 4 and after 4 → 2 comes 3 only with memory of the step before: predictions are right.
    lm.resetStates();
    const predicted = noGrad(() => lm.apply(window(0, 0))).toArray() as number[][][];
    const targets = window(0, 1).toArray() as number[][];
    let correct = 0;
    predicted.forEach((row, b) => {
      row.forEach((scores, t) => {
        if (t >= 2 && scores.indexOf(Math.max(...scores)) === targets[b]![t]) correct++;
      });
    });
    expect(correct).toBe(batch * (bptt - 2));
  });
});
