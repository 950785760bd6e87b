// Runs a subword (fastText) model's chunks on the native kernel (native/fasttext.cc) instead of worker
// threads, behind the same submit / drain / close calls as WorkerPool, so the trainer drives either.
// Chunks are gathered into batches of one per thread; a batch trains on the addon's thread pool (one chunk
// per thread, lock-free on the shared matrices) behind a Promise while the trainer reads and cuts the next
// one. Chunk i of a batch draws from the RNG state of worker i (kept in the run's shared memory, where the
// trainer seeds it each epoch), so with one thread every chunk continues worker 0's stream in corpus
// order: a run is reproducible, and the same as the TypeScript kernel's up to float rounding.
import type { NativeKernels, NativeSubwordModel } from '../native/index.js';
import {
  type KernelConfig,
  type KernelLayout,
  type KernelViews,
  readRngState,
  writeRngState,
} from './kernels/word2vec-memory.js';
import type { ChunkResult } from './worker-pool.js';

export interface NativeSubwordPoolOptions {
  kernels: NativeKernels;
  memory: WebAssembly.Memory;
  layout: KernelLayout;
  config: KernelConfig;
  views: KernelViews;
  onResult: (result: ChunkResult) => void;
}

interface Pending {
  ids: Int32Array;
  ends: Int32Array;
  alpha: number;
  rawWords: number;
}

export class NativeSubwordPool {
  private readonly model: NativeSubwordModel;
  private readonly threads: number;
  private batch: Pending[] = [];
  private running: Promise<void> | undefined;
  private sequence = 0;

  private constructor(private readonly options: NativeSubwordPoolOptions) {
    const { config, views, kernels } = options;
    this.threads = config.workers;
    this.model = kernels.subwordModel({
      dim: config.dim,
      window: config.window,
      negative: config.negative,
      hs: config.hs,
      cbow: config.cbow,
      input: views.input,
      output: views.output,
      hsWeights: views.hs,
      subwordStart: views.subwordStart,
      subwordRows: views.subwordRows,
      noise: views.noise,
      keep: views.keep,
      codeStart: views.codeStart,
      codeLength: views.codeLength,
      codes: views.codes,
      points: views.points,
      sigmoid: views.subwordSigmoid,
    });
  }

  static start(options: NativeSubwordPoolOptions): NativeSubwordPool {
    return new NativeSubwordPool(options);
  }

  /** Queues a chunk; a full batch (one chunk per thread) starts training once the previous one is done. */
  async submit(ids: Int32Array, ends: Int32Array, alpha: number, rawWords: number): Promise<void> {
    this.batch.push({ ids, ends, alpha, rawWords });
    if (this.batch.length >= this.threads) await this.launch();
  }

  /** Resolves when every submitted chunk is trained. */
  async drain(): Promise<void> {
    if (this.batch.length > 0) await this.launch();
    await this.running;
  }

  async close(): Promise<void> {
    await this.running?.catch(() => {});
    this.batch = [];
  }

  /** Waits for the batch in flight, then starts the gathered one (not awaiting it). */
  private async launch(): Promise<void> {
    await this.running;
    const batch = this.batch;
    this.batch = [];
    const { memory, layout, kernels, onResult } = this.options;
    const count = batch.length;
    const rng = new BigUint64Array(count);
    for (let i = 0; i < count; i++) rng[i] = readRngState(memory, layout, i);
    const results = new Float64Array(3 * count);
    const alphas = Float64Array.from(batch, (chunk) => chunk.alpha);
    this.running = kernels
      .subwordTrainAsync(
        this.model,
        batch.map((chunk) => chunk.ids),
        batch.map((chunk) => chunk.ends),
        alphas,
        rng,
        results,
        this.threads,
      )
      .then(() => {
        for (let i = 0; i < count; i++) {
          writeRngState(memory, layout, i, rng[i]!);
          onResult({
            sequence: this.sequence++,
            kept: results[3 * i]!,
            lossSum: results[3 * i + 1]!,
            examples: results[3 * i + 2]!,
            words: batch[i]!.ids.length,
            rawWords: batch[i]!.rawWords,
          });
        }
      });
  }
}
