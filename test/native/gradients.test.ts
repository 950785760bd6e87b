// gradCheck through the autograd ops on the native path: shapes large enough that matmul, the
// activations, the softmax rows, the fused output loss, the LSTM and the GRU run on the addon's kernels (each row
// asserts it), against central finite differences. `npm test` runs this file again under VERBO_ISA=avx2
// and VERBO_ISA=portable, so each instruction set's kernels are checked through the ops.
import { describe, expect, it } from 'vitest';
import { nativeKernels } from '../../src/native/index.js';
import {
  exp,
  gradCheck,
  gruSequence,
  type GradCheckOptions,
  linear,
  linearSparseSoftmaxCrossEntropy,
  logsumexp,
  lstmSequence,
  matmul,
  relu,
  sigmoid,
  softmax,
  sparseSoftmaxCrossEntropy,
  tanh,
  Tensor,
  transpose,
} from '../../src/tensor/index.js';
import { matmulPath } from '../../src/tensor/kernels/matmul.js';
import { NATIVE_MIN_LENGTH } from '../../src/tensor/kernels/native-unary.js';
import { NATIVE_MIN_COLS } from '../../src/tensor/kernels/softmax.js';
import { Random } from '../../src/util/random.js';

const disabled = process.env.VERBO_NATIVE === '0';
if (disabled)
  console.warn('SKIPPING native gradCheck tests: VERBO_NATIVE=0 (the TypeScript loops are tested instead)');
const random = new Random(77);

function normal(shape: number[], scale = 1): Tensor {
  const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = random.normal(0, scale);
  return new Tensor(data, shape);
}

/** Values at least 0.1 away from relu's kink. */
function awayFromZero(shape: number[]): Tensor {
  const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = (random.next() < 0.5 ? -1 : 1) * random.uniform(0.1, 1.1);
  return new Tensor(data, shape);
}

const smooth: GradCheckOptions = { eps: 1e-3, rtol: 1e-2, atol: 1e-3 };
const piecewiseLinear: GradCheckOptions = { eps: 1e-2, rtol: 1e-3, atol: 1e-4 };

const rows: {
  name: string;
  fn: (...inputs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
  tolerance: GradCheckOptions;
}[] = [
  {
    name: 'matmul [9,10]·[10,8]',
    fn: matmul,
    inputs: () => [normal([9, 10]), normal([10, 8])],
    tolerance: piecewiseLinear,
  },
  {
    name: 'matmul both transposed',
    fn: (a, b) => matmul(transpose(a), transpose(b)),
    inputs: () => [normal([10, 9]), normal([8, 10])],
    tolerance: piecewiseLinear,
  },
  {
    name: 'linear [12,10]·[10,9] + [9]',
    fn: linear,
    inputs: () => [normal([12, 10]), normal([10, 9]), normal([9])],
    tolerance: piecewiseLinear,
  },
  { name: 'sigmoid [8,16]', fn: sigmoid, inputs: () => [normal([8, 16], 2)], tolerance: smooth },
  { name: 'tanh [8,16]', fn: tanh, inputs: () => [normal([8, 16])], tolerance: smooth },
  { name: 'exp [8,16]', fn: exp, inputs: () => [normal([8, 16])], tolerance: smooth },
  { name: 'relu [8,16]', fn: relu, inputs: () => [awayFromZero([8, 16])], tolerance: piecewiseLinear },
  {
    name: 'softmax rows of 40',
    fn: (x) => softmax(x, -1),
    inputs: () => [normal([3, 40])],
    tolerance: smooth,
  },
  {
    name: 'logsumexp rows of 48',
    fn: (x) => logsumexp(x, -1),
    inputs: () => [normal([3, 48], 2)],
    tolerance: smooth,
  },
  {
    name: 'sparseSoftmaxCrossEntropy [4,40]',
    fn: (x) => sparseSoftmaxCrossEntropy(x, Int32Array.from([0, 39, 7, 21])),
    inputs: () => [normal([4, 40], 2)],
    tolerance: smooth,
  },
  {
    name: 'linearSparseSoftmaxCrossEntropy [6,9]·[9,37] transposed weight',
    fn: (x, w, b) =>
      linearSparseSoftmaxCrossEntropy(x, transpose(w), b, Int32Array.from([1, 36, 0, 9, 4, 12]), {
        reduction: 'sum',
      }),
    inputs: () => [normal([6, 9], 0.5), normal([37, 9], 0.5), normal([37])],
    tolerance: smooth,
  },
  {
    name: 'lstmSequence batch 3, 4 steps, 5 units',
    fn: lstmSequence,
    inputs: () => [normal([3, 4, 20], 0.5), normal([3, 5], 0.5), normal([3, 5], 0.5), normal([5, 20], 0.5)],
    tolerance: smooth,
  },
  {
    name: 'gruSequence batch 3, 4 steps, 5 units',
    fn: gruSequence,
    inputs: () => [normal([3, 4, 15], 0.5), normal([3, 5], 0.5), normal([5, 15], 0.5), normal([15], 0.5)],
    tolerance: smooth,
  },
];

describe.skipIf(disabled)(`gradCheck on the native path (${process.env.VERBO_ISA ?? 'best ISA'})`, () => {
  it('takes the native path for these shapes', () => {
    expect(nativeKernels()).not.toBeNull();
    expect(matmulPath(9, 8, 10)).toBe('native');
    expect(8 * 16).toBeGreaterThanOrEqual(NATIVE_MIN_LENGTH);
    expect(40).toBeGreaterThanOrEqual(NATIVE_MIN_COLS);
  });

  for (const row of rows) {
    it(row.name, () => {
      const result = gradCheck(row.fn, row.inputs(), row.tolerance);
      expect(result.ok, result.summary).toBe(true);
    });
  }
});
