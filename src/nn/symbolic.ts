// Symbolic tensors and nodes: the graph the functional API builds before any numbers flow
// (Keras / tfjs-layers vocabulary). `input({ shape })` makes a SymbolicTensor with a null batch axis;
// `layer.apply(symbolic)` records a Node (layer, its input symbols, its output symbols) and returns
// the outputs; `model({ inputs, outputs })` walks the nodes back from the outputs. A layer applied
// twice gets two nodes and keeps one set of weights (a shared layer).
import type { Layer } from './layers/layer.js';

/** A shape whose leading (batch) axis, or any unknown axis, is null. */
export type SymbolicShape = readonly (number | null)[];

/** One application of a layer: which symbols went in, which came out. */
export class Node {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: SymbolicTensor[] = [];
  constructor(layer: Layer, inputs: readonly SymbolicTensor[]) {
    this.layer = layer;
    this.inputs = inputs;
  }
}

/** A placeholder for a tensor in a model being built: a shape and the node that will compute it. */
export class SymbolicTensor {
  readonly shape: SymbolicShape;
  /** The node that produces this symbol (an InputLayer's node for model inputs). */
  readonly node: Node;
  /** Which output of the node this is. */
  readonly outputIndex: number;
  constructor(shape: SymbolicShape, node: Node, outputIndex: number) {
    this.shape = Object.freeze([...shape]);
    this.node = node;
    this.outputIndex = outputIndex;
  }

  /** The layer's name, with `/i` when its node has several outputs (lstm/1 for a returned state). */
  get name(): string {
    const layer = this.node.layer.name;
    return this.node.outputs.length > 1 ? `${layer}/${this.outputIndex}` : layer;
  }

  /** The layer whose node produces this symbol. */
  get sourceLayer(): Layer {
    return this.node.layer;
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `SymbolicTensor(${this.name}, ${formatSymbolicShape(this.shape)})`;
  }
}

/** [null, 28, 28, 1] → "(None, 28, 28, 1)", as Keras prints shapes (a one-axis shape is "(None,)"). */
export function formatSymbolicShape(shape: SymbolicShape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** Whether a concrete shape fits a symbolic one (null matches any size). */
export function shapeMatches(symbolic: SymbolicShape, concrete: readonly number[]): boolean {
  return (
    symbolic.length === concrete.length && symbolic.every((d, axis) => d === null || d === concrete[axis])
  );
}
