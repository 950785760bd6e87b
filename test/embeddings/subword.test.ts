// Character n-grams and their hashing against values computed independently: FNV-1a's published test
// vectors, sums done by hand, n-gram lists written out by hand from fastText's description, gensim's
// ft_hash_bytes, and the n-gram rows the fastText CLI itself prints for a model it trained
// (test/golden/fasttext, made by make_fasttext_fixtures.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  characterNgrams,
  checkSubwordSettings,
  fastTextHash,
  meanOfRows,
  ngramBuckets,
  vocabularySubwordRows,
  wrappedBytes,
} from '../../src/embeddings/subword.js';
import { VerboError } from '../../src/util/errors.js';

const golden = join(import.meta.dirname, '..', 'golden', 'fasttext');
interface Golden {
  settings: { dim: number; minn: number; maxn: number; bucket: number };
  ngrams: Record<string, [string, number[]][]>;
  vectors: Record<string, number[]>;
  gensim: { vectors: Record<string, number[]>; hashes: Record<string, number> };
}
const cli = JSON.parse(readFileSync(join(golden, 'cli.json'), 'utf8')) as Golden;
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('fastTextHash', () => {
  it.each([
    // FNV-1a 32-bit test vectors (Noll's reference), ASCII: sign extension changes nothing.
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('FNV-1a of %j is %d', (text, expected) => {
    expect(fastTextHash(utf8(text))).toBe(expected);
  });

  it('sign-extends bytes ≥ 0x80 as fastText does', () => {
    // By hand: 0x811c9dc5 ^ 0xffffffc3 = 0x7ee36206; × 16777619 mod 2^32 = 3321057138.
    expect(fastTextHash(Uint8Array.of(0xc3))).toBe(3321057138);
    // Plain FNV-1a (no sign extension) would give (0x811c9dc5 ^ 0xc3) × 16777619 mod 2^32 = 1175138418.
    expect(fastTextHash(Uint8Array.of(0xc3))).not.toBe(1175138418);
  });

  it("agrees with gensim's ft_hash_bytes", () => {
    for (const [ngram, hash] of Object.entries(cli.gensim.hashes))
      expect(fastTextHash(utf8(ngram))).toBe(hash);
  });
});

describe('characterNgrams', () => {
  it('lists the n-grams of <word> by start, then length (by hand)', () => {
    expect(characterNgrams('ação', 3, 6)).toEqual([
      '<aç',
      '<açã',
      '<ação',
      '<ação>',
      'açã',
      'ação',
      'ação>',
      'ção',
      'ção>',
      'ão>',
    ]);
    expect(characterNgrams('cat', 3, 3)).toEqual(['<ca', 'cat', 'at>']);
  });

  it('never keeps "<" or ">" alone, but keeps the word\'s own characters at n = 1', () => {
    expect(characterNgrams('a', 1, 2)).toEqual(['<a', 'a', 'a>']);
    expect(characterNgrams('ab', 1, 1)).toEqual(['a', 'b']);
  });

  it('counts characters, not bytes (2-, 3- and 4-byte UTF-8)', () => {
    expect(characterNgrams('東京', 2, 2)).toEqual(['<東', '東京', '京>']);
    expect(characterNgrams('😀', 3, 3)).toEqual(['<😀>']);
  });

  it('gives nothing for "</s>", for maxn 0, or when minn exceeds the wrapped length', () => {
    expect(characterNgrams('</s>', 3, 6)).toEqual([]);
    expect(characterNgrams('word', 3, 0)).toEqual([]);
    expect(characterNgrams('ab', 5, 6)).toEqual([]);
  });

  it('matches the substrings `fasttext print-ngrams` prints', () => {
    const { minn, maxn } = cli.settings;
    for (const [word, printed] of Object.entries(cli.ngrams)) {
      // A vocabulary word's own row comes first; an n-gram list always starts with "<...".
      const inVocabulary = printed[0]![0] === word;
      const substrings = printed.map(([text]) => text).slice(inVocabulary ? 1 : 0);
      expect(substrings, word).toEqual(characterNgrams(word, minn, maxn));
    }
  });
});

describe('ngramBuckets and vocabularySubwordRows', () => {
  it('hash mod bucket, in n-gram order', () => {
    const settings = { minn: 3, maxn: 3, bucket: 1000 };
    expect(ngramBuckets('cat', settings)).toEqual(
      ['<ca', 'cat', 'at>'].map((g) => fastTextHash(utf8(g)) % 1000),
    );
    expect(ngramBuckets(utf8('cat'), settings)).toEqual(ngramBuckets('cat', settings));
    expect(ngramBuckets('cat', { minn: 3, maxn: 0, bucket: 0 })).toEqual([]);
  });

  it('rows: the word itself first, then nwords + bucket per n-gram', () => {
    const settings = { minn: 3, maxn: 4, bucket: 50 };
    const words = ['ab', 'ação', '</s>'];
    const { start, rows } = vocabularySubwordRows(words, settings);
    expect(Array.from(start)).toEqual([0, 1 + 3, 1 + 3 + 1 + 7, 1 + 3 + 1 + 7 + 1]);
    expect(Array.from(rows.subarray(0, 4))).toEqual([0, ...ngramBuckets('ab', settings).map((b) => 3 + b)]);
    expect(rows[4]).toBe(1);
    expect(rows[rows.length - 1]).toBe(2);
  });
});

describe('meanOfRows', () => {
  it('is the float32 mean of the rows (duplicates counted), zeros for none', () => {
    const matrix = Float32Array.of(1, 2, 3, 4, 0.1, 0.2);
    expect(Array.from(meanOfRows(matrix, 2, [0, 1, 1]))).toBeAllClose([(1 + 3 + 3) / 3, (2 + 4 + 4) / 3]);
    expect(Array.from(meanOfRows(matrix, 2, []))).toEqual([0, 0]);
    expect(Array.from(meanOfRows(matrix, 2, [5, 2, 0], undefined, 1, 2))).toEqual([
      Math.fround(0.1),
      Math.fround(0.2),
    ]);
  });
});

describe('checkSubwordSettings', () => {
  it.each([
    [{ minn: 5, maxn: 3, bucket: 10 }, /minn \(5\) is larger than maxn \(3\)/],
    [{ minn: 3, maxn: 6, bucket: 0 }, /bucket is 0 but maxn is not/],
    [{ minn: -1, maxn: 6, bucket: 10 }, /minn must be/],
    [{ minn: 3, maxn: 6, bucket: 1.5 }, /bucket must be/],
  ])('refuses %j', (settings, message) => {
    expect(() => checkSubwordSettings(settings)).toThrow(VerboError);
    expect(() => checkSubwordSettings(settings)).toThrow(message);
  });

  it('accepts maxn 0 with any minn (n-grams off)', () => {
    expect(checkSubwordSettings({ minn: 3, maxn: 0, bucket: 0 })).toEqual({ minn: 3, maxn: 0, bucket: 0 });
  });

  it('wraps words in < and >', () => {
    expect(Array.from(wrappedBytes('é'))).toEqual([0x3c, 0xc3, 0xa9, 0x3e]);
  });
});
