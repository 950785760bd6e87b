// Bad input: each error is a ShapeError whose message names the op and the shapes involved, and says
// how to fix the call. The important messages are pinned word for word.
import { describe, expect, it } from 'vitest';
import {
  add,
  clamp,
  concat,
  dropout,
  fromArray,
  gather,
  leakyRelu,
  matmul,
  ones,
  reshape,
  scatterAdd,
  slice,
  softmaxCrossEntropy,
  sparseSoftmaxCrossEntropy,
  stack,
  sum,
  tensor,
  transpose,
  zeros,
} from '../../src/tensor/index.js';
import { ShapeError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as ShapeError).code).toBe('SHAPE');
    return (error as Error).message;
  }
  throw new Error('expected a ShapeError, but nothing was thrown');
}

describe('shape errors', () => {
  const rows: [string, () => unknown, string][] = [
    [
      'matmul inner dimensions, transposable second operand',
      () => matmul(zeros([2, 3]), zeros([2, 3])),
      'matmul: inner dimensions differ: [2, 3] · [2, 3] (3 ≠ 2); did you mean to transpose the second operand?',
    ],
    [
      'matmul inner dimensions, transposable first operand',
      () => matmul(zeros([3, 2]), zeros([3, 4])),
      'matmul: inner dimensions differ: [3, 2] · [3, 4] (2 ≠ 3); did you mean to transpose the first operand?',
    ],
    [
      'matmul inner dimensions, no transpose helps',
      () => matmul(zeros([2, 3]), zeros([4, 5])),
      "matmul: inner dimensions differ: [2, 3] · [4, 5] (3 ≠ 4); the first operand's last dimension must equal the second's second-to-last",
    ],
    [
      'matmul rank',
      () => matmul(zeros([3]), zeros([3, 2])),
      'matmul: expects matrices (rank ≥ 2), got [3] · [3, 2]; reshape a vector v to [1, n] or [n, 1] first',
    ],
    [
      'matmul batch dimensions',
      () => matmul(zeros([2, 3, 4]), zeros([3, 4, 5])),
      'matmul: batch dimensions [2] and [3] of [2, 3, 4] · [3, 4, 5] cannot be broadcast (2 ≠ 3); they must match or be 1',
    ],
    [
      'broadcasting',
      () => add(zeros([2, 3]), zeros([4])),
      'add: shapes [2, 3] and [4] cannot be broadcast together (axis -1: 3 ≠ 4); dimensions must match or be 1',
    ],
    [
      'reshape size',
      () => reshape(zeros([2, 3]), [4, 2]),
      'reshape: cannot view [2, 3] (6 values) as [4, 2] (8 values)',
    ],
    [
      'reshape two unknowns',
      () => reshape(zeros([4]), [-1, -1]),
      'reshape: at most one dimension may be -1, got [-1, -1]',
    ],
    [
      'concat',
      () => concat([zeros([2, 3]), zeros([2, 4])], 0),
      'concat: shapes [2, 3] and [2, 4] differ outside axis 0',
    ],
    ['stack', () => stack([zeros([2]), zeros([3])]), 'stack: shapes [2] and [3] differ'],
    [
      'slice range',
      () => slice(zeros([4, 3]), [0, 2], [4, 5]),
      'slice: range 2..5 is outside axis 1 of shape [4, 3] (size 3)',
    ],
    [
      'gather index',
      () => gather(zeros([3, 2]), Int32Array.from([0, 3])),
      'gather: index 3 at position 1 is out of range for axis 0 of shape [3, 2] (valid: 0..2)',
    ],
    [
      'scatterAdd source shape',
      () => scatterAdd(zeros([4, 2]), Int32Array.from([1, 2]), zeros([3, 2])),
      'scatterAdd: source shape [3, 2] should be [2, 2] (target [4, 2] with axis 0 of size indices.length = 2)',
    ],
    [
      'axis out of range',
      () => sum(zeros([2, 3]), 2),
      'sum: axis 2 is out of range for a tensor of rank 2 (valid: -2..1)',
    ],
    [
      'transpose of a vector',
      () => transpose(zeros([3])),
      'transpose: needs a tensor of rank ≥ 2, got shape [3]; use reshape for vectors',
    ],
    [
      'sparse cross-entropy target count',
      () => sparseSoftmaxCrossEntropy(zeros([3, 5]), Int32Array.from([1, 2])),
      'sparseSoftmaxCrossEntropy: logits [3, 5] have 3 rows but targets has 2 entries (shape [2]); give one class index per row',
    ],
    [
      'sparse cross-entropy target range',
      () => sparseSoftmaxCrossEntropy(zeros([2, 5]), Int32Array.from([1, 5])),
      'sparseSoftmaxCrossEntropy: target 5 at row 1 is out of range for 5 classes (logits [2, 5])',
    ],
    [
      'dense cross-entropy shapes',
      () => softmaxCrossEntropy(zeros([2, 5]), zeros([2, 4])),
      'softmaxCrossEntropy: logits [2, 5] and targets [2, 4] must have the same shape (for class indices use sparseSoftmaxCrossEntropy)',
    ],
    [
      'NaN in dense targets',
      () =>
        softmaxCrossEntropy(
          zeros([2, 2]),
          tensor([
            [0.5, 0.5],
            [Number.NaN, 1],
          ]),
        ),
      'softmaxCrossEntropy: targets (shape [2, 2]) contains NaN at flat index 2',
    ],
    [
      'NaN clamp bound',
      () => clamp(zeros([2]), Number.NaN, 1),
      'clamp: need low ≤ high (both numbers), got low=NaN, high=1',
    ],
    [
      'NaN dropout rate',
      () => dropout(zeros([2]), Number.NaN, new Random(1), true),
      'dropout: rate must be in [0, 1), got NaN',
    ],
    [
      'NaN leakyRelu slope',
      () => leakyRelu(zeros([2]), Number.NaN),
      'leakyRelu: alpha must be a finite number, got NaN',
    ],
    [
      'ragged nested array',
      () => tensor([[1, 2], [3]]),
      'tensor: ragged nested array at [1]: expected 2 entries like the first, got 1',
    ],
    [
      'fromArray size',
      () => fromArray([1, 2, 3], [2, 2]),
      'fromArray: 3 values do not fill shape [2, 2] (4 values)',
    ],
    ['item of many', () => ones([2]).item(), 'item: expected a tensor with one element, got shape [2]'],
  ];

  it.each(rows)('%s', (_, fn, message) => {
    expect(messageOf(fn)).toBe(message);
  });
});
