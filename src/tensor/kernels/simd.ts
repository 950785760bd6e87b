// WebAssembly SIMD versions of the transcendental elementwise kernels (exp, tanh, sigmoid), relu and the
// row log-sum-exp, for the plain loops in elementwise.ts, activations.ts and softmax.ts to call on long
// runs. Data moves through a small scratch block of tensor-simd.wasm's own memory (one `set` in, one out), which
// grows only to the longest row seen, so a call allocates nothing once warm.
//
// Measured (ns per element, 1M elements, copies included, on the busy 2-core machine, CPU time):
// exp 23 → 5.5, tanh 36 → 7.2, sigmoid 28 → 5.3, relu 11 → 1.1, row log-sum-exp of 10 000 columns
// 22 → 6. add and mul were 1.3-1.4 in plain JS against 1.6 through WebAssembly (the copies cost more
// than the SIMD saves), so the binary ops, scale and axpy stay plain loops.
import { wasmAvailable, wasmModule } from '../../util/wasm.js';

interface SimdKernels {
  memory: WebAssembly.Memory;
  floats: Float32Array;
  expInPlace(ptr: number, n: number): void;
  tanhInPlace(ptr: number, n: number): void;
  sigmoidInPlace(ptr: number, n: number): void;
  reluInPlace(ptr: number, n: number): void;
  maxOf(ptr: number, n: number): number;
  sumExpShifted(ptr: number, n: number, shift: number): number;
  scaledExpInPlace(ptr: number, n: number, shift: number, scale: number): void;
}

/** Runs shorter than this stay in the plain loop (the call and copies cost more). */
export const SIMD_MIN_LENGTH = 64;
/** Floats per block copied into WebAssembly memory for the elementwise kernels (16 KiB: stays in L1). */
const BLOCK = 4096;
/** Byte offset of the scratch block; the first bytes of the memory stay unused. */
const SCRATCH = 1024;

let kernels: SimdKernels | undefined;
let failed = false;
let availabilityOverride: boolean | undefined;

/** Test hook: pretend the SIMD kernels are (un)available; undefined = detect. */
export function overrideSimdKernels(available: boolean | undefined): void {
  availabilityOverride = available;
}

function load(): SimdKernels | undefined {
  if (availabilityOverride === false) return undefined;
  if (kernels !== undefined || failed) return kernels;
  if (!wasmAvailable('tensor-simd')) {
    failed = true;
    return undefined;
  }
  try {
    const exports = new WebAssembly.Instance(wasmModule('tensor-simd'), {}).exports as unknown as Omit<
      SimdKernels,
      'floats'
    >;
    kernels = { ...exports, floats: new Float32Array(exports.memory.buffer) };
  } catch {
    failed = true;
  }
  return kernels;
}

/** A scratch area of at least `floats` floats (rounded up to whole vectors); returns its float index. */
function scratch(simd: SimdKernels, floats: number): number {
  const bytes = SCRATCH + Math.ceil(floats / 4) * 16;
  const have = simd.memory.buffer.byteLength;
  if (bytes > have) simd.memory.grow(Math.ceil((bytes - have) / 65536));
  if (simd.floats.buffer !== simd.memory.buffer) simd.floats = new Float32Array(simd.memory.buffer);
  return SCRATCH >> 2;
}

export type SimdUnaryOp = 'exp' | 'tanh' | 'sigmoid' | 'relu';

/**
 * out[outOffset + i] = f(x[xOffset + i]) for i < length on WebAssembly SIMD; false (nothing written)
 * when the kernels are unavailable, and the caller runs its plain loop. out may alias x.
 */
export function unarySimd(
  op: SimdUnaryOp,
  x: Float32Array,
  xOffset: number,
  out: Float32Array,
  outOffset: number,
  length: number,
): boolean {
  const simd = load();
  if (simd === undefined) return false;
  const kernel =
    op === 'exp'
      ? simd.expInPlace
      : op === 'tanh'
        ? simd.tanhInPlace
        : op === 'sigmoid'
          ? simd.sigmoidInPlace
          : simd.reluInPlace;
  const at = scratch(simd, Math.min(length, BLOCK));
  const floats = simd.floats;
  for (let start = 0; start < length; start += BLOCK) {
    const size = Math.min(BLOCK, length - start);
    floats.set(x.subarray(xOffset + start, xOffset + start + size), at);
    // The kernels work on whole vectors; the up-to-3 floats past `size` are scratch.
    kernel(at << 2, (size + 3) & ~3);
    out.set(floats.subarray(at, at + size), outOffset + start);
  }
  return true;
}

/**
 * lse[r] = log Σ_c e^x[r, c] over contiguous [rows, cols] values, stable (shifted by the row maximum);
 * false when the kernels are unavailable. Matches logSumExpRows: a row whose maximum is ±∞ gives that
 * maximum, a row with NaN gives NaN (the plain loop gives +∞ when that row also holds +∞).
 */
export function logSumExpRowsSimd(
  x: Float32Array,
  xOffset: number,
  rows: number,
  cols: number,
  lse: Float64Array,
): boolean {
  const simd = load();
  if (simd === undefined) return false;
  const at = scratch(simd, cols);
  const floats = simd.floats;
  for (let r = 0; r < rows; r++) {
    const base = xOffset + r * cols;
    floats.set(x.subarray(base, base + cols), at);
    const max = simd.maxOf(at << 2, cols);
    if (max === Number.POSITIVE_INFINITY || max === Number.NEGATIVE_INFINITY || Number.isNaN(max)) {
      lse[r] = Number.isNaN(max) ? Number.NaN : max;
      continue;
    }
    lse[r] = max + Math.log(simd.sumExpShifted(at << 2, cols, max));
  }
  return true;
}

/**
 * The sparse softmax-cross-entropy gradient, dx[r, c] = rowGrad[r] · (e^(x[r, c] − lse[r]) − [c = target[r]]),
 * as sparseCrossEntropyBackward computes it; false when the kernels are unavailable. lse is split into
 * a float32 part, subtracted in the kernel (exactly where x is near it, which is where p is large), and
 * a small remainder folded into the row's scale in float64.
 */
export function sparseCrossEntropyBackwardSimd(
  x: Float32Array,
  xOffset: number,
  rows: number,
  cols: number,
  targets: Int32Array,
  lse: Float64Array,
  rowGrad: Float64Array,
  dx: Float32Array,
): boolean {
  const simd = load();
  if (simd === undefined) return false;
  const at = scratch(simd, cols);
  const floats = simd.floats;
  const padded = (cols + 3) & ~3;
  for (let r = 0; r < rows; r++) {
    const base = xOffset + r * cols;
    const out = r * cols;
    const g = rowGrad[r]!;
    if (!Number.isFinite(lse[r]!)) {
      // A row holding ±∞ (or NaN): keep the plain loop's exact IEEE behaviour.
      for (let c = 0; c < cols; c++) dx[out + c] = g * Math.exp(x[base + c]! - lse[r]!);
      dx[out + targets[r]!]! -= g;
      continue;
    }
    const shift = Math.fround(lse[r]!);
    floats.set(x.subarray(base, base + cols), at);
    simd.scaledExpInPlace(at << 2, padded, shift, g * Math.exp(shift - lse[r]!));
    dx.set(floats.subarray(at, at + cols), out);
    dx[out + targets[r]!]! -= g;
  }
  return true;
}
