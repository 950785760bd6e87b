// Part-of-speech tagging with UPOS tags: a greedy averaged perceptron (Collins 2002; the tagger design of
// Honnibal's "A good part-of-speech tagger in about 200 lines of Python"), one model per language,
// trained from Universal Dependencies treebanks by `npm run train:tagger` (tagger-train.ts).
//
// Why a perceptron rather than a small network on our tensor core: with the little gold data we have
// (25k English words, 92k Portuguese) a linear model over sparse features (the word, its suffixes, its
// shape, its neighbours, the tags already given to its left, and what a lexicon says the word can be)
// is as accurate as a BiLSTM of that data size and two orders of magnitude faster: one hash lookup per
// feature and a 17-wide add per direction, tens of thousands of words a second on one thread.
//
// Two perceptrons tag a sentence: one reads it left to right, its features including the tags it gave
// the words before; the other reads it right to left (the tags of the words after); each word takes the
// tag of the highest summed score (a word the training data saw often with one tag only takes that tag
// directly: the tag dictionary). On inner cross-validation folds the second direction gave +0.6 points
// of English UPOS and +0.2 of Portuguese (none over all Bosque folds). Portuguese contractions are
// tagged as one token with a joined tag ("do" → ADP+DET), so context decides between "nos" ADP+DET
// (em + os) and "nos" PRON; the caller splits them into their words.
//
// A model file (data/tagger-<lang>.txt.gz) is gzipped text: a header (format version, language, tags,
// the licence notices of the data it was trained on as `#` lines), the tag dictionary, then one line per
// feature with its non-zero weights. It loads on first use.

/** What the tagger knows about a (normalized) word beyond the treebank. */
export interface WordKnowledge {
  /** What a lexicon says the word can be: a short, stable class string ("" when unknown). */
  classOf(word: string): string;
  /**
   * A second lexicon's tags for the word as written (case matters), most likely first, comma-separated
   * ("NN,VB"; "" when unknown). English: the Brill tagger's lexicon shipped with `natural`.
   */
  tagsOf?(word: string): string;
}

/** One direction's perceptron: feature → row of `weights` (weights[row * tags.length ...]). */
export interface TaggerWeights {
  readonly features: ReadonlyMap<string, number>;
  readonly weights: Float32Array;
}

export interface TaggerModelData {
  readonly lang: 'en' | 'pt';
  /** The tag set: UPOS tags, and for Portuguese joined tags of contractions ("ADP+DET"). */
  readonly tags: readonly string[];
  /** Feature → row of `weights` (its weights are weights[row * tags.length ...]): left to right. */
  readonly features: ReadonlyMap<string, number>;
  readonly weights: Float32Array;
  /** The right-to-left perceptron (its "previous" tags are those of the words after). */
  readonly backward?: TaggerWeights;
  /** Lowercased word → index of the only tag the training data gave it (frequent words only). */
  readonly tagDictionary: ReadonlyMap<string, number>;
  /** "UPOS form" (form lowercased) → lemma, where the training data's lemma differs from the rules'. */
  readonly lemmas: ReadonlyMap<string, string>;
  /** Normalized word → the tags the training data gave it in ≥ 10% of ≥ 3 occurrences ("NOUN/VERB"). */
  readonly ambiguity: ReadonlyMap<string, string>;
  /** Licence notices of the training data, one per line. */
  readonly notices: readonly string[];
}

const START = ['-START-', '-START2-'];
const END = ['-END-', '-END2-'];

/** The form features are built from: lowercased, digits as 0 ("1990" → "0000"). */
export function normalizeWord(word: string): string {
  const lower = word.toLowerCase();
  return /\d/.test(lower) ? lower.replace(/\d/g, '0') : lower;
}

/** A word's shape: its character classes, runs collapsed ("Lisboa" → "Xx", "COVID-19" → "X-d"). */
export function wordShape(word: string): string {
  let shape = '';
  let last = '';
  for (const char of word) {
    const kind = /\p{Lu}/u.test(char) ? 'X' : /\p{L}/u.test(char) ? 'x' : /\p{N}/u.test(char) ? 'd' : char;
    if (kind !== last) shape += kind;
    last = kind;
    if (shape.length > 6) break;
  }
  return shape;
}

/** Per-sentence values the features need, computed once per word. */
export interface SentenceContext {
  readonly words: readonly string[];
  readonly normalized: readonly string[];
  readonly shapes: readonly string[];
  readonly classes: readonly string[];
  readonly ambiguity: readonly string[];
  /** tagsOf of each word, and its first tag; empty arrays when the knowledge has no tagsOf. */
  readonly lexiconTags: readonly string[];
  readonly lexiconTag: readonly string[];
}

export function sentenceContext(
  words: readonly string[],
  knowledge: WordKnowledge,
  ambiguity: ReadonlyMap<string, string>,
): SentenceContext {
  const normalized = words.map(normalizeWord);
  const lexiconTags = knowledge.tagsOf === undefined ? [] : words.map((word) => knowledge.tagsOf!(word));
  return {
    words,
    normalized,
    shapes: words.map(wordShape),
    classes: normalized.map((word) => knowledge.classOf(word)),
    ambiguity: normalized.map((word) => ambiguity.get(word) ?? '?'),
    lexiconTags,
    lexiconTag: lexiconTags.map((tags) => {
      const comma = tags.indexOf(',');
      return comma < 0 ? tags : tags.slice(0, comma);
    }),
  };
}

/** The context of the same sentence read right to left. */
export function reversedContext(context: SentenceContext): SentenceContext {
  const reversed = (values: readonly string[]) => [...values].reverse();
  return {
    words: reversed(context.words),
    normalized: reversed(context.normalized),
    shapes: reversed(context.shapes),
    classes: reversed(context.classes),
    ambiguity: reversed(context.ambiguity),
    lexiconTags: reversed(context.lexiconTags),
    lexiconTag: reversed(context.lexiconTag),
  };
}

/**
 * The features of word `i` given the two tags before it. Plain strings joined with a one-letter prefix
 * per kind, so models stay readable.
 */
export function tagFeatures(
  context: SentenceContext,
  i: number,
  previous: string,
  previous2: string,
): string[] {
  const { normalized, shapes, classes, ambiguity } = context;
  const word = normalized[i]!;
  const before = i > 0 ? normalized[i - 1]! : START[0]!;
  const before2 = i > 1 ? normalized[i - 2]! : START[i === 1 ? 0 : 1]!;
  const after = i + 1 < normalized.length ? normalized[i + 1]! : END[0]!;
  const after2 = i + 2 < normalized.length ? normalized[i + 2]! : END[i + 1 < normalized.length ? 0 : 1]!;
  const classBefore = i > 0 ? classes[i - 1]! : '^';
  const classAfter = i + 1 < normalized.length ? classes[i + 1]! : '$';
  const shape = shapes[i]!;
  const features = [
    'b',
    `w ${word}`,
    `s1 ${word.slice(-1)}`,
    `s2 ${word.slice(-2)}`,
    `s3 ${word.slice(-3)}`,
    `s4 ${word.slice(-4)}`,
    `p1 ${word.slice(0, 1)}`,
    `p2 ${word.slice(0, 2)}`,
    `h ${shape}`,
    `hf ${shape} ${i === 0}`,
    `t ${previous}`,
    `tt ${previous2} ${previous}`,
    `tw ${previous} ${word}`,
    `w- ${before}`,
    `w-- ${before2}`,
    `w+ ${after}`,
    `w++ ${after2}`,
    `ww ${before} ${word}`,
    `ww+ ${word} ${after}`,
    `s- ${before.slice(-3)}`,
    `s+ ${after.slice(-3)}`,
    `c ${classes[i]!}`,
    `cc ${classes[i]!} ${shape}`,
    `c- ${classBefore}`,
    `c+ ${classAfter}`,
    `tc ${previous} ${classes[i]!}`,
    `cs ${classes[i]!} ${word.slice(-3)}`,
    `a ${ambiguity[i]!}`,
    `a+ ${i + 1 < normalized.length ? ambiguity[i + 1]! : '$'}`,
    `at ${previous} ${ambiguity[i]!}`,
    `aa ${ambiguity[i]!} ${i + 1 < normalized.length ? ambiguity[i + 1]! : '$'}`,
  ];
  const { lexiconTags, lexiconTag } = context;
  if (lexiconTags.length > 0) {
    const tag = lexiconTag[i]!;
    features.push(
      `B ${lexiconTags[i]!}`,
      `B1 ${tag}`,
      `Bh ${tag} ${shape}`,
      `B- ${i > 0 ? lexiconTag[i - 1]! : '^'}`,
      `B+ ${i + 1 < normalized.length ? lexiconTag[i + 1]! : '$'}`,
      `Bt ${previous} ${tag}`,
    );
  }
  return features;
}

/** The index of the best-scoring tag for these features (ties to the lower index). */
export function bestTagOfRow(
  featureIndex: ReadonlyMap<string, number>,
  weights: Float32Array | Float64Array,
  tagCount: number,
  features: readonly string[],
  scores: Float64Array,
): number {
  scores.fill(0);
  for (const feature of features) {
    const row = featureIndex.get(feature);
    if (row === undefined) continue;
    const offset = row * tagCount;
    for (let t = 0; t < tagCount; t++) scores[t]! += weights[offset + t]!;
  }
  let best = 0;
  for (let t = 1; t < tagCount; t++) if (scores[t]! > scores[best]!) best = t;
  return best;
}

/**
 * Scores of every tag at every word of one direction (greedy: each word's features see the tags already
 * chosen before it in reading order); a tag-dictionary word scores DICTIONARY_SCORE for its tag.
 */
function directionScores(
  model: TaggerModelData,
  weights: TaggerWeights,
  context: SentenceContext,
  out: Float64Array,
): void {
  const tagCount = model.tags.length;
  const scores = new Float64Array(tagCount);
  let previous = START[0]!;
  let previous2 = START[1]!;
  for (let i = 0; i < context.words.length; i++) {
    let tag = model.tagDictionary.get(context.normalized[i]!);
    if (tag === undefined) {
      const features = tagFeatures(context, i, previous, previous2);
      tag = bestTagOfRow(weights.features, weights.weights, tagCount, features, scores);
      for (let t = 0; t < tagCount; t++) out[i * tagCount + t]! += scores[t]!;
    } else out[i * tagCount + tag]! += DICTIONARY_SCORE;
    previous2 = previous;
    previous = model.tags[tag]!;
  }
}

const DICTIONARY_SCORE = 1000;

/** Tags one sentence of words: tag indices into model.tags. */
export function tagSentence(
  model: TaggerModelData,
  words: readonly string[],
  knowledge: WordKnowledge,
): number[] {
  const context = sentenceContext(words, knowledge, model.ambiguity);
  const tagCount = model.tags.length;
  const n = words.length;
  const forward = new Float64Array(n * tagCount);
  directionScores(model, model, context, forward);
  if (model.backward !== undefined) {
    const backward = new Float64Array(n * tagCount);
    directionScores(model, model.backward, reversedContext(context), backward);
    for (let i = 0; i < n; i++)
      for (let t = 0; t < tagCount; t++) forward[i * tagCount + t]! += backward[(n - 1 - i) * tagCount + t]!;
  }
  const tags: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let t = 1; t < tagCount; t++)
      if (forward[i * tagCount + t]! > forward[i * tagCount + best]!) best = t;
    tags.push(best);
  }
  return tags;
}
