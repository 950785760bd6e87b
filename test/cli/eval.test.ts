// `verbo eval`: --json shape and counts against the library, default files, bad input.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  evaluateAnalogiesFile,
  evaluateWordPairsFile,
  readWord2Vec,
  saveModel,
} from '../../src/embeddings/index.js';
import { packagePath } from '../../src/util/paths.js';

const cli = packagePath('dist', 'cli', 'main.js');
const golden = (name: string) => packagePath('test', 'golden', 'w2v', name);
const model = golden('gensim.bin');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('verbo eval', () => {
  it('--json prints {"analogies": {...}, "pairs": {...}} with the library counts', async () => {
    const result = run([
      'eval',
      model,
      '--analogies',
      golden('analogies.txt'),
      '--pairs',
      golden('pairs.tsv'),
      '--json',
    ]);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    const { vectors } = await readWord2Vec(model);
    const analogies = await evaluateAnalogiesFile(vectors, golden('analogies.txt'));
    const pairs = await evaluateWordPairsFile(vectors, golden('pairs.tsv'));
    expect(output.analogies).toMatchObject({
      correct: analogies.correct,
      total: analogies.total,
      skipped: analogies.skipped,
      sections: {
        capitals: {
          correct: analogies.sections.capitals!.correct,
          total: analogies.sections.capitals!.total,
        },
        mixed: { correct: analogies.sections.mixed!.correct, total: analogies.sections.mixed!.total },
      },
    });
    expect(output.analogies.accuracy).toBeAllClose(analogies.accuracy, { atol: 1e-6 });
    expect(output.pairs).toMatchObject({ pairs: pairs.pairs, oov: pairs.oov });
    expect(output.pairs.spearman).toBeAllClose(pairs.spearman, { atol: 1e-6 });
  });

  it('--restrict-vocab limits the analogy candidates', () => {
    const result = run([
      'eval',
      model,
      '--analogies',
      golden('analogies.txt'),
      '--restrict-vocab',
      '30',
      '--json',
    ]);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.pairs).toBeNull();
    expect(output.analogies.skipped).toBeGreaterThan(1);
  });

  it('uses the Google analogies and WordSim-353 shipped in the package, without ../shared', async () => {
    const result = spawnSync(process.execPath, [cli, 'eval', model, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, VERBO_SHARED_DATA: packagePath('no-shared-data-here') },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.analogies.file).toBe(packagePath('data', 'eval', 'questions-words.txt'));
    expect(output.pairs.file).toBe(packagePath('data', 'eval', 'wordsim353.tsv'));
    expect(Object.keys(output.analogies.sections)).toHaveLength(14);
    expect(output.analogies.total + output.analogies.skipped).toBe(19_544);
    expect(output.pairs.pairs + output.pairs.oov).toBe(353);
    // The golden vectors hold paris/france/rome/italy/…: some capital questions are answerable.
    const { vectors } = await readWord2Vec(model);
    const direct = await evaluateAnalogiesFile(vectors, packagePath('data', 'eval', 'questions-words.txt'));
    expect(output.analogies.total).toBe(direct.total);
    expect(output.analogies.total).toBeGreaterThan(0);
  });

  it('ships the sets unchanged with their licence notices', () => {
    const readme = readFileSync(packagePath('data', 'eval', 'README.md'), 'utf8');
    for (const name of ['questions-words.txt', 'wordsim353.tsv']) {
      const digest = createHash('sha256')
        .update(readFileSync(packagePath('data', 'eval', name)))
        .digest('hex');
      expect(readme).toContain(`| \`${name}\` |`);
      expect(readme).toContain(digest);
    }
    expect(readme).toContain('Apache License 2.0');
    expect(readme).toContain('Creative Commons Attribution 4.0');
    expect(readFileSync(packagePath('data', 'eval', 'LICENSE-Apache-2.0.txt'), 'utf8')).toContain(
      'Apache License\n                           Version 2.0, January 2004',
    );
    expect(JSON.parse(readFileSync(packagePath('package.json'), 'utf8')).files).toContain('data');
  });

  it('a Portuguese model without the shared LX sets asks for a file in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verbo-eval-pt-'));
    const { vectors } = await readWord2Vec(model);
    await saveModel(join(dir, 'pt'), { vectors, config: { lang: 'pt' } });
    const result = spawnSync(process.execPath, [cli, 'eval', join(dir, 'pt')], {
      encoding: 'utf8',
      env: { ...process.env, VERBO_SHARED_DATA: join(dir, 'none') },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^verbo: no Portuguese evaluation files: give --analogies FILE and\/or --pairs FILE \(looked for .*LX-4WAnalogiesBr\.txt.*\)\.\n$/,
    );
    const english = spawnSync(process.execPath, [cli, 'eval', join(dir, 'pt'), '--lang', 'en', '--json'], {
      encoding: 'utf8',
    });
    expect(english.status).toBe(0);
    expect(JSON.parse(english.stdout).pairs.file).toBe(packagePath('data', 'eval', 'wordsim353.tsv'));
  });

  it('prints a per-section table without --json', () => {
    const result = run([
      'eval',
      model,
      '--analogies',
      golden('analogies.txt'),
      '--pairs',
      golden('pairs.tsv'),
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/capitals\s+\d\.\d{4}\s+\d+\/\d+/);
    expect(result.stdout).toMatch(/total\s+\d\.\d{4}/);
    expect(result.stdout).toMatch(/Spearman rho -?\d\.\d{4} over \d+ pairs \(\d+ out of vocabulary\)/);
  });

  it('a missing evaluation file: one line, exit 1', () => {
    const result = run(['eval', model, '--analogies', golden('nope.txt')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^verbo: evaluation file not found: .*nope\.txt\n$/);
  });

  it('a file none of whose lines it can read is refused (not "0 pairs"); unreadable lines are counted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verbo-eval-'));
    const csv = join(dir, 'pairs.csv');
    writeFileSync(csv, 'paris,rome,7.5\nparis,spain,3\n');
    const refused = run(['eval', model, '--pairs', csv]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^verbo: .*pairs\.csv: none of its 2 lines is a word pair "w1<TAB>w2<TAB>score"; is it a word-pair file/,
    );
    const prose = join(dir, 'prose.txt');
    writeFileSync(prose, ': prose\nthis is not\nan analogy file at all, sorry\n');
    expect(run(['eval', model, '--analogies', prose]).stderr).toMatch(
      /none of its 2 question lines is four words/,
    );
    const mixed = join(dir, 'mixed.tsv');
    writeFileSync(mixed, 'paris\trome\t7.5\nparis\tspain\t3\nparis,italy,5\nrome\tspain\t2\n');
    const json = JSON.parse(run(['eval', model, '--pairs', mixed, '--json']).stdout);
    expect(json.pairs).toMatchObject({ pairs: 3, invalid: 1 });
    expect(run(['eval', model, '--pairs', mixed]).stdout).toMatch(
      /over 3 pairs \(0 out of vocabulary, 1 unreadable lines ignored\)/,
    );
  });
});
