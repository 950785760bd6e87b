// The memory story, checked: training a small MLP for many steps (forward, backward, SGD update,
// zeroGrad) keeps the heap flat, because backward frees the graph and nothing global holds tensors.
// A control run that keeps every loss with its graph (retainGraph) must grow, to show the
// measurement can fail. The heap is measured after a full garbage collection (gc exposed at run
// time through v8 flags), so the comparison is deterministic enough not to flake.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  add,
  matmul,
  noGrad,
  randn,
  relu,
  sparseSoftmaxCrossEntropy,
  type Tensor,
  tanh,
  zeros,
} from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) collect();
  // Typed-array storage lives outside the JS heap: count it too.
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function makeModel(random: Random) {
  const params = {
    w1: randn([8, 32], random, { std: 0.3, requiresGrad: true }),
    b1: zeros([32], { requiresGrad: true }),
    w2: randn([32, 16], random, { std: 0.3, requiresGrad: true }),
    b2: zeros([16], { requiresGrad: true }),
    w3: randn([16, 4], random, { std: 0.3, requiresGrad: true }),
    b3: zeros([4], { requiresGrad: true }),
  };
  const forward = (x: Tensor): Tensor => {
    const h1 = relu(add(matmul(x, params.w1), params.b1)); // [batch, 32]
    const h2 = tanh(add(matmul(h1, params.w2), params.b2)); // [batch, 16]
    return add(matmul(h2, params.w3), params.b3); // [batch, 4]
  };
  return { params: Object.values(params), forward };
}

describe('memory', () => {
  const random = new Random(31);
  const inputs = randn([64, 8], random);
  const labels = Int32Array.from({ length: 64 }, (_, i) => i % 4);
  const model = makeModel(random);

  function trainStep(retain?: Tensor[]): number {
    const loss = sparseSoftmaxCrossEntropy(model.forward(inputs), labels);
    loss.backward(undefined, { retainGraph: retain !== undefined });
    retain?.push(loss);
    noGrad(() => {
      for (const p of model.params) {
        const grad = p.grad!.data;
        for (let i = 0; i < p.size; i++) p.data[i]! -= 0.05 * grad[i]!;
        p.zeroGrad();
      }
    });
    return loss.item();
  }

  it('stays flat over many training steps (and the loss goes down)', () => {
    const first = trainStep();
    for (let i = 0; i < 200; i++) trainStep();
    const before = heapAfterGc();
    let last = 0;
    for (let i = 0; i < 2000; i++) last = trainStep();
    // Forwards that are never backpropagated (evaluation without noGrad) must not pile up either.
    for (let i = 0; i < 500; i++) model.forward(inputs);
    const after = heapAfterGc();
    expect(last).toBeLessThan(first);
    expect(after - before).toBeLessThan(2 * 1024 * 1024);
  });

  it('grows when graphs are kept alive (the control: the measurement can fail)', () => {
    const kept: Tensor[] = [];
    const before = heapAfterGc();
    for (let i = 0; i < 500; i++) trainStep(kept);
    const after = heapAfterGc();
    expect(kept.length).toBe(500);
    expect(after - before).toBeGreaterThan(4 * 1024 * 1024);
  });
});
