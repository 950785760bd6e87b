// The subword chunk trainer (the oracle of the native kernel): its 64-bit LCG against BigInt arithmetic,
// and its updates against finite differences of the loss: every row of a word's list moves by
// −alpha · ∂loss/∂(mean of the rows) — fastText's rule, the whole gradient to each row — and each output
// row by −alpha · ∂loss/∂row, for skip-gram and CBOW, negative sampling and hierarchical softmax.
import { describe, expect, it } from 'vitest';
import {
  fastTextSigmoidTable,
  Lcg64,
  type SubwordKernelModel,
  trainSubwordChunk,
} from '../../src/embeddings/kernels/subword-reference.js';
import { fillNoiseAlias } from '../../src/embeddings/kernels/word2vec.js';
import { Random } from '../../src/util/random.js';

describe('Lcg64', () => {
  it('steps as state · 25214903917 + 11 mod 2^64 and returns the high 32 bits', () => {
    const random = new Random(3);
    for (let trial = 0; trial < 20; trial++) {
      let state = (BigInt(random.nextUint32()) << 32n) | BigInt(random.nextUint32());
      if (trial === 0) state = 0xffffffffffffffffn;
      const lcg = new Lcg64(state);
      for (let k = 0; k < 200; k++) {
        state = BigInt.asUintN(64, state * 25214903917n + 11n);
        expect(lcg.next()).toBe(Number(state >> 32n));
      }
      expect(lcg.state).toBe(state);
    }
  });
});

const DIM = 4;
/** Word 0 has rows [0, 2, 3] (its own and two n-grams), word 1 has rows [1, 4]; row 5 is never used. */
const START = Int32Array.of(0, 3, 5);
const ROWS = Int32Array.of(0, 2, 3, 1, 4);

function model(options: { cbow: boolean; hs: boolean; negative: number; seed: number }): SubwordKernelModel {
  const random = new Random(options.seed);
  const fill = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => (random.next() - 0.5) * scale);
  return {
    dim: DIM,
    window: 1,
    negative: options.negative,
    hs: options.hs,
    cbow: options.cbow,
    input: fill(6 * DIM, 1.2),
    output: fill(2 * DIM, 1.2),
    // Two words: one inner node (row 0); word 0 takes code 0, word 1 code 1.
    hsWeights: fill(2 * DIM, 1.2),
    subwordStart: START,
    subwordRows: ROWS,
    noise: fillNoiseAlias(new Uint32Array(4), [1, 1]),
    keep: Float32Array.of(1, 1),
    codeStart: Int32Array.of(0, 1),
    codeLength: Int32Array.of(1, 1),
    codes: Uint8Array.of(0, 1),
    points: Int32Array.of(0, 0),
    fastTextSigmoid: fastTextSigmoidTable(),
  };
}

const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
};
const row = (m: Float32Array, r: number) => Array.from(m.subarray(r * DIM, (r + 1) * DIM));
function mean(m: Float32Array, rows: number[]): number[] {
  const h = new Array<number>(DIM).fill(0);
  for (const r of rows) for (let j = 0; j < DIM; j++) h[j]! += m[r * DIM + j]!;
  return h.map((v) => v / rows.length);
}

/** ∂f/∂x by central differences in float64. */
function numericGradient(f: (x: number[]) => number, x: number[]): number[] {
  const eps = 1e-6;
  return x.map((_, j) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[j]! += eps;
    minus[j]! -= eps;
    return (f(plus) - f(minus)) / (2 * eps);
  });
}

/**
 * The first example of the sentence [0, 1] (window 1): skip-gram — word 0's rows predict word 1;
 * CBOW — word 1's rows (the context of center 0) predict word 0. Negatives: the only word ≠ target.
 */
function firstExample(m: SubwordKernelModel) {
  const inputRows = m.cbow ? [1, 4] : [0, 2, 3];
  const target = m.cbow ? 0 : 1;
  const other = 1 - target;
  const before = { input: m.input.slice(), output: m.output.slice(), hs: m.hsWeights.slice() };
  const loss = (h: number[], output: Float32Array, hs: Float32Array) => {
    let l = 0;
    if (m.negative > 0) {
      l -= Math.log(sigma(dot(h, row(output, target))));
      l -= m.negative * Math.log(sigma(-dot(h, row(output, other))));
    }
    // HS: one node; code 0 → label 1 (word 0), code 1 → label 0 (word 1).
    if (m.hs) l -= Math.log(sigma((target === 0 ? 1 : -1) * dot(h, row(hs, 0))));
    return l;
  };
  return { inputRows, target, other, before, loss };
}

describe.each([
  ['skip-gram, negative sampling', { cbow: false, hs: false, negative: 1 }],
  ['skip-gram, hierarchical softmax', { cbow: false, hs: true, negative: 0 }],
  ['CBOW, negative sampling', { cbow: true, hs: false, negative: 2 }],
  ['CBOW, both', { cbow: true, hs: true, negative: 1 }],
])('trainSubwordChunk: %s', (_name, options) => {
  it('gives every row of the input word −alpha·∂loss/∂mean and each output row −alpha·∂loss/∂row', () => {
    const m = model({ ...options, seed: 11 });
    const { inputRows, target, other, before, loss } = firstExample(m);
    const h = mean(before.input, inputRows);
    const gradH = numericGradient((x) => loss(x, before.output, before.hs), h);
    const alpha = 1e-3;
    // Train only the first center: a one-word second sentence is skipped, so use ends [2] and stop at
    // the first example by comparing rows the second example does not touch (the first word's rows).
    const copy = { ...m, input: m.input.slice(), output: m.output.slice(), hsWeights: m.hsWeights.slice() };
    const result = trainSubwordChunk(copy, Int32Array.of(0, 1), Int32Array.of(2), alpha, new Lcg64(5n));
    expect(result.kept).toBe(2);
    expect(result.examples).toBe(2);
    // σ comes from fastText's table (steps of 1/32 in x): ∂loss is matched to 3% of its largest value.
    const tolerance = { rtol: 0.03, atol: 0.03 * alpha * Math.max(...gradH.map(Math.abs)) };
    for (const r of inputRows) {
      const delta = row(copy.input, r).map((v, j) => v - before.input[r * DIM + j]!);
      expect(delta, `row ${r}`).toBeAllClose(
        gradH.map((g) => -alpha * g),
        tolerance,
      );
    }
    expect(row(copy.input, 5)).toEqual(row(before.input, 5));
    if (m.negative > 0 && !options.cbow) {
      // Output row 1 is the first example's target and the second's negative (center 1 predicts 0, and
      // its negative can only be 1): to first order it moves by −alpha · ∂(loss₁ + loss₂)/∂row.
      const h1 = mean(before.input, [1, 4]);
      const both = (o: number[]) => {
        const output = before.output.slice();
        output.set(o, DIM);
        return (
          loss(h, output, before.hs) - Math.log(sigma(dot(h1, row(output, 0)))) - Math.log(sigma(-dot(h1, o)))
        );
      };
      const expected = numericGradient(both, row(before.output, 1)).map((g) => -alpha * g);
      const delta = row(copy.output, 1).map((v, j) => v - before.output[DIM + j]!);
      expect(delta).toBeAllClose(expected, { rtol: 0.03, atol: 0.03 * Math.max(...expected.map(Math.abs)) });
      expect([target, other]).toEqual([1, 0]);
    }
  });

  it('lowers the loss when trained repeatedly on one sentence', () => {
    const m = model({ ...options, seed: 4 });
    const rng = new Lcg64(9n);
    const first = trainSubwordChunk(m, Int32Array.of(0, 1, 0, 1), Int32Array.of(4), 0.05, rng);
    let last = first;
    for (let k = 0; k < 200; k++)
      last = trainSubwordChunk(m, Int32Array.of(0, 1, 0, 1), Int32Array.of(4), 0.05, rng);
    expect(last.lossSum / last.examples).toBeLessThan((first.lossSum / first.examples) * 0.8);
  });
});

describe('trainSubwordChunk: subsampling, windows, determinism', () => {
  it('draws the same numbers from the same state and keeps words by their keep probability', () => {
    const a = model({ cbow: false, hs: false, negative: 2, seed: 1 });
    const b = model({ cbow: false, hs: false, negative: 2, seed: 1 });
    const ids = Int32Array.from({ length: 400 }, (_, k) => (k * 7) % 2);
    a.keep = b.keep = Float32Array.of(0.5, 1);
    const ra = trainSubwordChunk(a, ids, Int32Array.of(200, 400), 0.01, new Lcg64(77n));
    const rb = trainSubwordChunk(b, ids, Int32Array.of(200, 400), 0.01, new Lcg64(77n));
    expect(ra).toEqual(rb);
    expect(Array.from(a.input)).toEqual(Array.from(b.input));
    // Word 1 (half the ids) always kept, word 0 about half the time.
    expect(ra.kept).toBeGreaterThan(200 + 70);
    expect(ra.kept).toBeLessThan(200 + 130);
  });
});
