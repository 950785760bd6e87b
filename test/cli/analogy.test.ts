// `verbo analogy`: --json shape and values against KeyedVectors.analogy, unknown words, bad flags.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readWord2Vec } from '../../src/embeddings/index.js';
import { packagePath } from '../../src/util/paths.js';

const cli = packagePath('dist', 'cli', 'main.js');
const model = packagePath('test', 'golden', 'w2v', 'gensim.txt');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('verbo analogy', () => {
  it('--json prints {"neighbors": [{"word", "similarity"}], "builtFromNgrams": []} (a is to b as c is to ?)', async () => {
    const result = run(['analogy', model, 'paris', 'paris_s', 'rome', '--top', '4', '--json']);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual(['neighbors', 'builtFromNgrams']);
    expect(output.builtFromNgrams).toEqual([]);
    const { vectors } = await readWord2Vec(model);
    const expected = vectors.analogy('paris', 'paris_s', 'rome', 4);
    expect(output.neighbors.map((n: { word: string }) => n.word)).toEqual(expected.map((n) => n.word));
    expect(output.neighbors[0].word).toBe('rome_s');
  });

  it('prints the question and the answers as text', () => {
    const result = run(['analogy', model, 'paris', 'paris_s', 'rome']);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('paris : paris_s :: rome : ?');
    expect(lines).toHaveLength(6);
  });

  it('unknown word and missing argument: one line, exit 1', () => {
    const unknown = run(['analogy', model, 'paris', 'paris_s', 'romee', '--json']);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^verbo: word 'romee' is not in the vocabulary\. Did you mean: rome/);
    const missing = run(['analogy', model, 'paris', 'paris_s']);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
