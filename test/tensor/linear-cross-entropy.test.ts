// linearSparseSoftmaxCrossEntropy (the fused output layer + loss) against its composition,
// sparseSoftmaxCrossEntropy(linear(x, w, b), targets): values and all three gradients, on shapes that
// take the native two-thread path, with a transposed weight view, accumulation into gradients from
// other uses, other products between forward and backward, two fused losses alive at once, a retained
// graph and thread counts. `npm test` runs this file again with VERBO_NATIVE=0 (the plain kernels).
// The small-shape gradient checks live in gradients.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { setThreadCount } from '../../src/native/index.js';
import {
  add,
  fromArray,
  linear,
  linearSparseSoftmaxCrossEntropy,
  matmul,
  noGrad,
  type Reduction,
  sparseSoftmaxCrossEntropy,
  sum,
  type Tensor,
  transpose,
} from '../../src/tensor/index.js';
import { ShapeError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';

function normal(random: Random, shape: number[], scale: number, requiresGrad = true): Tensor {
  const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = random.normal(0, scale);
  return fromArray(data, shape, { requiresGrad });
}

function targetsFor(random: Random, rows: number, classes: number): Int32Array {
  return Int32Array.from({ length: rows }, () => random.int(classes));
}

interface Problem {
  x: Tensor;
  /** The weight's storage: [k, n], or [n, k] when used through transpose(). */
  w: Tensor;
  b: Tensor;
  targets: Int32Array;
  transposed: boolean;
}

function problem(seed: number, xShape: number[], n: number, transposed: boolean): Problem {
  const random = new Random(seed);
  const k = xShape[xShape.length - 1]!;
  const rows = xShape.slice(0, -1).reduce((p, d) => p * d, 1);
  return {
    x: normal(random, xShape, 1),
    w: normal(random, transposed ? [n, k] : [k, n], 0.3),
    b: normal(random, [n], 0.5),
    targets: targetsFor(random, rows, n),
    transposed,
  };
}

const weightOf = (p: Problem): Tensor => (p.transposed ? transpose(p.w) : p.w);

interface Result {
  loss: number;
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

function run(p: Problem, reduction: Reduction, fused: boolean, between?: () => void): Result {
  for (const t of [p.x, p.w, p.b]) t.grad = null;
  const loss = fused
    ? linearSparseSoftmaxCrossEntropy(p.x, weightOf(p), p.b, p.targets, { reduction })
    : sparseSoftmaxCrossEntropy(linear(p.x, weightOf(p), p.b), p.targets, { reduction });
  between?.();
  loss.backward();
  return {
    loss: loss.item(),
    dx: p.x.grad!.toFloat32Array(),
    dw: p.w.grad!.toFloat32Array(),
    db: p.b.grad!.toFloat32Array(),
  };
}

function expectClose(received: Result, expected: Result): void {
  expect(received.loss).toBeAllClose(expected.loss, { rtol: 2e-5, atol: 1e-5 });
  // Gradients of order 1/rows (mean) or 1 (sum): compare relative to the largest entry.
  for (const key of ['dx', 'dw', 'db'] as const) {
    let scale = 0;
    for (const v of expected[key]) scale = Math.max(scale, Math.abs(v));
    expect(received[key]).toBeAllClose(expected[key], { rtol: 1e-4, atol: 2e-5 * scale });
  }
}

afterEach(() => setThreadCount(undefined));

describe('linearSparseSoftmaxCrossEntropy against linear + sparseSoftmaxCrossEntropy', () => {
  for (const reduction of ['mean', 'sum'] as const) {
    for (const transposed of [true, false]) {
      it(`[2, 70, 64]·[64, 3000] on two threads, ${reduction}, ${transposed ? 'transposed' : 'plain'} weight`, () => {
        setThreadCount(2);
        const p = problem(transposed ? 11 : 12, [2, 70, 64], 3000, transposed);
        expectClose(run(p, reduction, true), run(p, reduction, false));
      });
    }
  }

  it('gives the same bits on one thread and on two (fixed row chunks)', () => {
    const p = problem(13, [140, 64], 3000, true);
    setThreadCount(1);
    const one = run(p, 'sum', true);
    setThreadCount(2);
    const two = run(p, 'sum', true);
    expect(two.loss).toBe(one.loss);
    expect(Array.from(two.dx)).toEqual(Array.from(one.dx));
    expect(Array.from(two.dw)).toEqual(Array.from(one.dw));
    expect(Array.from(two.db)).toEqual(Array.from(one.db));
  });

  it('adds into gradients from other uses of x, w and b', () => {
    setThreadCount(2);
    const p = problem(14, [140, 64], 2000, false);
    const both = (fused: boolean): Result => {
      for (const t of [p.x, p.w, p.b]) t.grad = null;
      const head = fused
        ? linearSparseSoftmaxCrossEntropy(p.x, p.w, p.b, p.targets)
        : sparseSoftmaxCrossEntropy(linear(p.x, p.w, p.b), p.targets);
      // matmul first in the graph order, so its gradients are there when the fused op's backward runs.
      const loss = add(head, add(sum(matmul(p.x, p.w)), sum(p.b)));
      loss.backward();
      return {
        loss: loss.item(),
        dx: p.x.grad!.toFloat32Array(),
        dw: p.w.grad!.toFloat32Array(),
        db: p.b.grad!.toFloat32Array(),
      };
    };
    expectClose(both(true), both(false));
  });

  it('stays right when other matmuls run between forward and backward', () => {
    setThreadCount(2);
    const p = problem(15, [140, 64], 3000, true);
    const random = new Random(99);
    const other = (): void => {
      noGrad(() => matmul(normal(random, [300, 200], 1, false), normal(random, [200, 500], 1, false)));
    };
    expectClose(run(p, 'mean', true, other), run(p, 'mean', false));
  });

  it('sums two fused losses alive at once', () => {
    setThreadCount(2);
    const p = problem(16, [140, 64], 3000, true);
    const q = problem(17, [140, 64], 3000, true);
    const twice = (fused: boolean): number[] => {
      for (const t of [p.x, p.w, p.b, q.x]) t.grad = null;
      const f = (x: Tensor, targets: Int32Array): Tensor =>
        fused
          ? linearSparseSoftmaxCrossEntropy(x, transpose(p.w), p.b, targets)
          : sparseSoftmaxCrossEntropy(linear(x, transpose(p.w), p.b), targets);
      const loss = add(f(p.x, p.targets), f(q.x, q.targets));
      loss.backward();
      return [loss.item(), ...p.w.grad!.toFloat32Array(), ...q.x.grad!.toFloat32Array()];
    };
    expect(twice(true)).toBeAllClose(twice(false), { rtol: 1e-4, atol: 1e-6 });
  });

  it('backpropagates twice through a retained graph (the logits are recomputed)', () => {
    setThreadCount(2);
    const p = problem(18, [140, 64], 3000, false);
    const once = run(p, 'sum', true);
    for (const t of [p.x, p.w, p.b]) t.grad = null;
    const loss = linearSparseSoftmaxCrossEntropy(p.x, p.w, p.b, p.targets, { reduction: 'sum' });
    loss.backward(undefined, { retainGraph: true });
    loss.backward();
    expect(p.w.grad!.toFloat32Array()).toBeAllClose(
      once.dw.map((v) => 2 * v),
      { rtol: 1e-5, atol: 1e-7 },
    );
    expect(p.b.grad!.toFloat32Array()).toBeAllClose(
      once.db.map((v) => 2 * v),
      { rtol: 1e-5, atol: 1e-7 },
    );
  });

  it('computes the loss without a graph under noGrad, equal to the graph version', () => {
    const p = problem(20, [70, 32], 1000, true);
    const value = noGrad(() => linearSparseSoftmaxCrossEntropy(p.x, transpose(p.w), p.b, p.targets)).item();
    const composed = noGrad(() =>
      sparseSoftmaxCrossEntropy(linear(p.x, transpose(p.w), p.b), p.targets),
    ).item();
    expect(value).toBeAllClose(composed, { rtol: 2e-5 });
  });
});

describe('linearSparseSoftmaxCrossEntropy bad input', () => {
  const random = new Random(3);
  const x = normal(random, [4, 3], 1);
  const w = normal(random, [3, 5], 1);
  const b = normal(random, [5], 1);
  const targets = Int32Array.from([0, 1, 2, 4]);
  it.each([
    [
      "reduction 'none'",
      () => linearSparseSoftmaxCrossEntropy(x, w, b, targets, { reduction: 'none' }),
      /'mean' or 'sum'.*reduction: 'none'/,
    ],
    [
      'x and w inner sizes differ',
      () => linearSparseSoftmaxCrossEntropy(x, normal(random, [4, 5], 1), b, targets),
      /\[4, 3\], \[4, 5\] and \[5\]/,
    ],
    [
      'bias length differs',
      () => linearSparseSoftmaxCrossEntropy(x, w, normal(random, [4], 1), targets),
      /\[4, 3\], \[3, 5\] and \[4\]/,
    ],
    [
      'too few targets',
      () => linearSparseSoftmaxCrossEntropy(x, w, b, Int32Array.from([0, 1])),
      /4 rows but targets has 2/,
    ],
    [
      'target out of range',
      () => linearSparseSoftmaxCrossEntropy(x, w, b, Int32Array.from([0, 1, 5, 2])),
      /target 5 at row 2 .*5 classes/,
    ],
    [
      'targets not Int32Array',
      () => linearSparseSoftmaxCrossEntropy(x, w, b, [0, 1, 2, 3] as unknown as Int32Array),
      /Int32Array/,
    ],
  ] as const)('%s', (_, call, message) => {
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(/^linearSparseSoftmaxCrossEntropy: /);
    expect(call).toThrow(message);
  });
});
