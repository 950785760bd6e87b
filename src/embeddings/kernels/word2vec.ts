// The word2vec chunk loop as the trainer drives it: a description of the model (its weight matrices and
// read-only tables, all plain typed arrays owned here in JavaScript) and `Word2VecKernel`, which trains
// one job of chunks on it: natively (native/word2vec.cc, on the addon's threads, asynchronously so the
// trainer can read and encode the next job meanwhile) or, when the addon is unavailable, in the plain
// TypeScript loop (./word2vec-reference.ts, the oracle), one piece after the other.
//
// A job is `pieces` consecutive chunks of the corpus; piece p is trained by one thread with its own
// learning rate and random stream p (reseeded at every epoch start from (seed, epoch, p)). With one
// thread a job is one piece, so a run is bit-for-bit reproducible; with several, threads update the
// matrices without locks (Hogwild), as the C tool and gensim do.
import type { NativeWord2VecModel } from '../../native/embedding-kernels.js';
import { type NativeKernels, nativeKernels } from '../../native/index.js';
import { VerboError } from '../../util/errors.js';
import { AliasSampler } from '../../vocab/index.js';
import { EXP_TABLE_SIZE, MAX_EXP, trainJobReference } from './word2vec-reference.js';

export { EXP_TABLE_SIZE, MAX_EXP } from './word2vec-reference.js';

/** Everything the chunk loop reads and writes; the same object goes to the native kernel. */
export type Word2VecArrays = NativeWord2VecModel;

/** The shape and settings of a model, without its arrays (the fields are described in src/native). */
export type Word2VecShape = Pick<
  NativeWord2VecModel,
  'vocabSize' | 'dim' | 'window' | 'negative' | 'hs' | 'cbow' | 'exactSigmoid'
>;

/**
 * One job: sentence s of the job ends at ids[ends[s]] (exclusive; offsets into ids), piece p holds
 * sentences [pieceEnds[p − 1], pieceEnds[p]) and trains with learning rate alphas[p].
 */
export interface Word2VecJob {
  ids: Int32Array;
  ends: Int32Array;
  pieceEnds: Int32Array;
  alphas: Float32Array;
}

/**
 * A model with zeroed weights and filled tables (σ, log σ; the caller fills keep, noise and the codes).
 * The input matrix has `inputRows` rows (a subword model's words, then its n-gram buckets). Throws a
 * VerboError when the matrices cannot be allocated.
 */
export function createWord2VecArrays(
  shape: Word2VecShape,
  codeTotal: number,
  inputRows = shape.vocabSize,
): Word2VecArrays {
  const matrix = shape.vocabSize * shape.dim;
  const allocate = <T>(make: () => T): T => {
    try {
      return make();
    } catch (error) {
      throw new VerboError(
        `word2vec could not allocate its weights, ${((3 * Math.max(matrix, inputRows * shape.dim) * 4) / 2 ** 20).toFixed(0)} MiB (${(error as Error).message}); lower --dim or raise --min-count.`,
        'TOO_LARGE',
      );
    }
  };
  const sigmoid = new Float32Array(EXP_TABLE_SIZE + 1);
  const logSigmoid = new Float32Array(EXP_TABLE_SIZE + 1);
  for (let i = 0; i <= EXP_TABLE_SIZE; i++) {
    const x = ((2 * i) / EXP_TABLE_SIZE - 1) * MAX_EXP;
    const e = Math.exp(x);
    sigmoid[i] = e / (e + 1);
    logSigmoid[i] = -Math.log1p(Math.exp(-x));
  }
  const hs = shape.hs;
  return {
    ...shape,
    input: allocate(() => new Float32Array(inputRows * shape.dim)),
    output: allocate(() => new Float32Array(shape.negative > 0 ? matrix : 0)),
    hsWeights: allocate(() => new Float32Array(hs ? matrix : 0)),
    sigmoid,
    logSigmoid,
    noise: new Uint32Array(shape.negative > 0 ? 2 * shape.vocabSize : 0),
    keep: new Float32Array(shape.vocabSize),
    codeStart: new Int32Array(hs ? shape.vocabSize : 0),
    codeLength: new Int32Array(hs ? shape.vocabSize : 0),
    codes: new Uint8Array(hs ? codeTotal : 0),
    points: new Int32Array(hs ? codeTotal : 0),
  };
}

/** Bytes of the model's weights and of its tables. */
export function modelBytes(model: Word2VecArrays): { weightBytes: number; tableBytes: number } {
  const weightBytes = model.input.byteLength + model.output.byteLength + model.hsWeights.byteLength;
  const tableBytes = [
    model.sigmoid,
    model.logSigmoid,
    model.noise,
    model.keep,
    model.codeStart,
    model.codeLength,
    model.codes,
    model.points,
  ].reduce((sum, array) => sum + array.byteLength, 0);
  return { weightBytes, tableBytes };
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

/** splitmix64: spreads (seed, epoch, stream) into well-mixed, distinct random states. */
export function seedRngState(seed: number, epoch: number, stream: number): bigint {
  let z = BigInt.asUintN(
    64,
    BigInt(seed >>> 0) * 0x9e3779b97f4a7c15n +
      BigInt(epoch) * 0xbf58476d1ce4e5b9n +
      BigInt(stream + 1) * 0x94d049bb133111ebn,
  );
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}

/**
 * What the trainer drives: a chunk loop over one model, trained job by job. Word2VecKernel is word2vec's;
 * SubwordKernel (./subword-kernel.ts) fastText's.
 */
export interface ChunkKernel {
  /** Pieces per job (each its own random stream). */
  readonly pieces: number;
  /** Which loop trains, e.g. 'native avx512' or 'typescript'. */
  readonly backend: string;
  /** Seeds every piece's random stream for `epoch`. */
  seed(seed: number, epoch: number): void;
  /** Trains one job in place; resolves with [kept, lossSum, examples] per piece. */
  train(job: Word2VecJob): Promise<Float64Array>;
}

export interface Word2VecKernelOptions {
  /** Pieces per job: one random stream each (default 1). */
  pieces?: number;
  /** Most threads a job uses (default 1). */
  threads?: number;
  /**
   * The native kernel table to train with, or null for the TypeScript loop; default: the addon's table
   * for this CPU (nativeKernels()), the TypeScript loop when the addon is unavailable.
   */
  kernels?: NativeKernels | null;
}

/** Trains jobs of chunks on one model (see the file's header). */
export class Word2VecKernel implements ChunkKernel {
  readonly model: Word2VecArrays;
  readonly pieces: number;
  readonly threads: number;
  /** Which loop trains: the native kernel (with its ISA) or the TypeScript one. */
  readonly backend: string;
  /** Random stream of each piece (advanced by every job). */
  readonly rng: BigUint64Array;
  private readonly native: NativeKernels | null;

  constructor(model: Word2VecArrays, options: Word2VecKernelOptions = {}) {
    this.model = model;
    this.pieces = Math.max(1, options.pieces ?? 1);
    this.threads = Math.max(1, options.threads ?? 1);
    this.rng = new BigUint64Array(this.pieces);
    this.native = options.kernels === undefined ? nativeKernels() : options.kernels;
    this.backend = this.native === null ? 'typescript' : `native ${this.native.isa}`;
  }

  /** Seeds every piece's random stream for `epoch`. */
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
      trainJobReference(this.model, job, this.rng, results);
      return Promise.resolve(results);
    }
    const { ids, ends, pieceEnds, alphas } = job;
    return this.native
      .word2vecTrainAsync(this.model, ids, ends, pieceEnds, alphas, this.rng, results, this.threads)
      .then(() => results);
  }

  /** train() on the calling thread, returning when done (tests, small jobs). */
  trainNow(job: Word2VecJob): Float64Array {
    const results = this.resultsFor(job);
    if (this.native === null) trainJobReference(this.model, job, this.rng, results);
    else {
      const { ids, ends, pieceEnds, alphas } = job;
      this.native.word2vecTrain(this.model, ids, ends, pieceEnds, alphas, this.rng, results, this.threads);
    }
    return results;
  }

  private resultsFor(job: Word2VecJob): Float64Array {
    const count = job.pieceEnds.length;
    if (count > this.pieces) {
      throw new VerboError(
        `word2vec: a job of ${count} pieces, the kernel has ${this.pieces}`,
        'BAD_ARGUMENT',
      );
    }
    return new Float64Array(3 * count);
  }
}
