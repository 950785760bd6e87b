// Word, sentence and character tokenization for English and Portuguese, table-driven.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createNaturalTokenizer,
  createWordTokenizer,
  splitSentences,
  type TokenizeOptions,
  tokenizeCharacters,
  tokenizeWhitespace,
  tokenizeWords,
} from '../../src/text/tokenize.js';

type Row = [input: string, expected: string[], options?: TokenizeOptions];

const english: Row[] = [
  ['Hello, world!', ['Hello', 'world']],
  ['  spaces\tand\nnewlines  ', ['spaces', 'and', 'newlines']],
  ['"Quoted" (parenthesised) [bracketed]; end.', ['Quoted', 'parenthesised', 'bracketed', 'end']],
  ["I don't think it's John's.", ['I', "don't", 'think', "it's", "John's"]],
  ['Don’t use curly quotes', ["Don't", 'use', 'curly', 'quotes']],
  [
    "I don't think it's John's.",
    ['I', 'do', "n't", 'think', 'it', "'s", 'John', "'s"],
    { splitContractions: true },
  ],
  [
    "We'll see; they're here, you've won, I'm done, she'd go",
    ['We', "'ll", 'see', 'they', "'re", 'here', 'you', "'ve", 'won', 'I', "'m", 'done', 'she', "'d", 'go'],
    { splitContractions: true },
  ],
  ["can't won't", ['ca', "n't", 'wo', "n't"], { splitContractions: true }],
  ["the dogs' bones, 'tis", ['the', 'dogs', 'bones', 'tis']],
  ['a well-known state-of-the-art idea', ['a', 'well-known', 'state-of-the-art', 'idea']],
  ['a well-known idea', ['a', 'well', 'known', 'idea'], { splitHyphens: true }],
  ['wait -- what?', ['wait', 'what']],
  [
    'pi is 3.14, a million is 1,000,000 at 12:30 on 22/11/2026',
    ['pi', 'is', '3.14', 'a', 'million', 'is', '1,000,000', 'at', '12:30', 'on', '22/11/2026'],
  ],
  ['pi is 3.14 and 42 is 42.', ['pi', 'is', 'and', 'is'], { keepNumbers: false }],
  ['the 1st mp3 of covid-19', ['the', '1st', 'mp3', 'of', 'covid-19']],
  ['e.g. the U.S.A. and i.e. that', ['e.g.', 'the', 'U.S.A.', 'and', 'i.e.', 'that']],
  [
    'see https://example.com/a?b=1&c=2. Then www.example.org!',
    ['see', 'https://example.com/a?b=1&c=2', 'Then', 'www.example.org'],
  ],
  ['see https://example.com/a. Then', ['see', 'Then'], { keepUrls: false }],
  ['mail john.doe+tag@example.co.uk now', ['mail', 'john.doe+tag@example.co.uk', 'now']],
  ['mail john.doe@example.com now', ['mail', 'now'], { keepEmails: false }],
  ['I ❤️ it 👍🏽 👨‍👩‍👧 🇧🇷', ['I', '❤️', 'it', '👍🏽', '👨‍👩‍👧', '🇧🇷']],
  ['I ❤️ it 👍🏽', ['I', 'it'], { keepEmoji: false }],
  ['Hi, you!', ['Hi', ',', 'you', '!'], { keepPunctuation: true }],
  ['snake_case stays', ['snake_case', 'stays']],
  ['naïve café résumé', ['naïve', 'café', 'résumé']],
  ['Ελληνικά и русский 日本語', ['Ελληνικά', 'и', 'русский', '日本語']],
  ['', []],
  ['... !!! ???', []],
  // The cases of issue 14.
  ['call 853-7906, it ended 6-4', ['call', '853-7906', 'it', 'ended', '6-4']],
  ['398,487MMBTU of gas', ['398,487', 'MMBTU', 'of', 'gas']],
  ["the 80's and '68", ['the', "80's", 'and', "'68"]],
  ['C++ and C# at AT&T, R&D', ['C++', 'and', 'C#', 'at', 'AT&T', 'R&D']],
  ['US$ 5 and −5 or -3 but x-5', ['US$', '5', 'and', '−5', 'or', '-3', 'but', 'x-5']],
  ['see space.com or news.bbc.co.uk.', ['see', 'space.com', 'or', 'news.bbc.co.uk']],
  ['a ____ line __init__ snake_case', ['a', 'line', 'init', 'snake_case']],
  ['Wait... what -- now?! ok', ['Wait', '...', 'what', '--', 'now', '?!', 'ok'], { keepPunctuation: true }],
  ['a ____ b', ['a', '____', 'b'], { keepPunctuation: true }],
];

const portuguese: Row[] = [
  ['São Paulo é a cidade.', ['São', 'Paulo', 'é', 'a', 'cidade']],
  ['A ação do coração!', ['A', 'ação', 'do', 'coração']],
  [
    'Vou fazê-lo e dá-lo a ela; disse-me que sim.',
    ['Vou', 'fazê-lo', 'e', 'dá-lo', 'a', 'ela', 'disse-me', 'que', 'sim'],
  ],
  ["Um copo d'água, pingo-d'água", ['Um', 'copo', "d'água", "pingo-d'água"]],
  ['o guarda-chuva e o beija-flor', ['o', 'guarda-chuva', 'e', 'o', 'beija-flor']],
  ['Vi-o na casa do Pedro', ['Vi-o', 'na', 'casa', 'do', 'Pedro'], { lang: 'pt' }],
  [
    'Vi-o na casa do Pedro, pelas ruas. Do alto, àquela hora',
    [
      'Vi-o',
      'em',
      'a',
      'casa',
      'de',
      'o',
      'Pedro',
      'por',
      'as',
      'ruas',
      'De',
      'o',
      'alto',
      'a',
      'aquela',
      'hora',
    ],
    { lang: 'pt', expandContractions: true },
  ],
  ['do e na', ['do', 'e', 'na'], { lang: 'en', expandContractions: true }],
  ['Custa R$ 1.234,56 às 14:30', ['Custa', 'R$', '1.234,56', 'às', '14:30']],
  // Contractions by context: the pronoun "nos", the verb "desse", the noun "pelo" stay whole.
  [
    'Não nos viu nos anos dele; se ele desse o pelo do gato',
    [
      'Não',
      'nos',
      'viu',
      'em',
      'os',
      'anos',
      'de',
      'ele',
      'se',
      'ele',
      'desse',
      'o',
      'pelo',
      'de',
      'o',
      'gato',
    ],
    { expandContractions: true },
  ],
  ['dá-lo-ei, disse-me', ['darei', 'lo', 'disse', 'me'], { splitHyphens: true }],
  ['dá-lo-ei, disse-me', ['dá-lo-ei', 'disse-me']],
  ['Ligue para contato@exemplo.com.br', ['Ligue', 'para', 'contato@exemplo.com.br']],
  ['Eu ❤️ o Brasil 🇧🇷', ['Eu', '❤️', 'o', 'Brasil', '🇧🇷']],
  ['Ó pá, põe-se à mesa', ['Ó', 'pá', 'põe-se', 'à', 'mesa']],
];

describe('tokenizeWords', () => {
  it.each(english)('en: %j', (input, expected, options) => {
    expect(tokenizeWords(input, options)).toEqual(expected);
  });
  it.each(portuguese)('pt: %j', (input, expected, options) => {
    expect(tokenizeWords(input, { lang: 'pt', ...options })).toEqual(expected);
  });

  it('keeps decomposed accents (a + combining tilde) inside the word', () => {
    const decomposed = 'cora\u0063\u0327a\u0303o sim';
    expect(tokenizeWords(decomposed)).toEqual([decomposed.split(' ')[0], 'sim']);
  });

  it('the fast path and the regular-expression path agree on plain text', () => {
    // keepPunctuation forces the regular expression for every chunk; dropping the punctuation tokens
    // must leave exactly what the fast path returns.
    const text =
      '"Call me Ishmael." Some years ago -- never mind how long precisely -- having little or no money ' +
      'in my purse (and nothing particular), I thought I would sail about; 1851, 3.5 ação, coração.';
    const fast = createWordTokenizer()(text);
    const slow = createWordTokenizer({ keepPunctuation: true })(text).filter((t) => /[\p{L}\p{N}]/u.test(t));
    expect(fast).toEqual(slow);
    expect(fast).toContain('Ishmael');
    expect(fast).toContain('coração');
  });
});

describe('fast path (property)', () => {
  // The fast path skips the regular expression for plain chunks; with keepPunctuation every chunk goes
  // through the regular expression, so dropping the punctuation tokens gives an independent oracle.
  const alphabet = [...'aZé ç ã1 9.,;:!?\'"-()[]@/_ \u00a0\u0303’#%&ABzx'];
  const fast = createWordTokenizer({ keepEmoji: false });
  const slow = createWordTokenizer({ keepEmoji: false, keepPunctuation: true });
  const punctuation = /^[^\s\p{L}\p{M}\p{N}]+$/u;
  it('gives the same tokens as the regular expression on random text', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), (chars) => {
        const text = chars.join('');
        expect(fast(text)).toEqual(slow(text).filter((token) => !punctuation.test(token)));
      }),
      { numRuns: 2000, seed: 20261122 },
    );
  });
});

describe('the ud convention', () => {
  const rows: Row[] = [
    [
      "I don't think it's John's; can't won't cannot gonna.",
      [
        'I',
        'do',
        "n't",
        'think',
        'it',
        "'s",
        'John',
        "'s",
        ';',
        'ca',
        "n't",
        'wo',
        "n't",
        'can',
        'not',
        'gon',
        'na',
        '.',
      ],
    ],
    ['Don’t', ['Do', 'n’t']],
    [
      'a well-known e-mail, non-human state-of-the-art',
      ['a', 'well', '-', 'known', 'e-mail', ',', 'non-human', 'state', '-', 'of', '-', 'the', '-', 'art'],
    ],
    ["the 80's", ['the', '80', "'s"]],
    [
      'Jennifer M. Anderson of Google Inc. said :-) see report.pdf, alt.animals.cat; b/c 13-17 or 853-7906',
      ['Jennifer', 'M.', 'Anderson', 'of', 'Google', 'Inc.', 'said', ':-)', 'see', 'report.pdf', ','].concat([
        'alt.animals.cat',
        ';',
        'b/c',
        '13',
        '-',
        '17',
        'or',
        '853-7906',
      ]),
    ],
    ['i dont know, im 650k short', ['i', 'do', 'nt', 'know', ',', 'i', 'm', '650', 'k', 'short']],
    [
      'Trata-se do guarda-chuva, dá-lo-ei à Ana; não nos viu.',
      [
        'Trata',
        'se',
        'de',
        'o',
        'guarda-chuva',
        ',',
        'darei',
        'lo',
        'a',
        'a',
        'Ana',
        ';',
        'não',
        'nos',
        'viu',
        '.',
      ],
      { lang: 'pt' },
    ],
    ['Do alto, porta-a-porta', ['De', 'o', 'alto', ',', 'porta-a-porta'], { lang: 'pt' }],
  ];
  it.each(rows)('%j', (input, expected, options) => {
    expect(tokenizeWords(input, { convention: 'ud', ...options })).toEqual(expected);
  });
  it('rejects an unknown convention', () => {
    expect(() => tokenizeWords('x', { convention: 'ptb' as 'ud' })).toThrow(
      /convention 'ptb'.*default or ud/,
    );
  });
});

describe('tokenizeWhitespace', () => {
  it.each([
    ['already  tokenized\ttext ', ['already', 'tokenized', 'text']],
    ["don't split-me d'água ,", ["don't", 'split-me', "d'água", ',']],
    ['   ', []],
  ] as const)('%j', (input, expected) => {
    expect(tokenizeWhitespace(input)).toEqual(expected);
  });
});

describe('tokenizeCharacters', () => {
  it('splits into grapheme clusters with single spaces', () => {
    expect(tokenizeCharacters('ação  👨‍👩‍👧 ok')).toEqual(['a', 'ç', 'ã', 'o', ' ', '👨‍👩‍👧', ' ', 'o', 'k']);
  });
  it('keeps a letter with a combining mark as one character', () => {
    expect(tokenizeCharacters('a\u0303o')).toEqual(['a\u0303', 'o']);
  });
  it('drops spaces on request', () => {
    expect(tokenizeCharacters(' a b ', { keepSpaces: false })).toEqual(['a', 'b']);
  });
});

describe('splitSentences', () => {
  const rows: [string, string[], 'en' | 'pt'][] = [
    ['One. Two! Three? Four', ['One.', 'Two!', 'Three?', 'Four'], 'en'],
    ['Dr. Smith met Mr. Brown. They spoke.', ['Dr. Smith met Mr. Brown.', 'They spoke.'], 'en'],
    ['He likes fruit, e.g. apples. She does not.', ['He likes fruit, e.g. apples.', 'She does not.'], 'en'],
    ['Cats, dogs, etc. are pets. Yes.', ['Cats, dogs, etc. are pets.', 'Yes.'], 'en'],
    ['We sold cats, dogs etc. Then we left.', ['We sold cats, dogs etc.', 'Then we left.'], 'en'],
    ['J. R. R. Tolkien wrote it. Really.', ['J. R. R. Tolkien wrote it.', 'Really.'], 'en'],
    ['It costs 3.50 dollars. Cheap!', ['It costs 3.50 dollars.', 'Cheap!'], 'en'],
    ['"Stop." She left.', ['"Stop."', 'She left.'], 'en'],
    ['Wait... what? no way', ['Wait... what? no way'], 'en'],
    [
      'O Sr. Silva e a Sra. Costa chegaram. Depois saíram.',
      ['O Sr. Silva e a Sra. Costa chegaram.', 'Depois saíram.'],
      'pt',
    ],
    [
      'A Dra. Maria, pág. 3, disse: «Sim.» Depois saiu.',
      ['A Dra. Maria, pág. 3, disse: «Sim.»', 'Depois saiu.'],
      'pt',
    ],
    ['Veio o Prof. Dr. Souza. Falou muito.', ['Veio o Prof. Dr. Souza.', 'Falou muito.'], 'pt'],
    ['', [], 'en'],
  ];
  it.each(rows)('%j', (input, expected, lang) => {
    expect(splitSentences(input, { lang })).toEqual(expected);
  });
  it('takes extra abbreviations', () => {
    expect(splitSentences('See Approx. Value here. Ok.', { abbreviations: ['Approx'] })).toEqual([
      'See Approx. Value here.',
      'Ok.',
    ]);
  });
});

describe('natural tokenizers', () => {
  it('are selectable and split accented words as natural does', () => {
    expect(createNaturalTokenizer('natural-word')('São Paulo')).toEqual(['S', 'o', 'Paulo']);
    expect(createNaturalTokenizer('natural-treebank')("don't")).toEqual(['do', "n't"]);
    expect(createNaturalTokenizer('natural-aggressive-pt')('São Paulo')).toEqual(['São', 'Paulo']);
  });
});
