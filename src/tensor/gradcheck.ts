// gradCheck: compares the gradients autograd computes with central finite differences.
//
// The function's output is reduced to a scalar L = Σ r ⊙ fn(inputs) with a fixed random projection r
// (so every output element contributes, with different weights), and backward(r) gives dL/dx.
// Numerically, each input element x is moved to x⁺ = fround(x + eps) and x⁻ = fround(x − eps) — the
// float32 values actually stored — and (L(x⁺) − L(x⁻)) / (x⁺ − x⁻) is accumulated in float64 from the
// float32 outputs. The forward runs in float32, so the difference carries a rounding error of roughly
// 6e-8 · |L| / eps on top of the O(eps²) truncation error: eps = 1e-3 with rtol = 1e-2, atol = 1e-3
// suits smooth ops on values of order 1; ops with kinks (relu, abs, max, clamp) need inputs kept more
// than eps away from the kink. The tests state the tolerance they use per op.
import { Random } from '../util/random.js';
import { noGrad } from './autograd.js';
import { Tensor } from './tensor.js';

export interface GradCheckOptions {
  /** Finite-difference step (default 1e-3). */
  eps?: number;
  /** Relative tolerance (default 1e-2). */
  rtol?: number;
  /** Absolute tolerance (default 1e-3). */
  atol?: number;
  /** Seed of the output projection (default 1). */
  seed?: number;
}

export interface GradCheckMismatch {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradCheckResult {
  ok: boolean;
  /** The largest |analytic − numeric| seen. */
  maxError: number;
  /** Up to 5 elements outside the tolerance. */
  mismatches: GradCheckMismatch[];
  /** One line: "ok …" or the worst mismatches, for test failure messages. */
  summary: string;
}

/**
 * Checks the gradient of `fn` with respect to every tensor in `inputs` (each is copied into a fresh
 * leaf that requires gradients; the originals are not touched). `fn` must be deterministic.
 */
export function gradCheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradCheckOptions = {},
): GradCheckResult {
  const { eps = 1e-3, rtol = 1e-2, atol = 1e-3, seed = 1 } = options;
  const leaves = inputs.map(
    (x) => new Tensor(x.toFloat32Array(), x.shape, undefined, 0, { requiresGrad: true }),
  );

  const output = fn(...leaves);
  const random = new Random(seed);
  const projection = new Float32Array(output.size);
  for (let i = 0; i < projection.length; i++) projection[i] = random.uniform(-1, 1);
  output.backward(new Tensor(projection, output.shape));

  const projected = (): number => {
    const values = noGrad(() => fn(...leaves)).toFloat32Array();
    let total = 0;
    for (let i = 0; i < values.length; i++) total += projection[i]! * values[i]!;
    return total;
  };

  let maxError = 0;
  const mismatches: GradCheckMismatch[] = [];
  let checked = 0;
  leaves.forEach((leaf, input) => {
    const analytic = leaf.grad?.toFloat32Array() ?? new Float32Array(leaf.size);
    for (let index = 0; index < leaf.size; index++) {
      const original = leaf.data[index]!;
      const plus = Math.fround(original + eps);
      const minus = Math.fround(original - eps);
      leaf.data[index] = plus;
      const high = projected();
      leaf.data[index] = minus;
      const low = projected();
      leaf.data[index] = original;
      const numeric = (high - low) / (plus - minus);
      const error = Math.abs(analytic[index]! - numeric);
      checked++;
      if (!(error <= maxError)) maxError = error;
      if (!(error <= atol + rtol * Math.abs(numeric))) {
        mismatches.push({ input, index, analytic: analytic[index]!, numeric });
      }
    }
  });
  const ok = mismatches.length === 0;
  const summary = ok
    ? `ok: ${checked} partial derivatives, max |analytic − numeric| = ${maxError.toExponential(2)}`
    : `${mismatches.length} of ${checked} partial derivatives differ (eps=${eps}, rtol=${rtol}, atol=${atol}): ` +
      mismatches
        .slice(0, 5)
        .map(
          (m) =>
            `input ${m.input} [${leaves[m.input]!.shape.join(', ')}] #${m.index}: analytic ${m.analytic.toPrecision(6)}, numeric ${m.numeric.toPrecision(6)}`,
        )
        .join('; ');
  return { ok, maxError, mismatches: mismatches.slice(0, 5), summary };
}
