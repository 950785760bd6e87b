// `verbo similar`: --json shape, values against KeyedVectors, text output, unknown words and bad flags.
// Runs the built CLI (dist/, which test/global-setup.ts rebuilds when src is newer).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readWord2Vec } from '../../src/embeddings/index.js';
import { packagePath } from '../../src/util/paths.js';

const cli = packagePath('dist', 'cli', 'main.js');
const model = packagePath('test', 'golden', 'w2v', 'gensim.bin');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const runAnalogy = run;

describe('verbo similar', () => {
  it('--json prints {"results": [{"word", "neighbors": [{"word", "similarity"}]}]} matching the library', async () => {
    const result = run(['similar', model, 'paris', '東京', '--top', '3', '--json']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual(['results']);
    const { vectors } = await readWord2Vec(model);
    for (const [i, word] of ['paris', '東京'].entries()) {
      const entry = output.results[i];
      expect(entry.word).toBe(word);
      const expected = vectors.mostSimilar({ positive: [word], topN: 3 });
      expect(entry.neighbors.map((n: { word: string }) => n.word)).toEqual(expected.map((n) => n.word));
      expect(entry.neighbors.map((n: { similarity: number }) => n.similarity)).toBeAllClose(
        expected.map((n) => n.similarity),
        { atol: 1e-6 },
      );
      for (const neighbor of entry.neighbors) expect(Object.keys(neighbor)).toEqual(['word', 'similarity']);
    }
  });

  it('prints aligned text without --json', () => {
    const result = run(['similar', model, 'rome', '--top', '2']);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('rome');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^ {2}\S+\s+-?\d\.\d{4}$/);
  });

  it('a word found only in another case is used in the vocabulary’s case, with a note', async () => {
    // Rome and ITALY are not in the vocabulary; rome and italy are. PARIS is, and is used as asked.
    const result = run(['similar', model, 'Rome', 'ITALY', 'PARIS', '--top', '2', '--json']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(
      "verbo: note: 'Rome' is not in the vocabulary; using 'rome'.\n" +
        "verbo: note: 'ITALY' is not in the vocabulary; using 'italy'.\n",
    );
    const { vectors } = await readWord2Vec(model);
    const { results } = JSON.parse(result.stdout);
    expect(results.map((r: { word: string }) => r.word)).toEqual(['rome', 'italy', 'PARIS']);
    expect(results[0].neighbors.map((n: { word: string }) => n.word)).toEqual(
      vectors.mostSimilar({ positive: ['rome'], topN: 2 }).map((n) => n.word),
    );
    const analogy = runAnalogy(['analogy', model, 'France', 'paris', 'Italy', '--json']);
    expect(analogy.status).toBe(0);
    expect(analogy.stderr).toContain("'France' is not in the vocabulary; using 'france'.");
    expect(JSON.parse(analogy.stdout).neighbors.map((n: { word: string }) => n.word)).toEqual(
      vectors.analogy('france', 'paris', 'italy', 5).map((n) => n.word),
    );
  });

  it('an unknown word: one line on stderr naming it with suggestions, exit 1, nothing on stdout', () => {
    const result = run(['similar', model, 'paris', 'pariss', '--json']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "verbo: word 'pariss' is not in the vocabulary. Did you mean: paris, paris_s, PARIS, PARIS_s, paris_x?\n",
    );
  });

  it('refuses bad flags and a missing model with one line and exit 1', () => {
    for (const args of [
      ['similar', model, 'paris', '--top', 'x'],
      ['similar', model, 'paris', '--top', '0'],
      ['similar', model, 'paris', '--index', 'faiss'],
      ['similar', packagePath('test', 'golden', 'w2v', 'no-such-model'), 'paris'],
      ['similar', packagePath('test', 'golden', 'w2v', 'pairs.tsv'), 'paris'],
    ]) {
      const result = run(args);
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^verbo: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
