// The tagging pipeline: text → sentences → tokens (the `ud` convention, contractions left whole) → UPOS
// tags (tagger.ts) → Portuguese contractions split into their words by their joined tag ("do" ADP+DET →
// de/ADP + o/DET; "nos" PRON stays) → lemmas (lemma-en.ts, lemma-pt.ts). createTagger({ lang }) loads
// the language's shipped model on first use; `tag(text)` gives one array of { token, upos, lemma } per
// sentence, `tagTokens(tokens)` tags tokens already split, and `tagConllu` fills the UPOS and LEMMA
// columns of a CoNLL-U sentence's words as given.
import { VerboError } from '../util/errors.js';
import { type ConlluSentence, sentenceWords } from './conllu.js';
import { readTextData, textDataPath } from './data.js';
import { englishLemma } from './lemma-en.js';
import { portugueseLemma } from './lemma-pt.js';
import { englishLexiconTags } from './lexicon-en.js';
import { loadPortugueseLexicon } from './lexicon-pt.js';
import { type WordKnowledge, tagSentence, type TaggerModelData } from './tagger.js';
import { deserializeTagger } from './tagger-io.js';
import { createWordTokenizer, type Language, portugueseContractions, splitSentences } from './tokenize.js';
import { loadWordNet, wordNetClass } from './wordnet.js';

/** One word of a tagged sentence. */
export interface TaggedWord {
  /** The word as written (a Portuguese contraction's words as UD writes them: "do" → "de", "o"). */
  readonly token: string;
  /** Universal POS tag. */
  readonly upos: string;
  readonly lemma: string;
  /** On the first word of a contraction split in two: the contraction as written ("do"). */
  readonly multiword?: string;
}

export interface TaggerOptions {
  lang?: Language;
  /** A model to use instead of the shipped one (e.g. from trainTagger). */
  model?: TaggerModelData;
}

export interface Tagger {
  readonly lang: Language;
  /** Licence notices of the data the model and lexicons come from. */
  readonly notices: readonly string[];
  /** Splits text into sentences and tags each. */
  tag(text: string): TaggedWord[][];
  /** Tokenizes one sentence (the `ud` convention) and tags it. */
  tagSentence(sentence: string): TaggedWord[];
  /** Tags one sentence of tokens (as the `ud` tokenization convention gives them). */
  tagTokens(tokens: readonly string[]): TaggedWord[];
  /** Fills UPOS (column 4) and LEMMA (column 3) of the sentence's syntactic words; returns the sentence. */
  tagConllu(sentence: ConlluSentence): ConlluSentence;
}

const models = new Map<Language, TaggerModelData>();

/** The shipped model of a language (data/tagger-<lang>.txt.gz), read once. */
export function loadTaggerModel(lang: Language): TaggerModelData {
  let model = models.get(lang);
  if (model === undefined) {
    const file = `tagger-${lang}.txt.gz`;
    model = deserializeTagger(readTextData(file), textDataPath(file));
    if (model.lang !== lang) {
      throw new VerboError(
        `${textDataPath(file)} is a '${model.lang}' model, not '${lang}'; reinstall verbo`,
        'FORMAT',
      );
    }
    models.set(lang, model);
  }
  return model;
}

const knowledgeCache = new Map<Language, WordKnowledge>();

/**
 * What the tagger knows of words beyond the treebank: WordNet (English) or MorphoBr (Portuguese) classes,
 * and for English the Brill lexicon's tags (lexicon-en.ts), memoized. One per language and process. (Distributional word clusters from 3.5M words of unlabeled
 * English, tried as features, did not move the cross-validated accuracy and were left out.)
 */
export function wordKnowledge(lang: Language): WordKnowledge {
  const cached = knowledgeCache.get(lang);
  if (cached !== undefined) return cached;
  let compute: (word: string) => string;
  let tagsOf: ((word: string) => string) | undefined;
  if (lang === 'en') {
    const wordNet = loadWordNet();
    compute = (word) => wordNetClass(word, wordNet);
    tagsOf = englishLexiconTags;
  } else {
    const lexicon = loadPortugueseLexicon();
    compute = (word) => {
      const kinds = new Set<string>();
      for (const reading of lexicon.analyze(word)) kinds.add(reading.pos + reading.kind);
      if (kinds.size > 0 || !/^\p{L}+$/u.test(word)) return [...kinds].sort().join(',');
      // Not in the lexicon: the classes whose suffix rules fit it ("googlaram": V).
      return `?${(['N', 'A', 'V'] as const).filter((pos) => lexicon.guess(word, pos) !== undefined).join('')}`;
    };
  }
  const memoized = (of: (word: string) => string): ((word: string) => string) => {
    let memo = new Map<string, string>();
    return (word) => {
      let value = memo.get(word);
      if (value === undefined) {
        value = of(word);
        if (memo.size >= 200_000) memo = new Map();
        memo.set(word, value);
      }
      return value;
    };
  };
  const knowledge: WordKnowledge = {
    classOf: memoized(compute),
    ...(tagsOf === undefined ? {} : { tagsOf: memoized(tagsOf) }),
  };
  knowledgeCache.set(lang, knowledge);
  return knowledge;
}

const PT_DETERMINERS =
  /^(?:o|a|os|as|um|uma|uns|umas|est[ea]s?|ess[ea]s?|aquel[ea]s?|outr[oa]s?|algu(?:m|ma|ns|mas))$/;
const PT_PRONOUNS = /^(?:el[ea]s?|isto|isso|aquilo|mim|ti|si|nós|vós)$/;

/** UD tags of a contraction's two words when the tagger gave it a tag of its own (CoNLL-U input). */
function contractionTags(second: string): [string, string] {
  const lower = second.toLowerCase();
  return ['ADP', PT_DETERMINERS.test(lower) ? 'DET' : PT_PRONOUNS.test(lower) ? 'PRON' : 'ADV'];
}

export function createTagger(options: TaggerOptions = {}): Tagger {
  const lang = options.lang ?? 'en';
  if (lang !== 'en' && lang !== 'pt') {
    throw new VerboError(`no tagger for language '${lang as string}'; expected en or pt.`, 'BAD_ARGUMENT');
  }
  const model = options.model ?? loadTaggerModel(lang);
  const knowledge = wordKnowledge(lang);
  const contractions = lang === 'pt' ? portugueseContractions() : {};
  const tokenize = createWordTokenizer({ lang, convention: 'ud', expandContractions: false });
  const notices = [...model.notices, ...(lang === 'pt' ? loadPortugueseLexicon().notices : [])];

  function lemmaOf(words: readonly { token: string; upos: string }[], i: number): string {
    const word = words[i]!;
    if (lang === 'pt') return portugueseLemma(word.token, word.upos, model.lemmas);
    const next = words[i + 1];
    return englishLemma(
      { form: word.token, upos: word.upos, nextForm: next?.token, nextUpos: next?.upos },
      model.lemmas,
    );
  }

  function tagTokens(tokens: readonly string[]): TaggedWord[] {
    const tags = tagSentence(model, tokens, knowledge);
    const words: { token: string; upos: string; multiword?: string }[] = [];
    tokens.forEach((token, i) => {
      const tag = model.tags[tags[i]!]!;
      const plus = tag.indexOf('+');
      const parts = plus < 0 ? undefined : contractions[token.toLowerCase()];
      if (parts === undefined) {
        words.push({ token, upos: plus < 0 ? tag : tag.slice(0, plus) });
        return;
      }
      // "Do" → "De", "o"; "DO" → "de", "o" (as UD Portuguese writes them).
      const capitalized = token !== token.toLowerCase() && token.slice(1) === token.slice(1).toLowerCase();
      const first = capitalized ? parts[0]![0]!.toUpperCase() + parts[0]!.slice(1) : parts[0]!;
      words.push({ token: first, upos: tag.slice(0, plus), multiword: token });
      words.push({ token: parts[1]!, upos: tag.slice(plus + 1) });
    });
    return words.map((word, i) => ({ ...word, lemma: lemmaOf(words, i) }));
  }

  function tagConllu(sentence: ConlluSentence): ConlluSentence {
    const words = sentenceWords(sentence);
    // Tag the surface tokens as the tagger was trained on them: a contraction once, a verb and its
    // clitics as separate words.
    const tokenWords: number[][] = [];
    const surface: string[] = [];
    for (let w = 0; w < words.length; w++) {
      const token = words[w]!.token;
      const group = [w];
      while (w + 1 < words.length && words[w + 1]!.token === token) group.push(++w);
      const range = sentence.rows.find(
        (row) => row.id === `${words[group[0]!]!.row.id}-${words[group.at(-1)!]!.row.id}`,
      );
      if (group.length === 2 && range !== undefined && lang === 'pt' && !range.columns[1]!.includes('-')) {
        surface.push(range.columns[1]!);
        tokenWords.push(group);
      } else {
        for (const index of group) {
          surface.push(words[index]!.form);
          tokenWords.push([index]);
        }
      }
    }
    const tags = tagSentence(model, surface, knowledge);
    const tagged: { token: string; upos: string }[] = words.map((word) => ({ token: word.form, upos: 'X' }));
    tokenWords.forEach((group, i) => {
      const tag = model.tags[tags[i]!]!;
      const parts = tag.split('+');
      if (group.length === 1) tagged[group[0]!]!.upos = parts[0]!;
      else {
        const pair = parts.length === 2 ? parts : contractionTags(words[group[1]!]!.form);
        tagged[group[0]!]!.upos = pair[0]!;
        tagged[group[1]!]!.upos = pair[1]!;
      }
    });
    words.forEach((word, i) => {
      word.row.columns[3] = tagged[i]!.upos;
      word.row.columns[2] = lemmaOf(tagged, i);
    });
    return sentence;
  }

  const tagOne = (sentence: string): TaggedWord[] => tagTokens(tokenize(sentence));
  return {
    lang,
    notices,
    tagTokens,
    tagSentence: tagOne,
    tag: (text) =>
      splitSentences(text, { lang })
        .map(tagOne)
        .filter((sentence) => sentence.length > 0),
    tagConllu,
  };
}
