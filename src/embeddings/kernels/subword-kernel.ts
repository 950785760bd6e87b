// The subword (fastText) chunk loop behind the trainer's ChunkKernel: the model's arrays (an input matrix
// of word rows then n-gram bucket rows), each word's list of rows and fastText's σ table, trained job by
// job as Word2VecKernel trains word2vec's: natively (native/fasttext.cc, each piece on one of the addon's
// threads, asynchronously so the trainer can read and encode the next job meanwhile) or, when the addon
// is unavailable, by the TypeScript loop (./subword-reference.ts, the oracle), one piece after the other.
import type { NativeSubwordModel } from '../../native/embedding-kernels.js';
import { type NativeKernels, nativeKernels } from '../../native/index.js';
import { VerboError } from '../../util/errors.js';
import { fastTextSigmoidTable, trainSubwordJobReference } from './subword-reference.js';
import { type ChunkKernel, seedRngState, type Word2VecArrays, type Word2VecJob } from './word2vec.js';

/** Each word's rows: subwordRows[subwordStart[w] .. subwordStart[w + 1]) (see vocabularySubwordRows). */
export interface SubwordRows {
  start: Int32Array;
  rows: Int32Array;
}

export interface SubwordKernelOptions {
  /** fastText's CBOW objective (default false: skip-gram); the arrays' own `cbow` is ignored. */
  cbow?: boolean;
  /** Pieces per job: one random stream each (default 1). */
  pieces?: number;
  /** Most threads a job uses (default 1). */
  threads?: number;
  /** The native kernel table, or null for the TypeScript loop; default: the addon's, when available. */
  kernels?: NativeKernels | null;
}

export class SubwordKernel implements ChunkKernel {
  readonly backend: string;
  readonly pieces: number;
  readonly threads: number;
  readonly rng: BigUint64Array;
  private readonly model: NativeSubwordModel;
  private readonly native: NativeKernels | null;

  constructor(arrays: Word2VecArrays, rows: SubwordRows, options: SubwordKernelOptions = {}) {
    const cbow = options.cbow ?? false;
    this.pieces = Math.max(1, options.pieces ?? 1);
    this.threads = Math.max(1, options.threads ?? 1);
    this.rng = new BigUint64Array(this.pieces);
    this.native = options.kernels === undefined ? nativeKernels() : options.kernels;
    this.backend = this.native === null ? 'typescript' : `native ${this.native.isa}`;
    // One model object for both loops: the same arrays, with fastText's σ table and the objective.
    this.model = {
      ...arrays,
      cbow,
      subwordStart: rows.start,
      subwordRows: rows.rows,
      fastTextSigmoid: fastTextSigmoidTable(),
    };
  }

  seed(seed: number, epoch: number): void {
    for (let p = 0; p < this.pieces; p++) this.rng[p] = seedRngState(seed, epoch, p);
  }

  /**
   * Trains one job (at most `pieces` pieces) in place. Resolves with [kept, lossSum, examples] per
   * piece. The model's arrays must not be written until it settles; the next job may be built meanwhile.
   */
  train(job: Word2VecJob): Promise<Float64Array> {
    const results = this.resultsFor(job);
    if (this.native === null) {
      trainSubwordJobReference(this.model, job, this.rng, results);
      return Promise.resolve(results);
    }
    const { ids, ends, pieceEnds, alphas } = job;
    return this.native
      .subwordTrainAsync(this.model, ids, ends, pieceEnds, alphas, this.rng, results, this.threads)
      .then(() => results);
  }

  /** train() on the calling thread, returning when done (tests, small jobs). */
  trainNow(job: Word2VecJob): Float64Array {
    const results = this.resultsFor(job);
    if (this.native === null) trainSubwordJobReference(this.model, job, this.rng, results);
    else {
      const { ids, ends, pieceEnds, alphas } = job;
      this.native.subwordTrain(this.model, ids, ends, pieceEnds, alphas, this.rng, results, this.threads);
    }
    return results;
  }

  private resultsFor(job: Word2VecJob): Float64Array {
    const count = job.pieceEnds.length;
    if (count > this.pieces) {
      throw new VerboError(
        `subword: a job of ${count} pieces, the kernel has ${this.pieces}`,
        'BAD_ARGUMENT',
      );
    }
    return new Float64Array(3 * count);
  }
}
