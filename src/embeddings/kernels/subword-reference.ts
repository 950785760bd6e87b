// The subword (fastText) chunk trainer in plain TypeScript: the test oracle of the native kernel and the
// fallback when the addon is unavailable. A word's input vector is the mean of its rows — its own row
// and its character n-gram rows (subword.ts) — and every one of those rows receives the whole gradient,
// as in fastText's Model::update (not divided by their number).
//   skip-gram: the center word's rows predict each context word (negative sampling and/or hierarchical
//     softmax). The center's mean is formed once per center and its gradient, summed over the center's
//     contexts, is added to its rows once after the last context (fastText adds it after each context;
//     the output rows are updated after every target in both). This halves the row traffic of a center
//     with k rows and C contexts, from C·(2k + 3T) to 2k + 3CT row passes for T targets per context.
//   CBOW: the mean of all rows of all context words predicts the center; the gradient goes to each row.
// Conventions follow fastText: the window of each center is uniform in 1 … window; a negative equal to
// the target is drawn again; σ is read from fastText's table (512 steps over [−8, 8], 0 or 1 beyond,
// every step applied); the loss is −log(σ + 1e−5) per positive and −log(1 − σ + 1e−5) per negative.
// Subsampling keeps word w with probability keep[w] (the same formula as fastText's pdiscard), drawn
// before windows are formed. Random numbers come from the C tool's 64-bit LCG (high 32 bits), kept in
// two 32-bit halves (no BigInt), in the same order as the native kernel draws them.
// No allocation, no closures in the loops: this is also the code that trains when the addon is absent.
import type { NativeSubwordModel } from '../../native/embedding-kernels.js';
import { Lcg64 } from './word2vec-reference.js';

export { Lcg64 };

/** fastText's sigmoid table: SIGMOID_TABLE_SIZE + 1 values of σ on [−MAX_SIGMOID, MAX_SIGMOID]. */
export const SIGMOID_TABLE_SIZE = 512;
export const MAX_SIGMOID = 8;
const SIGMOID_SCALE = SIGMOID_TABLE_SIZE / MAX_SIGMOID / 2;
/** Largest number of redraws of a negative that keeps hitting the target (only a 1-word vocabulary does). */
const MAX_REDRAWS = 64;

/** σ(x) at x = i·2·MAX_SIGMOID / SIGMOID_TABLE_SIZE − MAX_SIGMOID, i = 0 … SIGMOID_TABLE_SIZE. */
export function fastTextSigmoidTable(): Float32Array {
  const table = new Float32Array(SIGMOID_TABLE_SIZE + 1);
  for (let i = 0; i <= SIGMOID_TABLE_SIZE; i++) {
    const x = (i * 2 * MAX_SIGMOID) / SIGMOID_TABLE_SIZE - MAX_SIGMOID;
    table[i] = 1 / (1 + Math.exp(-x));
  }
  return table;
}

/**
 * What the loop reads and writes: the native kernel's model (NativeSubwordModel: the word2vec arrays
 * with an input matrix of word rows then n-gram rows, each word's rows, fastText's σ table), less what
 * only word2vec's loop reads.
 */
export type SubwordKernelModel = Pick<
  NativeSubwordModel,
  | 'dim'
  | 'window'
  | 'negative'
  | 'hs'
  | 'cbow'
  | 'input'
  | 'output'
  | 'hsWeights'
  | 'subwordStart'
  | 'subwordRows'
  | 'noise'
  | 'keep'
  | 'codeStart'
  | 'codeLength'
  | 'codes'
  | 'points'
  | 'fastTextSigmoid'
>;

/** Per-thread buffers: the input mean, its gradient, the subsampled sentence. */
export interface SubwordScratch {
  hidden: Float32Array;
  gradient: Float32Array;
  sentence: Int32Array;
}

export function subwordScratch(dim: number, maxWords: number): SubwordScratch {
  return {
    hidden: new Float32Array(dim),
    gradient: new Float32Array(dim),
    sentence: new Int32Array(maxWords),
  };
}

export interface SubwordChunkResult {
  /** Words kept after subsampling. */
  kept: number;
  lossSum: number;
  /** (center, context) pairs for skip-gram, centers for CBOW. */
  examples: number;
}

const TWO_16 = 65536;

/**
 * One logistic step of `hidden` against row `target` of `weights`: adds g·target to `gradient`, then
 * g·hidden to the target row (fastText's binaryLogistic). Returns the loss term.
 */
function logisticStep(
  model: SubwordKernelModel,
  weights: Float32Array,
  target: number,
  positive: boolean,
  alpha: number,
  hidden: Float32Array,
  gradient: Float32Array,
): number {
  const dim = model.dim;
  const at = target * dim;
  let dot = 0;
  for (let j = 0; j < dim; j++) dot += hidden[j]! * weights[at + j]!;
  dot = Math.fround(dot);
  let score: number;
  if (dot < -MAX_SIGMOID) score = 0;
  else if (dot > MAX_SIGMOID) score = 1;
  else score = model.fastTextSigmoid[Math.trunc((dot + MAX_SIGMOID) * SIGMOID_SCALE)]!;
  const g = Math.fround(alpha * Math.fround((positive ? 1 : 0) - score));
  for (let j = 0; j < dim; j++) gradient[j] = gradient[j]! + g * weights[at + j]!;
  for (let j = 0; j < dim; j++) weights[at + j] = weights[at + j]! + g * hidden[j]!;
  return positive ? -Math.log(score + 1e-5) : -Math.log(1 - score + 1e-5);
}

/** Trains `hidden` to predict `word` (HS path, then the word and its negatives); returns the loss. */
function predict(
  model: SubwordKernelModel,
  word: number,
  alpha: number,
  hidden: Float32Array,
  gradient: Float32Array,
  rng: Lcg64,
): number {
  let loss = 0;
  if (model.hs) {
    const start = model.codeStart[word]!;
    const length = model.codeLength[word]!;
    for (let k = 0; k < length; k++) {
      loss += logisticStep(
        model,
        model.hsWeights,
        model.points[start + k]!,
        model.codes[start + k] === 0,
        alpha,
        hidden,
        gradient,
      );
    }
  }
  if (model.negative > 0) {
    loss += logisticStep(model, model.output, word, true, alpha, hidden, gradient);
    const bins = model.noise.length / 2;
    if (bins < 2) return loss;
    for (let d = 0; d < model.negative; d++) {
      let target = word;
      for (let attempt = 0; target === word && attempt < MAX_REDRAWS; attempt++) {
        // Alias draw: r·bins as a 64-bit number, its high word the bin, its low word the coin.
        const r = rng.next();
        const low = (r & 0xffff) * bins;
        const high = (r >>> 16) * bins + Math.floor(low / TWO_16);
        const bin = Math.floor(high / TWO_16);
        const coin = (high % TWO_16) * TWO_16 + (low % TWO_16);
        target = coin < model.noise[2 * bin]! ? bin : model.noise[2 * bin + 1]!;
      }
      if (target === word) continue;
      loss += logisticStep(model, model.output, target, false, alpha, hidden, gradient);
    }
  }
  return loss;
}

/** hidden ← mean of rows[from, to) of the input matrix, in float32 as fastText's computeHidden. */
function addRows(model: SubwordKernelModel, from: number, to: number, hidden: Float32Array): void {
  const { dim, input, subwordRows } = model;
  for (let k = from; k < to; k++) {
    const at = subwordRows[k]! * dim;
    for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! + input[at + j]!;
  }
}

/** Adds `gradient` to rows[from, to) of the input matrix. */
function spreadGradient(model: SubwordKernelModel, from: number, to: number, gradient: Float32Array): void {
  const { dim, input, subwordRows } = model;
  for (let k = from; k < to; k++) {
    const at = subwordRows[k]! * dim;
    for (let j = 0; j < dim; j++) input[at + j] = input[at + j]! + gradient[j]!;
  }
}

/**
 * Trains one chunk in place on `model`: `ids` are word ids, `ends` the exclusive end offset of each
 * sentence, `alpha` the learning rate of the chunk; `rng` advances as the native kernel's does.
 */
export function trainSubwordChunk(
  model: SubwordKernelModel,
  ids: Int32Array,
  ends: Int32Array,
  alpha: number,
  rng: Lcg64,
  scratch: SubwordScratch = subwordScratch(model.dim, ids.length),
): SubwordChunkResult {
  const { dim, window, subwordStart } = model;
  const { hidden, gradient, sentence } = scratch;
  const fAlpha = Math.fround(alpha);
  let lossSum = 0;
  let examples = 0;
  let kept = 0;
  let start = 0;
  for (let s = 0; s < ends.length; s++) {
    const end = Math.min(ends[s]!, ids.length);
    let length = 0;
    for (let k = start; k < end; k++) {
      const word = ids[k]!;
      const keep = model.keep[word]!;
      if (keep < 1) {
        const draw = Math.fround((rng.next() >>> 8) / 16777216);
        if (draw >= keep) continue;
      }
      sentence[length++] = word;
    }
    start = end;
    kept += length;
    if (length < 2) continue;
    for (let position = 0; position < length; position++) {
      const boundary = 1 + (rng.next() % window);
      const from = Math.max(0, position - boundary);
      const to = Math.min(length, position + boundary + 1);
      hidden.fill(0);
      gradient.fill(0);
      if (model.cbow) {
        let rowCount = 0;
        for (let c = from; c < to; c++) {
          if (c === position) continue;
          const word = sentence[c]!;
          addRows(model, subwordStart[word]!, subwordStart[word + 1]!, hidden);
          rowCount += subwordStart[word + 1]! - subwordStart[word]!;
        }
        const scale = Math.fround(1 / rowCount);
        for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! * scale;
        examples++;
        lossSum += predict(model, sentence[position]!, fAlpha, hidden, gradient, rng);
        for (let c = from; c < to; c++) {
          if (c === position) continue;
          const word = sentence[c]!;
          spreadGradient(model, subwordStart[word]!, subwordStart[word + 1]!, gradient);
        }
      } else {
        const center = sentence[position]!;
        const rowsFrom = subwordStart[center]!;
        const rowsTo = subwordStart[center + 1]!;
        addRows(model, rowsFrom, rowsTo, hidden);
        const scale = Math.fround(1 / (rowsTo - rowsFrom));
        for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! * scale;
        for (let c = from; c < to; c++) {
          if (c === position) continue;
          examples++;
          lossSum += predict(model, sentence[c]!, fAlpha, hidden, gradient, rng);
        }
        spreadGradient(model, rowsFrom, rowsTo, gradient);
      }
    }
  }
  return { kept, lossSum, examples };
}

/**
 * One job of the trainer (word2vec's job: sentence s ends at ids[ends[s]], piece p holds sentences
 * [pieceEnds[p − 1], pieceEnds[p]) and trains with alphas[p] and rng[p]), piece after piece on the
 * calling thread; results[3p .. 3p + 2] = kept, loss sum, examples.
 */
export function trainSubwordJobReference(
  model: SubwordKernelModel,
  job: { ids: Int32Array; ends: Int32Array; pieceEnds: Int32Array; alphas: Float32Array },
  rng: BigUint64Array,
  results: Float64Array,
): void {
  const { ids, ends, pieceEnds, alphas } = job;
  const scratch = subwordScratch(model.dim, ids.length);
  for (let piece = 0; piece < pieceEnds.length; piece++) {
    const firstSentence = piece === 0 ? 0 : pieceEnds[piece - 1]!;
    const lastSentence = pieceEnds[piece]!;
    const firstWord = firstSentence === 0 ? 0 : ends[firstSentence - 1]!;
    const lastWord = lastSentence === 0 ? 0 : ends[lastSentence - 1]!;
    const sentenceEnds = ends.subarray(firstSentence, lastSentence).map((end) => end - firstWord);
    const stream = new Lcg64(rng[piece]!);
    const result = trainSubwordChunk(
      model,
      ids.subarray(firstWord, lastWord),
      sentenceEnds,
      alphas[piece]!,
      stream,
      scratch,
    );
    rng[piece] = stream.state;
    results[3 * piece] = result.kept;
    results[3 * piece + 1] = result.lossSum;
    results[3 * piece + 2] = result.examples;
  }
}
