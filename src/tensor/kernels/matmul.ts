// Matrix multiply kernels over row-major Float32Arrays. `matmulReference` is the plain loop kept as
// the test oracle and fallback; `matmul` is what the tensor core calls and may dispatch to faster
// (WebAssembly SIMD, multi-threaded) implementations that must agree with the reference.

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

/** The tensor core's entry point; same contract as matmulReference. */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  n: number,
  k: number,
  options: MatmulOptions = {},
): void {
  matmulReference(a, b, out, m, n, k, options);
}
