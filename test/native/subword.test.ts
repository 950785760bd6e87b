// The native subword (fastText) chunk loop of every kernel table this CPU can run (AVX-512, AVX2,
// portable...) against its TypeScript oracle (SubwordKernel without the addon): the same random draws
// (every piece's stream ends in the same state, the same words are kept and the same examples trained),
// the same loss and weights to float32 rounding, for skip-gram and CBOW, negative sampling, hierarchical
// softmax and both, on odd dimensions; jobs of several pieces on one thread and on two; rows, ids and
// ends outside their arrays refused before the loop runs.
import { describe, expect, it } from 'vitest';
import { buildHuffmanTree } from '../../src/embeddings/huffman.js';
import { SubwordKernel } from '../../src/embeddings/kernels/subword-kernel.js';
import {
  createWord2VecArrays,
  fillNoiseAlias,
  type Word2VecArrays,
  type Word2VecJob,
} from '../../src/embeddings/kernels/word2vec.js';
import { vocabularySubwordRows } from '../../src/embeddings/subword.js';
import { type NativeKernels, nativeTables } from '../../src/native/index.js';
import { Random } from '../../src/util/random.js';

const tables = nativeTables();
const disabled = process.env.VERBO_NATIVE === '0';
if (disabled)
  console.warn('SKIPPING native subword tests: VERBO_NATIVE=0 (the TypeScript loops are tested instead)');

const WORDS = Array.from(
  { length: 40 },
  (_, i) =>
    ['cant', 'fal', 'corr', 'ação', 'pão', 'x'][i % 6]! +
    ['a', 'ar', 'ou', 'ões', 'inho', 'ava', 'é'][i % 7]! +
    (i >= 30 ? i : ''),
);
const BUCKET = 211;
const ROWS = vocabularySubwordRows(WORDS, { minn: 2, maxn: 4, bucket: BUCKET });

interface Case {
  dim: number;
  cbow: boolean;
  hs: boolean;
  negative: number;
}

function makeArrays(c: Case, seed: number): Word2VecArrays {
  const words = WORDS.length;
  const counts = WORDS.map((_, i) => 1000 / (i + 1));
  const tree = buildHuffmanTree(Float64Array.from(counts));
  const arrays = createWord2VecArrays(
    {
      vocabSize: words,
      dim: c.dim,
      window: 4,
      negative: c.negative,
      hs: c.hs,
      cbow: false,
      exactSigmoid: false,
    },
    tree.codes.length,
    words + BUCKET,
  );
  const random = new Random(seed);
  for (let i = 0; i < arrays.input.length; i++) arrays.input[i] = (random.next() - 0.5) * (2 / c.dim);
  for (let i = 0; i < arrays.output.length; i++) arrays.output[i] = (random.next() - 0.5) * 0.2;
  for (let i = 0; i < arrays.hsWeights.length; i++) arrays.hsWeights[i] = (random.next() - 0.5) * 0.2;
  arrays.keep.set(counts.map((n) => Math.min(1, 0.2 + 20 / n)));
  if (c.negative > 0)
    fillNoiseAlias(
      arrays.noise,
      counts.map((n) => n ** 0.5),
    );
  if (c.hs) {
    arrays.codeStart.set(tree.codeStart);
    arrays.codeLength.set(tree.codeLength);
    arrays.codes.set(tree.codes);
    arrays.points.set(tree.points);
  }
  return arrays;
}

/** A job of `pieces` pieces of about `words` ids each, sentences of 5–20 words. */
function makeJob(random: Random, pieces: number, words: number, alpha: number): Word2VecJob {
  const ids: number[] = [];
  const ends: number[] = [];
  const pieceEnds: number[] = [];
  for (let p = 0; p < pieces; p++) {
    const stop = ids.length + words;
    while (ids.length < stop) {
      const length = 5 + random.int(16);
      for (let k = 0; k < length; k++) ids.push(random.int(WORDS.length));
      ends.push(ids.length);
    }
    pieceEnds.push(ends.length);
  }
  return {
    ids: Int32Array.from(ids),
    ends: Int32Array.from(ends),
    pieceEnds: Int32Array.from(pieceEnds),
    alphas: new Float32Array(pieces).fill(alpha),
  };
}

function kernelPair(c: Case, table: NativeKernels, pieces: number, threads: number) {
  const reference = makeArrays(c, 5);
  const native = makeArrays(c, 5);
  const options = { cbow: c.cbow, pieces, threads };
  const oracle = new SubwordKernel(reference, ROWS, { ...options, kernels: null });
  const fast = new SubwordKernel(native, ROWS, { ...options, kernels: table });
  oracle.seed(7, 1);
  fast.seed(7, 1);
  return { reference, native, oracle, fast };
}

function expectClose(native: Word2VecArrays, reference: Word2VecArrays): void {
  for (const name of ['input', 'output', 'hsWeights'] as const)
    expect(native[name], name).toBeAllClose(reference[name], { rtol: 1e-4, atol: 1e-6 });
}

const cases: Case[] = [
  { dim: 1, cbow: false, hs: false, negative: 3 },
  { dim: 3, cbow: true, hs: false, negative: 5 },
  { dim: 17, cbow: false, hs: true, negative: 0 },
  { dim: 100, cbow: false, hs: false, negative: 5 },
  { dim: 129, cbow: true, hs: true, negative: 2 },
  { dim: 33, cbow: false, hs: true, negative: 4 },
];

describe.skipIf(disabled)('native subword chunk loop', () => {
  it('is in every table', () => {
    expect(tables.length).toBeGreaterThanOrEqual(1);
    for (const table of tables) expect(typeof table.subwordTrain).toBe('function');
  });

  for (const table of tables) {
    it.each(cases)(
      `${table.isa}: matches the oracle (dim $dim, cbow $cbow, hs $hs, negative $negative)`,
      (c) => {
        const { reference, native, oracle, fast } = kernelPair(c, table, 1, 1);
        const job = makeJob(new Random(c.dim), 1, 300, 0.025);
        const expected = oracle.trainNow(job);
        const got = fast.trainNow(job);
        expect(fast.rng[0]).toBe(oracle.rng[0]);
        expect(got[0]).toBe(expected[0]);
        expect(got[2]).toBe(expected[2]);
        expect(got[1]).toBeAllClose(expected[1]!, { rtol: 1e-4 });
        expectClose(native, reference);
        expect(native.input).not.toEqual(makeArrays(c, 5).input);
      },
    );

    it(`${table.isa}: a job of three pieces on one thread trains them in order, as the oracle`, () => {
      const c = { dim: 24, cbow: false, hs: false, negative: 5 };
      const { reference, native, oracle, fast } = kernelPair(c, table, 3, 1);
      const job = makeJob(new Random(2), 3, 120, 0.05);
      const expected = oracle.trainNow(job);
      const got = fast.trainNow(job);
      expect(Array.from(fast.rng)).toEqual(Array.from(oracle.rng));
      for (const p of [0, 1, 2]) {
        expect(got[3 * p]).toBe(expected[3 * p]);
        expect(got[3 * p + 2]).toBe(expected[3 * p + 2]);
      }
      expectClose(native, reference);
    });

    it(`${table.isa}: trains a job's pieces on two threads at once, from a Promise`, async () => {
      const c = { dim: 16, cbow: true, hs: false, negative: 3 };
      const { native, oracle, fast } = kernelPair(c, table, 4, 2);
      const job = makeJob(new Random(6), 4, 200, 0.05);
      const got = await fast.train(job);
      const expected = oracle.trainNow(job);
      // Threads race on the shared rows (Hogwild): the draws and counts agree, the weights only roughly.
      expect(Array.from(fast.rng)).toEqual(Array.from(oracle.rng));
      for (const p of [0, 1, 2, 3]) expect(got[3 * p]).toBe(expected[3 * p]);
      expect(native.input.every(Number.isFinite)).toBe(true);
    });
  }

  it('refuses rows, ids and ends outside their arrays before running', () => {
    const table = tables[0]!;
    const c = { dim: 4, cbow: false, hs: true, negative: 2 };
    const arrays = makeArrays(c, 1);
    const job = makeJob(new Random(1), 1, 30, 0.1);
    const run = (rows: { start: Int32Array; rows: Int32Array }, j: Word2VecJob) =>
      new SubwordKernel(arrays, rows, { kernels: table }).trainNow(j);
    const badRows = ROWS.rows.slice();
    badRows[3] = WORDS.length + BUCKET;
    expect(() => run({ start: ROWS.start, rows: badRows }, job)).toThrow(
      /a row of subwordRows is outside the input matrix/,
    );
    const badStart = ROWS.start.slice();
    badStart[WORDS.length] = ROWS.rows.length + 5;
    expect(() => run({ start: badStart, rows: ROWS.rows }, job)).toThrow(
      /subwordStart points past subwordRows/,
    );
    const badIds = { ...job, ids: job.ids.slice() };
    badIds.ids[0] = WORDS.length;
    expect(() => run(ROWS, badIds)).toThrow(/a word id is outside the vocabulary/);
  });
});
