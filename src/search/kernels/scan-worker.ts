// The second thread of the WebAssembly exact scan (wasm-scan.ts). It instantiates the scan kernel on the
// shared memory it is given and then sleeps on the control block; each request names a range of work
// (the arguments of scanBatch or scanOneHalf), which it runs before publishing the request as done.
import { DONE, kernelInWorker, QUIT, READY, REQUEST, SCAN_SLOTS } from './kernel-worker.js';

const { PARAMS, OP, RESULT, HALF } = SCAN_SLOTS;

const { kernel, memory, control, slots } = kernelInWorker<{
  scanBatch(...args: number[]): void;
  scanOneHalf(...args: number[]): number;
}>();
const words = new Uint32Array(memory.buffer, control, 64);
const floats = new Float32Array(memory.buffer, control, 64);

let seen = Atomics.load(slots, REQUEST);
Atomics.store(slots, READY, 1);
for (;;) {
  Atomics.wait(slots, REQUEST, seen);
  const request = Atomics.load(slots, REQUEST);
  if (request === seen) continue;
  seen = request;
  if (Atomics.load(slots, QUIT) === 1) break;
  const args: number[] = [];
  if (Atomics.load(slots, OP) === HALF) {
    // scanOneHalf: 14 arguments, the 11th (margin) a float
    for (let i = 0; i < 14; i++) args.push(i === 10 ? floats[PARAMS + i]! : words[PARAMS + i]!);
    Atomics.store(slots, RESULT, kernel.scanOneHalf(...args));
  } else {
    for (let i = 0; i < 12; i++) args.push(words[PARAMS + i]!);
    kernel.scanBatch(...args);
  }
  Atomics.store(slots, DONE, request);
  Atomics.notify(slots, DONE);
}
