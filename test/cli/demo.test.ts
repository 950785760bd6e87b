// `verbo demo --quick`: the whole flow end to end with tiny settings (runs the built CLI: dist/,
// rebuilt by test/global-setup.ts when src is newer). Checks what it writes (models that load and answer as printed), the JSON summary, the text
// output's closing hint, and a bad flag.
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
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/embeddings/index.js';
import { loadLanguageModel } from '../../src/seq/index.js';
import { packagePath } from '../../src/util/paths.js';
import { loadWebApp, readProgress } from '../../src/web/index.js';
import { checkWellFormed } from '../web/xml.js';

const cli = packagePath('dist', 'cli', 'main.js');
const run = (args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('verbo demo --quick', () => {
  it('writes word vectors, a language model, plots and a report, and its JSON matches them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verbo-demo-'));
    const out = join(dir, 'demo');
    const result = run(['demo', '--quick', '--out', out, '--json', '--quiet']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(Object.keys(summary)).toEqual(['out', 'seconds', 'word2vec', 'lm']);
    for (const file of [
      'w2v/vectors.bin',
      'w2v/config.json',
      'w2v/history.json',
      'lm/config.json',
      'lm/weights.bin',
      'lm/history.json',
      'w2v/progress.json',
      'lm/progress.json',
      'plots/lm-perplexity.svg',
      'valid.txt',
      'plots/map.svg',
      'plots/loss.svg',
      'report.html',
    ]) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    // No staging folder is left behind.
    expect(readdirSync(dir)).toEqual(['demo']);

    const { vectors, history } = await loadModel(join(out, 'w2v'));
    expect(vectors.size).toBe(summary.word2vec.words);
    expect(history.map((record) => (record as { loss: number }).loss)).toEqual(summary.word2vec.loss);
    for (const entry of summary.word2vec.neighbors) {
      const expected = vectors.mostSimilar({ positive: [entry.word], topN: 5 });
      expect(entry.neighbors.map((n: { word: string }) => n.word)).toEqual(expected.map((n) => n.word));
    }
    const lm = loadLanguageModel(join(out, 'lm'));
    expect(lm.vocab.size).toBe(summary.lm.vocabulary);
    expect(summary.lm.predictions.length).toBeGreaterThan(0);
    for (const { prompt, next } of summary.lm.predictions) {
      const direct = lm.predict(prompt, { topK: 5 }).next;
      expect(next.map((n: { word: string }) => n.word)).toEqual(direct.map((n) => n.word));
      expect(next.map((n: { probability: number }) => n.probability)).toBeAllClose(
        direct.map((n) => n.probability),
        { rtol: 1e-5 },
      );
    }
    expect(Number.isFinite(summary.lm.validPerplexity)).toBe(true);
    const lmHistory = JSON.parse(readFileSync(join(out, 'lm', 'history.json'), 'utf8'));
    expect(lmHistory[0].validPerplexity).toBeCloseTo(summary.lm.validPerplexity, 6);
    // The finer curves: words / tokens increase, values are finite; the server reads them back.
    for (const name of ['w2v', 'lm']) {
      const curve = readProgress(join(out, name));
      expect(curve.length).toBeGreaterThan(0);
      for (let i = 1; i < curve.length; i++) expect(curve[i]![0]).toBeGreaterThanOrEqual(curve[i - 1]![0]);
    }
    const app = await loadWebApp({ model: join(out, 'w2v'), lm: join(out, 'lm') });
    expect(app.progress.lm).toEqual(readProgress(join(out, 'lm')));
    expect(app.lmHistory).toEqual(lmHistory);
    expect(checkWellFormed(readFileSync(join(out, 'plots', 'map.svg'), 'utf8'))).toEqual([]);
    expect(checkWellFormed(readFileSync(join(out, 'report.html'), 'utf8'), { html: true })).toEqual([]);
  }, 120_000);

  it('prints the steps and ends with how to serve the result; runs again over its own folder only', () => {
    const parent = mkdtempSync(join(tmpdir(), 'verbo-demo-'));
    const out = join(parent, 'demo');
    const result = run(['demo', '--quick', '--out', out, '--quiet']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('1. word2vec');
    expect(result.stdout).toContain('2. next-word language model (LSTM)');
    expect(result.stdout).toMatch(/generated: "the king /);
    expect(result.stdout).toContain(`verbo serve --model ${join(out, 'w2v')} --lm ${join(out, 'lm')}`);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).format).toBe('verbo-demo');

    // --out a folder holding anything else: refused at once, nothing deleted.
    const photos = join(parent, 'photos');
    mkdirSync(photos);
    writeFileSync(join(photos, 'cat.jpg'), 'meow');
    const refused = run(['demo', '--quick', '--out', photos, '--quiet']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/photos is not empty \('cat\.jpg'\) and holds no demo folder/);
    expect(readdirSync(photos)).toEqual(['cat.jpg']);
    expect(readdirSync(parent).sort()).toEqual(['demo', 'photos']);

    // An earlier demo (written before config.json named the folder's kind) is replaced.
    rmSync(join(out, 'config.json'));
    writeFileSync(join(out, 'notes.txt'), 'mine');
    expect(run(['demo', '--quick', '--out', out, '--quiet', '--json']).status).toBe(0);
    expect(existsSync(join(out, 'notes.txt'))).toBe(false);
    expect(readdirSync(parent).sort()).toEqual(['demo', 'photos']);
  }, 240_000);

  it('--lang pt writes models/demo-pt/ and leaves the English models/demo/ alone', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'verbo-demo-cwd-'));
    const english = join(cwd, 'models', 'demo');
    mkdirSync(english, { recursive: true });
    writeFileSync(join(english, 'marker.txt'), 'the English demo\n');
    const result = spawnSync(
      process.execPath,
      [cli, 'demo', '--quick', '--lang', 'pt', '--quiet', '--json'],
      {
        cwd,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).out).toBe(join('models', 'demo-pt'));
    expect(readdirSync(join(cwd, 'models')).sort()).toEqual(['demo', 'demo-pt']);
    expect(readdirSync(english)).toEqual(['marker.txt']);
    expect(existsSync(join(cwd, 'models', 'demo-pt', 'w2v', 'vectors.bin'))).toBe(true);
    expect(existsSync(join(cwd, 'models', 'demo-pt', 'lm', 'weights.bin'))).toBe(true);
  }, 120_000);

  it('rejects a bad --lang in one line', () => {
    const result = run(['demo', '--lang', 'xx']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("expected one of en, pt, got 'xx'");
  });
});
