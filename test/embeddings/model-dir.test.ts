// The model directory: save → load round trip, atomic replacement (a failed save leaves the previous
// model intact), bare word2vec files, and refusal of inconsistent directories.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyedVectors, loadModel, saveModel, writeWord2Vec } from '../../src/embeddings/index.js';
import { FormatError, VerboError } from '../../src/util/errors.js';

const root = mkdtempSync(join(tmpdir(), 'verbo-model-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const words = ['the', 'ação', '東京'];
const matrix = Float32Array.from([0.5, -1, 2, 0.25, 1e-3, -7]);
const counts = Float64Array.from([100, 7, 5]);
const vectors = new KeyedVectors(words, matrix, 2, counts);

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
  );
}

describe('model directory', () => {
  it('round-trips vectors, counts, config and history', async () => {
    const dir = join(root, 'm1');
    await saveModel(dir, {
      vectors,
      config: { model: 'skipgram', window: 5 },
      history: [{ epoch: 1, loss: 2.5 }],
    });
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'history.json', 'vectors.bin', 'vocab.txt']);
    expect(readFileSync(join(dir, 'vocab.txt'), 'utf8')).toBe('the 100\nação 7\n東京 5\n');
    const loaded = await loadModel(dir);
    expect(loaded.vectors.words).toEqual(words);
    expect(Array.from(loaded.vectors.vectors)).toEqual(Array.from(matrix));
    expect(Array.from(loaded.vectors.counts!)).toEqual(Array.from(counts));
    expect(loaded.config).toMatchObject({
      format: 'verbo-word2vec',
      version: 2,
      model: 'skipgram',
      window: 5,
      dim: 2,
      vocabSize: 3,
    });
    const manifest = Object.fromEntries(
      ['history.json', 'vectors.bin', 'vocab.txt'].map((name) => {
        const bytes = readFileSync(join(dir, name));
        return [name, { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }];
      }),
    );
    expect(loaded.config.files).toEqual(manifest);
    expect(loaded.history).toEqual([{ epoch: 1, loss: 2.5 }]);
  });

  it('a failed save leaves the previous model intact and no temporary files', async () => {
    const dir = join(root, 'm2');
    await saveModel(dir, { vectors, config: { run: 1 } });
    const before = snapshot(dir);
    const unwritable = new KeyedVectors(
      ['fine', 'two words'],
      new Float32Array(4),
      2,
      Float64Array.from([2, 1]),
    );
    await expect(saveModel(dir, { vectors: unwritable, config: { run: 2 } })).rejects.toThrow(VerboError);
    expect(snapshot(dir)).toEqual(before);
    expect((await loadModel(dir)).config.run).toBe(1);
  });

  it('without counts writes no vocab.txt (and removes a stale one)', async () => {
    const dir = join(root, 'm3');
    await saveModel(dir, { vectors, config: {} });
    await saveModel(dir, { vectors: new KeyedVectors(words, matrix, 2), config: {} });
    expect(existsSync(join(dir, 'vocab.txt'))).toBe(false);
    expect((await loadModel(dir)).vectors.counts).toBeUndefined();
  });

  it('loads bare word2vec files, telling binary from text by content', async () => {
    for (const [name, format] of [
      ['v.bin', 'binary'],
      ['v.txt', 'text'],
      ['binary-named.txt', 'binary'],
    ] as const) {
      const path = join(root, name);
      await writeWord2Vec(path, vectors, { format });
      const loaded = await loadModel(path);
      expect(loaded.vectors.words).toEqual(words);
      expect(Array.from(loaded.vectors.vectors)).toEqual(Array.from(matrix));
      expect(loaded.config.format).toBe(format === 'binary' ? 'word2vec-binary' : 'word2vec-text');
    }
  });

  it('refuses missing paths and inconsistent directories with clear errors', async () => {
    await expect(loadModel(join(root, 'nope'))).rejects.toThrow(/model not found: .*nope/);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expect(loadModel(empty)).rejects.toThrow(/not a verbo model directory \(no config.json\)/);

    const dir = join(root, 'm4');
    await saveModel(dir, { vectors, config: {} });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, version: 99 }));
    await expect(loadModel(dir)).rejects.toThrow(/model format version 99 is not supported/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, files: undefined }));
    await expect(loadModel(dir)).rejects.toThrow(/the manifest \("files"\) is missing/);
    // A data file of another model (or a save interrupted between renames): refused, naming it.
    const other = join(root, 'm5');
    await saveModel(other, { vectors: new KeyedVectors(['x'], Float32Array.from([1, 2]), 2), config: {} });
    writeFileSync(join(other, 'vectors.bin'), readFileSync(join(dir, 'vectors.bin')));
    await expect(loadModel(other)).rejects.toThrow(
      /m5\/vectors\.bin: \d+ bytes, but the model's config\.json records \d+: the file was changed, truncated or comes from another model/,
    );
    // A version-1 folder (sizes only, or nothing): the vocabulary check itself catches a mismatch.
    delete config.files;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, version: 1 }));
    writeFileSync(join(dir, 'vocab.txt'), 'the 100\nacao 7\n東京 5\n');
    const error = await loadModel(dir).catch((e) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/line 2 names 'acao' but row 2 of the vectors is 'ação'/);
  });
});
