// The WebAssembly SIMD matmul (gemm.as-lib.ts) seen from TypeScript: one persistent shared
// WebAssembly.Memory holds a scratch workspace per thread (packed panels of A and B) followed by the
// operands, which are copied in with one typed-array `set` each and the result copied out. The memory
// only grows, to the largest problem seen, so a call allocates nothing once warm. Large problems are
// split across the helper workers of threads.ts, which share this memory.
// Other kernels may place their operands in the same memory and run products and row kernels on them
// where they lie (gemmInMemory, rowsInMemory: linear-cross-entropy.ts keeps its logits there between its
// forward and backward). Such a caller registers as the memory's resident; whoever uses the memory next
// first asks it to evict (copy out what it still needs), so the memory never holds stale state.
// Two builds of the same kernel exist: gemm-fma.wasm (relaxed SIMD, fused multiply-add; Node 22+, or
// Node 20 started with --experimental-wasm-relaxed-simd) is used when this runtime accepts it, else
// gemm.wasm (plain SIMD). Both agree with the reference to float32 rounding.
import { wasmAvailable, wasmModule } from '../../util/wasm.js';
import type { MatmulOptions } from './matmul.js';
import { gemmHelpers, MAX_THREADS, postGemm, postRows, waitGemm } from './threads.js';
import {
  type ChunkPlan,
  ROW_ARG_COUNT,
  ROW_KERNELS,
  type RowKernelName,
  type RowPlan,
  runChunks,
  runRowChunks,
} from './threads-protocol.js';

type Gemm = (...args: number[]) => void;

export type GemmKernelName = 'gemm-fma' | 'gemm';

export interface GemmKernel {
  name: GemmKernelName;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  gemm: Gemm;
  /** The row kernels, in ROW_KERNELS order. */
  rows: Gemm[];
  /** Bytes of scratch per thread, rounded up to a cache line. */
  workspace: number;
  floats: Float32Array;
  /** The shared chunk counter (in the first page, so this view stays valid as the memory grows). */
  counter: Int32Array;
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
let kernelChoice: GemmKernelName | undefined;

/** Test hook: pretend the WebAssembly GEMM is (un)available; undefined = detect. */
export function overrideWasmGemm(available: boolean | undefined): void {
  availabilityOverride = available;
}

/**
 * Test and benchmark hook: use this build of the kernel from the next call on (undefined = the fastest
 * this runtime accepts). Drops the current kernel memory; helper workers restart with the next call.
 */
export function useWasmGemmKernel(name: GemmKernelName | undefined): void {
  evictResident();
  kernelChoice = name;
  kernel = undefined;
  kernelFailed = false;
}

/** Whether this runtime can compile the given build (gemm-fma needs relaxed SIMD). */
export function wasmGemmKernelSupported(name: GemmKernelName): boolean {
  if (!wasmAvailable(name)) return false;
  try {
    wasmModule(name);
    return true;
  } catch {
    return false;
  }
}

/** The build in use (loading it if needed), or undefined when none can run. */
export function wasmGemmKernelName(): GemmKernelName | undefined {
  return loadKernel()?.name;
}

/** Whether matmulWasm can run here (the kernel was built and this runtime has WebAssembly SIMD). */
export function wasmGemmAvailable(): boolean {
  if (availabilityOverride !== undefined) return availabilityOverride && !kernelFailed;
  return !kernelFailed && (kernel !== undefined || wasmAvailable(kernelChoice ?? 'gemm'));
}

function loadKernel(): GemmKernel | undefined {
  if (kernel !== undefined || kernelFailed) return kernel;
  const candidates: GemmKernelName[] = kernelChoice !== undefined ? [kernelChoice] : ['gemm-fma', 'gemm'];
  const name = candidates.find(wasmGemmKernelSupported);
  if (name === undefined) {
    kernelFailed = true;
    return undefined;
  }
  try {
    const module = wasmModule(name);
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    const workspaceBytes = (exports.workspaceBytes as () => number)();
    kernel = {
      name,
      module,
      memory,
      gemm: exports.gemm as Gemm,
      rows: ROW_KERNELS.map((rowKernel) => exports[rowKernel] as Gemm),
      workspace: Math.ceil(workspaceBytes / 64) * 64,
      floats: new Float32Array(memory.buffer),
      counter: new Int32Array(memory.buffer, COUNTER_ADDRESS, 1),
    };
  } catch {
    kernelFailed = true;
  }
  return kernel;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Byte address of the shared chunk counter, in the reserved first page. */
const COUNTER_ADDRESS = 64;
/** gemm arguments of the whole product, and of the chunk being run on this thread (both reused). */
const callArgs = new Array<number>(13).fill(0);
const chunkArgs = new Array<number>(13).fill(0);

/**
 * How to cut a product among `threads` threads: along the longer of M and N (each chunk packs the
 * whole of the other operand again, which costs least that way), into equal chunks of whole register
 * tiles, a multiple of the thread count: up to three per thread so a thread slowed by a busy core
 * takes fewer, but no chunk under 128 rows or 256 columns (re-packing the other operand per chunk
 * costs about 8/size of the chunk's arithmetic). Unequal chunks cost more than they balance: the
 * LSTM gate product [700×200]·[200×800] cut as 256 + 256 + 256 + 32 columns ran at 45 GFLOP/s on two
 * threads, as 400 + 400 at 55 (quiet machine).
 */
function chunkPlan(args: number[], m: number, n: number, threads: number): ChunkPlan {
  const splitRows = m >= n;
  const extent = splitRows ? m : n;
  const unit = splitRows ? MR : NR;
  const smallest = splitRows ? 128 : 256;
  const perThread = Math.max(1, Math.min(3, Math.floor(extent / (threads * smallest))));
  const step = Math.ceil(extent / (perThread * threads) / unit) * unit;
  return { args, splitRows, step, extent };
}

/** Grows the memory to at least `bytes`; false when that exceeds the kernel's maximum. */
export function reserve(gemmKernel: GemmKernel, bytes: number): boolean {
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
  const gemmKernel = claimGemmMemory(undefined);
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
  // gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, accumulate, workspace), in a reused array.
  const args = callArgs;
  args[0] = m;
  args[1] = n;
  args[2] = k;
  args[3] = aOffset;
  args[4] = rowStrideA;
  args[5] = colStrideA;
  args[6] = bOffset;
  args[7] = rowStrideB;
  args[8] = colStrideB;
  args[9] = cOffset;
  args[10] = n;
  args[11] = accumulate ? 1 : 0;
  const restore = (): void => {
    if (accumulate) floats.set(out.length === m * n ? out : out.subarray(0, m * n), cOffset >> 2);
  };
  gemmInMemory(gemmKernel, args, threads, restore);
  out.set(gemmKernel.floats.subarray(cOffset >> 2, (cOffset >> 2) + m * n));
  return true;
}

/**
 * Runs gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, accumulate, ·) (`args`, the 12 first arguments;
 * byte addresses and float strides) on operands already in the kernel memory, on up to `threads`
 * threads, each with its own workspace after the reserved page. If a helper fails (it never should),
 * `restore` puts C back as it was and the product is redone on this thread.
 */
export function gemmInMemory(
  gemmKernel: GemmKernel,
  args: number[],
  threads: number,
  restore: () => void = () => {},
): void {
  threads = Math.max(1, Math.min(threads, MAX_THREADS));
  const m = args[0]!;
  const n = args[1]!;
  args[12] = RESERVED_BYTES;
  const workspaceBytes = gemmKernel.workspace;
  const helperCount = Math.min(threads, Math.ceil((m >= n ? m : n) / (m >= n ? MR : NR))) - 1;
  const helpers =
    helperCount > 0 ? gemmHelpers(helperCount, gemmKernel.module, gemmKernel.memory) : undefined;
  if (helpers === undefined) {
    gemmKernel.gemm(...args);
    return;
  }
  const plan = chunkPlan(args, m, n, helperCount + 1);
  const counter = gemmKernel.counter;
  Atomics.store(counter, 0, 0);
  for (let h = 0; h < helperCount; h++) {
    postGemm(helpers[h]!, plan, COUNTER_ADDRESS, RESERVED_BYTES + (h + 1) * workspaceBytes);
  }
  runChunks(gemmKernel.gemm, plan, counter, 0, RESERVED_BYTES, chunkArgs);
  let failed = false;
  for (let h = 0; h < helperCount; h++) if (!waitGemm(helpers[h]!)) failed = true;
  if (failed) {
    // A helper's kernel threw (it never should): redo the whole product here.
    restore();
    gemmKernel.gemm(...args);
  }
}

const rowScratch = new Array<number>(3 + ROW_ARG_COUNT).fill(0);

/**
 * Runs a row kernel of the GEMM module over rows [0, rows) of data already in the kernel memory, in
 * chunks of `step` rows (chunk i = rows [i·step, (i+1)·step)), on up to `threads` threads. Row kernels
 * work in place, so a failed helper cannot be redone: that throws (it never should happen).
 */
export function rowsInMemory(
  gemmKernel: GemmKernel,
  name: RowKernelName,
  rows: number,
  step: number,
  args: readonly number[],
  threads: number,
): void {
  const plan: RowPlan = { kernel: ROW_KERNELS.indexOf(name), args, step, extent: rows };
  const chunks = Math.ceil(rows / step);
  const helperCount = Math.min(Math.max(1, Math.min(threads, MAX_THREADS)), chunks) - 1;
  const helpers =
    helperCount > 0 ? gemmHelpers(helperCount, gemmKernel.module, gemmKernel.memory) : undefined;
  const kernelFn = gemmKernel.rows[plan.kernel]!;
  const counter = gemmKernel.counter;
  Atomics.store(counter, 0, 0);
  if (helpers !== undefined) {
    for (let h = 0; h < helperCount; h++) postRows(helpers[h]!, plan, COUNTER_ADDRESS);
  }
  runRowChunks(kernelFn, plan, counter, 0, rowScratch);
  let failed = false;
  if (helpers !== undefined) {
    for (let h = 0; h < helperCount; h++) if (!waitGemm(helpers[h]!)) failed = true;
  }
  if (failed) throw new Error(`${name}: a helper thread failed while running the row kernel`);
}

/** Something that keeps data in the kernel memory between calls (see the file header). */
export interface GemmResident {
  /** Copies out whatever the resident still needs; the memory is then overwritten. */
  evict(): void;
}

let resident: WeakRef<GemmResident> | undefined;

function evictResident(): void {
  const current = resident?.deref();
  resident = undefined;
  current?.evict();
}

/**
 * The kernel, with its memory free for `owner` (undefined: for a transient use such as matmulWasm):
 * any other resident is evicted first, and `owner` (if given) becomes the resident. Undefined when
 * the WebAssembly GEMM cannot run here.
 */
export function claimGemmMemory(owner: GemmResident | undefined): GemmKernel | undefined {
  const gemmKernel = loadKernel();
  if (gemmKernel === undefined) return undefined;
  const current = resident?.deref();
  if (current !== owner) {
    evictResident();
    if (owner !== undefined) resident = new WeakRef(owner);
  }
  return gemmKernel;
}

/** Ends `owner`'s residency (its data in the memory may now be overwritten without an eviction). */
export function releaseGemmMemory(owner: GemmResident): void {
  if (resident?.deref() === owner) resident = undefined;
}

/** Whether `owner` is still the resident (its data still lies in the memory as it left it). */
export function isGemmResident(owner: GemmResident): boolean {
  return resident?.deref() === owner;
}

/** Byte address of the first free byte after the reserved page and `threads` workspaces. */
export function gemmOperandBase(gemmKernel: GemmKernel, threads: number): number {
  return RESERVED_BYTES + Math.max(1, Math.min(threads, MAX_THREADS)) * gemmKernel.workspace;
}
