// Tokenization: words, sentences and characters, for English and Portuguese.
//
// The word tokenizer is one precompiled Unicode regular expression scanned with `exec` (the hot path of
// the whole pipeline, so no per-token objects). Letters are \p{L} plus combining marks, so "São Paulo",
// "ação" and "coração" stay whole. Choices, all documented in the tests:
// - English contractions stay whole by default ("don't", "it's"), as compromise and most word-vector
//   vocabularies (GoogleNews, fastText) have them; `splitContractions: true` splits them Penn Treebank
//   style ("do n't", "it 's"), as spaCy and NLTK do.
// - Portuguese hyphenated clitics stay whole ("dá-lo", "fazê-lo", "disse-me"), as do elisions ("d'água")
//   and hyphenated words ("guarda-chuva", "well-known"); `splitHyphens: true` splits at hyphens.
//   `expandContractions: true` rewrites preposition + article contractions: "do" → "de o", "na" → "em a".
// - Numbers ("3.14", "1,000", "12:30") are one token; "1st", "mp3", "covid-19" are words.
// - URLs and e-mail addresses are one token each, kept or dropped by option; so are emoji (with skin
//   tones, ZWJ sequences and flags). Punctuation is dropped unless `keepPunctuation` is set.
// - Curly apostrophes become straight ones inside words ("don’t" → "don't").
import { createRequire } from 'node:module';
import { VerboError } from '../util/errors.js';

export type Language = 'en' | 'pt';

export interface TokenizeOptions {
  /** Language of the text: selects contraction handling. Default 'en'. */
  lang?: Language;
  /** Keep numbers ("42", "3.14"). Default true. */
  keepNumbers?: boolean;
  /** Keep URLs as one token each. Default true; false drops them. */
  keepUrls?: boolean;
  /** Keep e-mail addresses as one token each. Default true; false drops them. */
  keepEmails?: boolean;
  /** Keep emoji as tokens. Default true. */
  keepEmoji?: boolean;
  /** Emit punctuation marks as one-character tokens. Default false (dropped). */
  keepPunctuation?: boolean;
  /** English: split contractions Penn Treebank style ("don't" → "do", "n't"). Default false. */
  splitContractions?: boolean;
  /** Portuguese: expand preposition + article contractions ("do" → "de", "o"). Default false. */
  expandContractions?: boolean;
  /** Split hyphenated words at their hyphens ("well-known" → "well", "known"). Default false. */
  splitHyphens?: boolean;
}

// One alternative per token kind; the capture group that matched tells the kind. The URL and e-mail
// alternatives are costly to try at every word, so a line only gets them when it contains '@', '://'
// or 'www.'; otherwise their groups are the never-matching `(?!)`.
const URL = String.raw`(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'\u0060]+`;
const EMAIL = String.raw`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`;
const ACRONYM = String.raw`\p{L}(?:\.\p{L})+\.?(?![\p{L}\p{N}])`;
const EMOJI = String.raw`\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*)*`;
const NUMBER = String.raw`\p{Nd}+(?:[.,:/]\p{Nd}+)*(?![\p{L}\p{M}\p{Nd}_])`;
const WORD = String.raw`[\p{L}\p{M}\p{Nd}_]+(?:['’][\p{L}\p{M}]+|[\-\u2010\u2011][\p{L}\p{M}\p{Nd}_]+)*`;
const PUNCT = String.raw`[^\s\p{L}\p{M}\p{N}]`;
const NEVER = '(?!)';

const GROUP = { url: 1, email: 2, acronym: 3, emoji: 4, number: 5, word: 6, punct: 7 } as const;

function compile(special: boolean, punctuation: boolean): RegExp {
  const parts = [
    special ? URL : NEVER,
    special ? EMAIL : NEVER,
    ACRONYM,
    EMOJI,
    NUMBER,
    WORD,
    punctuation ? PUNCT : NEVER,
  ];
  return new RegExp(parts.map((part) => `(${part})`).join('|'), 'gu');
}

const URL_TRAILING_PUNCTUATION = /[.,;:!?)\]}'"»”’]+$/;
const APOSTROPHE_CURLY = /’/g;

// Penn Treebank contraction suffixes (English).
const NEGATION = /^(.+)(n't)$/i;
const CLITIC = /^(.+)('s|'re|'ve|'ll|'d|'m)$/i;

/** Portuguese preposition + article/pronoun contractions and their expansions. */
export const PORTUGUESE_CONTRACTIONS: Readonly<Record<string, readonly string[]>> = {
  do: ['de', 'o'],
  da: ['de', 'a'],
  dos: ['de', 'os'],
  das: ['de', 'as'],
  no: ['em', 'o'],
  na: ['em', 'a'],
  nos: ['em', 'os'],
  nas: ['em', 'as'],
  ao: ['a', 'o'],
  aos: ['a', 'os'],
  à: ['a', 'a'],
  às: ['a', 'as'],
  pelo: ['por', 'o'],
  pela: ['por', 'a'],
  pelos: ['por', 'os'],
  pelas: ['por', 'as'],
  num: ['em', 'um'],
  numa: ['em', 'uma'],
  nuns: ['em', 'uns'],
  numas: ['em', 'umas'],
  dum: ['de', 'um'],
  duma: ['de', 'uma'],
  dele: ['de', 'ele'],
  dela: ['de', 'ela'],
  deles: ['de', 'eles'],
  delas: ['de', 'elas'],
  nele: ['em', 'ele'],
  nela: ['em', 'ela'],
  neles: ['em', 'eles'],
  nelas: ['em', 'elas'],
  deste: ['de', 'este'],
  desta: ['de', 'esta'],
  destes: ['de', 'estes'],
  destas: ['de', 'estas'],
  desse: ['de', 'esse'],
  dessa: ['de', 'essa'],
  desses: ['de', 'esses'],
  dessas: ['de', 'essas'],
  disto: ['de', 'isto'],
  disso: ['de', 'isso'],
  daquilo: ['de', 'aquilo'],
  daquele: ['de', 'aquele'],
  daquela: ['de', 'aquela'],
  daqueles: ['de', 'aqueles'],
  daquelas: ['de', 'aquelas'],
  neste: ['em', 'este'],
  nesta: ['em', 'esta'],
  nestes: ['em', 'estes'],
  nestas: ['em', 'estas'],
  nesse: ['em', 'esse'],
  nessa: ['em', 'essa'],
  nesses: ['em', 'esses'],
  nessas: ['em', 'essas'],
  nisto: ['em', 'isto'],
  nisso: ['em', 'isso'],
  naquilo: ['em', 'aquilo'],
  naquele: ['em', 'aquele'],
  naquela: ['em', 'aquela'],
  naqueles: ['em', 'aqueles'],
  naquelas: ['em', 'aquelas'],
  àquele: ['a', 'aquele'],
  àquela: ['a', 'aquela'],
  àqueles: ['a', 'aqueles'],
  àquelas: ['a', 'aquelas'],
  àquilo: ['a', 'aquilo'],
  daqui: ['de', 'aqui'],
  daí: ['de', 'aí'],
  dali: ['de', 'ali'],
};

/** A word tokenizer with its options compiled in: text in, tokens out. */
export type WordTokenizer = (text: string) => string[];

/** Compiles a word tokenizer for the given options (reuse it: compiling costs more than a line). */
export function createWordTokenizer(options: TokenizeOptions = {}): WordTokenizer {
  const lang = options.lang ?? 'en';
  const keepNumbers = options.keepNumbers ?? true;
  const keepUrls = options.keepUrls ?? true;
  const keepEmails = options.keepEmails ?? true;
  const keepEmoji = options.keepEmoji ?? true;
  const keepPunctuation = options.keepPunctuation ?? false;
  const splitContractions = (options.splitContractions ?? false) && lang === 'en';
  const expandContractions = (options.expandContractions ?? false) && lang === 'pt';
  const splitHyphens = options.splitHyphens ?? false;
  const plain = compile(false, keepPunctuation);
  const special = compile(true, keepPunctuation);

  function pushWord(word: string, out: string[]): void {
    if (word.includes('’')) word = word.replace(APOSTROPHE_CURLY, "'");
    if (splitHyphens && (word.includes('-') || word.includes('\u2010') || word.includes('\u2011'))) {
      for (const part of word.split(/[-\u2010\u2011]/)) if (part !== '') pushWord(part, out);
      return;
    }
    if (splitContractions && word.includes("'")) {
      const negation = NEGATION.exec(word);
      if (negation) {
        out.push(negation[1]!, negation[2]!);
        return;
      }
      const clitic = CLITIC.exec(word);
      if (clitic) {
        out.push(clitic[1]!, clitic[2]!);
        return;
      }
    }
    if (expandContractions && word.length <= 8) {
      const lower = word.toLowerCase();
      const expansion = PORTUGUESE_CONTRACTIONS[lower];
      if (expansion !== undefined) {
        const capitalized = word !== lower;
        for (let i = 0; i < expansion.length; i++) {
          const part = expansion[i]!;
          out.push(i === 0 && capitalized ? part[0]!.toUpperCase() + part.slice(1) : part);
        }
        return;
      }
    }
    out.push(word);
  }

  function tokenizeWithPattern(text: string, out: string[]): void {
    const hasSpecial = text.includes('@') || text.includes('://') || text.includes('www.');
    const pattern = hasSpecial ? special : plain;
    pattern.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(text)) !== null) {
      if (match[GROUP.word] !== undefined) pushWord(match[GROUP.word]!, out);
      else if (match[GROUP.number] !== undefined) {
        if (keepNumbers) out.push(match[GROUP.number]!);
      } else if (match[GROUP.acronym] !== undefined) out.push(match[GROUP.acronym]!);
      else if (match[GROUP.emoji] !== undefined) {
        if (keepEmoji) out.push(match[GROUP.emoji]!);
      } else if (match[GROUP.url] !== undefined) {
        let url = match[GROUP.url]!;
        const trailing = URL_TRAILING_PUNCTUATION.exec(url);
        if (trailing) {
          // Leave sentence punctuation after a URL to be read as punctuation.
          url = url.slice(0, trailing.index);
          pattern.lastIndex = match.index + url.length;
        }
        if (keepUrls && url.length > 0) out.push(url);
      } else if (match[GROUP.email] !== undefined) {
        if (keepEmails) out.push(match[GROUP.email]!);
      } else if (match[GROUP.punct] !== undefined) out.push(match[GROUP.punct]!);
    }
  }

  if (keepPunctuation) {
    return (text: string): string[] => {
      const out: string[] = [];
      tokenizeWithPattern(text, out);
      return out;
    };
  }

  // The fast path. No token spans ASCII whitespace, so the text is cut there into chunks. A chunk that
  // is plain — optional punctuation, then only letters (ASCII or Latin-1/Extended-A) or only ASCII
  // digits, then optional punctuation — yields the same token the regular expression would, without
  // running it; any other chunk ("don't", "e.g.", "dá-lo", emoji, URLs) goes to the regular expression.
  const LEADING = 0;
  const LETTERS = 1;
  const DIGITS = 2;
  const TRAILING = 3;
  return (text: string): string[] => {
    const out: string[] = [];
    const length = text.length;
    let i = 0;
    while (i < length) {
      let code = text.charCodeAt(i);
      if (code === 32 || (code >= 9 && code <= 13)) {
        i++;
        continue;
      }
      const chunkStart = i;
      let phase = LEADING;
      let tokenStart = -1;
      let tokenEnd = -1;
      let plainChunk = true;
      for (; i < length; i++) {
        code = text.charCodeAt(i);
        if (code === 32 || (code >= 9 && code <= 13)) break;
        if (!plainChunk) continue;
        const kind = code < 128 ? ASCII_KIND[code]! : isLatinLetter(code) ? LETTER : OTHER;
        if (kind === LETTER) {
          if (phase === LEADING) {
            phase = LETTERS;
            tokenStart = i;
          } else if (phase !== LETTERS) plainChunk = false;
        } else if (kind === DIGIT) {
          if (phase === LEADING) {
            phase = DIGITS;
            tokenStart = i;
          } else if (phase !== DIGITS) plainChunk = false;
        } else if (kind === CLOSING) {
          if (phase === LETTERS || phase === DIGITS) {
            phase = TRAILING;
            tokenEnd = i;
          }
        } else if (kind === JOINER) {
          // An apostrophe or hyphen may join two words; after the token it is plain trailing punctuation.
          if (phase === LETTERS || phase === DIGITS) plainChunk = false;
        } else plainChunk = false;
      }
      if (!plainChunk) {
        tokenizeWithPattern(text.slice(chunkStart, i), out);
        continue;
      }
      if (tokenStart < 0) continue;
      if (tokenEnd < 0) tokenEnd = i;
      if (phase === DIGITS || (phase === TRAILING && ASCII_KIND[text.charCodeAt(tokenStart)] === DIGIT)) {
        if (keepNumbers) out.push(text.slice(tokenStart, tokenEnd));
      } else if (expandContractions) pushWord(text.slice(tokenStart, tokenEnd), out);
      else out.push(text.slice(tokenStart, tokenEnd));
    }
    return out;
  };
}

// Character kinds for the fast path.
const OTHER = 0;
const LETTER = 1;
const DIGIT = 2;
const CLOSING = 3; // punctuation that never continues a token: . , ; : ! ? " ( ) [ ] { }
const JOINER = 4; // ' and -, which may join two words
const ASCII_KIND = (() => {
  const kinds = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    if (/[A-Za-z_]/.test(ch)) kinds[c] = LETTER;
    else if (/[0-9]/.test(ch)) kinds[c] = DIGIT;
    else if ('.,;:!?"()[]{}'.includes(ch)) kinds[c] = CLOSING;
    else if (ch === "'" || ch === '-') kinds[c] = JOINER;
  }
  return kinds;
})();

/** Letters of Latin-1 Supplement and Latin Extended-A/B (U+00C0–U+024F, except × and ÷). */
function isLatinLetter(code: number): boolean {
  return code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7;
}

/** Tokenizes `text` into words with the given options (compiles a tokenizer per call; see createWordTokenizer). */
export function tokenizeWords(text: string, options: TokenizeOptions = {}): string[] {
  return createWordTokenizer(options)(text);
}

/** Splits already-tokenized text on whitespace only (gensim LineSentence, the word2vec C tool). */
export function tokenizeWhitespace(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

let graphemes: Intl.Segmenter | undefined;

/**
 * Splits text into user-perceived characters (grapheme clusters), so "ã" written as a + combining tilde
 * and a family emoji are one character each. Whitespace runs become a single ' ' token unless
 * `keepSpaces` is false, when they are dropped.
 */
export function tokenizeCharacters(text: string, options: { keepSpaces?: boolean } = {}): string[] {
  graphemes ??= new Intl.Segmenter('und', { granularity: 'grapheme' });
  const keepSpaces = options.keepSpaces ?? true;
  const out: string[] = [];
  let pendingSpace = false;
  for (const { segment } of graphemes.segment(text)) {
    if (/^\s+$/.test(segment)) {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace && keepSpaces && out.length > 0) out.push(' ');
    pendingSpace = false;
    out.push(segment);
  }
  return out;
}

// Abbreviations whose period never ends a sentence (titles, "e.g.", references) ...
const NEVER_ENDS: Record<Language, readonly string[]> = {
  en: [
    'mr',
    'mrs',
    'ms',
    'dr',
    'prof',
    'sr',
    'sra',
    'st',
    'mt',
    'rev',
    'hon',
    'gen',
    'col',
    'capt',
    'lt',
    'sgt',
    'gov',
    'sen',
    'rep',
    'pres',
    'e.g',
    'i.e',
    'cf',
    'vs',
    'viz',
    'no',
    'nos',
    'fig',
    'figs',
    'vol',
    'vols',
    'p',
    'pp',
    'ch',
    'sec',
    'ed',
    'eds',
    'approx',
    'dept',
    'est',
    'jan',
    'feb',
    'mar',
    'apr',
    'jun',
    'jul',
    'aug',
    'sep',
    'sept',
    'oct',
    'nov',
    'dec',
    'a.m',
    'p.m',
    'op',
    'al',
  ],
  pt: [
    'sr',
    'sra',
    'srs',
    'sras',
    'srta',
    'dr',
    'dra',
    'drs',
    'dras',
    'prof',
    'profa',
    'profs',
    'exmo',
    'exma',
    'ilmo',
    'ilma',
    'v.exa',
    'v.sa',
    'exa',
    'd',
    'dom',
    'sto',
    'sta',
    'pe',
    'fr',
    'pág',
    'págs',
    'p',
    'pp',
    'cap',
    'art',
    'arts',
    'n',
    'nº',
    'núm',
    'tel',
    'av',
    'r',
    'obs',
    'séc',
    'vol',
    'ed',
    'ex',
    'e.g',
    'i.e',
    'cf',
    'gen',
    'cel',
    'maj',
    'cap',
    'ten',
    'sgto',
    'jan',
    'fev',
    'mar',
    'abr',
    'mai',
    'jun',
    'jul',
    'ago',
    'set',
    'out',
    'nov',
    'dez',
    'a.c',
    'd.c',
    'aprox',
    'dept',
    'depto',
    'min',
  ],
};
// ... and those that end a sentence when the next word starts with a capital ("... and so on, etc. Then").
const MAY_END: Record<Language, readonly string[]> = {
  en: ['etc', 'inc', 'ltd', 'co', 'corp', 'jr', 'bros', 'u.s', 'u.k'],
  pt: ['etc', 'ltda', 'cia', 'jr', 's.a', 'e.u.a'],
};
const neverEnds = { en: new Set(NEVER_ENDS.en), pt: new Set(NEVER_ENDS.pt) };
const mayEnd = { en: new Set(MAY_END.en), pt: new Set(MAY_END.pt) };

// A candidate boundary: terminal punctuation, optional closing quotes/brackets, then whitespace.
const BOUNDARY = /([.!?…]+)(["'”’»)\]]*)\s+/gu;
const WORD_BEFORE_PERIOD = /([\p{L}\p{N}.º]+)$/u;
const STARTS_LOWERCASE = /^["'“‘«([]*\p{Ll}/u;
const STARTS_UPPERCASE = /^["'“‘«([—–-]*[\p{Lu}\p{N}]/u;

export interface SentenceOptions {
  lang?: Language;
  /** More abbreviations (without the final period, lowercase) that never end a sentence. */
  abbreviations?: readonly string[];
}

/**
 * Splits text into sentences at '.', '!', '?' and '…' followed by whitespace, except after known
 * abbreviations ("Dr.", "Sra.", "e.g."), single-letter initials ("J. Smith"), and before a lowercase
 * word. Returns the trimmed sentences; the text itself is not normalized.
 */
export function splitSentences(text: string, options: SentenceOptions = {}): string[] {
  const lang = options.lang ?? 'en';
  const extra = options.abbreviations
    ? new Set(options.abbreviations.map((a) => a.toLowerCase()))
    : undefined;
  const sentences: string[] = [];
  let start = 0;
  BOUNDARY.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = BOUNDARY.exec(text)) !== null) {
    const end = match.index + match[1]!.length + match[2]!.length;
    const rest = text.slice(BOUNDARY.lastIndex, BOUNDARY.lastIndex + 8);
    if (rest === '' || STARTS_LOWERCASE.test(rest)) continue;
    if (match[1] === '.') {
      const before = WORD_BEFORE_PERIOD.exec(text.slice(Math.max(start, match.index - 24), match.index));
      if (before) {
        const word = before[1]!.toLowerCase().replace(/^\.+/, '');
        if (neverEnds[lang].has(word) || extra?.has(word)) continue;
        if (/^\p{L}$/u.test(word)) continue; // an initial
        if (mayEnd[lang].has(word) && !STARTS_UPPERCASE.test(rest)) continue;
      }
    }
    const sentence = text.slice(start, end).trim();
    if (sentence !== '') sentences.push(sentence);
    start = BOUNDARY.lastIndex;
  }
  const last = text.slice(start).trim();
  if (last !== '') sentences.push(last);
  return sentences;
}

/** natural's tokenizers, selectable in the pipeline for comparison and compatibility. */
export type NaturalTokenizerName =
  | 'natural-word'
  | 'natural-wordpunct'
  | 'natural-treebank'
  | 'natural-aggressive'
  | 'natural-aggressive-pt';

export const NATURAL_TOKENIZERS: readonly NaturalTokenizerName[] = [
  'natural-word',
  'natural-wordpunct',
  'natural-treebank',
  'natural-aggressive',
  'natural-aggressive-pt',
];

interface NaturalTokenizer {
  tokenize(text: string): string[];
}

/**
 * One of natural's tokenizers behind our WordTokenizer type. natural is loaded by submodule path only:
 * its package index loads dotenv and storage back-ends and prints.
 */
export function createNaturalTokenizer(name: NaturalTokenizerName): WordTokenizer {
  const require = createRequire(import.meta.url);
  const base = 'natural/lib/natural/tokenizers/';
  let tokenizer: NaturalTokenizer;
  switch (name) {
    case 'natural-word':
      tokenizer = new (require(`${base}regexp_tokenizer.js`).WordTokenizer)();
      break;
    case 'natural-wordpunct':
      tokenizer = new (require(`${base}regexp_tokenizer.js`).WordPunctTokenizer)();
      break;
    case 'natural-treebank':
      tokenizer = new (require(`${base}treebank_word_tokenizer.js`))();
      break;
    case 'natural-aggressive':
      tokenizer = new (require(`${base}aggressive_tokenizer.js`))();
      break;
    case 'natural-aggressive-pt':
      tokenizer = new (require(`${base}aggressive_tokenizer_pt.js`))();
      break;
    default:
      throw new VerboError(
        `unknown tokenizer '${name as string}'; expected verbo or one of ${NATURAL_TOKENIZERS.join(', ')}.`,
        'BAD_ARGUMENT',
      );
  }
  return (text: string) => tokenizer.tokenize(text).filter((token) => token !== '');
}
