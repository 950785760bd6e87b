// The shared control block between the main thread and a GEMM helper worker: one Int32Array over a
// SharedArrayBuffer. The main thread writes the arguments, bumps REQUEST and notifies; the worker runs
// the kernel on the shared WebAssembly memory, copies REQUEST into DONE and notifies back.

/** Sequence number of the latest request (written by the main thread). */
export const REQUEST = 0;
/** Sequence number of the latest finished request (written by the worker). */
export const DONE = 1;
/** 1 once the worker has instantiated its kernel and waits for requests. */
export const READY = 2;
/** 0 = the last request succeeded, 1 = it threw (the main thread then recomputes that part itself). */
export const STATUS = 3;
/** What to do: RUN_GEMM or STOP. */
export const COMMAND = 4;
/** First of the 13 integer arguments of gemm (see gemm.as.ts). */
export const ARGS = 5;
export const GEMM_ARG_COUNT = 13;
/** Int32 slots in a control block. */
export const CONTROL_SLOTS = ARGS + GEMM_ARG_COUNT;

export const RUN_GEMM = 1;
export const STOP = 2;
