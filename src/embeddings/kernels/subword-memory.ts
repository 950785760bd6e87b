// The subword (fastText) kernel on the word2vec trainer's shared memory: views of the regions planLayout
// made for a subword model (input matrix of words + buckets, each word's row list, fastText's σ table)
// bound to trainSubwordChunk, behind the same `trainChunk(ids, count, ends, sentences, alpha)` call as
// the WebAssembly word2vec kernel, so the worker pool and the trainer drive both alike. The worker's
// RNG state and loss sums live in its work region exactly where the word2vec kernel keeps them.
import {
  type KernelConfig,
  type KernelExports,
  type KernelLayout,
  kernelViews,
  readRngState,
  writeRngState,
} from './word2vec-memory.js';
import {
  fastTextSigmoidTable,
  Lcg64,
  type SubwordKernelModel,
  subwordScratch,
  trainSubwordChunk,
} from './subword-reference.js';

/** Fills fastText's σ table into the subword region (once per run, by the host). */
export function fillSubwordSigmoid(
  memory: WebAssembly.Memory,
  layout: KernelLayout,
  config: KernelConfig,
): void {
  kernelViews(memory, layout, config).subwordSigmoid.set(fastTextSigmoidTable());
}

/** The subword kernel of worker `workerIndex`, called as the WebAssembly word2vec kernel is. */
export function instantiateSubwordKernel(
  memory: WebAssembly.Memory,
  layout: KernelLayout,
  config: KernelConfig,
  workerIndex: number,
): Pick<KernelExports, 'trainChunk'> {
  const views = kernelViews(memory, layout, config);
  const model: SubwordKernelModel = {
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
  };
  const scratch = subwordScratch(config.dim, config.maxChunkWords);
  const sums = new Float64Array(memory.buffer, layout.work[workerIndex]! + 8, 2);
  return {
    trainChunk(
      idsAt: number,
      wordCount: number,
      endsAt: number,
      sentenceCount: number,
      alpha: number,
    ): number {
      const rng = new Lcg64(readRngState(memory, layout, workerIndex));
      const ids = new Int32Array(memory.buffer, idsAt, wordCount);
      const ends = new Int32Array(memory.buffer, endsAt, sentenceCount);
      const result = trainSubwordChunk(model, ids, ends, alpha, rng, scratch);
      writeRngState(memory, layout, workerIndex, rng.state);
      sums[0] = result.lossSum;
      sums[1] = result.examples;
      return result.kept;
    },
  };
}
