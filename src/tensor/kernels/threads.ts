// How many threads the large matrix multiplies use, and the persistent helper workers that run the
// extra ones. A helper is spawned lazily on the first threaded call, unref'd (it never keeps the process
// alive) and reused; it shares the kernels' WebAssembly.Memory and is driven through Atomics on a
// SharedArrayBuffer (threads-protocol.ts), so a threaded matmul stays a synchronous call.
import { Worker } from 'node:worker_threads';
import { setThreadCount, threadCount } from '../../native/index.js';
import { distModule } from '../../util/paths.js';
import {
  ARGS,
  type ChunkPlan,
  COMMAND,
  CONTROL_SLOTS,
  COUNTER,
  DONE,
  EXTENT,
  GEMM_ARG_COUNT,
  KERNEL,
  READY,
  REQUEST,
  ROW_ARG_COUNT,
  RUN_GEMM,
  RUN_ROWS,
  type RowPlan,
  SPLIT_ROWS,
  STATUS,
  STEP,
  STOP,
  WORKSPACE,
} from './threads-protocol.js';

/** The most threads a matmul will use (one workspace each in the kernel memory). */
export const MAX_THREADS = 8;
/** How long the first threaded call waits for a fresh helper to start before going on alone. */
const STARTUP_TIMEOUT_MS = 10_000;

/** The number of threads large matrix multiplies use (1 = the calling thread only): src/native's count. */
export function getMatmulThreads(): number {
  return threadCount();
}

/** Sets the thread count for large matrix multiplies; `undefined` goes back to the default. */
export function setMatmulThreads(count: number | undefined): void {
  setThreadCount(count);
}

export interface Helper {
  worker: Worker;
  slots: Int32Array;
  sequence: number;
  broken: boolean;
}

let helpers: Helper[] = [];
let helpersMemory: WebAssembly.Memory | undefined;
let helpersUnavailable = false;

function spawnHelper(module: WebAssembly.Module, memory: WebAssembly.Memory): Helper | undefined {
  const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
  const slots = new Int32Array(control);
  let worker: Worker;
  try {
    worker = new Worker(distModule('tensor/kernels/gemm-worker.js'), {
      workerData: { module, memory, control },
    });
  } catch {
    return undefined;
  }
  worker.unref();
  const helper: Helper = { worker, slots, sequence: 0, broken: false };
  worker.on('error', () => {
    helper.broken = true;
  });
  worker.on('exit', () => {
    helper.broken = true;
  });
  // The worker boots on its own thread, so blocking here does not stop it from starting.
  if (Atomics.wait(slots, READY, 0, STARTUP_TIMEOUT_MS) === 'timed-out' && Atomics.load(slots, READY) !== 1) {
    void worker.terminate();
    return undefined;
  }
  return helper;
}

/**
 * `count` ready helpers over `memory`, spawning the missing ones; undefined when helpers cannot run
 * here (the compiled worker is missing, or a worker failed to start), in which case callers compute alone.
 */
export function gemmHelpers(
  count: number,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): readonly Helper[] | undefined {
  if (helpersUnavailable) return undefined;
  if (helpersMemory !== memory || helpers.some((helper) => helper.broken)) {
    shutdownMatmulThreads();
    helpersMemory = memory;
  }
  while (helpers.length < count) {
    const helper = spawnHelper(module, memory);
    if (helper === undefined) {
      helpersUnavailable = true;
      shutdownMatmulThreads();
      return undefined;
    }
    helpers.push(helper);
  }
  return helpers;
}

/**
 * Asks a helper to take chunks of `plan` (from the counter at byte `counterAddress` of the kernel
 * memory) with its own workspace at byte `workspace`; returns at once.
 */
export function postGemm(helper: Helper, plan: ChunkPlan, counterAddress: number, workspace: number): void {
  for (let i = 0; i < GEMM_ARG_COUNT; i++) helper.slots[ARGS + i] = plan.args[i]!;
  helper.slots[SPLIT_ROWS] = plan.splitRows ? 1 : 0;
  helper.slots[STEP] = plan.step;
  helper.slots[EXTENT] = plan.extent;
  helper.slots[WORKSPACE] = workspace;
  helper.slots[COUNTER] = counterAddress;
  helper.slots[COMMAND] = RUN_GEMM;
  helper.sequence++;
  Atomics.store(helper.slots, REQUEST, helper.sequence);
  Atomics.notify(helper.slots, REQUEST);
}

/** Asks a helper to take chunks of rows of `plan` (counter at byte `counterAddress`); returns at once. */
export function postRows(helper: Helper, plan: RowPlan, counterAddress: number): void {
  for (let i = 0; i < ROW_ARG_COUNT; i++) helper.slots[ARGS + i] = plan.args[i]!;
  helper.slots[KERNEL] = plan.kernel;
  helper.slots[STEP] = plan.step;
  helper.slots[EXTENT] = plan.extent;
  helper.slots[COUNTER] = counterAddress;
  helper.slots[COMMAND] = RUN_ROWS;
  helper.sequence++;
  Atomics.store(helper.slots, REQUEST, helper.sequence);
  Atomics.notify(helper.slots, REQUEST);
}

/** Blocks until the helper finished its last request; false when the kernel threw there. */
export function waitGemm(helper: Helper): boolean {
  for (;;) {
    const done = Atomics.load(helper.slots, DONE);
    if (done === helper.sequence) break;
    Atomics.wait(helper.slots, DONE, done);
  }
  return Atomics.load(helper.slots, STATUS) === 0;
}

/**
 * Stops the helper workers (they are unref'd, so a process exits without this; call it to release
 * them early, e.g. in tests). The next threaded matmul spawns fresh ones.
 */
export function shutdownMatmulThreads(): void {
  for (const helper of helpers) {
    helper.slots[COMMAND] = STOP;
    Atomics.store(helper.slots, REQUEST, helper.sequence + 1);
    Atomics.notify(helper.slots, REQUEST);
    void helper.worker.terminate();
  }
  helpers = [];
  helpersMemory = undefined;
}

/** Test hook: pretend worker threads cannot start (undefined forgets an earlier failure). */
export function setHelpersUnavailable(unavailable: boolean): void {
  helpersUnavailable = unavailable;
  if (unavailable) shutdownMatmulThreads();
}

/** How many helper workers are running (for tests and diagnostics). */
export function liveHelperCount(): number {
  return helpers.filter((helper) => !helper.broken).length;
}
