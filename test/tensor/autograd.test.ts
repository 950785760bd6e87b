// Autograd behaviour: accumulation into .grad, zeroGrad, noGrad, detach, seeds for non-scalar
// outputs, freeing the graph, and a golden 2-3-1 sigmoid network whose output and every gradient are
// compared with a float64 forward and backward pass written out by hand below.
import { describe, expect, it } from 'vitest';
import {
  add,
  exp,
  isGradEnabled,
  matmul,
  mean,
  mul,
  narrow,
  noGrad,
  ones,
  pow,
  reshape,
  sigmoid,
  sub,
  sum,
  Tensor,
  tanh,
  tensor,
  zeros,
} from '../../src/tensor/index.js';
import { ShapeError, VerboError } from '../../src/util/errors.js';

describe('backward', () => {
  it('puts dL/dx on leaves: y = x² + 3x at x = [1, −2] gives [5, −1]', () => {
    const x = tensor([1, -2], { requiresGrad: true });
    sum(add(mul(x, x), mul(x, 3))).backward();
    expect(x.grad!.toArray()).toEqual([5, -1]);
  });

  it('adds the gradients of every path through a shared tensor (a diamond)', () => {
    const x = tensor([0.5], { requiresGrad: true });
    const h = tanh(x);
    const y = sum(mul(add(h, exp(h)), h)); // y = h² + h·eʰ
    y.backward();
    const hv = Math.tanh(0.5);
    const expected = (2 * hv + Math.exp(hv) * (1 + hv)) * (1 - hv * hv);
    expect(x.grad!.item()).toBeCloseTo(expected, 5);
  });

  it('accumulates into .grad across backward calls until zeroGrad (documented, as in PyTorch)', () => {
    const w = tensor([2, 3], { requiresGrad: true });
    sum(mul(w, w)).backward();
    expect(w.grad!.toArray()).toEqual([4, 6]);
    sum(mul(w, w)).backward();
    expect(w.grad!.toArray()).toEqual([8, 12]);
    w.zeroGrad();
    expect(w.grad).toBeNull();
    sum(w).backward();
    expect(w.grad!.toArray()).toEqual([1, 1]);
  });

  it('gives every leaf a .grad of its own: no buffer shared between leaves or with the seed', () => {
    // A leaf may take the pass's gradient buffer without a copy only when nothing else holds it.
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([4, 5, 6], { requiresGrad: true });
    const seed = tensor([1, 10, 100]);
    add(a, b).backward(seed); // add's rule hands the same gradient to both inputs
    expect(a.grad!.data.buffer).not.toBe(b.grad!.data.buffer);
    expect(a.grad!.data.buffer).not.toBe(seed.data.buffer);
    a.grad!.data[0] = -7;
    expect(b.grad!.toArray()).toEqual([1, 10, 100]);
    expect(Array.from(seed.data)).toEqual([1, 10, 100]);
    const c = tensor([1, 2], { requiresGrad: true });
    const s2 = tensor([3, 4]);
    reshape(c, [2]).backward(s2); // a view of the seed reaches the leaf
    c.grad!.data[0] = 0;
    expect(Array.from(s2.data)).toEqual([3, 4]);
    // A gradient the pass made alone (mul's) is the leaf's, and later passes still add into it.
    const w = tensor([2, 3], { requiresGrad: true });
    sum(mul(w, tensor([5, 7]))).backward();
    sum(mul(w, tensor([5, 7]))).backward();
    expect(w.grad!.toArray()).toEqual([10, 14]);
  });

  it('needs an explicit seed for a non-scalar output, and uses it', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const y = mul(x, 2);
    expect(() => y.backward()).toThrow(ShapeError);
    expect(() => y.backward()).toThrow(
      'backward: the output has shape [2, 2], not a single value; pass the gradient of the loss with respect to it, ' +
        'e.g. y.backward(ones([2, 2])), or reduce it first (sum, mean)',
    );
    expect(() => y.backward(ones([3]))).toThrow(
      'backward: seed gradient shape [3] differs from the output shape [2, 2]',
    );
    y.backward(
      tensor([
        [1, 0],
        [0, 10],
      ]),
    );
    expect(x.grad!.toArray()).toEqual([
      [2, 0],
      [0, 20],
    ]);
  });

  it('refuses a tensor that does not require gradients', () => {
    expect(() => sum(tensor([1, 2])).backward()).toThrow(VerboError);
    expect(() => sum(tensor([1, 2])).backward()).toThrow(/does not require gradients/);
  });

  it('frees the graph after backward, and refuses a second pass unless retainGraph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const hidden = tanh(x);
    const loss = sum(mul(hidden, hidden));
    expect(hidden.node).not.toBeNull();
    loss.backward();
    expect(loss.node).toBeNull();
    expect(hidden.node).toBeNull();
    expect(() => loss.backward()).toThrow(/already freed by an earlier backward\(\)/);

    const y = tensor([1, 2], { requiresGrad: true });
    const again = sum(mul(tanh(y), 2));
    again.backward(undefined, { retainGraph: true });
    const once = y.grad!.toFloat32Array();
    again.backward();
    expect(y.grad!.toFloat32Array()).toBeAllClose(once.map((v) => 2 * v));
  });

  it('keeps .grad on an intermediate that asked for it (retainGrad)', () => {
    const x = tensor([1, -1], { requiresGrad: true });
    const h = mul(x, 3).retainGrad();
    sum(mul(h, h)).backward();
    expect(h.grad!.toArray()).toEqual([6, -6]);
    expect(x.grad!.toArray()).toEqual([18, -18]);
  });

  it('adds gradient contributions without writing into shared buffers (the seed, a gradient passed twice)', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = add(add(x, x), mul(x, x)); // dy/dx = 2 + 2x
    const seed = tensor([1, 1, 1]);
    y.backward(seed);
    expect(x.grad!.toArray()).toEqual([4, 6, 8]);
    expect(seed.toArray()).toEqual([1, 1, 1]);
  });

  it('accumulates many slices of one tensor (an unrolled sequence) together with a whole-tensor use', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      { requiresGrad: true },
    );
    let total = sum(mul(x, 0.5));
    for (let t = 0; t < 3; t++) total = add(total, sum(mul(narrow(x, 0, t, 1), t + 1)));
    total = add(total, sum(narrow(x, 1, 1, 1))); // overlaps the row slices
    total.backward();
    expect(x.grad!.toArray()).toEqual([
      [1.5, 2.5],
      [2.5, 3.5],
      [3.5, 4.5],
    ]);
  });

  it('gives a zero exponent gradient at base 0 (the limit of 0^b · ln 0), not NaN', () => {
    const base = tensor([0, 2]);
    const exponent = tensor([2, 3], { requiresGrad: true });
    sum(pow(base, exponent)).backward();
    expect(exponent.grad!.toArray()).toBeAllClose([0, 8 * Math.LN2]);
  });

  it('handles a deep chain without overflowing the stack', () => {
    const x = tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20_000; i++) y = add(y, 0.5);
    sum(y).backward();
    expect(x.grad!.item()).toBe(1);
  });
});

describe('noGrad and detach', () => {
  it('does not record inside noGrad, and restores the mode afterwards (even after a throw)', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => mul(w, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('detach shares the storage and stops the gradient', () => {
    const x = tensor([2, 3], { requiresGrad: true });
    const d = x.detach();
    expect(d.data).toBe(x.data);
    expect(d.requiresGrad).toBe(false);
    sum(mul(x, d)).backward(); // d/dx (x · const) = const
    expect(x.grad!.toArray()).toEqual([2, 3]);
  });
});

describe('golden: a 2-3-1 sigmoid network from raw ops', () => {
  // Weights written here; loss = mean over the batch of (y − target)².
  const inputs = [
    [0.5, -1.2],
    [1.5, 0.3],
  ];
  const targets = [1, 0];
  const w1 = [
    [0.1, -0.4, 0.7],
    [0.35, 0.2, -0.55],
  ];
  const b1 = [0.05, -0.1, 0.2];
  const w2 = [[0.6], [-0.8], [0.45]];
  const b2 = [-0.15];

  /** The same network in float64, forward and hand-written backward. */
  function reference() {
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const batch = inputs.length;
    const gradW1 = w1.map((row) => row.map(() => 0));
    const gradB1 = b1.map(() => 0);
    const gradW2 = w2.map((row) => row.map(() => 0));
    const gradB2 = [0];
    const gradX = inputs.map((row) => row.map(() => 0));
    const outputs: number[] = [];
    let loss = 0;
    for (let n = 0; n < batch; n++) {
      const x = inputs[n]!;
      const h = [0, 1, 2].map((j) => s(x[0]! * w1[0]![j]! + x[1]! * w1[1]![j]! + b1[j]!));
      const y = s(h[0]! * w2[0]![0]! + h[1]! * w2[1]![0]! + h[2]! * w2[2]![0]! + b2[0]!);
      outputs.push(y);
      loss += (y - targets[n]!) ** 2 / batch;
      // dL/dy, then back through the output sigmoid: dz2 = dL/dy · y(1 − y).
      const dz2 = ((2 * (y - targets[n]!)) / batch) * y * (1 - y);
      gradB2[0]! += dz2;
      for (let j = 0; j < 3; j++) {
        gradW2[j]![0]! += h[j]! * dz2;
        const dz1 = dz2 * w2[j]![0]! * h[j]! * (1 - h[j]!);
        gradB1[j]! += dz1;
        for (let i = 0; i < 2; i++) {
          gradW1[i]![j]! += x[i]! * dz1;
          gradX[n]![i]! += w1[i]![j]! * dz1;
        }
      }
    }
    return { outputs, loss, gradW1, gradB1, gradW2, gradB2, gradX };
  }

  it('matches the float64 computation: output, loss and all gradients', () => {
    const x = tensor(inputs, { requiresGrad: true });
    const W1 = tensor(w1, { requiresGrad: true });
    const B1 = tensor(b1, { requiresGrad: true });
    const W2 = tensor(w2, { requiresGrad: true });
    const B2 = tensor(b2, { requiresGrad: true });
    const hidden = sigmoid(add(matmul(x, W1), B1)); // [2, 3]
    const y = sigmoid(add(matmul(hidden, W2), B2)); // [2, 1]
    const loss = mean(pow(sub(y, tensor([[1], [0]])), 2));
    loss.backward();

    const expected = reference();
    const tolerance = { rtol: 1e-5, atol: 1e-7 };
    expect(y.toFloat32Array()).toBeAllClose(expected.outputs, tolerance);
    expect(loss.item()).toBeAllClose(expected.loss, tolerance);
    expect(W1.grad!.toArray()).toBeAllClose(expected.gradW1, tolerance);
    expect(B1.grad!.toArray()).toBeAllClose(expected.gradB1, tolerance);
    expect(W2.grad!.toArray()).toBeAllClose(expected.gradW2, tolerance);
    expect(B2.grad!.toArray()).toBeAllClose(expected.gradB2, tolerance);
    expect(x.grad!.toArray()).toBeAllClose(expected.gradX, tolerance);
  });

  it('reaches the same gradients through a zero-initialised accumulator', () => {
    // A guard against rules that return a shared buffer: accumulate twice, expect exactly double.
    const W1 = tensor(w1, { requiresGrad: true });
    const run = () => sum(sigmoid(matmul(tensor(inputs), W1)));
    run().backward();
    const once = W1.grad!.toFloat32Array();
    run().backward();
    expect(W1.grad!.toFloat32Array()).toBeAllClose(
      once.map((v) => 2 * v),
      { rtol: 1e-6 },
    );
    expect(zeros([1]).grad).toBeNull();
  });
});

describe('Tensor as a plain value', () => {
  it('exposes shape, size and values of leaves made by the creation functions', () => {
    const t = new Tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(t.get(1, 2)).toBe(6);
    expect(t.isLeaf).toBe(true);
  });
});
