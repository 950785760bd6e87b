// Elementwise kernels: plain loops over Float32Arrays, no allocation, no closures, no autograd.
// Each takes (array, offset) pairs and a length. A binary operand's `step` is 1 for a run of
// contiguous values or 0 for one value repeated (the broadcast of a scalar or of a size-1 axis),
// which covers bias adds and scalar operands without materialising the broadcast. The op code is
// switched on once per call, outside the loop. These loops are the oracle for the native ones
// (native-unary.ts: long runs of exp).

import { unaryNative } from './native-unary.js';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'eq' | 'gt' | 'ge' | 'lt' | 'le';

/** out[i] = a[i·aStep] ∘ b[i·bStep] for i < length (offsets added); steps are 0 or 1. */
export function binary(
  op: BinaryOp,
  a: Float32Array,
  aOffset: number,
  aStep: number,
  b: Float32Array,
  bOffset: number,
  bStep: number,
  out: Float32Array,
  outOffset: number,
  length: number,
): void {
  let ai = aOffset;
  let bi = bOffset;
  const end = outOffset + length;
  switch (op) {
    case 'add':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! + b[bi]!;
      return;
    case 'sub':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! - b[bi]!;
      return;
    case 'mul':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! * b[bi]!;
      return;
    case 'div':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! / b[bi]!;
      return;
    case 'pow':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! ** b[bi]!;
      return;
    case 'maximum':
      // NaN propagates (Math.max semantics), as in NumPy's maximum.
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = Math.max(a[ai]!, b[bi]!);
      return;
    case 'eq':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! === b[bi]! ? 1 : 0;
      return;
    case 'gt':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! > b[bi]! ? 1 : 0;
      return;
    case 'ge':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! >= b[bi]! ? 1 : 0;
      return;
    case 'lt':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! < b[bi]! ? 1 : 0;
      return;
    case 'le':
      for (let o = outOffset; o < end; o++, ai += aStep, bi += bStep) out[o] = a[ai]! <= b[bi]! ? 1 : 0;
      return;
  }
}

export type UnaryOp = 'neg' | 'exp' | 'log' | 'abs' | 'clamp';

/** out[i] = f(x[i]); `clamp` clips to [low, high]. */
export function unary(
  op: UnaryOp,
  x: Float32Array,
  xOffset: number,
  out: Float32Array,
  outOffset: number,
  length: number,
  low = 0,
  high = 0,
): void {
  if (op === 'exp' && unaryNative('exp', x, xOffset, out, outOffset, length)) return;
  unaryLoop(op, x, xOffset, out, outOffset, length, low, high);
}

/** The plain loop of `unary`: its oracle and fallback. */
export function unaryLoop(
  op: UnaryOp,
  x: Float32Array,
  xOffset: number,
  out: Float32Array,
  outOffset: number,
  length: number,
  low = 0,
  high = 0,
): void {
  const shift = xOffset - outOffset;
  const end = outOffset + length;
  switch (op) {
    case 'neg':
      for (let o = outOffset; o < end; o++) out[o] = -x[o + shift]!;
      return;
    case 'exp':
      for (let o = outOffset; o < end; o++) out[o] = Math.exp(x[o + shift]!);
      return;
    case 'log':
      for (let o = outOffset; o < end; o++) out[o] = Math.log(x[o + shift]!);
      return;
    case 'abs':
      for (let o = outOffset; o < end; o++) out[o] = Math.abs(x[o + shift]!);
      return;
    case 'clamp':
      for (let o = outOffset; o < end; o++) {
        const v = x[o + shift]!;
        out[o] = v < low ? low : Math.min(v, high);
      }
      return;
  }
}

/**
 * dx[i] = g[i] · f'(x[i]) for the unary ops, given the input x, the forward output y and the
 * incoming gradient g (all contiguous runs of `length`). exp uses y (= eˣ); clamp passes the
 * gradient where low ≤ x ≤ high; abs uses sign(x) (0 at 0).
 */
export function unaryBackward(
  op: UnaryOp,
  x: Float32Array,
  xOffset: number,
  y: Float32Array,
  yOffset: number,
  g: Float32Array,
  gOffset: number,
  dx: Float32Array,
  dxOffset: number,
  length: number,
  low = 0,
  high = 0,
): void {
  for (let i = 0; i < length; i++) {
    const gi = g[gOffset + i]!;
    let d: number;
    switch (op) {
      case 'neg':
        d = -gi;
        break;
      case 'exp':
        d = gi * y[yOffset + i]!;
        break;
      case 'log':
        d = gi / x[xOffset + i]!;
        break;
      case 'abs': {
        const v = x[xOffset + i]!;
        d = v > 0 ? gi : v < 0 ? -gi : 0;
        break;
      }
      case 'clamp': {
        const v = x[xOffset + i]!;
        d = v >= low && v <= high ? gi : 0;
        break;
      }
    }
    dx[dxOffset + i] = d;
  }
}

/** out[i] = cond[i] ≠ 0 ? a[i] : b[i], all contiguous runs of `length`. */
export function select(
  cond: Float32Array,
  condOffset: number,
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  out: Float32Array,
  outOffset: number,
  length: number,
): void {
  for (let i = 0; i < length; i++) {
    out[outOffset + i] = cond[condOffset + i] !== 0 ? a[aOffset + i]! : b[bOffset + i]!;
  }
}
