// The text pipeline: normalize → tokenize → filter → stopwords → stem | lemma → fold accents, in the
// order declared once in PIPELINE_STEPS. Each step is a pure function from its own file; the pipeline
// compiles the options into one closure per line so the hot loop does no option lookups. Stems and
// lemmas are memoised per word type in a bounded cache: a corpus has few types and many tokens, and
// Porter stemming dominates the cost otherwise.
//
// `prep: 'none'` means the text is already tokenized: lines are split on whitespace and nothing else
// happens (gensim's LineSentence and the word2vec C tool behave so).
import { VerboError } from '../util/errors.js';
import type { LineCorpus } from './corpus.js';
import { createTagger, type TaggedWord, type Tagger } from './tag.js';
import { foldAccents as foldAccentsOf, type NormalizeForm, normalize } from './normalize.js';
import { createStemmer, STEMMER_NAMES, type StemmerName } from './stem.js';
import { createStopwordSet } from './stopwords.js';
import {
  createNaturalTokenizer,
  createWordTokenizer,
  type Language,
  NATURAL_TOKENIZERS,
  type NaturalTokenizerName,
  splitSentences,
  type TokenizeConvention,
  tokenizeWhitespace,
  type WordTokenizer,
} from './tokenize.js';

export type TokenizerName = 'verbo' | NaturalTokenizerName;

export interface PipelineOptions {
  /** Language: 'en' (default) or 'pt'. Picks the stopword list, default stemmer and lemmatizer. */
  lang?: Language;
  /** 'default' runs every step; 'none' splits already-tokenized text on whitespace only. */
  prep?: 'default' | 'none';
  /** Lowercase. Default true. */
  lower?: boolean;
  /** Remove diacritics from the final tokens ("ação" → "acao"). Default false. */
  foldAccents?: boolean;
  /** Unicode normalization form. Default 'NFC'. */
  normalizeForm?: NormalizeForm;
  /** Remove stopwords: true for the language's list; a path adds a list file (one word per line) to it. */
  stopwords?: boolean | string;
  /** More stopwords (added to the list when `stopwords` is on, or used alone when it is off). */
  extraStopwords?: readonly string[];
  /** Stem: a stemmer name, or true for the language's default (porter for en, rslp for pt). */
  stem?: StemmerName | boolean;
  /**
   * Lemmatize by part of speech: each line is tagged (createTagger) before the token steps, so "casa"
   * NOUN → casa but VERB → casar. Not with `stem`.
   */
  lemma?: boolean;
  /** Drop tokens shorter than this many characters (UTF-16 units). Default 1. */
  minLength?: number;
  /** Drop tokens longer than this. Default Infinity. */
  maxLength?: number;
  keepNumbers?: boolean;
  keepUrls?: boolean;
  keepEmails?: boolean;
  keepEmoji?: boolean;
  keepPunctuation?: boolean;
  /** English: split contractions Penn Treebank style ("do n't"). Default false: "don't" stays whole. */
  splitContractions?: boolean;
  /** Portuguese: expand contractions ("do" → "de o"). Default false. */
  expandContractions?: boolean;
  splitHyphens?: boolean;
  /** 'default', or 'ud' to tokenize as the Universal Dependencies treebanks do (see tokenize.ts). */
  convention?: TokenizeConvention;
  /** 'verbo' (default) or one of natural's tokenizers. */
  tokenizer?: TokenizerName;
  /** How many distinct words the stem/lemma cache holds before it is cleared. Default 100,000. */
  cacheSize?: number;
}

/** The steps of the default pipeline, in the order they run. */
export const PIPELINE_STEPS = [
  'normalize', // control characters, Unicode form, lowercase (after tagging when lemmatizing)
  'tokenize', // words; numbers, URLs, e-mails, emoji kept or dropped
  'tag', // with `lemma`: UPOS and lemma of each word, in its sentence's context
  'length', // minLength / maxLength
  'stopwords',
  'stem', // or 'lemma'; memoised per word type
  'foldAccents', // last, so stopword lists and stemmers see the accented forms they were written for
] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

export interface Pipeline {
  /** The resolved options. */
  readonly options: Readonly<Required<Omit<PipelineOptions, 'stem'>> & { stem: StemmerName | false }>;
  /** Plain-language notices about choices the pipeline made (e.g. the Portuguese lemma fallback). */
  readonly notices: string[];
  /** The tokens of one line. */
  tokens(line: string): string[];
  /** The text split into sentences (abbreviation-aware), each sentence's tokens. */
  sentences(text: string): string[][];
  /**
   * The tag step alone: one line's words as { token, upos, lemma } (normalized, not lowercased, before
   * the token steps). Loads the language's tagger on first use.
   */
  tag(line: string): TaggedWord[];
}

export const TOKENIZER_NAMES: readonly TokenizerName[] = ['verbo', ...NATURAL_TOKENIZERS];

/** The stemmer `stem: true` picks for a language. */
export function defaultStemmer(lang: Language): StemmerName {
  return lang === 'pt' ? 'rslp' : 'porter';
}

function resolveOptions(options: PipelineOptions): Pipeline['options'] {
  const lang = options.lang ?? 'en';
  if (lang !== 'en' && lang !== 'pt') {
    throw new VerboError(`unknown language '${lang as string}'; expected en or pt.`, 'BAD_ARGUMENT');
  }
  const prep = options.prep ?? 'default';
  if (prep !== 'default' && prep !== 'none') {
    throw new VerboError(`unknown prep '${prep as string}'; expected default or none.`, 'BAD_ARGUMENT');
  }
  const tokenizer = options.tokenizer ?? 'verbo';
  if (!TOKENIZER_NAMES.includes(tokenizer)) {
    throw new VerboError(
      `unknown tokenizer '${tokenizer}'; expected one of ${TOKENIZER_NAMES.join(', ')}.`,
      'BAD_ARGUMENT',
    );
  }
  let stem: StemmerName | false = false;
  if (options.stem === true) stem = defaultStemmer(lang);
  else if (typeof options.stem === 'string') {
    if (!STEMMER_NAMES.includes(options.stem)) {
      throw new VerboError(
        `unknown stemmer '${options.stem}'; expected one of ${STEMMER_NAMES.join(', ')}.`,
        'BAD_ARGUMENT',
      );
    }
    stem = options.stem;
  }
  const lemma = options.lemma ?? false;
  if (stem !== false && lemma) {
    throw new VerboError('choose either stemming or lemmatization, not both.', 'BAD_ARGUMENT');
  }
  const minLength = options.minLength ?? 1;
  const maxLength = options.maxLength ?? Number.POSITIVE_INFINITY;
  if (!(minLength >= 0) || !(maxLength >= minLength)) {
    throw new VerboError(
      `bad token length limits: minLength ${minLength}, maxLength ${maxLength}; need 0 ≤ min ≤ max.`,
      'BAD_ARGUMENT',
    );
  }
  const cacheSize = options.cacheSize ?? 100_000;
  const ud = options.convention === 'ud';
  return {
    lang,
    prep,
    lower: options.lower ?? true,
    foldAccents: options.foldAccents ?? false,
    normalizeForm: options.normalizeForm ?? 'NFC',
    stopwords: options.stopwords ?? false,
    extraStopwords: options.extraStopwords ?? [],
    stem,
    lemma,
    minLength,
    maxLength,
    keepNumbers: options.keepNumbers ?? true,
    keepUrls: options.keepUrls ?? true,
    keepEmails: options.keepEmails ?? true,
    keepEmoji: options.keepEmoji ?? true,
    keepPunctuation: options.keepPunctuation ?? ud,
    splitContractions: options.splitContractions ?? ud,
    expandContractions: options.expandContractions ?? ud,
    splitHyphens: options.splitHyphens ?? false,
    convention: options.convention ?? 'default',
    tokenizer,
    cacheSize,
  };
}

/** Wraps a word → word function in a memo of at most `size` entries (cleared when full). */
export function memoize(transform: (word: string) => string, size: number): (word: string) => string {
  let cache = new Map<string, string>();
  return (word: string): string => {
    let result = cache.get(word);
    if (result === undefined) {
      result = transform(word);
      if (cache.size >= size) cache = new Map();
      cache.set(word, result);
    }
    return result;
  };
}

/**
 * The same text in a string of its own. Tokens are substrings of their line, and V8 keeps a substring
 * of 13 or more characters as a view into its parent, so a token held in the memo would keep its whole
 * line (up to megabytes) alive. Prepending a character and reading the result (Number() flattens it)
 * makes a fresh flat string; cutting the character off again leaves a view into that small string only.
 */
function detachString(text: string): string {
  if (text.length < 13) return text;
  const padded = `_${text}`;
  Number(padded);
  return padded.slice(1);
}

/** Builds a pipeline from options. Throws a VerboError for a bad option or an unreadable stopword file. */
export function createPipeline(options: PipelineOptions = {}): Pipeline {
  const resolved = resolveOptions(options);
  const notices: string[] = [];

  if (resolved.prep === 'none') {
    let wordTagger: Tagger | undefined;
    return {
      options: resolved,
      notices,
      tokens: tokenizeWhitespace,
      tag: (line) => {
        wordTagger ??= createTagger({ lang: resolved.lang });
        return wordTagger.tagTokens(tokenizeWhitespace(line));
      },
      sentences: (text) => {
        const tokens = tokenizeWhitespace(text);
        return tokens.length === 0 ? [] : [tokens];
      },
    };
  }

  const { lang, lower, minLength, maxLength } = resolved;
  const normalizeOptions = {
    form: resolved.normalizeForm,
    lower,
    foldAccents: false,
    collapseWhitespace: false,
  };
  const tokenize: WordTokenizer =
    resolved.tokenizer === 'verbo'
      ? createWordTokenizer({
          lang,
          keepNumbers: resolved.keepNumbers,
          keepUrls: resolved.keepUrls,
          keepEmails: resolved.keepEmails,
          keepEmoji: resolved.keepEmoji,
          keepPunctuation: resolved.keepPunctuation,
          splitContractions: resolved.splitContractions,
          expandContractions: resolved.expandContractions,
          splitHyphens: resolved.splitHyphens,
          convention: resolved.convention,
        })
      : createNaturalTokenizer(resolved.tokenizer);

  let stopwords: ReadonlySet<string> | undefined;
  if (resolved.stopwords !== false || resolved.extraStopwords.length > 0) {
    stopwords = createStopwordSet({
      lang: resolved.stopwords !== false ? lang : undefined,
      file: typeof resolved.stopwords === 'string' ? resolved.stopwords : undefined,
      extra: resolved.extraStopwords,
    });
  }

  let transform: ((word: string) => string) | undefined;
  if (resolved.stem !== false) transform = createStemmer(resolved.stem);
  let tagger: Tagger | undefined;
  const taggerOf = (): Tagger => {
    tagger ??= createTagger({ lang });
    return tagger;
  };
  if (resolved.lemma) taggerOf();
  const taggingNormalize = { ...normalizeOptions, lower: false };
  const fold = resolved.foldAccents ? foldAccentsOf : undefined;
  const hasLengthLimits = minLength > 1 || maxLength !== Number.POSITIVE_INFINITY;
  const hasTokenSteps =
    hasLengthLimits || stopwords !== undefined || transform !== undefined || fold !== undefined;

  // The token-level steps (length, stopwords, stem | lemma, foldAccents), in PIPELINE_STEPS order, for
  // one word type; null drops the token. Memoised, so each distinct word is worked out once.
  function finishToken(token: string): string | null {
    if (hasLengthLimits && (token.length < minLength || token.length > maxLength)) return null;
    if (stopwords !== undefined && (stopwords.has(token) || (!lower && stopwords.has(token.toLowerCase())))) {
      return null;
    }
    let out = token;
    if (transform !== undefined) out = transform(out);
    if (fold !== undefined) out = fold(out);
    return out === '' ? null : out;
  }
  let finished = new Map<string, string | null>();

  /** With `lemma`: tag the line in context, then the token steps on each word, giving its lemma. */
  function lemmaTokens(line: string): string[] {
    const out: string[] = [];
    for (const word of taggerOf().tagTokens(tokenize(normalize(line, taggingNormalize)))) {
      const token = lower ? word.token.toLowerCase() : word.token;
      if (hasLengthLimits && (token.length < minLength || token.length > maxLength)) continue;
      if (stopwords !== undefined && (stopwords.has(token) || (!lower && stopwords.has(token.toLowerCase()))))
        continue;
      let lemma = lower ? word.lemma.toLowerCase() : word.lemma;
      if (fold !== undefined) lemma = fold(lemma);
      if (lemma !== '') out.push(lemma);
    }
    return out;
  }

  function tokens(line: string): string[] {
    if (resolved.lemma) return lemmaTokens(line);
    let text = line;
    let raw: string[] = [];
    for (const step of PIPELINE_STEPS) {
      switch (step) {
        case 'normalize':
          text = normalize(text, normalizeOptions);
          break;
        case 'tokenize':
          raw = tokenize(text);
          break;
        case 'tag':
          // Only with `lemma` (lemmaTokens); the plain path has nothing to tag.
          break;
        default:
          // The token-level steps run fused in finishToken, in the same declared order.
          break;
      }
    }
    if (!hasTokenSteps) return raw;
    // Filter and map in place: no second array per line.
    let kept = 0;
    for (let i = 0; i < raw.length; i++) {
      const token = raw[i]!;
      let result = finished.get(token);
      if (result === undefined) {
        const key = detachString(token);
        result = finishToken(key);
        if (finished.size >= resolved.cacheSize) finished = new Map();
        finished.set(key, result);
      }
      if (result !== null) raw[kept++] = result;
    }
    raw.length = kept;
    return raw;
  }

  return {
    options: resolved,
    notices,
    tokens,
    tag: (line) => taggerOf().tagTokens(tokenize(normalize(line, taggingNormalize))),
    sentences: (text) =>
      splitSentences(text, { lang })
        .map(tokens)
        .filter((sentence) => sentence.length > 0),
  };
}

/** A restartable stream of token arrays: every `for await` re-reads the corpus from the start. */
export interface TokenCorpus extends AsyncIterable<string[]> {
  readonly lines: LineCorpus;
  readonly pipeline: Pipeline;
}

export interface TokenCorpusOptions {
  /** Longest token array yielded; a longer line is split into chunks of this size. Default 10,000. */
  maxTokens?: number;
  /** Yield empty arrays for lines without tokens. Default false (they are skipped). */
  keepEmpty?: boolean;
}

/** The longest sentence word2vec trains on at once (the C tool's MAX_SENTENCE_LENGTH, gensim's MAX_WORDS_IN_BATCH). */
export const MAX_TOKENS_PER_LINE = 10_000;

/** Runs `pipeline` over every line of `lines`, one token array per line (long lines in 10,000-token chunks). */
export function tokenCorpus(
  lines: LineCorpus,
  pipeline: Pipeline,
  options: TokenCorpusOptions = {},
): TokenCorpus {
  const maxTokens = options.maxTokens ?? MAX_TOKENS_PER_LINE;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new VerboError(`maxTokens must be a whole number ≥ 1, got ${maxTokens}.`, 'BAD_ARGUMENT');
  }
  const keepEmpty = options.keepEmpty ?? false;
  async function* pass(): AsyncGenerator<string[]> {
    for await (const line of lines) {
      const tokens = pipeline.tokens(line);
      if (tokens.length <= maxTokens) {
        if (tokens.length > 0 || keepEmpty) yield tokens;
      } else {
        for (let start = 0; start < tokens.length; start += maxTokens)
          yield tokens.slice(start, start + maxTokens);
      }
    }
  }
  return { lines, pipeline, [Symbol.asyncIterator]: () => pass() };
}
