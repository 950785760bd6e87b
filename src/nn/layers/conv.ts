// Convolution and pooling on channels-last images [batch, height, width, channels] (Keras' default).
// The layers hold the weights and options; the work is the tensor core's conv2d and maxPool2d ops
// (im2col + one matmul, max over windows; native kernels with plain loops as fallback; see
// src/tensor/ops/conv.ts), which size their outputs as Keras does:
//   'valid': out = ⌊(in − k) / s⌋ + 1      'same': out = ⌈in / s⌉, padding split as Keras/TF do
//   (the extra pixel of an odd total goes after: top = ⌊total / 2⌋).
import {
  conv2d as conv2dOp,
  maxPool2d,
  type Padding,
  type Tensor,
  windowOutput,
} from '../../tensor/index.js';
import { checkPadding, pairOf } from '../../tensor/ops/conv.js';
import { ShapeError, VerboError } from '../../util/errors.js';
import { type ActivationName, getActivation } from '../activations.js';
import { type Initializer, initializerName } from '../initializers.js';
import { formatSymbolicShape, type SymbolicShape } from '../symbolic.js';
import { Layer, type LayerOptions, type Weight } from './layer.js';

export type { Padding };

/** The output's [height, width] for an input's (either may be unknown: null). */
function outputSize(
  shape: SymbolicShape,
  kernel: [number, number],
  strides: [number, number],
  padding: Padding,
): [number | null, number | null] {
  const [, h, w] = shape;
  return [
    h === null || h === undefined ? null : windowOutput(h, kernel[0], strides[0], padding).out,
    w === null || w === undefined ? null : windowOutput(w, kernel[1], strides[1], padding).out,
  ];
}

function checkImage(layer: Layer, shape: SymbolicShape, kernel: [number, number], padding: Padding): void {
  if (shape.length !== 4) {
    throw new ShapeError(
      `layer '${layer.name}' (${layer.className}): input has shape ${formatSymbolicShape(shape)}, expected [batch, height, width, channels]`,
    );
  }
  const [, h, w] = shape;
  if (padding === 'valid' && ((h !== null && h! < kernel[0]) || (w !== null && w! < kernel[1]))) {
    throw new ShapeError(
      `layer '${layer.name}' (${layer.className}): input ${formatSymbolicShape(shape)} is smaller than the window [${kernel.join(', ')}] with 'valid' padding; use padding 'same' or a smaller window`,
    );
  }
}

export interface Conv2DOptions extends LayerOptions {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  kernel!: Weight;
  bias: Weight | null = null;
  private readonly activate: (x: Tensor) => Tensor;
  constructor(options: Conv2DOptions) {
    super(options, 'conv2d');
    if (!(Number.isInteger(options.filters) && options.filters > 0)) {
      throw new VerboError(`conv2d: filters must be a positive integer, got ${options.filters}`);
    }
    this.filters = options.filters;
    this.kernelSize = pairOf(options.kernelSize, [0, 0], 'conv2d: kernelSize');
    this.strides = pairOf(options.strides, [1, 1], 'conv2d: strides');
    this.padding = checkPadding('conv2d', options.padding ?? 'valid');
    this.activation = options.activation ?? 'linear';
    this.activate = getActivation(this.activation, this.name);
    this.useBias = options.useBias ?? true;
  }
  override build(inputShapes: SymbolicShape[]): void {
    const shape = inputShapes[0]!;
    checkImage(this, shape, this.kernelSize, this.padding);
    const channels = shape[3];
    if (channels === null || channels === undefined) {
      throw new ShapeError(
        `layer '${this.name}' (Conv2D): the channel axis must be known, got ${formatSymbolicShape(shape)}`,
      );
    }
    const random = this.weightRandom();
    const o = this.options as Conv2DOptions;
    this.kernel = this.addWeight(
      'kernel',
      [...this.kernelSize, channels, this.filters],
      o.kernelInitializer ?? 'glorotUniform',
      random,
    );
    if (this.useBias)
      this.bias = this.addWeight('bias', [this.filters], o.biasInitializer ?? 'zeros', random);
    this.inputSpec = [{ rank: 4, lastAxis: channels }];
  }
  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    const shape = inputShapes[0]!;
    checkImage(this, shape, this.kernelSize, this.padding);
    return [[shape[0]!, ...outputSize(shape, this.kernelSize, this.strides, this.padding), this.filters]];
  }
  call([x]: Tensor[]): Tensor[] {
    checkImage(this, x!.shape, this.kernelSize, this.padding);
    // relu runs inside the convolution op (one pass, no intermediate tensor); other activations after it.
    const fused = this.activation === 'relu';
    const y = conv2dOp(x!, this.kernel.value, this.bias?.value, {
      strides: this.strides,
      padding: this.padding,
      activation: fused ? 'relu' : 'linear',
    });
    return [fused ? y : this.activate(y)];
  }
  getConfig(): Record<string, unknown> {
    const o = this.options as Conv2DOptions;
    return {
      name: this.name,
      trainable: this.trainable,
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: initializerName(o.kernelInitializer ?? 'glorotUniform'),
    };
  }
}

export function conv2d(options: Conv2DOptions): Conv2D {
  return new Conv2D(options);
}

export interface MaxPooling2DOptions extends LayerOptions {
  /** Window size (default 2 × 2). */
  poolSize?: number | [number, number];
  /** Step (default: the pool size). */
  strides?: number | [number, number];
  padding?: Padding;
}

export class MaxPooling2D extends Layer {
  readonly className = 'MaxPooling2D';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  constructor(options: MaxPooling2DOptions = {}) {
    super(options, 'max_pooling2d');
    this.poolSize = pairOf(options.poolSize, [2, 2], 'maxPooling2d: poolSize');
    this.strides = pairOf(options.strides, this.poolSize, 'maxPooling2d: strides');
    this.padding = checkPadding('maxPooling2d', options.padding ?? 'valid');
  }
  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    const shape = inputShapes[0]!;
    checkImage(this, shape, this.poolSize, this.padding);
    return [[shape[0]!, ...outputSize(shape, this.poolSize, this.strides, this.padding), shape[3]!]];
  }
  call([x]: Tensor[]): Tensor[] {
    checkImage(this, x!.shape, this.poolSize, this.padding);
    return [maxPool2d(x!, { poolSize: this.poolSize, strides: this.strides, padding: this.padding })];
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name, poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

export function maxPooling2d(options: MaxPooling2DOptions = {}): MaxPooling2D {
  return new MaxPooling2D(options);
}
