// Gradient checks for every op: autograd against central finite differences (gradCheck), one row per
// case, with the tolerance stated per row. Inputs come from a fixed seed; ops with kinks (relu, abs,
// maximum, clamp, max) get inputs kept well away from the kink so the finite difference is valid.
// The last test makes sure every primitive in the table is covered by at least one row.
import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  clamp,
  concat,
  conv2d,
  div,
  dropout,
  elu,
  exp,
  expand,
  flatten,
  gather,
  gradCheck,
  gruSequence,
  type GradCheckOptions,
  leakyRelu,
  linear,
  linearSparseSoftmaxCrossEntropy,
  log,
  logSoftmax,
  logsumexp,
  lstmSequence,
  matmul,
  max,
  maximum,
  maxPool2d,
  mean,
  min,
  minimum,
  mul,
  narrow,
  neg,
  type OpName,
  permute,
  pow,
  primitives,
  relu,
  reshape,
  scatterAdd,
  sigmoid,
  slice,
  softmax,
  softmaxCrossEntropy,
  sparseSoftmaxCrossEntropy,
  sqrt,
  square,
  squeeze,
  stack,
  sub,
  sum,
  Tensor,
  tanh,
  tensor,
  transpose,
  unsqueeze,
  where,
} from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

const random = new Random(2024);

/** Normal values, shape given. */
function normal(shape: number[], scale = 1): Tensor {
  const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = random.normal(0, scale);
  return new Tensor(data, shape);
}

/** Uniform values in [low, high). */
function between(shape: number[], low: number, high: number): Tensor {
  const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = random.uniform(low, high);
  return new Tensor(data, shape);
}

/** Values with |x| in [0.1, 1.1) and a random sign: at least 0.1 from a kink at 0. */
function awayFromZero(shape: number[]): Tensor {
  const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = (random.next() < 0.5 ? -1 : 1) * random.uniform(0.1, 1.1);
  return new Tensor(data, shape);
}

/** Distinct values (a shuffled grid, 0.1 apart) so max/argmax ties are impossible. */
function distinct(shape: number[]): Tensor {
  const size = shape.reduce((n, d) => n * d, 1);
  const order = random.shuffle(Array.from({ length: size }, (_, i) => i));
  return new Tensor(
    Float32Array.from(order, (i) => (i - size / 2) * 0.1),
    shape,
  );
}

interface Row {
  name: string;
  /** The primitives whose rules this row exercises. */
  covers: OpName[];
  fn: (...inputs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
  tolerance: GradCheckOptions;
}

// Fixed weights for rows that multiply a view by something (created once: fn must be deterministic).
const weights34 = normal([3, 4]);
const weights423 = normal([4, 2, 3]);
const weights234 = normal([2, 3, 4]);

// Tolerances. `smooth`: ops with curvature, where central differences carry an O(eps²) truncation
// error on top of float32 rounding (~6e-8·|L|/eps). `piecewiseLinear`: ops that are linear or
// quadratic in each input between kinks (add, mul, matmul, movement, sums, max, relu, …), for which
// central differences are exact up to rounding, so a larger step and tighter tolerances apply.
const smooth: GradCheckOptions = { eps: 1e-3, rtol: 1e-2, atol: 1e-3 };
const piecewiseLinear: GradCheckOptions = { eps: 1e-2, rtol: 1e-3, atol: 1e-4 };

const rows: Row[] = [
  // elementwise, with broadcasting
  {
    name: 'add [2,3] + [3]',
    tolerance: piecewiseLinear,
    covers: ['add'],
    fn: add,
    inputs: () => [normal([2, 3]), normal([3])],
  },
  {
    name: 'add [2,1] + [1,3]',
    tolerance: piecewiseLinear,
    covers: ['add'],
    fn: add,
    inputs: () => [normal([2, 1]), normal([1, 3])],
  },
  {
    name: 'add scalar',
    tolerance: piecewiseLinear,
    covers: ['add'],
    fn: (a) => add(a, 2.5),
    inputs: () => [normal([4])],
  },
  {
    name: 'sub [3,2] − [2]',
    tolerance: piecewiseLinear,
    covers: ['add', 'neg'],
    fn: sub,
    inputs: () => [normal([3, 2]), normal([2])],
  },
  {
    name: 'mul [2,3] · [2,1]',
    tolerance: piecewiseLinear,
    covers: ['mul'],
    fn: mul,
    inputs: () => [normal([2, 3]), normal([2, 1])],
  },
  {
    name: 'mul same operand',
    tolerance: piecewiseLinear,
    covers: ['mul'],
    fn: (a) => mul(a, a),
    inputs: () => [normal([5])],
  },
  {
    name: 'div [2,3] / [3] (b in [0.5, 2])',
    tolerance: smooth,
    covers: ['mul', 'pow'],
    fn: div,
    inputs: () => [normal([2, 3]), between([3], 0.5, 2)],
  },
  {
    name: 'pow tensor exponent (a in [0.5, 2], b in [−1.5, 1.5])',
    tolerance: smooth,
    covers: ['pow'],
    fn: pow,
    inputs: () => [between([2, 3], 0.5, 2), between([3], -1.5, 1.5)],
  },
  {
    name: 'pow 3 (negative base)',
    tolerance: smooth,
    covers: ['pow'],
    fn: (a) => pow(a, 3),
    inputs: () => [normal([2, 3])],
  },
  {
    name: 'sqrt (x in [0.5, 2])',
    tolerance: smooth,
    covers: ['pow'],
    fn: sqrt,
    inputs: () => [between([6], 0.5, 2)],
  },
  { name: 'square', tolerance: piecewiseLinear, covers: ['mul'], fn: square, inputs: () => [normal([6])] },
  {
    name: 'maximum (|a − b| ≥ 0.1)',
    tolerance: piecewiseLinear,
    covers: ['maximum'],
    fn: (a, b) => maximum(a, b),
    inputs: () => {
      const b = normal([2, 3]);
      return [add(b, awayFromZero([2, 3])), b];
    },
  },
  {
    name: 'minimum with broadcast',
    tolerance: piecewiseLinear,
    covers: ['maximum', 'neg'],
    fn: (a, b) => minimum(a, b),
    inputs: () => [tensor([[0.3, -0.6, 1.2]]), tensor([[0.5], [-1], [0.9]])],
  },
  {
    name: 'where [2,3] ? [2,3] : [3]',
    tolerance: piecewiseLinear,
    covers: ['where'],
    fn: (a, b) =>
      where(
        tensor([
          [1, 0, 1],
          [0, 0, 1],
        ]),
        a,
        b,
      ),
    inputs: () => [normal([2, 3]), normal([3])],
  },
  { name: 'neg', tolerance: piecewiseLinear, covers: ['neg'], fn: neg, inputs: () => [normal([2, 2])] },
  { name: 'exp', tolerance: smooth, covers: ['exp'], fn: exp, inputs: () => [normal([2, 3])] },
  {
    name: 'log (x in [0.5, 3])',
    tolerance: smooth,
    covers: ['log'],
    fn: log,
    inputs: () => [between([2, 3], 0.5, 3)],
  },
  {
    name: 'abs (|x| ≥ 0.1)',
    tolerance: piecewiseLinear,
    covers: ['abs'],
    fn: abs,
    inputs: () => [awayFromZero([2, 3])],
  },
  {
    name: 'clamp to [−0.5, 0.5] (x ≥ 0.1 from the bounds)',
    tolerance: piecewiseLinear,
    covers: ['clamp'],
    fn: (x) => clamp(x, -0.5, 0.5),
    inputs: () => [tensor([-1.2, -0.7, -0.3, 0, 0.2, 0.35, 0.8, 1.5])],
  },
  // activations
  { name: 'sigmoid', tolerance: smooth, covers: ['sigmoid'], fn: sigmoid, inputs: () => [normal([3, 4], 2)] },
  { name: 'tanh', tolerance: smooth, covers: ['tanh'], fn: tanh, inputs: () => [normal([3, 4])] },
  {
    name: 'relu (|x| ≥ 0.1)',
    tolerance: piecewiseLinear,
    covers: ['relu'],
    fn: relu,
    inputs: () => [awayFromZero([3, 4])],
  },
  {
    name: 'leakyRelu 0.1 (|x| ≥ 0.1)',
    tolerance: piecewiseLinear,
    covers: ['leakyRelu'],
    fn: (x) => leakyRelu(x, 0.1),
    inputs: () => [awayFromZero([3, 4])],
  },
  {
    name: 'elu 1.3 (|x| ≥ 0.1)',
    tolerance: smooth,
    covers: ['elu'],
    fn: (x) => elu(x, 1.3),
    inputs: () => [awayFromZero([3, 4])],
  },
  {
    name: 'softmax last axis',
    tolerance: smooth,
    covers: ['exp', 'max', 'sum', 'log'],
    fn: (x) => softmax(x),
    inputs: () => [normal([3, 5])],
  },
  {
    name: 'softmax axis 0',
    tolerance: smooth,
    covers: ['exp', 'sum'],
    fn: (x) => softmax(x, 0),
    inputs: () => [normal([3, 4])],
  },
  {
    name: 'logSoftmax',
    tolerance: smooth,
    covers: ['exp', 'sum', 'log'],
    fn: (x) => logSoftmax(x),
    inputs: () => [normal([2, 3, 4])],
  },
  {
    name: 'dropout 0.5 with a fixed mask',
    tolerance: piecewiseLinear,
    covers: ['mul'],
    fn: (x) => dropout(x, 0.5, new Random(5), true),
    inputs: () => [normal([4, 5])],
  },
  // matmul
  {
    name: 'matmul [3,4]·[4,2]',
    tolerance: piecewiseLinear,
    covers: ['matmul'],
    fn: matmul,
    inputs: () => [normal([3, 4]), normal([4, 2])],
  },
  {
    name: 'matmul transposed first (view)',
    tolerance: piecewiseLinear,
    covers: ['matmul', 'permute'],
    fn: (a, b) => matmul(transpose(a), b),
    inputs: () => [normal([4, 3]), normal([4, 2])],
  },
  {
    name: 'matmul transposed second (view)',
    tolerance: piecewiseLinear,
    covers: ['matmul', 'permute'],
    fn: (a, b) => matmul(a, transpose(b)),
    inputs: () => [normal([3, 4]), normal([2, 4])],
  },
  {
    name: 'matmul both transposed',
    tolerance: piecewiseLinear,
    covers: ['matmul'],
    fn: (a, b) => matmul(transpose(a), transpose(b)),
    inputs: () => [normal([4, 3]), normal([2, 4])],
  },
  {
    name: 'matmul batched [2,3,4]·[2,4,5]',
    tolerance: piecewiseLinear,
    covers: ['matmul'],
    fn: matmul,
    inputs: () => [normal([2, 3, 4]), normal([2, 4, 5])],
  },
  {
    name: 'matmul batch folded [2,3,4]·[4,5]',
    tolerance: piecewiseLinear,
    covers: ['matmul'],
    fn: matmul,
    inputs: () => [normal([2, 3, 4]), normal([4, 5])],
  },
  {
    name: 'matmul broadcast first [3,4]·[2,4,5]',
    tolerance: piecewiseLinear,
    covers: ['matmul'],
    fn: matmul,
    inputs: () => [normal([3, 4]), normal([2, 4, 5])],
  },
  {
    name: 'matmul broadcast batch [2,1,2,3]·[3,3,2] with transposed second',
    tolerance: piecewiseLinear,
    covers: ['matmul'],
    fn: (a, b) => matmul(a, transpose(b)),
    inputs: () => [normal([2, 1, 2, 3]), normal([3, 2, 3])],
  },
  {
    name: 'matmul of a strided (sliced) operand',
    tolerance: piecewiseLinear,
    covers: ['matmul', 'slice'],
    fn: (a, b) => matmul(slice(a, [0, 1], [3, 4]), b),
    inputs: () => [normal([3, 5]), normal([3, 2])],
  },
  {
    name: 'matmul reusing a weight over 5 uses (RNN-style accumulation, plain and folded)',
    tolerance: smooth,
    covers: ['matmul', 'tanh'],
    fn: (x, w) => {
      let h = x;
      for (let step = 0; step < 4; step++) h = tanh(add(matmul(h, w), x));
      return matmul(stack([h, x]), w); // [2, 2, 3] · [3, 3]: the folded path, accumulating too
    },
    inputs: () => [normal([2, 3]), normal([3, 3], 0.5)],
  },
  {
    name: 'matmul with the same tensor on both sides, used twice',
    tolerance: piecewiseLinear,
    covers: ['matmul'],
    fn: (x) => add(matmul(x, x), matmul(x, transpose(x))),
    inputs: () => [normal([3, 3])],
  },
  // linear (x · w + b)
  {
    name: 'linear [3,4]·[4,5] + [5]',
    tolerance: piecewiseLinear,
    covers: ['linear'],
    fn: linear,
    inputs: () => [normal([3, 4]), normal([4, 5]), normal([5])],
  },
  {
    name: 'linear batch folded [2,3,4], transposed weight view, used twice (accumulators)',
    tolerance: piecewiseLinear,
    covers: ['linear', 'permute'],
    fn: (x, w, b) => add(linear(x, transpose(w), b), linear(x, transpose(w), b)),
    inputs: () => [normal([2, 3, 4]), normal([5, 4]), normal([5])],
  },
  {
    name: 'linear of a strided (sliced) input, weight also in a matmul',
    tolerance: piecewiseLinear,
    covers: ['linear', 'matmul', 'slice'],
    fn: (x, w, b) => add(linear(slice(x, [0, 1], [3, 4]), w, b), matmul(slice(x, [0, 1], [3, 4]), w)),
    inputs: () => [normal([3, 5]), normal([3, 2]), normal([2])],
  },
  // movement
  {
    name: 'contiguous of a transposed view',
    tolerance: piecewiseLinear,
    covers: ['contiguous', 'permute'],
    fn: (x) => mul(transpose(x).contiguous(), tensor([1, 2, 3])),
    inputs: () => [normal([3, 2])],
  },
  {
    name: 'reshape [2,6] → [3,4]',
    tolerance: piecewiseLinear,
    covers: ['reshape'],
    fn: (x) => mul(reshape(x, [3, -1]), weights34),
    inputs: () => [normal([2, 6])],
  },
  {
    name: 'reshape of a non-contiguous view',
    tolerance: piecewiseLinear,
    covers: ['reshape', 'permute'],
    fn: (x) => reshape(transpose(x), [6]),
    inputs: () => [normal([2, 3])],
  },
  {
    name: 'permute [2,3,4] → [2,0,1]',
    tolerance: piecewiseLinear,
    covers: ['permute'],
    fn: (x) => mul(permute(x, [2, 0, 1]), weights423),
    inputs: () => [normal([2, 3, 4])],
  },
  {
    name: 'expand [3,1] → [2,3,4]',
    tolerance: piecewiseLinear,
    covers: ['expand'],
    fn: (x) => mul(expand(x, [2, 3, 4]), weights234),
    inputs: () => [normal([3, 1])],
  },
  {
    name: 'slice with negative ends',
    tolerance: piecewiseLinear,
    covers: ['slice'],
    fn: (x) => slice(x, [1, 0], [3, -1]),
    inputs: () => [normal([4, 3])],
  },
  {
    name: 'narrow (one LSTM gate)',
    tolerance: piecewiseLinear,
    covers: ['slice'],
    fn: (x) => tanh(narrow(x, 1, 2, 2)),
    inputs: () => [normal([2, 8])],
  },
  {
    name: 'concat axis 1',
    tolerance: piecewiseLinear,
    covers: ['concat'],
    fn: (a, b) => concat([a, b, a], 1),
    inputs: () => [normal([2, 2]), normal([2, 3])],
  },
  {
    name: 'stack axis 1',
    tolerance: piecewiseLinear,
    covers: ['concat', 'reshape'],
    fn: (a, b) => stack([a, b], 1),
    inputs: () => [normal([2, 3]), normal([2, 3])],
  },
  {
    name: 'squeeze / unsqueeze / flatten',
    tolerance: piecewiseLinear,
    covers: ['reshape'],
    fn: (x) => flatten(unsqueeze(squeeze(x), 0)),
    inputs: () => [normal([2, 1, 3])],
  },
  {
    name: 'gather rows with repeats (embedding lookup)',
    tolerance: piecewiseLinear,
    covers: ['gather'],
    fn: (x) => gather(x, Int32Array.from([2, 0, 2, 3])),
    inputs: () => [normal([4, 3])],
  },
  {
    name: 'gather axis 1',
    tolerance: piecewiseLinear,
    covers: ['gather'],
    fn: (x) => gather(x, Int32Array.from([1, 1, 0]), 1),
    inputs: () => [normal([2, 3, 2])],
  },
  {
    name: 'scatterAdd with repeats',
    tolerance: piecewiseLinear,
    covers: ['scatterAdd'],
    fn: (t, s) => scatterAdd(t, Int32Array.from([1, 3, 1]), s),
    inputs: () => [normal([4, 2]), normal([3, 2])],
  },
  // reductions
  {
    name: 'sum all',
    tolerance: piecewiseLinear,
    covers: ['sum'],
    fn: (x) => sum(x),
    inputs: () => [normal([2, 3, 4])],
  },
  {
    name: 'sum axes [0, 2] keepdims',
    tolerance: piecewiseLinear,
    covers: ['sum'],
    fn: (x) => sum(x, [0, 2], true),
    inputs: () => [normal([2, 3, 4])],
  },
  {
    name: 'sum axis −1',
    tolerance: piecewiseLinear,
    covers: ['sum'],
    fn: (x) => sum(x, -1),
    inputs: () => [normal([3, 4])],
  },
  {
    name: 'mean axis 1',
    tolerance: piecewiseLinear,
    covers: ['sum', 'mul'],
    fn: (x) => mean(x, 1),
    inputs: () => [normal([3, 4])],
  },
  {
    name: 'max axis 1 (distinct values)',
    tolerance: piecewiseLinear,
    covers: ['max'],
    fn: (x) => max(x, 1),
    inputs: () => [distinct([3, 4])],
  },
  {
    name: 'max axes [0, 2] keepdims (distinct)',
    tolerance: piecewiseLinear,
    covers: ['max'],
    fn: (x) => max(x, [0, 2], true),
    inputs: () => [distinct([2, 3, 4])],
  },
  {
    name: 'min all (distinct)',
    tolerance: piecewiseLinear,
    covers: ['max', 'neg'],
    fn: (x) => min(x),
    inputs: () => [distinct([3, 3])],
  },
  {
    name: 'logsumexp axis 1',
    tolerance: smooth,
    covers: ['exp', 'sum', 'log', 'add'],
    fn: (x) => logsumexp(x, 1),
    inputs: () => [normal([3, 4], 3)],
  },
  // fused losses
  {
    name: 'sparseSoftmaxCrossEntropy mean',
    tolerance: smooth,
    covers: ['sparseSoftmaxCrossEntropy'],
    fn: (x) => sparseSoftmaxCrossEntropy(x, Int32Array.from([2, 0, 4])),
    inputs: () => [normal([3, 5], 2)],
  },
  {
    name: 'sparseSoftmaxCrossEntropy none on [2,2,3]',
    tolerance: smooth,
    covers: ['sparseSoftmaxCrossEntropy'],
    fn: (x) => sparseSoftmaxCrossEntropy(x, Int32Array.from([0, 2, 1, 1]), { reduction: 'none' }),
    inputs: () => [normal([2, 2, 3])],
  },
  {
    name: 'linearSparseSoftmaxCrossEntropy mean [3,4]·[4,5] + [5]',
    tolerance: smooth,
    covers: ['linearSparseSoftmaxCrossEntropy'],
    fn: (x, w, b) => linearSparseSoftmaxCrossEntropy(x, w, b, Int32Array.from([2, 0, 4])),
    inputs: () => [normal([3, 4]), normal([4, 5]), normal([5])],
  },
  {
    name: 'linearSparseSoftmaxCrossEntropy sum [2,4,8]·[8,19], transposed weight view',
    tolerance: smooth,
    covers: ['linearSparseSoftmaxCrossEntropy', 'permute'],
    fn: (x, w, b) =>
      linearSparseSoftmaxCrossEntropy(x, transpose(w), b, Int32Array.from([0, 18, 3, 7, 11, 2, 9, 5]), {
        reduction: 'sum',
      }),
    inputs: () => [normal([2, 4, 8], 0.5), normal([19, 8], 0.5), normal([19])],
  },
  {
    name: 'linearSparseSoftmaxCrossEntropy with x and w also used elsewhere (accumulators)',
    tolerance: smooth,
    covers: ['linearSparseSoftmaxCrossEntropy', 'matmul', 'linear'],
    fn: (x, w, b) =>
      add(
        sum(matmul(x, w)),
        add(
          linearSparseSoftmaxCrossEntropy(x, w, b, Int32Array.from([1, 16, 0, 9, 4, 12])),
          sum(linear(x, w, b)),
        ),
      ),
    inputs: () => [normal([6, 9], 0.5), normal([9, 17], 0.5), normal([17])],
  },
  {
    name: 'softmaxCrossEntropy sum (logits and targets)',
    tolerance: smooth,
    covers: ['softmaxCrossEntropy'],
    fn: (x, t) => softmaxCrossEntropy(x, t, { reduction: 'sum' }),
    inputs: () => [normal([3, 4], 2), between([3, 4], 0, 0.5)],
  },
  {
    name: 'softmaxCrossEntropy mean / none',
    tolerance: smooth,
    covers: ['softmaxCrossEntropy'],
    fn: (x, t) => add(softmaxCrossEntropy(x, t), softmaxCrossEntropy(x, t, { reduction: 'none' })),
    inputs: () => [normal([2, 5]), between([2, 5], 0, 0.4)],
  },
  // fused recurrent loops (more in recurrent.test.ts, against the composed recurrences)
  {
    name: 'lstmSequence 3 steps',
    tolerance: smooth,
    covers: ['lstmSequence'],
    fn: lstmSequence,
    inputs: () => [normal([2, 3, 8]), normal([2, 2]), normal([2, 2]), normal([2, 8])],
  },
  {
    name: 'gruSequence 3 steps',
    tolerance: smooth,
    covers: ['gruSequence'],
    fn: gruSequence,
    inputs: () => [normal([2, 3, 6]), normal([2, 2]), normal([2, 6]), normal([6])],
  },
  // images (more in conv.test.ts, against the composed gather + matmul)
  {
    name: "conv2d [2,5,4,3] * [3,2,3,2] + [2], stride 2, 'same'",
    tolerance: piecewiseLinear,
    covers: ['conv2d'],
    fn: (x, k, b) => conv2d(x!, k!, b, { strides: 2, padding: 'same' }),
    inputs: () => [normal([2, 5, 4, 3]), normal([3, 2, 3, 2]), normal([2])],
  },
  {
    name: 'maxPool2d [2,5,4,3], pool 2 (valid)',
    tolerance: piecewiseLinear,
    covers: ['maxPool2d'],
    fn: (x) => maxPool2d(x!),
    inputs: () => [distinct([2, 5, 4, 3])],
  },
];

describe('gradCheck for every op', () => {
  it.each(rows.map((row) => [row.name, row] as const))('%s', (_, row) => {
    const result = gradCheck(row.fn, row.inputs(), row.tolerance);
    expect(result.ok, result.summary).toBe(true);
  });

  it('covers every primitive in the table', () => {
    const covered = new Set(rows.flatMap((row) => row.covers));
    const missing = (Object.keys(primitives) as OpName[]).filter((name) => !covered.has(name));
    expect(missing).toEqual([]);
  });

  it('catches a wrong gradient (the check can fail)', () => {
    // d/dx of x·stopGradient(x) is x, not 2x: autograd is right, so fake the function's value instead.
    const broken = (x: Tensor) => {
      const y = mul(x, x.detach());
      // Change the value without the graph knowing: the numeric derivative becomes 3x², analytic stays x.
      const values = y.data;
      const source = x.data;
      for (let i = 0; i < values.length; i++) values[i] = source[i]! ** 3;
      return y;
    };
    const result = gradCheck(broken, [normal([4])]);
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(/partial derivatives differ/);
  });
});
