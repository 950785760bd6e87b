// `verbo plot`: the SVG files parse, the map has one circle per requested word, the loss curve carries
// the history's values. Runs the built CLI (dist/, rebuilt by test/global-setup.ts when src is newer).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/embeddings/index.js';
import { packagePath } from '../../src/util/paths.js';
import { structuredVectors } from '../web/helpers.js';
import { checkWellFormed } from '../web/xml.js';

const cli = packagePath('dist', 'cli', 'main.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const history = [
  { epoch: 1, loss: 3.25, seconds: 1, wordsPerSecond: 1000, alpha: 0.02 },
  { epoch: 2, loss: 2.5, seconds: 1, wordsPerSecond: 1000, alpha: 0.01 },
  { epoch: 3, loss: 2.125, seconds: 1, wordsPerSecond: 1000, alpha: 0.001 },
];
let model: string;

beforeAll(async () => {
  model = join(mkdtempSync(join(tmpdir(), 'verbo-plot-')), 'model');
  await saveModel(model, { vectors: structuredVectors(), config: { lang: 'en' }, history });
});

describe('verbo plot', () => {
  it('writes map.svg and loss.svg into --out', () => {
    const out = mkdtempSync(join(tmpdir(), 'verbo-plots-'));
    const result = run(['plot', model, '--out', out, '--words', '25', '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.files).toEqual([join(out, 'map.svg'), join(out, 'loss.svg')]);
    expect(summary.words).toBe(25);

    const map = readFileSync(join(out, 'map.svg'), 'utf8');
    expect(checkWellFormed(map)).toEqual([]);
    expect(map.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const titles = [...map.matchAll(/<circle [^>]*><title>([^<]+)<\/title>/g)].map((m) => m[1]);
    expect(titles).toEqual(structuredVectors().words.slice(0, 25));

    const loss = readFileSync(join(out, 'loss.svg'), 'utf8');
    expect(checkWellFormed(loss)).toEqual([]);
    const points = [...loss.matchAll(/data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(points).toEqual(history.map((record) => [record.epoch, record.loss]));
  });

  it('defaults to MODEL/plots and prints the files written', () => {
    const result = run(['plot', model]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      `wrote ${join(model, 'plots', 'map.svg')}\nwrote ${join(model, 'plots', 'loss.svg')}\n`,
    );
  });

  it('--projection umap writes map-umap.svg and leaves the PCA map.svg as it was', () => {
    const out = mkdtempSync(join(tmpdir(), 'verbo-plots-'));
    expect(run(['plot', model, '--out', out, '--words', '20']).status).toBe(0);
    const pca = readFileSync(join(out, 'map.svg'), 'utf8');
    const result = run(['plot', model, '--out', out, '--words', '20', '--projection', 'umap', '--json']);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.method).toBe('umap');
    expect(summary.files).toEqual([join(out, 'map-umap.svg'), join(out, 'loss.svg')]);
    expect(readFileSync(join(out, 'map.svg'), 'utf8')).toBe(pca);
    const umap = readFileSync(join(out, 'map-umap.svg'), 'utf8');
    expect(umap).toContain('UMAP projection');
    expect(checkWellFormed(umap)).toEqual([]);
  });

  it('draws a one-epoch language model as its curve while training, not as two lone dots', () => {
    const lm = mkdtempSync(join(tmpdir(), 'verbo-plot-lm-'));
    const curve = [
      [400, 900],
      [800, 610],
      [1200, 480],
      [1600, 420],
    ];
    writeFileSync(
      join(lm, 'history.json'),
      JSON.stringify([{ epoch: 1, trainPerplexity: 420, validPerplexity: 455, tokens: 1600 }]),
    );
    writeFileSync(join(lm, 'progress.json'), JSON.stringify(curve));
    const out = mkdtempSync(join(tmpdir(), 'verbo-plots-'));
    expect(run(['plot', model, '--out', out, '--lm', lm]).status).toBe(0);
    const svg = readFileSync(join(out, 'lm-perplexity.svg'), 'utf8');
    expect(checkWellFormed(svg)).toEqual([]);
    const train = svg.match(/<path d="([^"]+)"[^>]*data-name="train"/)![1]!;
    expect(train.split(' ')).toHaveLength(curve.length);
    const points = [...svg.matchAll(/data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(points).toEqual([...curve, [1600, 455]]);
    // The lone validation point carries its value.
    expect(svg).toMatch(/class="value">valid 455<\/text>/);
  });

  it('labels the values of a one-epoch history when no curve was recorded', () => {
    const lm = mkdtempSync(join(tmpdir(), 'verbo-plot-lm-'));
    writeFileSync(
      join(lm, 'history.json'),
      JSON.stringify([{ epoch: 1, trainPerplexity: 221.04, validPerplexity: 242.39, tokens: 1600 }]),
    );
    const out = mkdtempSync(join(tmpdir(), 'verbo-plots-'));
    expect(run(['plot', model, '--out', out, '--lm', lm]).status).toBe(0);
    const svg = readFileSync(join(out, 'lm-perplexity.svg'), 'utf8');
    expect([...svg.matchAll(/class="value">([^<]+)</g)].map((m) => m[1])).toEqual([
      'train 221',
      'valid 242.4',
    ]);
  });

  it('fails in one line for a missing model and a bad --words', () => {
    const missing = run(['plot', '/nonexistent/model']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^verbo: model not found: \/nonexistent\/model/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const bad = run(['plot', model, '--words', '1']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('expected a whole number from 2 to 5000, got 1.');
  });
});
