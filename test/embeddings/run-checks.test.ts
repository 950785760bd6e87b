// What the word2vec trainer checks around its loop: a diverging run stops before any checkpoint of NaNs
// is written; a resume with other settings or another corpus is refused naming what differs; a
// corrupt checkpoint (truncated, changed, non-finite) is named as corrupt; the id cache leaves nothing in
// the temporary folder. The trainer runs from src (native addon, or the TypeScript kernel without it).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/embeddings/checkpoint.js';
import { checkResumeOptions } from '../../src/embeddings/run-checks.js';
import { resolveOptions, trainWord2Vec, type Word2VecOptions } from '../../src/embeddings/trainer.js';
import { DivergedError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';

const scratch = mkdtempSync(join(tmpdir(), 'verbo-run-checks-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function corpusOf(seed: number, sentences = 300): string[][] {
  const random = new Random(seed);
  return Array.from({ length: sentences }, () => {
    const prefix = random.int(2) === 0 ? 'a' : 'b';
    return Array.from({ length: 8 + random.int(6) }, () => `${prefix}${random.int(10)}`);
  });
}

const small: Word2VecOptions = { dim: 8, window: 3, minCount: 1, sample: 0, epochs: 3, threads: 1, seed: 3 };

describe('checkResumeOptions', () => {
  const kept = resolveOptions({ ...small });
  it('accepts options left out or equal to the checkpoint, and any thread count', () => {
    expect(() => checkResumeOptions({}, kept)).not.toThrow();
    expect(() => checkResumeOptions({ dim: 8, epochs: 3, threads: 4 }, kept)).not.toThrow();
  });
  it('names every option that differs', () => {
    expect(() => checkResumeOptions({ dim: 50, epochs: 5, model: 'cbow' }, kept)).toThrow(
      /asks for model cbow \(the checkpoint has skipgram\), dim 50 \(the checkpoint has 8\), epochs 5 \(the checkpoint has 3\)/,
    );
  });
});

describe('the trainer around its loop', () => {
  it('stops a diverging run with a DivergedError before writing a checkpoint of NaNs', async () => {
    const dir = join(scratch, 'diverged');
    const error = await trainWord2Vec(corpusOf(1), { ...small, alpha: 5, checkpointDir: dir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DivergedError);
    expect((error as DivergedError).code).toBe('DIVERGED');
    expect((error as Error).message).toMatch(
      /^training diverged in epoch 1 of 3: the (loss became (NaN|-?Infinity)|input vectors hold NaN)\. Nothing of this epoch was saved; lower the learning rate \(alpha 5\)/,
    );
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
  });

  it('refuses a resume with another corpus or other settings, naming the difference', async () => {
    const dir = join(scratch, 'resume');
    const corpus = corpusOf(2);
    const controller = new AbortController();
    await expect(
      trainWord2Vec(
        corpus,
        { ...small, checkpointDir: dir, signal: controller.signal },
        { onProgress: (event) => event.type === 'epoch-end' && controller.abort() },
      ),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    const state = await loadCheckpoint(dir);
    expect(state.corpus).toMatchObject({ sentences: 300 });

    const shorter = corpus.slice(0, 250);
    await expect(trainWord2Vec(shorter, { resume: state })).rejects.toThrow(
      /resume: the corpus is not the one the checkpoint was trained on \([\d,]+ tokens in 250 sentences now, [\d,]+ in 300 then\)/,
    );
    // The same size, one word swapped for another of the vocabulary.
    const edited = corpus.map((sentence) => sentence.slice());
    edited[0]![0] = edited[0]![0] === 'a1' ? 'a2' : 'a1';
    await expect(trainWord2Vec(edited, { resume: state })).rejects.toThrow(
      /as many tokens and sentences, but other word counts — e\.g\. 'a\d': \d+ then, \d+ now/,
    );
    await expect(trainWord2Vec(corpus, { resume: state, dim: 16 })).rejects.toMatchObject({
      code: 'MISMATCH',
      message: expect.stringMatching(/dim 16 \(the checkpoint has 8\)/),
    });
    const resumed = await trainWord2Vec(corpus, { resume: state, threads: 1 });
    expect(resumed.state.epochsDone).toBe(3);
  });

  it('names a truncated, changed or non-finite checkpoint as corrupt', async () => {
    const dir = join(scratch, 'corrupt');
    await trainWord2Vec(corpusOf(3), { ...small, epochs: 1, checkpointDir: dir });
    const weights = join(dir, 'weights-1.f32');
    const good = readFileSync(weights);
    writeFileSync(weights, good.subarray(0, good.length - 4));
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /state\.json: weights-1\.f32 has \d+ bytes, expected \d+; the checkpoint is truncated or corrupt/,
    );
    const changed = Buffer.from(good);
    changed[100] = changed[100]! ^ 1;
    writeFileSync(weights, changed);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /weights-1\.f32 does not have the contents state\.json recorded \(sha256\); the checkpoint is corrupt/,
    );
    // Weights of NaN under a matching checksum (a checkpoint of a diverged run by an older verbo).
    const nan = Buffer.from(good);
    nan.writeFloatLE(Number.NaN, 8);
    writeFileSync(weights, nan);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...state, weightsSha256: undefined }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /weights-1\.f32 holds NaN at weight 2: the run had diverged/,
    );
  });

  it('keeps no id cache in the temporary folder while training', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('verbo-w2v-')));
    let during: string[] = [];
    await trainWord2Vec(
      corpusOf(4),
      { ...small, cacheIds: true },
      {
        onProgress: (event) => {
          if (event.type === 'epoch-end')
            during = readdirSync(tmpdir()).filter(
              (name) => name.startsWith('verbo-w2v-') && !before.has(name),
            );
        },
      },
    );
    expect(during).toEqual([]);
  });
});
