// The plain TypeScript word2vec chunk loop: the test oracle of the native kernel (native/word2vec.cc)
// and the trainer's fallback when the addon is unavailable. Same math, same order of random draws (the
// C tool's 64-bit LCG, each draw its high 32 bits), same sigmoid table; arithmetic in float64 with
// float32 storage, so results agree with the kernel to rounding, not bit for bit.
//
// A job (Word2VecJob, see ./word2vec.ts) is a few chunks ("pieces") of sentences, each with its own
// learning rate and random stream; this loop trains them one after the other.
import type { Word2VecJob, Word2VecArrays } from './word2vec.js';

/** The C tool's sigmoid table: EXP_TABLE_SIZE values of σ(x) for x on a grid over [−MAX_EXP, MAX_EXP). */
export const EXP_TABLE_SIZE = 1000;
export const MAX_EXP = 6;
/** The C tool's integer EXP_TABLE_SIZE / MAX_EXP / 2 = 83: σ is read at ≈ 0.996·x − 0.024 (as gensim). */
const TABLE_SCALE = Math.trunc(Math.trunc(EXP_TABLE_SIZE / MAX_EXP) / 2);
/** The loss reads log σ on the true grid (1000 / 12 per unit), in float32 as the kernel computes it. */
const LOSS_SCALE = Math.fround(Math.fround(EXP_TABLE_SIZE / MAX_EXP) / 2);

/** ⌊(x + 6)·scale⌋ computed in float32, as the kernel computes it. */
function tableIndex(x: number, scale: number): number {
  return Math.trunc(Math.fround(Math.fround(x + MAX_EXP) * scale));
}

/** A piece's result: words kept after subsampling, loss sum, examples (pairs or centers). */
export interface PieceResult {
  kept: number;
  lossSum: number;
  examples: number;
}

const TWO_16 = 65536;
const TWO_32 = 4294967296;
/** The LCG multiplier 25214903917 = 5·2^32 + 0xDEECE66D, in 16-bit pieces. */
const MULTIPLIER_HIGH = 5;
const MULTIPLIER_LOW_1 = 0xdeec;
const MULTIPLIER_LOW_0 = 0xe66d;

/** The C tool's LCG, state ← state · 25214903917 + 11 (mod 2^64), as two exact 32-bit halves. */
export class Lcg64 {
  low: number;
  high: number;

  constructor(state: bigint) {
    this.low = Number(BigInt.asUintN(32, state));
    this.high = Number(BigInt.asUintN(32, state >> 32n));
  }

  get state(): bigint {
    return (BigInt(this.high) << 32n) | BigInt(this.low);
  }

  /** The next draw: the high 32 bits of the new state, unsigned. */
  next(): number {
    const low = this.low;
    const l1 = low >>> 16;
    const l0 = low & 0xffff;
    // low · 0xDEECE66D as a 64-bit number: 16-bit partial products, all exact in float64.
    const middle = l1 * MULTIPLIER_LOW_0 + l0 * MULTIPLIER_LOW_1;
    const bottom = l0 * MULTIPLIER_LOW_0 + (middle % TWO_16) * TWO_16;
    const carry = Math.floor(bottom / TWO_32) + Math.floor(middle / TWO_16) + l1 * MULTIPLIER_LOW_1;
    let newLow = (bottom % TWO_32) + 11;
    let newHigh = Math.imul(this.high, 0xdeece66d) + Math.imul(low, MULTIPLIER_HIGH) + carry;
    if (newLow >= TWO_32) {
      newLow -= TWO_32;
      newHigh += 1;
    }
    this.low = newLow;
    this.high = newHigh >>> 0;
    return this.high;
  }
}

/** The high 32 bits of the 64-bit product of two unsigned 32-bit integers. */
export function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const middle = ((a0 * b0) >>> 16) + a0 * b1 + a1 * b0; // < 2^34: exact
  return (a1 * b1 + Math.floor(middle / 65536)) >>> 0;
}

/** One piece's pass: the model, its random stream and loss sums, scratch rows. */
class PieceReference {
  lossSum = 0;
  examples = 0;
  private readonly error: Float64Array;
  private readonly hidden: Float32Array;
  private readonly dim: number;

  constructor(
    private readonly m: Word2VecArrays,
    private readonly rng: Lcg64,
    private readonly alpha: number,
  ) {
    this.dim = m.dim;
    this.error = new Float64Array(m.dim);
    this.hidden = new Float32Array(m.dim);
  }

  private lossTerm(x: number, label: number): number {
    const z = label !== 0 ? x : -x;
    if (this.m.exactSigmoid) return Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    if (z >= MAX_EXP) return 0;
    if (z <= -MAX_EXP) return -z;
    return -this.m.logSigmoid[tableIndex(z, LOSS_SCALE)]!;
  }

  /** One logistic step of input[inputAt …] against target[targetAt …]; gradient into `error`. */
  private step(
    input: Float32Array,
    inputAt: number,
    target: Float32Array,
    targetAt: number,
    label: number,
    skipOutside: boolean,
  ): void {
    const { dim, error } = this;
    let f = 0;
    for (let i = 0; i < dim; i++) f += input[inputAt + i]! * target[targetAt + i]!;
    f = Math.fround(f);
    this.lossSum += this.lossTerm(f, label);
    let g: number;
    if (this.m.exactSigmoid) g = (label - Math.fround(1 / (1 + Math.exp(-f)))) * this.alpha;
    else if (f >= MAX_EXP) {
      if (skipOutside) return;
      g = (label - 1) * this.alpha;
    } else if (f <= -MAX_EXP) {
      if (skipOutside) return;
      g = label * this.alpha;
    } else g = (label - this.m.sigmoid[tableIndex(f, TABLE_SCALE)]!) * this.alpha;
    g = Math.fround(g);
    for (let i = 0; i < dim; i++) error[i]! += g * target[targetAt + i]!;
    for (let i = 0; i < dim; i++) target[targetAt + i]! += g * input[inputAt + i]!;
  }

  private predict(input: Float32Array, inputAt: number, word: number): void {
    const m = this.m;
    this.examples++;
    if (m.hs) {
      const start = m.codeStart[word]!;
      for (let k = 0; k < m.codeLength[word]!; k++) {
        this.step(
          input,
          inputAt,
          m.hsWeights,
          m.points[start + k]! * this.dim,
          1 - m.codes[start + k]!,
          true,
        );
      }
    }
    if (m.negative > 0) {
      // all negatives drawn first, as the kernel does (nothing else draws in between)
      const targets: number[] = [];
      for (let d = 0; d < m.negative; d++) {
        const r = this.rng.next();
        const bin = mulHigh32(r, m.vocabSize);
        const coin = Math.imul(r, m.vocabSize) >>> 0;
        targets.push(coin < m.noise[2 * bin]! ? bin : m.noise[2 * bin + 1]!);
      }
      this.step(input, inputAt, m.output, word * this.dim, 1, false);
      for (const target of targets) {
        if (target !== word) this.step(input, inputAt, m.output, target * this.dim, 0, false);
      }
    }
  }

  /** Subsamples ids[from, to) and trains the sentence left; returns the words kept. */
  trainSentence(ids: Int32Array, from: number, to: number): number {
    const m = this.m;
    const sentence: number[] = [];
    for (let k = from; k < to; k++) {
      const word = ids[k]!;
      const keep = m.keep[word]!;
      if (keep < 1 && Math.fround((this.rng.next() >>> 8) / 16777216) >= keep) continue;
      sentence.push(word);
    }
    if (sentence.length >= 2) {
      if (m.cbow) this.cbow(sentence);
      else this.skipGram(sentence);
    }
    return sentence.length;
  }

  /** The window of a center: [from, to), shrunk by one draw as in the C tool. */
  private window(position: number, length: number): [number, number] {
    const shrink = this.rng.next() % this.m.window;
    return [
      Math.max(0, position - this.m.window + shrink),
      Math.min(length, position + this.m.window - shrink + 1),
    ];
  }

  private skipGram(sentence: number[]): void {
    const { dim, error } = this;
    const input = this.m.input;
    for (let position = 0; position < sentence.length; position++) {
      const [from, to] = this.window(position, sentence.length);
      for (let c = from; c < to; c++) {
        if (c === position) continue;
        const at = sentence[c]! * dim;
        error.fill(0);
        this.predict(input, at, sentence[position]!);
        for (let i = 0; i < dim; i++) input[at + i]! += error[i]!;
      }
    }
  }

  private cbow(sentence: number[]): void {
    const { dim, error, hidden } = this;
    const input = this.m.input;
    for (let position = 0; position < sentence.length; position++) {
      const [from, to] = this.window(position, sentence.length);
      if (to - from <= 1) continue;
      hidden.fill(0);
      for (let c = from; c < to; c++) {
        if (c === position) continue;
        const at = sentence[c]! * dim;
        for (let i = 0; i < dim; i++) hidden[i]! += input[at + i]!;
      }
      const scale = Math.fround(1 / (to - from - 1));
      for (let i = 0; i < dim; i++) hidden[i]! *= scale;
      error.fill(0);
      this.predict(hidden, 0, sentence[position]!);
      // cbow_mean: the whole error goes to every context word (the C tool, gensim)
      for (let c = from; c < to; c++) {
        if (c === position) continue;
        const at = sentence[c]! * dim;
        for (let i = 0; i < dim; i++) input[at + i]! += error[i]!;
      }
    }
  }
}

/**
 * Trains every piece of `job` in place on `model`, one after the other; rng[p] advances exactly as the
 * kernel's. Results per piece as the kernel writes them: [kept, lossSum, examples] × pieces.
 */
export function trainJobReference(
  model: Word2VecArrays,
  job: Word2VecJob,
  rng: BigUint64Array,
  results: Float64Array,
): void {
  const { ids, ends, pieceEnds, alphas } = job;
  for (let piece = 0; piece < pieceEnds.length; piece++) {
    const firstSentence = piece === 0 ? 0 : pieceEnds[piece - 1]!;
    const stream = new Lcg64(rng[piece]!);
    const trainer = new PieceReference(model, stream, alphas[piece]!);
    let kept = 0;
    let start = firstSentence === 0 ? 0 : ends[firstSentence - 1]!;
    for (let s = firstSentence; s < pieceEnds[piece]!; s++) {
      kept += trainer.trainSentence(ids, start, ends[s]!);
      start = ends[s]!;
    }
    rng[piece] = stream.state;
    results[3 * piece] = kept;
    results[3 * piece + 1] = trainer.lossSum;
    results[3 * piece + 2] = trainer.examples;
  }
}
