// The usage example in src/tensor/README.md, run as written, plus a check that the step it shows
// lowers the loss (so the example stays true).
import { expect, it } from 'vitest';
import {
  add,
  matmul,
  noGrad,
  randn,
  sparseSoftmaxCrossEntropy,
  tensor,
  zeros,
} from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

it('runs the README example and one SGD step lowers the loss', () => {
  const random = new Random(42);
  const weights = randn([4, 3], random, { std: 0.5, requiresGrad: true }); // [in, out]
  const bias = zeros([3], { requiresGrad: true });
  const inputs = tensor([
    [0.1, 0.2, 0.3, 0.4],
    [1, 0, -1, 0],
  ]); // [batch, in]
  const targets = Int32Array.from([2, 0]);
  const lossOf = () => sparseSoftmaxCrossEntropy(add(matmul(inputs, weights), bias), targets);

  const loss = lossOf();
  loss.backward();
  expect(weights.grad!.shape).toEqual([4, 3]);
  expect(bias.grad!.shape).toEqual([3]);
  noGrad(() => {
    for (const p of [weights, bias]) {
      for (let i = 0; i < p.size; i++) p.data[i]! -= 0.1 * p.grad!.data[i]!;
      p.zeroGrad();
    }
  });
  expect(lossOf().item()).toBeLessThan(loss.item());
  expect(weights.grad).toBeNull();
});
