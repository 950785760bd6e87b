// Activations: values against float64 formulas, stability at large ±inputs (finite values and
// gradients), the fused cross-entropy losses against the composed −Σ t · logSoftmax(x) (values and
// gradients), and dropout.
import { describe, expect, it } from 'vitest';
import {
  elu,
  leakyRelu,
  logSoftmax,
  mean,
  mul,
  neg,
  relu,
  sigmoid,
  softmax,
  softmaxCrossEntropy,
  sparseSoftmaxCrossEntropy,
  sum,
  Tensor,
  tanh,
  tensor,
  dropout,
  ones,
  randn,
} from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

const extremes = [-1000, -88, -20, -1, 0, 1, 20, 88, 1000];

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

describe('activations', () => {
  it('match their float64 formulas on ordinary inputs', () => {
    const xs = [-2.5, -0.3, 0.4, 1.7];
    const x = tensor(xs);
    expect(sigmoid(x).toArray()).toBeAllClose(xs.map((v) => 1 / (1 + Math.exp(-v))));
    expect(tanh(x).toArray()).toBeAllClose(xs.map(Math.tanh));
    expect(relu(x).toArray()).toBeAllClose(xs.map((v) => Math.max(v, 0)));
    expect(leakyRelu(x, 0.2).toArray()).toBeAllClose(xs.map((v) => (v > 0 ? v : 0.2 * v)));
    expect(elu(x, 0.7).toArray()).toBeAllClose(xs.map((v) => (v > 0 ? v : 0.7 * (Math.exp(v) - 1))));
  });

  it('stay finite with finite gradients at large ±inputs', () => {
    for (const f of [sigmoid, tanh, relu, (t: Tensor) => leakyRelu(t, 0.1), (t: Tensor) => elu(t, 1)]) {
      const x = tensor(extremes, { requiresGrad: true });
      const y = f(x);
      expect(allFinite(y.toFloat32Array())).toBe(true);
      sum(y).backward();
      expect(allFinite(x.grad!.toFloat32Array())).toBe(true);
    }
    const s = sigmoid(tensor([-1000, 1000])).toArray();
    expect(s).toEqual([0, 1]);
  });

  it('softmax and logSoftmax are stable at large ±inputs and match the textbook formula', () => {
    const big = tensor(
      [
        [1000, 1001, 1002],
        [-1000, -1001, -1002],
      ],
      { requiresGrad: true },
    );
    const p = softmax(big);
    const expected = [0, 1, 2].map((i) => Math.exp(i) / (1 + Math.E + Math.exp(2)));
    expect(p.toArray()).toBeAllClose([expected, [...expected].reverse()]);
    const lp = logSoftmax(big);
    expect(lp.toArray()).toBeAllClose([expected.map(Math.log), [...expected].reverse().map(Math.log)]);
    sum(
      mul(
        lp,
        tensor([
          [1, 0, 0],
          [0, 0, 1],
        ]),
      ),
    ).backward();
    expect(allFinite(big.grad!.toFloat32Array())).toBe(true);
    // Each softmax row sums to 1 along the chosen axis.
    const x = randn([3, 4], new Random(1));
    expect(sum(softmax(x, 0), 0).toArray()).toBeAllClose([1, 1, 1, 1]);
  });
});

describe('fused softmax cross-entropy', () => {
  const random = new Random(77);

  function compare(fused: (x: Tensor) => Tensor, composed: (x: Tensor) => Tensor, logits: Tensor): void {
    const a = new Tensor(logits.toFloat32Array(), logits.shape, undefined, 0, { requiresGrad: true });
    const b = new Tensor(logits.toFloat32Array(), logits.shape, undefined, 0, { requiresGrad: true });
    const lossA = fused(a);
    const lossB = composed(b);
    expect(lossA.toFloat32Array()).toBeAllClose(lossB.toFloat32Array(), { rtol: 1e-5, atol: 1e-5 });
    const seed = ones(lossA.shape);
    lossA.backward(seed);
    lossB.backward(seed);
    expect(a.grad!.toFloat32Array()).toBeAllClose(b.grad!.toFloat32Array(), { rtol: 1e-4, atol: 1e-6 });
  }

  it('sparse targets: value and gradient equal the composed −logSoftmax[target] (mean, sum, none)', () => {
    const logits = randn([5, 7], random, { std: 3 });
    const targets = Int32Array.from([0, 6, 3, 3, 1]);
    const onehot = new Float32Array(35);
    targets.forEach((t, r) => {
      onehot[r * 7 + t] = 1;
    });
    const t = new Tensor(onehot, [5, 7]);
    const perRow = (x: Tensor) => neg(sum(mul(logSoftmax(x), t), -1));
    compare(
      (x) => sparseSoftmaxCrossEntropy(x, targets),
      (x) => mean(perRow(x)),
      logits,
    );
    compare(
      (x) => sparseSoftmaxCrossEntropy(x, targets, { reduction: 'sum' }),
      (x) => sum(perRow(x)),
      logits,
    );
    compare((x) => sparseSoftmaxCrossEntropy(x, targets, { reduction: 'none' }), perRow, logits);
  });

  it('dense targets: value and gradient equal the composed −Σ t · logSoftmax (targets not summing to 1 too)', () => {
    const logits = randn([4, 6], random, { std: 2 });
    const targetValues = new Float32Array(24);
    for (let i = 0; i < 24; i++) targetValues[i] = random.uniform(0, 0.5);
    const t = new Tensor(targetValues, [4, 6]);
    const perRow = (x: Tensor) => neg(sum(mul(logSoftmax(x), t), -1));
    compare(
      (x) => softmaxCrossEntropy(x, t),
      (x) => mean(perRow(x)),
      logits,
    );
    compare((x) => softmaxCrossEntropy(x, t, { reduction: 'none' }), perRow, logits);
  });

  it('are finite at huge logits and give the exact loss there', () => {
    const logits = tensor(
      [
        [1000, 0, -1000],
        [-1000, 1000, 999],
      ],
      { requiresGrad: true },
    );
    const loss = sparseSoftmaxCrossEntropy(logits, Int32Array.from([0, 2]), { reduction: 'none' });
    // Row 0: the target wins by 1000 → loss ≈ 0. Row 1: lse = 1000 + log(1 + e⁻¹), loss = lse − 999.
    expect(loss.toArray()).toBeAllClose([0, 1 + Math.log(1 + Math.exp(-1))], { rtol: 1e-6, atol: 1e-6 });
    sum(loss).backward();
    expect(allFinite(logits.grad!.toFloat32Array())).toBe(true);
    const dense = softmaxCrossEntropy(tensor([[1000, -1000]]), tensor([[0, 1]]));
    expect(dense.item()).toBeAllClose(2000, { rtol: 1e-6 });
  });
});

describe('dropout', () => {
  it('zeroes about `rate` of the entries, scales the rest by 1/(1 − rate), and is the identity outside training', () => {
    const x = ones([100, 100]);
    const y = dropout(x, 0.3, new Random(4), true).toFloat32Array();
    let zeros = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.7, 5);
    }
    expect(zeros / y.length).toBeGreaterThan(0.27);
    expect(zeros / y.length).toBeLessThan(0.33);
    expect(dropout(x, 0.3, new Random(4), false)).toBe(x);
    const again = dropout(x, 0.3, new Random(4), true).toFloat32Array();
    expect(again).toEqual(y);
  });

  it('passes gradients only through the kept entries', () => {
    const x = ones([50], { requiresGrad: true });
    const y = dropout(x, 0.5, new Random(8), true);
    sum(y).backward();
    expect(x.grad!.toFloat32Array()).toEqual(y.toFloat32Array());
  });
});
