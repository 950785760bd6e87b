// Matrix multiply kernels over row-major Float32Arrays. `matmulReference` is the plain loop kept as
// the test oracle and fallback; `matmul` is what the tensor core calls: the native GEMM (native/gemm.cc:
// packed panels, a register-blocked micro-kernel per ISA, the addon's threads) when the addon is
// available, else the plain loop.
import {
  GEMM_ACCUMULATE,
  GEMM_TRANS_A,
  GEMM_TRANS_B,
  nativeKernels,
  threadCount,
} from '../../native/index.js';
import { ShapeError } from '../../util/errors.js';

export interface MatmulOptions {
  /** A is stored as [k, m] and used transposed (no copy). */
  transA?: boolean;
  /** B is stored as [n, k] and used transposed (no copy). */
  transB?: boolean;
  /** Add into `out` instead of overwriting it (used for gradient accumulation). */
  accumulate?: boolean;
}

/**
 * out[m, n] = op(A)[m, k] · op(B)[k, n], with op(X) = X or Xᵀ as the options say.
 * Plain i-k-j loops: the oracle for every faster kernel.
 */
export function matmulReference(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  n: number,
  k: number,
  options: MatmulOptions = {},
): void {
  const { transA = false, transB = false, accumulate = false } = options;
  if (!accumulate) out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const outRow = i * n;
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * m + i]! : a[i * k + p]!;
      if (aip === 0) continue;
      if (transB) {
        for (let j = 0; j < n; j++) out[outRow + j]! += aip * b[j * k + p]!;
      } else {
        const bRow = p * n;
        for (let j = 0; j < n; j++) out[outRow + j]! += aip * b[bRow + j]!;
      }
    }
  }
}

/**
 * Below this many multiply-adds the plain loop beats a call into the addon (argument checks and the
 * N-API crossing cost about a microsecond). Measured with `bench/tensor.mjs --crossover`.
 */
export const NATIVE_MIN_WORK = 512;

/** Which implementation `matmul` uses for an m × k by k × n product. */
export function matmulPath(m: number, n: number, k: number): 'js' | 'native' {
  return m * n * k >= NATIVE_MIN_WORK && nativeKernels() !== null ? 'native' : 'js';
}

/**
 * The tensor core's entry point; same contract as matmulReference (out is overwritten, or added to
 * with `accumulate`). Small products run the plain loop, larger ones the native GEMM on up to
 * threadCount() threads (VERBO_THREADS; results do not depend on it).
 */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  n: number,
  k: number,
  options: MatmulOptions = {},
): void {
  if (a.length < m * k || b.length < k * n || out.length < m * n) {
    throw new ShapeError(
      `matmul: buffers too short for [${m}×${k}]·[${k}×${n}]: A has ${a.length} values (needs ${m * k}), ` +
        `B ${b.length} (needs ${k * n}), out ${out.length} (needs ${m * n})`,
    );
  }
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!options.accumulate) out.fill(0, 0, m * n);
    return;
  }
  const native = m * n * k >= NATIVE_MIN_WORK ? nativeKernels() : null;
  if (native !== null) {
    const flags =
      (options.transA ? GEMM_TRANS_A : 0) |
      (options.transB ? GEMM_TRANS_B : 0) |
      (options.accumulate ? GEMM_ACCUMULATE : 0);
    native.gemm(a, b, out, m, n, k, flags, threadCount());
    return;
  }
  matmulReference(a, b, out, m, n, k, options);
}
