// English lemmas from a word and its UPOS tag (the tagger's), after the UD English conventions:
//   - closed classes from data/en-lemmas.tsv (me → I, an → a, these → this, 's → be, ca → can, n't →
//     not); "her" is "she" unless a noun phrase follows (then the possessive "her"), and an auxiliary
//     's or 'd before a past participle is "have" ("she's gone");
//   - NOUN, VERB, ADJ, ADV through WordNet with that part of speech only: its exception lists, then
//     morphy's detachment rules, choosing among the lemmas WordNet accepts the one whose senses SemCor
//     tagged most often (so "hoping" → hope, not hop; "rated" → rate, not rat), the word itself winning
//     ties; an adjective that is not a comparative or superlative keeps its form ("amazing", "hidden"),
//     and an adverb in -er/-est falls back to the adjective's rules ("earlier" → early);
//   - PROPN keeps its form; punctuation, symbols and numbers are their own lemma; everything else is
//     lowercased.
// Exceptions learned from a treebank (form + UPOS → lemma where the rules above disagree with it) come
// with the tagger model and are consulted first.
import { readLemmaTable } from './data.js';
import { loadWordNet, type WordNet, type WordNetPos, wordNetCandidates } from './wordnet.js';

/** A word with its tag; `next` is the following word (for "her" and "'s"). */
export interface LemmaContext {
  readonly form: string;
  readonly upos: string;
  readonly nextForm?: string;
  readonly nextUpos?: string;
}

let closedClass: Map<string, string> | undefined;

function closedClassLemmas(): Map<string, string> {
  closedClass ??= readLemmaTable('en-lemmas.tsv');
  return closedClass;
}

const UPOS_TO_WORDNET: Readonly<Record<string, WordNetPos>> = {
  NOUN: 'noun',
  VERB: 'verb',
  AUX: 'verb',
  ADJ: 'adj',
  ADV: 'adv',
};

const NOUN_PHRASE_START = new Set(['NOUN', 'ADJ', 'PROPN', 'NUM', 'ADV']);
const PARTICIPLE = /(?:ed|en|wn|ne|lt|pt|ught|ung|um|one)$/;

// A one-syllable stem ending consonant-vowel-consonant doubles its consonant before -ing/-ed ("hop" →
// "hopping"), so "hoping" cannot come from "hop": such a stem is no candidate for an undoubled form.
const DOUBLING_STEM = /^[^aeiouy]*[aeiouy][^aeiouywx]$/;

/** The lemma WordNet's morphology gives `word` as `pos`, or undefined when WordNet knows none. */
export function wordNetLemma(
  word: string,
  pos: WordNetPos,
  wordNet: WordNet = loadWordNet(),
): string | undefined {
  const irregular = wordNet.exceptions[pos].get(word);
  if (irregular !== undefined && irregular.length > 0) return irregular[0];
  let candidates = wordNetCandidates(word, pos, wordNet);
  if (pos === 'verb' && /(?:ing|ed)$/.test(word))
    candidates = candidates.filter(
      (c) => c === word || !DOUBLING_STEM.test(c) || !word.startsWith(c) || candidates.length === 1,
    );
  if (candidates.length === 0) return undefined;
  const counts = wordNet.lemmas[pos];
  let best = candidates[0]!;
  for (const candidate of candidates.slice(1))
    if (counts.get(candidate)! > counts.get(best)!) best = candidate;
  return best;
}

const COMPARATIVE = /(?:er|est)$/;

/**
 * The English lemma of one word given its UPOS. `learned` maps "UPOS form" (lowercase form) to a lemma
 * learned from a treebank; it wins over the rules.
 */
export function englishLemma(
  context: LemmaContext,
  learned?: ReadonlyMap<string, string>,
  wordNet: WordNet = loadWordNet(),
): string {
  const { form, upos } = context;
  if (upos === 'PUNCT' || upos === 'SYM' || upos === 'NUM' || upos === 'PROPN' || upos === 'X') return form;
  const lower = form.toLowerCase();
  const key = `${upos} ${lower}`;
  if ((upos === 'AUX' || upos === 'VERB') && /^['’]?[sd]$/.test(lower) && context.nextForm !== undefined) {
    // "she's gone", "I'd seen": the auxiliary of a perfect is "have".
    const next = context.nextForm.toLowerCase();
    if (
      (context.nextUpos === 'VERB' || context.nextUpos === 'AUX') &&
      (next === 'been' || PARTICIPLE.test(next))
    )
      return 'have';
  }
  if (upos === 'PRON' && lower === 'her')
    return context.nextUpos !== undefined && NOUN_PHRASE_START.has(context.nextUpos) ? 'her' : 'she';
  const fromTreebank = learned?.get(key);
  if (fromTreebank !== undefined) return fromTreebank;
  const closed = closedClassLemmas().get(key);
  if (closed !== undefined) return closed;
  const pos = UPOS_TO_WORDNET[upos];
  if (pos === undefined || !/\p{L}/u.test(lower)) return lower;
  if (pos === 'adj' && !COMPARATIVE.test(lower)) return wordNet.exceptions.adj.get(lower)?.[0] ?? lower;
  if (pos === 'adv' && COMPARATIVE.test(lower) && !wordNet.exceptions.adv.has(lower)) {
    // "earlier" → early, "later" → late, but "after", "never" stay: the adjective wins when SemCor tagged
    // it more often than the adverb itself.
    const adjective = wordNetLemma(lower, 'adj', wordNet);
    if (adjective !== undefined && adjective !== lower) {
      const adverbCount = wordNet.lemmas.adv.get(lower) ?? 0;
      if ((wordNet.lemmas.adj.get(adjective) ?? 0) > adverbCount) return adjective;
    }
  }
  return wordNetLemma(lower, pos, wordNet) ?? lower;
}
