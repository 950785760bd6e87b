// Reductions over axes, with keepdims. Primitives: sum (any set of axes) and max (one axis; several
// axes are reduced one after another). Built from them: mean, min, logsumexp. argmax returns
// indices and carries no gradient.
//
// Backward rules: sum → the gradient broadcast back over the reduced axes (a stride-0 view, no
// copy); max → the gradient routed to the first position that attained the maximum.
//   logsumexp(x) = m + log Σ e^(x − m) with m = max(x) held constant (detached): the value does not
//   depend on m mathematically, so the gradient is still softmax(x), and e^(x − m) ≤ 1 never overflows.
import { ShapeError } from '../../util/errors.js';
import { apply, type Primitive } from '../autograd.js';
import { maxAxis, maxAxisBackward, sumAxis } from '../kernels/index.js';
import { formatShape, normalizeAxes, normalizeAxis, reducedShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { dense } from './broadcast.js';
import { add, exp, log, mul, neg, sub } from './elementwise.js';
import { expand, reshape } from './movement.js';

const sumOp: Primitive<'sum'> = {
  name: 'sum',
  forward: ([input], { axes, keepdims }) => {
    // Reducing no axes still returns fresh storage, like every reduction.
    let x = axes.length === 0 ? new Tensor(input!.toFloat32Array(), input!.shape) : dense(input!);
    const shape = [...x.shape];
    // Reduce runs of adjacent axes, last run first, each as one [outer, size, inner] pass.
    let end = axes.length - 1;
    while (end >= 0) {
      let start = end;
      while (start > 0 && axes[start - 1] === axes[start]! - 1) start--;
      const first = axes[start]!;
      const last = axes[end]!;
      const outer = sizeOf(shape.slice(0, first));
      const size = sizeOf(shape.slice(first, last + 1));
      const inner = sizeOf(shape.slice(last + 1));
      const out = new Float32Array(outer * inner);
      if (size > 0) sumAxis(x.data, x.offset, outer, size, inner, out, 0);
      for (let axis = first; axis <= last; axis++) shape[axis] = 1;
      x = new Tensor(out, shape);
      end = start - 1;
    }
    return {
      output: new Tensor(x.data, reducedShape(input!.shape, axes, keepdims), undefined, x.offset),
      saved: undefined,
    };
  },
  backward: (g, { inputs: [x], params: { axes } }) => {
    const kept = reducedShape(x!.shape, axes, true);
    return [expand(reshape(g, kept), x!.shape)];
  },
};

const maxOp: Primitive<'max', Int32Array> = {
  name: 'max',
  forward: ([input], { axis, keepdims }) => {
    const x = dense(input!);
    const outer = sizeOf(x.shape.slice(0, axis));
    const size = x.shape[axis]!;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const out = new Float32Array(outer * inner);
    const argmax = new Int32Array(outer * inner);
    maxAxis(x.data, x.offset, outer, size, inner, out, 0, argmax, 0);
    return { output: new Tensor(out, reducedShape(x.shape, [axis], keepdims)), saved: argmax };
  },
  backward: (grad, { inputs: [x], params: { axis }, saved: argmax }) => {
    const g = dense(grad);
    const outer = sizeOf(x!.shape.slice(0, axis));
    const size = x!.shape[axis]!;
    const inner = sizeOf(x!.shape.slice(axis + 1));
    const dx = new Float32Array(x!.size);
    maxAxisBackward(g.data, g.offset, argmax, outer, size, inner, dx, 0);
    return [new Tensor(dx, x!.shape)];
  },
};

/** The primitives defined in this file (see primitives.ts). */
export const reducePrimitives = { sum: sumOp, max: maxOp };

/** Axes to reduce: a number, a list, or undefined for all. */
export type Axes = number | readonly number[] | undefined;

/** Σ over `axes` (all by default); keepdims leaves the reduced axes as size 1. */
export function sum(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  return apply(sumOp, [x], { axes: normalizeAxes('sum', axes, x.rank), keepdims });
}

/** The average over `axes` (all by default) = sum / count. */
export function mean(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const resolved = normalizeAxes('mean', axes, x.rank);
  const count = resolved.reduce((n, a) => n * x.shape[a]!, 1);
  if (count === 0) throw new ShapeError(`mean: nothing to average over in shape ${formatShape(x.shape)}`);
  return mul(sum(x, resolved, keepdims), 1 / count);
}

/** The maximum over `axes` (all by default); its gradient goes to the first maximal entry. */
export function max(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const resolved = normalizeAxes('max', axes, x.rank);
  for (const axis of resolved) {
    if (x.shape[axis] === 0) {
      throw new ShapeError(
        `max: axis ${axis} of shape ${formatShape(x.shape)} is empty; the maximum is undefined`,
      );
    }
  }
  let result = x;
  for (let i = resolved.length - 1; i >= 0; i--) {
    result = apply(maxOp, [result], { axis: resolved[i]!, keepdims: true });
  }
  if (resolved.length === 0) result = add(x, 0); // nothing to reduce: still fresh storage
  return keepdims ? result : reshape(result, reducedShape(x.shape, resolved, false));
}

/** The minimum over `axes`: −max(−x). */
export function min(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  return neg(max(neg(x), axes, keepdims));
}

/**
 * The index of the maximum along `axis` (the first on ties), as a tensor of integer values; with no
 * axis, the flat row-major index over all elements. No gradient.
 */
export function argmax(x: Tensor, axis?: number, keepdims = false): Tensor {
  const flat = axis === undefined;
  const source = dense(x);
  const shape = flat ? [source.size] : source.shape;
  const resolved = flat ? 0 : normalizeAxis('argmax', axis, x.rank);
  if (shape[resolved] === 0)
    throw new ShapeError(`argmax: axis ${axis ?? 0} of shape ${formatShape(x.shape)} is empty`);
  const outer = sizeOf(shape.slice(0, resolved));
  const inner = sizeOf(shape.slice(resolved + 1));
  const values = new Float32Array(outer * inner);
  const indices = new Int32Array(outer * inner);
  maxAxis(source.data, source.offset, outer, shape[resolved]!, inner, values, 0, indices, 0);
  const outShape = flat
    ? keepdims
      ? x.shape.map(() => 1)
      : []
    : reducedShape(x.shape, [resolved], keepdims);
  return new Tensor(Float32Array.from(indices), outShape);
}

/**
 * The constant a stable log-sum-exp shifts by: max(x) over `axes` (kept as size 1), detached, with
 * infinite maxima (rows of all −∞, or a +∞) replaced by 0 so x − shift stays meaningful.
 */
export function stableShift(x: Tensor, axes: readonly number[]): Tensor {
  const peak = dense(max(x, axes, true).detach());
  const shift = new Float32Array(peak.size);
  for (let i = 0; i < shift.length; i++) {
    const v = peak.data[peak.offset + i]!;
    shift[i] = Number.isFinite(v) ? v : 0;
  }
  return new Tensor(shift, peak.shape);
}

/** log Σ eˣ over `axes` (all by default), stable for large |x| (see the header). */
export function logsumexp(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const resolved = normalizeAxes('logsumexp', axes, x.rank);
  const m = stableShift(x, resolved);
  const result = add(log(sum(exp(sub(x, m)), resolved, true)), m);
  return keepdims ? result : reshape(result, reducedShape(x.shape, resolved, false));
}
