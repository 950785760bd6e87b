// Fused softmax cross-entropy losses, each one primitive with its own backward (the composed form
// −Σ t · logSoftmax(x) is the test oracle). Fusing pays at language-model sizes: the forward keeps one
// log-sum-exp per row instead of a [rows, classes] probability matrix, and the backward is a single
// pass:  d loss_r / d x[r, c] = p[r, c] · Σ_c t[r, c] − t[r, c]   (p = softmax(x[r])),
// which for one-hot (sparse) targets is p − onehot. Logits are [rows, classes], or [..., classes]
// with the leading axes taken as rows.
import { ShapeError } from '../../util/errors.js';
import { apply, type Primitive, type Reduction } from '../autograd.js';
import {
  denseCrossEntropyBackward,
  denseCrossEntropyRows,
  logSumExpRows,
  sparseCrossEntropyBackward,
  sparseCrossEntropyRows,
} from '../kernels/index.js';
import { formatShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { dense } from './broadcast.js';
import { assertNoNaN } from './elementwise.js';

export interface CrossEntropyOptions {
  /** 'mean' over rows (default), 'sum', or 'none' (one loss per row, shape = logits.shape without the last axis). */
  reduction?: Reduction;
}

/** Reduces per-row losses (float64) to the op's output. */
function reduceRows(losses: Float64Array, rowShape: readonly number[], reduction: Reduction): Tensor {
  if (reduction === 'none') return new Tensor(Float32Array.from(losses), rowShape);
  let total = 0;
  for (let r = 0; r < losses.length; r++) total += losses[r]!;
  return new Tensor(Float32Array.of(reduction === 'mean' ? total / losses.length : total), []);
}

/** The gradient reaching each row's loss, from the gradient of the reduced output. */
function rowGradients(grad: Tensor, rows: number, reduction: Reduction): Float64Array {
  const out = new Float64Array(rows);
  if (reduction === 'none') {
    const g = dense(grad);
    for (let r = 0; r < rows; r++) out[r] = g.data[g.offset + r]!;
  } else out.fill(reduction === 'mean' ? grad.item() / rows : grad.item());
  return out;
}

interface Saved {
  lse: Float64Array;
  logits: Tensor;
}

const sparseOp: Primitive<'sparseSoftmaxCrossEntropy', Saved> = {
  name: 'sparseSoftmaxCrossEntropy',
  forward: ([input], { targets, reduction }) => {
    const logits = dense(input!);
    const classes = logits.shape[logits.rank - 1]!;
    const rows = targets.length;
    const lse = new Float64Array(rows);
    const losses = new Float64Array(rows);
    logSumExpRows(logits.data, logits.offset, rows, classes, lse);
    sparseCrossEntropyRows(logits.data, logits.offset, rows, classes, targets, lse, losses);
    return { output: reduceRows(losses, logits.shape.slice(0, -1), reduction), saved: { lse, logits } };
  },
  backward: (grad, { params: { targets, reduction }, saved: { lse, logits } }) => {
    const classes = logits.shape[logits.rank - 1]!;
    const rows = targets.length;
    const dx = new Float32Array(logits.size);
    const rowGrad = rowGradients(grad, rows, reduction);
    sparseCrossEntropyBackward(logits.data, logits.offset, rows, classes, targets, lse, rowGrad, dx);
    return [new Tensor(dx, logits.shape)];
  },
};

interface DenseSaved extends Saved {
  targets: Tensor;
}

const denseOp: Primitive<'softmaxCrossEntropy', DenseSaved> = {
  name: 'softmaxCrossEntropy',
  forward: ([input, target], { reduction }) => {
    const logits = dense(input!);
    const targets = dense(target!);
    const classes = logits.shape[logits.rank - 1]!;
    const rows = classes === 0 ? 0 : logits.size / classes;
    const lse = new Float64Array(rows);
    const losses = new Float64Array(rows);
    logSumExpRows(logits.data, logits.offset, rows, classes, lse);
    denseCrossEntropyRows(
      logits.data,
      logits.offset,
      targets.data,
      targets.offset,
      rows,
      classes,
      lse,
      losses,
    );
    return {
      output: reduceRows(losses, logits.shape.slice(0, -1), reduction),
      saved: { lse, logits, targets },
    };
  },
  backward: (grad, { inputs: [input, target], params: { reduction }, saved: { lse, logits, targets } }) => {
    const classes = logits.shape[logits.rank - 1]!;
    const rows = lse.length;
    const dx = input!.requiresGrad ? new Float32Array(logits.size) : null;
    const dt = target!.requiresGrad ? new Float32Array(logits.size) : null;
    const rowGrad = rowGradients(grad, rows, reduction);
    denseCrossEntropyBackward(
      logits.data,
      logits.offset,
      targets.data,
      targets.offset,
      rows,
      classes,
      lse,
      rowGrad,
      dx,
      dt,
    );
    return [dx ? new Tensor(dx, logits.shape) : null, dt ? new Tensor(dt, logits.shape) : null];
  },
};

/** The primitives defined in this file (see primitives.ts). */
export const lossPrimitives = { softmaxCrossEntropy: denseOp, sparseSoftmaxCrossEntropy: sparseOp };

function checkLogits(op: string, logits: Tensor): void {
  if (logits.rank < 1 || logits.shape[logits.rank - 1] === 0) {
    throw new ShapeError(
      `${op}: logits must have a non-empty last (class) axis, got shape ${formatShape(logits.shape)}`,
    );
  }
}

function checkReduction(op: string, reduction: Reduction): void {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ShapeError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  }
}

/**
 * Cross-entropy of softmax(logits) against integer class targets (one per row):
 * loss_r = logsumexp(x[r]) − x[r, targets[r]]. logits [rows, classes] (or [..., classes]); targets
 * an Int32Array of length rows. Gradients flow to the logits.
 */
export function sparseSoftmaxCrossEntropy(
  logits: Tensor,
  targets: Int32Array,
  options: CrossEntropyOptions = {},
): Tensor {
  const op = 'sparseSoftmaxCrossEntropy';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkLogits(op, logits);
  if (!(targets instanceof Int32Array))
    throw new ShapeError(`${op}: targets must be an Int32Array of class indices`);
  const classes = logits.shape[logits.rank - 1]!;
  const rows = logits.size / classes;
  if (targets.length !== rows) {
    throw new ShapeError(
      `${op}: logits ${formatShape(logits.shape)} have ${rows} rows but targets has ${targets.length} entries ` +
        `(shape [${targets.length}]); give one class index per row`,
    );
  }
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    if (t < 0 || t >= classes) {
      throw new ShapeError(
        `${op}: target ${t} at row ${r} is out of range for ${classes} classes (logits ${formatShape(logits.shape)})`,
      );
    }
  }
  if (rows === 0 && reduction === 'mean')
    throw new ShapeError(`${op}: no rows to average over (logits ${formatShape(logits.shape)})`);
  return apply(sparseOp, [logits], { targets, reduction });
}

/**
 * Cross-entropy of softmax(logits) against dense target distributions of the same shape:
 * loss_r = −Σ_c t[r, c] · log softmax(x[r])_c. Gradients flow to the logits and (if they require
 * them) the targets. Targets must not contain NaN.
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  targets: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  const op = 'softmaxCrossEntropy';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkLogits(op, logits);
  if (!sameShape(logits.shape, targets.shape)) {
    throw new ShapeError(
      `${op}: logits ${formatShape(logits.shape)} and targets ${formatShape(targets.shape)} must have the same shape ` +
        '(for class indices use sparseSoftmaxCrossEntropy)',
    );
  }
  assertNoNaN(op, 'targets', targets);
  if (logits.size === 0 && reduction === 'mean')
    throw new ShapeError(`${op}: no rows to average over (logits ${formatShape(logits.shape)})`);
  return apply(denseOp, [logits, targets], { reduction });
}
