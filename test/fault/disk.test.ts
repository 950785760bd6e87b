// Fault suite, the disk: a small tmpfs (root only; skipped loudly otherwise) filled up by a training run
// over an existing model, then remounted read-only. Every run ends with one line naming the path and the
// cause (no space left / read-only), exit code 1, and the previous model intact to the byte and loadable.
// Also from any user: an output path under a file (ENOTDIR) and a folder without write permission.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/embeddings/model-dir.js';
import { loadLanguageModel } from '../../src/seq/index.js';
import { clusterText, digest, mountSmallDisk, requireCli, verbo } from './helpers.js';

requireCli('test/fault/disk.test.ts');

const dir = mkdtempSync(join(tmpdir(), 'verbo-fault-disk-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, clusterText(3, 1500));
const w2v = [
  '--prep',
  'none',
  '--window',
  '3',
  '--min-count',
  '1',
  '--threads',
  '1',
  '--epochs',
  '1',
  '--quiet',
];
const lm = ['--prep', 'none', '--layers', '1', '--bptt', '10', '--batch', '8', '--epochs', '1', '--quiet'];

/** One line on stderr naming `path` and the cause, exit code 1. */
function expectRefused(result: ReturnType<typeof verbo>, path: string, cause: RegExp): void {
  expect(result.status, result.stderr).toBe(1);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^verbo: /);
  expect(result.stderr).toContain(path);
  expect(result.stderr).toMatch(cause);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
}

// 384 KiB: room for the small models below, not for a word2vec model of 400 dimensions (its vectors and
// checkpoint weights need ~0.8 MB) or a language model of 200 units.
const disk = mountSmallDisk(384);
if (typeof disk === 'string') {
  console.warn(`test/fault/disk.test.ts: SKIPPED the full and read-only disk cases: ${disk}.`);
}

describe.skipIf(typeof disk === 'string')('a full, then read-only disk (tmpfs)', () => {
  const small = disk as Exclude<typeof disk, string>;
  afterAll(() => small.unmount());
  const vectors = join(small.path, 'vectors');
  const language = join(small.path, 'lm');
  const before: Record<string, Record<string, string>> = {};

  it('small models fit', () => {
    expect(verbo(['train', corpus, '--out', vectors, '--dim', '8', ...w2v]).status).toBe(0);
    expect(
      verbo(['lm', 'train', corpus, '--out', language, '--embed', '8', '--hidden', '8', ...lm]).status,
    ).toBe(0);
    before.vectors = digest(vectors);
    before.lm = digest(language);
  });

  it('verbo train: no space left, the previous model intact', async () => {
    const result = verbo(['train', corpus, '--out', vectors, '--dim', '400', ...w2v]);
    expectRefused(result, small.path, /no space left on the device.*\(ENOSPC\)/);
    expect(digest(vectors)).toEqual(before.vectors);
    expect((await loadModel(vectors)).vectors.dim).toBe(8);
  });

  it('verbo lm train: no space left, the previous model intact', () => {
    const result = verbo([
      'lm',
      'train',
      corpus,
      '--out',
      language,
      '--embed',
      '200',
      '--hidden',
      '200',
      ...lm,
    ]);
    expectRefused(result, small.path, /no space left on the device.*\(ENOSPC\)/);
    expect(digest(language)).toEqual(before.lm);
    expect(loadLanguageModel(language).config.hidden).toBe(8);
  });

  it('a read-only disk: both refused in one line, the models intact and still loading', async () => {
    // What the full runs kept for --resume is cleared first, so that only the read-only mount refuses.
    for (const name of readdirSync(small.path)) {
      if (name !== 'vectors' && name !== 'lm')
        rmSync(join(small.path, name), { recursive: true, force: true });
    }
    small.remount('ro');
    try {
      expectRefused(
        verbo(['train', corpus, '--out', vectors, '--dim', '8', ...w2v]),
        small.path,
        /the file system is read-only.*\(EROFS\)/,
      );
      expectRefused(
        verbo(['lm', 'train', corpus, '--out', language, '--embed', '8', '--hidden', '8', ...lm]),
        small.path,
        /the file system is read-only.*\(EROFS\)/,
      );
      expect(digest(vectors)).toEqual(before.vectors);
      expect(digest(language)).toEqual(before.lm);
      expect((await loadModel(vectors)).vectors.dim).toBe(8);
      expect(loadLanguageModel(language).config.hidden).toBe(8);
    } finally {
      small.remount('rw');
    }
  });
});

describe('paths the file system refuses (any user)', () => {
  it('an output under a file: "not a folder", with the path', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expectRefused(
      verbo(['train', corpus, '--out', join(file, 'model'), '--dim', '8', ...w2v]),
      file,
      /not a folder|a file, not a folder/,
    );
    expectRefused(
      verbo(['lm', 'train', corpus, '--out', join(file, 'model'), '--embed', '8', '--hidden', '8', ...lm]),
      file,
      /not a folder|a file, not a folder/,
    );
  });

  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    console.warn(
      'SKIPPING the permission-denied case of test/fault/disk.test.ts: running as root, which writes into read-only folders anyway (run the suite as another user to exercise it)',
    );
  }
  it.skipIf(asRoot)('a folder without write permission: "permission denied"', () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    try {
      expectRefused(
        verbo(['train', corpus, '--out', join(locked, 'model'), '--dim', '8', ...w2v]),
        locked,
        /permission denied.*\(EACCES\)/,
      );
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('a model folder copied with its files read-only still loads; a missing one is named', async () => {
    const model = join(dir, 'model');
    expect(verbo(['train', corpus, '--out', model, '--dim', '8', ...w2v]).status).toBe(0);
    const copy = join(dir, 'model-copy');
    cpSync(model, copy, { recursive: true });
    for (const name of readdirSync(copy)) {
      if (name.endsWith('.json') || name.endsWith('.bin') || name.endsWith('.txt'))
        chmodSync(join(copy, name), 0o444);
    }
    expect((await loadModel(copy)).vectors.dim).toBe(8);
    expectRefused(
      verbo(['similar', join(dir, 'nowhere'), 'a1']),
      join(dir, 'nowhere'),
      /no such|not found|missing|does not exist/i,
    );
  });
});
