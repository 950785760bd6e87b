// Fused softmax cross-entropy losses, each one primitive with its own backward (the composed form
// −Σ t · logSoftmax(x) is the test oracle). Fusing pays at language-model sizes: the forward keeps one
// log-sum-exp per row instead of a [rows, classes] probability matrix, and the backward is a single
// pass:  d loss_r / d x[r, c] = p[r, c] · Σ_c t[r, c] − t[r, c]   (p = softmax(x[r])),
// which for one-hot (sparse) targets is p − onehot. Logits are [rows, classes], or [..., classes]
// with the leading axes taken as rows.
// linearSparseSoftmaxCrossEntropy also fuses the output layer in front of the loss (x · W + b, then the
// sparse loss), for a language model whose [rows, vocabulary] logits feed nothing but the loss.
import { ShapeError } from '../../util/errors.js';
import { ACCUMULATED, apply, isGradEnabled, type Primitive, type Reduction } from '../autograd.js';
import {
  denseCrossEntropyBackward,
  denseCrossEntropyRows,
  type LinearCrossEntropySaved,
  linearCrossEntropyBackward,
  linearCrossEntropyForward,
  logSumExpRows,
  sparseCrossEntropyBackward,
  sparseCrossEntropyRows,
} from '../kernels/index.js';
import { formatShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { dense } from './broadcast.js';
import { assertNoNaN } from './elementwise.js';
import { operand } from './linalg.js';

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

interface LinearSaved {
  kernel: LinearCrossEntropySaved;
  rows: number;
}

/**
 * loss = Σ_r (lse_r − z[r, t_r]) (or its mean) with z = x · W + b: the output layer and the sparse loss
 * as one op, so the [rows, n] logits never become a tensor (linear-cross-entropy.ts keeps them in one
 * reused buffer from forward to backward, worked on in place by the native kernel). Backward, with G = g_r · (softmax(z) − onehot):
 *   dX = G · Wᵀ    dW = Xᵀ · G    db = Σ_rows G
 * adding dX and dW into the engine's buffers when the input already has a gradient (as linear does).
 */
const linearSparseOp: Primitive<'linearSparseSoftmaxCrossEntropy', LinearSaved> = {
  name: 'linearSparseSoftmaxCrossEntropy',
  forward: (inputs, { targets, reduction }) => {
    const [input, weight, bias] = inputs;
    const x = dense(input!);
    const w = operand(weight!);
    const b = dense(bias!);
    const k = w.rows;
    const n = w.cols;
    const rows = targets.length;
    const W = w.tensor;
    const { total, saved } = linearCrossEntropyForward(
      {
        x: x.data.subarray(x.offset, x.offset + rows * k),
        w: W.data.subarray(W.offset, W.offset + k * n),
        wTransposed: w.transposed,
        bias: b.data.subarray(b.offset, b.offset + n),
        targets,
        rows,
        k,
        n,
      },
      isGradEnabled() && inputs.some((t) => t.requiresGrad),
    );
    return {
      output: new Tensor(Float32Array.of(reduction === 'mean' ? total / rows : total), []),
      saved: { kernel: saved!, rows },
    };
  },
  acceptsAccumulators: true,
  backward: (
    grad,
    { inputs: [input, weight, bias], params: { reduction }, saved },
    [intoX, intoW, intoB],
  ) => {
    const { rows } = saved;
    const dX = input!.requiresGrad ? (intoX ?? new Float32Array(input!.size)) : null;
    const dW = weight!.requiresGrad ? (intoW ?? new Float32Array(weight!.size)) : null;
    const dB = bias!.requiresGrad ? new Float32Array(bias!.size) : null;
    const upstream = grad.item();
    linearCrossEntropyBackward(saved.kernel, reduction === 'mean' ? upstream / rows : upstream, {
      dx: dX,
      accumulateX: dX !== null && dX === intoX,
      dw: dW,
      accumulateW: dW !== null && dW === intoW,
      db: dB,
    });
    if (dB && intoB) for (let j = 0; j < dB.length; j++) intoB[j]! += dB[j]!;
    return [
      dX === null ? null : dX === intoX ? ACCUMULATED : new Tensor(dX, input!.shape),
      dW === null ? null : dW === intoW ? ACCUMULATED : new Tensor(dW, weight!.shape),
      dB === null ? null : intoB ? ACCUMULATED : new Tensor(dB, bias!.shape),
    ];
  },
};

/** The primitives defined in this file (see primitives.ts). */
export const lossPrimitives = {
  softmaxCrossEntropy: denseOp,
  sparseSoftmaxCrossEntropy: sparseOp,
  linearSparseSoftmaxCrossEntropy: linearSparseOp,
};

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
 * sparseSoftmaxCrossEntropy(linear(x, w, b), targets, options) as one op, for x [..., k], w [k, n] (a
 * transposed view such as transpose(embedding) is fine), b [n] and one class index per row of x in
 * targets; reduction 'mean' (default) or 'sum'. Same value and gradients (to float32 rounding), but the
 * logits are never materialised as a tensor: use it where they feed only the loss (training, perplexity).
 */
export function linearSparseSoftmaxCrossEntropy(
  x: Tensor,
  w: Tensor,
  b: Tensor,
  targets: Int32Array,
  options: CrossEntropyOptions = {},
): Tensor {
  const op = 'linearSparseSoftmaxCrossEntropy';
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum') {
    throw new ShapeError(
      `${op}: reduction must be 'mean' or 'sum', got '${reduction}'; for per-row losses use ` +
        `sparseSoftmaxCrossEntropy(linear(x, w, b), targets, { reduction: 'none' })`,
    );
  }
  const k = x.shape[x.rank - 1];
  if (x.rank < 1 || w.rank !== 2 || b.rank !== 1 || w.shape[0] !== k || b.shape[0] !== w.shape[1]) {
    throw new ShapeError(
      `${op}: expects x [..., k], w [k, n] and b [n], got ${formatShape(x.shape)}, ${formatShape(w.shape)} ` +
        `and ${formatShape(b.shape)}; the last dimension of x must equal w's first, and b's length w's second`,
    );
  }
  const classes = w.shape[1]!;
  if (classes === 0) {
    throw new ShapeError(
      `${op}: w ${formatShape(w.shape)} has no classes (columns); give w [k, n] with n ≥ 1`,
    );
  }
  if (!(targets instanceof Int32Array))
    throw new ShapeError(`${op}: targets must be an Int32Array of class indices`);
  const rowCount = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  if (targets.length !== rowCount) {
    throw new ShapeError(
      `${op}: x ${formatShape(x.shape)} has ${rowCount} rows but targets has ${targets.length} entries ` +
        `(shape [${targets.length}]); give one class index per row of x`,
    );
  }
  for (let r = 0; r < rowCount; r++) {
    const t = targets[r]!;
    if (t < 0 || t >= classes) {
      throw new ShapeError(
        `${op}: target ${t} at row ${r} is out of range for ${classes} classes (w ${formatShape(w.shape)})`,
      );
    }
  }
  if (rowCount === 0 && reduction === 'mean')
    throw new ShapeError(`${op}: no rows to average over (x ${formatShape(x.shape)})`);
  return apply(linearSparseOp, [x, w, b], { targets, reduction });
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
