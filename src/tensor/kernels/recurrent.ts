// Kernels of the fused recurrent layers (ops/recurrent.ts). The step kernels are the gate
// nonlinearities and state updates of one time step for a whole batch, forward and backward (plain
// loops, no allocation); lstmSequenceForward/Backward and gruSequenceForward/Backward run a whole layer
// over its time steps: one native call (native/lstm.cc, native/gru.cc) when the addon is available, else
// the plain loop over the steps (…Loop: per step a matmul h·U or dz·Uᵀ and a step kernel), its oracle.
//
// Layouts: gate blocks are laid side by side in each row, Keras order — LSTM [i | f | g | o]
// (4·units per row), GRU [z | r | n] (3·units). Input projections are read with a row stride so that
// step t of a batch-major [batch, time, gates] tensor is used without copying.
import { nativeKernels, threadCount } from '../../native/index.js';
import { activation } from './activations.js';
import { matmul } from './matmul.js';

/**
 * An LSTM layer over `steps` steps. xProj [batch, steps, 4·units] (x·W + b, gates i, f, g, o),
 * recurrent [units, 4·units]; hs, cs [steps + 1, batch, units] hold h0, c0 in their first block and
 * receive h_t, c_t in block t + 1; tanhCells [steps, batch, units] and gates [steps, batch, 4·units]
 * (activated) are written for backward.
 */
export function lstmSequenceForward(
  xProj: Float32Array,
  recurrent: Float32Array,
  hs: Float32Array,
  cs: Float32Array,
  tanhCells: Float32Array,
  gates: Float32Array,
  batch: number,
  steps: number,
  units: number,
): void {
  const native = nativeKernels();
  if (native !== null) {
    native.lstmForward(xProj, recurrent, hs, cs, tanhCells, gates, batch, steps, units, threadCount());
    return;
  }
  lstmSequenceForwardLoop(xProj, recurrent, hs, cs, tanhCells, gates, batch, steps, units);
}

/** The plain loop of lstmSequenceForward: its oracle and fallback. */
export function lstmSequenceForwardLoop(
  xProj: Float32Array,
  recurrent: Float32Array,
  hs: Float32Array,
  cs: Float32Array,
  tanhCells: Float32Array,
  gates: Float32Array,
  batch: number,
  steps: number,
  units: number,
): void {
  const width = 4 * units;
  const stateSize = batch * units;
  for (let t = 0; t < steps; t++) {
    const z = gates.subarray(t * batch * width, (t + 1) * batch * width);
    matmul(hs.subarray(t * stateSize, (t + 1) * stateSize), recurrent, z, batch, width, units);
    lstmStepForward(
      z,
      xProj,
      t * width,
      steps * width,
      cs,
      t * stateSize,
      (t + 1) * stateSize,
      tanhCells,
      t * stateSize,
      hs,
      (t + 1) * stateSize,
      batch,
      units,
    );
  }
}

/**
 * Backpropagation through the layer's steps. gradOut [batch, steps + 1, units] holds dL/dh_t for each
 * step, then dL/dc of the last step; writes dz [steps, batch, 4·units] (the pre-activation gradients),
 * dh = dL/dh0 (only when wantH0) and dc = dL/dc0.
 */
export function lstmSequenceBackward(
  recurrent: Float32Array,
  gates: Float32Array,
  cs: Float32Array,
  tanhCells: Float32Array,
  gradOut: Float32Array,
  dz: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  wantH0: boolean,
  batch: number,
  steps: number,
  units: number,
): void {
  const native = nativeKernels();
  if (native !== null) {
    native.lstmBackward(
      recurrent,
      gates,
      cs,
      tanhCells,
      gradOut,
      dz,
      dh,
      dc,
      wantH0,
      batch,
      steps,
      units,
      threadCount(),
    );
    return;
  }
  lstmSequenceBackwardLoop(recurrent, gates, cs, tanhCells, gradOut, dz, dh, dc, wantH0, batch, steps, units);
}

/** The plain loop of lstmSequenceBackward: its oracle and fallback. */
export function lstmSequenceBackwardLoop(
  recurrent: Float32Array,
  gates: Float32Array,
  cs: Float32Array,
  tanhCells: Float32Array,
  gradOut: Float32Array,
  dz: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  wantH0: boolean,
  batch: number,
  steps: number,
  units: number,
): void {
  const width = 4 * units;
  const stateSize = batch * units;
  const dhTotal = new Float32Array(stateSize);
  dh.fill(0, 0, stateSize);
  for (let b = 0; b < batch; b++) {
    const from = (b * (steps + 1) + steps) * units;
    dc.set(gradOut.subarray(from, from + units), b * units);
  }
  for (let t = steps - 1; t >= 0; t--) {
    for (let b = 0; b < batch; b++) {
      const from = (b * (steps + 1) + t) * units;
      for (let j = 0; j < units; j++) dhTotal[b * units + j] = dh[b * units + j]! + gradOut[from + j]!;
    }
    const dzStep = dz.subarray(t * batch * width, (t + 1) * batch * width);
    lstmStepBackward(
      gates,
      t * batch * width,
      cs,
      t * stateSize,
      tanhCells,
      t * stateSize,
      dhTotal,
      dc,
      dzStep,
      0,
      batch,
      units,
    );
    if (t > 0 || wantH0) matmul(dzStep, recurrent, dh, batch, units, width, { transB: true });
  }
}

/**
 * LSTM step, forward. On entry z[b, ·] = h_{t−1}·U (from matmul); adds the input projection
 * x[xOffset + b·xStride + ·] and turns z into the activated gates in place:
 *   i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
 * writing c_t, tanh(c_t) and h_t at cOffset / tOffset / hOffset (rows of `units`).
 * The transcendental work runs as two long activation calls (native when available): one sigmoid
 * over all gates, with the g block pre-doubled so that tanh(z) = 2σ(2z) − 1, and one tanh over c_t.
 */
export function lstmStepForward(
  z: Float32Array,
  x: Float32Array,
  xOffset: number,
  xStride: number,
  cells: Float32Array,
  cPrevOffset: number,
  cOffset: number,
  tanhCells: Float32Array,
  tOffset: number,
  hidden: Float32Array,
  hOffset: number,
  batch: number,
  units: number,
): void {
  const width = 4 * units;
  for (let b = 0; b < batch; b++) {
    const zRow = b * width;
    const xRow = xOffset + b * xStride;
    for (let k = 0; k < width; k++) z[zRow + k]! += x[xRow + k]!;
    for (let k = 2 * units; k < 3 * units; k++) z[zRow + k]! *= 2;
  }
  activation('sigmoid', z, 0, z, 0, batch * width);
  for (let b = 0; b < batch; b++) {
    const zRow = b * width;
    const sRow = b * units;
    for (let j = 0; j < units; j++) {
      const g = 2 * z[zRow + 2 * units + j]! - 1;
      z[zRow + 2 * units + j] = g;
      cells[cOffset + sRow + j] = z[zRow + units + j]! * cells[cPrevOffset + sRow + j]! + z[zRow + j]! * g;
    }
  }
  activation('tanh', cells, cOffset, tanhCells, tOffset, batch * units);
  for (let b = 0; b < batch; b++) {
    const zRow = b * width + 3 * units;
    const sRow = b * units;
    for (let j = 0; j < units; j++)
      hidden[hOffset + sRow + j] = z[zRow + j]! * tanhCells[tOffset + sRow + j]!;
  }
}

/**
 * LSTM step, backward. Given the activated gates of the step, c_{t−1}, tanh(c_t), dh (total gradient
 * of h_t) and dc (gradient of c_t from later steps and outputs), writes the pre-activation gradients
 * dz [batch, 4·units] and replaces dc with the gradient of c_{t−1}:
 *   dc_t' = dc + dh ⊙ o ⊙ (1 − tanh²c)
 *   dz_i = dc_t' ⊙ g ⊙ i(1 − i)     dz_f = dc_t' ⊙ c_{t−1} ⊙ f(1 − f)
 *   dz_g = dc_t' ⊙ i ⊙ (1 − g²)     dz_o = dh ⊙ tanh c ⊙ o(1 − o)
 *   dc_{t−1} = dc_t' ⊙ f
 */
export function lstmStepBackward(
  gates: Float32Array,
  gOffset: number,
  cells: Float32Array,
  cPrevOffset: number,
  tanhCells: Float32Array,
  tOffset: number,
  dh: Float32Array,
  dc: Float32Array,
  dz: Float32Array,
  dzOffset: number,
  batch: number,
  units: number,
): void {
  const width = 4 * units;
  for (let b = 0; b < batch; b++) {
    const gRow = gOffset + b * width;
    const zRow = dzOffset + b * width;
    const sRow = b * units;
    for (let j = 0; j < units; j++) {
      const i = gates[gRow + j]!;
      const f = gates[gRow + units + j]!;
      const g = gates[gRow + 2 * units + j]!;
      const o = gates[gRow + 3 * units + j]!;
      const tc = tanhCells[tOffset + sRow + j]!;
      const dhj = dh[sRow + j]!;
      const dct = dc[sRow + j]! + dhj * o * (1 - tc * tc);
      dz[zRow + j] = dct * g * i * (1 - i);
      dz[zRow + units + j] = dct * cells[cPrevOffset + sRow + j]! * f * (1 - f);
      dz[zRow + 2 * units + j] = dct * i * (1 - g * g);
      dz[zRow + 3 * units + j] = dhj * tc * o * (1 - o);
      dc[sRow + j] = dct * f;
    }
  }
}

/**
 * GRU step (reset gate after the recurrent product, Keras' reset_after = true), forward. On entry
 * hu[b, ·] = h_{t−1}·U; with the recurrent bias rb and the input projection x (input bias included):
 *   z = σ(x_z + hu_z + rb_z),  r = σ(x_r + hu_r + rb_r),  n = tanh(x_n + r ⊙ (hu_n + rb_n))
 *   h_t = z ⊙ h_{t−1} + (1 − z) ⊙ n
 * Saves [z | r | n | hu_n + rb_n] per row (4·units) at sOffset and writes h_t at hOffset.
 */
export function gruStepForward(
  hu: Float32Array,
  recurrentBias: Float32Array,
  x: Float32Array,
  xOffset: number,
  xStride: number,
  hidden: Float32Array,
  hPrevOffset: number,
  hOffset: number,
  saved: Float32Array,
  sOffset: number,
  batch: number,
  units: number,
): void {
  const width = 3 * units;
  // z, r pre-activations and hn = hu_n + rb_n in place; then σ over each row's [z | r] (native when
  // available), n = tanh(x_n + r ⊙ hn) over the batch's n block, and the state update.
  for (let b = 0; b < batch; b++) {
    const uRow = b * width;
    const xRow = xOffset + b * xStride;
    for (let k = 0; k < 2 * units; k++) hu[uRow + k]! += x[xRow + k]! + recurrentBias[k]!;
    for (let k = 2 * units; k < width; k++) hu[uRow + k]! += recurrentBias[k]!;
    activation('sigmoid', hu, uRow, hu, uRow, 2 * units);
  }
  for (let b = 0; b < batch; b++) {
    const uRow = b * width;
    const xRow = xOffset + b * xStride;
    const sRow = sOffset + b * 4 * units;
    for (let j = 0; j < units; j++) {
      const hn = hu[uRow + 2 * units + j]!;
      saved[sRow + j] = hu[uRow + j]!;
      saved[sRow + units + j] = hu[uRow + units + j]!;
      saved[sRow + 2 * units + j] = x[xRow + 2 * units + j]! + hu[uRow + units + j]! * hn;
      saved[sRow + 3 * units + j] = hn;
    }
    activation('tanh', saved, sRow + 2 * units, saved, sRow + 2 * units, units);
    const hRow = b * units;
    for (let j = 0; j < units; j++) {
      const z = saved[sRow + j]!;
      hidden[hOffset + hRow + j] =
        z * hidden[hPrevOffset + hRow + j]! + (1 - z) * saved[sRow + 2 * units + j]!;
    }
  }
}

/**
 * GRU step, backward. Given the saved [z | r | n | hn], h_{t−1} and dh (total gradient of h_t), writes
 *   dx = [dz·z(1 − z) | dr·r(1 − r) | dn·(1 − n²)]           (the input projection's gradient)
 *   dhu = [dx_z | dx_r | dx_n ⊙ r]                            (the gradient of h_{t−1}·U + rb)
 * and replaces dh with its direct part dh ⊙ z (the op adds dhu·Uᵀ), where dz = dh ⊙ (h_{t−1} − n),
 * dn = dh ⊙ (1 − z), dr = dx_n ⊙ hn.
 */
export function gruStepBackward(
  saved: Float32Array,
  sOffset: number,
  hidden: Float32Array,
  hPrevOffset: number,
  dh: Float32Array,
  dx: Float32Array,
  dxOffset: number,
  dhu: Float32Array,
  dhuOffset: number,
  batch: number,
  units: number,
): void {
  const width = 3 * units;
  for (let b = 0; b < batch; b++) {
    const sRow = sOffset + b * 4 * units;
    const xRow = dxOffset + b * width;
    const uRow = dhuOffset + b * width;
    const hRow = b * units;
    for (let j = 0; j < units; j++) {
      const z = saved[sRow + j]!;
      const r = saved[sRow + units + j]!;
      const n = saved[sRow + 2 * units + j]!;
      const hn = saved[sRow + 3 * units + j]!;
      const d = dh[hRow + j]!;
      const dzPre = d * (hidden[hPrevOffset + hRow + j]! - n) * z * (1 - z);
      const dnPre = d * (1 - z) * (1 - n * n);
      const drPre = dnPre * hn * r * (1 - r);
      dx[xRow + j] = dzPre;
      dx[xRow + units + j] = drPre;
      dx[xRow + 2 * units + j] = dnPre;
      dhu[uRow + j] = dzPre;
      dhu[uRow + units + j] = drPre;
      dhu[uRow + 2 * units + j] = dnPre * r;
      dh[hRow + j] = d * z;
    }
  }
}

/**
 * A GRU layer (reset_after) over `steps` steps. xProj [batch, steps, 3·units] (x·W + b, gates z, r, n),
 * recurrent [units, 3·units], recurrentBias [3·units]; hs [steps + 1, batch, units] holds h0 in its first
 * block and receives h_t in block t + 1; saved [steps, batch, 4·units] receives [z | r | n | hn].
 */
export function gruSequenceForward(
  xProj: Float32Array,
  recurrent: Float32Array,
  recurrentBias: Float32Array,
  hs: Float32Array,
  saved: Float32Array,
  batch: number,
  steps: number,
  units: number,
): void {
  const native = nativeKernels();
  if (native !== null) {
    native.gruForward(xProj, recurrent, recurrentBias, hs, saved, batch, steps, units, threadCount());
    return;
  }
  gruSequenceForwardLoop(xProj, recurrent, recurrentBias, hs, saved, batch, steps, units);
}

/** The plain loop of gruSequenceForward: its oracle and fallback. */
export function gruSequenceForwardLoop(
  xProj: Float32Array,
  recurrent: Float32Array,
  recurrentBias: Float32Array,
  hs: Float32Array,
  saved: Float32Array,
  batch: number,
  steps: number,
  units: number,
): void {
  const width = 3 * units;
  const stateSize = batch * units;
  const hu = new Float32Array(batch * width);
  for (let t = 0; t < steps; t++) {
    matmul(hs.subarray(t * stateSize, (t + 1) * stateSize), recurrent, hu, batch, width, units);
    gruStepForward(
      hu,
      recurrentBias,
      xProj,
      t * width,
      steps * width,
      hs,
      t * stateSize,
      (t + 1) * stateSize,
      saved,
      t * batch * 4 * units,
      batch,
      units,
    );
  }
}

/**
 * Backpropagation through the GRU layer's steps: gradOut [batch, steps, units] holds dL/dh_t; writes
 * dx and dhu [steps, batch, 3·units] (the gradients of the input projection and of h·U + rb) and
 * dh = dL/dh0 (only when wantH0).
 */
export function gruSequenceBackward(
  recurrent: Float32Array,
  saved: Float32Array,
  hs: Float32Array,
  gradOut: Float32Array,
  dx: Float32Array,
  dhu: Float32Array,
  dh: Float32Array,
  wantH0: boolean,
  batch: number,
  steps: number,
  units: number,
): void {
  const native = nativeKernels();
  if (native !== null) {
    native.gruBackward(
      recurrent,
      saved,
      hs,
      gradOut,
      dx,
      dhu,
      dh,
      wantH0,
      batch,
      steps,
      units,
      threadCount(),
    );
    return;
  }
  gruSequenceBackwardLoop(recurrent, saved, hs, gradOut, dx, dhu, dh, wantH0, batch, steps, units);
}

/** The plain loop of gruSequenceBackward: its oracle and fallback. */
export function gruSequenceBackwardLoop(
  recurrent: Float32Array,
  saved: Float32Array,
  hs: Float32Array,
  gradOut: Float32Array,
  dx: Float32Array,
  dhu: Float32Array,
  dh: Float32Array,
  wantH0: boolean,
  batch: number,
  steps: number,
  units: number,
): void {
  const width = 3 * units;
  const stateSize = batch * units;
  dh.fill(0, 0, stateSize);
  for (let t = steps - 1; t >= 0; t--) {
    for (let b = 0; b < batch; b++) {
      const from = (b * steps + t) * units;
      for (let j = 0; j < units; j++) dh[b * units + j]! += gradOut[from + j]!;
    }
    gruStepBackward(
      saved,
      t * batch * 4 * units,
      hs,
      t * stateSize,
      dh,
      dx,
      t * batch * width,
      dhu,
      t * batch * width,
      batch,
      units,
    );
    if (t > 0 || wantH0) {
      matmul(dhu.subarray(t * batch * width, (t + 1) * batch * width), recurrent, dh, batch, units, width, {
        transB: true,
        accumulate: true,
      });
    }
  }
}
