// The second walker of the WebAssembly HNSW search (wasm-hnsw.ts). It instantiates the kernel on the
// shared memory it is given and waits on the control block; a request either lays its walker out
// (configure, with its walker and its partner's swapped) or walks from the candidates the main thread
// dealt it (and rescores its results in float32). After each request it spins for a moment before
// sleeping, so that the next query of a stream finds it awake (waking a sleeping thread takes longer
// than a walk's share of the time).
import { DONE, HNSW_SLOTS, kernelInWorker, QUIT, READY, REQUEST } from './kernel-worker.js';

const { OP, CLAIM, PARAMS, CONFIGURE, WALK } = HNSW_SLOTS;
/** How many times to look for the next request after one is done before sleeping (1.7 ms here). */
const SPIN_LIMIT = 100_000;

const { kernel, slots } = kernelInWorker<{
  configure(...args: number[]): void;
  walk(ef: number, mode: number, steps: number): number;
  rescore(k: number, rerank: number): void;
}>();

let seen = Atomics.load(slots, REQUEST);
Atomics.store(slots, READY, 1);
for (;;) {
  if (Atomics.load(slots, REQUEST) === seen) {
    // spin without allocating (a clock read every so often would make garbage for this thread's GC)
    let spins = 0;
    while (Atomics.load(slots, REQUEST) === seen) {
      if (++spins > SPIN_LIMIT) {
        Atomics.wait(slots, REQUEST, seen);
        break;
      }
    }
  }
  const request = Atomics.load(slots, REQUEST);
  if (request === seen) continue;
  seen = request;
  if (Atomics.load(slots, QUIT) === 1) break;
  if (Atomics.load(slots, OP) === CONFIGURE) {
    // as many arguments as the exported function takes
    kernel.configure(...slots.subarray(PARAMS, PARAMS + kernel.configure.length));
  } else if (
    Atomics.load(slots, OP) === WALK &&
    Atomics.compareExchange(slots, CLAIM, request, -1) === request
  ) {
    // walk(ef, mode), then in int8 mode rescore(k, rerank); a walk the main thread took over (this
    // thread was off its core when it was posted) is skipped
    const mode = slots[PARAMS + 1]!;
    kernel.walk(slots[PARAMS]!, mode, -1);
    if (mode !== 0) kernel.rescore(slots[PARAMS + 2]!, slots[PARAMS + 3]!);
  }
  Atomics.store(slots, DONE, request);
}
