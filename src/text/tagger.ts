// Part-of-speech tagging with UPOS tags: a greedy averaged perceptron (Collins 2002; the tagger design of
// Honnibal's "A good part-of-speech tagger in about 200 lines of Python"), one model per language,
// trained from Universal Dependencies treebanks by `npm run train:tagger` (tagger-train.ts).
//
// Why a perceptron rather than a small network on our tensor core: with the little gold data we have
// (25k English words, 92k Portuguese) a linear model over sparse features (the word, its suffixes, its
// shape, its neighbours, the tags already given to its left, and what a lexicon says the word can be)
// is as accurate as a BiLSTM of that data size and two orders of magnitude faster: one hash lookup per
// feature and a 17-wide add, hundreds of thousands of words a second on one thread, no matrix products.
//
// Each word is tagged left to right from the features of `tagFeatures`; a word the training data saw
// often with one tag only takes it directly (the tag dictionary). Portuguese contractions are tagged as
// one token with a joined tag ("do" → ADP+DET), so context decides between "nos" ADP+DET (em + os) and
// "nos" PRON; the caller splits them into their words.
//
// A model file (data/tagger-<lang>.txt.gz) is gzipped text: a header (format version, language, tags,
// the licence notices of the data it was trained on as `#` lines), the tag dictionary, then one line per
// feature with its non-zero weights. It loads on first use.

/** What the tagger knows about a (normalized) word beyond the treebank. */
export interface WordKnowledge {
  /** What a lexicon says the word can be: a short, stable class string ("" when unknown). */
  classOf(word: string): string;
}

export interface TaggerModelData {
  readonly lang: 'en' | 'pt';
  /** The tag set: UPOS tags, and for Portuguese joined tags of contractions ("ADP+DET"). */
  readonly tags: readonly string[];
  /** Feature → row of `weights` (its weights are weights[row * tags.length ...]). */
  readonly features: ReadonlyMap<string, number>;
  readonly weights: Float32Array;
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
}

export function sentenceContext(
  words: readonly string[],
  knowledge: WordKnowledge,
  ambiguity: ReadonlyMap<string, string>,
): SentenceContext {
  const normalized = words.map(normalizeWord);
  return {
    words,
    normalized,
    shapes: words.map(wordShape),
    classes: normalized.map((word) => knowledge.classOf(word)),
    ambiguity: normalized.map((word) => ambiguity.get(word) ?? '?'),
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
  return [
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

/** Tags one sentence of words: tag indices into model.tags. */
export function tagSentence(
  model: TaggerModelData,
  words: readonly string[],
  knowledge: WordKnowledge,
): number[] {
  const context = sentenceContext(words, knowledge, model.ambiguity);
  const scores = new Float64Array(model.tags.length);
  const tags: number[] = [];
  let previous = START[0]!;
  let previous2 = START[1]!;
  for (let i = 0; i < words.length; i++) {
    let tag = model.tagDictionary.get(context.normalized[i]!);
    if (tag === undefined) {
      const features = tagFeatures(context, i, previous, previous2);
      tag = bestTagOfRow(model.features, model.weights, model.tags.length, features, scores);
    }
    tags.push(tag);
    previous2 = previous;
    previous = model.tags[tag]!;
  }
  return tags;
}
