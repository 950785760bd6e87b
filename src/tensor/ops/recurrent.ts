// Fused recurrent layers' inner loops: one primitive runs a whole LSTM (or GRU) over the time steps of
// a batch, forward and backward in one place, given the input projection of all steps (computed by
// the caller as ONE matmul, x·W + b). Per step: one matmul for the recurrent part (h·U) and the gate
// nonlinearities and state update (kernels/recurrent.ts; for the LSTM the whole sequence is one native
// call when the addon is available). The backward runs backpropagation through time step by step
// (dz·Uᵀ per step), then forms the recurrent kernel's gradient with ONE matmul over all steps:
// dU = Σ_t h_{t−1}ᵀ·dz_t = [h_0 … h_{T−1}]ᵀ·[dz_0 … dz_{T−1}].
// Composed from sigmoid/tanh/matmul, the same computation is the test oracle (test/tensor/recurrent.test.ts).
//
// Gate order as Keras: LSTM [i | f | g | o]; GRU [z | r | n] with the reset gate applied after the
// recurrent product (Keras' reset_after = true, the v2 default, cuDNN-compatible), so the GRU carries a
// separate recurrent bias. Internally the states are kept time-major ([time, batch, units]) so each
// step's h is one contiguous matmul operand.
//
// lstmCell / gruCell are the one-step forms, built on the same primitives (T = 1).
import { ShapeError } from '../../util/errors.js';
import { apply, type Primitive } from '../autograd.js';
import {
  gruSequenceBackward,
  gruSequenceForward,
  lstmSequenceBackward,
  lstmSequenceForward,
  matmul,
} from '../kernels/index.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { dense } from './broadcast.js';
import { narrow, reshape } from './movement.js';

function view(x: Tensor): Float32Array {
  const d = dense(x);
  return d.data.subarray(d.offset, d.offset + d.size);
}

/** Time-major [T, B, w] → batch-major [B, T, w] (or back, with the flag). */
function transposeTime(
  source: Float32Array,
  steps: number,
  batch: number,
  width: number,
  toTimeMajor = false,
): Float32Array {
  const out = new Float32Array(source.length);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) {
      const timeMajor = (t * batch + b) * width;
      const batchMajor = (b * steps + t) * width;
      if (toTimeMajor) out.set(source.subarray(batchMajor, batchMajor + width), timeMajor);
      else out.set(source.subarray(timeMajor, timeMajor + width), batchMajor);
    }
  }
  return out;
}

interface LstmSaved {
  batch: number;
  steps: number;
  units: number;
  /** [T + 1, B, H]: h_{−1} = h0, then h_0 … h_{T−1} */
  hs: Float32Array;
  /** [T + 1, B, H]: c0, then c_0 … c_{T−1} */
  cs: Float32Array;
  /** [T, B, H] */
  tanhCells: Float32Array;
  /** [T, B, 4H] activated gates */
  gates: Float32Array;
  recurrent: Float32Array;
}

const lstmSequenceOp: Primitive<'lstmSequence', LstmSaved> = {
  name: 'lstmSequence',
  forward: ([xProj, h0, c0, kernel]) => {
    const [batch, steps, width] = xProj!.shape as [number, number, number];
    const units = width / 4;
    const x = view(xProj!);
    const recurrent = view(kernel!);
    const stateSize = batch * units;
    const hs = new Float32Array((steps + 1) * stateSize);
    const cs = new Float32Array((steps + 1) * stateSize);
    hs.set(view(h0!));
    cs.set(view(c0!));
    const tanhCells = new Float32Array(steps * stateSize);
    const gates = new Float32Array(steps * batch * width);
    lstmSequenceForward(x, recurrent, hs, cs, tanhCells, gates, batch, steps, units);
    // Output [B, T + 1, H]: h_0 … h_{T−1}, then c_{T−1}.
    const out = new Float32Array(batch * (steps + 1) * units);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < steps; t++) {
        const from = (t + 1) * stateSize + b * units;
        out.set(hs.subarray(from, from + units), (b * (steps + 1) + t) * units);
      }
      const from = steps * stateSize + b * units;
      out.set(cs.subarray(from, from + units), (b * (steps + 1) + steps) * units);
    }
    return {
      output: new Tensor(out, [batch, steps + 1, units]),
      saved: { batch, steps, units, hs, cs, tanhCells, gates, recurrent },
    };
  },
  backward: (grad, { inputs: [xProj, h0, c0, kernel], saved }) => {
    const { batch, steps, units, hs, cs, tanhCells, gates, recurrent } = saved;
    const width = 4 * units;
    const stateSize = batch * units;
    const dz = new Float32Array(steps * batch * width);
    const dh = new Float32Array(stateSize);
    const dc = new Float32Array(stateSize);
    const g = view(grad);
    lstmSequenceBackward(
      recurrent,
      gates,
      cs,
      tanhCells,
      g,
      dz,
      dh,
      dc,
      h0!.requiresGrad,
      batch,
      steps,
      units,
    );
    let dKernel: Tensor | null = null;
    if (kernel!.requiresGrad) {
      const dU = new Float32Array(units * width);
      matmul(hs.subarray(0, steps * stateSize), dz, dU, units, width, steps * batch, { transA: true });
      dKernel = new Tensor(dU, kernel!.shape);
    }
    return [
      xProj!.requiresGrad ? new Tensor(transposeTime(dz, steps, batch, width), xProj!.shape) : null,
      h0!.requiresGrad ? new Tensor(dh, h0!.shape) : null,
      c0!.requiresGrad ? new Tensor(dc, c0!.shape) : null,
      dKernel,
    ];
  },
};

interface GruSaved {
  batch: number;
  steps: number;
  units: number;
  /** [T + 1, B, H] */
  hs: Float32Array;
  /** [T, B, 4H]: z, r, n, hn per row */
  gates: Float32Array;
  recurrent: Float32Array;
}

const gruSequenceOp: Primitive<'gruSequence', GruSaved> = {
  name: 'gruSequence',
  forward: ([xProj, h0, kernel, recurrentBias]) => {
    const [batch, steps, width] = xProj!.shape as [number, number, number];
    const units = width / 3;
    const x = view(xProj!);
    const recurrent = view(kernel!);
    const bias = view(recurrentBias!);
    const stateSize = batch * units;
    const hs = new Float32Array((steps + 1) * stateSize);
    hs.set(view(h0!));
    const gates = new Float32Array(steps * batch * 4 * units);
    gruSequenceForward(x, recurrent, bias, hs, gates, batch, steps, units);
    const out = transposeTime(hs.subarray(stateSize), steps, batch, units);
    return {
      output: new Tensor(out, [batch, steps, units]),
      saved: { batch, steps, units, hs, gates, recurrent },
    };
  },
  backward: (grad, { inputs: [xProj, h0, kernel, recurrentBias], saved }) => {
    const { batch, steps, units, hs, gates, recurrent } = saved;
    const width = 3 * units;
    const stateSize = batch * units;
    const dx = new Float32Array(steps * batch * width);
    const dhu = new Float32Array(steps * batch * width);
    const dh = new Float32Array(stateSize);
    gruSequenceBackward(recurrent, gates, hs, view(grad), dx, dhu, dh, h0!.requiresGrad, batch, steps, units);
    let dKernel: Tensor | null = null;
    if (kernel!.requiresGrad) {
      const dU = new Float32Array(units * width);
      matmul(hs.subarray(0, steps * stateSize), dhu, dU, units, width, steps * batch, { transA: true });
      dKernel = new Tensor(dU, kernel!.shape);
    }
    let dBias: Tensor | null = null;
    if (recurrentBias!.requiresGrad) {
      const db = new Float32Array(width);
      for (let row = 0; row < steps * batch; row++)
        for (let j = 0; j < width; j++) db[j]! += dhu[row * width + j]!;
      dBias = new Tensor(db, recurrentBias!.shape);
    }
    return [
      xProj!.requiresGrad ? new Tensor(transposeTime(dx, steps, batch, width), xProj!.shape) : null,
      h0!.requiresGrad ? new Tensor(dh, h0!.shape) : null,
      dKernel,
      dBias,
    ];
  },
};

/** The primitives defined in this file (see primitives.ts). */
export const recurrentPrimitives = { lstmSequence: lstmSequenceOp, gruSequence: gruSequenceOp };

function expectShape(op: string, name: string, x: Tensor, expected: readonly number[], hint: string): void {
  if (x.rank !== expected.length || x.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(
      `${op}: ${name} has shape ${formatShape(x.shape)}, expected ${formatShape(expected)} (${hint})`,
    );
  }
}

function checkProjection(
  op: string,
  xProj: Tensor,
  gates: number,
): { batch: number; steps: number; units: number } {
  if (xProj.rank !== 3 || xProj.shape[2]! % gates !== 0 || xProj.shape[2] === 0) {
    throw new ShapeError(
      `${op}: the input projection must be [batch, time, ${gates}·units], got ${formatShape(xProj.shape)}`,
    );
  }
  return { batch: xProj.shape[0]!, steps: xProj.shape[1]!, units: xProj.shape[2]! / gates };
}

/**
 * Runs an LSTM over all time steps. xProj [batch, time, 4·units] = x·W + b (gates i, f, g, o);
 * h0, c0 [batch, units]; recurrentKernel [units, 4·units]. Returns [batch, time + 1, units]: the
 * hidden states h_0 … h_{T−1} along axis 1, then the last cell state. Use lstmOutputs to split it.
 */
export function lstmSequence(xProj: Tensor, h0: Tensor, c0: Tensor, recurrentKernel: Tensor): Tensor {
  const op = 'lstmSequence';
  const { batch, steps, units } = checkProjection(op, xProj, 4);
  if (steps === 0)
    throw new ShapeError(`${op}: needs at least one time step, got ${formatShape(xProj.shape)}`);
  expectShape(op, 'h0', h0, [batch, units], 'batch, units');
  expectShape(op, 'c0', c0, [batch, units], 'batch, units');
  expectShape(op, 'recurrentKernel', recurrentKernel, [units, 4 * units], 'units, 4·units');
  return apply(lstmSequenceOp, [xProj, h0, c0, recurrentKernel], undefined);
}

/** Splits lstmSequence's output into the sequence [batch, time, units], the last h and the last c. */
export function lstmOutputs(packed: Tensor): { sequence: Tensor; h: Tensor; c: Tensor } {
  const [batch, stepsPlusOne, units] = packed.shape as [number, number, number];
  const steps = stepsPlusOne - 1;
  return {
    sequence: narrow(packed, 1, 0, steps),
    h: reshape(narrow(packed, 1, steps - 1, 1), [batch, units]),
    c: reshape(narrow(packed, 1, steps, 1), [batch, units]),
  };
}

/**
 * Runs a GRU (reset_after) over all time steps. xProj [batch, time, 3·units] = x·W + b (gates z, r, n);
 * h0 [batch, units]; recurrentKernel [units, 3·units]; recurrentBias [3·units].
 * Returns the hidden states [batch, time, units] (the last step is the final state).
 */
export function gruSequence(
  xProj: Tensor,
  h0: Tensor,
  recurrentKernel: Tensor,
  recurrentBias: Tensor,
): Tensor {
  const op = 'gruSequence';
  const { batch, steps, units } = checkProjection(op, xProj, 3);
  if (steps === 0)
    throw new ShapeError(`${op}: needs at least one time step, got ${formatShape(xProj.shape)}`);
  expectShape(op, 'h0', h0, [batch, units], 'batch, units');
  expectShape(op, 'recurrentKernel', recurrentKernel, [units, 3 * units], 'units, 3·units');
  expectShape(op, 'recurrentBias', recurrentBias, [3 * units], '3·units');
  return apply(gruSequenceOp, [xProj, h0, recurrentKernel, recurrentBias], undefined);
}

/** One LSTM step: xProj [batch, 4·units] (x·W + b), state h, c [batch, units] → the next h and c. */
export function lstmCell(
  xProj: Tensor,
  h: Tensor,
  c: Tensor,
  recurrentKernel: Tensor,
): { h: Tensor; c: Tensor } {
  const [batch, width] = xProj.shape as [number, number];
  const out = lstmOutputs(lstmSequence(reshape(xProj, [batch, 1, width]), h, c, recurrentKernel));
  return { h: out.h, c: out.c };
}

/** One GRU step: xProj [batch, 3·units] (x·W + b), state h [batch, units] → the next h. */
export function gruCell(xProj: Tensor, h: Tensor, recurrentKernel: Tensor, recurrentBias: Tensor): Tensor {
  const [batch, width] = xProj.shape as [number, number];
  const out = gruSequence(reshape(xProj, [batch, 1, width]), h, recurrentKernel, recurrentBias);
  return reshape(out, [batch, width / 3]);
}
