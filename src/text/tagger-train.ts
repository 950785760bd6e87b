// Training the averaged perceptron of tagger.ts from gold sentences (words + tags). Deterministic for a
// seed: the sentence order of each epoch comes from a seeded shuffle, features are numbered in order of
// first use, ties break to the lower tag index.
import { VerboError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { type ConlluSentence, type ConlluWord, formatConllu, parseConllu, sentenceWords } from './conllu.js';
import { englishLemma } from './lemma-en.js';
import { portugueseLemma } from './lemma-pt.js';
import type { Tagger } from './tag.js';
import { scoreTagging, type TaggingScore } from './ud-eval.js';
import {
  bestTagOfRow,
  normalizeWord,
  reversedContext,
  type SentenceContext,
  sentenceContext,
  tagFeatures,
  type TaggerModelData,
  type TaggerWeights,
  type WordKnowledge,
} from './tagger.js';

export interface GoldSentence {
  readonly words: readonly string[];
  readonly tags: readonly string[];
  /** Words whose tag is not to be learned from (true), e.g. where treebanks disagree. */
  readonly skip?: readonly boolean[];
  /** Size of this sentence's perceptron updates. Default 1. */
  readonly weight?: number;
}

export interface TrainTaggerOptions {
  readonly lang: 'en' | 'pt';
  readonly lexicon: WordKnowledge;
  /** Passes over the data. Default 12. */
  readonly epochs?: number;
  readonly seed?: number;
  /** A word seen at least this often, with one tag in at least `dictionaryPurity` of them, is looked up. */
  readonly dictionaryCount?: number;
  readonly dictionaryPurity?: number;
  /** Weights smaller than this (in absolute value, after averaging) are dropped. Default 0.05. */
  readonly prune?: number;
  readonly notices?: readonly string[];
  /** Train the right-to-left perceptron too (tagging sums both directions' scores). Default true. */
  readonly bidirectional?: boolean;
  /**
   * Perceptrons per direction, each on its own seeded order of the sentences, whose averaged weights
   * are averaged into one (the same size and speed as one model: its scores are the mean of theirs).
   * Default: TAGGER_SETTINGS of the language.
   */
  readonly members?: number;
  /**
   * Share of a word's features each training step leaves out (drawn per step from the member's seed):
   * every member learns to tag without some of its usual evidence, so their mean leans less on any one
   * feature. In [0, 1). Default: TAGGER_SETTINGS of the language.
   */
  readonly dropout?: number;
}

/**
 * Training settings per language, chosen by cross-validation on the `--tune` folds (the held-out tenth
 * never seen). English: 5 members with a dropout of 0.1 scored 93.62% UPOS against 93.50% for 3 members
 * without (5 members without dropout: 93.42%; dropout 0.1 with 3 members: 93.53%, and 93.46% against
 * 93.39% with seed 2). Portuguese keeps 3 members without dropout (not re-tuned).
 */
export const TAGGER_SETTINGS: Readonly<Record<'en' | 'pt', { members: number; dropout: number }>> = {
  en: { members: 5, dropout: 0.1 },
  pt: { members: 3, dropout: 0 },
};

/** Offset of the dropout draws' seed from the shuffles' (their streams must not coincide). */
const DROPOUT_STREAM = 1000;

/** Grows a Float64Array to at least `size`, doubling. */
function grow(array: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  if (size <= array.length) return array;
  const bigger = new Float64Array(Math.max(size, array.length * 2));
  bigger.set(array);
  return bigger;
}

export function trainTagger(
  sentences: readonly GoldSentence[],
  options: TrainTaggerOptions,
): TaggerModelData {
  const epochs = options.epochs ?? 12;
  const members = options.members ?? TAGGER_SETTINGS[options.lang].members;
  const dropout = options.dropout ?? TAGGER_SETTINGS[options.lang].dropout;
  for (const [name, value] of [
    ['epochs', epochs],
    ['members', members],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new VerboError(`trainTagger: ${name} must be a whole number ≥ 1, got ${value}.`, 'BAD_ARGUMENT');
  }
  if (!(dropout >= 0 && dropout < 1))
    throw new VerboError(`trainTagger: dropout must be in [0, 1), got ${dropout}.`, 'BAD_ARGUMENT');
  const tags = [...new Set(sentences.flatMap((sentence) => sentence.tags))].sort();
  const tagIndex = new Map(tags.map((tag, index) => [tag, index]));

  // The tag dictionary: frequent words with (almost) one tag.
  const counts = new Map<string, Map<string, number>>();
  for (const sentence of sentences) {
    sentence.words.forEach((word, i) => {
      if (sentence.skip?.[i] === true) return;
      const key = normalizeWord(word);
      let perTag = counts.get(key);
      if (perTag === undefined) counts.set(key, (perTag = new Map()));
      perTag.set(sentence.tags[i]!, (perTag.get(sentence.tags[i]!) ?? 0) + 1);
    });
  }
  const tagDictionary = new Map<string, number>();
  const minCount = options.dictionaryCount ?? 20;
  const purity = options.dictionaryPurity ?? 0.97;
  for (const [word, perTag] of counts) {
    let total = 0;
    let bestTag = '';
    let bestCount = 0;
    for (const [tag, count] of perTag) {
      total += count;
      if (count > bestCount) [bestTag, bestCount] = [tag, count];
    }
    if (total >= minCount && bestCount / total >= purity) tagDictionary.set(word, tagIndex.get(bestTag)!);
  }

  // Ambiguity classes: the tags a word takes in at least 10% of its (at least 3) occurrences.
  const ambiguity = new Map<string, string>();
  for (const [word, perTag] of counts) {
    let total = 0;
    for (const count of perTag.values()) total += count;
    if (total < 3) continue;
    const frequent = [...perTag].filter(([, count]) => count >= 0.1 * total).map(([tag]) => tag);
    ambiguity.set(word, frequent.sort().join('/'));
  }

  const contexts = sentences.map((sentence) => sentenceContext(sentence.words, options.lexicon, ambiguity));
  const train = (reverse: boolean): TaggerWeights =>
    trainDirection(
      reverse ? sentences.map(reversedSentence) : sentences,
      reverse ? contexts.map(reversedContext) : contexts,
      {
        tags,
        tagDictionary,
        epochs,
        seed: options.seed ?? 1,
        prune: options.prune ?? 0.05,
        members,
        dropout,
      },
    );
  const forward = train(false);
  const backward = options.bidirectional === false ? undefined : train(true);
  return {
    lang: options.lang,
    tags,
    features: forward.features,
    weights: forward.weights,
    ...(backward === undefined ? {} : { backward }),
    tagDictionary,
    ambiguity,
    lemmas: new Map(),
    notices: options.notices ?? [],
  };
}

function reversedSentence(sentence: GoldSentence): GoldSentence {
  return {
    words: [...sentence.words].reverse(),
    tags: [...sentence.tags].reverse(),
    ...(sentence.skip === undefined ? {} : { skip: [...sentence.skip].reverse() }),
    ...(sentence.weight === undefined ? {} : { weight: sentence.weight }),
  };
}

interface DirectionOptions {
  readonly tags: readonly string[];
  readonly tagDictionary: ReadonlyMap<string, number>;
  readonly epochs: number;
  readonly seed: number;
  readonly prune: number;
  readonly members: number;
  readonly dropout: number;
}

/**
 * One direction's weights: the mean of `members` averaged perceptrons (member m shuffles the sentences
 * with seed + m before its first epoch too; member 0 starts in file order; with dropout, member m draws
 * the features it leaves out from seed + m + DROPOUT_STREAM), small weights pruned and the features
 * that keep any renumbered.
 */
function trainDirection(
  sentences: readonly GoldSentence[],
  contexts: readonly SentenceContext[],
  options: DirectionOptions,
): TaggerWeights {
  const tagCount = options.tags.length;
  const sum = new Map<string, Float64Array>();
  for (let member = 0; member < options.members; member++) {
    for (const [feature, averaged] of trainMember(sentences, contexts, options, member)) {
      const into = sum.get(feature);
      if (into === undefined) sum.set(feature, averaged);
      else for (let t = 0; t < tagCount; t++) into[t]! += averaged[t]!;
    }
  }
  const kept = new Map<string, number>();
  const keptWeights: number[] = [];
  for (const [feature, total] of sum) {
    let any = false;
    for (let t = 0; t < tagCount; t++) {
      const value = total[t]! / options.members;
      total[t] = Math.abs(value) >= options.prune ? value : 0;
      if (total[t] !== 0) any = true;
    }
    if (!any) continue;
    kept.set(feature, kept.size);
    for (let t = 0; t < tagCount; t++) keptWeights.push(total[t]!);
  }
  return { features: kept, weights: Float32Array.from(keptWeights) };
}

/** One averaged perceptron, trained greedily in reading order: its averaged weights per feature. */
function trainMember(
  sentences: readonly GoldSentence[],
  contexts: readonly SentenceContext[],
  options: DirectionOptions,
  member: number,
): Map<string, Float64Array> {
  const { tags, tagDictionary, epochs } = options;
  const random = new Random(options.seed + member);
  const dropoutRandom = new Random(options.seed + member + DROPOUT_STREAM);
  const tagCount = tags.length;
  const tagIndex = new Map(tags.map((tag, index) => [tag, index]));
  // Averaged perceptron with lazy averaging: `totals` accumulates weight × time-held at each change.
  const featureIndex = new Map<string, number>();
  let weights = new Float64Array(1 << 16);
  let totals = new Float64Array(1 << 16);
  let stamps = new Float64Array(1 << 16);
  let step = 0;
  const scores = new Float64Array(tagCount);

  function update(features: readonly string[], truth: number, guess: number, size: number): void {
    for (const feature of features) {
      let row = featureIndex.get(feature);
      if (row === undefined) {
        row = featureIndex.size;
        featureIndex.set(feature, row);
        const size = (row + 1) * tagCount;
        weights = grow(weights, size);
        totals = grow(totals, size);
        stamps = grow(stamps, size);
      }
      for (const [tag, delta] of [
        [truth, size],
        [guess, -size],
      ] as const) {
        const at = row * tagCount + tag;
        totals[at]! += (step - stamps[at]!) * weights[at]!;
        stamps[at] = step;
        weights[at]! += delta;
      }
    }
  }

  const order = sentences.map((_, index) => index);
  if (member > 0) random.shuffle(order);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const s of order) {
      const sentence = sentences[s]!;
      const context = contexts[s]!;
      let previous = '-START-';
      let previous2 = '-START2-';
      for (let i = 0; i < sentence.words.length; i++) {
        step++;
        const truth = tagIndex.get(sentence.tags[i]!)!;
        let guess = tagDictionary.get(context.normalized[i]!);
        if (guess === undefined) {
          let features = tagFeatures(context, i, previous, previous2);
          if (options.dropout > 0) features = features.filter(() => dropoutRandom.next() >= options.dropout);
          guess = bestTagOfRow(featureIndex, weights, tagCount, features, scores);
          if (guess !== truth && sentence.skip?.[i] !== true)
            update(features, truth, guess, sentence.weight ?? 1);
        }
        previous2 = previous;
        previous = tags[guess]!;
      }
    }
    random.shuffle(order);
  }

  // The averages over every step.
  const averages = new Map<string, Float64Array>();
  for (const [feature, row] of featureIndex) {
    const averaged = new Float64Array(tagCount);
    for (let t = 0; t < tagCount; t++) {
      const at = row * tagCount + t;
      averaged[t] = (totals[at]! + (step - stamps[at]!) * weights[at]!) / step;
    }
    averages.set(feature, averaged);
  }
  return averages;
}

/** Gold sentences for training from CoNLL-U: Portuguese contractions as one token with a joined tag. */
export function goldSentences(sentences: readonly ConlluSentence[], lang: 'en' | 'pt'): GoldSentence[] {
  return sentences.map((sentence) => {
    const words = sentenceWords(sentence);
    const tokens: string[] = [];
    const tags: string[] = [];
    for (let w = 0; w < words.length; w++) {
      const word = words[w]!;
      const next = words[w + 1];
      const range = next?.token === word.token ? rangeForm(sentence, word.row.id) : undefined;
      const third = words[w + 2];
      if (lang === 'pt' && range !== undefined && !range.includes('-') && third?.token !== word.token) {
        tokens.push(range);
        tags.push(`${word.upos}+${next!.upos}`);
        w++;
      } else {
        tokens.push(word.form);
        tags.push(word.upos);
      }
    }
    return { words: tokens, tags };
  });
}

function rangeForm(sentence: ConlluSentence, firstId: string): string | undefined {
  const row = sentence.rows.find((r) => r.id.startsWith(`${firstId}-`));
  return row?.columns[1];
}

/**
 * Lemmas the treebank gives words where the rules give another: "UPOS form" → the lemma most frequent for
 * that form and tag. `rule` is the lemmatizer without learned lemmas.
 */
export function learnLemmas(
  sentences: readonly ConlluSentence[],
  rule: (form: string, upos: string, next?: ConlluWord) => string,
): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  const firstWord = new Map<string, [ConlluWord, ConlluWord | undefined]>();
  for (const sentence of sentences) {
    const words = sentenceWords(sentence);
    words.forEach((word, i) => {
      if (word.lemma === '_' || NOT_LEMMATIZED.has(word.upos)) return;
      const key = `${word.upos} ${word.form.toLowerCase()}`;
      let perLemma = counts.get(key);
      if (perLemma === undefined) {
        counts.set(key, (perLemma = new Map()));
        firstWord.set(key, [word, words[i + 1]]);
      }
      perLemma.set(word.lemma, (perLemma.get(word.lemma) ?? 0) + 1);
    });
  }
  const learned = new Map<string, string>();
  for (const [key, perLemma] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let best = '';
    let bestCount = 0;
    for (const [lemma, count] of [...perLemma].sort())
      if (count > bestCount) [best, bestCount] = [lemma, count];
    const [word, next] = firstWord.get(key)!;
    if (rule(word.form, word.upos, next).toLowerCase() !== best.toLowerCase()) learned.set(key, best);
  }
  return learned;
}

const NOT_LEMMATIZED = new Set(['PUNCT', 'SYM', 'NUM', 'PROPN', 'X']);

/** A tagger model trained on CoNLL-U sentences, with the lemmas the treebank teaches beyond the rules. */
export function trainTaggerFromConllu(
  sentences: readonly ConlluSentence[],
  options: TrainTaggerOptions & {
    /** Sentences of another treebank, harmonized with `sentences` before training (see harmonize). */
    readonly secondary?: readonly ConlluSentence[];
    /** Update size of the secondary sentences. Default 0.1. */
    readonly secondaryWeight?: number;
  },
): TaggerModelData {
  const gold = goldSentences(sentences, options.lang);
  const secondary =
    options.secondary === undefined
      ? []
      : harmonize(goldSentences(options.secondary, options.lang), gold, options.secondaryWeight);
  const model = trainTagger([...gold, ...secondary], options);
  const rule =
    options.lang === 'en'
      ? (form: string, upos: string, next?: ConlluWord) =>
          englishLemma({ form, upos, nextForm: next?.form, nextUpos: next?.upos })
      : (form: string, upos: string) => portugueseLemma(form, upos);
  return { ...model, lemmas: learnLemmas([...sentences, ...(options.secondary ?? [])], rule) };
}

/**
 * Scores a tagger on gold CoNLL-U sentences: a copy with UPOS and LEMMA blanked is tagged as
 * `verbo tag --input conllu` does, then compared with the gold.
 */
export function evaluateTagger(tagger: Tagger, gold: readonly ConlluSentence[]): TaggingScore {
  const copy = parseConllu(formatConllu(gold));
  for (const sentence of copy) {
    for (const word of sentenceWords(sentence)) {
      word.row.columns[2] = '_';
      word.row.columns[3] = '_';
    }
    tagger.tagConllu(sentence);
  }
  return scoreTagging(gold, copy);
}

/**
 * Brings a second treebank's tags in line with a reference treebank's usage (UD Portuguese-GSD's older
 * annotation with Bosque's). Usage is counted per word and the word after it where the reference has seen
 * that pair at least 3 times ("o que": o PRON, though "o" is mostly DET), else per word and whether a verb
 * follows (Bosque tags "de", "para" before an infinitive SCONJ, GSD ADP). A word the reference has seen at
 * least 3 times in that context, but with the given tag in less than half of them, takes the reference's tag
 * when one tag has ≥ 80% of its uses ("pode" AUX → VERB, "que" CCONJ → PRON/SCONJ as Bosque has it) and is
 * otherwise left out of learning (skip), keeping its place as context; so is a function word the reference
 * never saw there. The sentences then teach with updates of `weight`: on Bosque dev folds, Bosque alone
 * scored 95.35% UPOS, Bosque + GSD as it is 94.12%, + GSD harmonized 94.92% at weight 1, 95.30% at 0.5,
 * 95.62% at 0.1. Deciding by the word pair first took the `--tune` 5-fold figure from 94.85% to 95.11% (GSD's
 * "o que" had been rewritten to DET, and "o" PRON was lost: 109 PRON → DET errors, then 24).
 */
// Tags whose use differs most between UD Portuguese treebanks (function words, auxiliaries).
const CLOSED_CLASS = /^(?:ADP|SCONJ|CCONJ|PRON|DET|AUX|PART)(?:\+|$)/;
/** A word (or word pair) the reference has seen fewer times than this says nothing about usage. */
const MIN_USES = 3;

export function harmonize(
  sentences: readonly GoldSentence[],
  reference: readonly GoldSentence[],
  weight = 0.1,
): GoldSentence[] {
  // Usage per word pair ("w o que") and per word and whether a verb follows ("v de v": Bosque tags "de",
  // "para", "a" before an infinitive SCONJ, GSD's older annotation ADP).
  const pairKey = (sentence: GoldSentence, i: number): string =>
    `${sentence.words[i]!.toLowerCase()} ${sentence.words[i + 1]?.toLowerCase() ?? '$'}`;
  const verbKey = (sentence: GoldSentence, i: number): string =>
    `${sentence.words[i]!.toLowerCase()} ${/^(?:VERB|AUX)/.test(sentence.tags[i + 1] ?? '') ? 'v' : '-'}`;
  const usage = new Map<string, Map<string, number>>();
  const count = (key: string, tag: string): void => {
    let perTag = usage.get(key);
    if (perTag === undefined) usage.set(key, (perTag = new Map()));
    perTag.set(tag, (perTag.get(tag) ?? 0) + 1);
  };
  for (const sentence of reference) {
    sentence.words.forEach((_, i) => {
      count(`w ${pairKey(sentence, i)}`, sentence.tags[i]!);
      count(`v ${verbKey(sentence, i)}`, sentence.tags[i]!);
    });
  }
  const sumOf = (perTag: Map<string, number> | undefined): number => {
    let sum = 0;
    for (const n of perTag?.values() ?? []) sum += n;
    return sum;
  };
  return sentences.map((sentence) => {
    const tags = [...sentence.tags];
    const skip = sentence.words.map(() => false);
    sentence.words.forEach((_, i) => {
      const pair = usage.get(`w ${pairKey(sentence, i)}`);
      const perTag = sumOf(pair) >= MIN_USES ? pair : usage.get(`v ${verbKey(sentence, i)}`);
      if (perTag === undefined) {
        // A function word the reference never saw here: its tag may follow the other convention.
        if (CLOSED_CLASS.test(tags[i]!)) skip[i] = true;
        return;
      }
      let total = 0;
      let top = '';
      let topCount = 0;
      for (const [tag, count] of [...perTag].sort()) {
        total += count;
        if (count > topCount) [top, topCount] = [tag, count];
      }
      if (total < MIN_USES || (perTag.get(tags[i]!) ?? 0) >= 0.5 * total) return;
      if (topCount >= 0.8 * total) tags[i] = top;
      else skip[i] = true;
    });
    return { words: sentence.words, tags, skip, weight };
  });
}
