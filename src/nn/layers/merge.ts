// Merge layers: Add (elementwise sum of same-shaped inputs, for residual connections) and
// Concatenate (join along an axis, default the last).
import { add as addOp, concat, type Tensor } from '../../tensor/index.js';
import { ShapeError } from '../../util/errors.js';
import { formatSymbolicShape, type SymbolicShape } from '../symbolic.js';
import { Layer, type LayerOptions } from './layer.js';

export class Add extends Layer {
  readonly className = 'Add';
  constructor(options: LayerOptions = {}) {
    super(options, 'add');
  }
  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    if (inputShapes.length < 2) {
      throw new ShapeError(`layer '${this.name}' (Add) needs at least 2 inputs, got ${inputShapes.length}`);
    }
    const first = inputShapes[0]!;
    for (const shape of inputShapes.slice(1)) {
      if (
        shape.length !== first.length ||
        shape.some((d, i) => d !== null && first[i] !== null && d !== first[i])
      ) {
        throw new ShapeError(
          `layer '${this.name}' (Add): inputs must have the same shape, got ${inputShapes.map(formatSymbolicShape).join(' and ')}`,
        );
      }
    }
    return [first];
  }
  override build(inputShapes: SymbolicShape[]): void {
    this.computeOutputShape(inputShapes);
  }
  call(inputs: Tensor[]): Tensor[] {
    this.computeOutputShape(inputs.map((x) => x.shape));
    let sum = inputs[0]!;
    for (const x of inputs.slice(1)) sum = addOp(sum, x);
    return [sum];
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

/** Elementwise sum of its inputs (a residual add): add().apply([x, y]). */
export function add(options: LayerOptions = {}): Add {
  return new Add(options);
}

export interface ConcatenateOptions extends LayerOptions {
  /** The axis to join along (default −1, the last). */
  axis?: number;
}

export class Concatenate extends Layer {
  readonly className = 'Concatenate';
  readonly axis: number;
  constructor(options: ConcatenateOptions = {}) {
    super(options, 'concatenate');
    this.axis = options.axis ?? -1;
  }
  private resolvedAxis(rank: number): number {
    return this.axis < 0 ? rank + this.axis : this.axis;
  }
  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    if (inputShapes.length < 2) {
      throw new ShapeError(
        `layer '${this.name}' (Concatenate) needs at least 2 inputs, got ${inputShapes.length}`,
      );
    }
    const first = inputShapes[0]!;
    const axis = this.resolvedAxis(first.length);
    if (axis <= 0 || axis >= first.length) {
      throw new ShapeError(
        `layer '${this.name}' (Concatenate): axis ${this.axis} is not a non-batch axis of ${formatSymbolicShape(first)}`,
      );
    }
    let total: number | null = 0;
    for (const shape of inputShapes) {
      const mismatch =
        shape.length !== first.length ||
        shape.some((d, i) => i !== axis && d !== null && first[i] !== null && d !== first[i]);
      if (mismatch) {
        throw new ShapeError(
          `layer '${this.name}' (Concatenate): inputs must agree except on axis ${axis}, got ${inputShapes.map(formatSymbolicShape).join(' and ')}`,
        );
      }
      const d = shape[axis]!;
      total = total === null || d === null ? null : total + d;
    }
    const out = [...first];
    out[axis] = total;
    return [out];
  }
  override build(inputShapes: SymbolicShape[]): void {
    this.computeOutputShape(inputShapes);
  }
  call(inputs: Tensor[]): Tensor[] {
    return [concat(inputs, this.resolvedAxis(inputs[0]!.rank))];
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name, axis: this.axis };
  }
}

/** Joins its inputs along `axis` (default the last): concatenate().apply([a, b]). */
export function concatenate(options: ConcatenateOptions = {}): Concatenate {
  return new Concatenate(options);
}
