// The word2vec trainer end to end (the native chunk loop, or the TypeScript one under VERBO_NATIVE=0):
// learning-rate schedule, learning two disjoint topic clusters, reproducibility with one thread,
// checkpoints and resume, vocabulary growth with --update, progress events and option errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/embeddings/checkpoint.js';
import type { KeyedVectors } from '../../src/embeddings/keyed-vectors.js';
import { loadModel, saveModel } from '../../src/embeddings/model-dir.js';
import {
  learningRate,
  resolveOptions,
  type TrainEvent,
  trainWord2Vec,
  type Word2VecOptions,
} from '../../src/embeddings/trainer.js';
import { VerboError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';

const scratch = mkdtempSync(join(tmpdir(), 'verbo-trainer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Sentences of 8–15 words, each drawn from one of two disjoint clusters of 12 words. */
function clusterCorpus(seed: number, sentences = 600, prefixes = ['a', 'b']): string[][] {
  const random = new Random(seed);
  const corpus: string[][] = [];
  for (let s = 0; s < sentences; s++) {
    const prefix = prefixes[random.int(prefixes.length)]!;
    const length = 8 + random.int(8);
    const sentence: string[] = [];
    for (let k = 0; k < length; k++) sentence.push(`${prefix}${random.int(12)}`);
    corpus.push(sentence);
  }
  return corpus;
}

const small: Word2VecOptions = {
  dim: 16,
  window: 3,
  negative: 5,
  minCount: 1,
  sample: 0,
  epochs: 5,
  threads: 1,
  seed: 7,
};

/** Fraction of each word's 5 nearest neighbours that share its first letter (its cluster). */
function clusterPurity(vectors: KeyedVectors): number {
  let same = 0;
  let total = 0;
  for (const word of vectors.words) {
    for (const neighbor of vectors.mostSimilar({ positive: [word], topN: 5 })) {
      total++;
      if (neighbor.word[0] === word[0]) same++;
    }
  }
  return same / total;
}

describe('learning-rate schedule', () => {
  it.each([
    [0, 1000, 0.025],
    [500, 1000, 0.025 - (0.025 - 1e-4) * 0.5],
    [1000, 1000, 1e-4],
    [1500, 1000, 1e-4],
  ])('after %i of %i words the rate is %f', (done, total, expected) => {
    expect(learningRate(done, total, 0.025, 1e-4)).toBeAllClose(expected, { rtol: 1e-12 });
  });

  it('decays linearly over all epochs, chunk by chunk, as the progress events show', async () => {
    const alphas: number[] = [];
    const corpus = clusterCorpus(1, 300);
    await trainWord2Vec(
      corpus,
      { ...small, epochs: 3, chunkWords: 200, alphaDecay: 'words' },
      {
        onProgress: (event) => {
          if (event.type === 'epoch-end') alphas.push(event.alpha);
        },
      },
    );
    // The last chunk of epoch e starts at (e·W − its size) of 3·W words: its rate is just above the line.
    const words = corpus.reduce((n, s) => n + s.length, 0);
    expect(alphas).toHaveLength(3);
    for (let e = 1; e <= 3; e++) {
      const atEnd = learningRate(e * words, 3 * words, 0.025, 1e-4);
      const before = learningRate(e * words - 200, 3 * words, 0.025, 1e-4);
      expect(alphas[e - 1]!).toBeGreaterThanOrEqual(atEnd);
      expect(alphas[e - 1]!).toBeLessThanOrEqual(before);
    }
  });

  // Uneven sentences make the two decays part: chunkWords 16, one sentence of 24 words (cut 16 | 8),
  // then sentences of 8, 4 and 4 words. Chunks: [24a·16] [24a·8 + 8] [4 + 4]. The last chunk starts
  // after 32 of 40 words, but after 2/3 + 1/3 + 1 = 2 of 4 sentences (a cut sentence counts its share
  // per piece, as gensim counts each ≤ 10,000-word piece of a line).
  it.each([
    ['words', 32 / 40],
    ['sentences', 2 / 4],
  ] as const)(
    'decays by %s when asked: the last chunk starts at %f of the run',
    async (alphaDecay, position) => {
      const word = (k: number) => `w${k % 6}`;
      const sentence = (length: number, offset: number) => Array.from({ length }, (_, k) => word(k + offset));
      const corpus = [sentence(24, 0), sentence(8, 1), sentence(4, 2), sentence(4, 3)];
      const alphas: number[] = [];
      await trainWord2Vec(
        corpus,
        { ...small, epochs: 1, chunkWords: 16, alphaDecay },
        {
          onProgress: (event) => {
            if (event.type === 'epoch-end') alphas.push(event.alpha);
          },
        },
      );
      expect(alphas).toHaveLength(1);
      expect(alphas[0]!).toBeAllClose(0.025 - (0.025 - 1e-4) * position, { rtol: 1e-9 });
    },
  );
});

describe('trainWord2Vec', () => {
  it('learns two disjoint topic clusters (skip-gram, negative sampling)', async () => {
    const { keyedVectors, summary } = await trainWord2Vec(clusterCorpus(1), small);
    expect(keyedVectors.size).toBe(24);
    expect(keyedVectors.dim).toBe(16);
    expect(clusterPurity(keyedVectors)).toBeGreaterThan(0.95);
    expect(summary.loss).toHaveLength(5);
    expect(summary.loss[4]!).toBeLessThan(summary.loss[0]!);
  });

  it.each([
    ['CBOW', { model: 'cbow' as const }],
    ['skip-gram with hierarchical softmax', { hs: true, negative: 0 }],
    ['CBOW with hierarchical softmax', { model: 'cbow' as const, hs: true, negative: 0 }],
    ['skip-gram on two threads', { threads: 2 }],
  ])('learns the clusters too: %s', async (_name, extra) => {
    const { keyedVectors } = await trainWord2Vec(clusterCorpus(2), { ...small, ...extra });
    expect(clusterPurity(keyedVectors)).toBeGreaterThan(0.9);
  });

  it('gives bit-identical vectors for the same seed with one thread, different ones for another seed', async () => {
    const corpus = clusterCorpus(3);
    const options = { ...small, sample: 1e-2, chunkWords: 300 };
    const first = await trainWord2Vec(corpus, options);
    const second = await trainWord2Vec(corpus, options);
    const other = await trainWord2Vec(corpus, { ...options, seed: 8 });
    expect(
      Buffer.from(second.keyedVectors.vectors.buffer).equals(Buffer.from(first.keyedVectors.vectors.buffer)),
    ).toBe(true);
    expect(second.summary.loss).toEqual(first.summary.loss);
    expect(
      Buffer.from(other.keyedVectors.vectors.buffer).equals(Buffer.from(first.keyedVectors.vectors.buffer)),
    ).toBe(false);
  });

  it('replaying the id chunks of the first epoch from the temporary cache changes nothing', async () => {
    const corpus = clusterCorpus(8);
    const options = { ...small, epochs: 3, sample: 1e-2, chunkWords: 128 };
    const cached = await trainWord2Vec(corpus, { ...options, cacheIds: true });
    const uncached = await trainWord2Vec(corpus, { ...options, cacheIds: false });
    expect(cached.summary.words).toBe(uncached.summary.words);
    expect(cached.summary.loss).toEqual(uncached.summary.loss);
    expect(
      Buffer.from(cached.keyedVectors.vectors.buffer).equals(
        Buffer.from(uncached.keyedVectors.vectors.buffer),
      ),
    ).toBe(true);
  });

  it('reports vocab, start (memory estimate), progress and epoch-end events', async () => {
    const events: TrainEvent[] = [];
    await trainWord2Vec(
      clusterCorpus(4),
      { ...small, epochs: 2, chunkWords: 100 },
      { onProgress: (e) => events.push(e) },
    );
    const start = events.find((e) => e.type === 'start');
    expect(start?.type === 'start' && start.memory.weightBytes).toBe(24 * 16 * 4 * 2);
    expect(start?.type === 'start' && start.memory.totalBytes).toBeGreaterThan(24 * 16 * 4 * 2);
    const ends = events.filter((e) => e.type === 'epoch-end');
    expect(ends.map((e) => e.epoch)).toEqual([1, 2]);
    for (const e of ends)
      if (e.type === 'epoch-end') expect(Number.isFinite(e.loss) && e.loss > 0).toBe(true);
    expect(events[0]!.type).toBe('vocab');
  });

  it('resumes an interrupted run from its checkpoint and ends exactly where an uninterrupted run does', async () => {
    const corpus = clusterCorpus(5);
    const options = { ...small, epochs: 3, sample: 1e-2, chunkWords: 250 };
    const uninterrupted = await trainWord2Vec(corpus, options);

    const dir = join(scratch, 'resume', 'checkpoint');
    const controller = new AbortController();
    const interrupted = trainWord2Vec(
      corpus,
      { ...options, checkpointDir: dir, signal: controller.signal },
      {
        onProgress: (event) => {
          if (event.type === 'epoch-end' && event.epoch === 1) controller.abort();
        },
      },
    );
    await expect(interrupted).rejects.toMatchObject({ code: 'ABORTED' });
    const state = await loadCheckpoint(dir);
    expect(state.epochsDone).toBe(1);
    expect(state.history).toHaveLength(1);

    const resumed = await trainWord2Vec(corpus, { resume: state, checkpointDir: dir, threads: 1 });
    expect(resumed.state.epochsDone).toBe(3);
    expect(resumed.summary.loss).toEqual(uninterrupted.summary.loss);
    expect(
      Buffer.from(resumed.keyedVectors.vectors.buffer).equals(
        Buffer.from(uninterrupted.keyedVectors.vectors.buffer),
      ),
    ).toBe(true);
    expect((await loadCheckpoint(dir)).epochsDone).toBe(3);

    // The result saves as a model directory that loads back with the right epoch count.
    const modelDir = join(scratch, 'resumed-model');
    await saveModel(modelDir, {
      vectors: resumed.keyedVectors,
      config: { epochs: resumed.state.epochsDone },
      history: resumed.state.history,
    });
    const loaded = await loadModel(modelDir);
    expect(loaded.config.epochs).toBe(3);
    expect(loaded.history).toHaveLength(3);
    expect(loaded.vectors.vectors).toBeAllClose(resumed.keyedVectors.vectors, { rtol: 1e-6, atol: 1e-7 });
  });

  it('trains further on a new corpus with --update: old ids stay, new words get rows and learn their cluster', async () => {
    const first = await trainWord2Vec(clusterCorpus(6, 400, ['a', 'b']), small);
    const update = await trainWord2Vec(clusterCorpus(7, 600, ['b', 'c']), { ...small, update: first.state });
    const vectors = update.keyedVectors;
    expect(vectors.size).toBe(36);
    expect(vectors.words.slice(0, 24)).toEqual(first.keyedVectors.words);
    expect(vectors.words.slice(24).every((w) => w.startsWith('c'))).toBe(true);
    // The a-words were not in the new corpus: their vectors are untouched.
    const a0 = first.keyedVectors.index('a0');
    expect(vectors.vectors.subarray(a0 * 16, a0 * 16 + 16)).toEqual(
      first.keyedVectors.vectors.subarray(a0 * 16, a0 * 16 + 16),
    );
    expect(clusterPurity(vectors)).toBeGreaterThan(0.85);
  });

  it('rejects bad options and an empty vocabulary with a VerboError', async () => {
    expect(() => resolveOptions({ dim: 0 })).toThrow(/dim must be a whole number/);
    expect(() => resolveOptions({ negative: 0 })).toThrow(/--hs/);
    expect(() => resolveOptions({ window: 1.5 })).toThrow(VerboError);
    await expect(trainWord2Vec([['a', 'b']], { ...small, minCount: 5 })).rejects.toThrow(/lower --min-count/);
  });
});
