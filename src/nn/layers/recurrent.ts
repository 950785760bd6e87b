// The recurrent layer: the loop over time around a cell (layers/cells.ts), Keras' RNN with its
// LSTM / GRU / SimpleRNN factories.
//
// Input [batch, time, features]; output the last hidden state [batch, units], or all of them
// [batch, time, units] with returnSequences; with returnState the final states follow
// (LSTM: [output, h, c]; GRU and SimpleRNN: [output, h]) — use applyAll to get them all.
// Initial states: pass them after the input, `layer.applyAll([x, h0, c0])`, or they are zeros.
// stateful: the final states of one call become the initial states of the next (truncated
// backpropagation through time: the states are carried as values, detached from the previous
// call's graph); resetStates() zeroes them, resetStates([h, c]) sets them.
//
// The input projection x·W + b of all steps is one matmul; LSTM and GRU then run the fused loop op
// of the tensor core (one matmul per step for h·U, fused gates); SimpleRNN steps composed ops.
import { reshape, stack, type Tensor, zeros } from '../../tensor/index.js';
import { ShapeError } from '../../util/errors.js';
import { type Initializer, initializerName } from '../initializers.js';
import { formatSymbolicShape, type SymbolicShape } from '../symbolic.js';
import { GRUCell, LSTMCell, type RNNCell, SimpleRNNCell } from './cells.js';
import { type CallContext, Layer, type LayerOptions } from './layer.js';

export interface RecurrentOptions extends LayerOptions {
  units: number;
  /** Return the whole sequence of hidden states (default false: the last one). */
  returnSequences?: boolean;
  /** Also return the final states (default false). */
  returnState?: boolean;
  /** Carry the final states into the next call (default false). */
  stateful?: boolean;
  kernelInitializer?: Initializer;
  recurrentInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export interface SimpleRNNOptions extends RecurrentOptions {
  activation?: 'tanh' | 'relu';
}

export class RNN extends Layer {
  readonly className: string;
  readonly cell: RNNCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly stateful: boolean;
  /** The carried states of a stateful layer (null until the first call or after resetStates()). */
  states: Tensor[] | null = null;

  constructor(cell: RNNCell, options: RecurrentOptions, prefix: string) {
    super(options, prefix);
    this.cell = cell;
    this.className = cell.kind;
    this.returnSequences = options.returnSequences ?? false;
    this.returnState = options.returnState ?? false;
    this.stateful = options.stateful ?? false;
    this.inputSpec = undefined;
  }

  get units(): number {
    return this.cell.units;
  }

  override build(inputShapes: SymbolicShape[]): void {
    const shape = inputShapes[0]!;
    const features = shape[2];
    if (shape.length !== 3 || features === null || features === undefined) {
      throw new ShapeError(
        `layer '${this.name}' (${this.className}): input must be [batch, time, features] with known features, got ${formatSymbolicShape(shape)}`,
      );
    }
    this.cell.build(
      features,
      (name, weightShape, initializer, random) => this.addWeight(name, weightShape, initializer, random),
      this.weightRandom(),
    );
  }

  protected override checkInputShapes(shapes: readonly SymbolicShape[]): void {
    const [x, ...states] = shapes;
    const features = this.built ? this.cell.kernel.value.shape[0]! : null;
    const fits =
      x !== undefined && x.length === 3 && (features === null || x[2] === null || x[2] === features);
    if (!fits) {
      throw new ShapeError(
        `layer '${this.name}' (${this.className}): input has shape ${x ? formatSymbolicShape(x) : 'none'}, expected [batch, time, ${features ?? 'features'}]`,
      );
    }
    if (states.length !== 0 && states.length !== this.cell.stateCount) {
      throw new ShapeError(
        `layer '${this.name}' (${this.className}): got ${states.length} initial state(s), expected ${this.cell.stateCount} ([batch, ${this.units}] each)`,
      );
    }
    states.forEach((s, i) => {
      if (
        s.length !== 2 ||
        (s[1] !== null && s[1] !== this.units) ||
        (s[0] !== null && x[0] !== null && s[0] !== x[0])
      ) {
        throw new ShapeError(
          `layer '${this.name}' (${this.className}): initial state ${i} has shape ${formatSymbolicShape(s)}, expected [${x[0] ?? 'batch'}, ${this.units}]`,
        );
      }
    });
  }

  computeOutputShape(inputShapes: SymbolicShape[]): SymbolicShape[] {
    const [batch, time] = inputShapes[0]!;
    const output: SymbolicShape = this.returnSequences ? [batch!, time!, this.units] : [batch!, this.units];
    if (!this.returnState) return [output];
    return [
      output,
      ...Array.from({ length: this.cell.stateCount }, (): SymbolicShape => [batch!, this.units]),
    ];
  }

  call(inputs: Tensor[], _context: CallContext): Tensor[] {
    const [x, ...given] = inputs;
    const [batch, steps] = x!.shape as [number, number, number];
    if (steps === 0)
      throw new ShapeError(
        `layer '${this.name}' (${this.className}): the input has no time steps (${formatSymbolicShape(x!.shape)})`,
      );
    let states: Tensor[];
    if (given.length > 0) states = given;
    else if (this.stateful && this.states !== null) {
      if (this.states[0]!.shape[0] !== batch) {
        throw new ShapeError(
          `layer '${this.name}' (${this.className}, stateful): the carried state has batch ${this.states[0]!.shape[0]} but the input ${formatSymbolicShape(x!.shape)} has batch ${batch}; call resetStates() when the batch size changes`,
        );
      }
      states = this.states;
    } else states = Array.from({ length: this.cell.stateCount }, () => zeros([batch, this.units]));
    const xProj = this.cell.project(x!); // [batch, time, gates·units]
    const result = this.cell.sequence(xProj, states);
    if (this.stateful) this.states = result.states.map((s) => s.detach());
    const finalH = result.states[0]!;
    let output: Tensor;
    if (this.returnSequences)
      output = Array.isArray(result.sequence) ? stack(result.sequence, 1) : result.sequence;
    else output = finalH;
    return this.returnState ? [output, ...result.states] : [output];
  }

  /** Zeroes the carried states of a stateful layer, or sets them ([batch, units] each). */
  override resetStates(states?: readonly Tensor[]): void {
    if (states === undefined) {
      this.states = null;
      return;
    }
    if (
      states.length !== this.cell.stateCount ||
      states.some((s) => s.rank !== 2 || s.shape[1] !== this.units)
    ) {
      throw new ShapeError(
        `layer '${this.name}' (${this.className}).resetStates: expected ${this.cell.stateCount} state(s) of shape [batch, ${this.units}], got ${states
          .map((s) => formatSymbolicShape(s.shape))
          .join(', ')}`,
      );
    }
    this.states = states.map((s) => reshape(s.detach(), [...s.shape]));
  }

  getConfig(): Record<string, unknown> {
    const o = this.options as RecurrentOptions;
    return {
      name: this.name,
      trainable: this.trainable,
      ...this.cell.getConfig(),
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      stateful: this.stateful,
      kernelInitializer: initializerName(o.kernelInitializer ?? 'glorotUniform'),
      recurrentInitializer: initializerName(o.recurrentInitializer ?? 'orthogonal'),
    };
  }
}

export function simpleRNN(options: SimpleRNNOptions): RNN {
  return new RNN(new SimpleRNNCell(options), options, 'simple_rnn');
}

export function lstm(options: RecurrentOptions): RNN {
  return new RNN(new LSTMCell(options), options, 'lstm');
}

export function gru(options: RecurrentOptions): RNN {
  return new RNN(new GRUCell(options), options, 'gru');
}
