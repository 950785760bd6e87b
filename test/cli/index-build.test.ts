// `verbo index build` and `verbo similar --index hnsw|exact --min-count --match` on a tiny model directory
// saved in the test from seeded, well-separated clusters: the HNSW answers equal the exact ones, the
// index files are written once and reused, rebuilt (one line on stderr) when the vectors change; the
// --json shape of `index build`; bad input gives one line and exit 1. Runs the built CLI (dist/,
// rebuilt by test/global-setup.ts when src is newer).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedVectors, saveModel, writeWord2Vec } from '../../src/embeddings/index.js';
import { packagePath } from '../../src/util/paths.js';
import { gaussianMixture } from '../search/helpers.js';

const cli = packagePath('dist', 'cli', 'main.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

const root = mkdtempSync(join(tmpdir(), 'verbo-index-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dim = 16;
const size = 600;
const words = Array.from({ length: size }, (_, i) => `w${i}`);
const counts = Float64Array.from(words, (_, i) => size - i);
const matrix = gaussianMixture(size, dim, 12, 0.05, 31);
const probes = ['w0', 'w1', 'w123', 'w599'];

type Output = { results: { word: string; neighbors: { word: string; similarity: number }[] }[] };

function similarJson(model: string, extra: string[]): { output: Output; stderr: string } {
  const result = run(['similar', model, ...probes, '--top', '8', '--json', ...extra]);
  expect(result.stderr).not.toMatch(/verbo: /);
  expect(result.status).toBe(0);
  expect(result.stdout.trim().split('\n')).toHaveLength(1);
  return { output: JSON.parse(result.stdout), stderr: result.stderr };
}

async function saveVectors(dir: string, values: Float32Array): Promise<void> {
  await saveModel(dir, { vectors: new KeyedVectors(words, values, dim, counts), config: {} });
}

describe('verbo similar --index', () => {
  const dir = join(root, 'model');
  const graph = join(dir, 'index.hnsw');
  beforeAll(() => saveVectors(dir, matrix));

  it('hnsw builds the index beside the model once (one line on stderr), then reuses it; answers as exact', async () => {
    const exact = similarJson(dir, ['--index', 'exact']);
    expect(exact.stderr).toBe('');
    expect(existsSync(graph)).toBe(false);

    const first = similarJson(dir, ['--index', 'hnsw']);
    expect(first.stderr.trim().split('\n')).toHaveLength(1);
    expect(first.stderr).toMatch(/^no HNSW index at .*index\.hnsw; building one for 600 words/);
    expect(first.output).toEqual(exact.output);
    expect(existsSync(graph) && existsSync(`${graph}.json`)).toBe(true);
    const written = statSync(graph).mtimeMs;

    const again = similarJson(dir, ['--index', 'hnsw']);
    expect(again.stderr).toBe('');
    expect(again.output).toEqual(exact.output);
    expect(statSync(graph).mtimeMs).toBe(written);

    // the model is saved again with other vectors: the new folder has no index yet, one is built
    const changed = matrix.slice();
    changed.set(matrix.subarray(0, dim), 300 * dim); // w300 becomes a copy of w0
    await saveVectors(dir, changed);
    const stale = similarJson(dir, ['--index', 'hnsw']);
    expect(stale.stderr.trim().split('\n')).toHaveLength(1);
    expect(stale.stderr).toMatch(/no HNSW index at .*building one/);
    expect(stale.output.results[0]!.neighbors[0]!.word).toBe('w300');
    expect(similarJson(dir, ['--index', 'hnsw']).stderr).toBe('');
    await saveVectors(dir, matrix);
  });

  it('--min-count and --match keep only the words that pass, with either index', () => {
    for (const index of ['exact', 'hnsw']) {
      const { output } = similarJson(dir, ['--index', index, '--min-count', '400', '--match', '[13579]$']);
      for (const { neighbors } of output.results) {
        expect(neighbors.length).toBeGreaterThan(0);
        for (const n of neighbors) {
          expect(size - Number(n.word.slice(1))).toBeGreaterThanOrEqual(400);
          expect(n.word).toMatch(/[13579]$/);
        }
      }
    }
  });

  it('hnsw on a bare .bin file builds in memory (one line on stderr) and writes nothing beside it', async () => {
    const bare = join(root, 'bare');
    mkdirSync(bare, { recursive: true });
    const file = join(bare, 'vectors.bin');
    await writeWord2Vec(file, new KeyedVectors(words, matrix, dim), { format: 'binary' });
    const exact = similarJson(file, []);
    const { output, stderr } = similarJson(file, ['--index', 'hnsw']);
    expect(stderr).toMatch(/^building an HNSW index in memory for 600 words[^\n]*\n$/);
    expect(output).toEqual(exact.output);
    expect(readdirSync(bare)).toEqual(['vectors.bin']);
  });

  it('bad filters: one line, exit 1', async () => {
    const file = join(root, 'bare', 'vectors.bin');
    for (const [args, message] of [
      [['similar', dir, 'w1', '--match', '('], /match is not a valid regular expression/],
      [['similar', dir, 'w1', '--min-count', 'x'], /expected a whole number/],
      [['similar', dir, 'w1', '--min-count', '-1'], /expected a whole number from 0/],
      [['similar', file, 'w1', '--min-count', '3'], /minCount needs word counts/],
      [['similar', dir, 'w1', 'nope', '--index', 'hnsw'], /'nope' is not in the vocabulary/],
    ] as const) {
      const result = run([...args]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });
});

describe('verbo index build', () => {
  const dir = join(root, 'build-model');
  beforeAll(() => saveVectors(dir, matrix));

  it('--json prints {size, seconds, m, efConstruction, ef, recall, suggestedEf} and saves the index', () => {
    const result = run([
      'index',
      'build',
      dir,
      '--m',
      '12',
      '--ef-construction',
      '80',
      '--ef',
      '40',
      '--json',
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const output = JSON.parse(result.stdout);
    for (const key of ['size', 'seconds', 'm', 'efConstruction', 'ef', 'recall', 'suggestedEf'])
      expect(output).toHaveProperty(key);
    expect(output).toMatchObject({ size, m: 12, efConstruction: 80, ef: 40 });
    expect(output.seconds).toBeGreaterThan(0);
    // well-separated clusters of 50 words: HNSW finds the exact neighbours
    expect(output.recall).toBeGreaterThanOrEqual(0.95);
    expect(output.recall).toBeLessThanOrEqual(1);
    expect(Number.isInteger(output.suggestedEf)).toBe(true);
    expect(existsSync(join(dir, 'index.hnsw')) && existsSync(join(dir, 'index.hnsw.json'))).toBe(true);
    // `similar --index hnsw` now uses it without a word on stderr
    expect(similarJson(dir, ['--index', 'hnsw']).stderr).toBe('');
  });

  it('prints build seconds, recall and the suggested ef as text without --json', () => {
    const result = run(['index', 'build', dir]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^built an HNSW index over 600 words in \d+\.\d\d s \(M 16, efConstruction 200, ef 100\)/,
    );
    expect(lines[1]).toMatch(/^recall@10 at ef 100: [01]\.\d{3} \(200 sampled words/);
    expect(lines[2]).toMatch(/^suggested ef for recall@10 ≥ 0.95: \d+$/);
  });

  it('bad input: one line on stderr, exit 1, nothing written', () => {
    const bare = join(root, 'bare-build');
    mkdirSync(bare, { recursive: true });
    const before = statSync(join(dir, 'index.hnsw')).mtimeMs;
    for (const [args, message] of [
      [['index', 'build', join(root, 'no-such-model')], /model not found/],
      [['index', 'build', bare], /not a verbo model directory/],
      [['index', 'build', join(dir, 'vectors.bin')], /is a vector file, not a model directory/],
      [['index', 'build', dir, '--m', 'x'], /--m.*expected a whole number/],
      [['index', 'build', dir, '--m', '1'], /expected a whole number from 2/],
      [['index', 'build', dir, '--ef-construction', '0'], /--ef-construction.*from 1/],
      [['index', 'build', dir, '--ef', '2.5'], /--ef .*expected a whole number/],
      [['index', 'build'], /missing required argument/],
    ] as const) {
      const result = run([...args]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^verbo: /);
      expect(result.stderr).toMatch(message);
    }
    expect(readdirSync(bare)).toEqual([]);
    expect(statSync(join(dir, 'index.hnsw')).mtimeMs).toBe(before);
  });
});
