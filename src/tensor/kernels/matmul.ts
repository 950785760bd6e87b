// Matrix multiply kernels over row-major Float32Arrays. `matmulReference` is the plain loop kept as
// the test oracle and fallback; `matmul` is what the tensor core calls and dispatches to the native GEMM
// (native/gemm.cc: packed panels, a register-blocked micro-kernel per ISA, native threads) when the
// addon is available, else to the WebAssembly SIMD GEMM, which must agree with the reference.
import { GEMM_ACCUMULATE, GEMM_TRANS_A, GEMM_TRANS_B, nativeKernels } from '../../native/index.js';
import { ShapeError } from '../../util/errors.js';
import { matmulWasm, wasmGemmAvailable } from './matmul-wasm.js';
import { getMatmulThreads } from './threads.js';

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
 * Below this many multiply-adds (m·n·k) the plain loop wins: copying the operands into WebAssembly
 * memory and packing them costs more than the loop itself. Measured with `bench/tensor.mjs --crossover`:
 * 4³ took 1 µs in the loop and 2 µs in WebAssembly, 8³ 8 µs and 3 µs.
 */
export const WASM_MIN_WORK = 512;
/**
 * From this many multiply-adds on (128³), a matmul is split across threads. Waking the helper and
 * waiting for it costs some tens of microseconds, about a quarter of a 128³ product on one thread.
 * (On the busy shared machine two threads did not beat one at any size, so this is not yet measured.)
 */
export const THREADS_MIN_WORK = 1 << 21;

/**
 * Below this many multiply-adds the plain loop beats a call into the addon (argument checks and the
 * N-API crossing cost about a microsecond).
 */
export const NATIVE_MIN_WORK = 512;

/** Which implementation `matmul` uses for an m × k by k × n product with the current settings. */
export function matmulPath(m: number, n: number, k: number): 'js' | 'native' | 'wasm' | 'wasm-threads' {
  const work = m * n * k;
  if (work >= NATIVE_MIN_WORK && nativeKernels() !== null) return 'native';
  if (work < WASM_MIN_WORK || !wasmGemmAvailable()) return 'js';
  return work >= THREADS_MIN_WORK && getMatmulThreads() > 1 ? 'wasm-threads' : 'wasm';
}

/**
 * The tensor core's entry point; same contract as matmulReference (out is overwritten, or added to
 * with `accumulate`). Small products run the plain loop, larger ones the native GEMM (or, without the
 * addon, the WebAssembly SIMD kernel), on up to setMatmulThreads / VERBO_THREADS threads.
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
  const path = matmulPath(m, n, k);
  if (path === 'native') {
    const flags =
      (options.transA ? GEMM_TRANS_A : 0) |
      (options.transB ? GEMM_TRANS_B : 0) |
      (options.accumulate ? GEMM_ACCUMULATE : 0);
    nativeKernels()!.gemm(a, b, out, m, n, k, flags, getMatmulThreads());
    return;
  }
  if (
    path !== 'js' &&
    matmulWasm(a, b, out, m, n, k, options, path === 'wasm-threads' ? getMatmulThreads() : 1)
  ) {
    return;
  }
  matmulReference(a, b, out, m, n, k, options);
}
