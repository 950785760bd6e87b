// The subword (fastText) chunk loop behind the trainer's ChunkKernel: the model's arrays (an input matrix
// of word rows then n-gram bucket rows), each word's list of rows and fastText's σ table, trained by the
// TypeScript loop (./subword-reference.ts) one piece after the other, on the calling thread.
import {
  fastTextSigmoidTable,
  Lcg64,
  type SubwordKernelModel,
  subwordScratch,
  trainSubwordChunk,
} from './subword-reference.js';
import { type ChunkKernel, seedRngState, type Word2VecArrays, type Word2VecJob } from './word2vec.js';

/** Each word's rows: subwordRows[subwordStart[w] .. subwordStart[w + 1]) (see vocabularySubwordRows). */
export interface SubwordRows {
  start: Int32Array;
  rows: Int32Array;
}

export class SubwordKernel implements ChunkKernel {
  readonly backend = 'typescript';
  readonly pieces: number;
  readonly rng: BigUint64Array;
  private readonly model: SubwordKernelModel;

  /** `cbow` picks fastText's CBOW objective (else skip-gram); the arrays' own `cbow` is ignored. */
  constructor(arrays: Word2VecArrays, rows: SubwordRows, cbow: boolean, pieces = 1) {
    this.pieces = Math.max(1, pieces);
    this.rng = new BigUint64Array(this.pieces);
    this.model = {
      dim: arrays.dim,
      window: arrays.window,
      negative: arrays.negative,
      hs: arrays.hs,
      cbow,
      input: arrays.input,
      output: arrays.output,
      hsWeights: arrays.hsWeights,
      subwordStart: rows.start,
      subwordRows: rows.rows,
      noise: arrays.noise,
      keep: arrays.keep,
      codeStart: arrays.codeStart,
      codeLength: arrays.codeLength,
      codes: arrays.codes,
      points: arrays.points,
      sigmoid: fastTextSigmoidTable(),
    };
  }

  seed(seed: number, epoch: number): void {
    for (let p = 0; p < this.pieces; p++) this.rng[p] = seedRngState(seed, epoch, p);
  }

  train(job: Word2VecJob): Promise<Float64Array> {
    const { ids, ends, pieceEnds, alphas } = job;
    const results = new Float64Array(3 * pieceEnds.length);
    const scratch = subwordScratch(this.model.dim, ids.length);
    for (let piece = 0; piece < pieceEnds.length; piece++) {
      const firstSentence = piece === 0 ? 0 : pieceEnds[piece - 1]!;
      const lastSentence = pieceEnds[piece]!;
      const firstWord = firstSentence === 0 ? 0 : ends[firstSentence - 1]!;
      const lastWord = lastSentence === 0 ? 0 : ends[lastSentence - 1]!;
      const sentenceEnds = ends.subarray(firstSentence, lastSentence).map((end) => end - firstWord);
      const stream = new Lcg64(this.rng[piece]!);
      const result = trainSubwordChunk(
        this.model,
        ids.subarray(firstWord, lastWord),
        sentenceEnds,
        alphas[piece]!,
        stream,
        scratch,
      );
      this.rng[piece] = stream.state;
      results.set([result.kept, result.lossSum, result.examples], 3 * piece);
    }
    return Promise.resolve(results);
  }
}
