// The plain TypeScript word2vec chunk trainer: the test oracle of the WebAssembly kernel
// (word2vec.as.ts). Same math, same order of random draws (the C tool's 64-bit LCG, high 32 bits),
// same sigmoid table; arithmetic in float64 with float32 storage, so results agree with the kernel to
// rounding, not bit for bit. Slow (BigInt random numbers): for tests only.
import { EXP_TABLE_SIZE, MAX_EXP } from './word2vec-memory.js';

export interface ReferenceModel {
  dim: number;
  window: number;
  negative: number;
  hs: boolean;
  cbow: boolean;
  exactSigmoid: boolean;
  /** [vocab, dim] input embeddings, [vocab, dim] negative-sampling weights, [vocab, dim] HS node weights. */
  input: Float32Array;
  output: Float32Array;
  hsWeights: Float32Array;
  /** Alias table: per word [u32 threshold, alias] (see fillNoiseAlias). */
  noise: Uint32Array;
  keep: Float32Array;
  codeStart: Int32Array;
  codeLength: Int32Array;
  codes: Uint8Array;
  points: Int32Array;
  sigmoid: Float32Array;
  logSigmoid: Float32Array;
}

export interface ReferenceResult {
  kept: number;
  lossSum: number;
  examples: number;
}

/** The C tool's integer EXP_TABLE_SIZE / MAX_EXP / 2 = 83 (see the kernel's TABLE_SCALE). */
const TABLE_SCALE = Math.trunc(Math.trunc(EXP_TABLE_SIZE / MAX_EXP) / 2);
/** The loss reads log σ on the true grid (see the kernel's LOSS_SCALE). */
const LOSS_SCALE = EXP_TABLE_SIZE / MAX_EXP / 2;

/** Trains one chunk in place on `model`; `rng.state` advances exactly as the kernel's. */
export function trainChunkReference(
  model: ReferenceModel,
  ids: Int32Array,
  ends: Int32Array,
  alpha: number,
  rng: { state: bigint },
): ReferenceResult {
  const { dim, window } = model;
  const f32 = Math.fround;
  const fAlpha = f32(alpha);
  let lossSum = 0;
  let examples = 0;
  const nextRandom = (): number => {
    rng.state = BigInt.asUintN(64, rng.state * 25214903917n + 11n);
    return Number(rng.state >> 32n);
  };
  const lossTerm = (x: number, label: number): number => {
    const z = label !== 0 ? x : -x;
    if (model.exactSigmoid) return Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    if (z >= MAX_EXP) return 0;
    if (z <= -MAX_EXP) return -z;
    return -model.logSigmoid[Math.trunc((z + MAX_EXP) * LOSS_SCALE)]!;
  };
  const error = new Float64Array(dim);
  // One logistic step of `inputRow` (array + offset) against a target row.
  const step = (
    input: Float32Array,
    inputAt: number,
    target: Float32Array,
    targetAt: number,
    label: number,
    skipOutside: boolean,
  ): void => {
    let f = 0;
    for (let i = 0; i < dim; i++) f += input[inputAt + i]! * target[targetAt + i]!;
    f = f32(f);
    lossSum += lossTerm(f, label);
    let g: number;
    if (model.exactSigmoid) g = (label - 1 / (1 + Math.exp(-f))) * fAlpha;
    else if (f >= MAX_EXP) {
      if (skipOutside) return;
      g = (label - 1) * fAlpha;
    } else if (f <= -MAX_EXP) {
      if (skipOutside) return;
      g = label * fAlpha;
    } else g = (label - model.sigmoid[Math.trunc((f + MAX_EXP) * TABLE_SCALE)]!) * fAlpha;
    g = f32(g);
    for (let i = 0; i < dim; i++) error[i] = error[i]! + g * target[targetAt + i]!;
    for (let i = 0; i < dim; i++) target[targetAt + i] = target[targetAt + i]! + g * input[inputAt + i]!;
  };
  const predict = (input: Float32Array, inputAt: number, word: number): void => {
    examples++;
    if (model.hs) {
      const start = model.codeStart[word]!;
      for (let k = 0; k < model.codeLength[word]!; k++) {
        const node = model.points[start + k]!;
        step(input, inputAt, model.hsWeights, node * dim, 1 - model.codes[start + k]!, true);
      }
    }
    if (model.negative > 0) {
      step(input, inputAt, model.output, word * dim, 1, false);
      for (let d = 0; d < model.negative; d++) {
        const product = BigInt(nextRandom()) * BigInt(model.noise.length / 2);
        const bin = Number(product >> 32n);
        const coin = Number(BigInt.asUintN(32, product));
        const target = coin < model.noise[2 * bin]! ? bin : model.noise[2 * bin + 1]!;
        if (target === word) continue;
        step(input, inputAt, model.output, target * dim, 0, false);
      }
    }
  };
  const hidden = new Float32Array(dim);
  let kept = 0;
  let start = 0;
  for (let s = 0; s < ends.length; s++) {
    const end = Math.min(ends[s]!, ids.length);
    const sentence: number[] = [];
    for (let k = start; k < end; k++) {
      const word = ids[k]!;
      const keep = model.keep[word]!;
      if (keep < 1) {
        const draw = f32((nextRandom() >>> 8) / 16777216);
        if (draw >= keep) continue;
      }
      sentence.push(word);
    }
    start = end;
    kept += sentence.length;
    if (sentence.length < 2) continue;
    const length = sentence.length;
    for (let position = 0; position < length; position++) {
      const word = sentence[position]!;
      const shrink = nextRandom() % window;
      const from = Math.max(0, position - window + shrink);
      const to = Math.min(length, position + window - shrink + 1);
      if (model.cbow) {
        if (to - from <= 1) continue;
        hidden.fill(0);
        for (let c = from; c < to; c++) {
          if (c === position) continue;
          const at = sentence[c]! * dim;
          for (let i = 0; i < dim; i++) hidden[i] = hidden[i]! + model.input[at + i]!;
        }
        const scale = f32(1 / (to - from - 1));
        for (let i = 0; i < dim; i++) hidden[i] = hidden[i]! * scale;
        error.fill(0);
        predict(hidden, 0, word);
        for (let c = from; c < to; c++) {
          if (c === position) continue;
          const at = sentence[c]! * dim;
          for (let i = 0; i < dim; i++) model.input[at + i] = model.input[at + i]! + error[i]!;
        }
      } else {
        for (let c = from; c < to; c++) {
          if (c === position) continue;
          const at = sentence[c]! * dim;
          error.fill(0);
          predict(model.input, at, word);
          for (let i = 0; i < dim; i++) model.input[at + i] = model.input[at + i]! + error[i]!;
        }
      }
    }
  }
  return { kept, lossSum, examples };
}
