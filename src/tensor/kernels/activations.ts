// Activation kernels: plain loops over Float32Arrays (no allocation, no closures, no autograd), the
// oracle for the native ones (native-unary.ts: long runs of sigmoid, tanh, relu). Each formula is arranged to be stable for large |x|:
//   sigmoid(x) = 1 / (1 + e^-x) for x ≥ 0 and e^x / (1 + e^x) for x < 0 (exp never overflows);
//   tanh via Math.tanh (saturates to ±1); elu(x) = alpha · (e^x − 1) via expm1 for x ≤ 0.
// Backward rules use the forward output where it is cheaper: sigmoid' = y(1 − y), tanh' = 1 − y²,
// elu'(x ≤ 0) = y + alpha.

import { unaryNative } from './native-unary.js';

export type ActivationOp = 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu';

/** out[i] = f(x[i]); `alpha` is the negative slope (leakyRelu) or scale (elu). */
export function activation(
  op: ActivationOp,
  x: Float32Array,
  xOffset: number,
  out: Float32Array,
  outOffset: number,
  length: number,
  alpha = 0,
): void {
  if (
    (op === 'sigmoid' || op === 'tanh' || op === 'relu') &&
    unaryNative(op, x, xOffset, out, outOffset, length)
  )
    return;
  activationLoop(op, x, xOffset, out, outOffset, length, alpha);
}

/** The plain loop of `activation`: its oracle and fallback. */
export function activationLoop(
  op: ActivationOp,
  x: Float32Array,
  xOffset: number,
  out: Float32Array,
  outOffset: number,
  length: number,
  alpha = 0,
): void {
  const shift = xOffset - outOffset;
  const end = outOffset + length;
  switch (op) {
    case 'sigmoid':
      for (let o = outOffset; o < end; o++) {
        const v = x[o + shift]!;
        if (v >= 0) out[o] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          out[o] = e / (1 + e);
        }
      }
      return;
    case 'tanh':
      for (let o = outOffset; o < end; o++) out[o] = Math.tanh(x[o + shift]!);
      return;
    case 'relu':
      for (let o = outOffset; o < end; o++) {
        const v = x[o + shift]!;
        out[o] = Math.max(v, 0);
      }
      return;
    case 'leakyRelu':
      for (let o = outOffset; o < end; o++) {
        const v = x[o + shift]!;
        out[o] = v > 0 ? v : alpha * v;
      }
      return;
    case 'elu':
      for (let o = outOffset; o < end; o++) {
        const v = x[o + shift]!;
        out[o] = v > 0 ? v : alpha * Math.expm1(v);
      }
      return;
  }
}

/** dx[i] = g[i] · f'(x[i]) given input x, output y and incoming gradient g (contiguous runs). */
export function activationBackward(
  op: ActivationOp,
  x: Float32Array,
  xOffset: number,
  y: Float32Array,
  yOffset: number,
  g: Float32Array,
  gOffset: number,
  dx: Float32Array,
  dxOffset: number,
  length: number,
  alpha = 0,
): void {
  switch (op) {
    case 'sigmoid':
      for (let i = 0; i < length; i++) {
        const yi = y[yOffset + i]!;
        dx[dxOffset + i] = g[gOffset + i]! * yi * (1 - yi);
      }
      return;
    case 'tanh':
      for (let i = 0; i < length; i++) {
        const yi = y[yOffset + i]!;
        dx[dxOffset + i] = g[gOffset + i]! * (1 - yi * yi);
      }
      return;
    case 'relu':
      for (let i = 0; i < length; i++) dx[dxOffset + i] = x[xOffset + i]! > 0 ? g[gOffset + i]! : 0;
      return;
    case 'leakyRelu':
      for (let i = 0; i < length; i++) {
        const gi = g[gOffset + i]!;
        dx[dxOffset + i] = x[xOffset + i]! > 0 ? gi : alpha * gi;
      }
      return;
    case 'elu':
      for (let i = 0; i < length; i++) {
        const gi = g[gOffset + i]!;
        dx[dxOffset + i] = x[xOffset + i]! > 0 ? gi : gi * (y[yOffset + i]! + alpha);
      }
      return;
  }
}
