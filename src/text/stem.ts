// Stemmers behind one small interface: createStemmer(name) returns a pure function from one
// already-normalized word to its stem. English Porter and Lancaster and the Portuguese Snowball
// ("Porter") stemmer come from natural, loaded by submodule path only (natural's package root loads
// dotenv and prints); RSLP, the standard Portuguese stemmer, is our own (rslp.ts).

import { createRequire } from 'node:module';
import { VerboError } from '../util/errors.js';
import { rslpStem } from './rslp.js';

export type StemmerName = 'porter' | 'lancaster' | 'porter-pt' | 'rslp';

export const STEMMER_NAMES: readonly StemmerName[] = ['porter', 'lancaster', 'porter-pt', 'rslp'];

/** The part of a natural stemmer module we use. Its `stem` lowercases and keeps no state between calls. */
interface NaturalStemmer {
  stem(token: string): string;
}

const require = createRequire(import.meta.url);

const NATURAL_MODULES: Readonly<Record<Exclude<StemmerName, 'rslp'>, string>> = {
  porter: 'natural/lib/natural/stemmers/porter_stemmer.js',
  lancaster: 'natural/lib/natural/stemmers/lancaster_stemmer.js',
  'porter-pt': 'natural/lib/natural/stemmers/porter_stemmer_pt.js',
};

function loadNatural(name: Exclude<StemmerName, 'rslp'>): NaturalStemmer {
  const stemmer = require(NATURAL_MODULES[name]) as NaturalStemmer;
  if (typeof stemmer?.stem !== 'function') {
    throw new VerboError(
      `natural's ${name} stemmer (${NATURAL_MODULES[name]}) has no stem(); check the natural version`,
    );
  }
  return stemmer;
}

/**
 * A stemmer for one word at a time: `createStemmer('porter')('running') === 'run'`.
 * The word should already be normalized (lowercased); the empty string stems to itself.
 */
export function createStemmer(name: StemmerName): (word: string) => string {
  if (name === 'rslp') return (word) => (word.length === 0 ? word : rslpStem(word));
  if (!(name in NATURAL_MODULES)) {
    throw new VerboError(
      `unknown stemmer '${String(name)}'; expected one of: ${STEMMER_NAMES.join(', ')}`,
      'BAD_ARGUMENT',
    );
  }
  const stemmer = loadNatural(name);
  return (word) => (word.length === 0 ? word : stemmer.stem(word));
}
