// The native subword (fastText) chunk loop of every kernel table this CPU can run (AVX-512, AVX2,
// portable...) against its TypeScript oracle (subword-reference.ts): the same random draws (the RNG ends
// in the same state, the same words are kept and the same examples trained), the same loss and weights to
// float32 rounding, for skip-gram and CBOW, negative sampling, hierarchical softmax and both, on odd
// dimensions; chunks run in order on one thread equal the oracle run chunk after chunk; indices outside
// the arrays are refused before the loop runs.
import { describe, expect, it } from 'vitest';
import { buildHuffmanTree } from '../../src/embeddings/huffman.js';
import {
  fastTextSigmoidTable,
  Lcg64,
  type SubwordKernelModel,
  trainSubwordChunk,
} from '../../src/embeddings/kernels/subword-reference.js';
import { fillNoiseAlias } from '../../src/embeddings/kernels/word2vec-memory.js';
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

interface Case {
  dim: number;
  cbow: boolean;
  hs: boolean;
  negative: number;
}

function makeModel(c: Case, seed: number): SubwordKernelModel {
  const random = new Random(seed);
  const bucket = 211;
  const { start, rows } = vocabularySubwordRows(WORDS, { minn: 2, maxn: 4, bucket });
  const counts = WORDS.map((_, i) => 1000 / (i + 1));
  const tree = buildHuffmanTree(Float64Array.from(counts));
  const fill = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => (random.next() - 0.5) * scale);
  const words = WORDS.length;
  return {
    dim: c.dim,
    window: 4,
    negative: c.negative,
    hs: c.hs,
    cbow: c.cbow,
    input: fill((words + bucket) * c.dim, 2 / c.dim),
    output: fill(words * c.dim, 0.2),
    hsWeights: fill(words * c.dim, 0.2),
    subwordStart: start,
    subwordRows: rows,
    noise: fillNoiseAlias(
      new Uint32Array(2 * words),
      counts.map((n) => n ** 0.5),
    ),
    keep: Float32Array.from(counts, (n) => Math.min(1, 0.2 + 20 / n)),
    codeStart: tree.codeStart,
    codeLength: tree.codeLength,
    codes: tree.codes,
    points: tree.points,
    sigmoid: fastTextSigmoidTable(),
  };
}

function copyModel(m: SubwordKernelModel): SubwordKernelModel {
  return { ...m, input: m.input.slice(), output: m.output.slice(), hsWeights: m.hsWeights.slice() };
}

/** A chunk of `length` ids in sentences of 5–20 words. */
function makeChunk(random: Random, length: number): { ids: Int32Array; ends: Int32Array } {
  const ids = Int32Array.from({ length }, () => random.int(WORDS.length));
  const ends: number[] = [];
  for (let at = 0; at < length; ) {
    at = Math.min(length, at + 5 + random.int(16));
    ends.push(at);
  }
  return { ids, ends: Int32Array.from(ends) };
}

function nativeRun(
  table: NativeKernels,
  m: SubwordKernelModel,
  chunks: { ids: Int32Array; ends: Int32Array }[],
  alpha: number,
  states: bigint[],
  threads: number,
) {
  const handle = table.subwordModel(m);
  const rng = BigUint64Array.from(states);
  const results = new Float64Array(3 * chunks.length);
  table.subwordTrain(
    handle,
    chunks.map((c) => c.ids),
    chunks.map((c) => c.ends),
    new Float64Array(chunks.length).fill(alpha),
    rng,
    results,
    threads,
  );
  return { rng: Array.from(rng), results: Array.from(results) };
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
        const reference = makeModel(c, 5);
        const native = copyModel(reference);
        const chunk = makeChunk(new Random(c.dim), 300);
        const state = 0x123456789abcdefn + BigInt(c.dim);
        const rng = new Lcg64(state);
        const expected = trainSubwordChunk(reference, chunk.ids, chunk.ends, 0.025, rng);
        const got = nativeRun(table, native, [chunk], 0.025, [state], 1);
        expect(got.rng[0]).toBe(rng.state);
        expect(got.results[0]).toBe(expected.kept);
        expect(got.results[2]).toBe(expected.examples);
        expect(got.results[1]).toBeAllClose(expected.lossSum, { rtol: 1e-4 });
        for (const name of ['input', 'output', 'hsWeights'] as const)
          expect(native[name], name).toBeAllClose(reference[name], { rtol: 1e-4, atol: 1e-6 });
        // It did train: the weights moved.
        expect(native.input).not.toEqual(makeModel(c, 5).input);
      },
    );

    it(`${table.isa}: chunks on one thread run in order, as the oracle chunk after chunk`, () => {
      const c = { dim: 24, cbow: false, hs: false, negative: 5 };
      const reference = makeModel(c, 9);
      const native = copyModel(reference);
      const random = new Random(2);
      const chunks = [makeChunk(random, 120), makeChunk(random, 80), makeChunk(random, 150)];
      const states = [11n, 22n, 33n];
      const got = nativeRun(table, native, chunks, 0.05, states, 1);
      chunks.forEach((chunk, i) => {
        const rng = new Lcg64(states[i]!);
        const expected = trainSubwordChunk(reference, chunk.ids, chunk.ends, 0.05, rng);
        expect(got.rng[i]).toBe(rng.state);
        expect(got.results[3 * i]).toBe(expected.kept);
      });
      expect(native.input).toBeAllClose(reference.input, { rtol: 1e-4, atol: 1e-6 });
    });

    it(`${table.isa}: trains chunks on two threads at once and from a Promise`, async () => {
      const c = { dim: 16, cbow: true, hs: false, negative: 3 };
      const m = makeModel(c, 4);
      const random = new Random(6);
      const chunks = [makeChunk(random, 400), makeChunk(random, 400)];
      const handle = table.subwordModel(m);
      const rng = BigUint64Array.of(1n, 2n);
      const results = new Float64Array(6);
      await table.subwordTrainAsync(
        handle,
        chunks.map((x) => x.ids),
        chunks.map((x) => x.ends),
        Float64Array.of(0.05, 0.05),
        rng,
        results,
        2,
      );
      expect(results[2]! + results[5]!).toBeGreaterThan(0);
      expect(Number.isFinite(results[1]!) && Number.isFinite(results[4]!)).toBe(true);
      expect(m.input.every(Number.isFinite)).toBe(true);
      expect(rng[0]).not.toBe(1n);
    });
  }

  it('refuses indices outside the arrays before running', () => {
    const table = tables[0]!;
    const m = makeModel({ dim: 4, cbow: false, hs: true, negative: 2 }, 1);
    const badRows = { ...m, subwordRows: m.subwordRows.slice() };
    badRows.subwordRows[3] = 1_000_000;
    expect(() => table.subwordModel(badRows)).toThrow(/subwordRows holds a row outside the input matrix/);
    const badPoints = { ...m, points: m.points.slice() };
    badPoints.points[0] = 999;
    expect(() => table.subwordModel(badPoints)).toThrow(/points holds a node outside hsWeights/);
    expect(() => table.subwordModel({ ...m, keep: new Float32Array(3) })).toThrow(/keep holds 3 values/);
    const handle = table.subwordModel(m);
    expect(() =>
      table.subwordTrain(
        handle,
        [Int32Array.of(0, 40)],
        [Int32Array.of(2)],
        Float64Array.of(0.1),
        BigUint64Array.of(1n),
        new Float64Array(3),
        1,
      ),
    ).toThrow(/ids holds a word outside the vocabulary/);
  });
});
