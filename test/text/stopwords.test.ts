// Stopword lists (through the `stopword` package) and the Set-based filter.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createStopwordSet,
  readStopwordFile,
  removeStopwords,
  stopwordList,
} from '../../src/text/stopwords.js';
import { VerboError } from '../../src/util/errors.js';

describe('stopwords', () => {
  it('has English and Portuguese lists', () => {
    expect(stopwordList('en')).toEqual(expect.arrayContaining(['the', 'and', 'of']));
    expect(stopwordList('pt')).toEqual(expect.arrayContaining(['de', 'que', 'não']));
    expect(stopwordList('en')).not.toContain('whale');
  });

  it('are the stopword package lists as reviewed in data/stopwords-*.txt', () => {
    const en = stopwordList('en');
    for (const word of [
      'she',
      'when',
      'why',
      'does',
      'will',
      'not',
      'no',
      'so',
      "don't",
      "it's",
      "we're",
      "n't",
    ])
      expect(en).toContain(word);
    for (const word of ['came', 'get', 'like', 'said']) expect(en).not.toContain(word);
    const pt = stopwordList('pt');
    for (const word of ['é', 'foi', 'está', 'tem', 'há', 'são', 'era']) expect(pt).toContain(word);
    expect(pt).not.toContain('casa');
    expect(new Set(en).size).toBe(en.length);
  });

  it('filters tokens', () => {
    const en = createStopwordSet({ lang: 'en' });
    expect(removeStopwords(['the', 'whale', 'and', 'the', 'sea'], en)).toEqual(['whale', 'sea']);
    const pt = createStopwordSet({ lang: 'pt' });
    expect(removeStopwords(['a', 'ação', 'do', 'coração', 'não'], pt)).toEqual(['ação', 'coração']);
  });

  it('filters the contractions of the default tokenizer', () => {
    const en = createStopwordSet({ lang: 'en' });
    expect(removeStopwords(["don't", 'stop', "it's", 'fine', "we're", 'here'], en)).toEqual(['stop', 'fine']);
  });

  it('reads a user list file and adds extra words', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verbo-stop-'));
    const file = join(dir, 'stop.txt');
    writeFileSync(file, '# my words\nWhale\n\n  sea \r\n');
    expect(readStopwordFile(file)).toEqual(['whale', 'sea']);
    const set = createStopwordSet({ file, extra: ['Ship'] });
    expect(removeStopwords(['the', 'whale', 'ship', 'sea', 'ahab'], set)).toEqual(['the', 'ahab']);
    const both = createStopwordSet({ lang: 'en', file });
    expect(removeStopwords(['the', 'whale', 'ahab'], both)).toEqual(['ahab']);
  });

  it('names a missing list file', () => {
    expect(() => readStopwordFile('/no/such/stop.txt')).toThrow(VerboError);
    expect(() => readStopwordFile('/no/such/stop.txt')).toThrow(/\/no\/such\/stop\.txt/);
  });
});
