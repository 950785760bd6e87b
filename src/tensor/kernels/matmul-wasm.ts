// The WebAssembly SIMD matmul (gemm.as.ts) seen from TypeScript: one persistent shared
// WebAssembly.Memory holds a scratch workspace per thread (packed panels of A and B) followed by the
// operands, which are copied in with one typed-array `set` each and the result copied out. The memory
// only grows, to the largest problem seen, so a call allocates nothing once warm. Large problems are
// split across the helper workers of threads.ts, which share this memory.
import { wasmAvailable, wasmModule } from '../../util/wasm.js';
import type { MatmulOptions } from './matmul.js';
import { gemmHelpers, MAX_THREADS, postGemm, waitGemm } from './threads.js';

type Gemm = (...args: number[]) => void;

interface GemmKernel {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  gemm: Gemm;
  /** Bytes of scratch per thread, rounded up to a cache line. */
  workspace: number;
  floats: Float32Array;
}

const PAGE_BYTES = 65536;
/** Must match --initialMemory / --maximumMemory in gemm.as.ts's asc-flags. */
const INITIAL_PAGES = 64;
const MAXIMUM_PAGES = 32768;
/** The first page stays unused (address 0 is never handed to the kernel). */
const RESERVED_BYTES = PAGE_BYTES;
/** Register tile of the kernel: a thread's rows start at a multiple of MR, its columns at a multiple of NR. */
const MR = 4;
const NR = 8;

let kernel: GemmKernel | undefined;
let kernelFailed = false;
let availabilityOverride: boolean | undefined;

/** Test hook: pretend the WebAssembly GEMM is (un)available; undefined = detect. */
export function overrideWasmGemm(available: boolean | undefined): void {
  availabilityOverride = available;
}

/** Whether matmulWasm can run here (the kernel was built and this runtime has WebAssembly SIMD). */
export function wasmGemmAvailable(): boolean {
  if (availabilityOverride !== undefined) return availabilityOverride && !kernelFailed;
  return !kernelFailed && (kernel !== undefined || wasmAvailable('gemm'));
}

function loadKernel(): GemmKernel | undefined {
  if (kernel !== undefined || kernelFailed) return kernel;
  try {
    const module = wasmModule('gemm');
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    const workspaceBytes = (exports.workspaceBytes as () => number)();
    kernel = {
      module,
      memory,
      gemm: exports.gemm as Gemm,
      workspace: Math.ceil(workspaceBytes / 64) * 64,
      floats: new Float32Array(memory.buffer),
    };
  } catch {
    kernelFailed = true;
  }
  return kernel;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Grows the memory to at least `bytes`; false when that exceeds the kernel's maximum. */
function reserve(gemmKernel: GemmKernel, bytes: number): boolean {
  const have = gemmKernel.memory.buffer.byteLength;
  if (bytes > have) {
    if (bytes > MAXIMUM_PAGES * PAGE_BYTES) return false;
    try {
      gemmKernel.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
    } catch {
      return false;
    }
  }
  if (gemmKernel.floats.byteLength !== gemmKernel.memory.buffer.byteLength) {
    gemmKernel.floats = new Float32Array(gemmKernel.memory.buffer);
  }
  return true;
}

/**
 * out[m, n] (+)= op(A) · op(B) on the WebAssembly kernel, on `threads` threads (the calling one plus
 * helpers). Returns false, having touched nothing, when the kernel cannot take the problem (not built,
 * or the operands exceed its 2 GiB memory); the caller then uses the plain loop. Needs k ≥ 1.
 */
export function matmulWasm(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  n: number,
  k: number,
  options: MatmulOptions,
  threads: number,
): boolean {
  const gemmKernel = loadKernel();
  if (gemmKernel === undefined) return false;
  const { transA = false, transB = false, accumulate = false } = options;
  threads = Math.max(1, Math.min(threads, MAX_THREADS));
  // Layout: [reserved][workspace × threads][A][B][C], each 64-byte aligned.
  const aOffset = RESERVED_BYTES + threads * gemmKernel.workspace;
  const bOffset = aOffset + align(m * k * 4);
  const cOffset = bOffset + align(k * n * 4);
  if (!reserve(gemmKernel, cOffset + m * n * 4)) return false;
  const floats = gemmKernel.floats;
  floats.set(a.length === m * k ? a : a.subarray(0, m * k), aOffset >> 2);
  floats.set(b.length === k * n ? b : b.subarray(0, k * n), bOffset >> 2);
  if (accumulate) floats.set(out.length === m * n ? out : out.subarray(0, m * n), cOffset >> 2);
  // Element strides (in floats) of op(A) and op(B): a transposed operand only swaps them.
  const rowStrideA = transA ? 1 : k;
  const colStrideA = transA ? m : 1;
  const rowStrideB = transB ? 1 : n;
  const colStrideB = transB ? k : 1;
  const flag = accumulate ? 1 : 0;
  const workspace = (thread: number): number => RESERVED_BYTES + thread * gemmKernel.workspace;

  // Split the longer of M and N (its duplicated packing of the other operand costs least).
  const splitRows = m >= n;
  const unit = splitRows ? MR : NR;
  const extent = splitRows ? m : n;
  const parts = Math.min(threads, Math.ceil(extent / unit));
  const helpers = parts > 1 ? gemmHelpers(parts - 1, gemmKernel.module, gemmKernel.memory) : undefined;
  if (helpers === undefined) {
    gemmKernel.gemm(
      m,
      n,
      k,
      aOffset,
      rowStrideA,
      colStrideA,
      bOffset,
      rowStrideB,
      colStrideB,
      cOffset,
      n,
      flag,
      workspace(0),
    );
  } else {
    const step = Math.ceil(extent / parts / unit) * unit;
    const partArgs: number[][] = [];
    for (let part = 0; part < parts; part++) {
      const start = Math.min(part * step, extent);
      const size = Math.min(step, extent - start);
      partArgs.push(
        splitRows
          ? [
              size,
              n,
              k,
              aOffset + start * rowStrideA * 4,
              rowStrideA,
              colStrideA,
              bOffset,
              rowStrideB,
              colStrideB,
              cOffset + start * n * 4,
              n,
              flag,
              workspace(part),
            ]
          : [
              m,
              size,
              k,
              aOffset,
              rowStrideA,
              colStrideA,
              bOffset + start * colStrideB * 4,
              rowStrideB,
              colStrideB,
              cOffset + start * 4,
              n,
              flag,
              workspace(part),
            ],
      );
    }
    for (let part = 1; part < parts; part++) {
      if (partArgs[part]![splitRows ? 0 : 1]! > 0) postGemm(helpers[part - 1]!, partArgs[part]!);
    }
    gemmKernel.gemm(...partArgs[0]!);
    for (let part = 1; part < parts; part++) {
      const args = partArgs[part]!;
      if (args[splitRows ? 0 : 1]! === 0 || waitGemm(helpers[part - 1]!)) continue;
      // The helper failed: restore its block of C (for accumulate) and compute it here.
      if (accumulate) {
        const rows = args[0]!;
        const cols = args[1]!;
        const first = (args[9]! - cOffset) >> 2;
        for (let r = 0; r < rows; r++) {
          const at = first + r * n;
          floats.set(out.subarray(at, at + cols), (cOffset >> 2) + at);
        }
      }
      args[12] = workspace(0);
      gemmKernel.gemm(...args);
    }
  }
  out.set(floats.subarray(cOffset >> 2, (cOffset >> 2) + m * n));
  return true;
}
