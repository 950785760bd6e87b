// Data files of the text stage (word lists, lexicons, tagger models) live in src/text/data/, next to
// the code that reads them, and ship with the package (package.json `files` has `src`). They are found
// the same way from src/ (tests) and dist/ (the CLI) through the package root.
import { readFileSync } from 'node:fs';
import { packagePath } from '../util/paths.js';
import { VerboError } from '../util/errors.js';

/** The path of a data file of the text stage. */
export function textDataPath(name: string): string {
  return packagePath('src', 'text', 'data', name);
}

/** A data file's bytes; a missing or unreadable file is a clear error naming it. */
export function readTextData(name: string): Buffer {
  const path = textDataPath(name);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new VerboError(
      `cannot read verbo's data file ${path} (${(error as Error).message}); reinstall verbo`,
      'ENOENT',
    );
  }
}

/** A lemma table (UPOS, form, lemma per line) as a map from "UPOS form" to lemma. */
export function readLemmaTable(name: string): Map<string, string> {
  return new Map(readDataRows(name).map(([upos, form, lemma]) => [`${upos} ${form}`, lemma!]));
}

/**
 * The lines of a UTF-8 word-list file, trimmed, without blank lines and `#` comments. Each line's
 * tab-separated fields come back as an array.
 */
export function readDataRows(name: string): string[][] {
  const rows: string[][] = [];
  for (const raw of readTextData(name).toString('utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    rows.push(line.split('\t'));
  }
  return rows;
}
