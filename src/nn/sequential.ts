// sequential([...]): a Model whose layers run one after the other (Keras Sequential). The graph is
// built from an input of the first layer's `inputShape` (or the `inputShape` option), or lazily from
// the first data given to fit / evaluate / predict.
import { input } from './layers/core.js';
import type { Layer, LayerOptions } from './layers/layer.js';
import { Model } from './model.js';
import type { SymbolicTensor } from './symbolic.js';
import { VerboError } from '../util/errors.js';

export interface SequentialOptions extends LayerOptions {
  /** The shape of one example (without the batch axis), if the first layer does not give it. */
  inputShape?: readonly (number | null)[];
}

export class Sequential extends Model {
  override readonly className = 'Sequential';
  private readonly pending: Layer[] = [];
  private inputShape: readonly (number | null)[] | undefined;

  constructor(layers: readonly Layer[] = [], options: SequentialOptions = {}) {
    super(options, 'sequential');
    this.inputShape = options.inputShape;
    for (const layer of layers) this.add(layer);
  }

  /** Appends a layer (before the model is built). */
  add(layer: Layer): void {
    if (this.built)
      throw new VerboError(`sequential '${this.name}': cannot add layers after the model is built`);
    if (this.pending.length === 0 && this.inputShape === undefined) {
      const declared = layer.options.inputShape;
      if (declared !== undefined) this.inputShape = declared;
    }
    this.pending.push(layer);
    if (this.inputShape !== undefined) this.buildFrom(this.inputShape, false);
  }

  private buildFrom(shape: readonly (number | null)[], final: boolean): void {
    if (this.pending.length === 0) {
      if (final) throw new VerboError(`sequential '${this.name}' has no layers`);
      return;
    }
    if (!final) return;
    let x = input({ shape, name: `${this.name}_input` });
    const first = x;
    for (const layer of this.pending) x = layer.apply(x);
    this.setGraph([first], [x]);
  }

  protected override ensureGraph(shapes?: readonly (readonly number[])[]): void {
    if (this.built) return;
    const shape = this.inputShape ?? shapes?.[0]?.slice(1);
    if (shape === undefined) return;
    this.buildFrom(shape, true);
  }

  /** @internal Takes an already applied chain of layers (loading a saved Sequential). */
  adopt(inputs: SymbolicTensor[], outputs: SymbolicTensor[], layers: Layer[]): void {
    this.pending.length = 0;
    this.pending.push(...layers);
    this.setGraph(inputs, outputs);
  }

  /** Builds the graph now for examples of this shape (without the batch axis). */
  buildWith(inputShape: readonly (number | null)[]): void {
    this.inputShape = inputShape;
    this.ensureGraph();
  }
}

/** A model that applies `layers` in order (Keras `tf.keras.Sequential([...])`). */
export function sequential(layers: readonly Layer[], options: SequentialOptions = {}): Sequential {
  return new Sequential(layers, options);
}
