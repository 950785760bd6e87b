// The language model: gradients of the whole loss against finite differences (LSTM, GRU, SimpleRNN,
// through 3 time steps, state carried in), perplexity of a known distribution, memorising a repeating
// sequence, seeded training, save/load, tied weights, prediction and generation, bad inputs.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CellType,
  EOS,
  evaluatePerplexity,
  LanguageModel,
  loadLanguageModel,
  saveLanguageModel,
  topIndices,
  trainLanguageModel,
  UNK,
  partialLmCheckpointDir,
} from '../../src/seq/index.js';
import { gradCheck, mul, sparseSoftmaxCrossEntropy, type Tensor, uniform } from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';
import { Vocabulary } from '../../src/vocab/index.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-seq-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vocabOf(words: string[]): Vocabulary {
  return new Vocabulary([UNK, EOS, ...words], new Array(words.length + 2).fill(1), [UNK, EOS]);
}

/** Swaps the model's parameters for `tensors` (in parameters() order), so gradients reach them. */
function withParameters(model: LanguageModel, tensors: Tensor[]): void {
  model.parameters().forEach((p, i) => {
    p.weight.value = tensors[i]!;
  });
}

describe('LanguageModel gradients (whole loss vs finite differences, 3 steps)', () => {
  const vocab = vocabOf(['a', 'b', 'c', 'd']);
  const batch = 2;
  const steps = 3;
  const inputs = Int32Array.of(2, 3, 4, 5, 2, 0); // [batch, steps]
  const targets = Int32Array.of(3, 4, 1, 2, 0, 5);
  for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
    for (const tieWeights of cell === 'lstm' ? [false, true] : [false]) {
      it(`${cell}${tieWeights ? ' (tied)' : ''}, 2 layers, non-zero initial state`, () => {
        const model = new LanguageModel(vocab, {
          cell,
          embed: 4,
          hidden: 4,
          layers: 2,
          tieWeights,
          initScale: 0.5,
          seed: 3,
        });
        const random = new Random(9);
        const state = model
          .initialState(batch)
          .map((layer) => layer.map((t) => uniform(t.shape, random, { low: -0.5, high: 0.5 })));
        const params = model.parameters().map((p) => p.tensor);
        const result = gradCheck(
          (...tensors) => {
            withParameters(model, tensors);
            const { hidden } = model.forward(inputs, steps, batch, state);
            const loss = sparseSoftmaxCrossEntropy(model.logits(hidden), targets, { reduction: 'sum' });
            return mul(loss, 1 / batch);
          },
          params,
          { eps: 1e-2, rtol: 2e-2, atol: 2e-3 },
        );
        expect(result.ok, result.summary).toBe(true);
      });
    }
  }
});

describe('perplexity', () => {
  it('equals the theoretical value for a model with a known output distribution', () => {
    const vocab = vocabOf(['a', 'b', 'c']);
    const model = new LanguageModel(vocab, { embed: 3, hidden: 3, layers: 1, seed: 1 });
    for (const p of model.parameters()) p.tensor.data.fill(0);
    // Zero weights: the logits are the output bias for every position, so p = softmax(bias).
    const probabilities = [0.05, 0.15, 0.4, 0.3, 0.1];
    probabilities.forEach((p, i) => {
      model.outputBias.data[i] = Math.log(p) + 0.7;
    });
    const ids = Int32Array.from([2, 3, 2, 4, 1, 2, 2, 3, 0, 1, 4, 2, 3]);
    for (const batch of [1, 3]) {
      const evaluation = evaluatePerplexity(model, ids, { batch, bptt: 4 });
      // Which positions are predicted: every stream position after the first.
      const length = Math.floor(ids.length / batch);
      let total = 0;
      let count = 0;
      for (let b = 0; b < batch; b++) {
        for (let t = 1; t < length; t++) {
          total -= Math.log(probabilities[ids[b * length + t]!]!);
          count++;
        }
      }
      expect(evaluation.tokens).toBe(count);
      expect(evaluation.perplexity).toBeAllClose(Math.exp(total / count), { rtol: 1e-5 });
    }
  });
});

function repeating(pattern: number[], length: number): Int32Array {
  return Int32Array.from({ length }, (_, i) => pattern[i % pattern.length]!);
}

describe('training', () => {
  const vocab = vocabOf(['a', 'b', 'c', 'd', 'e']);
  const pattern = [2, 3, 4, 5, 6, 4, 3];

  it('a tiny LSTM memorises a repeating sequence (loss near zero)', async () => {
    const model = new LanguageModel(vocab, { embed: 16, hidden: 32, layers: 1, seed: 2 });
    const result = await trainLanguageModel(model, repeating(pattern, 2000), {
      optimizer: 'adam',
      learningRate: 0.01,
      epochs: 8,
      batch: 4,
      bptt: 10,
    });
    expect(result.history[0]!.trainPerplexity).toBeGreaterThan(2);
    expect(result.trainPerplexity).toBeLessThan(1.05);
    // After "c b" comes "a" in the pattern [a b c d e c b]; after "d e" comes "c".
    expect(model.predict('c b', { topK: 1 }).next[0]!.word).toBe('a');
    expect(model.predict('d e', { topK: 1 }).next[0]!.word).toBe('c');
  });

  it('the same seed gives the same training curve and weights; another seed does not', async () => {
    const run = async (seed: number) => {
      const model = new LanguageModel(vocab, {
        cell: 'gru',
        embed: 8,
        hidden: 8,
        layers: 2,
        dropout: 0.2,
        seed,
      });
      const result = await trainLanguageModel(model, repeating(pattern, 600), {
        epochs: 2,
        batch: 3,
        bptt: 7,
        seed,
      });
      return { losses: result.history.map((h) => h.trainLoss), weights: model.outputBias.toFloat32Array() };
    };
    const first = await run(5);
    const second = await run(5);
    const other = await run(6);
    expect(second.losses).toEqual(first.losses);
    expect(Array.from(second.weights)).toEqual(Array.from(first.weights));
    expect(other.losses).not.toEqual(first.losses);
  });

  it('SGD lr decay follows Zaremba: lr₀ for decayAfter epochs, then ×lrDecay per epoch', async () => {
    const model = new LanguageModel(vocab, { embed: 4, hidden: 4, layers: 1 });
    const result = await trainLanguageModel(model, repeating(pattern, 200), {
      epochs: 4,
      batch: 2,
      bptt: 5,
      learningRate: 0.8,
      lrDecay: 0.5,
      decayAfter: 2,
    });
    expect(result.history.map((h) => h.learningRate)).toEqual([0.8, 0.8, 0.4, 0.2]);
  });

  it('keeps the best validation model and stops early without improvement', async () => {
    const model = new LanguageModel(vocab, { embed: 8, hidden: 8, layers: 1, seed: 4 });
    // Validation text unlike the training pattern: it gets worse as training fits the pattern.
    const valid = Int32Array.from({ length: 200 }, (_, i) => [6, 2, 5, 3][(i * 7) % 4]!);
    const result = await trainLanguageModel(model, repeating(pattern, 700), {
      optimizer: 'adam',
      learningRate: 0.02,
      epochs: 12,
      batch: 4,
      bptt: 8,
      validIds: valid,
      patience: 2,
    });
    const validPerplexities = result.history.map((h) => h.validPerplexity!);
    const best = Math.min(...validPerplexities);
    expect(result.validPerplexity).toBe(best);
    expect(evaluatePerplexity(model, valid, { bptt: 8 }).perplexity).toBeAllClose(best, { rtol: 1e-5 });
    if (result.stoppedEarly) expect(result.history.length).toBeLessThan(12);
  });

  it('resume continues an interrupted run exactly', async () => {
    const ids = repeating(pattern, 500);
    const settings = { optimizer: 'adam' as const, batch: 2, bptt: 6, seed: 3 };
    const straight = new LanguageModel(vocab, { embed: 6, hidden: 6, layers: 1, dropout: 0.1, seed: 8 });
    await trainLanguageModel(straight, ids, { ...settings, epochs: 2 });
    const out = join(dir, 'resume');
    const first = new LanguageModel(vocab, { embed: 6, hidden: 6, layers: 1, dropout: 0.1, seed: 8 });
    await trainLanguageModel(first, ids, { ...settings, epochs: 1, outDir: out });
    const resumed = loadLanguageModel(join(out, 'checkpoint'));
    const result = await trainLanguageModel(resumed, ids, {
      ...settings,
      epochs: 2,
      outDir: out,
      resume: true,
    });
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(resumed.outputBias.toFloat32Array()).toBeAllClose(straight.outputBias.toFloat32Array(), {
      atol: 1e-6,
    });
    expect(resumed.recurrentLayers[0]!.cell.recurrentKernel.value.toFloat32Array()).toBeAllClose(
      straight.recurrentLayers[0]!.cell.recurrentKernel.value.toFloat32Array(),
      { atol: 1e-6 },
    );
  });

  it('resume after an interruption: SGD schedule, validation, best model and early stopping carry over', async () => {
    const ids = repeating(pattern, 400);
    // a validation text unlike the training text: its perplexity gets worse after the first epochs
    const validIds = repeating([6, 5, 2, 4, 3, 6, 2], 20);
    const architecture = { embed: 6, hidden: 6, layers: 2, dropout: 0.2, seed: 4 };
    const settings = { batch: 3, bptt: 5, seed: 7, epochs: 4, decayAfter: 1, validIds, patience: 5 };
    const straight = new LanguageModel(vocab, architecture);
    const improvedStraight: boolean[] = [];
    const full = await trainLanguageModel(straight, ids, {
      ...settings,
      onProgress: (e) => {
        if (e.phase === 'epoch') improvedStraight.push(e.improved!);
      },
    });
    const out = join(dir, 'resume-valid');
    const first = new LanguageModel(vocab, architecture);
    const interrupt = (event: { phase: string; epoch: number }) => {
      if (event.phase === 'epoch' && event.epoch === 2) throw new Error('interrupted');
    };
    await expect(
      trainLanguageModel(first, ids, { ...settings, outDir: out, onProgress: interrupt }),
    ).rejects.toThrow(/interrupted/);
    // The interrupted run left its checkpoint in its own folder, beside OUT (never in OUT).
    expect(existsSync(out)).toBe(false);
    const resumed = loadLanguageModel(partialLmCheckpointDir(out));
    const improvedResumed: boolean[] = [];
    const result = await trainLanguageModel(resumed, ids, {
      ...settings,
      outDir: out,
      resume: true,
      onProgress: (e) => {
        if (e.phase === 'epoch') improvedResumed.push(e.improved!);
      },
    });
    // the resumed run's progress knows the best of the epochs before the interruption
    expect(improvedResumed).toEqual(improvedStraight.slice(2));
    expect(result.history.map((h) => h.learningRate)).toEqual([1, 0.5, 0.25, 0.125]);
    expect(result.history.map((h) => h.validPerplexity)).toBeAllClose(
      full.history.map((h) => h.validPerplexity!),
      { rtol: 1e-5 },
    );
    expect(result.bestEpoch).toBe(full.bestEpoch);
    // both end on the best epoch's weights, also saved in outDir
    resumed.parameters().forEach((p, i) => {
      expect(p.tensor.toFloat32Array()).toBeAllClose(straight.parameters()[i]!.tensor.toFloat32Array(), {
        atol: 1e-6,
      });
    });
    const saved = loadLanguageModel(out);
    expect(saved.outputBias.toFloat32Array()).toBeAllClose(straight.outputBias.toFloat32Array(), {
      atol: 1e-6,
    });
  });

  it('bad training settings are clear errors', async () => {
    const model = new LanguageModel(vocab, { embed: 4, hidden: 4, layers: 1 });
    await expect(trainLanguageModel(model, Int32Array.of(2, 3, 4), { batch: 2, bptt: 5 })).rejects.toThrow(
      /too few|too short/,
    );
    await expect(trainLanguageModel(model, repeating(pattern, 100), { bptt: 0 })).rejects.toThrow(/bptt/);
    await expect(trainLanguageModel(model, repeating(pattern, 100), { resume: true })).rejects.toThrow(
      /outDir/,
    );
  });
});

describe('inference, save and load', () => {
  const vocab = vocabOf(['the', 'cat', 'sat', 'on', 'mat']);

  it('save → load gives identical predictions, config and vocabulary', () => {
    for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
      const model = new LanguageModel(vocab, {
        cell,
        embed: 6,
        hidden: 6,
        layers: 2,
        tieWeights: true,
        prep: 'none',
        seed: 7,
      });
      const path = join(dir, `saved-${cell}`);
      saveLanguageModel(model, path);
      const loaded = loadLanguageModel(path);
      expect(loaded.config).toEqual(model.config);
      expect(loaded.vocab.words).toEqual(model.vocab.words);
      const a = model.predict('the cat', { topK: 7 });
      const b = loaded.predict('the cat', { topK: 7 });
      expect(b.next).toEqual(a.next);
    }
  });

  it('predict returns the top k in order with probabilities from a softmax', () => {
    const model = new LanguageModel(vocab, {
      embed: 4,
      hidden: 4,
      layers: 1,
      prep: 'none',
      initScale: 1,
      seed: 3,
    });
    const all = model.predict('the cat sat', { topK: vocab.size, specials: true });
    const total = all.next.reduce((s, n) => s + n.probability, 0);
    expect(total).toBeAllClose(1, { rtol: 1e-9 });
    for (let i = 1; i < all.next.length; i++) {
      expect(all.next[i - 1]!.probability).toBeGreaterThanOrEqual(all.next[i]!.probability);
    }
    expect(model.predict('the cat sat', { topK: 2, specials: true }).next).toEqual(all.next.slice(0, 2));
    expect(all.context).toEqual(['the', 'cat', 'sat']);
  });

  it('suggests words only unless asked for the special tokens, with the model’s own probabilities', async () => {
    // Trained where most of the text is <unk> and every line ends in <eos>: the specials come first.
    const model = new LanguageModel(vocab, { embed: 8, hidden: 8, layers: 1, prep: 'none', seed: 2 });
    const ids = Int32Array.from({ length: 600 }, (_, i) => [0, 0, 2, 0, 3, 1][i % 6]!);
    await trainLanguageModel(model, ids, {
      optimizer: 'adam',
      learningRate: 0.05,
      epochs: 3,
      batch: 4,
      bptt: 6,
    });
    const all = model.predict('the', { topK: vocab.size, specials: true }).next;
    expect(all.slice(0, 1).map((n) => n.word)).toEqual([UNK]);
    const words = model.predict('the', { topK: vocab.size }).next;
    expect(words.map((n) => n.word)).toEqual(all.map((n) => n.word).filter((w) => w !== UNK && w !== EOS));
    for (const { word, probability } of words) {
      expect(probability).toBe(all.find((n) => n.word === word)!.probability);
    }
    expect(model.predict('the', { topK: 2 }).next).toEqual(words.slice(0, 2));
    // Generation never writes <unk> by default; <eos> stays a line break.
    const text = model.generate('the', { tokens: 200, seed: 3 });
    expect(text.tokens).not.toContain(UNK);
    expect(text.tokens).toContain(EOS);
    expect(text.text).not.toMatch(/<unk>|<eos>/);
    expect(model.generate('the', { tokens: 200, seed: 3, specials: true }).tokens).toContain(UNK);
  });

  it('unknown prompt words become <unk> with a warning; only unknown words is an error', () => {
    const model = new LanguageModel(vocab, { embed: 4, hidden: 4, layers: 1, prep: 'none' });
    const warnings: string[] = [];
    const prediction = model.predict('the zebra', { onWarning: (m) => warnings.push(m) });
    expect(prediction.context).toEqual(['the', UNK]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/'zebra'/);
    expect(prediction.warnings).toEqual(warnings);
    expect(() => model.predict('zebra giraffe')).toThrow(
      /none of the prompt's words are in the model's vocabulary/,
    );
    expect(() => model.predict('   ')).toThrow(/no tokens/);
  });

  it('generate is seeded, respects topK = 1 (greedy) and the token count', () => {
    const model = new LanguageModel(vocab, {
      embed: 4,
      hidden: 4,
      layers: 1,
      prep: 'none',
      initScale: 1,
      seed: 5,
    });
    const a = model.generate('the', { tokens: 12, seed: 4 });
    const b = model.generate('the', { tokens: 12, seed: 4 });
    expect(a.tokens).toHaveLength(12);
    expect(b.tokens).toEqual(a.tokens);
    const greedy = model.generate('the', { tokens: 1, topK: 1, seed: 9, specials: true });
    expect(greedy.tokens[0]).toBe(model.predict('the', { topK: 1, specials: true }).next[0]!.word);
    expect(() => model.generate('the', { temperature: 0 })).toThrow(/temperature/);
  });

  it('loading a missing or corrupt directory is a clear error', () => {
    expect(() => loadLanguageModel(join(dir, 'nope'))).toThrow(/not a language-model directory/);
    const empty = join(dir, 'empty');
    writeFileSync(join(dir, 'file.txt'), 'x');
    expect(() => loadLanguageModel(join(dir, 'file.txt'))).toThrow(/not a language-model directory/);
    rmSync(empty, { recursive: true, force: true });
    const model = new LanguageModel(vocab, { embed: 4, hidden: 4, layers: 1 });
    const path = join(dir, 'truncated');
    saveLanguageModel(model, path);
    writeFileSync(join(path, 'weights.bin'), new Uint8Array(8));
    expect(() => loadLanguageModel(path)).toThrow(/truncated/);
  });

  it('tied weights need embed = hidden; a tied embedding cannot be frozen', () => {
    expect(() => new LanguageModel(vocab, { embed: 4, hidden: 6, tieWeights: true })).toThrow(/tied weights/);
    const tied = new LanguageModel(vocab, { embed: 4, hidden: 4, tieWeights: true });
    expect(tied.outputKernel).toBeNull();
    expect(() => tied.freezeEmbedding()).toThrow(/cannot be frozen/);
  });
});

describe('helpers', () => {
  it('topIndices: the k largest, largest first, ties by index', () => {
    expect(topIndices([0.1, 0.5, 0.2, 0.5, 0.05], 3)).toEqual([1, 3, 2]);
    expect(topIndices([3, 1], 5)).toEqual([0, 1]);
  });
});

describe('LanguageModel.loss (output layer fused into the loss)', () => {
  const words = Array.from({ length: 300 }, (_, i) => `w${i}`);
  const vocab = vocabOf(words);
  const batch = 4;
  const steps = 5;
  const random = new Random(21);
  const inputs = Int32Array.from({ length: batch * steps }, () => random.int(vocab.size));
  const targets = Int32Array.from({ length: batch * steps }, () => random.int(vocab.size));
  for (const tieWeights of [false, true]) {
    it(`equals the loss of the logits, value and every parameter's gradient${tieWeights ? ' (tied)' : ''}`, () => {
      const model = new LanguageModel(vocab, { embed: 16, hidden: 16, layers: 2, tieWeights, seed: 5 });
      const run = (fused: boolean): number[] => {
        for (const p of model.parameters()) p.tensor.grad = null;
        const { hidden } = model.forward(inputs, steps, batch, model.initialState(batch));
        const loss = fused
          ? model.loss(hidden, targets, { reduction: 'sum' })
          : sparseSoftmaxCrossEntropy(model.logits(hidden), targets, { reduction: 'sum' });
        mul(loss, 1 / batch).backward();
        return [
          loss.item(),
          ...model.parameters().flatMap((p) => Array.from(p.tensor.grad!.toFloat32Array())),
        ];
      };
      expect(run(true)).toBeAllClose(run(false), { rtol: 1e-4, atol: 1e-6 });
    });
  }
});

describe('the output loss at vocabulary sizes (SIMD exp path of the fused cross-entropy backward)', () => {
  it('matches p − onehot computed in float64', () => {
    const random = new Random(4);
    const rows = 3;
    const classes = 300;
    const logits = uniform([rows, classes], random, { low: -4, high: 4, requiresGrad: true });
    const targets = Int32Array.of(5, 299, 0);
    mul(sparseSoftmaxCrossEntropy(logits, targets, { reduction: 'sum' }), 0.5).backward();
    const x = logits.toFloat32Array();
    const expected = new Float64Array(rows * classes);
    for (let r = 0; r < rows; r++) {
      let total = 0;
      for (let c = 0; c < classes; c++) total += Math.exp(x[r * classes + c]!);
      for (let c = 0; c < classes; c++) {
        expected[r * classes + c] =
          0.5 * (Math.exp(x[r * classes + c]!) / total - (c === targets[r] ? 1 : 0));
      }
    }
    expect(logits.grad!.toFloat32Array()).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-8 });
  });
});

describe('character level', () => {
  it('learns lines of characters and writes them back (greedy generation, save → load)', async () => {
    const lines = ['hello world', 'hello there'];
    const { buildLmVocabulary, createLmTokenizer, encodeLines } = await import('../../src/seq/index.js');
    async function* corpus() {
      for (let i = 0; i < 40; i++) yield lines[i % 2]!;
    }
    const tokenize = createLmTokenizer({ level: 'char' });
    const vocab = await buildLmVocabulary(corpus(), tokenize);
    expect(vocab.has(' ')).toBe(true);
    const { ids } = await encodeLines(corpus(), tokenize, vocab);
    const model = new LanguageModel(vocab, { level: 'char', embed: 16, hidden: 48, layers: 1, seed: 3 });
    await trainLanguageModel(model, ids, {
      optimizer: 'adam',
      learningRate: 0.02,
      epochs: 15,
      batch: 4,
      bptt: 12,
    });
    const path = join(dir, 'chars');
    saveLanguageModel(model, path);
    const loaded = loadLanguageModel(path);
    // After "hello world" + line end comes "hello there": greedy decoding writes it back.
    const generation = loaded.generate('hello world', { tokens: 13, topK: 1 });
    expect(generation.text).toBe('\nhello there\n');
    expect(loaded.generate('hello world', { tokens: 13, topK: 1 })).toEqual(
      model.generate('hello world', { tokens: 13, topK: 1 }),
    );
  });
});
