// Looking a word up as a person types it. A word missing from the vocabulary is tried in lower case,
// then capitalised, then in capitals — `King` finds `king` when only that was trained, as users of
// gensim-like tools expect — and the caller is told, so it can say which word it used. A word found in
// no case is returned as given: KeyedVectors then answers as it does for any unknown word.
import type { KeyedVectors } from './keyed-vectors.js';

export interface WordLookup {
  /** The word to query: the one asked for, or the vocabulary's word that differs from it only in case. */
  word: string;
  /** The word as asked for. */
  asked: string;
  /** A sentence for the user when `word` differs from `asked`, e.g. "'King' is not in the vocabulary; using 'king'." */
  note?: string;
}

export function lookupWord(vectors: Pick<KeyedVectors, 'has'>, asked: string): WordLookup {
  if (vectors.has(asked)) return { word: asked, asked };
  const lower = asked.toLowerCase();
  const forms = [lower, lower.charAt(0).toUpperCase() + lower.slice(1), asked.toUpperCase()];
  const word = forms.find((form) => form !== asked && vectors.has(form));
  if (word === undefined) return { word: asked, asked };
  return { word, asked, note: `'${asked}' is not in the vocabulary; using '${word}'.` };
}
