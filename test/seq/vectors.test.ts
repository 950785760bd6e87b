// word2vec vectors into the LM embedding: the text and binary formats (written here byte by byte),
// model directories, coverage counts, freezing, and bad files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EOS,
  initEmbeddingFromVectors,
  LanguageModel,
  readWord2VecFile,
  trainLanguageModel,
  UNK,
} from '../../src/seq/index.js';
import { Vocabulary } from '../../src/vocab/index.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-seq-vectors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entries: [string, number[]][] = [
  ['cat', [0.5, -1, 2]],
  ['dog', [1.25, 0, -0.5]],
  ['fish', [3, 3, 3]],
];

function writeText(path: string): void {
  writeFileSync(path, `3 3\n${entries.map(([w, v]) => `${w} ${v.join(' ')}`).join('\n')}\n`);
}

function writeBinary(path: string): void {
  const parts: Buffer[] = [Buffer.from('3 3\n')];
  for (const [word, values] of entries) {
    const floats = Buffer.alloc(12);
    values.forEach((v, i) => {
      floats.writeFloatLE(v, i * 4);
    });
    parts.push(Buffer.from(`${word} `), floats, Buffer.from('\n'));
  }
  writeFileSync(path, Buffer.concat(parts));
}

describe('word2vec vectors for the embedding', () => {
  it('reads the text and binary formats and a model directory alike', async () => {
    writeText(join(dir, 'v.txt'));
    writeBinary(join(dir, 'v.bin'));
    mkdirSync(join(dir, 'model'), { recursive: true });
    writeBinary(join(dir, 'model', 'vectors.bin'));
    for (const path of [join(dir, 'v.txt'), join(dir, 'v.bin'), join(dir, 'model')]) {
      const vectors = await readWord2VecFile(path);
      expect(vectors.words).toEqual(['cat', 'dog', 'fish']);
      expect(vectors.dim).toBe(3);
      expect(Array.from(vectors.vectors)).toEqual(entries.flatMap(([, v]) => v));
    }
  });

  it('copies covered rows, reports coverage, and a frozen embedding stays put while training', async () => {
    const vocab = new Vocabulary([UNK, EOS, 'dog', 'bird', 'cat'], [0, 5, 3, 2, 1], [UNK, EOS]);
    const model = new LanguageModel(vocab, { embed: 3, hidden: 4, layers: 1, seed: 2 });
    const birdBefore = model.embedding.toFloat32Array().slice(9, 12);
    const coverage = initEmbeddingFromVectors(model, await readWord2VecFile(join(dir, 'v.bin')));
    expect(coverage).toEqual({ covered: 2, total: 3, fraction: 2 / 3, missingExamples: ['bird'] });
    const table = model.embedding.toFloat32Array();
    expect(Array.from(table.slice(6, 9))).toEqual([1.25, 0, -0.5]); // dog, id 2
    expect(Array.from(table.slice(12, 15))).toEqual([0.5, -1, 2]); // cat, id 4
    expect(Array.from(table.slice(9, 12))).toEqual(Array.from(birdBefore));
    model.freezeEmbedding(true);
    const ids = Int32Array.from({ length: 120 }, (_, i) => [2, 3, 4, 1][i % 4]!);
    await trainLanguageModel(model, ids, { batch: 2, bptt: 5 });
    expect(Array.from(model.embedding.toFloat32Array())).toEqual(Array.from(table));
  });

  it('a size mismatch or a bad file is a clear error', async () => {
    const vocab = new Vocabulary([UNK, EOS, 'cat'], [0, 1, 1], [UNK, EOS]);
    const model = new LanguageModel(vocab, { embed: 5, hidden: 5, layers: 1 });
    const small = await readWord2VecFile(join(dir, 'v.txt'));
    expect(() => initEmbeddingFromVectors(model, small)).toThrow(/--embed 3/);
    writeFileSync(join(dir, 'bad.txt'), 'hello world\n');
    await expect(readWord2VecFile(join(dir, 'bad.txt'))).rejects.toThrow(/header/);
    await expect(readWord2VecFile(join(dir, 'missing.bin'))).rejects.toThrow(/do not exist/);
    writeFileSync(join(dir, 'short.bin'), Buffer.concat([Buffer.from('2 3\ncat '), Buffer.alloc(4)]));
    await expect(readWord2VecFile(join(dir, 'short.bin'))).rejects.toThrow(/truncated/);
  });
});
