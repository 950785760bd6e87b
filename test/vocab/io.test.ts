// Vocabulary files: text (word2vec -save-vocab) and versioned JSON round trips, and bad files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, VerboError } from '../../src/util/errors.js';
import {
  Vocabulary,
  loadVocabulary,
  loadVocabularyJson,
  loadVocabularyText,
  saveVocabulary,
  saveVocabularyJson,
  saveVocabularyText,
} from '../../src/vocab/index.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-vocab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vocab = Vocabulary.fromCounts(
  [
    ['ação', 7],
    ['the', 9],
    ['coração', 7],
    ['dá-lo', 2],
    ['x', 1],
  ],
  { specials: ['<unk>', '<pad>'], minCount: 2, tokensSeen: 40 },
);

describe('text format (word2vec -save-vocab)', () => {
  it('writes "word count" lines in id order', () => {
    const path = join(dir, 'plain.txt');
    saveVocabularyText(vocab, path);
    expect(readFileSync(path, 'utf8')).toBe('<unk> 0\n<pad> 0\nthe 9\nação 7\ncoração 7\ndá-lo 2\n');
  });

  it('round-trips words, ids and counts', () => {
    const path = join(dir, 'round.txt');
    saveVocabularyText(vocab, path);
    const loaded = loadVocabularyText(path, { specials: ['<unk>', '<pad>'] });
    expect(loaded.words).toEqual(vocab.words);
    expect(Array.from(loaded.counts)).toEqual(Array.from(vocab.counts));
    expect(loaded.specials).toEqual(['<unk>', '<pad>']);
    expect(loaded.id('coração')).toBe(vocab.id('coração'));
  });

  it('reads CRLF line ends and skips blank lines', () => {
    const path = join(dir, 'crlf.txt');
    writeFileSync(path, 'a 3\r\n\r\nb 1\r\n');
    const loaded = loadVocabularyText(path);
    expect(loaded.words).toEqual(['a', 'b']);
    expect(Array.from(loaded.counts)).toEqual([3, 1]);
  });

  const bad: { name: string; text: string; message: RegExp }[] = [
    { name: 'a missing count', text: 'a 3\nb\n', message: /:2: expected "word count"/ },
    { name: 'a non-numeric count', text: 'a 3\nb 1\nc lots\n', message: /:3: expected "word count"/ },
    { name: 'a negative count', text: 'a -3\n', message: /:1: expected/ },
    { name: 'three fields', text: 'a b 3\n', message: /:1: expected/ },
    {
      name: 'a duplicate word',
      text: 'a 3\nb 2\na 1\n',
      message: /:3: 'a' is listed twice \(first on line 1\)/,
    },
    { name: 'no words', text: '\n\n', message: /has no words/ },
  ];
  for (const row of bad) {
    it(`rejects ${row.name} with a FormatError naming the line`, () => {
      const path = join(dir, 'bad.txt');
      writeFileSync(path, row.text);
      expect(() => loadVocabularyText(path)).toThrow(FormatError);
      expect(() => loadVocabularyText(path)).toThrow(row.message);
    });
  }

  it('names a missing file and a misplaced special', () => {
    expect(() => loadVocabularyText(join(dir, 'nope.txt'))).toThrow(/nope\.txt: no such vocabulary file/);
    const path = join(dir, 'special.txt');
    writeFileSync(path, 'a 3\n<unk> 0\n');
    expect(() => loadVocabularyText(path, { specials: ['<unk>'] })).toThrow(/expected special '<unk>'/);
  });

  it('refuses words with whitespace (they cannot be read back)', () => {
    const spaced = Vocabulary.fromCounts([['new york', 2]]);
    expect(() => saveVocabularyText(spaced, join(dir, 'spaced.txt'))).toThrow(VerboError);
  });
});

describe('versioned JSON', () => {
  it('round-trips everything, including counting facts and meta', () => {
    const path = join(dir, 'v.json');
    saveVocabularyJson(vocab, path, { lang: 'pt' });
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(doc).toMatchObject({
      format: 'verbo-vocab',
      version: 1,
      size: 6,
      specials: ['<unk>', '<pad>'],
      minCount: 2,
      tokensSeen: 40,
      totalCount: 25,
      meta: { lang: 'pt' },
    });
    const loaded = loadVocabularyJson(path);
    expect(loaded.words).toEqual(vocab.words);
    expect(Array.from(loaded.counts)).toEqual(Array.from(vocab.counts));
    expect(loaded.specials).toEqual(vocab.specials);
    expect(loaded.minCount).toBe(2);
    expect(loaded.tokensSeen).toBe(40);
    expect(loaded.totalCount).toBe(vocab.totalCount);
  });

  it('saveVocabulary / loadVocabulary pick the format by extension', () => {
    for (const name of ['auto.json', 'auto.vocab']) {
      const path = join(dir, name);
      saveVocabulary(vocab, path);
      expect(readFileSync(path, 'utf8').startsWith('{')).toBe(name.endsWith('.json'));
      expect(loadVocabulary(path, { specials: ['<unk>', '<pad>'] }).words).toEqual(vocab.words);
    }
  });

  const good = { format: 'verbo-vocab', version: 1, specials: [], words: ['a', 'b'], counts: [2, 1] };
  const bad: { name: string; doc: unknown; message: RegExp }[] = [
    { name: 'not JSON', doc: '{"format": ', message: /not valid JSON/ },
    { name: 'an array', doc: [1, 2], message: /expected a JSON object/ },
    { name: 'another format', doc: { ...good, format: 'gensim' }, message: /"format": "verbo-vocab"/ },
    { name: 'a newer version', doc: { ...good, version: 2 }, message: /newer than this verbo reads/ },
    { name: 'length mismatch', doc: { ...good, counts: [1] }, message: /2 words but 1 counts/ },
    { name: 'a duplicate', doc: { ...good, words: ['a', 'a'] }, message: /'a' is listed twice/ },
    { name: 'a bad count', doc: { ...good, counts: [1, -2] }, message: /count of 'b'/ },
    { name: 'a misplaced special', doc: { ...good, specials: ['b'] }, message: /special 'b' must be word 0/ },
  ];
  for (const row of bad) {
    it(`rejects ${row.name}`, () => {
      const path = join(dir, 'bad.json');
      writeFileSync(path, typeof row.doc === 'string' ? row.doc : JSON.stringify(row.doc));
      expect(() => loadVocabularyJson(path)).toThrow(FormatError);
      expect(() => loadVocabularyJson(path)).toThrow(row.message);
    });
  }

  it('a failed save leaves the earlier file intact', () => {
    const path = join(dir, 'keep.txt');
    saveVocabularyText(vocab, path);
    const before = readFileSync(path, 'utf8');
    expect(() => saveVocabularyText(Vocabulary.fromCounts([['a b', 1]]), path)).toThrow();
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});
