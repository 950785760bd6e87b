// Fault suite, kill -9: `verbo train` (word2vec) and `verbo lm train` over an existing model, killed with
// SIGKILL at several moments (mid-epoch before any checkpoint, just after a checkpoint, later on, each
// with a seeded pause). Every time the previous model must be intact to the byte and load, the trainer's
// temporary files gone with it, and the run must resume from its last checkpoint (or start again) to a
// complete model with nothing left beside the folder. A second writer of a folder being written is
// refused while the first lives; the dead writer's lock is taken over.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { partialCheckpointDir } from '../../src/embeddings/checkpoint.js';
import { loadModel } from '../../src/embeddings/model-dir.js';
import { loadLanguageModel, partialLmCheckpointDir } from '../../src/seq/index.js';
import { Random } from '../../src/util/random.js';
import {
  besides,
  clusterText,
  digest,
  type Killed,
  killWhen,
  readJson,
  requireCli,
  sleep,
  verbo,
} from './helpers.js';

requireCli('test/fault/kill.test.ts');

const dir = mkdtempSync(join(tmpdir(), 'verbo-fault-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** The children's temporary folder: whatever a trainer leaves there after kill -9 is seen. */
const childTmp = join(dir, 'tmp');
mkdirSync(childTmp);
const env = { ...process.env, TMPDIR: childTmp };
const random = new Random(15);
/** A seeded pause of 0–`ms` milliseconds before the kill. */
const pause = (ms: number) => () => sleep(random.int(ms + 1));
let kills = 0;

/** Checks that the kill, not the end of training, stopped the run (a run too short would be a test bug). */
function expectKilled(result: Killed): void {
  kills++;
  expect(result.signal, `the run ended by itself before the kill: ${result.stderr}`).toBe('SIGKILL');
}

describe('kill -9 during verbo train (word2vec)', () => {
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, clusterText(1, 12_000));
  const settings = ['--prep', 'none', '--dim', '32', '--window', '3', '--min-count', '1', '--threads', '1'];
  // An epoch of this corpus takes ~10 ms on a quiet machine: enough epochs that the run is still
  // training after the latest moment plus the longest pause (a finished run would swap its model in).
  const epochs = 40;
  const previous = join(dir, 'w2v-previous');
  const first = verbo(['train', corpus, '--out', previous, ...settings, '--epochs', '1', '--quiet'], env);
  if (first.status !== 0) throw new Error(`the previous model could not be trained: ${first.stderr}`);
  const before = digest(previous);

  const epochsDone = (out: string) =>
    Number(readJson(join(partialCheckpointDir(out), 'state.json'))?.epochsDone ?? 0);

  const moments: { name: string; ready: (out: string) => boolean }[] = [
    // The run's folder appears first (then the corpus is counted and epoch 1 trains): a seeded pause.
    { name: 'before the first checkpoint', ready: (out) => existsSync(`${out}.partial`) },
    { name: 'just after the first checkpoint', ready: (out) => epochsDone(out) >= 1 },
    { name: 'after the third checkpoint', ready: (out) => epochsDone(out) >= 3 },
  ];

  for (const [k, moment] of moments.entries()) {
    it(`${moment.name}: the previous model intact, nothing left in the temporary folder, the run resumes`, async () => {
      const out = join(dir, `w2v-${k}`);
      cpSync(previous, out, { recursive: true });
      const args = ['train', corpus, '--out', out, ...settings, '--epochs', String(epochs), '--quiet'];
      expectKilled(await killWhen(args, () => moment.ready(out), pause(150), env));
      expect(digest(out)).toEqual(before);
      expect((await loadModel(out)).config.epochsDone).toBe(1);
      expect(readdirSync(childTmp)).toEqual([]);
      // Resume from the last checkpoint when there is one, else start again: either completes.
      const hasCheckpoint = existsSync(join(partialCheckpointDir(out), 'state.json'));
      const again = verbo([...args, ...(hasCheckpoint ? ['--resume', out] : []), '--json'], env);
      expect(again.stderr).toBe('');
      expect(again.status).toBe(0);
      const result = JSON.parse(again.stdout) as { words: number; loss: number[] };
      expect(result.loss).toHaveLength(epochs);
      const model = await loadModel(out);
      expect(model.config.epochsDone).toBe(epochs);
      expect(model.history).toHaveLength(epochs);
      expect(model.vectors.vectors.every((value) => Number.isFinite(value))).toBe(true);
      expect(besides(dir, basename(out))).toEqual([]);
    });
  }

  it('a second writer is refused while the first lives; once it is killed, its lock is taken over', async () => {
    const out = join(dir, 'w2v-locked');
    cpSync(previous, out, { recursive: true });
    let second: ReturnType<typeof verbo> | undefined;
    expectKilled(
      await killWhen(
        ['train', corpus, '--out', out, ...settings, '--epochs', '1000', '--quiet'],
        () => existsSync(`${out}.partial`),
        () => {
          second = verbo(['train', corpus, '--out', out, ...settings, '--epochs', '1', '--quiet'], env);
        },
        env,
      ),
    );
    expect(second?.status).toBe(1);
    expect(second?.stderr).toMatch(
      /^verbo: .*w2v-locked is being written by another verbo process \(pid \d+, '[^']*train .*; wait for it to finish.*\n$/,
    );
    expect(digest(out)).toEqual(before);
    const third = verbo(['train', corpus, '--out', out, ...settings, '--epochs', '2', '--quiet'], env);
    expect(third.stderr).toBe('');
    expect(third.status).toBe(0);
    expect((await loadModel(out)).config.epochsDone).toBe(2);
    expect(besides(dir, basename(out))).toEqual([]);
  });
});

describe('kill -9 during verbo lm train', () => {
  const text = join(dir, 'text.txt');
  writeFileSync(text, clusterText(2, 600));
  const settings = [
    '--prep',
    'none',
    '--embed',
    '16',
    '--hidden',
    '16',
    '--layers',
    '1',
    '--bptt',
    '10',
    '--batch',
    '8',
    '--quiet',
  ];
  const epochs = 6;
  const previous = join(dir, 'lm-previous');
  const first = verbo(['lm', 'train', text, '--out', previous, ...settings, '--epochs', '1'], env);
  if (first.status !== 0) throw new Error(`the previous model could not be trained: ${first.stderr}`);
  const before = digest(previous);
  const epochDone = (out: string) =>
    Number(readJson(join(partialLmCheckpointDir(out), 'state.json'))?.epoch ?? 0);

  const moments: { name: string; ready: (out: string) => boolean }[] = [
    { name: 'mid-epoch, before the first checkpoint', ready: (out) => existsSync(`${out}.partial`) },
    { name: 'just after the first checkpoint', ready: (out) => epochDone(out) >= 1 },
    { name: 'after the third checkpoint', ready: (out) => epochDone(out) >= 3 },
  ];

  for (const [k, moment] of moments.entries()) {
    it(`${moment.name}: the previous model intact, the run resumes to a complete model`, async () => {
      const out = join(dir, `lm-${k}`);
      cpSync(previous, out, { recursive: true });
      const args = ['lm', 'train', text, '--out', out, ...settings, '--epochs', String(epochs)];
      expectKilled(await killWhen(args, () => moment.ready(out), pause(150), env));
      expect(digest(out)).toEqual(before);
      expect(loadLanguageModel(out).vocab.size).toBeGreaterThan(100);
      const hasCheckpoint = existsSync(join(partialLmCheckpointDir(out), 'state.json'));
      const again = verbo([...args, ...(hasCheckpoint ? ['--resume'] : [])], env);
      expect(again.stderr).toBe('');
      expect(again.status).toBe(0);
      expect(digest(out)).not.toEqual(before);
      const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as unknown[];
      expect(history).toHaveLength(epochs);
      const model = loadLanguageModel(out);
      const { next } = model.predict('a1 a2 a3', { topK: 3 });
      expect(next).toHaveLength(3);
      for (const { probability } of next) expect(probability).toBeGreaterThan(0);
      expect(besides(dirname(out), basename(out))).toEqual([]);
      expect(readdirSync(childTmp)).toEqual([]);
    });
  }
});

afterAll(() => {
  console.info(`fault suite (kill -9): ${kills} processes killed`);
});
