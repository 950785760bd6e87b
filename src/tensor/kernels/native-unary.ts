// Long runs of exp, sigmoid, tanh and relu go to the native kernel (native/elementwise.cc: branch-free
// polynomial exp vectorised per ISA, the pool for very long runs); the plain loops in elementwise.ts and
// activations.ts stay as the oracle and the fallback.
import {
  nativeKernels,
  threadCount,
  UNARY_EXP,
  UNARY_RELU,
  UNARY_SIGMOID,
  UNARY_TANH,
} from '../../native/index.js';

/** Runs shorter than this stay in the plain loop (the call costs more). Measured: bench/tensor.mjs --elementwise. */
export const NATIVE_MIN_LENGTH = 64;

const OPS = { exp: UNARY_EXP, sigmoid: UNARY_SIGMOID, tanh: UNARY_TANH, relu: UNARY_RELU } as const;

/**
 * out[outOffset + i] = f(x[xOffset + i]) for i < length on the native kernel; false (nothing written)
 * when the run is short or the addon is unavailable, and the caller runs its plain loop.
 */
export function unaryNative(
  op: keyof typeof OPS,
  x: Float32Array,
  xOffset: number,
  out: Float32Array,
  outOffset: number,
  length: number,
): boolean {
  if (length < NATIVE_MIN_LENGTH) return false;
  const native = nativeKernels();
  if (native === null) return false;
  native.unary(
    OPS[op],
    x.subarray(xOffset, xOffset + length),
    out.subarray(outOffset, outOffset + length),
    threadCount(),
  );
  return true;
}
