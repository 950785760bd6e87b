// Convolution and pooling on channels-last images [batch, height, width, channels] (Keras' default).
//
// Conv2D by im2col + matmul: every output position's receptive field (kh × kw × channels values) is
// gathered into one row — a `gather` along the flattened spatial axis, with out-of-image positions
// pointing at an appended zero row for 'same' padding — so the whole convolution is one
// [batch·outH·outW, kh·kw·channels] · [kh·kw·channels, filters] matmul. The gather's gradient is a
// scatter-add, which sums the overlapping windows' contributions back into the input.
//   'valid': out = ⌊(in − k) / s⌋ + 1      'same': out = ⌈in / s⌉, padding split as Keras/TF do
//   (the extra pixel of an odd total goes after: top = ⌊total / 2⌋).
// MaxPooling2D gathers each window the same way and takes the max over it (the gradient goes to
// the largest entry of each window).
import { add, concat, gather, matmul, max, reshape, type Tensor, zeros } from '../../tensor/index.js';
import { ShapeError, VerboError } from '../../util/errors.js';
import { type ActivationName, getActivation } from '../activations.js';
import { type Initializer, initializerName } from '../initializers.js';
import { formatSymbolicShape, type SymbolicShape } from '../symbolic.js';
import { Layer, type LayerOptions, type Weight } from './layer.js';

export type Padding = 'valid' | 'same';

function pair(
  value: number | readonly [number, number] | undefined,
  fallback: [number, number],
  what: string,
  layer: string,
): [number, number] {
  const p: [number, number] =
    value === undefined ? fallback : typeof value === 'number' ? [value, value] : [value[0], value[1]];
  if (!p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new VerboError(
      `${layer}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(value)}`,
    );
  }
  return p;
}

interface Geometry {
  outH: number;
  outW: number;
  padTop: number;
  padLeft: number;
}

function geometry(
  size: [number, number],
  kernel: [number, number],
  strides: [number, number],
  padding: Padding,
): Geometry {
  if (padding === 'valid') {
    return {
      outH: Math.floor((size[0] - kernel[0]) / strides[0]) + 1,
      outW: Math.floor((size[1] - kernel[1]) / strides[1]) + 1,
      padTop: 0,
      padLeft: 0,
    };
  }
  const outH = Math.ceil(size[0] / strides[0]);
  const outW = Math.ceil(size[1] / strides[1]);
  const padH = Math.max((outH - 1) * strides[0] + kernel[0] - size[0], 0);
  const padW = Math.max((outW - 1) * strides[1] + kernel[1] - size[1], 0);
  return { outH, outW, padTop: Math.floor(padH / 2), padLeft: Math.floor(padW / 2) };
}

/**
 * For each output position (row-major) and each kernel offset (row-major), the flat spatial index
 * it reads, or height·width (the appended zero row) outside the image. Also whether any is outside.
 */
function windowIndices(
  height: number,
  width: number,
  kernel: [number, number],
  strides: [number, number],
  g: Geometry,
): { indices: Int32Array; padded: boolean } {
  const indices = new Int32Array(g.outH * g.outW * kernel[0] * kernel[1]);
  let padded = false;
  let n = 0;
  for (let oy = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++) {
      for (let ky = 0; ky < kernel[0]; ky++) {
        for (let kx = 0; kx < kernel[1]; kx++) {
          const iy = oy * strides[0] + ky - g.padTop;
          const ix = ox * strides[1] + kx - g.padLeft;
          const inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
          if (!inside) padded = true;
          indices[n++] = inside ? iy * width + ix : height * width;
        }
      }
    }
  }
  return { indices, padded };
}

/** [batch, h, w, c] → [batch, outH·outW·kh·kw, c] windows (zeros outside the image). */
function gatherWindows(
  x: Tensor,
  kernel: [number, number],
  strides: [number, number],
  padding: Padding,
): { windows: Tensor; g: Geometry } {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const g = geometry([height, width], kernel, strides, padding);
  const { indices, padded } = windowIndices(height, width, kernel, strides, g);
  let flat = reshape(x, [batch, height * width, channels]);
  if (padded) flat = concat([flat, zeros([batch, 1, channels])], 1);
  return { windows: gather(flat, indices, 1), g };
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
    this.kernelSize = pair(options.kernelSize, [0, 0], 'kernelSize', 'conv2d');
    this.strides = pair(options.strides, [1, 1], 'strides', 'conv2d');
    this.padding = options.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') {
      throw new VerboError(`conv2d: padding must be 'valid' or 'same', got '${String(this.padding)}'`);
    }
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
    const [batch, h, w] = shape;
    const g =
      h !== null && w !== null ? geometry([h!, w!], this.kernelSize, this.strides, this.padding) : null;
    return [[batch!, g ? g.outH : null, g ? g.outW : null, this.filters]];
  }
  call([x]: Tensor[]): Tensor[] {
    checkImage(this, x!.shape, this.kernelSize, this.padding);
    const [batch, , , channels] = x!.shape as [number, number, number, number];
    const { windows, g } = gatherWindows(x!, this.kernelSize, this.strides, this.padding);
    const patch = this.kernelSize[0] * this.kernelSize[1] * channels;
    const columns = reshape(windows, [batch * g.outH * g.outW, patch]); // im2col
    let y = matmul(columns, reshape(this.kernel.value, [patch, this.filters]));
    if (this.bias) y = add(y, this.bias.value);
    return [this.activate(reshape(y, [batch, g.outH, g.outW, this.filters]))];
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
    this.poolSize = pair(options.poolSize, [2, 2], 'poolSize', 'maxPooling2d');
    this.strides = pair(options.strides, this.poolSize, 'strides', 'maxPooling2d');
    this.padding = options.padding ?? 'valid';
    if (this.padding !== 'valid') {
      throw new VerboError(`maxPooling2d: only padding 'valid' is supported, got '${String(this.padding)}'`);
    }
  }
  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    const shape = inputShapes[0]!;
    checkImage(this, shape, this.poolSize, this.padding);
    const [batch, h, w, c] = shape;
    const g = h !== null && w !== null ? geometry([h!, w!], this.poolSize, this.strides, this.padding) : null;
    return [[batch!, g ? g.outH : null, g ? g.outW : null, c!]];
  }
  call([x]: Tensor[]): Tensor[] {
    checkImage(this, x!.shape, this.poolSize, this.padding);
    const [batch, , , channels] = x!.shape as [number, number, number, number];
    const { windows, g } = gatherWindows(x!, this.poolSize, this.strides, this.padding);
    const grouped = reshape(windows, [batch, g.outH * g.outW, this.poolSize[0] * this.poolSize[1], channels]);
    return [reshape(max(grouped, 2), [batch, g.outH, g.outW, channels])];
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name, poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

export function maxPooling2d(options: MaxPooling2DOptions = {}): MaxPooling2D {
  return new MaxPooling2D(options);
}
