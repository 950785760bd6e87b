// The shared control block between the main thread and a GEMM helper worker (one Int32Array over a
// SharedArrayBuffer), and the chunk loop both sides run. The main thread writes the whole problem's
// gemm arguments and how to cut it into chunks, bumps REQUEST and notifies; every thread then takes
// chunks (blocks of rows of C, or of columns) from one counter in the shared WebAssembly memory with
// Atomics.add until none are left, so a thread that runs slower (a busy core) simply takes fewer. The
// worker copies REQUEST into DONE and notifies when it found the counter exhausted.
// The same loop runs row kernels (RUN_ROWS: the softmax cross-entropy rows of cross-entropy.as-lib.ts,
// over logits already in the memory): chunk i is rows [i·step, (i + 1)·step), and the kernel is told i.

/** Sequence number of the latest request (written by the main thread). */
export const REQUEST = 0;
/** Sequence number of the latest finished request (written by the worker). */
export const DONE = 1;
/** 1 once the worker has instantiated its kernel and waits for requests. */
export const READY = 2;
/** 0 = the last request succeeded, 1 = the kernel threw (the main thread then redoes the product). */
export const STATUS = 3;
/** What to do: RUN_GEMM, RUN_ROWS or STOP. */
export const COMMAND = 4;
/** 1 = chunks are blocks of rows (split M), 0 = blocks of columns (split N). */
export const SPLIT_ROWS = 5;
/** Rows (or columns) per chunk, and the total to cover. */
export const STEP = 6;
export const EXTENT = 7;
/** Byte address, in the WebAssembly memory, of this thread's scratch workspace. */
export const WORKSPACE = 8;
/** Byte address of the chunk counter (an Int32 in the WebAssembly memory). */
export const COUNTER = 9;
/** First of the 13 integer arguments of gemm for the whole product (see gemm.as-lib.ts). */
export const ARGS = 10;
export const GEMM_ARG_COUNT = 13;
/** For RUN_ROWS: the index of the row kernel in ROW_KERNELS; its arguments sit at ARGS. */
export const KERNEL = ARGS + GEMM_ARG_COUNT;
/** Int32 slots in a control block. */
export const CONTROL_SLOTS = KERNEL + 1;

export const RUN_GEMM = 1;
export const STOP = 2;
export const RUN_ROWS = 3;

/** The row kernels a helper can run, by index: exports of the GEMM module (cross-entropy.as-lib.ts). */
export const ROW_KERNELS = ['crossEntropyForwardRows', 'crossEntropyBackwardRows'] as const;
export type RowKernelName = (typeof ROW_KERNELS)[number];
/** Arguments of a row kernel after (start, count, chunk). */
export const ROW_ARG_COUNT = 6;

/** The part of a product a set of threads shares: whole-problem gemm arguments and the chunking. */
export interface ChunkPlan {
  /** gemm's 13 arguments for the whole product (the workspace argument is replaced per thread). */
  args: ArrayLike<number>;
  splitRows: boolean;
  step: number;
  extent: number;
}

/**
 * Takes chunks from `counter[counterIndex]` until none are left and runs gemm on each with this
 * thread's workspace. `scratch` (13 numbers) avoids an allocation per chunk.
 */
export function runChunks(
  gemm: (...args: number[]) => void,
  plan: ChunkPlan,
  counter: Int32Array,
  counterIndex: number,
  workspace: number,
  scratch: number[],
): void {
  const base = plan.args;
  for (;;) {
    const start = Atomics.add(counter, counterIndex, 1) * plan.step;
    if (start >= plan.extent) return;
    const size = Math.min(plan.step, plan.extent - start);
    for (let i = 0; i < GEMM_ARG_COUNT; i++) scratch[i] = base[i]!;
    // gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, accumulate, work): offsets in bytes, strides in floats.
    if (plan.splitRows) {
      scratch[0] = size;
      scratch[3] = base[3]! + start * base[4]! * 4;
      scratch[9] = base[9]! + start * base[10]! * 4;
    } else {
      scratch[1] = size;
      scratch[6] = base[6]! + start * base[8]! * 4;
      scratch[9] = base[9]! + start * 4;
    }
    scratch[12] = workspace;
    gemm(...scratch);
  }
}

/** A row kernel's work shared by a set of threads: its arguments and the chunking of the rows. */
export interface RowPlan {
  /** Index into ROW_KERNELS. */
  kernel: number;
  /** The kernel's ROW_ARG_COUNT arguments after (start, count, chunk). */
  args: ArrayLike<number>;
  step: number;
  extent: number;
}

/**
 * Takes chunks of rows from `counter[counterIndex]` until none are left and runs the row kernel on each
 * as kernel(start, count, chunk, ...args). `scratch` (3 + ROW_ARG_COUNT numbers) avoids an allocation.
 */
export function runRowChunks(
  kernel: (...args: number[]) => void,
  plan: RowPlan,
  counter: Int32Array,
  counterIndex: number,
  scratch: number[],
): void {
  for (let i = 0; i < ROW_ARG_COUNT; i++) scratch[3 + i] = plan.args[i]!;
  for (;;) {
    const chunk = Atomics.add(counter, counterIndex, 1);
    const start = chunk * plan.step;
    if (start >= plan.extent) return;
    scratch[0] = start;
    scratch[1] = Math.min(plan.step, plan.extent - start);
    scratch[2] = chunk;
    kernel(...scratch);
  }
}
