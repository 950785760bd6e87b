// Sampling distributions over a vocabulary, used by the word2vec trainer: the keep-probabilities of
// frequent-word subsampling, the unigram^0.75 noise distribution for negative sampling, and Vose's alias
// method for O(1) draws from any discrete distribution.
import { VerboError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * P(keep) per id for subsampling frequent words with threshold `sample` (Mikolov et al. 2013, in the form
 * the word2vec C tool and gensim use): with f = count(w) and t = sample · totalCount,
 *   P(keep w) = (sqrt(f / t) + 1) · t / f, clipped to 1.
 * Words rarer than about t are always kept; sample = 0 disables subsampling (all ones). Words with count 0
 * (specials) are kept.
 */
export function keepProbabilities(vocab: Vocabulary, sample: number): Float32Array {
  if (!(sample >= 0) || !Number.isFinite(sample)) {
    throw new VerboError(`sample must be a number ≥ 0 (e.g. 1e-3; 0 turns subsampling off), got ${sample}.`);
  }
  const keep = new Float32Array(vocab.size).fill(1);
  if (sample === 0) return keep;
  const threshold = sample * vocab.totalCount;
  const counts = vocab.counts;
  for (let id = 0; id < keep.length; id++) {
    const frequency = counts[id]!;
    if (frequency <= 0) continue;
    const p = (Math.sqrt(frequency / threshold) + 1) * (threshold / frequency);
    keep[id] = Math.min(p, 1);
  }
  return keep;
}

/** Noise weights count(w)^power per id (power 0.75 as in word2vec); specials with count 0 weigh 0. */
export function noiseWeights(vocab: Vocabulary, power = 0.75): Float64Array {
  if (!Number.isFinite(power)) throw new VerboError(`power must be a finite number, got ${power}.`);
  const weights = new Float64Array(vocab.size);
  const counts = vocab.counts;
  for (let id = 0; id < weights.length; id++) {
    const count = counts[id]!;
    weights[id] = count > 0 ? count ** power : 0;
  }
  return weights;
}

/**
 * Vose's alias method: after O(n) setup each draw takes one uniform bin and one biased coin. Bin i keeps
 * itself with probability `probabilities[i]`, else gives `aliases[i]`. Weights need not be normalised;
 * a zero weight is never drawn.
 */
export class AliasSampler {
  /** Per bin, the chance of returning the bin itself. */
  readonly probabilities: Float64Array;
  /** Per bin, the index returned otherwise. */
  readonly aliases: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new VerboError('AliasSampler: no weights given; pass at least one positive weight.');
    let sum = 0;
    let heaviest = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new VerboError(`AliasSampler: weight ${i} is ${w}; weights must be finite numbers ≥ 0.`);
      }
      sum += w;
      if (w > weights[heaviest]!) heaviest = i;
    }
    if (!(sum > 0))
      throw new VerboError('AliasSampler: all weights are zero; at least one must be positive.');

    const probabilities = new Float64Array(n);
    const aliases = new Int32Array(n);
    // Scaled so the mean bin holds exactly 1; bins below 1 are topped up from bins above 1.
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let smallTop = 0;
    let largeTop = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / sum;
      if (scaled[i]! < 1) small[smallTop++] = i;
      else large[largeTop++] = i;
    }
    while (smallTop > 0 && largeTop > 0) {
      const less = small[--smallTop]!;
      const more = large[--largeTop]!;
      probabilities[less] = scaled[less]!;
      aliases[less] = more;
      scaled[more] = scaled[more]! + scaled[less]! - 1;
      if (scaled[more]! < 1) small[smallTop++] = more;
      else large[largeTop++] = more;
    }
    // Whatever remains holds 1 up to rounding; a zero-weight bin left over by rounding must still never
    // be drawn, so it points at the heaviest bin with probability 0.
    while (largeTop > 0) {
      const i = large[--largeTop]!;
      probabilities[i] = 1;
      aliases[i] = i;
    }
    while (smallTop > 0) {
      const i = small[--smallTop]!;
      if (weights[i]! > 0) {
        probabilities[i] = 1;
        aliases[i] = i;
      } else {
        probabilities[i] = 0;
        aliases[i] = heaviest;
      }
    }
    this.probabilities = probabilities;
    this.aliases = aliases;
  }

  /** Number of outcomes (0 .. size-1). */
  get size(): number {
    return this.probabilities.length;
  }

  /** One draw: an index with probability weight / sum. */
  sample(random: Random): number {
    const bin = random.int(this.probabilities.length);
    return random.next() < this.probabilities[bin]! ? bin : this.aliases[bin]!;
  }

  /** Fills `out` with independent draws and returns it. */
  sampleInto(random: Random, out: Int32Array): Int32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.sample(random);
    return out;
  }
}
