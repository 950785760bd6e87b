// Stopword filtering. The English and Portuguese lists come from the `stopword` package (behind this
// small interface, so the package can be swapped); a user list file adds words, one per line. Filtering
// is a Set lookup per token, and the lists are matched case-insensitively only when the caller lowercases
// tokens first (the pipeline does), so the hot path never lowercases twice.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VerboError } from '../util/errors.js';
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

/** The built-in stopword list for a language (lowercase), a fresh copy. */
export function stopwordList(lang: Language): string[] {
  const lists = loadPackage();
  switch (lang) {
    case 'en':
      return [...lists.eng];
    case 'pt':
      return [...lists.por];
    default:
      throw new VerboError(
        `no stopword list for language '${lang as string}'; expected en or pt.`,
        'BAD_ARGUMENT',
      );
  }
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
