// `verbo train` end to end (runs dist/, which test/global-setup.ts rebuilds when src is newer): the --json shape, the model directory it
// writes, --log-json events, --resume after an interrupted run, --update with new words, and bad input
// ending with one line on stderr, exit code 1 and an earlier model left intact.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointDir, partialCheckpointDir } from '../../src/embeddings/checkpoint.js';
import { loadModel } from '../../src/embeddings/model-dir.js';
import { trainWord2Vec } from '../../src/embeddings/trainer.js';
import { packagePath } from '../../src/util/paths.js';
import { Random } from '../../src/util/random.js';

const cli = packagePath('dist', 'cli', 'main.js');

const dir = mkdtempSync(join(tmpdir(), 'verbo-cli-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function clusterLines(seed: number, lines: number, prefixes: string[]): string[][] {
  const random = new Random(seed);
  const out: string[][] = [];
  for (let s = 0; s < lines; s++) {
    const prefix = prefixes[random.int(prefixes.length)]!;
    const length = 8 + random.int(8);
    out.push(Array.from({ length }, () => `${prefix}${random.int(10)}`));
  }
  return out;
}

const sentences = clusterLines(1, 300, ['a', 'b']);
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, `${sentences.map((s) => s.join(' ')).join('\n')}\n`);
const tokens = sentences.reduce((n, s) => n + s.length, 0);
const newCorpus = join(dir, 'new.txt');
writeFileSync(
  newCorpus,
  `${clusterLines(2, 300, ['b', 'c'])
    .map((s) => s.join(' '))
    .join('\n')}\n`,
);

const fast = [
  '--prep',
  'none',
  '--dim',
  '12',
  '--window',
  '3',
  '--min-count',
  '1',
  '--threads',
  '1',
  '--quiet',
];

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, 'train', ...args], { encoding: 'utf8' });
}

describe('verbo train', () => {
  it('--json prints exactly {words, epochs, seconds, wordsPerSecond, vocabSize, loss} and writes a loadable model', async () => {
    const out = join(dir, 'model');
    const log = join(dir, 'events.jsonl');
    const result = run([corpus, '--out', out, ...fast, '--epochs', '2', '--json', '--log-json', log]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual([
      'words',
      'epochs',
      'seconds',
      'wordsPerSecond',
      'vocabSize',
      'loss',
    ]);
    expect(output.words).toBe(2 * tokens);
    expect(output.epochs).toBe(2);
    expect(output.vocabSize).toBe(20);
    expect(output.loss).toHaveLength(2);
    expect(output.wordsPerSecond).toBeCloseTo(output.words / output.seconds, 3);

    const model = await loadModel(out);
    expect(model.vectors.size).toBe(20);
    expect(model.vectors.dim).toBe(12);
    expect(model.config.epochsDone).toBe(2);
    expect(model.history).toHaveLength(2);
    expect(existsSync(join(checkpointDir(out), 'state.json'))).toBe(true);

    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const types = events.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('vocab');
    expect(types).toContain('start');
    expect(types.filter((t: string) => t === 'epoch-end')).toHaveLength(2);
    expect(events.find((e: { type: string }) => e.type === 'start').memory.weightBytes).toBe(20 * 12 * 4 * 2);
  });

  it('--resume continues an interrupted run from its last checkpoint', async () => {
    const out = join(dir, 'resumed');
    const controller = new AbortController();
    // An interrupted 3-epoch run: stopped after epoch 1, its checkpoint left in OUT.partial/checkpoint.
    await expect(
      trainWord2Vec(
        sentences,
        {
          dim: 12,
          window: 3,
          minCount: 1,
          threads: 1,
          epochs: 3,
          checkpointDir: partialCheckpointDir(out),
          signal: controller.signal,
        },
        { onProgress: (e) => e.type === 'epoch-end' && controller.abort() },
      ),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    const result = run([corpus, '--out', out, '--resume', out, ...fast, '--json']);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.epochs).toBe(3);
    expect(output.loss).toHaveLength(3);
    expect(output.words).toBe(2 * tokens); // only epochs 2 and 3 ran
    const model = await loadModel(out);
    expect(model.config.epochsDone).toBe(3);
    expect(model.history).toHaveLength(3);
  });

  it('--update trains a finished model further on new text, adding its words', async () => {
    const first = join(dir, 'model');
    const out = join(dir, 'updated');
    const result = run([newCorpus, '--out', out, '--update', first, ...fast, '--epochs', '1', '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).vocabSize).toBe(30);
    const model = await loadModel(out);
    expect(model.vectors.words.slice(20).every((w) => w.startsWith('c'))).toBe(true);
  });

  it.each([
    ['a missing input file', [join(dir, 'nope.txt'), '--out', join(dir, 'x')], /nope\.txt/],
    ['--dim 0', [corpus, '--out', join(dir, 'x'), '--dim', '0'], /--dim|expected a whole number/],
    ['--negative 0 without --hs', [corpus, '--out', join(dir, 'x'), '--negative', '0'], /--hs/],
    ['--model glove', [corpus, '--out', join(dir, 'x'), '--model', 'glove'], /skipgram, cbow/],
    ['no --out', [corpus], /--out/],
    [
      '--resume from a folder without a checkpoint',
      [corpus, '--out', join(dir, 'x'), '--resume', dir],
      /no training checkpoint/,
    ],
  ])('%s exits 1 with one line on stderr', (_name, args, pattern) => {
    const result = run(args as string[]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(pattern as RegExp);
  });

  it('a diverging run (--alpha 5) exits 1 in one line and leaves the earlier model in DIR intact', () => {
    const out = join(dir, 'model');
    const before = readFileSync(join(out, 'vectors.bin'));
    const result = run([corpus, '--out', out, ...fast, '--alpha', '5', '--epochs', '2']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^verbo: training diverged in epoch 1 of 2: .*lower the learning rate \(alpha 5\)/,
    );
    expect(result.stderr).toMatch(/model was left as it was/);
    expect(readFileSync(join(out, 'vectors.bin')).equals(before)).toBe(true);
  });

  it('--resume refuses another corpus or other settings, naming what differs', async () => {
    const out = join(dir, 'resume-checked');
    const controller = new AbortController();
    await expect(
      trainWord2Vec(
        sentences,
        {
          dim: 12,
          window: 3,
          minCount: 1,
          threads: 1,
          epochs: 3,
          checkpointDir: partialCheckpointDir(out),
          signal: controller.signal,
        },
        { onProgress: (e) => e.type === 'epoch-end' && controller.abort() },
      ),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    const otherCorpus = run([newCorpus, '--out', out, '--resume', out, ...fast]);
    expect(otherCorpus.status).toBe(1);
    expect(otherCorpus.stderr).toMatch(
      /^verbo: resume: the corpus is not the one the checkpoint was trained on/,
    );
    const otherDim = run([corpus, '--out', out, '--resume', out, ...fast, '--dim', '30', '--epochs', '9']);
    expect(otherDim.status).toBe(1);
    expect(otherDim.stderr).toMatch(/dim 30 \(the checkpoint has 12\), epochs 9 \(the checkpoint has 3\)/);
    // Both refusals kept the interrupted run's checkpoint: it still resumes.
    expect(run([corpus, '--out', out, '--resume', out, ...fast, '--json']).status).toBe(0);
    expect((await loadModel(out)).config.epochsDone).toBe(3);
  });

  it('refuses an --out that holds another kind of model, or files that are no model', () => {
    const lm = join(dir, 'an-lm');
    mkdirSync(lm);
    writeFileSync(join(lm, 'config.json'), JSON.stringify({ format: 'verbo-lm', version: 1 }));
    writeFileSync(join(lm, 'weights.bin'), 'precious');
    const overLm = run([corpus, '--out', lm, ...fast]);
    expect(overLm.status).toBe(1);
    expect(overLm.stderr).toMatch(
      /an-lm holds a language model \(verbo lm train\); writing a word2vec model \(verbo train\) there would destroy it/,
    );
    expect(readFileSync(join(lm, 'weights.bin'), 'utf8')).toBe('precious');
    const photos = join(dir, 'photos');
    mkdirSync(photos);
    writeFileSync(join(photos, 'cat.jpg'), 'meow');
    const overPhotos = run([corpus, '--out', photos, ...fast]);
    expect(overPhotos.status).toBe(1);
    expect(overPhotos.stderr).toMatch(/photos is not empty \('cat\.jpg'\) and holds no word2vec model/);
    expect(readdirSync(photos)).toEqual(['cat.jpg']);
  });

  it('a failed run leaves the earlier model in DIR intact', () => {
    const out = join(dir, 'model');
    const before = readFileSync(join(out, 'vectors.bin'));
    const result = run([corpus, '--out', out, ...fast, '--min-count', '100000']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/lower --min-count/);
    expect(readFileSync(join(out, 'vectors.bin')).equals(before)).toBe(true);
  });
});
