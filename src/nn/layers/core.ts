// Core layers: Input, Dense, Embedding, Dropout, Flatten (Keras names and options).
//   Dense:     y = activation(x · kernel + bias), kernel [inputDim, units]; x may be [batch, …, inputDim]
//   Embedding: integer ids [batch, …] → rows of the [inputDim, outputDim] table (a gather, whose
//              gradient scatter-adds into the rows used); can start from given vectors and be frozen
//   Dropout:   inverted dropout while training, identity otherwise
//   Flatten:   [batch, …] → [batch, product of the rest]
import { dropout as dropoutOp, gather, linear, matmul, reshape, type Tensor } from '../../tensor/index.js';
import { ShapeError, VerboError } from '../../util/errors.js';
import { type ActivationName, getActivation } from '../activations.js';
import { type Initializer, initializerName } from '../initializers.js';
import { formatSymbolicShape, Node, type SymbolicShape, SymbolicTensor } from '../symbolic.js';
import { type CallContext, Layer, type LayerOptions, type Weight } from './layer.js';

// ---- Input ------------------------------------------------------------------------------------

export interface InputOptions {
  /** The shape of one example, without the batch axis (e.g. [784] or [35]). */
  shape: readonly (number | null)[];
  name?: string;
}

/** The layer behind input(): no weights, one node without inputs. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  readonly batchShape: SymbolicShape;
  readonly output: SymbolicTensor;
  constructor(options: InputOptions) {
    super({ name: options.name }, 'input');
    if (
      !Array.isArray(options.shape) ||
      options.shape.some((d) => d !== null && !(Number.isInteger(d) && d > 0))
    ) {
      throw new VerboError(
        `input: shape must be an array of positive integers (or null), without the batch axis, got ${JSON.stringify(options.shape)}`,
      );
    }
    this.batchShape = [null, ...options.shape];
    const node = new Node(this, []);
    this.output = new SymbolicTensor(this.batchShape, node, 0);
    node.outputs.push(this.output);
    this.inboundNodes.push(node);
    this.built = true;
  }
  computeOutputShape(): SymbolicShape[] {
    return [this.batchShape];
  }
  call(inputs: Tensor[]): Tensor[] {
    return inputs;
  }
  getConfig(): Record<string, unknown> {
    return { shape: this.batchShape.slice(1), name: this.name };
  }
}

/** A symbolic model input; `shape` excludes the batch axis (Keras `input({ shape })`). */
export function input(options: InputOptions): SymbolicTensor {
  return new InputLayer(options).output;
}

// ---- Dense ------------------------------------------------------------------------------------

export interface DenseOptions extends LayerOptions {
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  kernel!: Weight;
  bias: Weight | null = null;
  private readonly activate: (x: Tensor) => Tensor;
  constructor(options: DenseOptions) {
    super(options, 'dense');
    if (!(Number.isInteger(options.units) && options.units > 0)) {
      throw new VerboError(`dense: units must be a positive integer, got ${options.units}`);
    }
    this.units = options.units;
    this.activation = options.activation ?? 'linear';
    this.activate = getActivation(this.activation, this.name);
    this.useBias = options.useBias ?? true;
    this.inputSpec = [{ minRank: 2 }];
  }
  override build(inputShapes: SymbolicShape[]): void {
    const shape = inputShapes[0]!;
    const inputDim = shape[shape.length - 1];
    if (inputDim === null || inputDim === undefined) {
      throw new ShapeError(
        `layer '${this.name}' (Dense): the last axis of the input must be known, got ${formatSymbolicShape(shape)}`,
      );
    }
    const random = this.weightRandom();
    this.kernel = this.addWeight(
      'kernel',
      [inputDim, this.units],
      (this.options as DenseOptions).kernelInitializer ?? 'glorotUniform',
      random,
    );
    if (this.useBias)
      this.bias = this.addWeight(
        'bias',
        [this.units],
        (this.options as DenseOptions).biasInitializer ?? 'zeros',
        random,
      );
    this.inputSpec = [{ minRank: 2, lastAxis: inputDim }];
  }
  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    return [[...inputShapes[0]!.slice(0, -1), this.units]];
  }
  call([x]: Tensor[]): Tensor[] {
    const y = this.bias ? linear(x!, this.kernel.value, this.bias.value) : matmul(x!, this.kernel.value);
    return [this.activate(y)];
  }
  getConfig(): Record<string, unknown> {
    const o = this.options as DenseOptions;
    return {
      name: this.name,
      trainable: this.trainable,
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: initializerName(o.kernelInitializer ?? 'glorotUniform'),
      biasInitializer: initializerName(o.biasInitializer ?? 'zeros'),
    };
  }
}

export function dense(options: DenseOptions): Dense {
  return new Dense(options);
}

// ---- Embedding ----------------------------------------------------------------------------------

export interface EmbeddingOptions extends LayerOptions {
  /** Vocabulary size: ids are 0 … inputDim − 1. */
  inputDim: number;
  /** Vector size. */
  outputDim: number;
  embeddingsInitializer?: Initializer;
  /** Starting vectors (e.g. from word2vec): one [inputDim, outputDim] table, row-major. */
  weights?: Tensor | Float32Array | [Tensor | Float32Array];
  /** Optional: the length of the id sequences (for summaries). */
  inputLength?: number;
}

export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  embeddings!: Weight;
  constructor(options: EmbeddingOptions) {
    super(options, 'embedding');
    for (const key of ['inputDim', 'outputDim'] as const) {
      if (!(Number.isInteger(options[key]) && options[key] > 0)) {
        throw new VerboError(`embedding: ${key} must be a positive integer, got ${options[key]}`);
      }
    }
    this.inputDim = options.inputDim;
    this.outputDim = options.outputDim;
    this.inputSpec = [{ minRank: 1 }];
  }
  override build(): void {
    const o = this.options as EmbeddingOptions;
    let initializer: Initializer = o.embeddingsInitializer ?? uniformSmall;
    if (o.weights !== undefined) {
      const given = Array.isArray(o.weights) ? o.weights[0]! : o.weights;
      const values = given instanceof Float32Array ? given : given.toFloat32Array();
      if (values.length !== this.inputDim * this.outputDim) {
        const got =
          given instanceof Float32Array ? `${values.length} values` : formatSymbolicShape(given.shape);
        throw new ShapeError(
          `layer '${this.name}' (Embedding): weights must be [${this.inputDim}, ${this.outputDim}] (inputDim, outputDim), got ${got}`,
        );
      }
      const copy = Float32Array.from(values);
      initializer = () => Float32Array.from(copy);
    }
    this.embeddings = this.addWeight(
      'embeddings',
      [this.inputDim, this.outputDim],
      initializer,
      this.weightRandom(),
    );
  }
  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    return [[...inputShapes[0]!, this.outputDim]];
  }
  call([ids]: Tensor[]): Tensor[] {
    const flat = ids!.toFloat32Array();
    const indices = new Int32Array(flat.length);
    for (let i = 0; i < flat.length; i++) {
      const id = flat[i]!;
      if (!(Number.isInteger(id) && id >= 0 && id < this.inputDim)) {
        throw new ShapeError(
          `layer '${this.name}' (Embedding): id ${id} at flat index ${i} of input ${formatSymbolicShape(ids!.shape)} is outside 0…${this.inputDim - 1} (inputDim ${this.inputDim})`,
        );
      }
      indices[i] = id;
    }
    const rows = gather(this.embeddings.value, indices, 0); // [ids, outputDim]
    return [reshape(rows, [...ids!.shape, this.outputDim])];
  }
  getConfig(): Record<string, unknown> {
    const o = this.options as EmbeddingOptions;
    return {
      name: this.name,
      trainable: this.trainable,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: o.embeddingsInitializer
        ? initializerName(o.embeddingsInitializer)
        : 'randomUniform',
      ...(o.inputLength !== undefined ? { inputLength: o.inputLength } : {}),
    };
  }
}

/** Keras' default for embeddings: U(−0.05, 0.05). */
const uniformSmall: Initializer = (shape, random) => {
  const out = new Float32Array(shape.reduce((n, d) => n * d, 1));
  for (let i = 0; i < out.length; i++) out[i] = random.uniform(-0.05, 0.05);
  return out;
};

export function embedding(options: EmbeddingOptions): Embedding {
  return new Embedding(options);
}

// ---- Dropout ------------------------------------------------------------------------------------

export interface DropoutOptions extends LayerOptions {
  /** Fraction of inputs zeroed while training, in [0, 1). */
  rate: number;
}

export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  constructor(options: DropoutOptions) {
    super(options, 'dropout');
    if (!(options.rate >= 0 && options.rate < 1)) {
      throw new VerboError(`dropout: rate must be in [0, 1), got ${options.rate}`);
    }
    this.rate = options.rate;
  }
  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    return [inputShapes[0]!];
  }
  call([x]: Tensor[], context: CallContext): Tensor[] {
    return [dropoutOp(x!, this.rate, context.random, context.training)];
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name, rate: this.rate };
  }
}

export function dropout(options: DropoutOptions): Dropout {
  return new Dropout(options);
}

// ---- Flatten ------------------------------------------------------------------------------------

export class Flatten extends Layer {
  readonly className = 'Flatten';
  constructor(options: LayerOptions = {}) {
    super(options, 'flatten');
    this.inputSpec = [{ minRank: 2 }];
  }
  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    const rest = inputShapes[0]!.slice(1);
    const known = rest.every((d) => d !== null);
    return [[null, known ? (rest as number[]).reduce((n, d) => n * d, 1) : null]];
  }
  call([x]: Tensor[]): Tensor[] {
    return [reshape(x!, [x!.shape[0]!, -1])];
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

export function flatten(options: LayerOptions = {}): Flatten {
  return new Flatten(options);
}
