// The word2vec chunk loop on every backend (each native kernel table this CPU can run, and the TypeScript
// loop): its updates against finite-difference gradients of the word2vec losses (computed here in
// float64), and whole jobs of the native kernels against the TypeScript oracle on odd dimensions.
import { describe, expect, it } from 'vitest';
import { buildHuffmanTree } from '../../src/embeddings/huffman.js';
import {
  createWord2VecArrays,
  fillNoiseAlias,
  type Word2VecArrays,
  type Word2VecShape,
  Word2VecKernel,
} from '../../src/embeddings/kernels/word2vec.js';
import { Lcg64, mulHigh32 } from '../../src/embeddings/kernels/word2vec-reference.js';
import { type NativeKernels, nativeTables } from '../../src/native/index.js';
import { Random } from '../../src/util/random.js';

const tables = nativeTables();
if (process.env.VERBO_NATIVE === '0')
  console.warn('VERBO_NATIVE=0: the word2vec chunk loop is tested in TypeScript only');
/** Every backend: the native tables (AVX-512, AVX2, portable …) and the TypeScript loop (null). */
const backends: { name: string; kernels: NativeKernels | null }[] = [
  ...tables.map((table) => ({ name: `native ${table.isa}`, kernels: table })),
  { name: 'typescript', kernels: null },
];

interface Setup {
  model: Word2VecArrays;
  run(ids: number[], ends: number[], alpha: number): { kept: number; lossSum: number; examples: number };
}

function makeSetup(
  kernels: NativeKernels | null,
  partial: Partial<Word2VecShape> & { vocabSize: number; dim: number; codeTotal?: number },
  seed = 3,
): Setup {
  const shape: Word2VecShape = {
    window: 1,
    negative: 0,
    hs: false,
    cbow: false,
    exactSigmoid: true,
    ...partial,
  };
  const model = createWord2VecArrays(shape, partial.codeTotal ?? 0);
  const random = new Random(seed);
  for (let i = 0; i < model.input.length; i++) model.input[i] = random.uniform(-0.5, 0.5);
  for (let i = 0; i < model.output.length; i++) model.output[i] = random.uniform(-0.5, 0.5);
  for (let i = 0; i < model.hsWeights.length; i++) model.hsWeights[i] = random.uniform(-0.5, 0.5);
  model.keep.fill(1);
  const kernel = new Word2VecKernel(model, { kernels });
  kernel.rng[0] = 12345n;
  return {
    model,
    run(ids, ends, alpha) {
      const results = kernel.trainNow({
        ids: Int32Array.from(ids),
        ends: Int32Array.from(ends),
        pieceEnds: Int32Array.of(ends.length),
        alphas: Float32Array.of(alpha),
      });
      return { kept: results[0]!, lossSum: results[1]!, examples: results[2]! };
    },
  };
}

describe("the C tool's random stream without BigInt", () => {
  it('matches the 64-bit arithmetic: state · 25214903917 + 11, high 32 bits', () => {
    let state = 987654321987654321n;
    const stream = new Lcg64(state);
    for (let i = 0; i < 1000; i++) {
      state = BigInt.asUintN(64, state * 25214903917n + 11n);
      expect(stream.next()).toBe(Number(state >> 32n));
    }
    expect(stream.state).toBe(state);
  });

  it('takes the high word of a 32 × 32-bit product', () => {
    const random = new Random(4);
    for (let i = 0; i < 1000; i++) {
      const a = random.nextUint32();
      const b = i % 3 === 0 ? 0xffffffff : random.nextUint32();
      expect(mulHigh32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
  });
});

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const logSigmoid = (x: number): number => -Math.log1p(Math.exp(-x));

function row(matrix: Float32Array | Float64Array, id: number, dim: number): Float64Array {
  return Float64Array.from(matrix.subarray(id * dim, (id + 1) * dim));
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Central finite differences of `loss` with respect to each entry of each vector in `params`. */
function numericGradient(params: Float64Array[], loss: () => number, h = 1e-5): Float64Array[] {
  return params.map((p) => {
    const grad = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const saved = p[i]!;
      p[i] = saved + h;
      const up = loss();
      p[i] = saved - h;
      const down = loss();
      p[i] = saved;
      grad[i] = (up - down) / (2 * h);
    }
    return grad;
  });
}

describe.each(backends)('word2vec chunk loop ($name): gradients', ({ kernels }) => {
  const dim = 10; // not a multiple of the vector width: exercises the tails

  it('skip-gram with negative sampling moves the weights by −α·∇loss (finite differences)', () => {
    // Vocabulary: 0 = A, 1 = B, 2 = N (the only noise word). One sentence "A B", window 1: two
    // (context → center) pairs, B → A and A → B, each with 3 negatives N.
    const setup = makeSetup(kernels, { vocabSize: 3, dim, negative: 3 });
    fillNoiseAlias(setup.model.noise, [0, 0, 1]);
    const v = [0, 1, 2].map((id) => row(setup.model.input, id, dim));
    const u = [0, 1, 2].map((id) => row(setup.model.output, id, dim));
    const pairLoss = (input: Float64Array, center: number): number =>
      -logSigmoid(dot(input, u[center]!)) - 3 * logSigmoid(-dot(input, u[2]!));
    const loss = (): number => pairLoss(v[1]!, 0) + pairLoss(v[0]!, 1);
    const expectedLoss = loss();
    const gradients = numericGradient([v[0]!, v[1]!, u[0]!, u[1]!, u[2]!], loss);

    // α = 0 first: no update, the reported loss is the loss at the starting point.
    const still = setup.run([0, 1], [2], 0);
    expect(still.examples).toBe(2);
    expect(still.lossSum).toBeAllClose(expectedLoss, { rtol: 1e-5 });

    const alpha = 1e-3;
    setup.run([0, 1], [2], alpha);
    const after = [
      ...[0, 1].map((id) => row(setup.model.input, id, dim)),
      ...[0, 1, 2].map((id) => row(setup.model.output, id, dim)),
    ];
    const before = [v[0]!, v[1]!, u[0]!, u[1]!, u[2]!];
    for (let k = 0; k < before.length; k++) {
      const step = after[k]!.map((x, i) => (x - before[k]![i]!) / -alpha);
      // The second pair sees the first pair's update: the difference is O(α).
      expect(step).toBeAllClose(gradients[k]!, { atol: 5e-3, rtol: 1e-2 });
    }
  });

  it('the EXP_TABLE sigmoid gives the same step to within its grid', () => {
    // Sentence "A B": pair B → A updates u_A; pair A → B never touches u_A (noise word is N = 2).
    const setup = makeSetup(kernels, { vocabSize: 3, dim, negative: 2, exactSigmoid: false });
    fillNoiseAlias(setup.model.noise, [0, 0, 1]);
    const vB = row(setup.model.input, 1, dim);
    const uA = row(setup.model.output, 0, dim);
    const alpha = 1e-3;
    const result = setup.run([0, 1], [2], alpha);
    expect(result.examples).toBe(2);
    // Δu_A = α (1 − σ(v_B·u_A)) v_B, with σ read from the table (within 0.005 of the exact value).
    const gradient = -(1 - sigmoid(dot(vB, uA)));
    const step = row(setup.model.output, 0, dim).map((x, i) => (x - uA[i]!) / -alpha);
    expect(step).toBeAllClose(
      vB.map((x) => gradient * x),
      { atol: 0.005 * 0.5 },
    );
  });

  it('the EXP_TABLE is indexed as the C tool and gensim do: ⌊(x + 6)·83⌋, 83 = 1000 / 6 / 2 in integers', () => {
    // u_A = 0, so the pair B → A has x = 0: index ⌊6·83⌋ = 498, the grid point x = (2·498/1000 − 1)·6
    // = −0.024, not σ(0) (index 500 with the exact scale 83.33): Δu_A = α (1 − σ(−0.024)) v_B.
    const setup = makeSetup(kernels, { vocabSize: 3, dim, negative: 2, exactSigmoid: false });
    fillNoiseAlias(setup.model.noise, [0, 0, 1]);
    setup.model.output.fill(0, 0, dim);
    const vB = row(setup.model.input, 1, dim);
    const alpha = 1e-3;
    setup.run([0, 1], [2], alpha);
    const g = alpha * (1 - sigmoid(-0.024));
    expect(row(setup.model.output, 0, dim)).toBeAllClose(
      vB.map((x) => g * x),
      { rtol: 1e-5, atol: 1e-9 },
    );
  });

  it('CBOW (mean of the context) applies the whole hidden-layer gradient to every context word', () => {
    // Sentence "A B C", window 1, no subsampling: centers A {B}, B {A, C}, C {B}; noise word 3.
    const setup = makeSetup(kernels, { vocabSize: 4, dim, negative: 2, cbow: true });
    fillNoiseAlias(setup.model.noise, [0, 0, 0, 1]);
    const v = [0, 1, 2, 3].map((id) => row(setup.model.input, id, dim));
    const u = [0, 1, 2, 3].map((id) => row(setup.model.output, id, dim));
    const examples: Array<{ center: number; context: number[] }> = [
      { center: 0, context: [1] },
      { center: 1, context: [0, 2] },
      { center: 2, context: [1] },
    ];
    const exampleLoss = (h: Float64Array, center: number): number =>
      -logSigmoid(dot(h, u[center]!)) - 2 * logSigmoid(-dot(h, u[3]!));
    const expectedStepV = [0, 1, 2].map(() => new Float64Array(dim));
    const expectedStepU = [0, 1, 2, 3].map(() => new Float64Array(dim));
    for (const { center, context } of examples) {
      const h = new Float64Array(dim);
      for (const c of context) for (let i = 0; i < dim; i++) h[i] = h[i]! + v[c]![i]! / context.length;
      const [gradH, ...gradU] = numericGradient([h, ...u], () => exampleLoss(h, center));
      for (const c of context)
        for (let i = 0; i < dim; i++) expectedStepV[c]![i] = expectedStepV[c]![i]! + gradH![i]!;
      for (let t = 0; t < 4; t++)
        for (let i = 0; i < dim; i++) expectedStepU[t]![i] = expectedStepU[t]![i]! + gradU[t]![i]!;
    }
    const alpha = 1e-3;
    const result = setup.run([0, 1, 2], [3], alpha);
    expect(result.examples).toBe(3);
    for (let c = 0; c < 3; c++) {
      const step = row(setup.model.input, c, dim).map((x, i) => (x - v[c]![i]!) / -alpha);
      expect(step).toBeAllClose(expectedStepV[c]!, { atol: 5e-3, rtol: 1e-2 });
    }
    for (let t = 0; t < 4; t++) {
      const step = row(setup.model.output, t, dim).map((x, i) => (x - u[t]![i]!) / -alpha);
      expect(step).toBeAllClose(expectedStepU[t]!, { atol: 5e-3, rtol: 1e-2 });
    }
  });

  it('hierarchical softmax follows −log σ(±v·u) along the Huffman path', () => {
    const counts = [9, 5, 3, 2, 1];
    const tree = buildHuffmanTree(counts);
    const setup = makeSetup(kernels, { vocabSize: 5, dim, hs: true, codeTotal: tree.codes.length });
    setup.model.codeStart.set(tree.codeStart);
    setup.model.codeLength.set(tree.codeLength);
    setup.model.codes.set(tree.codes);
    setup.model.points.set(tree.points);
    const v = [0, 1, 2, 3, 4].map((id) => row(setup.model.input, id, dim));
    const nodes = [0, 1, 2, 3].map((id) => row(setup.model.hsWeights, id, dim));
    const pathLoss = (input: Float64Array, word: number): number => {
      let total = 0;
      for (let k = 0; k < tree.codeLength[word]!; k++) {
        const node = tree.points[tree.codeStart[word]! + k]!;
        const sign = tree.codes[tree.codeStart[word]! + k] === 0 ? 1 : -1;
        total -= logSigmoid(sign * dot(input, nodes[node]!));
      }
      return total;
    };
    // Sentence "D A" (ids 3, 0): pairs A → D and D → A.
    const loss = (): number => pathLoss(v[0]!, 3) + pathLoss(v[3]!, 0);
    const expectedLoss = loss();
    const gradients = numericGradient([v[0]!, v[3]!, ...nodes], loss);
    const still = setup.run([3, 0], [2], 0);
    expect(still.lossSum).toBeAllClose(expectedLoss, { rtol: 1e-5 });
    const alpha = 1e-3;
    setup.run([3, 0], [2], alpha);
    const after = [
      row(setup.model.input, 0, dim),
      row(setup.model.input, 3, dim),
      ...[0, 1, 2, 3].map((id) => row(setup.model.hsWeights, id, dim)),
    ];
    const before = [v[0]!, v[3]!, ...nodes];
    for (let k = 0; k < before.length; k++) {
      const step = after[k]!.map((x, i) => (x - before[k]![i]!) / -alpha);
      expect(step).toBeAllClose(gradients[k]!, { atol: 5e-3, rtol: 1e-2 });
    }
  });
});

describe('Huffman tree', () => {
  it('gives the textbook codes for counts 9, 5, 3, 2, 1', () => {
    const tree = buildHuffmanTree([9, 5, 3, 2, 1]);
    // Merges: 1+2 → n0 (3), 3+n0 → n1 (6), 5+n1 → n2 (11), 9+n2 → n3 (20, root).
    expect(Array.from(tree.codeLength)).toEqual([1, 2, 3, 4, 4]);
    const path = (w: number): number[] =>
      Array.from(tree.points.subarray(tree.codeStart[w]!, tree.codeStart[w]! + tree.codeLength[w]!));
    expect(path(0)).toEqual([3]);
    expect(path(4)).toEqual([3, 2, 1, 0]);
    // Codes are prefix-free: no word's code is a prefix of another's.
    const code = (w: number): string =>
      Array.from(tree.codes.subarray(tree.codeStart[w]!, tree.codeStart[w]! + tree.codeLength[w]!)).join('');
    const all = [0, 1, 2, 3, 4].map(code);
    for (const a of all) for (const b of all) if (a !== b) expect(b.startsWith(a)).toBe(false);
  });
});

const cases = [
  {
    name: 'skip-gram, negative sampling, EXP table',
    cbow: false,
    hs: false,
    negative: 5,
    exactSigmoid: false,
  },
  { name: 'skip-gram, exact sigmoid', cbow: false, hs: false, negative: 3, exactSigmoid: true },
  { name: 'CBOW, negative sampling', cbow: true, hs: false, negative: 5, exactSigmoid: false },
  {
    name: 'skip-gram, hierarchical softmax + negatives',
    cbow: false,
    hs: true,
    negative: 2,
    exactSigmoid: false,
  },
  { name: 'CBOW, hierarchical softmax', cbow: true, hs: true, negative: 0, exactSigmoid: false },
];

/** A model of 30 words with small random weights and tables, and a job of 3 pieces of 8 sentences. */
function jobFixture(c: (typeof cases)[number], dim: number, seed: number) {
  const vocabSize = 30;
  const random = new Random(seed);
  const counts = Array.from({ length: vocabSize }, (_, i) => Math.floor(1000 / (i + 1)));
  const tree = buildHuffmanTree(counts);
  const model = createWord2VecArrays({ vocabSize, dim, window: 3, ...c }, tree.codes.length);
  // Weights small as at initialisation, but nonzero outputs so every path is exercised.
  for (let i = 0; i < model.input.length; i++) model.input[i] = random.uniform(-0.5, 0.5) / dim;
  for (let i = 0; i < model.output.length; i++) model.output[i] = random.uniform(-0.5, 0.5);
  for (let i = 0; i < model.hsWeights.length; i++) model.hsWeights[i] = random.uniform(-0.5, 0.5);
  if (c.negative > 0)
    fillNoiseAlias(
      model.noise,
      counts.map((n) => n ** 0.75),
    );
  for (let i = 0; i < vocabSize; i++) model.keep[i] = i < 3 ? 0.6 : 1;
  if (c.hs) {
    model.codeStart.set(tree.codeStart);
    model.codeLength.set(tree.codeLength);
    model.codes.set(tree.codes);
    model.points.set(tree.points);
  }
  const ids: number[] = [];
  const ends: number[] = [];
  const pieceEnds: number[] = [];
  for (let piece = 0; piece < 3; piece++) {
    for (let s = 0; s < 8; s++) {
      const length = 1 + random.int(40);
      for (let k = 0; k < length; k++)
        ids.push(Math.min(vocabSize - 1, Math.floor(random.next() ** 2 * vocabSize)));
      ends.push(ids.length);
    }
    pieceEnds.push(ends.length);
  }
  const job = {
    ids: Int32Array.from(ids),
    ends: Int32Array.from(ends),
    pieceEnds: Int32Array.from(pieceEnds),
    alphas: Float32Array.of(0.025, 0.02, 0.015),
  };
  return { model, job };
}

function copyModel(model: Word2VecArrays): Word2VecArrays {
  return {
    ...model,
    input: model.input.slice(),
    output: model.output.slice(),
    hsWeights: model.hsWeights.slice(),
  };
}

function train(
  model: Word2VecArrays,
  job: ReturnType<typeof jobFixture>['job'],
  kernels: NativeKernels | null,
  threads = 1,
) {
  const kernel = new Word2VecKernel(model, { kernels, pieces: 3, threads });
  kernel.seed(17, 2);
  const results = kernel.trainNow(job);
  return { results, rng: Array.from(kernel.rng) };
}

describe.each(tables.map((table) => ({ isa: table.isa, table })))(
  'native word2vec ($isa) against the TypeScript oracle',
  ({ table }) => {
    for (const c of cases) {
      it(`${c.name}: dims 1, 3, 17, 100, 129`, () => {
        for (const dim of [1, 3, 17, 100, 129]) {
          const { model, job } = jobFixture(c, dim, 11 + dim);
          const initialInput = model.input.slice();
          const oracle = copyModel(model);
          const expected = train(oracle, job, null);
          const received = train(model, job, table);
          const where = `${table.isa} dim ${dim}`;
          // Random draws do not depend on the weights: counts and streams agree exactly.
          expect(received.rng, where).toEqual(expected.rng);
          for (let p = 0; p < 3; p++) {
            expect(received.results[3 * p], where).toBe(expected.results[3 * p]);
            expect(received.results[3 * p + 2], where).toBe(expected.results[3 * p + 2]);
            expect(received.results[3 * p + 1]!, where).toBeAllClose(expected.results[3 * p + 1]!, {
              rtol: 1e-4,
            });
          }
          expect(model.input, where).toBeAllClose(oracle.input, { atol: 2e-5, rtol: 1e-3 });
          expect(model.output, where).toBeAllClose(oracle.output, { atol: 2e-5, rtol: 1e-3 });
          expect(model.hsWeights, where).toBeAllClose(oracle.hsWeights, { atol: 2e-5, rtol: 1e-3 });
          // Something was trained: subsampling dropped some words and many input rows moved.
          expect(received.results[0]! + received.results[3]! + received.results[6]!).toBeLessThan(
            job.ids.length,
          );
          let moved = 0;
          for (let i = 0; i < model.input.length; i++) if (model.input[i] !== initialInput[i]) moved++;
          expect(moved).toBeGreaterThan(model.input.length / 4);
        }
      });
    }

    it('one thread gives the same bits every time; two threads draw the same numbers', () => {
      const c = cases[0]!;
      const { model, job } = jobFixture(c, 100, 5);
      const again = copyModel(model);
      const parallel = copyModel(model);
      const first = train(model, job, table, 1);
      const second = train(again, job, table, 1);
      expect(Buffer.from(again.input.buffer).equals(Buffer.from(model.input.buffer))).toBe(true);
      expect(Buffer.from(again.output.buffer).equals(Buffer.from(model.output.buffer))).toBe(true);
      expect(Array.from(second.results)).toEqual(Array.from(first.results));
      // Hogwild: the pieces race on shared rows, so only the draws and counts are fixed (the trainer's
      // tests check that two threads learn as well as one).
      const both = train(parallel, job, table, 2);
      expect(both.rng).toEqual(first.rng);
      for (let p = 0; p < 3; p++) expect(both.results[3 * p + 2]).toBe(first.results[3 * p + 2]);
      expect(parallel.input.every(Number.isFinite)).toBe(true);
    });

    it('rejects a word id outside the vocabulary before touching memory', () => {
      const { model, job } = jobFixture(cases[0]!, 8, 1);
      job.ids[5] = 30;
      expect(() => train(model, job, table)).toThrow(/outside the vocabulary/);
    });
  },
);
