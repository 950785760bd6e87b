// Recurrent cells: the per-step math of SimpleRNN, LSTM and GRU, split from the loop over time
// (layers/recurrent.ts), as Keras splits LSTMCell from RNN. A cell owns the shapes of its weights
// (kernel [inputDim, gates·units], recurrentKernel [units, gates·units], bias) and offers:
//   project(x)          x·W + b for ALL time steps at once: [batch, time, inputDim] → [batch, time, gates·units]
//   step(xProj_t, s)    one step from the projected input and the states (composed ops; any cell)
//   sequence(xProj, s)  the whole loop as one fused op of the tensor core (LSTM, GRU), when present
//
//   SimpleRNN: h_t = tanh(x_t·W + b + h_{t−1}·U)
//   LSTM (gates i, f, g, o; Keras order i, f, c, o): c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t),
//        with the forget-gate bias starting at 1 (Keras unit_forget_bias)
//   GRU (reset_after, Keras v2 default): z, r = σ(x·W + b + h·U + b_rec), n = tanh(x·W_n + b_n + r ⊙ (h·U_n + b_rec,n)),
//        h_t = z ⊙ h_{t−1} + (1 − z) ⊙ n; the bias is [2, 3·units]: input bias, then recurrent bias.
import {
  add,
  gruCell,
  gruSequence,
  linear,
  lstmCell,
  lstmOutputs,
  lstmSequence,
  matmul,
  narrow,
  reshape,
  relu,
  type Tensor,
  tanh,
} from '../../tensor/index.js';
import { VerboError } from '../../util/errors.js';
import type { Random } from '../../util/random.js';
import type { Initializer } from '../initializers.js';
import type { Weight } from './layer.js';

/** How a cell asks its layer for a weight. */
export type AddWeight = (
  name: string,
  shape: readonly number[],
  initializer: Initializer,
  random: Random,
) => Weight;

export interface CellOptions {
  units: number;
  kernelInitializer?: Initializer;
  recurrentInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export abstract class RNNCell {
  abstract readonly kind: 'SimpleRNN' | 'LSTM' | 'GRU';
  /** Gate blocks per projection (1, 4, 3). */
  abstract readonly gates: number;
  /** Number of state tensors (LSTM: h and c). */
  abstract readonly stateCount: number;
  readonly units: number;
  protected readonly options: CellOptions;
  kernel!: Weight;
  recurrentKernel!: Weight;
  bias!: Weight;

  constructor(options: CellOptions) {
    if (!(Number.isInteger(options.units) && options.units > 0)) {
      throw new VerboError(`recurrent layer: units must be a positive integer, got ${options.units}`);
    }
    this.units = options.units;
    this.options = options;
  }

  /** Creates kernel, recurrentKernel and bias for inputs of `inputDim` features. */
  build(inputDim: number, addWeight: AddWeight, random: Random): void {
    const width = this.gates * this.units;
    this.kernel = addWeight(
      'kernel',
      [inputDim, width],
      this.options.kernelInitializer ?? 'glorotUniform',
      random,
    );
    this.recurrentKernel = addWeight(
      'recurrent_kernel',
      [this.units, width],
      this.options.recurrentInitializer ?? 'orthogonal',
      random,
    );
    this.bias = addWeight(
      'bias',
      this.biasShape(),
      this.options.biasInitializer ?? this.defaultBias(),
      random,
    );
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  protected defaultBias(): Initializer {
    return 'zeros';
  }

  /** The input bias added to the projection. */
  protected inputBias(): Tensor {
    return this.bias.value;
  }

  /**
   * x·W + b for every step at once: [batch, time, inputDim] → [batch, time, gates·units], as one fused
   * op (the product accumulates onto rows of b: no separate broadcast add and its backward reduction).
   */
  project(x: Tensor): Tensor {
    return linear(x, this.kernel.value, this.inputBias());
  }

  /** One step: projected input [batch, gates·units] and states → output h and the new states. */
  abstract step(xProj: Tensor, states: Tensor[]): { output: Tensor; states: Tensor[] };

  /** The whole sequence: [batch, time, units] and the final states; composed from step unless fused. */
  sequence(xProj: Tensor, states: Tensor[]): { sequence: Tensor[] | Tensor; states: Tensor[] } {
    const [batch, steps, width] = xProj.shape as [number, number, number];
    const outputs: Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      const result = this.step(reshape(narrow(xProj, 1, t, 1), [batch, width]), states);
      outputs.push(result.output);
      states = result.states;
    }
    return { sequence: outputs, states };
  }

  getConfig(): Record<string, unknown> {
    return { units: this.units };
  }
}

export interface SimpleRNNCellOptions extends CellOptions {
  activation?: 'tanh' | 'relu';
}

export class SimpleRNNCell extends RNNCell {
  readonly kind = 'SimpleRNN';
  readonly gates = 1;
  readonly stateCount = 1;
  readonly activation: 'tanh' | 'relu';
  constructor(options: SimpleRNNCellOptions) {
    super(options);
    this.activation = options.activation ?? 'tanh';
    if (this.activation !== 'tanh' && this.activation !== 'relu') {
      throw new VerboError(`simpleRNN: activation must be 'tanh' or 'relu', got '${this.activation}'`);
    }
  }
  step(xProj: Tensor, [h]: Tensor[]): { output: Tensor; states: Tensor[] } {
    const pre = add(xProj, matmul(h!, this.recurrentKernel.value));
    const next = this.activation === 'tanh' ? tanh(pre) : relu(pre);
    return { output: next, states: [next] };
  }
  override getConfig(): Record<string, unknown> {
    return { units: this.units, activation: this.activation };
  }
}

/** LSTM bias: zeros, except the forget block [units, 2·units), which starts at 1. */
const unitForgetBias: Initializer = (shape) => {
  const out = new Float32Array(shape[0]!);
  const units = shape[0]! / 4;
  out.fill(1, units, 2 * units);
  return out;
};

export class LSTMCell extends RNNCell {
  readonly kind = 'LSTM';
  readonly gates = 4;
  readonly stateCount = 2;
  protected override defaultBias(): Initializer {
    return unitForgetBias;
  }
  step(xProj: Tensor, [h, c]: Tensor[]): { output: Tensor; states: Tensor[] } {
    const next = lstmCell(xProj, h!, c!, this.recurrentKernel.value);
    return { output: next.h, states: [next.h, next.c] };
  }
  override sequence(xProj: Tensor, [h, c]: Tensor[]): { sequence: Tensor; states: Tensor[] } {
    const out = lstmOutputs(lstmSequence(xProj, h!, c!, this.recurrentKernel.value));
    // A row-major copy of the sequence, so the next layer's projection is one folded matmul.
    return { sequence: out.sequence.contiguous(), states: [out.h, out.c] };
  }
}

export class GRUCell extends RNNCell {
  readonly kind = 'GRU';
  readonly gates = 3;
  readonly stateCount = 1;
  protected override biasShape(): number[] {
    return [2, 3 * this.units];
  }
  protected override inputBias(): Tensor {
    return reshape(narrow(this.bias.value, 0, 0, 1), [3 * this.units]);
  }
  private recurrentBias(): Tensor {
    return reshape(narrow(this.bias.value, 0, 1, 1), [3 * this.units]);
  }
  step(xProj: Tensor, [h]: Tensor[]): { output: Tensor; states: Tensor[] } {
    const next = gruCell(xProj, h!, this.recurrentKernel.value, this.recurrentBias());
    return { output: next, states: [next] };
  }
  override sequence(xProj: Tensor, [h]: Tensor[]): { sequence: Tensor; states: Tensor[] } {
    const out = gruSequence(xProj, h!, this.recurrentKernel.value, this.recurrentBias());
    const [batch, steps, units] = out.shape as [number, number, number];
    return { sequence: out, states: [reshape(narrow(out, 1, steps - 1, 1), [batch, units])] };
  }
}
