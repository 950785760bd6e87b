// word2vec text / binary / fastText .vec reading and writing: hand-written files, byte-exact round trips,
// files written by gensim 4.2 (test/golden/make_w2v_fixtures.py), corrupt and truncated files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyedVectors, formatFloat32, readWord2Vec, writeWord2Vec } from '../../src/embeddings/index.js';
import { duplicatesWarning } from '../../src/embeddings/formats.js';
import { FormatError } from '../../src/util/errors.js';
import { packagePath } from '../../src/util/paths.js';
import { Random } from '../../src/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
function file(content: string | Uint8Array): string {
  const path = join(dir, `f${fileCounter++}`);
  writeFileSync(path, content);
  return path;
}

/** A binary record by hand: "word " + little-endian float32s (+ "\n" as the C tool writes). */
function binaryRecord(word: string, values: number[], newline = true): Buffer {
  const floats = Buffer.alloc(4 * values.length);
  for (let j = 0; j < values.length; j++) floats.writeFloatLE(values[j]!, 4 * j);
  return Buffer.concat([Buffer.from(`${word} `, 'utf8'), floats, Buffer.from(newline ? '\n' : '')]);
}

function binaryFile(header: string, records: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(header, 'utf8'), ...records]);
}

async function formatError(path: string, options = {}): Promise<FormatError> {
  try {
    await readWord2Vec(path, options);
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return error as FormatError;
  }
  throw new Error(`expected ${path} to be refused`);
}

describe('reading hand-written files', () => {
  const words = ['the', 'ação', '東京'];
  const values = [
    [0.1, -0.2, 0.3, 0.4],
    [1, 2, 3, 4],
    [-0.001, 0, 0.5, -0.25],
  ];
  const expected = Float32Array.from(values.flat());

  it('text format (UTF-8 words)', async () => {
    const path = file('3 4\nthe 0.1 -0.2 0.3 0.4\nação 1 2 3 4\n東京 -1e-3 0 0.5 -0.25\n');
    const { vectors, format } = await readWord2Vec(path);
    expect(format).toBe('text');
    expect(vectors.words).toEqual(words);
    expect(vectors.dim).toBe(4);
    expect(Array.from(vectors.vectors)).toEqual(Array.from(expected));
  });

  it('fastText .vec (trailing space before the newline, CRLF tolerated)', async () => {
    const path = file('3 4\r\nthe 0.1 -0.2 0.3 0.4 \r\nação 1 2 3 4 \r\n東京 -1e-3 0 0.5 -0.25 \r\n');
    const { vectors, format } = await readWord2Vec(path);
    expect(format).toBe('text');
    expect(vectors.words).toEqual(words);
    expect(Array.from(vectors.vectors)).toEqual(Array.from(expected));
  });

  it('binary format with the C tool newline and without it (gensim)', async () => {
    for (const newline of [true, false]) {
      const path = file(
        binaryFile(
          '3 4\n',
          words.map((w, i) => binaryRecord(w, values[i]!, newline)),
        ),
      );
      const { vectors, format } = await readWord2Vec(path);
      expect(format).toBe('binary');
      expect(vectors.words).toEqual(words);
      expect(Array.from(vectors.vectors)).toEqual(Array.from(expected));
    }
  });

  it('honours limit and drops later duplicates as gensim does', async () => {
    const path = file('4 2\na 1 2\nb 3 4\na 5 6\nc 7 8\n');
    const all = await readWord2Vec(path);
    expect(all.vectors.words).toEqual(['a', 'b', 'c']);
    expect(Array.from(all.vectors.vectors)).toEqual([1, 2, 3, 4, 7, 8]);
    expect(all.duplicates).toBe(1);
    expect(all.duplicateWords).toEqual([{ word: 'a', first: 1, again: 3 }]);
    expect(duplicatesWarning('v.txt', all)).toBe(
      "v.txt: 1 word(s) appear twice: 'a' (vectors 1 and 3); the first vector of each is kept.",
    );
    const limited = await readWord2Vec(path, { limit: 2 });
    expect(limited.vectors.words).toEqual(['a', 'b']);
  });

  it('reads a binary file larger than one read chunk', async () => {
    const random = new Random(3);
    const dim = 300;
    const count = 1200; // ≈ 1.4 MB, more than the 1 MB chunk
    const records: Buffer[] = [];
    const all = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) {
      const row = Array.from({ length: dim }, () => Math.fround(random.normal()));
      all.set(row, i * dim);
      records.push(binaryRecord(`word${i}`, row));
    }
    const { vectors } = await readWord2Vec(file(binaryFile(`${count} ${dim}\n`, records)));
    expect(vectors.size).toBe(count);
    expect(vectors.words[count - 1]).toBe(`word${count - 1}`);
    expect(Buffer.compare(Buffer.from(vectors.vectors.buffer), Buffer.from(all.buffer))).toBe(0);
  });
});

describe('round trips', () => {
  const random = new Random(11);
  const words = ['the', 'ação', 'naïve', '東京', 'über', 'x', 'Émile', 'ℤ'];
  const dim = 7;
  const matrix = new Float32Array(words.length * dim);
  for (let i = 0; i < matrix.length; i++) matrix[i] = random.normal() * 10 ** random.int(6 - 3);
  matrix[0] = 0;
  matrix[1] = -0;
  matrix[2] = 1e-30;
  matrix[3] = -3.4e38;
  const original = new KeyedVectors(words, matrix, dim);

  for (const format of ['text', 'binary'] as const) {
    it(`${format}: write → read gives the same vectors; write again gives the same bytes`, async () => {
      const first = join(dir, `rt1.${format}`);
      const second = join(dir, `rt2.${format}`);
      await writeWord2Vec(first, original, { format });
      const read = await readWord2Vec(first);
      expect(read.format).toBe(format);
      expect(read.vectors.words).toEqual(words);
      expect(Array.from(read.vectors.vectors).map((x) => (Object.is(x, -0) ? '-0' : x))).toEqual(
        Array.from(matrix).map((x) => (Object.is(x, -0) ? '-0' : x)),
      );
      await writeWord2Vec(second, read.vectors, { format });
      expect(Buffer.compare(readFileSync(first), readFileSync(second))).toBe(0);
    });
  }

  it('a C-tool binary file and a canonical text file are reproduced byte for byte', async () => {
    const binary = binaryFile('2 3\n', [
      binaryRecord('ação', [0.5, -1.25, 3]),
      binaryRecord('b', [1e-7, 2, -0]),
    ]);
    const binaryIn = file(binary);
    const binaryOut = join(dir, 'binary-out.bin');
    await writeWord2Vec(binaryOut, (await readWord2Vec(binaryIn)).vectors, { format: 'binary' });
    expect(Buffer.compare(readFileSync(binaryOut), binary)).toBe(0);

    const text = '2 3\nação 0.5 -1.25 3\nb 1e-7 0.1 -0.333\n';
    const textOut = join(dir, 'text-out.txt');
    await writeWord2Vec(textOut, (await readWord2Vec(file(text))).vectors, { format: 'text' });
    expect(readFileSync(textOut, 'utf8')).toBe(text);
  });

  it('formatFloat32 gives the shortest decimal that reads back as the same float32', () => {
    const rows: [number, string][] = [
      [0.1, '0.1'],
      [Math.fround(0.1), '0.1'],
      [1 / 3, '0.33333334'],
      [-2.5, '-2.5'],
      [100, '1e+2'],
      [0, '0'],
      [-0, '-0'],
    ];
    for (const [value, text] of rows) expect(formatFloat32(value)).toBe(text);
    const r = new Random(5);
    for (let i = 0; i < 2000; i++) {
      const x = Math.fround(r.normal() * 10 ** (r.int(20) - 10));
      const text = formatFloat32(x);
      expect(Math.fround(Number(text))).toBe(x);
      expect(
        text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length,
      ).toBeLessThanOrEqual(9);
    }
  });

  it('refuses to write words with spaces', async () => {
    const bad = new KeyedVectors(['two words'], new Float32Array(1), 1);
    await expect(writeWord2Vec(join(dir, 'bad.txt'), bad, { format: 'text' })).rejects.toThrow(/no spaces/);
  });
});

describe('files written by gensim 4.2', () => {
  // The fixture's closed formula (see test/golden/make_w2v_fixtures.py), recomputed here.
  const groups = [
    'paris',
    'france',
    'ação',
    'über',
    '東京',
    'naïve',
    'rome',
    'italy',
    'berlin',
    'germany',
    'PARIS',
    'Ação',
    'lisboa',
    'portugal',
    'madrid',
    'spain',
  ];
  const relations = ['', '_s', '_x', '_y'];
  const dim = 12;
  const words: string[] = [];
  const expected: number[] = [];
  groups.forEach((group, g) => {
    relations.forEach((relation, r) => {
      words.push(group + relation);
      for (let j = 0; j < dim; j++)
        expected.push(Math.fround((((37 * g + 23 * j) % 97) - 48) / 7 + (((53 * r + 29 * j) % 89) - 44) / 5));
    });
  });

  for (const name of ['gensim.txt', 'gensim.bin']) {
    it(`loads ${name} with the right words and vectors`, async () => {
      const { vectors, format } = await readWord2Vec(packagePath('test', 'golden', 'w2v', name));
      expect(format).toBe(name.endsWith('.bin') ? 'binary' : 'text');
      expect(vectors.words).toEqual(words);
      expect(Array.from(vectors.vectors)).toEqual(expected);
    });
  }
});

describe('a .vec file written by the fastText CLI', () => {
  it('loads with the words and values of each line (trailing spaces, "</s>", UTF-8 words)', async () => {
    const path = packagePath('test', 'golden', 'w2v', 'fasttext.vec');
    // An independent reading: split lines on spaces, parse each number, round to float32.
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const [count, dim] = lines[0]!.split(' ').map(Number) as [number, number];
    const rows = lines.slice(1).map((line) => line.trim().split(' '));
    expect(rows).toHaveLength(count);
    const { vectors, format } = await readWord2Vec(path);
    expect(format).toBe('text');
    expect(vectors.dim).toBe(dim);
    expect(vectors.words).toEqual(rows.map((r) => r[0]));
    expect(vectors.words).toContain('</s>');
    expect(vectors.words).toContain('東京');
    expect(Array.from(vectors.vectors)).toEqual(
      rows.flatMap((r) => r.slice(1).map((x) => Math.fround(Number(x)))),
    );
  });
});

describe('corrupt and truncated files', () => {
  it('refuses a missing or malformed header', async () => {
    expect((await formatError(file(''))).message).toMatch(/empty/);
    expect((await formatError(file('hello world\nfoo 1 2\n'))).message).toMatch(
      /first line should be "<word count> <dimension>".*"hello world"/,
    );
    expect((await formatError(file('the 0.1 0.2 0.3\n'))).message).toMatch(/first line should be/);
    expect((await formatError(file('3 0\n'))).message).toMatch(/dimension 0/);
    // A header of 0 vectors would load as a model without words, and export would write 0 vectors.
    expect((await formatError(file('0 100\n'))).message).toMatch(
      /the header says 0 vectors; a model without words cannot answer anything/,
    );
    expect((await formatError(file(binaryFile('0 4\n', [])), { format: 'binary' })).message).toMatch(
      /0 vectors/,
    );
  });

  it('names the way to load a fastText .bin given as word2vec vectors, in either format', async () => {
    // The fastText CLI's model file (test/golden/fasttext/cli.bin): magic number, then binary fields.
    const cliBin = readFileSync(packagePath('test', 'golden', 'fasttext', 'cli.bin'));
    for (const format of ['auto', 'binary', 'text'] as const) {
      const { message } = await formatError(file(cliBin), { format });
      expect(message).toMatch(/ is a fastText \.bin model, not word2vec vectors: load it with loadModel/);
      expect(message).toMatch(/npx verbo export .* --format word2vec-bin --out vectors\.bin/);
      // None of the word2vec reader's generic complaints: no bytes shown, no GloVe hint, one line.
      expect(message).not.toMatch(/not a word2vec file|GloVe|bytes [0-9a-f]{2} /);
      expect(message.split('\n')).toHaveLength(1);
    }
  });

  it('checks the header against the file size before allocating (no huge arrays)', async () => {
    // 2e9 × 1000 floats would need 8 TB: refused from the size alone, before any allocation.
    for (const header of ['2000000000 1000\n', '999999999999 999999999\n']) {
      const error = await formatError(file(`${header}a 1 2 3\n`));
      expect(error.message).toMatch(
        /the header claims .* but only \d+ bytes follow it: the file is truncated or its header is wrong/,
      );
    }
    const binary = binaryFile('50 4\n', [binaryRecord('a', [1, 2, 3, 4])]);
    expect((await formatError(file(binary), { format: 'binary' })).message).toMatch(
      /claims 50 vectors of dimension 4/,
    );
  });

  it('reports a truncated binary vector with the word and position', async () => {
    const records = ['alpha_long_word', 'beta_long_word', 'gamma_long_word'].map((w) =>
      binaryRecord(w, [1, 2, 3, 4]),
    );
    const whole = binaryFile('3 4\n', records);
    const error = await formatError(file(whole.subarray(0, whole.length - 6)));
    expect(error.message).toMatch(
      /ends inside the vector of 'gamma_long_word' \(word 3 of 3\): 11 of 16 bytes present/,
    );
  });

  it('reports a short last vector, a non-numeric value and missing lines in text', async () => {
    const short = await formatError(file('2 3\nalpha 0.125 0.25 0.5\nbeta 0.125 0.25\n'));
    expect(short.message).toMatch(/line 3 \('beta'\) has 2 values, expected a word and 3 values/);
    const nonNumeric = await formatError(file('2 3\nalpha 0.125 0.25 0.5\nbeta 0.125 x7 0.5\n'));
    expect(nonNumeric.message).toMatch(/line 3 \('beta'\): value 2 is "x7", not a finite number/);
    const missing = await formatError(file('3 2\nalpha 0.125 0.25\nbeta 0.125 0.25\n'));
    expect(missing.message).toMatch(/ends after 2 of 3 vectors/);
  });

  it('refuses data beyond the announced count, NaN values and invalid UTF-8', async () => {
    expect((await formatError(file('1 2\na 1 2\nb 3 4\n'))).message).toMatch(
      /line 3: unexpected data after the 1 vectors/,
    );
    const binaryExtra = binaryFile('1 2\n', [binaryRecord('a', [1, 2]), binaryRecord('b', [3, 4])]);
    expect((await formatError(file(binaryExtra), { format: 'binary' })).message).toMatch(
      /unexpected data after the 1 vectors/,
    );
    const nan = binaryFile('1 2\n', [binaryRecord('a', [1, Number.NaN])]);
    expect((await formatError(file(nan), { format: 'binary' })).message).toMatch(
      /vector of 'a' \(word 1\) holds NaN at position 2/,
    );
    const badUtf8 = Buffer.concat([Buffer.from('1 2\n'), Buffer.from([0xc3, 0x28]), Buffer.from(' 1 2\n')]);
    expect((await formatError(file(badUtf8))).message).toMatch(/not valid UTF-8|invalid UTF-8/);
    const replaced = await readWord2Vec(file(badUtf8), { unicodeErrors: 'replace' });
    expect(replaced.vectors.words[0]).toBe('\ufffd(');
  });
});
