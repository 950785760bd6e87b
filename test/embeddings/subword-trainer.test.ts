// trainWord2Vec with model 'fasttext' end to end (native loop; the TypeScript one with VERBO_NATIVE=0):
// two families of words that share a stem are learnt apart, and words never seen land among their
// family through their n-grams; a vector is the mean of the word's rows, recomputed here from the
// n-grams; one thread is reproducible; checkpoints resume exactly; --update moves the n-gram rows with
// the new words; the memory estimate counts the buckets; model directories keep the whole model.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/embeddings/checkpoint.js';
import { loadModel, saveModel } from '../../src/embeddings/model-dir.js';
import { characterNgrams, fastTextHash } from '../../src/embeddings/subword.js';
import { SubwordVectors } from '../../src/embeddings/subword-vectors.js';
import {
  resolveOptions,
  type TrainEvent,
  trainWord2Vec,
  type Word2VecOptions,
} from '../../src/embeddings/trainer.js';
import { FormatError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';

const scratch = mkdtempSync(join(tmpdir(), 'verbo-subword-trainer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SUFFIXES = ['a', 'e', 'i', 'o', 'u', 'an', 'en', 'in', 'on', 'un'];

/** Sentences of 8–15 words, each from one family: a stem and the suffixes (zorba, zorbe, … / kelma, …). */
function familyCorpus(seed: number, sentences = 500, stems = ['zorb', 'kelm']): string[][] {
  const random = new Random(seed);
  const corpus: string[][] = [];
  for (let s = 0; s < sentences; s++) {
    const stem = stems[random.int(stems.length)]!;
    const length = 8 + random.int(8);
    corpus.push(Array.from({ length }, () => `${stem}${SUFFIXES[random.int(SUFFIXES.length)]}`));
  }
  return corpus;
}

const small: Word2VecOptions = {
  model: 'fasttext',
  dim: 16,
  window: 3,
  negative: 5,
  minCount: 1,
  sample: 0,
  epochs: 5,
  threads: 1,
  seed: 7,
  minn: 3,
  maxn: 5,
  bucket: 3001,
};

/** Fraction of the 5 neighbours of each query that share its first letter (its family). */
function familyPurity(vectors: SubwordVectors, queries: string[]): number {
  let same = 0;
  let total = 0;
  for (const word of queries) {
    for (const neighbor of vectors.mostSimilar({ positive: [word], topN: 5 })) {
      total++;
      if (neighbor.word[0] === word[0]) same++;
    }
  }
  return same / total;
}

const UNSEEN = ['zorbas', 'zorbix', 'zorbanu', 'kelmas', 'kelmix', 'kelmanu'];

describe('trainWord2Vec, model fasttext', () => {
  it.each([
    ['skip-gram, negative sampling', {}],
    ['CBOW', { cbow: true }],
    ['skip-gram, hierarchical softmax', { hs: true, negative: 0 }],
    ['skip-gram on two threads', { threads: 2 }],
  ])('learns the two families, and unseen words of each land among them: %s', async (_name, extra) => {
    const { keyedVectors, summary } = await trainWord2Vec(familyCorpus(1), { ...small, ...extra });
    expect(keyedVectors).toBeInstanceOf(SubwordVectors);
    const vectors = keyedVectors as SubwordVectors;
    expect(vectors.size).toBe(20);
    expect(summary.loss.at(-1)!).toBeLessThan(summary.loss[0]!);
    expect(familyPurity(vectors, vectors.words as string[])).toBeGreaterThan(0.9);
    for (const word of UNSEEN) expect(vectors.vectorSource(word)).toBe('ngrams');
    expect(familyPurity(vectors, UNSEEN)).toBeGreaterThan(0.9);
  });

  it('gives a word the mean of its own row and its n-gram rows, an unseen word the mean of its n-gram rows', async () => {
    const { keyedVectors, state } = await trainWord2Vec(familyCorpus(2), small);
    const vectors = keyedVectors as SubwordVectors;
    const { dim } = vectors;
    const input = state.inputEmbeddings;
    expect(input.length).toBe((20 + 3001) * dim);
    const encode = (text: string) => new TextEncoder().encode(text);
    const meanOf = (rows: number[]) => {
      const mean = new Array<number>(dim).fill(0);
      for (const row of rows) for (let j = 0; j < dim; j++) mean[j]! += input[row * dim + j]! / rows.length;
      return mean;
    };
    const ngramRows = (word: string) =>
      characterNgrams(word, 3, 5).map((g) => 20 + (fastTextHash(encode(g)) % 3001));
    for (const word of ['zorba', 'kelmun']) {
      expect(Array.from(vectors.vector(word))).toBeAllClose(
        meanOf([vectors.index(word), ...ngramRows(word)]),
        { rtol: 1e-5, atol: 1e-7 },
      );
    }
    for (const word of ['zorbix', 'ação']) {
      expect(Array.from(vectors.vector(word))).toBeAllClose(meanOf(ngramRows(word)), {
        rtol: 1e-5,
        atol: 1e-7,
      });
    }
    // Rows no word of the corpus hashes to keep their initial values: uniform in ±1/dim.
    const used = new Set(vectors.words.flatMap((w) => ngramRows(w)));
    const untouched = Array.from({ length: 3001 }, (_, b) => 20 + b).filter((row) => !used.has(row));
    expect(untouched.length).toBeGreaterThan(2800);
    for (const row of untouched.slice(0, 50))
      for (let j = 0; j < dim; j++) expect(Math.abs(input[row * dim + j]!)).toBeLessThanOrEqual(1 / dim);
  });

  it('gives bit-identical vectors for the same seed with one thread', async () => {
    const corpus = familyCorpus(3, 200);
    const options = { ...small, sample: 1e-2, epochs: 2, chunkWords: 300 };
    const first = await trainWord2Vec(corpus, options);
    const second = await trainWord2Vec(corpus, options);
    const other = await trainWord2Vec(corpus, { ...options, seed: 8 });
    const bytes = (r: typeof first) => Buffer.from(r.state.inputEmbeddings.buffer);
    expect(bytes(second).equals(bytes(first))).toBe(true);
    expect(bytes(other).equals(bytes(first))).toBe(false);
  });

  it('resumes from its checkpoint exactly where an uninterrupted run ends', async () => {
    const corpus = familyCorpus(5, 200);
    const options = { ...small, epochs: 3, sample: 1e-2, chunkWords: 250 };
    const uninterrupted = await trainWord2Vec(corpus, options);
    const dir = join(scratch, 'resume', 'checkpoint');
    const controller = new AbortController();
    const interrupted = trainWord2Vec(
      corpus,
      { ...options, checkpointDir: dir, signal: controller.signal },
      { onProgress: (event) => event.type === 'epoch-end' && event.epoch === 1 && controller.abort() },
    );
    await expect(interrupted).rejects.toMatchObject({ code: 'ABORTED' });
    const state = await loadCheckpoint(dir);
    expect(state.options).toMatchObject({ model: 'fasttext', minn: 3, maxn: 5, bucket: 3001, cbow: false });
    expect(state.inputEmbeddings.length).toBe((20 + 3001) * 16);
    const resumed = await trainWord2Vec(corpus, { resume: state, checkpointDir: dir, threads: 1 });
    expect(resumed.summary.loss).toEqual(uninterrupted.summary.loss);
    expect(
      Buffer.from(resumed.state.inputEmbeddings.buffer).equals(
        Buffer.from(uninterrupted.state.inputEmbeddings.buffer),
      ),
    ).toBe(true);
    expect(resumed.keyedVectors).toBeInstanceOf(SubwordVectors);
  });

  it('trains further with update: the n-gram rows move up past the new words', async () => {
    const first = await trainWord2Vec(familyCorpus(6, 300), small);
    const update = await trainWord2Vec(familyCorpus(7, 300, ['kelm', 'prut']), {
      ...small,
      update: first.state,
      epochs: 3,
    });
    const vectors = update.keyedVectors as SubwordVectors;
    expect(vectors.size).toBe(30);
    expect(vectors.words.slice(0, 20)).toEqual(first.keyedVectors.words);
    // A zorb-word is in neither the new corpus nor a new word's n-grams: its vector is unchanged.
    expect(Array.from(vectors.vector('zorba'))).toEqual(Array.from(first.keyedVectors.vector('zorba')));
    expect(familyPurity(vectors, ['pruta', 'prutix', 'kelmix'])).toBeGreaterThan(0.8);
  });

  it('estimates memory with the buckets, and refuses a run too large for the machine before allocating', async () => {
    const events: TrainEvent[] = [];
    await trainWord2Vec(familyCorpus(4, 100), { ...small, epochs: 1 }, { onProgress: (e) => events.push(e) });
    const start = events.find((e) => e.type === 'start');
    expect(start?.type === 'start' && start.memory.weightBytes).toBe(((20 + 3001) * 16 + 20 * 16) * 4);
    await expect(
      trainWord2Vec(familyCorpus(4, 100), { ...small, dim: 1000, bucket: 2 ** 31 - 1 }),
    ).rejects.toThrow(/more than this machine's .* of memory; lower --bucket/);
  });

  it('without n-grams (maxn 0) allocates no buckets and knows only its words', async () => {
    const { keyedVectors, state } = await trainWord2Vec(familyCorpus(8, 200), { ...small, maxn: 0 });
    expect(state.options.bucket).toBe(0);
    expect(state.inputEmbeddings.length).toBe(20 * 16);
    expect(keyedVectors.vectorSource('zorbix')).toBeUndefined();
    expect(() => keyedVectors.vector('zorbix')).toThrow(/not in the vocabulary/);
  });

  it('saves a model directory with model.bin and loads it back as SubwordVectors', async () => {
    const { keyedVectors, state } = await trainWord2Vec(familyCorpus(9, 200), { ...small, epochs: 2 });
    const dir = join(scratch, 'model');
    await saveModel(dir, {
      vectors: keyedVectors,
      config: { ...state.options },
      fastText: { output: state.outputWeights },
    });
    const loaded = await loadModel(dir);
    expect(loaded.vectors).toBeInstanceOf(SubwordVectors);
    expect(loaded.config.subword).toEqual({ minn: 3, maxn: 5, bucket: 3001 });
    expect(Array.from(loaded.vectors.vectors)).toEqual(Array.from(keyedVectors.vectors));
    expect(Array.from(loaded.vectors.vector('kelmix'))).toEqual(Array.from(keyedVectors.vector('kelmix')));
    expect(Array.from(loaded.vectors.counts!)).toEqual(Array.from(keyedVectors.counts!));

    // A model.bin of other settings than config.json says is refused.
    const config = join(dir, 'config.json');
    const doc = JSON.parse(readFileSync(config, 'utf8'));
    doc.subword.bucket = 3000;
    writeFileSync(config, JSON.stringify(doc));
    await expect(loadModel(dir)).rejects.toThrow(FormatError);
    await expect(loadModel(dir)).rejects.toThrow(/model.bin has bucket 3001 but config.json says 3000/);
  });
});

describe('resolveOptions, model fasttext', () => {
  it("applies fastText's defaults and checks the n-gram settings", () => {
    expect(resolveOptions({ model: 'fasttext' })).toMatchObject({
      alpha: 0.05,
      minAlpha: 0,
      sample: 1e-4,
      alphaDecay: 'words',
      cbow: false,
      minn: 3,
      maxn: 6,
      bucket: 2_000_000,
    });
    expect(resolveOptions({ model: 'fasttext', maxn: 0 })).toMatchObject({ maxn: 0, bucket: 0 });
    expect(() => resolveOptions({ model: 'fasttext', minn: 7 })).toThrow(
      /minn \(7\) is larger than maxn \(6\)/,
    );
    expect(() => resolveOptions({ model: 'skipgram', bucket: 10 })).toThrow(/settings of model 'fasttext'/);
    expect(resolveOptions({ model: 'skipgram' })).not.toHaveProperty('bucket');
  });
});
