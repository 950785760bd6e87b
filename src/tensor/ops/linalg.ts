// Matrix multiplication: [..., m, k] · [..., k, n] → [..., m, n], batch axes broadcast (NumPy
// matmul rules). A transposed view (transpose(w), strides [1, rows]) is handed to the kernel as
// transA/transB, so `matmul(x, transpose(w))` copies nothing. When the second operand has no batch
// axes and the first is contiguous, the batch folds into the rows: [batch, time, h] · [h, vocab] is
// one [batch·time, h] · [h, vocab] kernel call.
//
// Backward (per batch entry, summed over broadcast batch axes):
//   dA = dC · Bᵀ    dB = Aᵀ · dC
// both again as kernel calls with transposed operands, accumulating into the gradient buffers —
// including the engine's buffer for a weight used several times (every step of an unrolled RNN).
import { ShapeError } from '../../util/errors.js';
import { ACCUMULATED, apply, type Primitive } from '../autograd.js';
import { matmul as matmulKernel, sumAxis } from '../kernels/index.js';
import { broadcastShapes, contiguousStrides, formatShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { dense } from './broadcast.js';

/** A matrix operand as the kernel sees it: storage, and whether it is stored transposed. */
export interface Operand {
  tensor: Tensor;
  transposed: boolean;
  rows: number;
  cols: number;
}

/** The last two axes of x as a kernel operand: as stored, as a transposed view, or a dense copy. */
export function operand(x: Tensor): Operand {
  const rank = x.rank;
  const rows = x.shape[rank - 2]!;
  const cols = x.shape[rank - 1]!;
  const rowStride = x.strides[rank - 2]!;
  const colStride = x.strides[rank - 1]!;
  if ((colStride === 1 || cols === 1) && (rowStride === cols || rows === 1)) {
    return { tensor: x, transposed: false, rows, cols };
  }
  if ((rowStride === 1 || rows === 1) && (colStride === rows || cols === 1)) {
    return { tensor: x, transposed: true, rows, cols };
  }
  return { tensor: dense(x), transposed: false, rows, cols };
}

/** Strides of x's batch axes read as `batchShape` (0 along broadcast or missing axes). */
function batchStrides(x: Tensor, batchShape: readonly number[]): number[] {
  const own = x.rank - 2;
  const lead = batchShape.length - own;
  return batchShape.map((dim, i) => {
    const axis = i - lead;
    if (axis < 0 || (x.shape[axis] === 1 && dim !== 1)) return 0;
    return x.strides[axis]!;
  });
}

/** Whether the batch of `a` can fold into its rows (b has no batch, a is one contiguous run). */
function canFold(a: Operand, b: Operand): boolean {
  return (
    a.tensor.rank > 2 && sizeOf(b.tensor.shape.slice(0, -2)) === 1 && !a.transposed && a.tensor.isContiguous
  );
}

/** Calls `visit(batchIndex, aOffset, bOffset)` for every entry of the broadcast batch. */
function forEachBatch(
  batchShape: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
  aBase: number,
  bBase: number,
  visit: (batch: number, aOffset: number, bOffset: number) => void,
): void {
  const count = sizeOf(batchShape);
  const index = new Array<number>(batchShape.length).fill(0);
  let aOffset = aBase;
  let bOffset = bBase;
  for (let batch = 0; batch < count; batch++) {
    visit(batch, aOffset, bOffset);
    for (let axis = batchShape.length - 1; axis >= 0; axis--) {
      index[axis]!++;
      aOffset += aStrides[axis]!;
      bOffset += bStrides[axis]!;
      if (index[axis]! < batchShape[axis]!) break;
      aOffset -= aStrides[axis]! * batchShape[axis]!;
      bOffset -= bStrides[axis]! * batchShape[axis]!;
      index[axis] = 0;
    }
  }
}

interface Saved {
  a: Operand;
  b: Operand;
  batchShape: number[];
}

const matmulOp: Primitive<'matmul', Saved> = {
  name: 'matmul',
  forward: ([x, y]) => {
    const a = operand(x!);
    const b = operand(y!);
    const m = a.rows;
    const k = a.cols;
    const n = b.cols;
    const batchShape = broadcastShapes('matmul', x!.shape.slice(0, -2), y!.shape.slice(0, -2));
    const out = new Float32Array(sizeOf(batchShape) * m * n);
    const options = { transA: a.transposed, transB: b.transposed };
    const A = a.tensor;
    const B = b.tensor;
    if (canFold(a, b)) {
      const rows = (A.size / k) | 0;
      matmulKernel(
        A.data.subarray(A.offset, A.offset + rows * k),
        B.data.subarray(B.offset, B.offset + k * n),
        out,
        rows,
        n,
        k,
        options,
      );
    } else {
      forEachBatch(
        batchShape,
        batchStrides(A, batchShape),
        batchStrides(B, batchShape),
        A.offset,
        B.offset,
        (batch, ao, bo) => {
          const outView = out.subarray(batch * m * n, (batch + 1) * m * n);
          matmulKernel(
            A.data.subarray(ao, ao + m * k),
            B.data.subarray(bo, bo + k * n),
            outView,
            m,
            n,
            k,
            options,
          );
        },
      );
    }
    return { output: new Tensor(out, [...batchShape, m, n]), saved: { a, b, batchShape } };
  },
  acceptsAccumulators: true,
  backward: (grad, { inputs: [x, y], saved: { a, b, batchShape } }, [intoA, intoB]) => {
    const g = dense(grad);
    const m = a.rows;
    const k = a.cols;
    const n = b.cols;
    const A = a.tensor;
    const B = b.tensor;
    // Gradient buffers: the engine's accumulator when this input already has a gradient from another
    // use (added into in place), a fresh one otherwise.
    const dA = x!.requiresGrad ? (intoA ?? new Float32Array(x!.size)) : null;
    const dB = y!.requiresGrad ? (intoB ?? new Float32Array(y!.size)) : null;
    const G = g.data.subarray(g.offset, g.offset + g.size);
    if (canFold(a, b)) {
      const rows = (A.size / k) | 0;
      const aData = A.data.subarray(A.offset, A.offset + rows * k);
      const bData = B.data.subarray(B.offset, B.offset + k * n);
      if (dA) matmulKernel(G, bData, dA, rows, k, n, { transB: !b.transposed, accumulate: dA === intoA });
      if (dB) matmulKernel(aData, G, dB, k, n, rows, { transA: true, accumulate: dB === intoB });
    } else {
      // The gradients are contiguous in the operands' own shapes; broadcast batch axes map to
      // stride 0 there, so repeated uses accumulate into the same block.
      const dAStrides = batchStrides(
        new Tensor(new Float32Array(0), x!.shape, contiguousStrides(x!.shape)),
        batchShape,
      );
      const dBStrides = batchStrides(
        new Tensor(new Float32Array(0), y!.shape, contiguousStrides(y!.shape)),
        batchShape,
      );
      const aStrides = batchStrides(A, batchShape);
      const bStrides = batchStrides(B, batchShape);
      forEachBatch(batchShape, aStrides, bStrides, A.offset, B.offset, (batch, ao, bo) => {
        const gView = G.subarray(batch * m * n, (batch + 1) * m * n);
        const offsets = batchOffset(batch, batchShape, dAStrides, dBStrides);
        if (dA) {
          const target = dA.subarray(offsets.a, offsets.a + m * k);
          matmulKernel(gView, B.data.subarray(bo, bo + k * n), target, m, k, n, {
            transB: !b.transposed,
            accumulate: true,
          });
        }
        if (dB) {
          const target = dB.subarray(offsets.b, offsets.b + k * n);
          matmulKernel(A.data.subarray(ao, ao + m * k), gView, target, k, n, m, {
            transA: !a.transposed,
            accumulate: true,
          });
        }
      });
    }
    return [
      dA === null ? null : dA === intoA ? ACCUMULATED : new Tensor(dA, x!.shape),
      dB === null ? null : dB === intoB ? ACCUMULATED : new Tensor(dB, y!.shape),
    ];
  },
};

/** The offsets of one flat batch entry in two layouts given their batch strides. */
function batchOffset(
  batch: number,
  batchShape: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
): { a: number; b: number } {
  let a = 0;
  let b = 0;
  for (let axis = batchShape.length - 1; axis >= 0; axis--) {
    const dim = batchShape[axis]!;
    const i = batch % dim;
    batch = (batch - i) / dim;
    a += i * aStrides[axis]!;
    b += i * bStrides[axis]!;
  }
  return { a, b };
}

interface LinearSaved {
  x: Tensor;
  w: Operand;
  rows: number;
}

/**
 * y = x · W + b for x [..., k], W [k, n], b [n]: the Dense layer's affine map as one op. The output
 * rows start as copies of b and the product is accumulated onto them, so the bias costs one row copy
 * per row instead of a second pass over the [rows, n] result; backward is matmul's (dX = dY · Wᵀ,
 * dW = Xᵀ · dY) plus db = Σ_rows dY. For a language model's output layer ([700, 200] · [200, 10000])
 * this removes two full passes over the 7M logits per step.
 */
const linearOp: Primitive<'linear', LinearSaved> = {
  name: 'linear',
  forward: ([input, weight, bias]) => {
    const x = dense(input!);
    const w = operand(weight!);
    const b = dense(bias!);
    const k = w.rows;
    const n = w.cols;
    const rows = sizeOf(x.shape.slice(0, -1));
    const out = new Float32Array(rows * n);
    if (rows > 0 && n > 0) {
      const biasRow = b.data.subarray(b.offset, b.offset + n);
      out.set(biasRow, 0);
      // Doubling copies: log2(rows) calls fill the rest with the bias row.
      for (let filled = 1; filled < rows; filled *= 2) {
        out.copyWithin(filled * n, 0, Math.min(filled, rows - filled) * n);
      }
      const W = w.tensor;
      matmulKernel(
        x.data.subarray(x.offset, x.offset + rows * k),
        W.data.subarray(W.offset, W.offset + k * n),
        out,
        rows,
        n,
        k,
        { transB: w.transposed, accumulate: true },
      );
    }
    return { output: new Tensor(out, [...x.shape.slice(0, -1), n]), saved: { x, w, rows } };
  },
  acceptsAccumulators: true,
  backward: (grad, { inputs: [input, weight, bias], saved: { x, w, rows } }, [intoX, intoW, intoB]) => {
    const g = dense(grad);
    const k = w.rows;
    const n = w.cols;
    const G = g.data.subarray(g.offset, g.offset + rows * n);
    const W = w.tensor;
    const dX = input!.requiresGrad ? (intoX ?? new Float32Array(input!.size)) : null;
    const dW = weight!.requiresGrad ? (intoW ?? new Float32Array(weight!.size)) : null;
    const dB = bias!.requiresGrad ? new Float32Array(n) : null;
    if (dX) {
      matmulKernel(G, W.data.subarray(W.offset, W.offset + k * n), dX, rows, k, n, {
        transB: !w.transposed,
        accumulate: dX === intoX,
      });
    }
    if (dW) {
      matmulKernel(x.data.subarray(x.offset, x.offset + rows * k), G, dW, k, n, rows, {
        transA: true,
        accumulate: dW === intoW,
      });
    }
    if (dB) sumAxis(G, 0, 1, rows, n, dB, 0);
    if (dB && intoB) for (let j = 0; j < n; j++) intoB[j]! += dB[j]!;
    return [
      dX === null ? null : dX === intoX ? ACCUMULATED : new Tensor(dX, input!.shape),
      dW === null ? null : dW === intoW ? ACCUMULATED : new Tensor(dW, weight!.shape),
      dB === null ? null : intoB ? ACCUMULATED : new Tensor(dB, bias!.shape),
    ];
  },
};

/** The primitives defined in this file (see primitives.ts). */
export const linalgPrimitives = { matmul: matmulOp, linear: linearOp };

/**
 * x · w + b for x [..., k], w [k, n] (a transposed view is fine) and b [n], as one op — the same
 * values and gradients as add(matmul(x, w), b), without the separate broadcast add and its reduction.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor): Tensor {
  const k = x.shape[x.rank - 1];
  if (x.rank < 1 || w.rank !== 2 || b.rank !== 1 || w.shape[0] !== k || b.shape[0] !== w.shape[1]) {
    throw new ShapeError(
      `linear: expects x [..., k], w [k, n] and b [n], got ${formatShape(x.shape)}, ${formatShape(w.shape)} ` +
        `and ${formatShape(b.shape)}; the last dimension of x must equal w's first, and b's length w's second`,
    );
  }
  return apply(linearOp, [x, w, b], undefined);
}

/**
 * a · b for [..., m, k] · [..., k, n] → [..., m, n] (rank ≥ 2 each; batch axes broadcast).
 * Pass transpose(w) rather than a copy: transposed views go to the kernel without copying.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError(
      `matmul: expects matrices (rank ≥ 2), got ${formatShape(a.shape)} · ${formatShape(b.shape)}; ` +
        'reshape a vector v to [1, n] or [n, 1] first',
    );
  }
  const k = a.shape[a.rank - 1]!;
  const kb = b.shape[b.rank - 2]!;
  if (k !== kb) {
    const hint =
      b.shape[b.rank - 1] === k
        ? '; did you mean to transpose the second operand?'
        : a.shape[a.rank - 2] === kb
          ? '; did you mean to transpose the first operand?'
          : "; the first operand's last dimension must equal the second's second-to-last";
    throw new ShapeError(
      `matmul: inner dimensions differ: ${formatShape(a.shape)} · ${formatShape(b.shape)} (${k} ≠ ${kb})${hint}`,
    );
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  for (let i = 1; i <= Math.min(aBatch.length, bBatch.length); i++) {
    const da = aBatch[aBatch.length - i]!;
    const db = bBatch[bBatch.length - i]!;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `matmul: batch dimensions ${formatShape(aBatch)} and ${formatShape(bBatch)} of ${formatShape(a.shape)} · ` +
          `${formatShape(b.shape)} cannot be broadcast (${da} ≠ ${db}); they must match or be 1`,
      );
    }
  }
  return apply(matmulOp, [a, b], undefined);
}
