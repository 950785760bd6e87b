// Ops that move or select elements without arithmetic. Views (share storage, O(1)): reshape of a
// contiguous tensor, permute/transpose, expand, slice/narrow. Copies: reshape of a strided tensor,
// concat/stack, gather, scatterAdd. Primitives: reshape, permute, expand, slice, concat, gather,
// scatterAdd (and contiguous, in tensor.ts). Built from them: transpose, narrow, stack, squeeze,
// unsqueeze, flatten.
//
// Backward rules: reshape → reshape back; permute → inverse permutation; expand → sum over the
// broadcast axes; slice → the gradient placed in a zero tensor (a RegionGrad, which backward adds
// into one buffer in place); concat → slices of the gradient;
// gather → scatter-add of the gradient (repeated indices accumulate); scatterAdd → the gradient to
// the target, and its gather to the source.
import { ShapeError } from '../../util/errors.js';
import { ACCUMULATED, apply, type Primitive, RegionGrad } from '../autograd.js';
import { copyStrided, gatherAxis, scatterAddAxis } from '../kernels/index.js';
import {
  broadcastShapes,
  contiguousStrides,
  formatShape,
  normalizeAxis,
  sameShape,
  type Shape,
  sizeOf,
} from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastStrides, dense, sumToShape } from './broadcast.js';

const reshapeOp: Primitive<'reshape'> = {
  name: 'reshape',
  forward: ([x], { shape }) => {
    const source = dense(x!);
    return { output: new Tensor(source.data, shape, undefined, source.offset), saved: undefined };
  },
  backward: (g, { inputs: [x] }) => [reshape(g, x!.shape)],
};

const permuteOp: Primitive<'permute'> = {
  name: 'permute',
  forward: ([x], { axes }) => ({
    output: new Tensor(
      x!.data,
      axes.map((a) => x!.shape[a]!),
      axes.map((a) => x!.strides[a]!),
      x!.offset,
    ),
    saved: undefined,
  }),
  backward: (g, { params: { axes } }) => {
    const inverse = new Array<number>(axes.length);
    axes.forEach((a, i) => {
      inverse[a] = i;
    });
    return [permute(g, inverse)];
  },
};

const expandOp: Primitive<'expand'> = {
  name: 'expand',
  forward: ([x], { shape }) => ({
    output: new Tensor(x!.data, shape, broadcastStrides(x!, shape), x!.offset),
    saved: undefined,
  }),
  backward: (g, { inputs: [x] }) => [sumToShape(g, x!.shape)],
};

const sliceOp: Primitive<'slice'> = {
  name: 'slice',
  forward: ([x], { starts, ends }) => {
    let offset = x!.offset;
    for (let axis = 0; axis < starts.length; axis++) offset += starts[axis]! * x!.strides[axis]!;
    const shape = starts.map((s, axis) => ends[axis]! - s);
    return { output: new Tensor(x!.data, shape, x!.strides, offset), saved: undefined };
  },
  backward: (g, { inputs: [x], params: { starts } }) => [new RegionGrad(x!.shape, starts, g)],
};

const concatOp: Primitive<'concat'> = {
  name: 'concat',
  forward: (inputs, { axis }) => {
    const shape = [...inputs[0]!.shape];
    shape[axis] = inputs.reduce((n, t) => n + t.shape[axis]!, 0);
    const out = new Float32Array(sizeOf(shape));
    const strides = contiguousStrides(shape);
    let offset = 0;
    for (const t of inputs) {
      copyStrided(t.data, t.offset, t.strides, out, offset, strides, t.shape);
      offset += t.shape[axis]! * strides[axis]!;
    }
    return { output: new Tensor(out, shape), saved: undefined };
  },
  backward: (g, { inputs, params: { axis } }) => {
    let start = 0;
    return inputs.map((t) => {
      const piece = t.requiresGrad ? narrow(g, axis, start, t.shape[axis]!) : null;
      start += t.shape[axis]!;
      return piece;
    });
  },
};

/** Views x as [outer, x.shape[axis], inner] around `axis`. */
function aroundAxis(shape: Shape, axis: number): { outer: number; size: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), size: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

const gatherOp: Primitive<'gather'> = {
  name: 'gather',
  forward: ([input], { indices, axis }) => {
    const x = dense(input!);
    const { outer, size, inner } = aroundAxis(x.shape, axis);
    const shape = [...x.shape];
    shape[axis] = indices.length;
    const out = new Float32Array(sizeOf(shape));
    gatherAxis(x.data, x.offset, outer, size, inner, indices, out, 0);
    return { output: new Tensor(out, shape), saved: undefined };
  },
  // The rows add into the engine's buffer when the input already has one (an embedding's recycled
  // gradient, or a tied embedding's other use).
  acceptsAccumulators: true,
  backward: (grad, { inputs: [x], params: { indices, axis } }, [into]) => {
    const g = dense(grad);
    const { outer, size, inner } = aroundAxis(x!.shape, axis);
    const dx = into ?? new Float32Array(x!.size);
    scatterAddAxis(dx, 0, outer, size, inner, indices, g.data, g.offset);
    return [dx === into ? ACCUMULATED : new Tensor(dx, x!.shape)];
  },
};

const scatterAddOp: Primitive<'scatterAdd'> = {
  name: 'scatterAdd',
  forward: ([target, source], { indices, axis }) => {
    const out = target!.toFloat32Array();
    const src = dense(source!);
    const { outer, size, inner } = aroundAxis(target!.shape, axis);
    scatterAddAxis(out, 0, outer, size, inner, indices, src.data, src.offset);
    return { output: new Tensor(out, target!.shape), saved: undefined };
  },
  backward: (g, { inputs: [target, source], params: { indices, axis } }) => [
    target!.requiresGrad ? g : null,
    source!.requiresGrad ? gather(g, indices, axis) : null,
  ],
};

/** The primitives defined in this file (see primitives.ts). */
export const movementPrimitives = {
  reshape: reshapeOp,
  permute: permuteOp,
  expand: expandOp,
  slice: sliceOp,
  concat: concatOp,
  gather: gatherOp,
  scatterAdd: scatterAddOp,
};

// ---- public ops --------------------------------------------------------------------------------

/**
 * The same elements in a new shape (row-major order); one dimension may be −1 (inferred).
 * A view when x is contiguous, a copy otherwise.
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const resolved = [...shape];
  const unknown = resolved.indexOf(-1);
  if (unknown !== resolved.lastIndexOf(-1)) {
    throw new ShapeError(`reshape: at most one dimension may be -1, got ${formatShape(shape)}`);
  }
  if (unknown >= 0) {
    const known = sizeOf(resolved.filter((d) => d !== -1));
    resolved[unknown] = known === 0 ? 0 : x.size / known;
  }
  if (resolved.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(resolved) !== x.size) {
    throw new ShapeError(
      `reshape: cannot view ${formatShape(x.shape)} (${x.size} values) as ${formatShape(shape)}` +
        (unknown >= 0 ? '' : ` (${sizeOf(resolved)} values)`),
    );
  }
  return apply(reshapeOp, [x], { shape: resolved });
}

/** A view with the axes reordered: result.shape[i] = x.shape[axes[i]]. */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const resolved = axes.map((a) => normalizeAxis('permute', a, x.rank));
  if (resolved.length !== x.rank || new Set(resolved).size !== x.rank) {
    throw new ShapeError(
      `permute: axes [${axes.join(', ')}] are not a permutation of the ${x.rank} axes of ${formatShape(x.shape)}`,
    );
  }
  return apply(permuteOp, [x], { axes: resolved });
}

/** A view with two axes swapped (default: the last two, i.e. the matrix transpose). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.rank < 2) {
    throw new ShapeError(
      `transpose: needs a tensor of rank ≥ 2, got shape ${formatShape(x.shape)}; use reshape for vectors`,
    );
  }
  const a = normalizeAxis('transpose', axis0, x.rank);
  const b = normalizeAxis('transpose', axis1, x.rank);
  const axes = Array.from({ length: x.rank }, (_, i) => i);
  axes[a] = b;
  axes[b] = a;
  return permute(x, axes);
}

/** A broadcast view of x with the given shape (stride 0 along repeated axes; no copy). */
export function expand(x: Tensor, shape: Shape): Tensor {
  const result = broadcastShapes('expand', x.shape, shape);
  if (!sameShape(result, shape)) {
    throw new ShapeError(`expand: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  return apply(expandOp, [x], { shape: [...shape] });
}

/**
 * The block starts[i] ≤ index < ends[i] on each axis (a view). Missing trailing axes are taken
 * whole; negative positions count from the end of the axis.
 */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[]): Tensor {
  if (starts.length > x.rank || ends.length > x.rank) {
    throw new ShapeError(
      `slice: got ${Math.max(starts.length, ends.length)} positions for a tensor of shape ${formatShape(x.shape)}`,
    );
  }
  const from: number[] = [];
  const to: number[] = [];
  for (let axis = 0; axis < x.rank; axis++) {
    const dim = x.shape[axis]!;
    const s = starts[axis] ?? 0;
    const e = ends[axis] ?? dim;
    const start = s < 0 ? s + dim : s;
    const end = e < 0 ? e + dim : e;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > dim || start > end) {
      throw new ShapeError(
        `slice: range ${s}..${e} is outside axis ${axis} of shape ${formatShape(x.shape)} (size ${dim})`,
      );
    }
    from.push(start);
    to.push(end);
  }
  return apply(sliceOp, [x], { starts: from, ends: to });
}

/** `length` entries from `start` along one axis (a view), e.g. one gate out of an LSTM's [batch, 4·hidden]. */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const resolved = normalizeAxis('narrow', axis, x.rank);
  const starts = x.shape.map((_, i) => (i === resolved ? start : 0));
  const ends = x.shape.map((d, i) => (i === resolved ? start + length : d));
  return slice(x, starts, ends);
}

/** Joins tensors along an existing axis; all other dimensions must match. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('concat: needs at least one tensor');
  const first = tensors[0]!;
  const resolved = normalizeAxis('concat', axis, first.rank);
  for (const t of tensors) {
    const ok = t.rank === first.rank && t.shape.every((d, i) => i === resolved || d === first.shape[i]);
    if (!ok) {
      throw new ShapeError(
        `concat: shapes ${formatShape(first.shape)} and ${formatShape(t.shape)} differ outside axis ${axis}`,
      );
    }
  }
  return apply(concatOp, tensors, { axis: resolved });
}

/** Joins same-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('stack: needs at least one tensor');
  const first = tensors[0]!;
  for (const t of tensors) {
    if (!sameShape(t.shape, first.shape)) {
      throw new ShapeError(`stack: shapes ${formatShape(first.shape)} and ${formatShape(t.shape)} differ`);
    }
  }
  const resolved = normalizeAxis('stack', axis, first.rank + 1);
  return concat(
    tensors.map((t) => unsqueeze(t, resolved)),
    resolved,
  );
}

/** Inserts a size-1 axis at `axis` (a view for contiguous x). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const resolved = normalizeAxis('unsqueeze', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(resolved, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 axes (all of them, or the one given). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const resolved = normalizeAxis('squeeze', axis, x.rank);
  if (x.shape[resolved] !== 1) {
    throw new ShapeError(
      `squeeze: axis ${axis} of shape ${formatShape(x.shape)} has size ${x.shape[resolved]}, not 1`,
    );
  }
  return reshape(
    x,
    x.shape.filter((_, i) => i !== resolved),
  );
}

function checkIndices(op: string, indices: Int32Array, size: number, shape: Shape, axis: number): void {
  if (!(indices instanceof Int32Array)) {
    throw new ShapeError(`${op}: indices must be an Int32Array (e.g. Int32Array.from(ids))`);
  }
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (index < 0 || index >= size) {
      throw new ShapeError(
        `${op}: index ${index} at position ${i} is out of range for axis ${axis} of shape ${formatShape(shape)} (valid: 0..${size - 1})`,
      );
    }
  }
}

/**
 * Picks entries along `axis` by index: result.shape = x.shape with shape[axis] = indices.length.
 * With axis 0 on a [vocab, dim] table this is the embedding lookup → [indices.length, dim].
 */
export function gather(x: Tensor, indices: Int32Array, axis = 0): Tensor {
  const resolved = normalizeAxis('gather', axis, x.rank);
  checkIndices('gather', indices, x.shape[resolved]!, x.shape, resolved);
  return apply(gatherOp, [x], { indices, axis: resolved });
}

/**
 * A copy of `target` with source's slices added at the given indices along `axis` (repeated indices
 * add up). source.shape = target.shape with shape[axis] = indices.length.
 */
export function scatterAdd(target: Tensor, indices: Int32Array, source: Tensor, axis = 0): Tensor {
  const resolved = normalizeAxis('scatterAdd', axis, target.rank);
  checkIndices('scatterAdd', indices, target.shape[resolved]!, target.shape, resolved);
  const expected = [...target.shape];
  expected[resolved] = indices.length;
  if (!sameShape(source.shape, expected)) {
    throw new ShapeError(
      `scatterAdd: source shape ${formatShape(source.shape)} should be ${formatShape(expected)} ` +
        `(target ${formatShape(target.shape)} with axis ${axis} of size indices.length = ${indices.length})`,
    );
  }
  return apply(scatterAddOp, [target, source], { indices, axis: resolved });
}

/** Collapses all axes into one (a view for contiguous x). */
export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.size]);
}
