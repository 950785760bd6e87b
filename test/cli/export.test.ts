// `verbo export`: both formats byte-equal to the library writer (and so to gensim-loadable files), bad flags.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyedVectors, readWord2Vec, saveModel, writeWord2Vec } from '../../src/embeddings/index.js';
import { packagePath } from '../../src/util/paths.js';

const cli = packagePath('dist', 'cli', 'main.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'verbo-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verbo export', () => {
  it('writes word2vec binary and text from a model directory', async () => {
    const vectors = new KeyedVectors(
      ['a', 'ação', '東京'],
      Float32Array.from([1, -0.5, 0.1, 2, 1e-8, -3]),
      2,
    );
    const modelDir = join(dir, 'model');
    await saveModel(modelDir, { vectors, config: {}, vocabularyCounts: [3, 2, 1] });
    for (const [flag, format] of [
      ['word2vec-bin', 'binary'],
      ['word2vec-txt', 'text'],
    ] as const) {
      const out = join(dir, `out-${format}`);
      const result = run(['export', modelDir, '--format', flag, '--out', out]);
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/wrote 3 vectors of dimension 2/);
      const expectedPath = join(dir, `expected-${format}`);
      await writeWord2Vec(expectedPath, vectors, { format });
      expect(Buffer.compare(readFileSync(out), readFileSync(expectedPath))).toBe(0);
      const back = await readWord2Vec(out);
      expect(back.format).toBe(format);
      expect(Array.from(back.vectors.vectors)).toEqual(Array.from(vectors.vectors));
    }
  });

  it('requires --format and --out with valid values', () => {
    const model = packagePath('test', 'golden', 'w2v', 'gensim.bin');
    for (const args of [
      ['export', model, '--out', join(dir, 'x')],
      ['export', model, '--format', 'word2vec-bin'],
      ['export', model, '--format', 'glove', '--out', join(dir, 'x')],
    ]) {
      const result = run(args);
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^verbo: /);
    }
  });
});
