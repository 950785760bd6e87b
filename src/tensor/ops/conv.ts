// 2-D convolution and max pooling on channels-last images x [batch, height, width, channels] (Keras'
// default layout), each one primitive with forward and backward side by side.
//
// conv2d(x, kernel [kh, kw, channels, filters], bias [filters]): im2col — every output position's window
// (kh·kw·channels values, zeros outside the image) as one row of `cols` — times the kernel viewed as
// [kh·kw·channels, filters], the bias added in the same pass (the output rows start as copies of it).
// Backward: dKernel = colsᵀ·dY, dBias = Σ_rows dY, dx = col2im(dY·Kᵀ) (col2im adds each window value
// back to its pixel). With activation 'relu' the op is relu(conv2d(…)) in one pass: forward clamps the
// output, backward first zeroes dY where the output is 0. Nothing is kept from forward but the inputs (and
// the output, for relu): the native kernels form the windows of a chunk of rows at a time, in forward and
// again in backward.
// maxPool2d(x): each window's maximum over its pixels inside the image; backward sends each output's
// gradient to the input that was the maximum (the first in window order, as `max` does).
// Sizes as Keras / TensorFlow:
//   'valid': out = ⌊(in − k) / s⌋ + 1, no padding
//   'same':  out = ⌈in / s⌉, padding total max((out − 1)·s + k − in, 0), the extra pixel of an odd total
//            after (before = ⌊total / 2⌋)
// The kernels (im2col, col2im, pooling) are in kernels/conv.ts: native/conv.cc, or the plain loops.
import { ShapeError, VerboError } from '../../util/errors.js';
import { apply, type Primitive } from '../autograd.js';
import {
  conv2dBackward,
  conv2dForward,
  maxPoolBackward,
  maxPoolForward,
  type WindowGeometry,
} from '../kernels/index.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { dense } from './broadcast.js';

export type Padding = 'valid' | 'same';

/** A window size or step: one number for both axes, or [rows, columns]. */
export type Pair = number | readonly [number, number];

/** Output size and padding before the first pixel along one axis (see the file comment). */
export function windowOutput(
  size: number,
  kernel: number,
  stride: number,
  padding: Padding,
): { out: number; padBefore: number } {
  if (padding === 'valid') return { out: Math.floor((size - kernel) / stride) + 1, padBefore: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

/** [rows, columns] from a Pair, checked (positive integers). */
export function pairOf(
  value: Pair | undefined,
  fallback: readonly [number, number],
  what: string,
): [number, number] {
  const p: [number, number] =
    value === undefined
      ? [fallback[0], fallback[1]]
      : typeof value === 'number'
        ? [value, value]
        : [value[0], value[1]];
  if (!p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new VerboError(
      `${what} must be a positive integer or a pair of them, got ${JSON.stringify(value)}`,
    );
  }
  return p;
}

/** `padding` checked: 'valid' or 'same'. */
export function checkPadding(op: string, padding: unknown): Padding {
  if (padding !== 'valid' && padding !== 'same') {
    throw new VerboError(`${op}: padding must be 'valid' or 'same', got '${String(padding)}'`);
  }
  return padding;
}

/** The window geometry for x [batch, h, w, c], or a ShapeError naming the op. */
function geometryOf(
  op: string,
  shape: readonly number[],
  kernel: [number, number],
  strides: [number, number],
  padding: Padding,
): WindowGeometry {
  if (shape.length !== 4) {
    throw new ShapeError(`${op}: expects images [batch, height, width, channels], got ${formatShape(shape)}`);
  }
  const [batch, height, width, channels] = shape as [number, number, number, number];
  if (padding === 'valid' && (height < kernel[0] || width < kernel[1])) {
    throw new ShapeError(
      `${op}: images ${formatShape(shape)} are smaller than the window [${kernel.join(', ')}] with 'valid' padding; use padding 'same' or a smaller window`,
    );
  }
  const rows = windowOutput(height, kernel[0], strides[0], padding);
  const cols = windowOutput(width, kernel[1], strides[1], padding);
  return {
    batch,
    height,
    width,
    channels,
    kernelH: kernel[0],
    kernelW: kernel[1],
    strideH: strides[0],
    strideW: strides[1],
    padTop: rows.padBefore,
    padLeft: cols.padBefore,
    outH: rows.out,
    outW: cols.out,
  };
}

function view(x: Tensor): Float32Array {
  const d = dense(x);
  return d.data.subarray(d.offset, d.offset + d.size);
}

const conv2dOp: Primitive<'conv2d', Float32Array | null> = {
  name: 'conv2d',
  forward: ([x, kernel, bias], { geometry: g, relu }) => {
    const filters = kernel!.shape[3]!;
    const y = new Float32Array(g.batch * g.outH * g.outW * filters);
    conv2dForward(g, view(x!), view(kernel!), bias ? view(bias) : null, relu, y);
    // A fused relu's backward reads the output (y > 0 where the gradient passes).
    return { output: new Tensor(y, [g.batch, g.outH, g.outW, filters]), saved: relu ? y : null };
  },
  backward: (grad, { inputs: [x, kernel, bias], params: { geometry: g, relu }, saved: y }) => {
    const dx = x!.requiresGrad ? new Float32Array(x!.size) : null;
    const dKernel = kernel!.requiresGrad ? new Float32Array(kernel!.size) : null;
    const dBias = bias?.requiresGrad ? new Float32Array(bias.size) : null;
    conv2dBackward(g, view(x!), view(kernel!), relu, y, view(grad), dx, dKernel, dBias);
    const grads = [dx && new Tensor(dx, x!.shape), dKernel && new Tensor(dKernel, kernel!.shape)];
    if (bias) grads.push(dBias && new Tensor(dBias, bias.shape));
    return grads;
  },
};

interface PoolSaved {
  argmax: Int32Array;
}

const maxPool2dOp: Primitive<'maxPool2d', PoolSaved> = {
  name: 'maxPool2d',
  forward: ([input], { geometry: g }) => {
    const size = g.batch * g.outH * g.outW * g.channels;
    const y = new Float32Array(size);
    const argmax = new Int32Array(size);
    maxPoolForward(g, view(input!), y, argmax);
    return { output: new Tensor(y, [g.batch, g.outH, g.outW, g.channels]), saved: { argmax } };
  },
  backward: (grad, { inputs: [input], params: { geometry: g }, saved: { argmax } }) => {
    const dx = new Float32Array(input!.size);
    maxPoolBackward(g, view(grad), argmax, dx);
    return [new Tensor(dx, input!.shape)];
  },
};

/** The primitives defined in this file (see primitives.ts). */
export const convPrimitives = { conv2d: conv2dOp, maxPool2d: maxPool2dOp };

// ---- public ops --------------------------------------------------------------------------------

export interface Conv2dOptions {
  /** Step of the window (default 1). */
  strides?: Pair;
  /** 'valid' (default: windows inside the image) or 'same' (zero padding; out = ⌈in / stride⌉). */
  padding?: Padding;
  /**
   * 'relu' applies relu in the same op (relu(conv2d(…)) without the intermediate tensor; its backward
   * reads the output); 'linear' (default) none.
   */
  activation?: 'linear' | 'relu';
}

/**
 * 2-D convolution (cross-correlation, as Keras): x [batch, h, w, channels], kernel
 * [kh, kw, channels, filters], optional bias [filters] → [batch, outH, outW, filters].
 */
export function conv2d(x: Tensor, kernel: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  if (kernel.rank !== 4) {
    throw new ShapeError(
      `conv2d: kernel must be [kernelHeight, kernelWidth, channels, filters], got ${formatShape(kernel.shape)}`,
    );
  }
  const [kh, kw, channels, filters] = kernel.shape as [number, number, number, number];
  const strides = pairOf(options.strides, [1, 1], 'conv2d: strides');
  const g = geometryOf(
    'conv2d',
    x.shape,
    [kh, kw],
    strides,
    checkPadding('conv2d', options.padding ?? 'valid'),
  );
  if (g.channels !== channels) {
    throw new ShapeError(
      `conv2d: images ${formatShape(x.shape)} have ${g.channels} channels but the kernel ${formatShape(kernel.shape)} expects ${channels}`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== filters)) {
    throw new ShapeError(
      `conv2d: bias must be [${filters}] (one per filter), got ${formatShape(bias.shape)}`,
    );
  }
  const activation = options.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') {
    throw new VerboError(`conv2d: activation must be 'linear' or 'relu', got '${String(activation)}'`);
  }
  return apply(conv2dOp, bias ? [x, kernel, bias] : [x, kernel], {
    geometry: g,
    relu: activation === 'relu',
  });
}

export interface MaxPool2dOptions {
  /** Window size (default 2 × 2). */
  poolSize?: Pair;
  /** Step (default: the pool size). */
  strides?: Pair;
  /** 'valid' (default) or 'same' (windows past the edge use the pixels they cover; out = ⌈in / stride⌉). */
  padding?: Padding;
}

/** Max pooling: x [batch, h, w, channels] → [batch, outH, outW, channels]. */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions = {}): Tensor {
  const poolSize = pairOf(options.poolSize, [2, 2], 'maxPool2d: poolSize');
  const strides = pairOf(options.strides, poolSize, 'maxPool2d: strides');
  const g = geometryOf(
    'maxPool2d',
    x.shape,
    poolSize,
    strides,
    checkPadding('maxPool2d', options.padding ?? 'valid'),
  );
  return apply(maxPool2dOp, [x], { geometry: g });
}
