// The Tensor: a Float32Array storage seen through a shape, row-major strides and an offset.
//
// Views and copies. transpose/permute, slice/narrow, expand (broadcast), detach, and reshape of a
// contiguous tensor return views: new Tensor objects over the SAME storage, so nothing is copied and
// writing through one (e.g. an optimizer updating `data` in place) is seen by the other. Every
// arithmetic op, concat/stack, gather, the reductions, and reshape of a non-contiguous tensor
// return fresh storage. `contiguous()` returns the tensor itself when it is already row-major
// (whatever its offset) and copies otherwise; kernels run on contiguous runs.
//
// Gradients (see autograd.ts and README.md): a tensor made by an op from inputs that require
// gradients records its op, inputs and saved values; `loss.backward()` walks that graph once, adds
// each leaf's gradient into `leaf.grad` (gradients ACCUMULATE across backward calls, as in PyTorch;
// call zeroGrad() between steps), then frees the graph. No dispose() is needed: storage is owned by
// the garbage collector.
import type { Random } from '../util/random.js';
import { ShapeError, VerboError } from '../util/errors.js';
import {
  apply,
  backward as runBackward,
  type BackwardOptions,
  type GraphNode,
  type Primitive,
} from './autograd.js';
import { copyStrided } from './kernels/index.js';
import { checkShape, contiguousStrides, formatShape, type Shape, sizeOf } from './shape.js';

/** A nested array of numbers, e.g. [[1, 2], [3, 4]]. */
export type NestedArray = number | NestedArray[];

export interface TensorOptions {
  /** Track gradients for this tensor (a leaf: a parameter or an input you differentiate by). */
  requiresGrad?: boolean;
}

export class Tensor {
  /** The storage; may be shared with other views. Element (i, j, …) is data[offset + i·strides[0] + …]. */
  readonly data: Float32Array;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  /** Number of elements. */
  readonly size: number;
  /** Whether gradients flow to this tensor. Set it on leaves; ops set it on their outputs. */
  requiresGrad: boolean;
  /** The accumulated gradient (a leaf, or a tensor that called retainGrad()), same shape as this. */
  grad: Tensor | null = null;
  /** @internal The op that made this tensor, while the graph is alive (null for leaves). */
  node: GraphNode | null = null;
  /** @internal Keep `.grad` on this non-leaf too. */
  retainsGrad = false;
  /** @internal Its node was dropped by a backward pass (backpropagating through it again is an error). */
  graphFreed = false;

  constructor(data: Float32Array, shape: Shape, strides?: Shape, offset = 0, options: TensorOptions = {}) {
    checkShape('tensor', shape);
    this.data = data;
    // Copied, so a caller's array can change afterwards; typed readonly rather than frozen (cheaper).
    this.shape = shape.slice();
    this.strides = strides ? strides.slice() : contiguousStrides(shape);
    this.offset = offset;
    this.size = sizeOf(shape);
    this.requiresGrad = options.requiresGrad ?? false;
    if (strides === undefined && offset + this.size > data.length) {
      throw new ShapeError(
        `tensor: shape ${formatShape(shape)} needs ${this.size} values but the array has ${data.length - offset}`,
      );
    }
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Whether the elements are laid out row-major without gaps (from `offset`). */
  get isContiguous(): boolean {
    let expected = 1;
    for (let axis = this.shape.length - 1; axis >= 0; axis--) {
      const dim = this.shape[axis]!;
      if (dim !== 1 && this.strides[axis] !== expected) return false;
      expected *= dim;
    }
    return true;
  }

  /** A leaf was made by the user (creation functions, detach), not by an op. */
  get isLeaf(): boolean {
    return this.node === null && !this.graphFreed;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new ShapeError(`item: expected a tensor with one element, got shape ${formatShape(this.shape)}`);
    }
    return this.data[this.offset]!;
  }

  /** The value at a full index, e.g. t.get(1, 2). */
  get(...index: number[]): number {
    if (index.length !== this.rank) {
      throw new ShapeError(
        `get: expected ${this.rank} indices for shape ${formatShape(this.shape)}, got ${index.length}`,
      );
    }
    let position = this.offset;
    for (let axis = 0; axis < index.length; axis++) {
      const i = index[axis]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.shape[axis]!) {
        throw new ShapeError(
          `get: index ${i} is out of range for axis ${axis} of shape ${formatShape(this.shape)}`,
        );
      }
      position += i * this.strides[axis]!;
    }
    return this.data[position]!;
  }

  /** A contiguous copy of the elements in row-major order. */
  toFloat32Array(): Float32Array {
    const out = new Float32Array(this.size);
    copyStrided(this.data, this.offset, this.strides, out, 0, contiguousStrides(this.shape), this.shape);
    return out;
  }

  /** The elements as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const flat = this.toFloat32Array();
    if (this.rank === 0) return flat[0]!;
    let position = 0;
    const build = (axis: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[axis]!; i++) {
        out.push(axis === this.rank - 1 ? flat[position++]! : build(axis + 1));
      }
      return out;
    };
    return build(0);
  }

  /**
   * The same elements in row-major layout: this tensor itself when already contiguous (no copy),
   * otherwise a copy that stays connected to the graph (gradients flow through it).
   */
  contiguous(): Tensor {
    if (this.isContiguous) return this;
    return apply(contiguousOp, [this], undefined);
  }

  /**
   * Backpropagates from this tensor. A scalar (one element) seeds with 1; any other shape needs an
   * explicit `seed` gradient of the same shape. Leaf gradients ADD into `.grad`.
   */
  backward(seed?: Tensor, options: BackwardOptions = {}): void {
    runBackward(this, seed, options);
  }

  /** A view of the same storage that is cut from the graph and does not require gradients. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset);
  }

  /** Sets `.grad` back to null (gradients accumulate otherwise). */
  zeroGrad(): void {
    this.grad = null;
  }

  /** Keep `.grad` on this intermediate result after backward (leaves always keep it). */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

// The one primitive that lives beside the class: a row-major copy whose gradient passes straight
// through (its backward is the identity; the incoming gradient already has the logical shape).
const contiguousOp: Primitive<'contiguous', undefined> = {
  name: 'contiguous',
  forward([x]) {
    return { output: new Tensor(x!.toFloat32Array(), x!.shape), saved: undefined };
  },
  backward(grad) {
    return [grad];
  },
};

/** The primitives defined in this file (see primitives.ts). */
export const tensorPrimitives = { contiguous: contiguousOp };

// ---- creation -------------------------------------------------------------------------------

/** A tensor filled with zeros. */
export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  checkShape('zeros', shape);
  return new Tensor(new Float32Array(sizeOf(shape)), shape, undefined, 0, options);
}

/** A tensor filled with ones. */
export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** A tensor filled with `value`. */
export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape, undefined, 0, options);
}

/** A zero-dimensional tensor holding one value. */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  return new Tensor(Float32Array.of(value), [], undefined, 0, options);
}

/** [start, start + step, …) up to `stop` (exclusive); arange(n) is 0..n−1. */
export function arange(start: number, stop?: number, step = 1): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new VerboError(`arange: step must be a non-zero number, got ${step}`);
  const count = Math.max(0, Math.ceil((stop - start) / step));
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = start + i * step;
  return new Tensor(data, [count]);
}

/** Normal draws (mean 0, std 1 unless given) from a seeded Random. */
export function randn(
  shape: Shape,
  random: Random,
  options: TensorOptions & { mean?: number; std?: number } = {},
): Tensor {
  checkShape('randn', shape);
  const { mean = 0, std = 1 } = options;
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = random.normal(mean, std);
  return new Tensor(data, shape, undefined, 0, options);
}

/** Uniform draws in [low, high) (default [0, 1)) from a seeded Random. */
export function uniform(
  shape: Shape,
  random: Random,
  options: TensorOptions & { low?: number; high?: number } = {},
): Tensor {
  checkShape('uniform', shape);
  const { low = 0, high = 1 } = options;
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = random.uniform(low, high);
  return new Tensor(data, shape, undefined, 0, options);
}

/**
 * A tensor from flat values and a shape. A Float32Array is used as the storage WITHOUT copying
 * (later writes to it show through); a number[] is copied.
 */
export function fromArray(
  values: Float32Array | readonly number[],
  shape?: Shape,
  options: TensorOptions = {},
): Tensor {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  const resolved = shape ?? [data.length];
  checkShape('fromArray', resolved);
  if (sizeOf(resolved) !== data.length) {
    throw new ShapeError(
      `fromArray: ${data.length} values do not fill shape ${formatShape(resolved)} (${sizeOf(resolved)} values)`,
    );
  }
  return new Tensor(data, resolved, undefined, 0, options);
}

/** A tensor from a number or nested arrays, e.g. tensor([[1, 2], [3, 4]]) has shape [2, 2]. */
export function tensor(values: NestedArray, options: TensorOptions = {}): Tensor {
  const shape: number[] = [];
  let probe: NestedArray = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const flat: number[] = [];
  const walk = (value: NestedArray, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof value !== 'number')
        throw new ShapeError(`tensor: ragged nested array at ${path || 'the top'}`);
      flat.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[axis]) {
      throw new ShapeError(
        `tensor: ragged nested array at ${path || 'the top'}: expected ${shape[axis]} entries like the first, ` +
          `got ${Array.isArray(value) ? value.length : 'a number'}`,
      );
    }
    for (let i = 0; i < value.length; i++) walk(value[i]!, axis + 1, `${path}[${i}]`);
  };
  walk(values, 0, '');
  return new Tensor(Float32Array.from(flat), shape, undefined, 0, options);
}

/** A tensor or a plain number (broadcast as a scalar) — what the ops accept as operands. */
export type TensorLike = Tensor | number;

/** @internal Wraps numbers as scalar tensors. */
export function asTensor(value: TensorLike): Tensor {
  return typeof value === 'number' ? scalar(value) : value;
}
