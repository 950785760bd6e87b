// Shape arithmetic shared by the tensor ops: sizes, row-major strides, broadcasting (NumPy rules),
// axis normalisation, and the formatting used in ShapeError messages ("[2, 3]").
import { ShapeError } from '../util/errors.js';

export type Shape = readonly number[];

/** "[2, 3]" — the form every shape error uses. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements: the product of the dimensions (1 for a scalar's []). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Row-major (C order) strides: the last axis moves fastest. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis]!;
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks that a shape is a list of non-negative integers. */
export function checkShape(op: string, shape: Shape): void {
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new ShapeError(
        `${op}: invalid shape ${formatShape(shape)}; dimensions must be non-negative integers`,
      );
    }
  }
}

/**
 * The broadcast shape of several operands (NumPy rules): shapes are aligned on the right and each
 * dimension must be equal or 1. Throws a ShapeError naming the op and every shape otherwise.
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  if (shapes.length === 2 && sameShape(shapes[0]!, shapes[1]!)) return shapes[0]!.slice();
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) {
      const axis = rank - shape.length + i;
      const dim = shape[i]!;
      if (dim === out[axis] || dim === 1) continue;
      if (out[axis] === 1) {
        out[axis] = dim;
        continue;
      }
      throw new ShapeError(
        `${op}: shapes ${shapes.map(formatShape).join(' and ')} cannot be broadcast together ` +
          `(axis ${axis - rank}: ${out[axis]} ≠ ${dim}); dimensions must match or be 1`,
      );
    }
  }
  // An operand of size 0 along an axis forces 0 there (broadcasting 1 → 0 is allowed).
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) if (shape[i] === 0) out[rank - shape.length + i] = 0;
  }
  return out;
}

/** Resolves a possibly negative axis against a rank, or throws naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || resolved < 0 || resolved >= rank) {
    throw new ShapeError(
      `${op}: axis ${axis} is out of range for a tensor of rank ${rank} (valid: ${-rank}..${rank - 1})`,
    );
  }
  return resolved;
}

/** Sorted, de-duplicated, non-negative axes; `undefined` means every axis. */
export function normalizeAxes(
  op: string,
  axes: number | readonly number[] | undefined,
  rank: number,
): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const resolved = list.map((a) => normalizeAxis(op, a, rank));
  const unique = [...new Set(resolved)].sort((a, b) => a - b);
  if (unique.length !== resolved.length) {
    throw new ShapeError(`${op}: repeated axis in [${list.join(', ')}]`);
  }
  return unique;
}

/** The shape after reducing `axes` (kept as 1s with keepdims, dropped otherwise). */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let axis = 0; axis < shape.length; axis++) {
    if (axes.includes(axis)) {
      if (keepdims) out.push(1);
    } else out.push(shape[axis]!);
  }
  return out;
}
