// The pipeline: step order, option handling, memoised stemming, prep 'none', and the token corpus over a
// line corpus (restartable, long lines chunked).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCorpus } from '../../src/text/corpus.js';
import { createPipeline, memoize, PIPELINE_STEPS, tokenCorpus } from '../../src/text/pipeline.js';
import { createStemmer } from '../../src/text/stem.js';
import { createStopwordSet } from '../../src/text/stopwords.js';
import { tokenizeWords } from '../../src/text/tokenize.js';
import { VerboError } from '../../src/util/errors.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('createPipeline', () => {
  it('declares its step order once', () => {
    expect(PIPELINE_STEPS.indexOf('stopwords')).toBeLessThan(PIPELINE_STEPS.indexOf('stem'));
    expect(PIPELINE_STEPS.indexOf('normalize')).toBeLessThan(PIPELINE_STEPS.indexOf('tokenize'));
    expect(PIPELINE_STEPS.at(-1)).toBe('foldAccents');
  });

  it.each([
    ['The Cats are RUNNING to the houses!', {}, ['the', 'cats', 'are', 'running', 'to', 'the', 'houses']],
    ['The Cats are RUNNING to the houses!', { stopwords: true }, ['cats', 'running', 'houses']],
    ['The Cats are RUNNING to the houses!', { stopwords: true, stem: true }, ['cat', 'run', 'hous']],
    ['The Cats are RUNNING', { lower: false }, ['The', 'Cats', 'are', 'RUNNING']],
    ['The Cats are RUNNING', { lower: false, stopwords: true }, ['Cats', 'RUNNING']],
    ['a an ox the cats', { minLength: 3 }, ['the', 'cats']],
    ['a an ox the cats', { maxLength: 2 }, ['a', 'an', 'ox']],
    ['in 1851, 42 whales', { keepNumbers: false }, ['in', 'whales']],
    ["don't stop", { splitContractions: true }, ['do', "n't", 'stop']],
    [
      'São Paulo é a ação do coração',
      { lang: 'pt' as const },
      ['são', 'paulo', 'é', 'a', 'ação', 'do', 'coração'],
    ],
    [
      'São Paulo é a ação do coração',
      { lang: 'pt' as const, stopwords: true },
      // "são" and "é" are forms of ser, stopwords of the reviewed list (so "São" of São Paulo goes too).
      ['paulo', 'ação', 'coração'],
    ],
    [
      'São Paulo é a ação do coração',
      { lang: 'pt' as const, stopwords: true, foldAccents: true },
      ['paulo', 'acao', 'coracao'],
    ],
    // Stopwords are matched before folding, so "não" (in the list) goes even when accents are folded.
    ['não sei', { lang: 'pt' as const, stopwords: true, foldAccents: true }, ['sei']],
    ['ﬁne  ２', { normalizeForm: 'NFKC' as const }, ['fine', '2']],
    [
      'already  Tokenized, text',
      { prep: 'none' as const, stopwords: true, stem: true },
      ['already', 'Tokenized,', 'text'],
    ],
  ])('%j with %j', (line, options, expected) => {
    expect(createPipeline(options).tokens(line)).toEqual(expected);
  });

  it('composes the steps as the separate functions do', () => {
    const line = 'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money';
    const stopwords = createStopwordSet({ lang: 'en' });
    const stem = createStemmer('porter');
    const expected = tokenizeWords(line.toLowerCase())
      .filter((token) => !stopwords.has(token))
      .map(stem);
    expect(createPipeline({ stopwords: true, stem: 'porter' }).tokens(line)).toEqual(expected);
  });

  it('uses the language default stemmer for stem: true', () => {
    expect(createPipeline({ stem: true }).options.stem).toBe('porter');
    expect(createPipeline({ lang: 'pt', stem: true }).options.stem).toBe('rslp');
    const rslp = createStemmer('rslp');
    expect(createPipeline({ lang: 'pt', stem: true }).tokens('meninas bonitas')).toEqual([
      rslp('meninas'),
      rslp('bonitas'),
    ]);
  });

  it('lemmatizes by part of speech through the tag step, before stopwords and lowercasing', () => {
    expect(createPipeline({ lemma: true }).tokens('The cats were running')).toEqual([
      'the',
      'cat',
      'be',
      'run',
    ]);
    expect(createPipeline({ lemma: true, stopwords: true }).tokens('She was hoping to go')).toEqual([
      'hope',
      'go',
    ]);
    const portuguese = createPipeline({ lang: 'pt', lemma: true });
    expect(portuguese.tokens('As casas cantavam')).toEqual(['o', 'casa', 'cantar']);
    expect(portuguese.notices).toEqual([]);
    const tagged = portuguese.tag('Ele casa com ela na casa do pai.');
    expect(tagged.map((w) => w.token)).toEqual([
      'Ele',
      'casa',
      'com',
      'ela',
      'em',
      'a',
      'casa',
      'de',
      'o',
      'pai',
    ]);
    expect(tagged[4]).toMatchObject({ token: 'em', upos: 'ADP', lemma: 'em', multiword: 'na' });
    expect(tagged[6]).toMatchObject({ upos: 'NOUN', lemma: 'casa' });
  }, 60_000); // loading WordNet and the lexicon takes seconds on a busy machine

  it('adds a stopword list file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verbo-pipe-'));
    const file = join(dir, 'stop.txt');
    writeFileSync(file, 'whale\n');
    expect(createPipeline({ stopwords: file }).tokens('the white whale')).toEqual(['white']);
    expect(createPipeline({ extraStopwords: ['white'] }).tokens('the white whale')).toEqual(['the', 'whale']);
  });

  it('splits sentences before tokenizing', () => {
    expect(createPipeline().sentences('Dr. Smith left. He came back!')).toEqual([
      ['dr', 'smith', 'left'],
      ['he', 'came', 'back'],
    ]);
  });

  it('selects natural tokenizers', () => {
    expect(createPipeline({ tokenizer: 'natural-word' }).tokens('São Paulo')).toEqual(['s', 'o', 'paulo']);
  });

  it.each([
    [{ lang: 'fr' }, /unknown language 'fr'/],
    [{ stem: 'snowball' }, /unknown stemmer 'snowball'/],
    [{ tokenizer: 'spacy' }, /unknown tokenizer 'spacy'/],
    [{ prep: 'raw' }, /unknown prep 'raw'/],
    [{ stem: true, lemma: true }, /either stemming or lemmatization/],
    [{ minLength: 5, maxLength: 2 }, /bad token length limits/],
    [{ stopwords: '/no/such/list.txt' }, /no\/such\/list\.txt/],
  ])('rejects %j', (options, message) => {
    expect(() => createPipeline(options as never)).toThrow(VerboError);
    expect(() => createPipeline(options as never)).toThrow(message);
  });
});

describe('memoize', () => {
  it('calls the function once per word and stays bounded', () => {
    const calls: string[] = [];
    const upper = memoize((word) => {
      calls.push(word);
      return word.toUpperCase();
    }, 2);
    expect(['a', 'b', 'a', 'b', 'a'].map(upper)).toEqual(['A', 'B', 'A', 'B', 'A']);
    expect(calls).toEqual(['a', 'b']);
    upper('c'); // full: the cache starts over
    upper('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('tokenCorpus', () => {
  it('yields one token array per line, skips empty lines, restarts, and chunks long lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verbo-tokens-'));
    const file = join(dir, 'corpus.txt');
    const long = Array.from({ length: 25 }, (_, i) => `w${i}`).join(' ');
    writeFileSync(file, `The whale.\n\n!!!\n${long}\nlast line\n`);
    const tokens = tokenCorpus(openCorpus([file]), createPipeline(), { maxTokens: 10 });
    const first = await collect(tokens);
    expect(first.map((t) => t.length)).toEqual([2, 10, 10, 5, 2]);
    expect(first.slice(1, 4).flat()).toEqual(long.split(' '));
    expect(await collect(tokens)).toEqual(first);
    const withEmpty = await collect(tokenCorpus(openCorpus([file]), createPipeline(), { keepEmpty: true }));
    expect(withEmpty.map((t) => t.length)).toEqual([2, 0, 0, 25, 2]);
  });

  it('splits lines over 10,000 tokens by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verbo-tokens-'));
    const file = join(dir, 'long.txt');
    writeFileSync(file, `${Array.from({ length: 25_000 }, () => 'x').join(' ')}\n`);
    const sizes = (await collect(tokenCorpus(openCorpus([file]), createPipeline({ prep: 'none' })))).map(
      (t) => t.length,
    );
    expect(sizes).toEqual([10_000, 10_000, 5_000]);
  });
});
