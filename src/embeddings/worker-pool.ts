// The main-thread side of parallel word2vec training: starts N worker threads on one shared
// WebAssembly.Memory and hands them chunks of word ids. Each worker has at most `maxInFlight` chunks
// queued, so the corpus reader never runs far ahead (memory stays bounded) and `submit` applies
// backpressure. With one thread every chunk goes to worker 0 in order, which makes runs reproducible.
import { Worker } from 'node:worker_threads';
import { distModule } from '../util/paths.js';
import type { KernelConfig, KernelLayout } from './kernels/word2vec-memory.js';

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  layout: KernelLayout;
  config: KernelConfig;
  workerIndex: number;
}

export interface ChunkMessage {
  sequence: number;
  ids: Int32Array;
  ends: Int32Array;
  alpha: number;
}

export interface ChunkReply {
  sequence: number;
  kept: number;
  lossSum: number;
  examples: number;
}

export interface ChunkResult extends ChunkReply {
  /** Words (vocabulary ids) the chunk held before subsampling. */
  words: number;
  /** Raw corpus tokens the chunk stands for (including out-of-vocabulary ones). */
  rawWords: number;
}

export interface PoolOptions {
  threads: number;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  layout: KernelLayout;
  config: KernelConfig;
  onResult: (result: ChunkResult) => void;
  maxInFlight?: number;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { words: number; rawWords: number }>;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly maxInFlight: number;
  private readonly onResult: (result: ChunkResult) => void;
  private sequence = 0;
  private failure: Error | undefined;
  private waiters: Array<() => void> = [];

  private constructor(options: PoolOptions) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.onResult = options.onResult;
    const script = distModule('embeddings/worker.js');
    for (let workerIndex = 0; workerIndex < options.threads; workerIndex++) {
      const init: WorkerInit = {
        module: options.module,
        memory: options.memory,
        layout: options.layout,
        config: options.config,
        workerIndex,
      };
      const worker = new Worker(script, { workerData: init });
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (reply: ChunkReply) => {
        const sizes = slot.pending.get(reply.sequence);
        slot.pending.delete(reply.sequence);
        try {
          this.onResult({ ...reply, words: sizes?.words ?? 0, rawWords: sizes?.rawWords ?? 0 });
        } catch (error) {
          this.fail(error instanceof Error ? error : new Error(String(error)));
        }
        this.wake();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (slot.pending.size > 0)
          this.fail(new Error(`word2vec worker ${workerIndex} exited (code ${code}) with chunks pending`));
      });
      this.slots.push(slot);
    }
  }

  static start(options: PoolOptions): WorkerPool {
    return new WorkerPool(options);
  }

  private fail(error: Error): void {
    if (this.failure === undefined) this.failure = error;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Sends a chunk to the least busy worker, first waiting while all are full. */
  async submit(ids: Int32Array, ends: Int32Array, alpha: number, rawWords: number): Promise<void> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      let best: Slot | undefined;
      for (const slot of this.slots) {
        if (
          slot.pending.size < this.maxInFlight &&
          (best === undefined || slot.pending.size < best.pending.size)
        )
          best = slot;
      }
      if (best !== undefined) {
        const sequence = this.sequence++;
        best.pending.set(sequence, { words: ids.length, rawWords });
        const message: ChunkMessage = { sequence, ids, ends, alpha };
        best.worker.postMessage(message, [ids.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
        return;
      }
      await this.waitForChange();
    }
  }

  /** Resolves when every submitted chunk is trained. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.slots.every((slot) => slot.pending.size === 0)) return;
      await this.waitForChange();
    }
  }

  async close(): Promise<void> {
    for (const slot of this.slots) slot.pending.clear();
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
