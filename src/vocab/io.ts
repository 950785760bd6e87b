// Saving and loading vocabularies. Two formats:
// - text, as the word2vec C tool's -save-vocab / -read-vocab: one "word count" per line, in id order;
// - versioned JSON ({ format: 'verbo-vocab', version: 1, ... }), which also keeps specials and how the
//   vocabulary was counted. Both write atomically; loading keeps the ids of the file (no re-sorting).
import { readFileSync } from 'node:fs';
import { FormatError, parseFailure, VerboError } from '../util/errors.js';
import { fileError, writeFileAtomic } from '../util/files.js';
import { Vocabulary } from './vocabulary.js';

export const VOCAB_JSON_FORMAT = 'verbo-vocab';
export const VOCAB_JSON_VERSION = 1;

/** Writes "word count" lines in id order (word2vec -save-vocab). Words must not contain whitespace. */
export function saveVocabularyText(vocab: Vocabulary, path: string): void {
  const lines: string[] = [];
  for (let id = 0; id < vocab.size; id++) {
    const word = vocab.words[id]!;
    if (/\s/u.test(word)) {
      throw new VerboError(
        `cannot save '${word}' in the text vocabulary format: words there may not contain whitespace; save as .json instead.`,
      );
    }
    lines.push(`${word} ${vocab.counts[id]}`);
  }
  writeFileAtomic(path, lines.length > 0 ? `${lines.join('\n')}\n` : '');
}

/**
 * Reads a "word count" per line file (word2vec -read-vocab) keeping the file's order as ids. Blank lines
 * are skipped; anything else that is not a word, whitespace and a whole count ≥ 0 is a FormatError that
 * names the line. `specials` marks the leading words that are specials (they must come first).
 */
export function loadVocabularyText(path: string, options: { specials?: readonly string[] } = {}): Vocabulary {
  const text = readText(path);
  const words: string[] = [];
  const counts: number[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/u);
    const lineNumber = i + 1;
    if (fields.length !== 2 || !/^\d+$/.test(fields[1]!)) {
      throw new FormatError(
        `${path}:${lineNumber}: expected "word count" (a word, a space, a whole number), got ${JSON.stringify(truncate(line))}.`,
      );
    }
    const word = fields[0]!;
    const first = seen.get(word);
    if (first !== undefined) {
      throw new FormatError(`${path}:${lineNumber}: '${word}' is listed twice (first on line ${first}).`);
    }
    seen.set(word, lineNumber);
    words.push(word);
    counts.push(Number(fields[1]));
  }
  if (words.length === 0) throw new FormatError(`${path}: the vocabulary file has no words.`);
  const specials = options.specials ?? [];
  specials.forEach((special, id) => {
    if (words[id] !== special) {
      throw new FormatError(
        `${path}: expected special '${special}' on entry ${id + 1}, found '${words[id]}'.`,
      );
    }
  });
  return new Vocabulary(words, counts, specials, { minCount: minOfRegular(counts, specials.length) });
}

/** The versioned JSON document of a vocabulary. */
export interface VocabularyJson {
  format: typeof VOCAB_JSON_FORMAT;
  version: number;
  size: number;
  specials: string[];
  minCount: number;
  tokensSeen: number;
  totalCount: number;
  pruneLevel: number;
  prunedTokens: number;
  words: string[];
  counts: number[];
  meta?: Record<string, unknown>;
}

export function vocabularyToJson(vocab: Vocabulary, meta?: Record<string, unknown>): VocabularyJson {
  const doc: VocabularyJson = {
    format: VOCAB_JSON_FORMAT,
    version: VOCAB_JSON_VERSION,
    size: vocab.size,
    specials: vocab.specials.slice(),
    minCount: vocab.minCount,
    tokensSeen: vocab.tokensSeen,
    totalCount: vocab.totalCount,
    pruneLevel: vocab.pruneLevel,
    prunedTokens: vocab.prunedTokens,
    words: vocab.words.slice(),
    counts: Array.from(vocab.counts),
  };
  if (meta !== undefined) doc.meta = meta;
  return doc;
}

/** Writes the versioned JSON vocabulary atomically; `meta` is stored as given (e.g. the pipeline options). */
export function saveVocabularyJson(vocab: Vocabulary, path: string, meta?: Record<string, unknown>): void {
  writeFileAtomic(path, `${JSON.stringify(vocabularyToJson(vocab, meta))}\n`);
}

/** Reads a vocabulary written by saveVocabularyJson, checking format, version and every field. */
export function loadVocabularyJson(path: string): Vocabulary {
  const text = readText(path);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`${path}: not valid JSON (${parseFailure(error)}); expected a verbo vocabulary.`);
  }
  return vocabularyFromJson(doc, path);
}

/** Checks and converts a parsed JSON vocabulary document; `source` names it in errors. */
export function vocabularyFromJson(doc: unknown, source = 'vocabulary'): Vocabulary {
  const fail = (what: string): never => {
    throw new FormatError(`${source}: ${what}`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('expected a JSON object.');
  const d = doc as Partial<Record<keyof VocabularyJson, unknown>>;
  if (d.format !== VOCAB_JSON_FORMAT) {
    fail(
      `expected "format": "${VOCAB_JSON_FORMAT}", got ${JSON.stringify(d.format)}; is this a verbo vocabulary?`,
    );
  }
  if (typeof d.version !== 'number' || !Number.isInteger(d.version) || d.version < 1) {
    fail(`"version" must be a whole number ≥ 1, got ${JSON.stringify(d.version)}.`);
  }
  if ((d.version as number) > VOCAB_JSON_VERSION) {
    fail(
      `vocabulary format version ${d.version} is newer than this verbo reads (${VOCAB_JSON_VERSION}); upgrade verbo.`,
    );
  }
  if (!Array.isArray(d.words) || !Array.isArray(d.counts)) fail('"words" and "counts" must be arrays.');
  const words = d.words as unknown[];
  const counts = d.counts as unknown[];
  if (words.length !== counts.length) fail(`${words.length} words but ${counts.length} counts.`);
  const seen = new Set<string>();
  words.forEach((word, i) => {
    if (typeof word !== 'string' || word.length === 0) fail(`word ${i} must be a non-empty string.`);
    if (seen.has(word as string)) fail(`'${word}' is listed twice.`);
    seen.add(word as string);
    const count = counts[i];
    if (typeof count !== 'number' || !(count >= 0) || !Number.isFinite(count)) {
      fail(`the count of '${word}' must be a number ≥ 0, got ${JSON.stringify(count)}.`);
    }
  });
  const specials = d.specials ?? [];
  if (!Array.isArray(specials) || !specials.every((s) => typeof s === 'string')) {
    fail('"specials" must be an array of strings.');
  }
  (specials as string[]).forEach((special, id) => {
    if (words[id] !== special)
      fail(`special '${special}' must be word ${id}, found ${JSON.stringify(words[id])}.`);
  });
  const optionalNumber = (key: keyof VocabularyJson): number | undefined => {
    const value = d[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !(value >= 0)) fail(`"${key}" must be a number ≥ 0.`);
    return value as number;
  };
  return new Vocabulary(words as string[], counts as number[], specials as string[], {
    tokensSeen: optionalNumber('tokensSeen'),
    minCount: optionalNumber('minCount'),
    pruneLevel: optionalNumber('pruneLevel'),
    prunedTokens: optionalNumber('prunedTokens'),
  });
}

/** Loads either format: `.json` files as JSON, anything else as text. */
export function loadVocabulary(path: string, options: { specials?: readonly string[] } = {}): Vocabulary {
  return path.toLowerCase().endsWith('.json') ? loadVocabularyJson(path) : loadVocabularyText(path, options);
}

/** Saves by extension: `.json` as versioned JSON, anything else as word2vec text. */
export function saveVocabulary(vocab: Vocabulary, path: string, meta?: Record<string, unknown>): void {
  if (path.toLowerCase().endsWith('.json')) saveVocabularyJson(vocab, path, meta);
  else saveVocabularyText(vocab, path);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VerboError(`${path}: no such vocabulary file.`, 'ENOENT');
    if (code === 'EISDIR')
      throw new VerboError(`${path}: is a directory; expected a vocabulary file.`, 'BAD_ARGUMENT');
    throw fileError(error, 'read', path);
  }
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function minOfRegular(counts: number[], from: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = from; i < counts.length; i++) if (counts[i]! < min) min = counts[i]!;
  return Number.isFinite(min) ? Math.max(1, min) : 1;
}
