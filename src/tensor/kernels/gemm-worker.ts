// A persistent helper thread for the WebAssembly GEMM: it instantiates the kernel over the shared memory
// it was given and then sleeps in Atomics.wait until the main thread posts a product; it then takes
// chunks of it (threads-protocol.ts) until none are left; likewise for chunks of rows of a row kernel.
// No messages, no event loop: the main thread stays synchronous.
import { workerData } from 'node:worker_threads';
import {
  ARGS,
  COMMAND,
  COUNTER,
  type ChunkPlan,
  DONE,
  EXTENT,
  GEMM_ARG_COUNT,
  KERNEL,
  READY,
  REQUEST,
  ROW_ARG_COUNT,
  ROW_KERNELS,
  RUN_ROWS,
  type RowPlan,
  runChunks,
  runRowChunks,
  SPLIT_ROWS,
  STATUS,
  STEP,
  STOP,
  WORKSPACE,
} from './threads-protocol.js';

interface GemmWorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
}

type Gemm = (...args: number[]) => void;

const { module, memory, control } = workerData as GemmWorkerData;
const slots = new Int32Array(control);
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const gemm = exports.gemm as Gemm;
const rowKernels = ROW_KERNELS.map((name) => exports[name] as Gemm);
// The counter sits in the first page, which every view of the (only growing) memory covers.
const words = new Int32Array(memory.buffer, 0, 16384);
const args = new Array<number>(GEMM_ARG_COUNT).fill(0);
const scratch = new Array<number>(GEMM_ARG_COUNT).fill(0);
const plan: ChunkPlan = { args, splitRows: true, step: 1, extent: 0 };
const rowArgs = new Array<number>(ROW_ARG_COUNT).fill(0);
const rowScratch = new Array<number>(3 + ROW_ARG_COUNT).fill(0);
const rowPlan: RowPlan = { kernel: 0, args: rowArgs, step: 1, extent: 0 };

Atomics.store(slots, READY, 1);
Atomics.notify(slots, READY);

// Requests are numbered from 1; one may already be waiting when this loop starts.
let seen = 0;
for (;;) {
  Atomics.wait(slots, REQUEST, seen);
  const request = Atomics.load(slots, REQUEST);
  if (request === seen) continue;
  seen = request;
  const command = Atomics.load(slots, COMMAND);
  if (command === STOP) break;
  let status = 0;
  try {
    if (command === RUN_ROWS) {
      for (let i = 0; i < ROW_ARG_COUNT; i++) rowArgs[i] = slots[ARGS + i]!;
      rowPlan.kernel = slots[KERNEL]!;
      rowPlan.step = slots[STEP]!;
      rowPlan.extent = slots[EXTENT]!;
      runRowChunks(rowKernels[rowPlan.kernel]!, rowPlan, words, slots[COUNTER]! >> 2, rowScratch);
    } else {
      for (let i = 0; i < GEMM_ARG_COUNT; i++) args[i] = slots[ARGS + i]!;
      plan.splitRows = slots[SPLIT_ROWS] === 1;
      plan.step = slots[STEP]!;
      plan.extent = slots[EXTENT]!;
      runChunks(gemm, plan, words, slots[COUNTER]! >> 2, slots[WORKSPACE]!, scratch);
    }
  } catch {
    status = 1;
  }
  Atomics.store(slots, STATUS, status);
  Atomics.store(slots, DONE, request);
  Atomics.notify(slots, DONE);
}
