// `verbo eval`: --json shape and counts against the library, default files, bad input.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateAnalogiesFile, evaluateWordPairsFile, readWord2Vec } from '../../src/embeddings/index.js';
import { packagePath, sharedDataPath } from '../../src/util/paths.js';

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

  const defaults = [sharedDataPath('eval', 'questions-words.txt'), sharedDataPath('eval', 'wordsim353.tsv')];
  it.skipIf(!defaults.every(existsSync))('uses the shared evaluation files by default', () => {
    const result = run(['eval', model, '--json']);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output.analogies.sections)).toHaveLength(14);
    expect(output.pairs.pairs + output.pairs.oov).toBe(353);
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
});
