// Optimizer update kernels: in-place loops over a parameter's Float32Array and its gradient, with the
// optimizer's state arrays. No allocation, no autograd. Formulas as in Keras (see optimizers.ts).
// The two passes every SGD step makes over every weight — the update and the gradient's sum of squares
// (global-norm clipping) — go to the native kernels on long arrays (native/elementwise.cc: the same
// double arithmetic, on the pool); the plain loops (sgdUpdateLoop, sumOfSquaresLoop) are their oracle
// and fallback.
import { nativeKernels, threadCount } from '../../native/index.js';

/** Arrays shorter than this stay in the plain loops (the native call costs more). */
const NATIVE_MIN_LENGTH = 4096;

/** p −= lr·g (the native kernel on long arrays, bit for bit the loop's result). */
export function sgdUpdate(param: Float32Array, grad: Float32Array, learningRate: number): void {
  const native = param.length >= NATIVE_MIN_LENGTH && grad.length >= param.length ? nativeKernels() : null;
  if (native !== null) native.sgdUpdate(param, grad.subarray(0, param.length), learningRate, threadCount());
  else sgdUpdateLoop(param, grad, learningRate);
}

/** p −= lr·g: sgdUpdate's plain loop. */
export function sgdUpdateLoop(param: Float32Array, grad: Float32Array, learningRate: number): void {
  for (let i = 0; i < param.length; i++) param[i]! -= learningRate * grad[i]!;
}

/** v = μ·v − lr·g; p += v (or, Nesterov, p += μ·v − lr·g). */
export function momentumUpdate(
  param: Float32Array,
  grad: Float32Array,
  velocity: Float32Array,
  learningRate: number,
  momentum: number,
  nesterov: boolean,
): void {
  for (let i = 0; i < param.length; i++) {
    const step = -learningRate * grad[i]!;
    const v = momentum * velocity[i]! + step;
    velocity[i] = v;
    param[i]! += nesterov ? momentum * v + step : v;
  }
}

/** a += g²; p −= lr·g / (√a + ε). */
export function adagradUpdate(
  param: Float32Array,
  grad: Float32Array,
  accumulator: Float32Array,
  learningRate: number,
  epsilon: number,
): void {
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const a = accumulator[i]! + g * g;
    accumulator[i] = a;
    param[i]! -= (learningRate * g) / (Math.sqrt(a) + epsilon);
  }
}

/** s = ρ·s + (1 − ρ)·g²; p −= lr·g / (√s + ε). */
export function rmspropUpdate(
  param: Float32Array,
  grad: Float32Array,
  meanSquare: Float32Array,
  learningRate: number,
  rho: number,
  epsilon: number,
): void {
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const s = rho * meanSquare[i]! + (1 - rho) * g * g;
    meanSquare[i] = s;
    param[i]! -= (learningRate * g) / (Math.sqrt(s) + epsilon);
  }
}

/**
 * Adam with bias correction folded into the step size:
 *   m = β₁m + (1 − β₁)g;  v = β₂v + (1 − β₂)g²;  p −= lr·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * preceded, for AdamW, by the decoupled decay p −= lr·λ·p.
 */
export function adamUpdate(
  param: Float32Array,
  grad: Float32Array,
  firstMoment: Float32Array,
  secondMoment: Float32Array,
  learningRate: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  step: number,
  weightDecay: number,
): void {
  const correction1 = 1 - beta1 ** step;
  const correction2 = 1 - beta2 ** step;
  const decay = learningRate * weightDecay;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const m = beta1 * firstMoment[i]! + (1 - beta1) * g;
    const v = beta2 * secondMoment[i]! + (1 - beta2) * g * g;
    firstMoment[i] = m;
    secondMoment[i] = v;
    let p = param[i]!;
    if (decay !== 0) p -= decay * p;
    param[i] = p - (learningRate * (m / correction1)) / (Math.sqrt(v / correction2) + epsilon);
  }
}

/** Σ g² (float64), for the global norm (the native kernel on long arrays). */
export function sumOfSquares(grad: Float32Array): number {
  const native = grad.length >= NATIVE_MIN_LENGTH ? nativeKernels() : null;
  return native !== null ? native.sumOfSquares(grad, threadCount()) : sumOfSquaresLoop(grad);
}

/** Σ g² (float64): sumOfSquares's plain loop. */
export function sumOfSquaresLoop(grad: Float32Array): number {
  // Four independent sums: one long chain of dependent adds would wait on each add's latency.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = grad.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const g0 = grad[i]!;
    const g1 = grad[i + 1]!;
    const g2 = grad[i + 2]!;
    const g3 = grad[i + 3]!;
    s0 += g0 * g0;
    s1 += g1 * g1;
    s2 += g2 * g2;
    s3 += g3 * g3;
  }
  for (; i < n; i++) s0 += grad[i]! * grad[i]!;
  return s0 + s1 + (s2 + s3);
}

/** g ← g·factor */
export function scaleInPlace(grad: Float32Array, factor: number): void {
  for (let i = 0; i < grad.length; i++) grad[i]! *= factor;
}

/** g ← clip(g, −limit, limit) */
export function clipInPlace(grad: Float32Array, limit: number): void {
  for (let i = 0; i < grad.length; i++) {
    const g = grad[i]!;
    grad[i] = g > limit ? limit : g < -limit ? -limit : g;
  }
}
