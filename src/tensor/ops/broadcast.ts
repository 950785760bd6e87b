// Helpers the op files share for running kernels on tensors: contiguous access without recording,
// broadcasting a binary kernel over two operands, and reducing a broadcast gradient back to an
// operand's shape (the backward of broadcasting is a sum over the broadcast axes).
import { binary, type BinaryOp, copyStrided, sumAxis } from '../kernels/index.js';
import { broadcastShapes, contiguousStrides, sameShape, type Shape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** The tensor itself if row-major, else a plain (unrecorded) contiguous copy. */
export function dense(x: Tensor): Tensor {
  return x.isContiguous ? x : new Tensor(x.toFloat32Array(), x.shape);
}

/** Strides that read `x` as if it had the (broadcast) shape `shape`: 0 along broadcast axes. */
export function broadcastStrides(x: Tensor, shape: Shape): number[] {
  const strides = new Array<number>(shape.length).fill(0);
  const lead = shape.length - x.rank;
  for (let axis = 0; axis < x.rank; axis++) {
    strides[lead + axis] = x.shape[axis] === 1 && shape[lead + axis] !== 1 ? 0 : x.strides[axis]!;
  }
  return strides;
}

/** A contiguous array holding `x` broadcast to `shape` (a real copy; used by `where`). */
export function broadcastData(x: Tensor, shape: Shape): Float32Array {
  const out = new Float32Array(sizeOf(shape));
  copyStrided(x.data, x.offset, broadcastStrides(x, shape), out, 0, contiguousStrides(shape), shape);
  return out;
}

/**
 * out = a ∘ b with NumPy broadcasting. The trailing axes over which each operand is either a
 * contiguous run or a single repeated value are merged into one kernel call (e.g. a bias add
 * [batch, hidden] + [hidden] is `batch` calls of length `hidden`); the remaining outer axes are
 * walked with an odometer.
 */
export function broadcastBinary(opName: string, op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(opName, a.shape, b.shape);
  const size = sizeOf(shape);
  const out = new Float32Array(size);
  if (size === 0) return new Tensor(out, shape);
  a = dense(a);
  b = dense(b);
  if (sameShape(a.shape, b.shape)) {
    binary(op, a.data, a.offset, 1, b.data, b.offset, 1, out, 0, size);
    return new Tensor(out, shape);
  }
  if (b.size === 1 && a.size === size) {
    binary(op, a.data, a.offset, 1, b.data, b.offset, 0, out, 0, size);
    return new Tensor(out, shape);
  }
  if (a.size === 1 && b.size === size) {
    binary(op, a.data, a.offset, 0, b.data, b.offset, 1, out, 0, size);
    return new Tensor(out, shape);
  }
  const aStrides = broadcastStrides(a, shape);
  const bStrides = broadcastStrides(b, shape);
  // Grow the block from the last axis while each operand stays a run (stride = block length so far)
  // or a repeated value (stride 0 throughout).
  let block = 1;
  let aStep = -1;
  let bStep = -1;
  let first = shape.length;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const dim = shape[axis]!;
    if (dim === 1) {
      first = axis;
      continue;
    }
    const aNext = stepFor(aStrides[axis]!, block, aStep);
    const bNext = stepFor(bStrides[axis]!, block, bStep);
    if (aNext < 0 || bNext < 0) break;
    aStep = aNext;
    bStep = bNext;
    block *= dim;
    first = axis;
  }
  if (aStep < 0) aStep = 0;
  if (bStep < 0) bStep = 0;
  const outerRank = first;
  const index = new Array<number>(outerRank).fill(0);
  let aOffset = a.offset;
  let bOffset = b.offset;
  for (let outOffset = 0; outOffset < size; outOffset += block) {
    binary(op, a.data, aOffset, aStep, b.data, bOffset, bStep, out, outOffset, block);
    for (let axis = outerRank - 1; axis >= 0; axis--) {
      index[axis]!++;
      aOffset += aStrides[axis]!;
      bOffset += bStrides[axis]!;
      if (index[axis]! < shape[axis]!) break;
      aOffset -= aStrides[axis]! * shape[axis]!;
      bOffset -= bStrides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return new Tensor(out, shape);
}

// The step (1 = run, 0 = repeated value) an operand keeps if the block grows by one axis, or −1.
function stepFor(stride: number, block: number, step: number): number {
  if (step === -1) return stride === 0 ? 0 : stride === 1 ? 1 : -1;
  if (step === 0) return stride === 0 ? 0 : -1;
  return stride === block ? 1 : -1;
}

/**
 * Sums a gradient of the broadcast shape back down to `shape`: over the leading axes the operand
 * lacked and over the axes where it had size 1. Returns `grad` itself when nothing was broadcast.
 */
export function sumToShape(grad: Tensor, shape: Shape): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  let current = dense(grad);
  const currentShape = [...current.shape];
  // Reduce axis by axis from the right, keeping dims, so each pass is one [outer, size, inner] sum.
  for (let axis = grad.rank - 1; axis >= 0; axis--) {
    const target = axis < lead ? 1 : shape[axis - lead]!;
    const dim = currentShape[axis]!;
    if (target !== 1 || dim === 1) continue;
    const outer = sizeOf(currentShape.slice(0, axis));
    const inner = sizeOf(currentShape.slice(axis + 1));
    const reduced = new Float32Array(outer * inner);
    sumAxis(current.data, current.offset, outer, dim, inner, reduced, 0);
    currentShape[axis] = 1;
    current = new Tensor(reduced, currentShape);
  }
  return new Tensor(current.data, shape, undefined, current.offset);
}
