// The UPOS tagger and the POS-aware lemmatizers: model files (round trip, checks), seeded training, and
// accuracy on held-out UD sentences. The held-out fold is the first tenth of each reference dev set
// (EWT dev, Bosque dev, contiguous, so whole documents are unseen); the model scored is trained here, by
// the same code as `npm run train:tagger`, on everything else (the shipped models also saw the fold).
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type ConlluSentence, parseConllu } from '../../src/text/conllu.js';
import { englishLemma } from '../../src/text/lemma-en.js';
import { englishLexiconTags } from '../../src/text/lexicon-en.js';
import { portugueseLemma } from '../../src/text/lemma-pt.js';
import { loadPortugueseLexicon } from '../../src/text/lexicon-pt.js';
import { createTagger, loadTaggerModel, wordKnowledge } from '../../src/text/tag.js';
import { deserializeTagger, serializeTagger } from '../../src/text/tagger-io.js';
import {
  evaluateTagger,
  harmonize,
  trainTagger,
  trainTaggerFromConllu,
} from '../../src/text/tagger-train.js';
import { FormatError, VerboError } from '../../src/util/errors.js';
import { sharedDataPath } from '../../src/util/paths.js';

const ud = (file: string) => sharedDataPath('lemma', 'ud', file);
const read = (file: string): ConlluSentence[] => parseConllu(readFileSync(ud(file), 'utf8'), file);

describe('tagger model files', () => {
  const tiny = [
    { words: ['the', 'cat', 'sleeps'], tags: ['DET', 'NOUN', 'VERB'] },
    { words: ['a', 'dog', 'barks'], tags: ['DET', 'NOUN', 'VERB'] },
    { words: ['the', 'dogs', 'sleep'], tags: ['DET', 'NOUN', 'VERB'] },
  ];
  const knowledge = { classOf: () => '' };

  it('round-trip through serialize/deserialize, byte for byte, and tag as before', () => {
    const model = trainTagger(tiny, {
      lang: 'en',
      lexicon: knowledge,
      epochs: 3,
      seed: 7,
      notices: ['a notice'],
    });
    const bytes = serializeTagger(model);
    const back = deserializeTagger(bytes, 'tiny');
    expect(serializeTagger(back)).toEqual(bytes);
    expect(back.tags).toEqual(['DET', 'NOUN', 'VERB']);
    expect(back.notices).toEqual(['a notice']);
    // Both directions' perceptrons are kept.
    expect(back.backward!.features.size).toBe(model.backward!.features.size);
    const saved = back.backward!.weights;
    expect(saved.length).toBe(model.backward!.weights.length);
    // Weights are written with 3 decimals.
    expect(saved.every((w, i) => Math.abs(w - model.backward!.weights[i]!) <= 5e-4)).toBe(true);
    const tagger = createTagger({ lang: 'en', model: back });
    expect(tagger.tagTokens(['a', 'cat', 'barks']).map((w) => w.upos)).toEqual(['DET', 'NOUN', 'VERB']);
  });

  it('read version 1 files (left to right only), and tag with one direction', () => {
    const v1 = gzipSync('verbo-tagger\t1\nlang\ten\ntags\tDET NOUN\nf\tw the\t0:1\nf\tb\t1:0.5\n');
    const model = deserializeTagger(v1, 'v1.gz');
    expect(model.backward).toBeUndefined();
    const tagger = createTagger({ lang: 'en', model });
    expect(tagger.tagTokens(['the', 'cat']).map((w) => w.upos)).toEqual(['DET', 'NOUN']);
  });

  it('sum both directions: the right-to-left perceptron can overrule the left-to-right one', () => {
    // Left to right says NOUN for everything; right to left says DET for "the" strongly enough.
    const text = ['verbo-tagger\t2', 'lang\ten', 'tags\tDET NOUN', 'f\tb\t1:1', 'r\tb\t1:1', 'r\tw the\t0:3'];
    const model = deserializeTagger(gzipSync(`${text.join('\n')}\n`), 'm.gz');
    const tagger = createTagger({ lang: 'en', model });
    expect(tagger.tagTokens(['the', 'cat']).map((w) => w.upos)).toEqual(['DET', 'NOUN']);
    const forwardOnly = createTagger({ lang: 'en', model: { ...model, backward: undefined } });
    expect(forwardOnly.tagTokens(['the', 'cat']).map((w) => w.upos)).toEqual(['NOUN', 'NOUN']);
  });

  it('train deterministically for a seed', () => {
    const a = serializeTagger(trainTagger(tiny, { lang: 'en', lexicon: knowledge, epochs: 4, seed: 3 }));
    const b = serializeTagger(trainTagger(tiny, { lang: 'en', lexicon: knowledge, epochs: 4, seed: 3 }));
    expect(a).toEqual(b);
  });

  it('average their members: one member is the plain perceptron, more give the mean of the weights', () => {
    const options = { lang: 'en' as const, lexicon: knowledge, epochs: 4, seed: 3, prune: 0, dropout: 0 };
    const one = trainTagger(tiny, { ...options, members: 1 });
    const three = trainTagger(tiny, { ...options, members: 3 });
    // members 2 and 3 see other sentence orders, so the mean moves away from member 1's weights
    expect(Array.from(three.weights)).not.toEqual(Array.from(one.weights));
    // a mean, not a sum: the largest weight stays near one member's (a sum of three would be about 3×)
    const largest = (weights: Float32Array) => weights.reduce((m, w) => Math.max(m, Math.abs(w)), 0);
    expect(largest(three.weights)).toBeLessThanOrEqual(1.5 * largest(one.weights));
    const tagger = createTagger({ lang: 'en', model: three });
    expect(tagger.tagTokens(['the', 'cat']).map((w) => w.upos)).toEqual(['DET', 'NOUN']);
  });

  it('leave features out with dropout: seeded, a different model, still learning the tiny data', () => {
    const options = { lang: 'en' as const, lexicon: knowledge, epochs: 8, seed: 3, prune: 0, members: 1 };
    const plain = trainTagger(tiny, { ...options, dropout: 0 });
    const dropped = trainTagger(tiny, { ...options, dropout: 0.3 });
    expect(serializeTagger(trainTagger(tiny, { ...options, dropout: 0.3 }))).toEqual(
      serializeTagger(dropped),
    );
    expect(Array.from(dropped.weights)).not.toEqual(Array.from(plain.weights));
    const tagger = createTagger({ lang: 'en', model: dropped });
    expect(tagger.tagTokens(['the', 'cat', 'sleeps']).map((w) => w.upos)).toEqual(['DET', 'NOUN', 'VERB']);
    for (const bad of [-0.1, 1, Number.NaN])
      expect(() => trainTagger(tiny, { ...options, dropout: bad })).toThrow(/dropout must be in \[0, 1\)/);
  });

  it('refuse a member or epoch count that is not a whole number ≥ 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => trainTagger(tiny, { lang: 'en', lexicon: knowledge, members: bad })).toThrow(
        /members must be a whole number ≥ 1/,
      );
      expect(() => trainTagger(tiny, { lang: 'en', lexicon: knowledge, epochs: bad })).toThrow(
        /epochs must be a whole number ≥ 1/,
      );
    }
  });

  it('are checked when read', () => {
    expect(() => deserializeTagger(Buffer.from('not gzip'), 'm.gz')).toThrow(FormatError);
    expect(() => deserializeTagger(gzipSync('other\t1\n'), 'm.gz')).toThrow(
      /m\.gz, line 1: expected the header/,
    );
    const bad = gzipSync('verbo-tagger\t1\nlang\ten\ntags\tA B\nf\tb\t7:1\n');
    expect(() => deserializeTagger(bad, 'm.gz')).toThrow(/line 4: bad weight "7:1"/);
  });

  it('ship for both languages, small, with the licence notices of their data', () => {
    for (const lang of ['en', 'pt'] as const) {
      const model = loadTaggerModel(lang);
      expect(model.lang).toBe(lang);
      expect(model.notices.join(' ')).toMatch(/CC BY-SA 4\.0/);
      expect(model.tags).toContain('NOUN');
    }
    expect(loadTaggerModel('pt').tags).toContain('ADP+DET');
    expect(loadPortugueseLexicon().notices.join(' ')).toMatch(/Apache License, Version 2\.0/);
    expect(() => createTagger({ lang: 'fr' as 'en' })).toThrow(VerboError);
  });
});

describe("natural's Brill lexicon as the English tagger's second lexicon", () => {
  it('gives Penn Treebank tags, most likely first, marking words found only in another case', () => {
    expect(englishLexiconTags('walked')).toBe('VBD,VBN');
    expect(englishLexiconTags('Paris')).toBe('NNP');
    expect(englishLexiconTags('RUNNING')).toMatch(/^l:VBG(,|$)/);
    expect(englishLexiconTags('xyzzyq')).toBe('');
    expect(englishLexiconTags('constructor')).toBe('');
  });
});

describe('harmonizing a second treebank with the reference', () => {
  // The reference: "o" mostly DET, but PRON before "que"; "de" SCONJ before a verb, else ADP.
  const reference = [
    ...Array.from({ length: 6 }, () => ({ words: ['o', 'carro'], tags: ['DET', 'NOUN'] })),
    ...Array.from({ length: 3 }, () => ({ words: ['o', 'que', 'quer'], tags: ['PRON', 'PRON', 'VERB'] })),
    ...Array.from({ length: 3 }, () => ({ words: ['de', 'fazer'], tags: ['SCONJ', 'VERB'] })),
    ...Array.from({ length: 3 }, () => ({ words: ['de', 'casa'], tags: ['ADP', 'NOUN'] })),
  ];

  it('decides by the word pair where the reference saw it, else by word and whether a verb follows', () => {
    const [pair, word, verb, unseen] = harmonize(
      [
        { words: ['o', 'que', 'quer'], tags: ['DET', 'PRON', 'VERB'] },
        { words: ['o', 'livro'], tags: ['PRON', 'NOUN'] },
        { words: ['de', 'ler'], tags: ['ADP', 'VERB'] },
        { words: ['sob', 'casas'], tags: ['ADP', 'NOUN'] },
      ],
      reference,
      0.25,
    );
    expect(pair!.tags).toEqual(['PRON', 'PRON', 'VERB']); // "o que": PRON in all 3 of the reference's
    // "o livro", a pair the reference never saw: "o" not before a verb is DET in 6 of 9, under 80%, so
    // PRON is kept but left out of learning.
    expect(word!.tags).toEqual(['PRON', 'NOUN']);
    expect(word!.skip).toEqual([true, false]);
    expect(verb!.tags).toEqual(['SCONJ', 'VERB']); // "de" before a verb: SCONJ in the reference
    expect(unseen!.skip).toEqual([true, false]); // a function word the reference never saw
    expect(pair!.weight).toBe(0.25);
  });
});

describe('English lemmas by part of speech (the error classes of issue 14)', () => {
  const rows: [string, string, string, string?, string?][] = [
    ['amazing', 'ADJ', 'amazing'],
    ['hidden', 'ADJ', 'hidden'],
    ['hoping', 'VERB', 'hope'],
    ['hated', 'VERB', 'hate'],
    ['rates', 'NOUN', 'rate'],
    ['dining', 'VERB', 'dine'],
    ['hopping', 'VERB', 'hop'],
    ['thanks', 'NOUN', 'thanks'],
    ['its', 'PRON', 'its'],
    ['better', 'ADV', 'well'],
    ['best', 'ADV', 'well'],
    ['better', 'ADJ', 'good'],
    ['earlier', 'ADV', 'early'],
    ['me', 'PRON', 'I'],
    ['them', 'PRON', 'they'],
    ['an', 'DET', 'a'],
    ['these', 'DET', 'this'],
    ['ca', 'AUX', 'can'],
    ["n't", 'PART', 'not'],
    ["'s", 'AUX', 'be', 'nice', 'ADJ'],
    ["'s", 'AUX', 'have', 'gone', 'VERB'],
    ["'s", 'AUX', 'have', 'been', 'AUX'],
    ["'s", 'PART', "'s", 'car', 'NOUN'],
    ['her', 'PRON', 'she', '.', 'PUNCT'],
    ['her', 'PRON', 'her', 'car', 'NOUN'],
    ['children', 'NOUN', 'child'],
    ['went', 'VERB', 'go'],
    ['London', 'PROPN', 'London'],
  ];
  it.each(rows)('%s %s → %s', (form, upos, lemma, nextForm, nextUpos) => {
    expect(englishLemma({ form, upos, nextForm, nextUpos })).toBe(lemma);
  });
});

describe('Portuguese lemmas by part of speech', () => {
  const rows: [string, string, string][] = [
    ['casa', 'NOUN', 'casa'],
    ['casa', 'VERB', 'casar'],
    ['era', 'AUX', 'ser'],
    ['era', 'NOUN', 'era'],
    ['dá', 'VERB', 'dar'],
    ['fazê', 'VERB', 'fazer'],
    ['darei', 'VERB', 'dar'],
    ['lo', 'PRON', 'ele'],
    ['nos', 'PRON', 'nós'],
    ['as', 'DET', 'o'],
    ['minhas', 'DET', 'meu'],
    ['garantidos', 'ADJ', 'garantido'],
    ['cantávamos', 'VERB', 'cantar'],
    ['googlaram', 'VERB', 'googlar'],
    ['blogueiros', 'NOUN', 'blogueiro'],
    ['Lisboa', 'PROPN', 'Lisboa'],
  ];
  it.each(rows)('%s %s → %s', (form, upos, lemma) => {
    expect(portugueseLemma(form, upos)).toBe(lemma);
  });

  it('split contractions and clitics in context', () => {
    const tagger = createTagger({ lang: 'pt' });
    const words = tagger.tagSentence('Encontrou-se com ele no parque, mas não nos viu. Dá-lo-ei.');
    expect(words.map((w) => `${w.token}/${w.lemma}`)).toEqual(
      ['Encontrou/encontrar', 'se/se', 'com/com', 'ele/ele', 'em/em', 'o/o', 'parque/parque', ',/,'].concat([
        'mas/mas',
        'não/não',
        'nos/nós',
        'viu/ver',
        './.',
        'Darei/dar',
        'lo/ele',
        './.',
      ]),
    );
  });
});

describe('accuracy on held-out UD sentences', () => {
  // Floors a few points under what the held-out fold measured (see the numbers beside each); the
  // report in the README has the 10-fold cross-validation.
  const cases = [
    {
      lang: 'en' as const,
      reference: 'en_ewt-ud-dev.conllu',
      secondary: [] as string[],
      upos: 0.935, // measured 0.9487 (10-fold cross-validation: 0.9420)
      lemma: 0.97,
    },
    {
      lang: 'pt' as const,
      reference: 'pt_bosque-ud-dev.conllu',
      secondary: ['pt_gsd-ud-dev.conllu', 'pt_gsd-ud-test.conllu'],
      upos: 0.95, // measured 0.9554 (5-fold cross-validation: 0.9529)
      lemma: 0.95,
    },
  ];
  for (const { lang, reference, secondary, upos, lemma } of cases) {
    const present = [reference, ...secondary].every((file) => existsSync(ud(file)));
    if (!present)
      console.warn(
        `SKIPPED: ${ud(reference)} or its companions are missing; ${lang} tagger accuracy not measured`,
      );
    it.skipIf(!present)(
      `${lang}: UPOS ≥ ${upos} and lemma ≥ ${lemma} on the held-out tenth of ${reference}`,
      () => {
        const sentences = read(reference);
        const fold = Math.ceil(sentences.length / 10);
        const heldOut = sentences.slice(0, fold);
        const model = trainTaggerFromConllu(sentences.slice(fold), {
          lang,
          lexicon: wordKnowledge(lang),
          seed: 1,
          secondary: secondary.flatMap(read),
        });
        const score = evaluateTagger(createTagger({ lang, model }), heldOut);
        console.log(
          `${lang} held-out: UPOS ${score.upos.accuracy.toFixed(4)}, lemma ${score.lemma.accuracy.toFixed(4)}`,
        );
        expect(score.upos.total).toBeGreaterThan(2000);
        expect(score.upos.accuracy).toBeGreaterThanOrEqual(upos);
        expect(score.lemma.accuracy).toBeGreaterThanOrEqual(lemma);
      },
      600_000,
    );
  }
});
