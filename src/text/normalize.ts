// Text normalization: Unicode composition (NFC/NFKC), lowercasing, optional accent folding, control
// characters removed and whitespace collapsed. Pure functions; `normalize` composes them in a fixed order
// so callers never have to remember which step must come first (folding needs composed text, and
// collapsing must run after control characters have become spaces).

export type NormalizeForm = 'NFC' | 'NFKC' | 'none';

export interface NormalizeOptions {
  /** Unicode normalization form; NFKC also folds compatibility characters (ﬁ → fi, full-width digits). Default 'NFC'. */
  form?: NormalizeForm;
  /** Lowercase (locale-independent). Default true. */
  lower?: boolean;
  /** Remove diacritics: "coração" → "coracao", "São" → "Sao". Default false. */
  foldAccents?: boolean;
  /** Replace runs of whitespace with one space and trim the ends. Default true. */
  collapseWhitespace?: boolean;
  /** Remove control and format characters (keeping the zero-width joiners emoji need). Default true. */
  removeControl?: boolean;
}

// Fast check: pure ASCII text is already in every normalization form.
const NON_ASCII = /[^\x00-\x7f]/;

/** Composes `text` into the given Unicode normalization form (a no-op for ASCII text). */
export function unicodeNormalize(text: string, form: NormalizeForm = 'NFC'): string {
  if (form === 'none' || !NON_ASCII.test(text)) return text;
  return text.normalize(form);
}

// Tabs, newlines and the other C0/C1 controls become spaces (they separate words); format characters
// (soft hyphen, byte-order mark, bidi marks, zero-width space) vanish, except ZWNJ/ZWJ (U+200C/D),
// which hold emoji sequences and some scripts together.
const CONTROL_AS_SPACE = /[\x00-\x1f\x7f-\x9f]/g;
const HAS_CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const FORMAT_CHARS = /(?![\u200c\u200d])\p{Cf}/gu;
const HAS_FORMAT = /\p{Cf}/u;

/** Turns control characters into spaces and removes invisible format characters. */
export function removeControlCharacters(text: string): string {
  let out = HAS_CONTROL.test(text) ? text.replace(CONTROL_AS_SPACE, ' ') : text;
  if (NON_ASCII.test(out) && HAS_FORMAT.test(out)) out = out.replace(FORMAT_CHARS, '');
  return out;
}

const WHITESPACE_RUN = /\s+/g;
// Only a run of two or more, or a whitespace character other than ' ', needs replacing.
const NEEDS_COLLAPSE = /\s\s|[^\S ]/;

/** Collapses every run of whitespace (any Unicode space) to one space and trims both ends. */
export function collapseWhitespace(text: string): string {
  return (NEEDS_COLLAPSE.test(text) ? text.replace(WHITESPACE_RUN, ' ') : text).trim();
}

// Letters that carry no combining mark under NFD but are commonly written without their stroke.
const FOLD_TABLE: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ł: 'l',
  Ł: 'L',
  ı: 'i',
};
const COMBINING_DIACRITICS = /[\u0300-\u036f]/g;
const FOLDABLE_LETTERS = /[ßæÆœŒøØđĐłŁı]/g;

/**
 * Removes diacritics from Latin letters: decomposes (NFD), drops the combining marks U+0300–U+036F and
 * recomposes, so "ação" → "acao" while emoji variation selectors and other scripts' marks survive.
 */
export function foldAccents(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  return text
    .normalize('NFD')
    .replace(COMBINING_DIACRITICS, '')
    .replace(FOLDABLE_LETTERS, (letter) => FOLD_TABLE[letter]!)
    .normalize('NFC');
}

/** Lowercases without locale rules (so "I" → "i" everywhere, also under a Turkish locale). */
export function lowercase(text: string): string {
  return text.toLowerCase();
}

/** The normalization steps in the order they run; each is skipped when its option is off. */
export const NORMALIZE_STEPS = [
  'removeControl',
  'unicode',
  'lower',
  'foldAccents',
  'collapseWhitespace',
] as const;

/** Runs the normalization steps on one piece of text. */
export function normalize(text: string, options: NormalizeOptions = {}): string {
  const form = options.form ?? 'NFC';
  let out = text;
  for (const step of NORMALIZE_STEPS) {
    switch (step) {
      case 'removeControl':
        if (options.removeControl ?? true) out = removeControlCharacters(out);
        break;
      case 'unicode':
        out = unicodeNormalize(out, form);
        break;
      case 'lower':
        if (options.lower ?? true) out = lowercase(out);
        break;
      case 'foldAccents':
        if (options.foldAccents ?? false) out = foldAccents(out);
        break;
      case 'collapseWhitespace':
        if (options.collapseWhitespace ?? true) out = collapseWhitespace(out);
        break;
    }
  }
  return out;
}
