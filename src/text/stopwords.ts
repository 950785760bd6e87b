// Stopword filtering. The English and Portuguese lists are ours: each starts from the `stopword`
// package's list (behind this small interface, so the package can be swapped) and applies the reviewed
// changes in data/stopwords-<lang>.txt (`+ word` adds, `- word` removes: pronouns, the forms of
// ser/estar/ter/haver and contractions in, content verbs such as "said" out). A user list file or extra
// words add to it. Filtering
// is a Set lookup per token, and the lists are matched case-insensitively only when the caller lowercases
// tokens first (the pipeline does), so the hot path never lowercases twice.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VerboError } from '../util/errors.js';
import { readDataRows } from './data.js';
import type { Language } from './tokenize.js';

interface StopwordPackage {
  eng: string[];
  por: string[];
}

let stopwordPackage: StopwordPackage | undefined;

function loadPackage(): StopwordPackage {
  stopwordPackage ??= createRequire(import.meta.url)('stopword') as StopwordPackage;
  return stopwordPackage;
}

/** The `stopword` package's list with the changes of data/stopwords-<lang>.txt applied. */
function reviewedList(base: readonly string[], lang: Language): string[] {
  const words = new Set(base);
  for (const [line] of readDataRows(`stopwords-${lang}.txt`)) {
    const word = line!.slice(1).trim();
    if (line!.startsWith('+')) words.add(word);
    else if (line!.startsWith('-')) words.delete(word);
  }
  return [...words];
}

const lists = new Map<Language, readonly string[]>();

/** The built-in stopword list for a language (lowercase), a fresh copy. */
export function stopwordList(lang: Language): string[] {
  if (lang !== 'en' && lang !== 'pt') {
    throw new VerboError(
      `no stopword list for language '${lang as string}'; expected en or pt.`,
      'BAD_ARGUMENT',
    );
  }
  let list = lists.get(lang);
  if (list === undefined) {
    const pkg = loadPackage();
    list = reviewedList(lang === 'en' ? pkg.eng : pkg.por, lang);
    lists.set(lang, list);
  }
  return [...list];
}

/**
 * Reads a stopword list file: one word per line, blank lines and lines starting with '#' ignored, words
 * lowercased and trimmed.
 */
export function readStopwordFile(path: string): string[] {
  if (!existsSync(path)) {
    throw new VerboError(
      `stopword list '${path}' does not exist; give a text file with one word per line.`,
      'ENOENT',
    );
  }
  if (statSync(path).isDirectory()) {
    throw new VerboError(
      `stopword list '${path}' is a directory; give a text file with one word per line.`,
      'BAD_ARGUMENT',
    );
  }
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export interface StopwordOptions {
  /** Include the built-in list for this language. Omit for only the `extra` words. */
  lang?: Language;
  /** More words to remove. */
  extra?: readonly string[];
  /** A file of more words to remove, one per line. */
  file?: string;
}

/** A stopword set from the built-in list, extra words and/or a list file. */
export function createStopwordSet(options: StopwordOptions): ReadonlySet<string> {
  const words = new Set<string>();
  if (options.lang !== undefined) for (const word of stopwordList(options.lang)) words.add(word);
  if (options.extra !== undefined) for (const word of options.extra) words.add(word.toLowerCase());
  if (options.file !== undefined) for (const word of readStopwordFile(options.file)) words.add(word);
  return words;
}

/** Returns the tokens that are not in `stopwords` (exact match; lowercase the tokens first). */
export function removeStopwords(tokens: readonly string[], stopwords: ReadonlySet<string>): string[] {
  const kept: string[] = [];
  for (const token of tokens) if (!stopwords.has(token)) kept.push(token);
  return kept;
}
