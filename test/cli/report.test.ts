// `verbo report`: the HTML parses, holds no external references, and shows numbers computed here
// independently: analogy accuracy per section, Spearman rho, OOV ratios, and for a language model its
// perplexity and top-1 next-word accuracy (from one forward pass over the whole text).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type KeyedVectors, saveModel } from '../../src/embeddings/index.js';
import {
  createLmTokenizer,
  encodeLines,
  type LanguageModel,
  perplexityOfFiles,
  saveLanguageModel,
} from '../../src/seq/index.js';
import { noGrad } from '../../src/tensor/index.js';
import { packagePath } from '../../src/util/paths.js';
import { nextWordAccuracy } from '../../src/web/index.js';
import { LM_LINES, structuredVectors, tinyLanguageModel } from '../web/helpers.js';
import { checkWellFormed } from '../web/xml.js';

const cli = packagePath('dist', 'cli', 'main.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

let dir: string;
let model: string;
let lmDir: string;
let vectors: KeyedVectors;
let lm: LanguageModel;
const analogyFile = () => join(dir, 'analogies.txt');
const pairsFile = () => join(dir, 'pairs.tsv');
const validFile = () => join(dir, 'valid.txt');

/** The value of the element marked data-metric="name". */
function metric(html: string, name: string): string {
  const match = html.match(new RegExp(`data-metric="${name}">([^<]*)<`));
  if (match === null) throw new Error(`no ${name} in the report`);
  return match[1]!;
}

/** Spearman rho without ties: 1 − 6Σd² / (n(n² − 1)). */
function spearmanNoTies(a: number[], b: number[]): number {
  const rank = (values: number[]) => {
    const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
    const ranks = new Array<number>(values.length);
    order.forEach(([, i], r) => {
      ranks[i] = r + 1;
    });
    return ranks;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const d2 = ra.reduce((s, r, i) => s + (r - rb[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

const PAIRS: [string, string, number][] = [
  ['king', 'queen', 8],
  ['apple', 'pear', 9],
  ['red', 'blue', 7],
  ['king', 'apple', 1],
  ['man', 'woman', 6],
  ['pear', 'green', 2],
  ['dragon', 'king', 5],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verbo-report-'));
  vectors = structuredVectors();
  model = join(dir, 'model');
  await saveModel(model, { vectors, config: { lang: 'en' }, history: [{ epoch: 1, loss: 2 }] });
  writeFileSync(
    analogyFile(),
    [
      ': family',
      'man king woman queen',
      'man woman king queen',
      'man king woman unicorn',
      ': fruit',
      'apple pear red green',
      'apple red pear green',
      '',
    ].join('\n'),
  );
  writeFileSync(pairsFile(), `${PAIRS.map((p) => p.join('\t')).join('\n')}\n`);
  lm = await tinyLanguageModel();
  lmDir = join(dir, 'lm');
  saveLanguageModel(lm, lmDir);
  writeFileSync(validFile(), `${[...LM_LINES, 'the cat sat on the rug', 'to be or not'].join('\n')}\n`);
}, 30_000);

describe('verbo report', () => {
  it('reports analogy accuracy per section, rho and OOV ratios as computed here', () => {
    const out = join(dir, 'report.html');
    const result = run(['report', model, '--analogies', analogyFile(), '--pairs', pairsFile(), '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`wrote ${out}\n`);
    const html = readFileSync(out, 'utf8');
    expect(checkWellFormed(html, { html: true })).toEqual([]);
    // Self-contained: nothing loaded from elsewhere.
    expect(html).not.toMatch(/<(link|script|img)\b/);
    expect(html).not.toMatch(/(src|href)="/);

    // Expected answers from the KeyedVectors directly (3CosAdd, top 1).
    const questions: [string, string, string, string, string][] = [
      ['family', 'man', 'king', 'woman', 'queen'],
      ['family', 'man', 'woman', 'king', 'queen'],
      ['fruit', 'apple', 'pear', 'red', 'green'],
      ['fruit', 'apple', 'red', 'pear', 'green'],
    ];
    const correct: Record<string, number> = { family: 0, fruit: 0 };
    for (const [section, a, b, c, d] of questions)
      if (vectors.analogy(a, b, c, 1)[0]!.word === d) correct[section]!++;
    const total = questions.length;
    const allCorrect = correct.family! + correct.fruit!;
    expect(metric(html, 'analogy-accuracy')).toBe(`${((100 * allCorrect) / total).toFixed(2)}%`);
    expect(html).toContain(
      `<td>family</td><td class="n">${correct.family}</td><td class="n">2</td><td class="n">1</td>`,
    );
    expect(html).toContain(
      `<td>fruit</td><td class="n">${correct.fruit}</td><td class="n">2</td><td class="n">0</td>`,
    );
    expect(metric(html, 'analogy-oov')).toBe(`${(100 / 5).toFixed(2)}%`);

    const known = PAIRS.filter(([a, b]) => vectors.has(a) && vectors.has(b));
    const rho = spearmanNoTies(
      known.map(([a, b]) => vectors.similarity(a, b)),
      known.map(([, , score]) => score),
    );
    expect(Number(metric(html, 'spearman'))).toBeCloseTo(rho, 4);
    expect(metric(html, 'pairs-oov')).toBe(`${((100 * 1) / PAIRS.length).toFixed(2)}%`);
    expect(metric(html, 'words')).toBe(String(vectors.size));
  });

  it('measures the language model: perplexity and top-k next-word accuracy', async () => {
    const out = join(dir, 'report-lm.html');
    const result = run([
      'report',
      model,
      '--analogies',
      analogyFile(),
      '--pairs',
      pairsFile(),
      '--lm',
      lmDir,
      '--valid',
      validFile(),
      '--out',
      out,
      '--json',
    ]);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    const html = readFileSync(out, 'utf8');
    expect(checkWellFormed(html, { html: true })).toEqual([]);

    const expected = await perplexityOfFiles(lm, [validFile()]);
    expect(summary.lm.perplexity).toBeCloseTo(expected.perplexity, 3);
    expect(metric(html, 'perplexity')).toBe(expected.perplexity.toFixed(2));

    // Top-1 oracle: one forward pass over the whole stream, argmax per position.
    const tokenize = createLmTokenizer(lm.config);
    async function* lines() {
      yield* readFileSync(validFile(), 'utf8').trimEnd().split('\n');
    }
    const { ids } = await encodeLines(lines(), tokenize, lm.vocab);
    const hits = noGrad(() => {
      const steps = ids.length - 1;
      const { hidden } = lm.forward(ids.subarray(0, steps), steps, 1, lm.initialState(1));
      const logits = lm.logits(hidden).toFloat32Array();
      const vocab = logits.length / steps;
      let count = 0;
      for (let t = 0; t < steps; t++) {
        let best = 0;
        for (let v = 1; v < vocab; v++) if (logits[t * vocab + v]! > logits[t * vocab + best]!) best = v;
        if (best === ids[t + 1]) count++;
      }
      return count / steps;
    });
    expect(summary.lm.topK['1']).toBeCloseTo(hits, 6);
    expect(metric(html, 'top1')).toBe(`${(100 * hits).toFixed(2)}%`);
    expect(summary.lm.topK['1']).toBeLessThanOrEqual(summary.lm.topK['5']);
    expect(summary.lm.topK['5']).toBeLessThanOrEqual(summary.lm.topK['10']);
    // Short windows give the same answer as one long pass (the state is carried).
    expect(nextWordAccuracy(lm, ids, { bptt: 3 }).topK[1]).toBeCloseTo(hits, 6);
  });

  it('draws the finer training curves when the model folders hold progress.json', () => {
    const progress: [number, number][] = [
      [1000, 4.5],
      [2000, 3.25],
      [3000, 2.75],
    ];
    writeFileSync(join(model, 'progress.json'), JSON.stringify(progress));
    const out = join(dir, 'report-progress.html');
    try {
      const result = run([
        'report',
        model,
        '--analogies',
        analogyFile(),
        '--pairs',
        pairsFile(),
        '--out',
        out,
      ]);
      expect(result.status).toBe(0);
    } finally {
      rmSync(join(model, 'progress.json'));
    }
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('word2vec loss during training');
    const marked = [...html.matchAll(/data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(marked).toEqual([[1, 2], ...progress]);
  });

  it('evaluates with the shipped English sets when there is no shared data folder', () => {
    const result = spawnSync(
      process.execPath,
      [cli, 'report', model, '--lang', 'en', '--out', join(dir, 'en.html'), '--json'],
      { encoding: 'utf8', env: { ...process.env, VERBO_SHARED_DATA: join(dir, 'no-shared-data') } },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.analogies.map((a: { file: string }) => a.file)).toEqual([
      packagePath('data', 'eval', 'questions-words.txt'),
    ]);
    expect(summary.pairs.map((p: { file: string }) => p.file)).toEqual([
      packagePath('data', 'eval', 'wordsim353.tsv'),
    ]);
    expect(summary.pairs[0].pairs + summary.pairs[0].oov).toBe(353);
    const html = readFileSync(join(dir, 'en.html'), 'utf8');
    expect(html).not.toContain('No analogy file was available.');
    expect(html).toContain('capital-common-countries');
  });

  it('skips absent shared evaluation files with a note', () => {
    const result = spawnSync(
      process.execPath,
      [cli, 'report', model, '--lang', 'pt', '--out', join(dir, 'pt.html')],
      {
        encoding: 'utf8',
        env: { ...process.env, VERBO_SHARED_DATA: join(dir, 'no-shared-data') },
      },
    );
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('LX-4WAnalogiesBr.txt not found; skipped in the report.');
    const html = readFileSync(join(dir, 'pt.html'), 'utf8');
    expect(html).toContain('No analogy file was available.');
    expect(html).toContain('<html lang="pt">');
  });

  it('needs --lm for --valid', () => {
    const result = run(['report', model, '--valid', validFile()]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'verbo: --valid needs --lm DIR (the validation text measures a language model).\n',
    );
  });
});
