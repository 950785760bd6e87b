// The WebAssembly word2vec kernel: its updates against finite-difference gradients of the word2vec
// losses (computed here in float64), and whole chunks against the plain TS reference trainer.
import { describe, expect, it } from 'vitest';
import { buildHuffmanTree } from '../../src/embeddings/huffman.js';
import {
  createSharedMemory,
  fillNoiseAlias,
  fillSigmoidTables,
  instantiateKernel,
  type KernelConfig,
  kernelViews,
  planLayout,
  readChunkLoss,
  readRngState,
  runChunk,
  writeRngState,
} from '../../src/embeddings/kernels/word2vec-memory.js';
import { trainChunkReference } from '../../src/embeddings/kernels/word2vec-reference.js';
import { Random } from '../../src/util/random.js';
import { wasmAvailable } from '../../src/util/wasm.js';

const haveKernel = wasmAvailable('word2vec');
if (!haveKernel) console.warn('word2vec.wasm is not built: run `npm run build` (kernel tests skipped)');

interface Setup {
  config: KernelConfig;
  run(ids: number[], ends: number[], alpha: number): { kept: number; lossSum: number; examples: number };
  views: ReturnType<typeof kernelViews>;
  rng(): bigint;
  setRng(state: bigint): void;
}

function makeSetup(partial: Partial<KernelConfig> & { vocabSize: number; dim: number }, seed = 3): Setup {
  const config: KernelConfig = {
    window: 1,
    negative: 0,
    hs: false,
    cbow: false,
    exactSigmoid: true,
    noiseTableSize: partial.vocabSize,
    codeTotal: 0,
    workers: 1,
    maxChunkWords: 1000,
    ...partial,
  };
  const layout = planLayout(config);
  const memory = createSharedMemory(layout);
  fillSigmoidTables(memory, layout);
  const views = kernelViews(memory, layout, config);
  const random = new Random(seed);
  for (let i = 0; i < views.input.length; i++) views.input[i] = random.uniform(-0.5, 0.5);
  for (let i = 0; i < views.output.length; i++) views.output[i] = random.uniform(-0.5, 0.5);
  for (let i = 0; i < views.hs.length; i++) views.hs[i] = random.uniform(-0.5, 0.5);
  views.keep.fill(1);
  const kernel = instantiateKernel(memory, layout, config, 0);
  writeRngState(memory, layout, 0, 12345n);
  return {
    config,
    views,
    run(ids, ends, alpha) {
      const kept = runChunk(kernel, memory, layout, 0, Int32Array.from(ids), Int32Array.from(ends), alpha);
      return { kept, ...readChunkLoss(memory, layout, 0) };
    },
    rng: () => readRngState(memory, layout, 0),
    setRng: (state) => writeRngState(memory, layout, 0, state),
  };
}

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

describe.skipIf(!haveKernel)('word2vec kernel: gradients', () => {
  const dim = 10; // not a multiple of 4: exercises the SIMD tail

  it('skip-gram with negative sampling moves the weights by −α·∇loss (finite differences)', () => {
    // Vocabulary: 0 = A, 1 = B, 2 = N (the only noise word). One sentence "A B", window 1: two
    // (context → center) pairs, B → A and A → B, each with 3 negatives N.
    const setup = makeSetup({ vocabSize: 3, dim, negative: 3 });
    fillNoiseAlias(setup.views.noise, [0, 0, 1]);
    const v = [0, 1, 2].map((id) => row(setup.views.input, id, dim));
    const u = [0, 1, 2].map((id) => row(setup.views.output, id, dim));
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
      ...[0, 1].map((id) => row(setup.views.input, id, dim)),
      ...[0, 1, 2].map((id) => row(setup.views.output, id, dim)),
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
    const setup = makeSetup({ vocabSize: 3, dim, negative: 2, exactSigmoid: false });
    fillNoiseAlias(setup.views.noise, [0, 0, 1]);
    const vB = row(setup.views.input, 1, dim);
    const uA = row(setup.views.output, 0, dim);
    const alpha = 1e-3;
    const result = setup.run([0, 1], [2], alpha);
    expect(result.examples).toBe(2);
    // Δu_A = α (1 − σ(v_B·u_A)) v_B, with σ read from the table (within 0.005 of the exact value).
    const gradient = -(1 - sigmoid(dot(vB, uA)));
    const step = row(setup.views.output, 0, dim).map((x, i) => (x - uA[i]!) / -alpha);
    expect(step).toBeAllClose(
      vB.map((x) => gradient * x),
      { atol: 0.005 * 0.5 },
    );
  });

  it('the EXP_TABLE is indexed as the C tool and gensim do: ⌊(x + 6)·83⌋, 83 = 1000 / 6 / 2 in integers', () => {
    // u_A = 0, so the pair B → A has x = 0: index ⌊6·83⌋ = 498, the grid point x = (2·498/1000 − 1)·6
    // = −0.024, not σ(0) (index 500 with the exact scale 83.33): Δu_A = α (1 − σ(−0.024)) v_B.
    const setup = makeSetup({ vocabSize: 3, dim, negative: 2, exactSigmoid: false });
    fillNoiseAlias(setup.views.noise, [0, 0, 1]);
    setup.views.output.fill(0, 0, dim);
    const vB = row(setup.views.input, 1, dim);
    const alpha = 1e-3;
    setup.run([0, 1], [2], alpha);
    const g = alpha * (1 - sigmoid(-0.024));
    expect(row(setup.views.output, 0, dim)).toBeAllClose(
      vB.map((x) => g * x),
      { rtol: 1e-5, atol: 1e-9 },
    );
  });

  it('CBOW (mean of the context) applies the whole hidden-layer gradient to every context word', () => {
    // Sentence "A B C", window 1, no subsampling: centers A {B}, B {A, C}, C {B}; noise word 3.
    const setup = makeSetup({ vocabSize: 4, dim, negative: 2, cbow: true });
    fillNoiseAlias(setup.views.noise, [0, 0, 0, 1]);
    const v = [0, 1, 2, 3].map((id) => row(setup.views.input, id, dim));
    const u = [0, 1, 2, 3].map((id) => row(setup.views.output, id, dim));
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
      const step = row(setup.views.input, c, dim).map((x, i) => (x - v[c]![i]!) / -alpha);
      expect(step).toBeAllClose(expectedStepV[c]!, { atol: 5e-3, rtol: 1e-2 });
    }
    for (let t = 0; t < 4; t++) {
      const step = row(setup.views.output, t, dim).map((x, i) => (x - u[t]![i]!) / -alpha);
      expect(step).toBeAllClose(expectedStepU[t]!, { atol: 5e-3, rtol: 1e-2 });
    }
  });

  it('hierarchical softmax follows −log σ(±v·u) along the Huffman path', () => {
    const counts = [9, 5, 3, 2, 1];
    const tree = buildHuffmanTree(counts);
    const setup = makeSetup({ vocabSize: 5, dim, hs: true, codeTotal: tree.codes.length });
    setup.views.codeStart.set(tree.codeStart);
    setup.views.codeLength.set(tree.codeLength);
    setup.views.codes.set(tree.codes);
    setup.views.points.set(tree.points);
    const v = [0, 1, 2, 3, 4].map((id) => row(setup.views.input, id, dim));
    const nodes = [0, 1, 2, 3].map((id) => row(setup.views.hs, id, dim));
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
      row(setup.views.input, 0, dim),
      row(setup.views.input, 3, dim),
      ...[0, 1, 2, 3].map((id) => row(setup.views.hs, id, dim)),
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

describe.skipIf(!haveKernel)('word2vec kernel against the TS reference', () => {
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
  for (const c of cases) {
    it(c.name, () => {
      const vocabSize = 30;
      const dim = 12;
      const random = new Random(11);
      const counts = Array.from({ length: vocabSize }, (_, i) => Math.floor(1000 / (i + 1)));
      const tree = buildHuffmanTree(counts);
      const setup = makeSetup(
        {
          vocabSize,
          dim,
          window: 3,
          negative: c.negative,
          hs: c.hs,
          cbow: c.cbow,
          exactSigmoid: c.exactSigmoid,
          noiseTableSize: vocabSize,
          codeTotal: tree.codes.length,
        },
        5,
      );
      const views = setup.views;
      // Weights small as at initialisation, but nonzero outputs so every path is exercised.
      for (let i = 0; i < views.input.length; i++) views.input[i] = random.uniform(-0.5, 0.5) / dim;
      for (let i = 0; i < views.output.length; i++) views.output[i] = random.uniform(-0.5, 0.5);
      for (let i = 0; i < views.hs.length; i++) views.hs[i] = random.uniform(-0.5, 0.5);
      fillNoiseAlias(
        views.noise,
        counts.map((n) => n ** 0.75),
      );
      for (let i = 0; i < vocabSize; i++) views.keep[i] = i < 3 ? 0.6 : 1;
      if (c.hs) {
        views.codeStart.set(tree.codeStart);
        views.codeLength.set(tree.codeLength);
        views.codes.set(tree.codes);
        views.points.set(tree.points);
      }
      const ids: number[] = [];
      const ends: number[] = [];
      for (let s = 0; s < 8; s++) {
        const length = 1 + random.int(40);
        for (let k = 0; k < length; k++)
          ids.push(Math.min(vocabSize - 1, Math.floor(random.next() ** 2 * vocabSize)));
        ends.push(ids.length);
      }
      const model = {
        dim,
        window: 3,
        negative: c.negative,
        hs: c.hs,
        cbow: c.cbow,
        exactSigmoid: c.exactSigmoid,
        input: views.input.slice(),
        output: views.output.slice(),
        hsWeights: views.hs.slice(),
        noise: views.noise.slice(),
        keep: views.keep.slice(),
        codeStart: tree.codeStart,
        codeLength: tree.codeLength,
        codes: tree.codes,
        points: tree.points,
        sigmoid: views.sigmoid.slice(),
        logSigmoid: views.logSigmoid.slice(),
      };
      const initialInput = views.input.slice();
      const rng = { state: 987654321n };
      setup.setRng(rng.state);
      const alpha = 0.025;
      const expected = trainChunkReference(model, Int32Array.from(ids), Int32Array.from(ends), alpha, rng);
      const result = setup.run(ids, ends, alpha);
      expect(result.kept).toBe(expected.kept);
      expect(result.examples).toBe(expected.examples);
      expect(setup.rng()).toBe(rng.state);
      expect(result.lossSum).toBeAllClose(expected.lossSum, { rtol: 1e-4 });
      expect(views.input).toBeAllClose(model.input, { atol: 1e-5, rtol: 1e-4 });
      expect(views.output).toBeAllClose(model.output, { atol: 1e-5, rtol: 1e-4 });
      expect(views.hs).toBeAllClose(model.hsWeights, { atol: 1e-5, rtol: 1e-4 });
      // Something was trained: subsampling dropped some words and many input rows moved.
      expect(result.kept).toBeLessThan(ids.length);
      let moved = 0;
      for (let i = 0; i < views.input.length; i++) if (views.input[i] !== initialInput[i]) moved++;
      expect(moved).toBeGreaterThan(views.input.length / 4);
    });
  }
});
