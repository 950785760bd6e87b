// A persistent worker thread that runs a second instance of a WebAssembly kernel on the same shared
// memory (the exact scan and the HNSW search each keep one). It is started lazily and unref'd, and is
// driven through a control block of i32 slots in that memory: the caller writes a request's
// parameters, bumps REQUEST and notifies; the worker runs it and stores the request's number in DONE.
// READY is 1 once the worker is up; QUIT tells it to leave its loop. The worker scripts (scan-worker.ts,
// hnsw-worker.ts) read the same slots.
import { Worker, workerData } from 'node:worker_threads';
import { distModule } from '../../util/paths.js';
import { wasmModule } from '../../util/wasm.js';

/** Control block slots shared by both sides (i32 indices); slots from 4 on belong to each kernel. */
export const REQUEST = 0;
export const DONE = 1;
export const READY = 2;
export const QUIT = 3;

/**
 * The HNSW search's slots (wasm-hnsw.ts ↔ hnsw-worker.ts): the request's operation (CONFIGURE or WALK),
 * CLAIM (a walk request's number until the worker takes it, or the main thread does), its arguments.
 */
export const HNSW_SLOTS = { OP: 4, CLAIM: 5, PARAMS: 8, CONFIGURE: 1, WALK: 2 } as const;

/**
 * The exact scan's slots (wasm-scan.ts ↔ scan-worker.ts): its arguments (up to 14), the operation
 * (BATCH: scanBatch, HALF: scanOneHalf) and what scanOneHalf returned.
 */
export const SCAN_SLOTS = { PARAMS: 4, OP: 30, RESULT: 31, BATCH: 0, HALF: 1 } as const;

/** Stops a worker whose owner was garbage-collected without stop(). */
const registry = new FinalizationRegistry<{ control: Int32Array; worker: Worker }>(({ control, worker }) => {
  quit(control, worker);
});

function quit(control: Int32Array, worker: Worker): void {
  Atomics.store(control, QUIT, 1);
  Atomics.add(control, REQUEST, 1);
  Atomics.notify(control, REQUEST);
  void worker.terminate();
}

export class KernelWorker {
  /** The control block (64 i32 slots at `controlAt` in the shared memory). */
  readonly control: Int32Array;
  private worker: Worker | undefined;
  /** Set once the worker failed, was stopped, or its script is not built: the caller works alone. */
  private broken = false;

  /**
   * @param script the worker's module under dist/ (e.g. 'search/kernels/scan-worker.js')
   * @param kernel the WebAssembly kernel it instantiates (e.g. 'scan')
   */
  constructor(
    private readonly script: string,
    private readonly kernel: string,
    private readonly memory: WebAssembly.Memory,
    private readonly controlAt: number,
  ) {
    this.control = new Int32Array(memory.buffer, controlAt, 64);
  }

  /** Whether requests can be posted now; starts the worker the first time (then false until it is up). */
  available(): boolean {
    if (this.broken) return false;
    if (this.worker === undefined) {
      this.start();
      return false;
    }
    return Atomics.load(this.control, READY) === 1;
  }

  /** Whether the worker is up and not retired. */
  get ready(): boolean {
    return !this.broken && Atomics.load(this.control, READY) === 1;
  }

  private start(): void {
    let path: string;
    try {
      path = distModule(this.script);
    } catch {
      this.broken = true; // not built: the caller stays on one thread
      return;
    }
    const worker = new Worker(path, {
      workerData: { module: wasmModule(this.kernel), memory: this.memory, control: this.controlAt },
    });
    worker.unref();
    worker.on('error', () => {
      this.broken = true;
    });
    this.worker = worker;
    registry.register(this, { control: this.control, worker }, this);
  }

  /** Bumps REQUEST (the parameters are written already) and wakes the worker; the request's number. */
  post(): number {
    const request = Atomics.add(this.control, REQUEST, 1) + 1;
    Atomics.notify(this.control, REQUEST);
    return request;
  }

  /** Starts the worker now and resolves once it is up; false when it cannot be (or not in time). */
  async warmUp(timeoutMs = 10_000): Promise<boolean> {
    if (this.broken) return false;
    if (this.worker === undefined) this.start();
    const started = Date.now();
    while (!this.broken && Atomics.load(this.control, READY) !== 1) {
      if (Date.now() - started > timeoutMs) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return !this.broken;
  }

  /** Stops the worker for good (a worker that stopped answering, or close()). */
  stop(): void {
    if (this.worker !== undefined) {
      registry.unregister(this);
      quit(this.control, this.worker);
      this.worker = undefined;
    }
    this.broken = true;
  }
}

/**
 * In a worker script: the kernel instantiated on the shared memory the worker was given, that memory,
 * and the control block's address and i32 view.
 */
export function kernelInWorker<Exports>(): {
  kernel: Exports;
  memory: WebAssembly.Memory;
  control: number;
  slots: Int32Array;
} {
  const { module, memory, control } = workerData as {
    module: WebAssembly.Module;
    memory: WebAssembly.Memory;
    control: number;
  };
  const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
  return { kernel, memory, control, slots: new Int32Array(memory.buffer, control, 64) };
}
