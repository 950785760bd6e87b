// Tokenization: words, sentences and characters, for English and Portuguese.
//
// The word tokenizer is one precompiled Unicode regular expression scanned with `exec` (the hot path of
// the whole pipeline, so no per-token objects). Letters are \p{L} plus combining marks, so "São Paulo",
// "ação" and "coração" stay whole. Choices, all documented in the tests:
// - English contractions stay whole by default ("don't", "it's"), as compromise and most word-vector
//   vocabularies (GoogleNews, fastText) have them; `splitContractions: true` splits them Penn Treebank
//   style ("do n't", "it 's"), as spaCy and NLTK do.
// - Portuguese hyphenated clitics stay whole ("dá-lo", "fazê-lo", "disse-me"), as do elisions ("d'água")
//   and hyphenated words ("guarda-chuva", "well-known"); `splitHyphens: true` splits at hyphens, except
//   that a Portuguese verb keeps its clitics apart as words ("dá-lo-ei" → "darei", "lo").
//   `expandContractions: true` rewrites preposition + article contractions: "do" → "de o", "na" → "em a",
//   but not where the previous word shows another reading ("não nos viu", "se ele desse", "o pelo").
// - Numbers ("3.14", "1,000", "12:30", "853-7906", "−5", "'68", "80's") are one token; a number glued to a
//   unit is two ("398,487MMBTU" → "398,487", "MMBTU"); "1st", "mp3", "covid-19" are words.
// - "C++", "C#", "AT&T", "US$", "R$" and bare domain names ("space.com") are one token each.
// - URLs and e-mail addresses are one token each, kept or dropped by option; so are emoji (with skin
//   tones, ZWJ sequences and flags). Punctuation is dropped unless `keepPunctuation` is set; a run of dots,
//   dashes, "!" or "?" is one mark ("...", "--", "?!"). Underscores only join letters ("snake_case").
// - Curly apostrophes become straight ones inside words ("don’t" → "don't"), except under `ud`.
// - `convention: 'ud'` tokenizes as the Universal Dependencies treebanks do, so the output can be scored
//   against them: punctuation kept, English contractions split ("do n't", "ca n't", "gon na"), English
//   hyphenated words split at the hyphen unless the first part is a prefix ("e-mail", "non-human"),
//   Portuguese contractions expanded into their two words and verbs split from their clitics
//   ("trata-se" → "trata", "se"), original apostrophes kept.
// The word lists (contractions, clitics, prefixes, abbreviations) are data files in data/.
import { createRequire } from 'node:module';
import { VerboError } from '../util/errors.js';
import { readDataRows } from './data.js';

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
  /**
   * 'default', or 'ud' to tokenize as the Universal Dependencies treebanks do (punctuation kept,
   * contractions split or expanded, hyphens as UD English / Portuguese treat them). Default 'default'.
   */
  convention?: TokenizeConvention;
}

export type TokenizeConvention = 'default' | 'ud';

// One alternative per token kind; the capture group that matched tells the kind. The URL, e-mail and
// domain alternatives are costly to try at every word, so a chunk only gets them when it contains '@',
// '://', 'www.' or a dot before a top-level domain; otherwise their groups are the never-matching `(?!)`.
const URL = String.raw`(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'\u0060]+`;
const EMAIL = String.raw`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`;
const TOP_LEVEL_DOMAINS =
  'com|org|net|edu|gov|mil|int|info|biz|io|co|uk|us|ca|au|br|pt|de|fr|es|it|nl|ru|jp|tv|me|ly|app|dev';
const DOMAIN = String.raw`[\p{L}\p{N}][\p{L}\p{N}\-]*(?:\.[\p{L}\p{N}\-]+)*\.(?:${TOP_LEVEL_DOMAINS})(?![\p{L}\p{N}\-]|\.[\p{L}\p{N}])`;
// A file name with a common extension ("report.pdf") is one token too.
const FILE_EXTENSIONS = 'pdf|docx?|html?|txt|xlsx?|pptx?|zip|jpe?g|png|gif|csv|exe|mp3|wav|mov|avi';
const DOMAIN_OR_FILE = String.raw`${DOMAIN}|[\p{L}\p{N}_\-]+\.(?:${FILE_EXTENSIONS})(?![\p{L}\p{N}])`;
const SPECIAL_HINT = new RegExp(
  String.raw`@|:\/\/|www\.|\.(?:${TOP_LEVEL_DOMAINS}|${FILE_EXTENSIONS})(?![\p{L}\p{N}])`,
  'iu',
);
// "U.S.A.", "e.g."; and a dotted name with at least two dots ("alt.animals.cat", "java.util.List").
const ACRONYM = String.raw`\p{L}(?:\.\p{L})+\.?(?![\p{L}\p{N}])|\p{Ll}[\p{L}\-]*(?:\.[\p{L}\-]+){2,}`;
const EMOJI = String.raw`\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*)*`;
// Words with symbols: a programming language ("C++", "C#"), initials joined by "&" ("AT&T", "R&D"), a
// currency written with a country prefix ("US$", "R$"), a slashed abbreviation ("b/c", "w/o", "PT/SP").
const SYMBOL_WORD = String.raw`(?<![\p{L}\p{N}])(?:\p{L}(?:\+\+|#)|\p{L}{1,3}&\p{L}{1,3}|\p{L}{1,3}\$|\p{L}{1,2}\/\p{L}{0,2})(?![\p{L}\p{N}+#&\/])`;
// A number: optional sign at a word start, digits with inner separators ("1,000.5", "12:30", "853-7906");
// a number with separators may be glued to a unit ("398,487MMBTU"), a plain run of digits may not ("mp3").
// "'68" and "80's" are numbers too.
const NUMBER = String.raw`'\p{Nd}{2}(?![\p{L}\p{M}\p{Nd}_])|(?:(?<![\p{L}\p{N}])[\-\u2212+])?\p{Nd}+(?:(?:[.,:/\-]\p{Nd}+)+(?![\p{Nd}_])|'s(?![\p{L}\p{N}])|(?![\p{L}\p{M}\p{Nd}_]))`;
const WORD_PART = String.raw`[\p{L}\p{M}\p{Nd}]+(?:_+[\p{L}\p{M}\p{Nd}]+)*`;
const WORD = String.raw`${WORD_PART}(?:['’]${WORD_PART}|[\-\u2010\u2011]${WORD_PART})*`;
// An emoticon (":-)", ";P") is one mark, and so is a run of ".", "!" and "?" ("...", "?!"), of dashes or
// equals signs, or of one of * $ < > _; otherwise a mark is one character.
const PUNCT = String.raw`(?<![\p{L}\p{N}])[:;=][\-o']?[()\[\]DPp\/|*]+(?![\p{L}\p{N}])|[.!?]{2,}|[\-=]{2,}|\*{2,}|\${2,}|<{2,}|>{2,}|_+|[^\s\p{L}\p{M}\p{N}]`;
const NEVER = '(?!)';

const GROUP = {
  url: 1,
  email: 2,
  domain: 3,
  acronym: 4,
  emoji: 5,
  symbolWord: 6,
  number: 7,
  word: 8,
  punct: 9,
} as const;

function compile(special: boolean, punctuation: boolean): RegExp {
  const parts = [
    special ? URL : NEVER,
    special ? EMAIL : NEVER,
    special ? DOMAIN_OR_FILE : NEVER,
    ACRONYM,
    EMOJI,
    SYMBOL_WORD,
    NUMBER,
    WORD,
    punctuation ? PUNCT : NEVER,
  ];
  return new RegExp(parts.map((part) => `(${part})`).join('|'), 'gu');
}

const URL_TRAILING_PUNCTUATION = /[.,;:!?)\]}'"»”’]+$/;
const APOSTROPHE_CURLY = /’/g;
const HYPHEN = /[-\u2010\u2011]/;
const NUMBER_WITH_UNIT = /^(\d+)((?!st$|nd$|rd$|th$|s$)\p{Ll}+)$/u;
// Under `ud`, a range ending in a small number splits at its hyphen ("13-17"); a phone number does not.
const NUMBER_RANGE = /^(\d{1,4})-(\d{1,2})$/;

// Penn Treebank contraction suffixes (English); under `ud` with either apostrophe.
const NEGATION = /^(.+)(n['’]t)$/i;
const CLITIC = /^(.+)(['’](?:s|re|ve|ll|d|m))$/i;

interface WordLists {
  contractions: Record<string, readonly string[]>;
  /** Portuguese contraction → previous words after which it is not expanded. */
  contractionCues: Map<string, ReadonlySet<string>>;
  englishSplits: Map<string, readonly string[]>;
  englishPrefixes: ReadonlySet<string>;
  clitics: ReadonlySet<string>;
  futureEndings: ReadonlySet<string>;
  /** Sentence splitting: abbreviations that never end a sentence, and those that may. */
  neverEnds: Record<Language, ReadonlySet<string>>;
  mayEnd: Record<Language, ReadonlySet<string>>;
}

let wordLists: WordLists | undefined;

/** The tokenizer's word lists, read from data/ once, on first use. */
function lists(): WordLists {
  if (wordLists !== undefined) return wordLists;
  const contractions: Record<string, readonly string[]> = {};
  for (const [form, first, second] of readDataRows('pt-contractions.tsv'))
    contractions[form!] = [first!, second!];
  const contractionCues = new Map<string, Set<string>>();
  for (const [form, previous] of readDataRows('pt-contraction-cues.tsv')) {
    let cues = contractionCues.get(form!);
    if (cues === undefined) contractionCues.set(form!, (cues = new Set()));
    cues.add(previous!);
  }
  const englishSplits = new Map<string, readonly string[]>();
  for (const [form, ...parts] of readDataRows('en-ud-splits.tsv')) englishSplits.set(form!, parts);
  const clitics = new Set<string>();
  const futureEndings = new Set<string>();
  for (const [kind, form] of readDataRows('pt-clitics.txt'))
    (kind === 'clitic' ? clitics : futureEndings).add(form!);
  const neverEnds = { en: new Set<string>(), pt: new Set<string>() };
  const mayEnd = { en: new Set<string>(), pt: new Set<string>() };
  for (const [lang, kind, word] of readDataRows('sentence-abbreviations.tsv'))
    (kind === 'never' ? neverEnds : mayEnd)[lang as Language].add(word!);
  wordLists = {
    contractions,
    contractionCues,
    englishSplits,
    englishPrefixes: new Set(readDataRows('en-hyphen-prefixes.txt').map((row) => row[0]!)),
    clitics,
    futureEndings,
    neverEnds,
    mayEnd,
  };
  return wordLists;
}

/** Portuguese preposition + article/pronoun contractions and their expansions ("do" → ["de", "o"]). */
export function portugueseContractions(): Readonly<Record<string, readonly string[]>> {
  return lists().contractions;
}

// An accented final vowel of a verb whose "r" fell before a clitic ("dá-lo" ← dar, "fazê-lo" ← fazer).
const INFINITIVE_VOWEL: Record<string, string> = { á: 'a', â: 'a', ê: 'e', é: 'e', í: 'i', ô: 'o', ó: 'o' };

/**
 * A Portuguese verb with hyphenated clitics as UD words: "trata-se" → ["trata", "se"]; mesoclisis joins the
 * future ending back to the verb: "dá-lo-ei" → ["darei", "lo"]. Undefined when `word` is not a verb with
 * clitics ("guarda-chuva", "porta-a-porta").
 */
export function splitPortugueseClitics(word: string): string[] | undefined {
  const parts = word.split(HYPHEN);
  if (parts.length < 2 || parts[0] === '') return undefined;
  const { clitics, futureEndings } = lists();
  const last = parts[parts.length - 1]!.toLowerCase();
  const ending = parts.length >= 3 && futureEndings.has(last) ? parts[parts.length - 1]! : undefined;
  const cliticParts = parts.slice(1, ending === undefined ? parts.length : parts.length - 1);
  if (cliticParts.length === 0 || !cliticParts.every((part) => clitics.has(part.toLowerCase())))
    return undefined;
  let host = parts[0]!;
  if (ending !== undefined) {
    const vowel = INFINITIVE_VOWEL[host.slice(-1)];
    host = (vowel === undefined ? host : `${host.slice(0, -1)}${vowel}r`) + ending;
  }
  return [host, ...cliticParts];
}

/** A word tokenizer with its options compiled in: text in, tokens out. */
export type WordTokenizer = (text: string) => string[];

/** Compiles a word tokenizer for the given options (reuse it: compiling costs more than a line). */
export function createWordTokenizer(options: TokenizeOptions = {}): WordTokenizer {
  const lang = options.lang ?? 'en';
  const convention = options.convention ?? 'default';
  if (convention !== 'default' && convention !== 'ud') {
    throw new VerboError(
      `unknown tokenization convention '${convention as string}'; expected default or ud.`,
      'BAD_ARGUMENT',
    );
  }
  const ud = convention === 'ud';
  const keepNumbers = options.keepNumbers ?? true;
  const keepUrls = options.keepUrls ?? true;
  const keepEmails = options.keepEmails ?? true;
  const keepEmoji = options.keepEmoji ?? true;
  const keepPunctuation = options.keepPunctuation ?? ud;
  const splitContractions = (options.splitContractions ?? ud) && lang === 'en';
  const expandContractions = (options.expandContractions ?? ud) && lang === 'pt';
  const splitHyphens = options.splitHyphens ?? false;
  const plain = compile(false, keepPunctuation);
  const special = compile(true, keepPunctuation);
  const { contractions, contractionCues, englishSplits, englishPrefixes } = lists();
  const neverEnds = lists().neverEnds[lang];
  const mayEnd = lists().mayEnd[lang];

  function pushHyphenated(word: string, out: string[]): boolean {
    if (lang === 'pt') {
      if (!ud && !splitHyphens) return false;
      const parts = splitPortugueseClitics(word);
      if (parts !== undefined) {
        for (const part of parts) out.push(part);
        return true;
      }
      if (ud) return false; // UD Portuguese keeps hyphenated compounds whole ("guarda-chuva").
    } else if (ud) {
      // UD English: split at each hyphen, keeping it as a token, unless the part before it is a prefix.
      const pieces = word.split(/([-\u2010\u2011])/);
      let current = pieces[0]!;
      for (let i = 1; i < pieces.length; i += 2) {
        const next = pieces[i + 1]!;
        if (englishPrefixes.has(current.toLowerCase())) {
          current += pieces[i]! + next;
        } else {
          pushWord(current, out, true);
          out.push(pieces[i]!);
          current = next;
        }
      }
      pushWord(current, out, true);
      return true;
    } else if (!splitHyphens) return false;
    for (const part of word.split(/[-\u2010\u2011]/)) if (part !== '') pushWord(part, out, true);
    return true;
  }

  /** Pushes a word matched by WORD, split at hyphens and contractions as the options say. */
  function pushWord(word: string, out: string[], hyphensDone = false): void {
    if (!ud && word.includes('’')) word = word.replace(APOSTROPHE_CURLY, "'");
    if (!hyphensDone && HYPHEN.test(word) && pushHyphenated(word, out)) return;
    if (splitContractions) {
      if (word.includes("'") || word.includes('’')) {
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
      } else if (ud && word.length <= 8) {
        const split = englishSplits.get(word.toLowerCase());
        if (split !== undefined) {
          let start = 0;
          for (const part of split) {
            out.push(word.slice(start, start + part.length));
            start += part.length;
          }
          return;
        }
        // EWT writes a number glued to a unit as two words ("650k", "8gb"), but not "1st" or "80s".
        const unit = NUMBER_WITH_UNIT.exec(word);
        if (unit !== null) {
          out.push(unit[1]!, unit[2]!);
          return;
        }
      }
    }
    out.push(word);
  }

  /** Whether `word`, followed by a period at `dot` in `text`, is an abbreviation or an initial. */
  function isAbbreviation(word: string, text: string, dot: number): boolean {
    const lower = word.toLowerCase();
    if (neverEnds.has(lower) || mayEnd.has(lower)) return true;
    // A capital initial before a capitalized name: "Jennifer M. Anderson".
    return word.length === 1 && /\p{Lu}/u.test(word) && /^\s+\p{Lu}/u.test(text.slice(dot + 1, dot + 4));
  }

  /**
   * Expands the contractions pushed into `out` as whole tokens ("do" → "de", "o"), each unless the token
   * before it shows another reading ("não nos", "se ele desse", "o pelo").
   */
  function expand(out: string[]): string[] {
    let result: string[] | undefined;
    for (let i = 0; i < out.length; i++) {
      const word = out[i]!;
      const lower = word.length <= 8 ? word.toLowerCase() : word;
      const expansion = contractions[lower];
      if (expansion === undefined) {
        result?.push(word);
        continue;
      }
      result ??= out.slice(0, i);
      const cues = contractionCues.get(lower);
      if (cues !== undefined && i > 0 && cues.has(out[i - 1]!.toLowerCase())) {
        result.push(word);
        continue;
      }
      // "Do" → "De o"; "DO" → "de o", as the UD Portuguese treebanks write them.
      const capitalized = word !== lower && word.slice(1) === lower.slice(1);
      result.push(capitalized ? expansion[0]![0]!.toUpperCase() + expansion[0]!.slice(1) : expansion[0]!);
      result.push(expansion[1]!);
    }
    return result ?? out;
  }

  function tokenizeWithPattern(text: string, out: string[]): void {
    const pattern = SPECIAL_HINT.test(text) ? special : plain;
    pattern.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(text)) !== null) {
      if (match[GROUP.word] !== undefined) {
        const word = match[GROUP.word]!;
        if (
          ud &&
          text.charCodeAt(pattern.lastIndex) === 46 &&
          isAbbreviation(word, text, pattern.lastIndex)
        ) {
          // UD keeps an abbreviation's period ("Inc.", "tel.") and an initial's ("M. Anderson").
          out.push(`${word}.`);
          pattern.lastIndex++;
        } else pushWord(word, out);
      } else if (match[GROUP.number] !== undefined) {
        if (keepNumbers) {
          const number = match[GROUP.number]!;
          const range = ud && lang === 'en' ? NUMBER_RANGE.exec(number) : null;
          if (ud && number.endsWith("'s")) out.push(number.slice(0, -2), "'s");
          else if (range !== null) out.push(range[1]!, '-', range[2]!);
          else if (ud && number.startsWith('-')) out.push('-', number.slice(1));
          else out.push(number);
        }
      } else if (match[GROUP.symbolWord] !== undefined) out.push(match[GROUP.symbolWord]!);
      else if (match[GROUP.domain] !== undefined) {
        if (keepUrls) out.push(match[GROUP.domain]!);
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
      return expandContractions ? expand(out) : out;
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
          // An apostrophe or hyphen may join two words or sign a number ("-5", "'68"); after the token it
          // is plain trailing punctuation.
          if (phase !== TRAILING) plainChunk = false;
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
      } else out.push(text.slice(tokenStart, tokenEnd));
    }
    return expandContractions ? expand(out) : out;
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
    if (/[A-Za-z]/.test(ch)) kinds[c] = LETTER;
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
        const { neverEnds, mayEnd } = lists();
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
