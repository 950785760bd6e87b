// Normalization steps alone and composed.
import { describe, expect, it } from 'vitest';
import {
  collapseWhitespace,
  foldAccents,
  normalize,
  removeControlCharacters,
  unicodeNormalize,
} from '../../src/text/normalize.js';

describe('normalize steps', () => {
  it('composes to NFC and NFKC', () => {
    const decomposed = 'a\u0303o'; // a + combining tilde
    expect(unicodeNormalize(decomposed, 'NFC')).toBe('\u00e3o');
    expect(unicodeNormalize('ﬁne ２', 'NFC')).toBe('ﬁne ２');
    expect(unicodeNormalize('ﬁne ２', 'NFKC')).toBe('fine 2');
    expect(unicodeNormalize(decomposed, 'none')).toBe(decomposed);
  });

  it.each([
    ['ação coração São Paulo', 'acao coracao Sao Paulo'],
    ['naïve café résumé Ångström', 'naive cafe resume Angstrom'],
    ['straße œuvre Łódź', 'strasse oeuvre Lodz'],
    ['plain ascii', 'plain ascii'],
    ['emoji ❤️ stays', 'emoji ❤️ stays'],
  ])('folds accents: %j', (input, expected) => {
    expect(foldAccents(input)).toBe(expected);
  });

  it('turns control characters into spaces and drops format characters', () => {
    expect(removeControlCharacters('a\u0000b\tc\u0007d')).toBe('a b c d');
    expect(removeControlCharacters('\ufeffso\u00adft\u200bhyphen')).toBe('softhyphen');
    // The zero-width joiner holds emoji sequences together.
    expect(removeControlCharacters('👨\u200d👩')).toBe('👨\u200d👩');
  });

  it('collapses whitespace runs, including Unicode spaces', () => {
    expect(collapseWhitespace('  a \t\n b\u00a0\u3000c  ')).toBe('a b c');
    expect(collapseWhitespace('a b')).toBe('a b');
  });
});

describe('normalize', () => {
  it.each([
    ['  Hello\tWORLD  ', {}, 'hello world'],
    ['São  Paulo', { foldAccents: true }, 'sao paulo'],
    ['São  Paulo', { lower: false }, 'São Paulo'],
    ['I\u0130', {}, 'ii\u0307'],
    ['ﬁ\u0000x', { form: 'NFKC' as const }, 'fi x'],
    ['a  b', { collapseWhitespace: false }, 'a  b'],
  ])('%j with %j', (input, options, expected) => {
    expect(normalize(input, options)).toBe(expected);
  });

  it('is idempotent', () => {
    const text = '  Ação\u0000 ﬁ  Coração\u00ad ';
    const once = normalize(text, { form: 'NFKC', foldAccents: true });
    expect(normalize(once, { form: 'NFKC', foldAccents: true })).toBe(once);
  });
});
