// The recurrent layers of the language model: SimpleRNN, LSTM or GRU run over a window, from a given
// state, returning the outputs and the final state (the trainer detaches it between windows:
// truncated BPTT). The input projection x·W + b of ALL steps is one matmul; the LSTM and GRU then run
// as the tensor core's fused sequence primitives (lstmSequence / gruSequence: one h·U matmul and one
// gate kernel per step, BPTT inside the op). SimpleRNN is composed from matmul + tanh per step.
//
// Weight layout (Keras, as src/nn): kernel [in, G·units], recurrentKernel [units, G·units], bias
// [G·units], gate blocks side by side — LSTM [i | f | g | o], GRU [z | r | n] with the reset gate
// applied after the recurrent product (reset_after = true) and a separate recurrentBias [3·units].
//
//   SimpleRNN: h_t = tanh(x_t·W + h_{t−1}·U + b)
//   LSTM:      c_t = σ(f) ⊙ c_{t−1} + σ(i) ⊙ tanh(g);  h_t = σ(o) ⊙ tanh(c_t)
//   GRU:       h_t = z ⊙ h_{t−1} + (1 − z) ⊙ tanh(x·W_n + b_n + r ⊙ (h·U_n + rb_n))
//
// TODO(lead): once src/nn's LSTM/GRU/SimpleRNN layers land, the LM could hold those layers instead of
// raw weight tensors; the math and layout here are the same, so saved models stay valid.
import {
  add,
  gruSequence,
  lstmOutputs,
  lstmSequence,
  matmul,
  narrow,
  reshape,
  stack,
  type Tensor,
  tanh,
  zeros,
} from '../tensor/index.js';

export type CellType = 'lstm' | 'gru' | 'rnn';
export const CELL_TYPES: readonly CellType[] = ['lstm', 'gru', 'rnn'];

/** Gate blocks per cell: the width of W, U and b is gates · units. */
export function gateCount(cell: CellType): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/** State tensors per layer: LSTM [h, c], the others [h]. */
export function stateCount(cell: CellType): number {
  return cell === 'lstm' ? 2 : 1;
}

/** One layer's weights. */
export interface RecurrentWeights {
  /** [in, G·units] */
  kernel: Tensor;
  /** [units, G·units] */
  recurrentKernel: Tensor;
  /** [G·units] */
  bias: Tensor;
  /** GRU only: the bias inside the reset product, [3·units]. */
  recurrentBias?: Tensor;
}

/** Zero state for one layer: [batch, units] per state tensor. */
export function zeroState(cell: CellType, batch: number, units: number): Tensor[] {
  return Array.from({ length: stateCount(cell) }, () => zeros([batch, units]));
}

/**
 * Runs one layer over x [batch, steps, in] from `state`; returns the outputs [batch, steps, units]
 * and the final state. Gradients flow to the weights, the inputs and the initial state.
 */
export function runLayer(
  cell: CellType,
  weights: RecurrentWeights,
  x: Tensor,
  state: readonly Tensor[],
): { outputs: Tensor; state: Tensor[] } {
  const [batch, steps] = x.shape as [number, number];
  const units = weights.recurrentKernel.shape[0]!;
  const projected = add(matmul(x, weights.kernel), weights.bias); // [batch, steps, G·units]
  if (cell === 'lstm') {
    const { sequence, h, c } = lstmOutputs(
      lstmSequence(projected, state[0]!, state[1]!, weights.recurrentKernel),
    );
    return { outputs: sequence, state: [h, c] };
  }
  if (cell === 'gru') {
    const sequence = gruSequence(projected, state[0]!, weights.recurrentKernel, weights.recurrentBias!);
    return { outputs: sequence, state: [reshape(narrow(sequence, 1, steps - 1, 1), [batch, units])] };
  }
  let h = state[0]!;
  const outputs: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const xt = reshape(narrow(projected, 1, t, 1), [batch, units]);
    h = tanh(add(xt, matmul(h, weights.recurrentKernel)));
    outputs.push(h);
  }
  return { outputs: stack(outputs, 1), state: [h] };
}
