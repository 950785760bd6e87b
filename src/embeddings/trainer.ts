// The word2vec trainer: skip-gram or CBOW (mean of the context) with negative sampling and/or
// hierarchical softmax, frequent-word subsampling, the C tool's dynamic window, a linear learning
// rate from `alpha` to `minAlpha` over all epochs, and several epochs over a restartable corpus.
//
// A run is a Word2VecTrainer going through named steps:
//   settleOptions     the settings (defaults; a resume keeps its run's, an update its model's shape)
//   countCorpus       the vocabulary and the corpus's size per epoch (the learning-rate schedule's unit)
//   buildModel        the weight matrices (fresh, or carried over from a resumed or updated run) and the
//                     tables of the chunk loop (noise, keep probabilities, Huffman codes)
//   trainEpoch        once per epoch: the corpus is read, mapped to word ids and cut into chunks of at
//                     most `chunkWords` ids (sentences kept whole, longer ones split); `threads` × 2
//                     consecutive chunks make a job, which the chunk loop (kernels/word2vec.ts: native
//                     threads, or the TypeScript loop without the addon) trains while this thread reads
//                     and encodes the next job; then a checkpoint
//   result            the vectors (KeyedVectors), the full TrainingState and a summary
// `trainWord2Vec` runs them all. Each chunk of a job is trained by one thread with its own random
// stream, reseeded at every epoch start from (seed, epoch, chunk's place in the job), and all threads
// update the matrices lock-free, as the C tool and gensim do. The learning rate of a chunk is a
// function of its position in the corpus, not of timing, so with one thread a run is bit-for-bit
// reproducible and a resumed run continues exactly where the interrupted one stopped. That position
// counts sentences by default, as gensim does for a sentence iterable (`alphaDecay: 'sentences'`), or
// in-vocabulary words as the C tool does (`'words'`); see `learningRate`.
//
// Streaming: every epoch reads the corpus chunk by chunk; memory is the matrices plus small buffers.
// By default the first epoch of a run also writes its chunks of ids to a temporary file that later
// epochs stream back (same chunks, same results, no re-tokenizing); `cacheIds: false` turns it off.
// With `update` and hierarchical softmax the Huffman tree is rebuilt from the grown counts, so the
// old node weights no longer match their nodes (as in gensim); negative sampling carries over cleanly.
//
// The trainer owns the counts, the noise table and the output weights (gensim's split); it returns
// KeyedVectors (words + input vectors) for queries, and the full TrainingState for checkpoints.
//
// `model: 'fasttext'` trains subword vectors (fastText): the input matrix holds the word rows and then
// `bucket` rows of hashed character n-grams (subword.ts), a word's input is the mean of its rows, and the
// chunks go to the subword kernel (kernels/subword-kernel.ts) with the skip-gram (default) or CBOW
// objective. fastText's defaults apply to it: alpha 0.05 decaying to 0 by words, sample 1e-4, the noise
// distribution count^0.5, input rows uniform in ±1/dim. It returns SubwordVectors, which also answer for
// words outside the vocabulary.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { InternalError, VerboError } from '../util/errors.js';
import { Random } from '../util/random.js';
import {
  buildVocabulary,
  keepProbabilities,
  noiseWeights,
  TokenCounter,
  type Vocabulary,
} from '../vocab/index.js';
import { saveCheckpoint } from './checkpoint.js';
import {
  type CorpusFingerprint,
  checkFiniteEpoch,
  checkResumedCorpus,
  checkResumeOptions,
  corpusFingerprint,
} from './run-checks.js';
import { buildHuffmanTree } from './huffman.js';
import { KeyedVectors } from './keyed-vectors.js';
import { SubwordKernel, type SubwordRows } from './kernels/subword-kernel.js';
import {
  checkSubwordSettings,
  DEFAULT_SUBWORD_SETTINGS,
  type SubwordSettings,
  vocabularySubwordRows,
} from './subword.js';
import { SubwordVectors } from './subword-vectors.js';
import {
  type ChunkKernel,
  createWord2VecArrays,
  fillNoiseAlias,
  modelBytes,
  seedRngState,
  type Word2VecArrays,
  type Word2VecJob,
  Word2VecKernel,
} from './kernels/word2vec.js';

export type Word2VecModel = 'skipgram' | 'cbow' | 'fasttext';
export type AlphaDecay = 'sentences' | 'words';

export interface Word2VecOptions {
  /**
   * 'skipgram' (default), 'cbow' (mean of the context, gensim's cbow_mean=1), or 'fasttext' (subword
   * vectors: a word is the mean of its own row and its character n-gram rows).
   */
  model?: Word2VecModel;
  /** fasttext: train with the CBOW objective instead of skip-gram (default false). */
  cbow?: boolean;
  /** fasttext: shortest character n-gram (default 3). */
  minn?: number;
  /** fasttext: longest character n-gram (default 6; 0: no n-grams, then no buckets either). */
  maxn?: number;
  /** fasttext: hash buckets, i.e. n-gram rows (default 2,000,000; memory is bucket × dim × 4 bytes). */
  bucket?: number;
  /** Vector size (default 100). */
  dim?: number;
  /** Largest distance between center and context (default 5); each center uses a random 1 … window. */
  window?: number;
  /** Noise words per example for negative sampling (default 5; 0 turns it off, then `hs` is needed). */
  negative?: number;
  /** Hierarchical softmax over a Huffman tree of the counts (default false). */
  hs?: boolean;
  /** Words seen fewer times are dropped (default 5). */
  minCount?: number;
  /** Keep at most this many words, most frequent first (default: no limit). */
  maxVocabSize?: number;
  /** Subsampling threshold for frequent words (default 1e-3, fasttext 1e-4; 0 turns it off). */
  sample?: number;
  /** Passes over the corpus (default 5). */
  epochs?: number;
  /** Starting learning rate (default 0.025, gensim's default for both models; fasttext 0.05). */
  alpha?: number;
  /** Final learning rate (default 1e-4; fasttext 0). */
  minAlpha?: number;
  /**
   * What the linear decay of the learning rate counts: 'sentences' (default) — sentences handed out
   * over sentences per epoch × epochs, gensim's progress when it trains on a sentence iterable with
   * `total_examples`; 'words' — in-vocabulary words, the C tool's `word_count_actual` (fasttext's
   * default, as fastText's). They differ when sentence lengths vary along the corpus (see `learningRate`).
   */
  alphaDecay?: AlphaDecay;
  /** Threads of the chunk loop (default: the number of cores). */
  threads?: number;
  /** Seed of every random draw (default 1). */
  seed?: number;
  /** 'table' (default): the C tool's EXP_TABLE with clipping at ±6; 'exact': 1 / (1 + e^−x). */
  sigmoid?: 'table' | 'exact';
  /** Words per chunk, the unit one thread trains at a time (default 10,000, as gensim's batch). */
  chunkWords?: number;
  /**
   * Keep the first epoch's chunks of word ids in a temporary file (4 bytes per word) and replay them
   * in later epochs instead of tokenizing the text again; chunks and results are identical either
   * way. Default: on when the file stays under 2 GB.
   */
  cacheIds?: boolean;
  /** Use this vocabulary instead of counting the corpus (a fresh run only). */
  vocabulary?: Vocabulary;
  /** Write a checkpoint into this folder at every epoch end. */
  checkpointDir?: string;
  /** Continue an interrupted run from its checkpoint state (its settings win, except threads). */
  resume?: TrainingState;
  /** Train a finished model further on a new corpus, adding its new words (Vocabulary.extend). */
  update?: TrainingState;
  /** Stops training at the next chunk; the last checkpoint stays usable. */
  signal?: AbortSignal;
}

/** The settings a run actually used (stored in checkpoints and the model's config). */
export interface ResolvedWord2VecOptions {
  model: Word2VecModel;
  dim: number;
  window: number;
  negative: number;
  hs: boolean;
  minCount: number;
  maxVocabSize: number | null;
  sample: number;
  epochs: number;
  alpha: number;
  minAlpha: number;
  alphaDecay: AlphaDecay;
  threads: number;
  seed: number;
  sigmoid: 'table' | 'exact';
  chunkWords: number;
  /** fasttext only: the objective and the n-gram settings (bucket 0 when maxn is 0). */
  cbow?: boolean;
  minn?: number;
  maxn?: number;
  bucket?: number;
}

/** The n-gram settings of a fasttext run, or undefined for word2vec. */
export function subwordSettingsOf(options: ResolvedWord2VecOptions): SubwordSettings | undefined {
  if (options.model !== 'fasttext') return undefined;
  return { minn: options.minn ?? 3, maxn: options.maxn ?? 6, bucket: options.bucket ?? 0 };
}

/** Everything needed to continue training: both matrices, counts, RNG and learning-rate position. */
export interface TrainingState {
  options: ResolvedWord2VecOptions;
  vocabulary: Vocabulary;
  /**
   * [vocab, dim] input vectors (the word vectors; fasttext: [vocab + bucket, dim], word rows then n-gram
   * rows), output weights (negative sampling), HS node weights.
   */
  inputEmbeddings: Float32Array;
  outputWeights: Float32Array;
  hsWeights: Float32Array;
  /** Epochs completed. */
  epochsDone: number;
  /** In-vocabulary words trained so far over all epochs: the learning-rate position. */
  wordsDone: number;
  /** In-vocabulary and raw (all) corpus words per epoch. */
  wordsPerEpoch: number;
  rawWordsPerEpoch: number;
  /** Sentences trained so far over all epochs, and sentences per epoch (the 'sentences' decay's unit). */
  sentencesDone: number;
  sentencesPerEpoch: number;
  /** Per chunk of a job, the random state (u64, decimal) the next epoch starts with. */
  rngStates: string[];
  /** Per completed epoch: average loss, seconds, raw words/s. */
  history: Word2VecEpochRecord[];
  /** The corpus the run trains on, for resume's check (absent in checkpoints written before it). */
  corpus?: CorpusFingerprint;
}

export interface Word2VecEpochRecord {
  epoch: number;
  loss: number;
  seconds: number;
  wordsPerSecond: number;
  alpha: number;
}

export interface MemoryEstimate {
  /** Both weight matrices (and HS weights): vocab × dim × 4 bytes each (fasttext: + bucket × dim × 4). */
  weightBytes: number;
  /** fasttext: the n-gram rows among the weights, bucket × dim × 4 bytes (what --bucket lowers); else 0. */
  ngramBytes: number;
  /** Noise and sigmoid tables, keep probabilities, Huffman codes, the buffers of two jobs. */
  tableBytes: number;
  totalBytes: number;
}

export type TrainEvent =
  | { type: 'vocab'; vocabSize: number; rawWords: number; words: number; seconds: number }
  | {
      type: 'start';
      vocabSize: number;
      dim: number;
      epochs: number;
      firstEpoch: number;
      threads: number;
      totalWords: number;
      memory: MemoryEstimate;
    }
  | {
      type: 'progress';
      epoch: number;
      /** Raw corpus words trained so far in this run (all epochs) and in all. */
      wordsDone: number;
      totalWords: number;
      wordsPerSecond: number;
      alpha: number;
      etaSeconds: number;
      /** Average loss per example so far in this epoch. */
      loss: number;
    }
  | { type: 'epoch-end'; epoch: number; loss: number; seconds: number; wordsPerSecond: number; alpha: number }
  | { type: 'checkpoint'; epoch: number; dir: string };

export interface TrainHooks {
  onProgress?: (event: TrainEvent) => void;
}

export interface TrainSummary {
  /** Raw corpus words processed in this run (words × epochs), as gensim's raw-words figure. */
  words: number;
  epochs: number;
  /** Seconds of training (counting excluded) and raw words per second. */
  seconds: number;
  vocabSeconds: number;
  wordsPerSecond: number;
  vocabSize: number;
  /** Average loss per epoch, every epoch of the model (including those before a resume). */
  loss: number[];
}

export interface Word2VecTrainResult {
  keyedVectors: KeyedVectors;
  state: TrainingState;
  summary: TrainSummary;
}

/** A sentence source read once per epoch (and once more to count, unless a vocabulary is given). */
export type SentenceCorpus = AsyncIterable<readonly string[]> | Iterable<readonly string[]>;

const PROGRESS_INTERVAL_MS = 250;
/** Chunks per thread in a job: a thread that finishes its chunk early takes another. */
const CHUNKS_PER_THREAD = 2;

/**
 * Chunks of word ids (with sentence ends and raw-word counts) written while the first epoch of a run
 * tokenizes the corpus, then streamed back chunk by chunk by the later epochs: the main thread stops
 * re-tokenizing and looking up words, which on two cores competes with the training threads.
 */
class ChunkCache {
  private readonly dir: string;
  private readonly fd: number;
  private size = 0;
  complete = false;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'verbo-w2v-'));
    this.fd = openSync(join(this.dir, 'chunks.i32'), 'w+');
    // The open handle keeps the file readable; removing its name now means nothing is left behind in
    // the temporary folder even when the process is killed (-9) mid-run.
    rmSync(this.dir, { recursive: true, force: true });
  }

  append(ids: Int32Array, ends: Int32Array, rawWords: number, sentences: number): void {
    const header = Int32Array.of(ids.length, ends.length, rawWords);
    for (const part of [header, Float64Array.of(sentences), ids, ends]) {
      writeSync(this.fd, part, 0, part.byteLength, this.size);
      this.size += part.byteLength;
    }
  }

  *chunks(): Generator<{ ids: Int32Array; ends: Int32Array; rawWords: number; sentences: number }> {
    const header = new Int32Array(3);
    const sentences = new Float64Array(1);
    let position = 0;
    const read = (target: Int32Array | Float64Array): void => {
      if (readSync(this.fd, target, 0, target.byteLength, position) !== target.byteLength) {
        throw new InternalError('word2vec: the temporary id cache was truncated');
      }
      position += target.byteLength;
    };
    while (position < this.size) {
      read(header);
      read(sentences);
      const ids = new Int32Array(header[0]!);
      const ends = new Int32Array(header[1]!);
      read(ids);
      read(ends);
      yield { ids, ends, rawWords: header[2]!, sentences: sentences[0]! };
    }
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The learning rate at a position of the run: linear from `alpha` (nothing trained) to `minAlpha`
 * (all `total` trained), as gensim and the C tool decay it; positions past the end stay at minAlpha.
 * `done` and `total` count sentences (gensim: examples pushed / total_examples, per job of ≤ 10,000
 * words) or in-vocabulary words (the C tool), per `alphaDecay`. The two agree when sentence lengths
 * are even along the corpus. The benchmark corpus has long lines (10,000 words) in its first half and
 * short ones at its end (by line 200 of 432, 63% of the words are done), so by sentences the rate
 * stays higher over most words. gensim's anchor (LineSentence + total_examples) decays so; with it our
 * CBOW's vector norms per frequency band match gensim's to 0.5% (they were 3–4% short, 18% for rare
 * words after one epoch) and WordSim rho gains ~0.005 per seed.
 */
export function learningRate(done: number, total: number, alpha: number, minAlpha: number): number {
  const progress = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  return alpha - (alpha - minAlpha) * progress;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new VerboError(message, 'BAD_ARGUMENT');
}

/** Fills in defaults and validates; throws a VerboError naming the bad option. */
export function resolveOptions(options: Word2VecOptions): ResolvedWord2VecOptions {
  const model = options.model ?? 'skipgram';
  const subword = model === 'fasttext';
  const resolved: ResolvedWord2VecOptions = {
    model,
    dim: options.dim ?? 100,
    window: options.window ?? 5,
    negative: options.negative ?? 5,
    hs: options.hs ?? false,
    minCount: options.minCount ?? 5,
    maxVocabSize: options.maxVocabSize ?? null,
    sample: options.sample ?? (subword ? 1e-4 : 1e-3),
    epochs: options.epochs ?? 5,
    alpha: options.alpha ?? (subword ? 0.05 : 0.025),
    minAlpha: options.minAlpha ?? (subword ? 0 : 1e-4),
    alphaDecay: options.alphaDecay ?? (subword ? 'words' : 'sentences'),
    threads: options.threads ?? Math.max(1, availableParallelism()),
    seed: options.seed ?? 1,
    sigmoid: options.sigmoid ?? 'table',
    chunkWords: options.chunkWords ?? 10_000,
  };
  check(
    model === 'skipgram' || model === 'cbow' || subword,
    `model must be 'skipgram', 'cbow' or 'fasttext', got '${model}'.`,
  );
  if (subword) {
    const maxn = options.maxn ?? DEFAULT_SUBWORD_SETTINGS.maxn;
    // As fastText: without n-grams (maxn 0) no buckets are allocated.
    const settings = checkSubwordSettings({
      minn: options.minn ?? DEFAULT_SUBWORD_SETTINGS.minn,
      maxn,
      bucket: maxn === 0 ? 0 : (options.bucket ?? DEFAULT_SUBWORD_SETTINGS.bucket),
    });
    Object.assign(resolved, { cbow: options.cbow ?? false, ...settings });
  } else {
    check(
      options.cbow === undefined &&
        options.minn === undefined &&
        options.maxn === undefined &&
        options.bucket === undefined,
      `cbow, minn, maxn and bucket are settings of model 'fasttext', not '${model}'.`,
    );
  }
  const isWhole = (n: number, min: number) => Number.isInteger(n) && n >= min;
  check(isWhole(resolved.dim, 1), `dim must be a whole number ≥ 1, got ${resolved.dim}.`);
  check(isWhole(resolved.window, 1), `window must be a whole number ≥ 1, got ${resolved.window}.`);
  check(isWhole(resolved.negative, 0), `negative must be a whole number ≥ 0, got ${resolved.negative}.`);
  check(
    resolved.negative > 0 || resolved.hs,
    'negative is 0 and hs is off: turn on one of them (e.g. --negative 5 or --hs).',
  );
  check(resolved.minCount >= 0, `minCount must be ≥ 0, got ${resolved.minCount}.`);
  check(
    resolved.sample >= 0 && Number.isFinite(resolved.sample),
    `sample must be ≥ 0 (e.g. 1e-3; 0 turns subsampling off), got ${resolved.sample}.`,
  );
  check(isWhole(resolved.epochs, 1), `epochs must be a whole number ≥ 1, got ${resolved.epochs}.`);
  check(
    resolved.alpha > 0 && Number.isFinite(resolved.alpha),
    `alpha must be a number > 0, got ${resolved.alpha}.`,
  );
  check(
    resolved.minAlpha >= 0 && resolved.minAlpha <= resolved.alpha,
    `minAlpha must be between 0 and alpha (${resolved.alpha}), got ${resolved.minAlpha}.`,
  );
  check(
    resolved.alphaDecay === 'sentences' || resolved.alphaDecay === 'words',
    `alphaDecay must be 'sentences' or 'words', got '${resolved.alphaDecay}'.`,
  );
  check(
    isWhole(resolved.threads, 1) && resolved.threads <= 256,
    `threads must be a whole number from 1 to 256, got ${resolved.threads}.`,
  );
  check(Number.isInteger(resolved.seed), `seed must be a whole number, got ${resolved.seed}.`);
  check(
    resolved.sigmoid === 'table' || resolved.sigmoid === 'exact',
    `sigmoid must be 'table' or 'exact', got '${resolved.sigmoid}'.`,
  );
  check(
    isWhole(resolved.chunkWords, 16),
    `chunkWords must be a whole number ≥ 16, got ${resolved.chunkWords}.`,
  );
  check(
    resolved.maxVocabSize === null || isWhole(resolved.maxVocabSize, 1),
    `maxVocabSize must be a whole number ≥ 1, got ${resolved.maxVocabSize}.`,
  );
  return resolved;
}

/**
 * Half-width of the uniform initialisation of the input rows, in units of 1/dim: skip-gram keeps the
 * C tool's (−0.5, 0.5)/dim; CBOW uses gensim 4's (−1, 1)/dim. CBOW's hidden layer is the MEAN of the
 * context rows and the output weights start at 0, so both of its first gradients scale with that mean;
 * the narrow start slowed CBOW's early epochs (WordSim-353 rho on the benchmark corpus: median 0.341
 * of 9 seeds narrow, 0.350 of 18 wide; gensim 4.2 0.359 of 3 — a small gain against a ±0.02 noise;
 * measured before the learning rate decayed by sentences, see `alphaDecay`).
 */
function initialHalfWidth(model: Word2VecModel): number {
  // fastText starts every input row, words and n-grams, uniform in ±1/dim.
  return model === 'skipgram' ? 0.5 : 1;
}

/** Input rows uniform in (−halfWidth, halfWidth) / dim, from a seeded stream. */
function initialiseRows(
  target: Float32Array,
  fromRow: number,
  toRow: number,
  dim: number,
  random: Random,
  halfWidth: number,
): void {
  for (let i = fromRow * dim; i < toRow * dim; i++) target[i] = ((random.next() - 0.5) * 2 * halfWidth) / dim;
}

/**
 * Rows uniform in (−halfWidth, halfWidth) / dim like initialiseRows, from an inlined xoshiro128+ stream
 * seeded by `seed` (14× faster than drawing through Random): a subword model starts all of its bucket
 * rows this way, 200 million values by default.
 */
function initialiseRowsFast(
  target: Float32Array,
  fromRow: number,
  toRow: number,
  dim: number,
  seed: number,
  halfWidth: number,
): void {
  const seeder = new Random(seed);
  let s0 = seeder.nextUint32() | 0;
  let s1 = seeder.nextUint32() | 0;
  let s2 = seeder.nextUint32() | 0;
  let s3 = seeder.nextUint32() | 1;
  const scale = (2 * halfWidth) / dim / 4294967296;
  const offset = halfWidth / dim;
  for (let i = fromRow * dim, end = toRow * dim; i < end; i++) {
    const result = (s0 + s3) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    target[i] = result * scale - offset;
  }
}

/**
 * Refuses a run whose weights and tables would not fit in this machine's memory, before allocating them,
 * with the figures and the setting to lower (for subword models mostly the bucket rows).
 */
function checkMemory(bytes: number, subword: SubwordSettings | undefined): void {
  const available = totalmem();
  if (bytes <= available * 0.9) return;
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
  const fix =
    subword !== undefined && subword.bucket > 0
      ? `lower --bucket (now ${subword.bucket}; e.g. --bucket ${Math.max(1000, Math.floor(subword.bucket / 4))}) or --dim`
      : 'lower --dim or raise --min-count';
  throw new VerboError(
    `training needs ${gib(bytes)} for its weights and tables, more than this machine's ${gib(available)} of memory; ${fix}.`,
    'TOO_LARGE',
  );
}

async function countSentences(corpus: SentenceCorpus): Promise<{ counter: TokenCounter; sentences: number }> {
  const counter = new TokenCounter();
  let sentences = 0;
  for await (const sentence of corpus) {
    counter.add(sentence);
    sentences++;
  }
  return { counter, sentences };
}

/** The same sentences, counted into `tally.sentences` as they pass (sync stays sync: no await per sentence). */
function countingSentences(corpus: SentenceCorpus, tally: { sentences: number }): SentenceCorpus {
  if (Symbol.iterator in corpus) {
    const source = corpus as Iterable<readonly string[]>;
    return {
      *[Symbol.iterator]() {
        for (const sentence of source) {
          tally.sentences++;
          yield sentence;
        }
      },
    };
  }
  const source = corpus as AsyncIterable<readonly string[]>;
  return {
    async *[Symbol.asyncIterator]() {
      for await (const sentence of source) {
        tally.sentences++;
        yield sentence;
      }
    },
  };
}

function inVocabularyWords(vocabulary: Vocabulary, counts: Map<string, number>): number {
  let total = 0;
  for (const [word, count] of counts) if (vocabulary.has(word)) total += count;
  return total;
}

/** The vocabulary and what the learning-rate schedule counts per epoch. */
interface CorpusCounts {
  vocabulary: Vocabulary;
  /** In-vocabulary and raw (all) corpus words per epoch, and sentences per epoch. */
  wordsPerEpoch: number;
  rawWordsPerEpoch: number;
  sentencesPerEpoch: number;
  /** What identifies the corpus for a later resume (run-checks.ts). */
  fingerprint: CorpusFingerprint;
  /** Seconds spent counting. */
  seconds: number;
}

/** A piece of the corpus as word ids: sentence ends (offsets into ids), raw words and sentences it holds. */
interface Chunk {
  ids: Int32Array;
  ends: Int32Array;
  rawWords: number;
  /** Sentences; a sentence cut into pieces counts its share (piece / whole) per piece. */
  sentences: number;
}

/** A job of the chunk loop, with the raw corpus words it stands for and the learning rate of its last chunk. */
interface TrainerJob extends Word2VecJob {
  rawWords: number;
  lastAlpha: number;
}

/**
 * Step 1: the settings of the run. A resume keeps its run's settings (threads excepted); an update keeps
 * the model's shape and, unless given, its vocabulary settings.
 */
function settleOptions(options: Word2VecOptions): ResolvedWord2VecOptions {
  check(!(options.resume && options.update), 'give either resume or update, not both.');
  const resolved = resolveOptions(options);
  const previous = options.resume ?? options.update;
  if (previous === undefined) return resolved;
  const kept = previous.options;
  if (options.resume) {
    checkResumeOptions(options, kept);
    // Checkpoints from before `alphaDecay` existed decayed by words: they continue so.
    return { ...kept, alphaDecay: kept.alphaDecay ?? 'words', threads: resolved.threads };
  }
  return {
    ...resolved,
    model: kept.model,
    cbow: kept.cbow,
    minn: kept.minn,
    maxn: kept.maxn,
    bucket: kept.bucket,
    dim: kept.dim,
    window: kept.window,
    negative: kept.negative,
    hs: kept.hs,
    sigmoid: kept.sigmoid,
    minCount: options.minCount ?? kept.minCount,
    sample: options.sample ?? kept.sample,
  };
}

/** Step 2: the vocabulary (counted, given, resumed or extended) and the corpus's size per epoch. */
async function countCorpus(
  corpus: SentenceCorpus,
  options: Word2VecOptions,
  resolved: ResolvedWord2VecOptions,
): Promise<CorpusCounts> {
  const started = performance.now();
  const done = (counts: Omit<CorpusCounts, 'seconds'>): CorpusCounts => {
    if (counts.vocabulary.size === 0 || counts.wordsPerEpoch === 0) {
      throw new VerboError(
        `no word of the corpus occurs at least ${resolved.minCount} times (${counts.rawWordsPerEpoch} words read); lower --min-count or give more text.`,
        'EMPTY',
      );
    }
    return { ...counts, seconds: (performance.now() - started) / 1000 };
  };
  if (options.resume) {
    const fingerprint = await checkResumedCorpus(corpus, options.resume);
    const { vocabulary, wordsPerEpoch, rawWordsPerEpoch, sentencesPerEpoch } = options.resume;
    return done({ vocabulary, wordsPerEpoch, rawWordsPerEpoch, sentencesPerEpoch, fingerprint });
  }
  if (options.update || options.vocabulary) {
    const { counter, sentences } = await countSentences(corpus);
    const vocabulary = options.update
      ? options.update.vocabulary.extend(counter.counts, { minCount: resolved.minCount })
      : options.vocabulary!;
    return done({
      vocabulary,
      wordsPerEpoch: inVocabularyWords(vocabulary, counter.counts),
      rawWordsPerEpoch: counter.tokens,
      sentencesPerEpoch: sentences,
      fingerprint: corpusFingerprint(
        vocabulary,
        (w) => counter.counts.get(w) ?? 0,
        counter.tokens,
        sentences,
      ),
    });
  }
  const tally = { sentences: 0 };
  const vocabulary = await buildVocabulary(countingSentences(corpus, tally), {
    minCount: resolved.minCount,
    maxSize: resolved.maxVocabSize ?? undefined,
  });
  const counts = vocabulary.counts;
  return done({
    vocabulary,
    wordsPerEpoch: vocabulary.totalCount,
    rawWordsPerEpoch: vocabulary.tokensSeen,
    sentencesPerEpoch: tally.sentences,
    fingerprint: corpusFingerprint(
      vocabulary,
      (_, id) => counts[id]!,
      vocabulary.tokensSeen,
      tally.sentences,
    ),
  });
}

/** The matrices and tables of the chunk loop, and a subword model's rows of each word. */
interface Model {
  arrays: Word2VecArrays;
  subwordRows: SubwordRows | undefined;
}

/**
 * Step 3: the matrices and tables of the chunk loop. A resumed or updated run starts from its state's
 * weights (old rows keep their ids: Vocabulary.extend appends); new rows start as fresh words do. A
 * subword model's input matrix holds its word rows, then its n-gram bucket rows.
 */
function buildModel(
  resolved: ResolvedWord2VecOptions,
  vocabulary: Vocabulary,
  previous: TrainingState | undefined,
): Model {
  const { dim } = resolved;
  const vocabSize = vocabulary.size;
  const tree = resolved.hs ? buildHuffmanTree(vocabulary.counts) : undefined;
  const subword = subwordSettingsOf(resolved);
  const subwordRows = subword && vocabularySubwordRows(vocabulary.words, subword);
  const buckets = subword?.bucket ?? 0;
  const matrices = (resolved.negative > 0 ? 1 : 0) + (resolved.hs ? 1 : 0);
  checkMemory(((vocabSize + buckets) * dim + matrices * vocabSize * dim) * 4, subword);
  const arrays = createWord2VecArrays(
    {
      vocabSize,
      dim,
      window: resolved.window,
      negative: resolved.negative,
      hs: resolved.hs,
      cbow: resolved.model === 'cbow',
      exactSigmoid: resolved.sigmoid === 'exact',
    },
    tree?.codes.length ?? 0,
    vocabSize + buckets,
  );
  arrays.keep.set(keepProbabilities(vocabulary, resolved.sample));
  // fastText draws negatives from count^0.5, word2vec from count^0.75.
  if (resolved.negative > 0) fillNoiseAlias(arrays.noise, noiseWeights(vocabulary, subword ? 0.5 : 0.75));
  if (tree) {
    arrays.codeStart.set(tree.codeStart);
    arrays.codeLength.set(tree.codeLength);
    arrays.codes.set(tree.codes);
    arrays.points.set(tree.points);
  }
  const halfWidth = initialHalfWidth(resolved.model);
  if (previous === undefined) {
    if (subword) initialiseRowsFast(arrays.input, 0, vocabSize + buckets, dim, resolved.seed, halfWidth);
    else initialiseRows(arrays.input, 0, vocabSize, dim, new Random(resolved.seed), halfWidth);
    return { arrays, subwordRows };
  }
  const oldRows = Math.min(previous.vocabulary.size, vocabSize);
  arrays.input.set(previous.inputEmbeddings.subarray(0, oldRows * dim));
  if (arrays.output.length > 0) arrays.output.set(previous.outputWeights.subarray(0, oldRows * dim));
  if (arrays.hsWeights.length > 0) arrays.hsWeights.set(previous.hsWeights.subarray(0, oldRows * dim));
  if (vocabSize > oldRows) {
    initialiseRows(arrays.input, oldRows, vocabSize, dim, new Random(resolved.seed + oldRows), halfWidth);
  }
  // The n-gram rows follow the word rows: they move up by the number of new words.
  if (buckets > 0)
    arrays.input.set(previous.inputEmbeddings.subarray(previous.vocabulary.size * dim), vocabSize * dim);
  return { arrays, subwordRows };
}

/**
 * Cuts a stream of sentences (their in-vocabulary word ids) into chunks of at most `size` ids: sentences
 * stay whole within a chunk; one longer than a chunk is cut into chunk-sized pieces.
 */
class Chunker {
  private ids: Int32Array;
  private ends: number[] = [];
  private filled = 0;
  private rawWords = 0;
  private sentences = 0;

  constructor(private readonly size: number) {
    this.ids = new Int32Array(size);
  }

  /** Adds a sentence of `ids` that had `rawLength` tokens; yields the chunks it completes. */
  *add(ids: Int32Array, rawLength: number): Generator<Chunk> {
    const length = ids.length;
    if (this.filled + length > this.size && this.filled > 0) yield this.take();
    this.rawWords += rawLength;
    if (length === 0) this.sentences += 1;
    for (let at = 0; at < length; ) {
      const take = Math.min(length - at, this.size - this.filled);
      this.ids.set(ids.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      this.ends.push(this.filled);
      this.sentences += take === length ? 1 : take / length;
      if (this.filled === this.size) yield this.take();
    }
  }

  /** The last chunk, when anything is left. */
  finish(): Chunk | undefined {
    return this.filled === 0 && this.rawWords === 0 && this.sentences === 0 ? undefined : this.take();
  }

  private take(): Chunk {
    const chunk: Chunk = {
      ids: this.ids.slice(0, this.filled),
      ends: Int32Array.from(this.ends),
      rawWords: this.rawWords,
      sentences: this.sentences,
    };
    this.ends = [];
    this.filled = 0;
    this.rawWords = 0;
    this.sentences = 0;
    return chunk;
  }
}

/** The loss and words of the running epoch and run, reported as throttled 'progress' events. */
class Progress {
  epoch = 0;
  epochLoss = 0;
  epochExamples = 0;
  runRawWords = 0;
  alpha = 0;
  /** A chunk's loss was not finite: the run diverged (checkFiniteEpoch reports it). */
  diverged = false;
  private lastEmit = 0;
  private readonly started = performance.now();

  constructor(
    private readonly emit: (event: TrainEvent) => void,
    private readonly totalRawWords: number,
  ) {}

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  get epochAverageLoss(): number {
    return this.epochExamples > 0 ? this.epochLoss / this.epochExamples : 0;
  }

  startEpoch(epoch: number): void {
    this.epoch = epoch;
    this.epochLoss = 0;
    this.epochExamples = 0;
  }

  /** Adds a trained job: its raw words and, per chunk, [kept, loss sum, examples]. */
  add(job: TrainerJob, results: Float64Array): void {
    for (let p = 0; p < results.length; p += 3) {
      if (!Number.isFinite(results[p + 1]!)) this.diverged = true;
      this.epochLoss += results[p + 1]!;
      this.epochExamples += results[p + 2]!;
    }
    this.runRawWords += job.rawWords;
    this.alpha = job.lastAlpha;
    const now = performance.now();
    if (now - this.lastEmit < PROGRESS_INTERVAL_MS) return;
    this.lastEmit = now;
    const rate = this.seconds > 0 ? this.runRawWords / this.seconds : 0;
    this.emit({
      type: 'progress',
      epoch: this.epoch,
      wordsDone: this.runRawWords,
      totalWords: this.totalRawWords,
      wordsPerSecond: rate,
      alpha: this.alpha,
      etaSeconds: rate > 0 ? (this.totalRawWords - this.runRawWords) / rate : 0,
      loss: this.epochAverageLoss,
    });
  }
}

/**
 * One word2vec run (see the file's header): `Word2VecTrainer.create` counts the corpus and builds the
 * model, `train()` runs the remaining epochs (each one `trainEpoch()`) and returns the result.
 */
export class Word2VecTrainer {
  readonly options: ResolvedWord2VecOptions;
  readonly vocabulary: Vocabulary;
  /** The weights and tables the chunk loop trains. */
  readonly model: Word2VecArrays;
  /** A subword model's n-gram settings (undefined for word2vec). */
  readonly subword: SubwordSettings | undefined;
  /** Epochs completed (those of a resumed run included). */
  epochsDone: number;
  private readonly kernel: ChunkKernel;
  private readonly counts: CorpusCounts;
  private readonly history: Word2VecEpochRecord[];
  /** The learning-rate position: in-vocabulary words and sentences handed out so far, all epochs. */
  private wordsDone: number;
  private sentencesDone: number;
  private readonly firstEpoch: number;
  private readonly progress: Progress;
  private readonly cache: ChunkCache | undefined;

  private constructor(
    private readonly corpus: SentenceCorpus,
    private readonly given: Word2VecOptions,
    private readonly emit: (event: TrainEvent) => void,
    options: ResolvedWord2VecOptions,
    counts: CorpusCounts,
  ) {
    this.options = options;
    this.counts = counts;
    this.vocabulary = counts.vocabulary;
    const resume = given.resume;
    const { arrays, subwordRows } = buildModel(options, this.vocabulary, resume ?? given.update);
    this.model = arrays;
    this.subword = subwordSettingsOf(options);
    const { threads } = options;
    const pieces = threads === 1 ? 1 : threads * CHUNKS_PER_THREAD;
    this.kernel =
      subwordRows === undefined
        ? new Word2VecKernel(arrays, { pieces, threads })
        : new SubwordKernel(arrays, subwordRows, { cbow: options.cbow === true, pieces, threads });
    this.epochsDone = resume?.epochsDone ?? 0;
    this.firstEpoch = this.epochsDone + 1;
    this.wordsDone = resume?.wordsDone ?? 0;
    this.sentencesDone = resume?.sentencesDone ?? 0;
    this.history = resume?.history.slice() ?? [];
    this.progress = new Progress(emit, (options.epochs - this.epochsDone) * counts.rawWordsPerEpoch);
    const useCache =
      given.cacheIds ?? (options.epochs > this.firstEpoch && counts.wordsPerEpoch * 4 < 2 ** 31);
    this.cache = useCache ? new ChunkCache() : undefined;
  }

  /** Settles the options and counts the corpus (steps 1–2), then builds the model (step 3). */
  static async create(
    corpus: SentenceCorpus,
    options: Word2VecOptions = {},
    hooks: TrainHooks = {},
  ): Promise<Word2VecTrainer> {
    const emit = hooks.onProgress ?? (() => {});
    const resolved = settleOptions(options);
    const counts = await countCorpus(corpus, options, resolved);
    emit({
      type: 'vocab',
      vocabSize: counts.vocabulary.size,
      rawWords: counts.rawWordsPerEpoch,
      words: counts.wordsPerEpoch,
      seconds: counts.seconds,
    });
    return new Word2VecTrainer(corpus, options, emit, resolved, counts);
  }

  /** Which chunk loop trains: 'native <isa>' or 'typescript'. */
  get backend(): string {
    return this.kernel.backend;
  }

  /** Weights and tables, and the buffers of the job being trained and the one being built. */
  memoryEstimate(): MemoryEstimate {
    const { weightBytes, tableBytes } = modelBytes(this.model);
    const jobBytes = 2 * this.kernel.pieces * this.options.chunkWords * 8;
    return {
      weightBytes,
      ngramBytes: (this.options.bucket ?? 0) * this.options.dim * 4,
      tableBytes: tableBytes + jobBytes,
      totalBytes: weightBytes + tableBytes + jobBytes,
    };
  }

  /** Runs the epochs left (a checkpoint after each, when asked) and returns the result. */
  async train(): Promise<Word2VecTrainResult> {
    const { epochs } = this.options;
    this.emit({
      type: 'start',
      vocabSize: this.vocabulary.size,
      dim: this.options.dim,
      epochs,
      firstEpoch: this.firstEpoch,
      threads: this.options.threads,
      totalWords: (epochs - this.epochsDone) * this.counts.rawWordsPerEpoch,
      memory: this.memoryEstimate(),
    });
    try {
      while (this.epochsDone < epochs) {
        const record = await this.trainEpoch();
        if (this.given.checkpointDir !== undefined) {
          // Nothing trains between epochs: the checkpoint reads the matrices in place.
          await saveCheckpoint(this.given.checkpointDir, this.snapshot(false));
          this.emit({ type: 'checkpoint', epoch: record.epoch, dir: this.given.checkpointDir });
        }
        this.emit({ type: 'epoch-end', ...record });
      }
    } finally {
      this.cache?.close();
    }
    return this.result();
  }

  /**
   * Step 4: one pass over the corpus. The next job is read and encoded while the chunk loop trains the
   * current one; at most one job trains at a time, so the learning rate follows the corpus's order.
   */
  async trainEpoch(): Promise<Word2VecEpochRecord> {
    const epoch = this.epochsDone + 1;
    const started = performance.now();
    const rawBefore = this.progress.runRawWords;
    this.kernel.seed(this.options.seed, epoch);
    this.progress.startEpoch(epoch);
    let training: Promise<void> | undefined;
    try {
      for await (const job of this.jobs()) {
        await training;
        if (this.stopRequested()) break;
        training = this.kernel.train(job).then((results) => this.progress.add(job, results));
      }
      await training;
    } finally {
      // A job still running holds the matrices: wait for it whatever stopped the loop.
      await training?.catch(() => {});
    }
    // A diverged epoch stops here, before its checkpoint or model is written.
    checkFiniteEpoch(epoch, this.options.epochs, this.progress.epochAverageLoss, this.options.alpha, [
      { name: 'input vectors', values: this.model.input },
      { name: 'output weights', values: this.model.output },
      { name: 'hierarchical-softmax weights', values: this.model.hsWeights },
    ]);
    if (this.stopRequested()) {
      throw new VerboError(`training stopped after epoch ${epoch - 1} of ${this.options.epochs}.`, 'ABORTED');
    }
    if (this.cache) this.cache.complete = true;
    const seconds = (performance.now() - started) / 1000;
    const record: Word2VecEpochRecord = {
      epoch,
      loss: this.progress.epochAverageLoss,
      seconds,
      wordsPerSecond: seconds > 0 ? (this.progress.runRawWords - rawBefore) / seconds : 0,
      alpha: this.progress.alpha,
    };
    this.history.push(record);
    this.epochsDone = epoch;
    return record;
  }

  /**
   * The state now. `copy` false hands out the live matrices (read them only while nothing trains; the
   * final result does so, as the trainer is done with them).
   */
  snapshot(copy = true): TrainingState {
    const take = (values: Float32Array): Float32Array => (copy ? values.slice() : values);
    return {
      options: this.options,
      vocabulary: this.vocabulary,
      inputEmbeddings: take(this.model.input),
      outputWeights: take(this.model.output),
      hsWeights: take(this.model.hsWeights),
      epochsDone: this.epochsDone,
      wordsDone: this.wordsDone,
      wordsPerEpoch: this.counts.wordsPerEpoch,
      rawWordsPerEpoch: this.counts.rawWordsPerEpoch,
      sentencesDone: this.sentencesDone,
      sentencesPerEpoch: this.counts.sentencesPerEpoch,
      rngStates: Array.from({ length: this.kernel.pieces }, (_, p) =>
        seedRngState(this.options.seed, this.epochsDone + 1, p).toString(),
      ),
      history: this.history.slice(),
      corpus: this.counts.fingerprint,
    };
  }

  /** Step 5: the vectors, the state and a summary. The trainer hands its matrices over (no copy). */
  result(): Word2VecTrainResult {
    const state = this.snapshot(false);
    const seconds = this.progress.seconds;
    const rawWords = this.progress.runRawWords;
    const counts = Float64Array.from(this.vocabulary.counts);
    const { words } = this.vocabulary;
    const { dim } = this.options;
    return {
      keyedVectors: this.subword
        ? new SubwordVectors(words, state.inputEmbeddings, dim, this.subword, { counts })
        : new KeyedVectors(words, state.inputEmbeddings, dim, counts),
      state,
      summary: {
        words: rawWords,
        epochs: this.options.epochs,
        seconds,
        vocabSeconds: this.counts.seconds,
        wordsPerSecond: seconds > 0 ? rawWords / seconds : 0,
        vocabSize: this.vocabulary.size,
        loss: this.history.map((record) => record.loss),
      },
    };
  }

  private stopRequested(): boolean {
    return this.given.signal?.aborted === true || this.progress.diverged;
  }

  /** The learning rate of the next chunk, from the position before it. */
  private nextAlpha(): number {
    const { alpha, minAlpha, epochs, alphaDecay } = this.options;
    const bySentences = alphaDecay === 'sentences';
    const perEpoch = bySentences ? this.counts.sentencesPerEpoch : this.counts.wordsPerEpoch;
    return learningRate(
      bySentences ? this.sentencesDone : this.wordsDone,
      epochs * perEpoch,
      alpha,
      minAlpha,
    );
  }

  /** The epoch's chunks: replayed from the id cache when it is complete, else read from the corpus. */
  private async *chunks(): AsyncGenerator<Chunk> {
    const cache = this.cache;
    if (cache?.complete) {
      yield* cache.chunks();
      return;
    }
    const chunker = new Chunker(this.options.chunkWords);
    let ids = new Int32Array(1024);
    for await (const sentence of this.corpus) {
      if (sentence.length > ids.length) ids = new Int32Array(sentence.length * 2);
      let length = 0;
      for (const word of sentence) {
        const id = this.vocabulary.id(word);
        if (id >= 0) ids[length++] = id;
      }
      for (const chunk of chunker.add(ids.subarray(0, length), sentence.length)) {
        cache?.append(chunk.ids, chunk.ends, chunk.rawWords, chunk.sentences);
        yield chunk;
      }
    }
    const last = chunker.finish();
    if (last !== undefined) {
      cache?.append(last.ids, last.ends, last.rawWords, last.sentences);
      yield last;
    }
  }

  /** The epoch's jobs: `pieces` consecutive chunks each, with their learning rates. */
  private async *jobs(): AsyncGenerator<TrainerJob> {
    let group: Chunk[] = [];
    for await (const chunk of this.chunks()) {
      group.push(chunk);
      if (group.length === this.kernel.pieces) {
        yield this.makeJob(group);
        group = [];
      }
    }
    if (group.length > 0) yield this.makeJob(group);
  }

  /** One job from consecutive chunks; moves the learning-rate position past them. */
  private makeJob(chunks: Chunk[]): TrainerJob {
    let words = 0;
    let sentences = 0;
    let rawWords = 0;
    for (const chunk of chunks) {
      words += chunk.ids.length;
      sentences += chunk.ends.length;
      rawWords += chunk.rawWords;
    }
    const ids = new Int32Array(words);
    const ends = new Int32Array(sentences);
    const pieceEnds = new Int32Array(chunks.length);
    const alphas = new Float32Array(chunks.length);
    let lastAlpha = 0;
    let wordAt = 0;
    let sentenceAt = 0;
    chunks.forEach((chunk, p) => {
      lastAlpha = this.nextAlpha();
      alphas[p] = lastAlpha;
      this.wordsDone += chunk.ids.length;
      this.sentencesDone += chunk.sentences;
      ids.set(chunk.ids, wordAt);
      for (let s = 0; s < chunk.ends.length; s++) ends[sentenceAt++] = wordAt + chunk.ends[s]!;
      wordAt += chunk.ids.length;
      pieceEnds[p] = sentenceAt;
    });
    return { ids, ends, pieceEnds, alphas, rawWords, lastAlpha };
  }
}

/**
 * Trains word vectors on `corpus` (a restartable iterable of token arrays, read once per epoch).
 * Reports 'vocab', 'start' (with the memory estimate), 'progress', 'epoch-end' and 'checkpoint'
 * events through `hooks.onProgress`. Returns the vectors, the full state and a summary.
 */
export async function trainWord2Vec(
  corpus: SentenceCorpus,
  options: Word2VecOptions = {},
  hooks: TrainHooks = {},
): Promise<Word2VecTrainResult> {
  const trainer = await Word2VecTrainer.create(corpus, options, hooks);
  return trainer.train();
}
