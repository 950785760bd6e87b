// The text stage: normalize → tokenize → stopwords → stem | lemma, composed by the pipeline, and
// corpus streaming. Every public name of src/text is listed here, one by one.
export {
  type NormalizeForm,
  type NormalizeOptions,
  NORMALIZE_STEPS,
  normalize,
  unicodeNormalize,
  removeControlCharacters,
  collapseWhitespace,
  foldAccents,
  lowercase,
} from './normalize.js';
export {
  type Language,
  type TokenizeOptions,
  type WordTokenizer,
  type SentenceOptions,
  type NaturalTokenizerName,
  type TokenizeConvention,
  NATURAL_TOKENIZERS,
  portugueseContractions,
  splitPortugueseClitics,
  createWordTokenizer,
  tokenizeWords,
  tokenizeWhitespace,
  tokenizeCharacters,
  splitSentences,
  createNaturalTokenizer,
} from './tokenize.js';
export {
  type StopwordOptions,
  stopwordList,
  readStopwordFile,
  createStopwordSet,
  removeStopwords,
} from './stopwords.js';
export { type StemmerName, STEMMER_NAMES, createStemmer } from './stem.js';
export {
  type ConlluRow,
  type ConlluSentence,
  type ConlluWord,
  parseConllu,
  formatConllu,
  sentenceText,
  sentenceWords,
  surfaceTokens,
} from './conllu.js';
export {
  type Accuracy,
  type F1Score,
  type TaggingScore,
  f1Score,
  matchedInOrder,
  scoreTagging,
} from './ud-eval.js';
export { type Lemmatizer, createLemmatizer } from './lemma.js';
export {
  type TaggedWord,
  type Tagger,
  type TaggerOptions,
  createTagger,
} from './tag.js';
export type { TaggerModelData } from './tagger.js';
export {
  type GoldSentence,
  type TrainTaggerOptions,
  trainTaggerFromConllu,
  evaluateTagger,
} from './tagger-train.js';
export {
  type PipelineOptions,
  type PipelineStep,
  type Pipeline,
  type TokenizerName,
  type TokenCorpus,
  type TokenCorpusOptions,
  PIPELINE_STEPS,
  TOKENIZER_NAMES,
  MAX_TOKENS_PER_LINE,
  createPipeline,
  defaultStemmer,
  memoize,
  tokenCorpus,
} from './pipeline.js';
export {
  type CorpusStats,
  type LineCorpus,
  type OpenCorpusOptions,
  openCorpus,
  resolveInputs,
  globToRegExp,
} from './corpus.js';
