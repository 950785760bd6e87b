// The Layer base class (Keras / tfjs-layers `Layer`): owns weights, builds them lazily from the
// first input shape, computes output shapes symbolically, and runs eagerly on Tensors.
//
// `apply(x)` with SymbolicTensors records a Node (functional API); with Tensors it runs `call`
// directly (inference by default). Subclasses implement `build`, `computeOutputShape`, `call` and
// `getConfig`; `inputSpec` names the expected rank / last axis so a wrong input shape fails with the
// layer's name and both shapes.
import { Tensor } from '../../tensor/index.js';
import { ShapeError, VerboError } from '../../util/errors.js';
import { Random } from '../../util/random.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { formatSymbolicShape, Node, type SymbolicShape, shapeMatches, SymbolicTensor } from '../symbolic.js';

/** Options every layer factory accepts. */
export interface LayerOptions {
  /**
   * Unique name in a model. Default: the snake_case class name, made unique by the model that uses
   * the layer, by position (dense, dense_1, …) — no process-wide counter.
   */
  name?: string;
  /** Whether the optimizer updates this layer's weights (default true). */
  trainable?: boolean;
  /**
   * Seed for the initial weights. Default: the model's seed and the layer's position in it (a layer used
   * alone: a hash of its name), so the same code gives the same weights in any process and any order.
   */
  seed?: number;
  /** For the first layer of sequential(): the shape of one example, without the batch axis. */
  inputShape?: readonly (number | null)[];
}

/** What a layer sees while it runs. */
export interface CallContext {
  /** Training mode: dropout active, stateful recurrent layers keep their state. */
  training: boolean;
  /** The seeded source for dropout masks. */
  random: Random;
}

/** One weight variable: a Tensor that requires gradients when trainable. */
export class Weight {
  /** `layer/kernel`; follows the layer's name when a model names the layer. */
  name: string;
  value: Tensor;
  readonly initializer: Initializer;
  /** The weight's own switch (e.g. a frozen embedding); the layer's `trainable` also applies. */
  trainable: boolean;
  constructor(name: string, value: Tensor, initializer: Initializer, trainable: boolean) {
    this.name = name;
    this.value = value;
    this.initializer = initializer;
    this.trainable = trainable;
  }
}

/** What a layer checks about each input: rank, and fixed sizes of trailing axes. */
export interface InputSpec {
  /** Exact rank including the batch axis. */
  rank?: number;
  minRank?: number;
  /** Size of the last axis once built. */
  lastAxis?: number;
}

/** The seed of the layer at `position` in a model seeded with `seed` (a hash of both). */
export function deriveSeed(seed: number, position: number): number {
  return hashString(`${seed}/${position}`);
}

/** A 32-bit hash of a string (FNV-1a), to seed weights from a layer's name. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export abstract class Layer {
  private _name: string;
  /** The snake_case class name a default name starts with (dense, lstm, conv2d). */
  readonly prefix: string;
  /** Whether the name is final (given by the user, or chosen by the first model that used the layer). */
  nameIsFinal: boolean;
  /**
   * Whether the weights are still those drawn from the default seed: the first model that uses the
   * layer redraws them from its own seed and the layer's position. Cleared by an explicit seed,
   * setWeights, loading and training, so trained or given weights are never redrawn.
   */
  drawnFromDefaultSeed = false;
  /** Keras class name, used in summaries and saved architectures. */
  abstract readonly className: string;
  protected _trainable: boolean;
  built = false;
  readonly weights: Weight[] = [];
  /** The nodes made by applying this layer to symbolic tensors, in order. */
  readonly inboundNodes: Node[] = [];
  /** Per-input expectations checked by apply (undefined: no check). */
  inputSpec: InputSpec[] | undefined;
  protected seed: number;
  /** The options the layer was made with. */
  readonly options: LayerOptions;

  constructor(options: LayerOptions, prefix: string) {
    this.options = options;
    this.prefix = prefix;
    this._name = options.name ?? prefix;
    this.nameIsFinal = options.name !== undefined;
    this._trainable = options.trainable ?? true;
    this.seed = options.seed ?? hashString(this._name);
  }

  get name(): string {
    return this._name;
  }

  /** Gives the layer its name in a model (weights are renamed with it). Called by Model. */
  setName(name: string): void {
    for (const weight of this.weights) {
      if (weight.name.startsWith(`${this._name}/`))
        weight.name = `${name}${weight.name.slice(this._name.length)}`;
    }
    this._name = name;
    this.nameIsFinal = true;
  }

  get trainable(): boolean {
    return this._trainable;
  }

  set trainable(value: boolean) {
    this._trainable = value;
    for (const weight of this.weights) weight.value.requiresGrad = value && weight.trainable;
  }

  /** Creates the weights from the input shapes (batch axis null). Called once, by apply. */
  build(_inputShapes: SymbolicShape[]): void {}

  /** The output shapes for these input shapes (one per output). */
  abstract computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[];

  /** The forward pass on concrete tensors (one per input), returning one tensor per output. */
  abstract call(inputs: Tensor[], context: CallContext): Tensor[];

  /** The constructor options that rebuild this layer (JSON-serialisable). */
  abstract getConfig(): Record<string, unknown>;

  /** Adds a weight drawn from `initializer` with this layer's seeded Random. */
  protected addWeight(
    name: string,
    shape: readonly number[],
    initializer: Initializer,
    random: Random,
    trainable = true,
  ): Weight {
    const values = getInitializer(initializer)(shape, random);
    const value = new Tensor(values, shape, undefined, 0, { requiresGrad: trainable && this._trainable });
    const weight = new Weight(`${this.name}/${name}`, value, initializer, trainable);
    this.weights.push(weight);
    if (this.options.seed === undefined) this.drawnFromDefaultSeed = true;
    return weight;
  }

  /** A fresh Random for building weights (seeded from the layer's seed). */
  protected weightRandom(): Random {
    return new Random(this.seed);
  }

  /** Redraws every weight from its initializer, in creation order, from Random(seed). */
  reinitialize(seed: number): void {
    this.seed = seed;
    const random = new Random(seed);
    for (const weight of this.weights) {
      weight.value.data.set(getInitializer(weight.initializer)(weight.value.shape, random));
    }
    this.drawnFromDefaultSeed = false;
  }

  /** The trainable weight tensors (empty when the layer is frozen). */
  get trainableWeights(): Tensor[] {
    return this._trainable ? this.weights.filter((w) => w.trainable).map((w) => w.value) : [];
  }

  /** Number of scalars in all weights (trainable or not). */
  countParams(): number {
    return this.weights.reduce((n, w) => n + w.value.size, 0);
  }

  /** Copies of the weight values, in creation order (Keras getWeights). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => new Tensor(w.value.toFloat32Array(), w.value.shape));
  }

  /** Overwrites the weights in place (same order and shapes as getWeights). */
  setWeights(values: readonly (Tensor | Float32Array)[]): void {
    if (values.length !== this.weights.length) {
      throw new ShapeError(
        `${this.name}.setWeights: expected ${this.weights.length} arrays (${this.weights
          .map((w) => `${w.name} ${formatSymbolicShape(w.value.shape)}`)
          .join(', ')}), got ${values.length}`,
      );
    }
    values.forEach((value, i) => {
      const weight = this.weights[i]!;
      const data = value instanceof Tensor ? value.toFloat32Array() : value;
      if (
        data.length !== weight.value.size ||
        (value instanceof Tensor && !sameDims(value.shape, weight.value.shape))
      ) {
        const got = value instanceof Tensor ? formatSymbolicShape(value.shape) : `${data.length} values`;
        throw new ShapeError(
          `${this.name}.setWeights: weight ${weight.name} has shape ${formatSymbolicShape(weight.value.shape)}, got ${got}`,
        );
      }
      weight.value.data.set(data);
    });
    this.drawnFromDefaultSeed = false;
  }

  /** Applies the layer: symbolic inputs record a node, tensors run the layer (not training). */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor;
  apply(inputs: Tensor | Tensor[], context?: Partial<CallContext>): Tensor;
  apply(
    inputs: SymbolicTensor | SymbolicTensor[] | Tensor | Tensor[],
    context?: Partial<CallContext>,
  ): SymbolicTensor | Tensor {
    const outputs = (this.applyAll as (x: unknown, c?: Partial<CallContext>) => (SymbolicTensor | Tensor)[])(
      inputs,
      context,
    );
    if (outputs.length !== 1) {
      throw new VerboError(
        `${this.name}: this layer has ${outputs.length} outputs (e.g. returnState); use layer.applyAll(x), which returns them all`,
      );
    }
    return outputs[0]!;
  }

  /** Like apply, but always returns the list of outputs. */
  applyAll(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor[];
  applyAll(inputs: Tensor | Tensor[], context?: Partial<CallContext>): Tensor[];
  applyAll(
    inputs: SymbolicTensor | SymbolicTensor[] | Tensor | Tensor[],
    context: Partial<CallContext> = {},
  ): SymbolicTensor[] | Tensor[] {
    const list = (Array.isArray(inputs) ? inputs : [inputs]) as (SymbolicTensor | Tensor)[];
    if (list.length === 0) throw new VerboError(`${this.name}: apply needs at least one input`);
    const symbolic = list.every((x) => x instanceof SymbolicTensor);
    if (!symbolic && !list.every((x) => x instanceof Tensor)) {
      throw new VerboError(
        `${this.name}: apply takes either SymbolicTensors (from input()) or Tensors, not both`,
      );
    }
    const shapes: SymbolicShape[] = symbolic
      ? (list as SymbolicTensor[]).map((x) => x.shape)
      : (list as Tensor[]).map((x) => [null, ...x.shape.slice(1)]);
    if (symbolic || !this.built) this.ensureBuilt(shapes);
    if (symbolic) {
      const node = new Node(this, list as SymbolicTensor[]);
      const outShapes = this.computeOutputShape(shapes);
      outShapes.forEach((shape, i) => {
        node.outputs.push(new SymbolicTensor(shape, node, i));
      });
      this.inboundNodes.push(node);
      return node.outputs;
    }
    this.checkConcrete(list as Tensor[]);
    return this.call(list as Tensor[], {
      training: context.training ?? false,
      random: context.random ?? new Random(this.seed),
    });
  }

  /** Builds on first use and checks the input shapes against inputSpec. */
  protected ensureBuilt(shapes: SymbolicShape[]): void {
    this.checkInputShapes(shapes);
    if (!this.built) {
      this.build(shapes);
      this.built = true;
      this.checkInputShapes(shapes);
    }
  }

  /** Runs inputSpec on concrete tensors (their real batch size included). */
  checkConcrete(inputs: Tensor[]): void {
    this.checkInputShapes(inputs.map((x) => x.shape));
  }

  protected checkInputShapes(shapes: readonly SymbolicShape[]): void {
    const spec = this.inputSpec;
    if (spec === undefined) return;
    if (shapes.length !== spec.length) {
      throw new ShapeError(
        `layer '${this.name}' (${this.className}) expects ${spec.length} input(s), got ${shapes.length}: ${shapes
          .map(formatSymbolicShape)
          .join(', ')}`,
      );
    }
    shapes.forEach((shape, i) => {
      const s = spec[i]!;
      const bad =
        (s.rank !== undefined && shape.length !== s.rank) ||
        (s.minRank !== undefined && shape.length < s.minRank) ||
        (s.lastAxis !== undefined &&
          shape[shape.length - 1] !== s.lastAxis &&
          shape[shape.length - 1] !== null);
      if (bad) {
        throw new ShapeError(
          `layer '${this.name}' (${this.className}): input ${i} has shape ${formatSymbolicShape(shape)}, expected ${describeSpec(s)}`,
        );
      }
    });
  }

  /** Resets recurrent state (no-op for stateless layers). */
  resetStates(): void {}

  toString(): string {
    return `${this.className}(${this.name})`;
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describeSpec(spec: InputSpec): string {
  const parts: string[] = [];
  if (spec.rank !== undefined) {
    parts.push(
      `rank ${spec.rank} (${['[batch', ...Array.from({ length: spec.rank - 1 }, () => '…')].join(', ')}])`,
    );
  }
  if (spec.minRank !== undefined) parts.push(`rank ≥ ${spec.minRank}`);
  if (spec.lastAxis !== undefined) parts.push(`last axis ${spec.lastAxis}`);
  return parts.join(', ');
}

/** Checks that a symbolic shape matches a concrete one, naming the layer. */
export function checkShapeFits(
  layer: string,
  what: string,
  expected: SymbolicShape,
  got: readonly number[],
): void {
  if (!shapeMatches(expected, got)) {
    throw new ShapeError(
      `${layer}: ${what} has shape ${formatSymbolicShape(got)}, expected ${formatSymbolicShape(expected)}`,
    );
  }
}
