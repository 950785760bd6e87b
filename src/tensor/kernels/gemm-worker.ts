// A persistent helper thread for the WebAssembly GEMM: it instantiates gemm.wasm over the shared memory
// it was given and then sleeps in Atomics.wait until the main thread posts a block of rows (or
// columns) to multiply. No messages, no event loop: the main thread stays synchronous.
import { workerData } from 'node:worker_threads';
import { ARGS, COMMAND, DONE, GEMM_ARG_COUNT, READY, REQUEST, STATUS, STOP } from './threads-protocol.js';

interface GemmWorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
}

type Gemm = (...args: number[]) => void;

const { module, memory, control } = workerData as GemmWorkerData;
const slots = new Int32Array(control);
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm as Gemm;
const args = new Array<number>(GEMM_ARG_COUNT);

Atomics.store(slots, READY, 1);
Atomics.notify(slots, READY);

// Requests are numbered from 1; one may already be waiting when this loop starts.
let seen = 0;
for (;;) {
  Atomics.wait(slots, REQUEST, seen);
  const request = Atomics.load(slots, REQUEST);
  if (request === seen) continue;
  seen = request;
  if (Atomics.load(slots, COMMAND) === STOP) break;
  for (let i = 0; i < GEMM_ARG_COUNT; i++) args[i] = slots[ARGS + i]!;
  let status = 0;
  try {
    gemm(...args);
  } catch {
    status = 1;
  }
  Atomics.store(slots, STATUS, status);
  Atomics.store(slots, DONE, request);
  Atomics.notify(slots, DONE);
}
