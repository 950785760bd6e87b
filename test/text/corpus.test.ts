// Corpus streaming: files, directories, globs, gzip, stdin, restartability, long lines, invalid UTF-8,
// binary files, empty corpora and missing paths.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { globToRegExp, type LineCorpus, openCorpus } from '../../src/text/corpus.js';
import { VerboError } from '../../src/util/errors.js';

async function collect(corpus: AsyncIterable<string>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of corpus) lines.push(line);
  return lines;
}

async function failure(corpus: LineCorpus): Promise<unknown> {
  try {
    await collect(corpus);
  } catch (error) {
    return error;
  }
  return undefined;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'verbo-corpus-'));
  writeFileSync(join(dir, 'a.txt'), 'first line\nsecond line\n');
  writeFileSync(join(dir, 'crlf.txt'), 'one\r\ntwo\r\nthree');
  mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'tree', 'b.txt'), 'b\n');
  writeFileSync(join(dir, 'tree', 'a.txt'), 'a\n');
  writeFileSync(join(dir, 'tree', 'sub', 'c.txt'), 'c\n');
  writeFileSync(join(dir, 'tree', '.hidden'), 'hidden\n');
  writeFileSync(join(dir, 'text.txt.gz'), gzipSync('zipped line\nand another\n'));
  writeFileSync(join(dir, 'nosuffix'), gzipSync('zipped without suffix\n'));
  writeFileSync(join(dir, 'empty.txt'), '');
  writeFileSync(join(dir, 'blank.txt'), '\n  \n\t\n');
  writeFileSync(join(dir, 'binary.bin'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x41]));
  // Two invalid sequences (a lone continuation byte, a truncated 3-byte sequence) and one genuine U+FFFD.
  writeFileSync(
    join(dir, 'bad.txt'),
    Buffer.concat([
      Buffer.from('ok \u00e7\n'),
      Buffer.from([0x61, 0x80, 0x62, 0x0a]),
      Buffer.from([0x63, 0xe2, 0x82, 0x0a]),
      Buffer.from('literal \ufffd\n'),
    ]),
  );
});

describe('openCorpus', () => {
  it('reads a file line by line (LF and CRLF)', async () => {
    expect(await collect(openCorpus([join(dir, 'a.txt')]))).toEqual(['first line', 'second line']);
    expect(await collect(openCorpus([join(dir, 'crlf.txt')]))).toEqual(['one', 'two', 'three']);
  });

  it('reads directories recursively in sorted order, skipping hidden files', async () => {
    const corpus = openCorpus([join(dir, 'tree')]);
    expect(corpus.sources.map((s) => s.slice(dir.length))).toEqual([
      '/tree/a.txt',
      '/tree/b.txt',
      '/tree/sub/c.txt',
    ]);
    expect(await collect(corpus)).toEqual(['a', 'b', 'c']);
  });

  it('expands globs', async () => {
    expect(await collect(openCorpus([join(dir, 'tree', '*.txt')]))).toEqual(['a', 'b']);
    expect(await collect(openCorpus([join(dir, 'tree', '**', '*.txt')]))).toEqual(['a', 'b', 'c']);
    expect(globToRegExp('**/*.txt').test('x/y/z.txt')).toBe(true);
    expect(globToRegExp('*.txt').test('x/z.txt')).toBe(false);
    expect(globToRegExp('[ab].t?t').test('a.txt')).toBe(true);
  });

  it('decompresses gzip by suffix and by magic bytes', async () => {
    expect(await collect(openCorpus([join(dir, 'text.txt.gz')]))).toEqual(['zipped line', 'and another']);
    expect(await collect(openCorpus([join(dir, 'nosuffix')]))).toEqual(['zipped without suffix']);
  });

  it('is restartable and reports stats after a pass', async () => {
    const corpus = openCorpus([join(dir, 'a.txt'), join(dir, 'tree')]);
    expect(corpus.stats).toBeUndefined();
    const first = await collect(corpus);
    const second = await collect(corpus);
    expect(second).toEqual(first);
    expect(first).toHaveLength(5);
    expect(corpus.stats).toEqual({
      files: 4,
      lines: 5,
      bytes: 'first line\nsecond line\n'.length + 6,
      invalidUtf8: 0,
    });
  });

  it('reads stdin once and re-reads its spooled copy on later passes', async () => {
    const stdin = Readable.from([Buffer.from('from stdin\nsecond'), Buffer.from(' half\n')]);
    const corpus = openCorpus(['-'], { stdin });
    expect(await collect(corpus)).toEqual(['from stdin', 'second half']);
    expect(await collect(corpus)).toEqual(['from stdin', 'second half']);
    const spooled = readdirSync(tmpdir()).filter((name) => name.startsWith('verbo-stdin-')).length;
    corpus.close();
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('verbo-stdin-')).length).toBe(spooled - 1);
  });

  it('cuts over-long lines at a space, bounded by maxLineLength', async () => {
    const words = Array.from({ length: 1000 }, (_, i) => `w${i}`);
    const file = join(dir, 'long.txt');
    writeFileSync(file, `${words.join(' ')}\nshort\n`);
    const lines = await collect(openCorpus([file], { maxLineLength: 100 }));
    expect(lines.every((line) => line.length <= 100)).toBe(true);
    expect(lines.at(-1)).toBe('short');
    expect(lines.slice(0, -1).join(' ').split(' ')).toEqual(words);
  });

  it('replaces invalid UTF-8 and warns once with the count', async () => {
    const warnings: string[] = [];
    const corpus = openCorpus([join(dir, 'bad.txt')], { onWarning: (message) => warnings.push(message) });
    const lines = await collect(corpus);
    expect(lines).toEqual(['ok \u00e7', 'a\ufffdb', 'c\ufffd', 'literal \ufffd']);
    expect(corpus.stats?.invalidUtf8).toBe(2);
    await collect(corpus);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/replaced 2 invalid UTF-8 sequences/);
    expect(warnings[0]).toContain('bad.txt');
  });

  it('refuses a binary file, naming it', async () => {
    const error = await failure(openCorpus([join(dir, 'binary.bin')]));
    expect(error).toBeInstanceOf(VerboError);
    expect((error as Error).message).toMatch(/binary\.bin.*binary file/);
  });

  it('names a corrupt gzip file', async () => {
    const file = join(dir, 'corrupt.txt.gz');
    writeFileSync(file, Buffer.concat([gzipSync('some text\n').subarray(0, 12), Buffer.from('garbage!')]));
    const error = await failure(openCorpus([file]));
    expect(error).toBeInstanceOf(VerboError);
    expect((error as Error).message).toMatch(/corrupt\.txt\.gz' is not a valid gzip file/);
  });

  it('calls an empty corpus an error', async () => {
    const error = await failure(openCorpus([join(dir, 'empty.txt'), join(dir, 'blank.txt')]));
    expect(error).toBeInstanceOf(VerboError);
    expect((error as Error).message).toMatch(/corpus is empty/);
    expect(await collect(openCorpus([join(dir, 'empty.txt')], { allowEmpty: true }))).toEqual([]);
  });

  it('names a missing path, an unmatched glob and an empty folder', () => {
    expect(() => openCorpus([join(dir, 'missing.txt')])).toThrow(/missing\.txt' does not exist/);
    expect(() => openCorpus([join(dir, 'nothing-*.txt')])).toThrow(/no files match/);
    const emptyDir = join(dir, 'void');
    mkdirSync(emptyDir, { recursive: true });
    expect(() => openCorpus([emptyDir])).toThrow(/holds no files/);
    expect(() => openCorpus([])).toThrow(VerboError);
    expect(() => openCorpus(['-', '-'])).toThrow(/only once/);
  });
});
