// Host side of the word2vec WebAssembly kernel (word2vec.as.ts): lays out ONE shared
// WebAssembly.Memory holding the weight matrices, the sigmoid / log-sigmoid tables, the noise
// (negative-sampling) alias table, the keep probabilities, the Huffman codes and one work region per
// worker; fills the tables; and instantiates the kernel on that memory (in a worker or, for tests,
// in the calling thread). Everything here runs once per training run; the hot loop is in the kernel.
import { VerboError } from '../../util/errors.js';
import { wasmModule } from '../../util/wasm.js';
import { AliasSampler } from '../../vocab/index.js';
import { SIGMOID_TABLE_SIZE as SUBWORD_SIGMOID_SIZE } from './subword-reference.js';

export const KERNEL_NAME = 'word2vec';
/** The C tool's sigmoid table: EXP_TABLE_SIZE values of σ(x) for x on a grid over [−MAX_EXP, MAX_EXP). */
export const EXP_TABLE_SIZE = 1000;
export const MAX_EXP = 6;
/** Everything below this address belongs to the AssemblyScript module itself (checked at instantiation). */
const HOST_BASE = 65536;
const PAGE = 65536;
const MAX_PAGES = 65536;

/** What the kernel is configured with; all of it is plain data so it can cross to workers. */
export interface KernelConfig {
  vocabSize: number;
  dim: number;
  window: number;
  negative: number;
  hs: boolean;
  cbow: boolean;
  exactSigmoid: boolean;
  /** Entries of the noise alias table: the vocabulary size with negative sampling, else 0. */
  noiseTableSize: number;
  /** Σ of Huffman code lengths (0 without hierarchical softmax). */
  codeTotal: number;
  workers: number;
  /** Largest chunk (words) a worker is handed, and largest number of sentences in it. */
  maxChunkWords: number;
  /**
   * A subword (fastText) model: the input matrix has `inputRows` rows (words, then n-gram buckets) and
   * each word's rows are listed in `subwordRowTotal` entries; trained by the subword kernel.
   */
  subword?: { inputRows: number; subwordRowTotal: number };
}

/** Byte addresses of every region (16-byte aligned). */
export interface KernelLayout {
  input: number;
  output: number;
  hs: number;
  sigmoid: number;
  logSigmoid: number;
  noise: number;
  keep: number;
  codeStart: number;
  codeLength: number;
  codes: number;
  points: number;
  /** Whether this is a subword model's layout, and its regions: each word's row list and fastText's σ table. */
  subword: boolean;
  subwordStart: number;
  subwordRows: number;
  subwordSigmoid: number;
  /** Per worker: its work region (RNG, loss, scratch rows, sentence) and its chunk buffers. */
  work: number[];
  chunkIds: number[];
  chunkEnds: number[];
  totalBytes: number;
}

export interface KernelExports {
  heapBase(): number;
  configure(...args: number[]): void;
  workBytes(dim: number, maxWords: number): number;
  trainChunk(ids: number, wordCount: number, ends: number, sentenceCount: number, alpha: number): number;
}

function align(n: number): number {
  return Math.ceil(n / 16) * 16;
}

function workBytes(dim: number, maxWords: number): number {
  const row = align(dim * 4);
  return 32 + 2 * row + maxWords * 4;
}

/** Computes the layout; `totalBytes` is the memory the run needs (the estimate reported before training). */
export function planLayout(config: KernelConfig): KernelLayout {
  const { vocabSize, dim, subword } = config;
  const matrixBytes = align(vocabSize * dim * 4);
  let at = HOST_BASE;
  const take = (bytes: number): number => {
    const start = at;
    at += align(bytes);
    return start;
  };
  const input = take(subword === undefined ? matrixBytes : subword.inputRows * dim * 4);
  const output = take(config.negative > 0 ? matrixBytes : 0);
  const hs = take(config.hs ? matrixBytes : 0);
  const sigmoid = take((EXP_TABLE_SIZE + 1) * 4);
  const logSigmoid = take((EXP_TABLE_SIZE + 1) * 4);
  const noise = take(config.negative > 0 ? config.noiseTableSize * 8 : 0);
  const keep = take(vocabSize * 4);
  const codeStart = take(config.hs ? vocabSize * 4 : 0);
  const codeLength = take(config.hs ? vocabSize * 4 : 0);
  const codes = take(config.hs ? config.codeTotal : 0);
  const points = take(config.hs ? config.codeTotal * 4 : 0);
  const subwordStart = take(subword === undefined ? 0 : (vocabSize + 1) * 4);
  const subwordRows = take(subword === undefined ? 0 : subword.subwordRowTotal * 4);
  const subwordSigmoid = take(subword === undefined ? 0 : (SUBWORD_SIGMOID_SIZE + 1) * 4);
  const work: number[] = [];
  const chunkIds: number[] = [];
  const chunkEnds: number[] = [];
  for (let w = 0; w < config.workers; w++) {
    work.push(take(workBytes(dim, config.maxChunkWords)));
    chunkIds.push(take(config.maxChunkWords * 4));
    chunkEnds.push(take(config.maxChunkWords * 4));
  }
  return {
    input,
    output,
    hs,
    sigmoid,
    logSigmoid,
    noise,
    keep,
    codeStart,
    codeLength,
    codes,
    points,
    subword: subword !== undefined,
    subwordStart,
    subwordRows,
    subwordSigmoid,
    work,
    chunkIds,
    chunkEnds,
    totalBytes: at,
  };
}

/** A shared memory big enough for `layout`; throws a clear error beyond WebAssembly's 4 GiB. */
export function createSharedMemory(layout: KernelLayout): WebAssembly.Memory {
  const pages = Math.ceil(layout.totalBytes / PAGE);
  if (pages > MAX_PAGES) {
    throw new VerboError(
      `word2vec needs ${(layout.totalBytes / 2 ** 30).toFixed(2)} GiB of weights and tables, more than WebAssembly's 4 GiB; lower --dim or raise --min-count${layout.subword ? ' or --bucket' : ''}.`,
      'TOO_LARGE',
    );
  }
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch (error) {
    throw new VerboError(
      `could not allocate ${(layout.totalBytes / 2 ** 20).toFixed(0)} MiB of shared memory for word2vec (${(error as Error).message}); lower --dim or raise --min-count${layout.subword ? ' or --bucket' : ''}.`,
      'TOO_LARGE',
    );
  }
}

/** Fills σ and log σ on the C tool's grid: entry i is at x = (2i / EXP_TABLE_SIZE − 1)·MAX_EXP. */
export function fillSigmoidTables(memory: WebAssembly.Memory, layout: KernelLayout): void {
  const sigmoid = new Float32Array(memory.buffer, layout.sigmoid, EXP_TABLE_SIZE + 1);
  const logSigmoid = new Float32Array(memory.buffer, layout.logSigmoid, EXP_TABLE_SIZE + 1);
  for (let i = 0; i <= EXP_TABLE_SIZE; i++) {
    const x = ((2 * i) / EXP_TABLE_SIZE - 1) * MAX_EXP;
    const e = Math.exp(x);
    sigmoid[i] = e / (e + 1);
    logSigmoid[i] = -Math.log1p(Math.exp(-x));
  }
}

/**
 * The noise distribution (weights ∝ count^0.75) as an alias table (Vose's method): entry i is
 * [threshold_i, alias_i] with threshold_i = P(keep bin i)·2^32. The kernel draws r (32 bits), takes
 * bin = ⌊r·n / 2^32⌋ and keeps the bin when (r·n mod 2^32) < threshold, else returns the alias.
 * `target` holds 2·n u32 values.
 */
export function fillNoiseAlias(target: Uint32Array, weights: ArrayLike<number>): Uint32Array {
  const sampler = new AliasSampler(weights);
  for (let i = 0; i < sampler.size; i++) {
    target[2 * i] = Math.min(0xffffffff, Math.floor(sampler.probabilities[i]! * 2 ** 32));
    target[2 * i + 1] = sampler.aliases[i]!;
  }
  return target;
}

/** Instantiates the kernel on `memory` and configures it for worker `workerIndex`. */
export function instantiateKernel(
  memory: WebAssembly.Memory,
  layout: KernelLayout,
  config: KernelConfig,
  workerIndex: number,
  module: WebAssembly.Module = wasmModule(KERNEL_NAME),
): KernelExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('word2vec kernel aborted');
      },
    },
  });
  const kernel = instance.exports as unknown as KernelExports;
  if (kernel.heapBase() > HOST_BASE)
    throw new Error('word2vec kernel: static data overlaps the host regions');
  kernel.configure(
    config.dim,
    config.window,
    config.negative,
    config.hs ? 1 : 0,
    config.cbow ? 1 : 0,
    config.exactSigmoid ? 1 : 0,
    layout.input,
    layout.output,
    layout.hs,
    layout.sigmoid,
    layout.logSigmoid,
    layout.noise,
    Math.max(1, config.noiseTableSize),
    layout.keep,
    layout.codeStart,
    layout.codeLength,
    layout.codes,
    layout.points,
    layout.work[workerIndex]!,
  );
  return kernel;
}

/** Per-worker RNG state (u64 at the start of the work region), readable and writable by the host. */
export function readRngState(memory: WebAssembly.Memory, layout: KernelLayout, workerIndex: number): bigint {
  return new BigUint64Array(memory.buffer, layout.work[workerIndex]!, 1)[0]!;
}

export function writeRngState(
  memory: WebAssembly.Memory,
  layout: KernelLayout,
  workerIndex: number,
  state: bigint,
): void {
  new BigUint64Array(memory.buffer, layout.work[workerIndex]!, 1)[0] = BigInt.asUintN(64, state);
}

/** The loss sum and example count the last trainChunk of a worker stored. */
export function readChunkLoss(
  memory: WebAssembly.Memory,
  layout: KernelLayout,
  workerIndex: number,
): { lossSum: number; examples: number } {
  const view = new Float64Array(memory.buffer, layout.work[workerIndex]! + 8, 2);
  return { lossSum: view[0]!, examples: view[1]! };
}

/**
 * Copies a chunk into the worker's buffers and trains it. `ids` are vocabulary ids, `ends` the
 * exclusive end offset of each sentence. Returns the number of words kept after subsampling.
 */
export function runChunk(
  kernel: Pick<KernelExports, 'trainChunk'>,
  memory: WebAssembly.Memory,
  layout: KernelLayout,
  workerIndex: number,
  ids: Int32Array,
  ends: Int32Array,
  alpha: number,
): number {
  const idsAt = layout.chunkIds[workerIndex]!;
  const endsAt = layout.chunkEnds[workerIndex]!;
  new Int32Array(memory.buffer, idsAt, ids.length).set(ids);
  new Int32Array(memory.buffer, endsAt, ends.length).set(ends);
  return kernel.trainChunk(idsAt, ids.length, endsAt, ends.length, alpha);
}

/** splitmix64: spreads (seed, epoch, worker) into well-mixed, distinct RNG states. */
export function seedRngState(seed: number, epoch: number, workerIndex: number): bigint {
  let z = BigInt.asUintN(
    64,
    BigInt(seed >>> 0) * 0x9e3779b97f4a7c15n +
      BigInt(epoch) * 0xbf58476d1ce4e5b9n +
      BigInt(workerIndex + 1) * 0x94d049bb133111ebn,
  );
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}

/** Typed views of the regions the host fills or reads (weights, tables, codes). */
export interface KernelViews {
  input: Float32Array;
  output: Float32Array;
  hs: Float32Array;
  sigmoid: Float32Array;
  logSigmoid: Float32Array;
  noise: Uint32Array;
  keep: Float32Array;
  codeStart: Int32Array;
  codeLength: Int32Array;
  codes: Uint8Array;
  points: Int32Array;
  subwordStart: Int32Array;
  subwordRows: Int32Array;
  subwordSigmoid: Float32Array;
}

export function kernelViews(
  memory: WebAssembly.Memory,
  layout: KernelLayout,
  config: KernelConfig,
): KernelViews {
  const buffer = memory.buffer;
  const matrix = config.vocabSize * config.dim;
  const { vocabSize, subword } = config;
  const hs = config.hs;
  return {
    input: new Float32Array(buffer, layout.input, (subword?.inputRows ?? vocabSize) * config.dim),
    output: new Float32Array(buffer, layout.output, config.negative > 0 ? matrix : 0),
    hs: new Float32Array(buffer, layout.hs, hs ? matrix : 0),
    sigmoid: new Float32Array(buffer, layout.sigmoid, EXP_TABLE_SIZE + 1),
    logSigmoid: new Float32Array(buffer, layout.logSigmoid, EXP_TABLE_SIZE + 1),
    noise: new Uint32Array(buffer, layout.noise, config.negative > 0 ? 2 * config.noiseTableSize : 0),
    keep: new Float32Array(buffer, layout.keep, vocabSize),
    codeStart: new Int32Array(buffer, layout.codeStart, hs ? vocabSize : 0),
    codeLength: new Int32Array(buffer, layout.codeLength, hs ? vocabSize : 0),
    codes: new Uint8Array(buffer, layout.codes, hs ? config.codeTotal : 0),
    points: new Int32Array(buffer, layout.points, hs ? config.codeTotal : 0),
    subwordStart: new Int32Array(buffer, layout.subwordStart, subword === undefined ? 0 : vocabSize + 1),
    subwordRows: new Int32Array(buffer, layout.subwordRows, subword?.subwordRowTotal ?? 0),
    subwordSigmoid: new Float32Array(
      buffer,
      layout.subwordSigmoid,
      subword === undefined ? 0 : SUBWORD_SIGMOID_SIZE + 1,
    ),
  };
}
