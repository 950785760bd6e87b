// The word2vec trainer: skip-gram or CBOW (mean of the context) with negative sampling and/or
// hierarchical softmax, frequent-word subsampling, the C tool's dynamic window, a linear learning
// rate from `alpha` to `minAlpha` over all epochs, and several epochs over a restartable corpus.
//
// Division of work: this (main) thread streams the corpus, maps words to ids and cuts the stream
// into chunks of at most `chunkWords` ids (sentences kept whole, longer ones split); worker threads
// (worker.ts) run the whole per-chunk training loop in WebAssembly (kernels/word2vec.as.ts) on ONE
// shared memory holding both weight matrices, updating them lock-free as the C tool and gensim do.
// Subsampling, window shrinking and negative draws happen inside the kernel with each worker's own
// RNG, reseeded at every epoch start from (seed, epoch, worker). The learning rate of a chunk is a
// function of its position in the corpus, not of timing, so with one thread a run is bit-for-bit
// reproducible and a resumed run continues exactly where the interrupted one stopped. That position
// counts sentences by default, as gensim does for a sentence iterable (`alphaDecay: 'sentences'`), or
// in-vocabulary words as the C tool does (`'words'`); see `learningRate`.
//
// Streaming: every epoch reads the corpus chunk by chunk; memory is the two matrices plus small
// buffers. By default the first epoch of a run also writes its chunks of ids to a temporary file that
// later epochs stream back (same chunks, same results, no re-tokenizing); `cacheIds: false` turns it off.
// With `update` and hierarchical softmax the Huffman tree is rebuilt from the grown counts, so the
// old node weights no longer match their nodes (as in gensim); negative sampling carries over cleanly.
//
// The trainer owns the counts, the noise table and the output weights (gensim's split); it returns
// KeyedVectors (words + input vectors) for queries, and the full TrainingState for checkpoints.
//
// `model: 'fasttext'` trains subword vectors (fastText): the input matrix holds the word rows and then
// `bucket` rows of hashed character n-grams (subword.ts), a word's input is the mean of its rows, and the
// chunks go to the subword kernel (native/fasttext.cc through subword-pool.ts; without the addon, its
// TypeScript oracle kernels/subword-reference.ts in the worker threads) with the skip-gram (default) or
// CBOW objective. fastText's defaults apply to it: alpha 0.05 decaying to 0 by words, sample 1e-4, the noise
// distribution count^0.5, input rows uniform in ±1/dim. It returns SubwordVectors, which also answer for
// words outside the vocabulary.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { nativeKernels } from '../native/index.js';
import { Random } from '../util/random.js';
import { InternalError, VerboError } from '../util/errors.js';
import { wasmModule } from '../util/wasm.js';
import {
  buildVocabulary,
  keepProbabilities,
  noiseWeights,
  TokenCounter,
  type Vocabulary,
} from '../vocab/index.js';
import { saveCheckpoint } from './checkpoint.js';
import { buildHuffmanTree } from './huffman.js';
import { KeyedVectors } from './keyed-vectors.js';
import { fillSubwordSigmoid } from './kernels/subword-memory.js';
import {
  checkSubwordSettings,
  DEFAULT_SUBWORD_SETTINGS,
  type SubwordSettings,
  vocabularySubwordRows,
} from './subword.js';
import { NativeSubwordPool } from './subword-pool.js';
import { SubwordVectors } from './subword-vectors.js';
import {
  createSharedMemory,
  fillNoiseAlias,
  fillSigmoidTables,
  KERNEL_NAME,
  type KernelConfig,
  kernelViews,
  planLayout,
  readRngState,
  seedRngState,
  writeRngState,
} from './kernels/word2vec-memory.js';
import { type ChunkResult, WorkerPool } from './worker-pool.js';

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
  /** Worker threads (default: the number of cores). */
  threads?: number;
  /** Seed of every random draw (default 1). */
  seed?: number;
  /** 'table' (default): the C tool's EXP_TABLE with clipping at ±6; 'exact': 1 / (1 + e^−x). */
  sigmoid?: 'table' | 'exact';
  /** Words per chunk handed to a worker (default 10,000, as gensim's batch). */
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
  /** Per worker, the RNG state (u64, decimal) the next epoch starts with. */
  rngStates: string[];
  /** Per completed epoch: average loss, seconds, raw words/s. */
  history: EpochRecord[];
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  seconds: number;
  wordsPerSecond: number;
  alpha: number;
}

export interface MemoryEstimate {
  /** Both weight matrices (and HS weights): vocab × dim × 4 bytes each (fasttext: + bucket × dim × 4). */
  weightBytes: number;
  /** Noise and sigmoid tables, keep probabilities, Huffman codes, per-worker buffers. */
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

export interface TrainResult {
  keyedVectors: KeyedVectors;
  state: TrainingState;
  summary: TrainSummary;
}

/** A sentence source read once per epoch (and once more to count, unless a vocabulary is given). */
export type SentenceCorpus = AsyncIterable<readonly string[]> | Iterable<readonly string[]>;

const PROGRESS_INTERVAL_MS = 250;

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

async function countCorpus(corpus: SentenceCorpus): Promise<{ counter: TokenCounter; sentences: number }> {
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

/**
 * Trains word vectors on `corpus` (a restartable iterable of token arrays, read once per epoch).
 * Reports 'vocab', 'start' (with the memory estimate), 'progress', 'epoch-end' and 'checkpoint'
 * events through `hooks.onProgress`. Returns the vectors, the full state and a summary.
 */
export async function trainWord2Vec(
  corpus: SentenceCorpus,
  options: Word2VecOptions = {},
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const emit = hooks.onProgress ?? (() => {});
  const previous = options.resume ?? options.update;
  check(!(options.resume && options.update), 'give either resume or update, not both.');
  let resolved = resolveOptions(options);
  if (previous !== undefined) {
    // The model's shape comes from the saved state; a resume also keeps its schedule settings.
    const kept = previous.options;
    const shape = {
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
    };
    resolved = options.resume
      ? // Checkpoints from before `alphaDecay` existed decayed by words: they continue so.
        { ...kept, alphaDecay: kept.alphaDecay ?? 'words', threads: resolved.threads }
      : {
          ...resolved,
          ...shape,
          minCount: options.minCount ?? kept.minCount,
          sample: options.sample ?? kept.sample,
        };
  }
  const { dim } = resolved;

  // Vocabulary and the words per epoch (the learning-rate schedule's unit).
  const vocabStart = performance.now();
  let vocabulary: Vocabulary;
  let wordsPerEpoch: number;
  let rawWordsPerEpoch: number;
  let sentencesPerEpoch: number;
  if (options.resume) {
    vocabulary = options.resume.vocabulary;
    wordsPerEpoch = options.resume.wordsPerEpoch;
    rawWordsPerEpoch = options.resume.rawWordsPerEpoch;
    sentencesPerEpoch = options.resume.sentencesPerEpoch;
  } else if (options.update) {
    const { counter, sentences } = await countCorpus(corpus);
    vocabulary = options.update.vocabulary.extend(counter.counts, { minCount: resolved.minCount });
    wordsPerEpoch = inVocabularyWords(vocabulary, counter.counts);
    rawWordsPerEpoch = counter.tokens;
    sentencesPerEpoch = sentences;
  } else if (options.vocabulary) {
    vocabulary = options.vocabulary;
    const { counter, sentences } = await countCorpus(corpus);
    wordsPerEpoch = inVocabularyWords(vocabulary, counter.counts);
    rawWordsPerEpoch = counter.tokens;
    sentencesPerEpoch = sentences;
  } else {
    const tally = { sentences: 0 };
    vocabulary = await buildVocabulary(countingSentences(corpus, tally), {
      minCount: resolved.minCount,
      maxSize: resolved.maxVocabSize ?? undefined,
    });
    wordsPerEpoch = vocabulary.totalCount;
    rawWordsPerEpoch = vocabulary.tokensSeen;
    sentencesPerEpoch = tally.sentences;
  }
  const vocabSeconds = (performance.now() - vocabStart) / 1000;
  if (vocabulary.size === 0 || wordsPerEpoch === 0) {
    throw new VerboError(
      `no word of the corpus occurs at least ${resolved.minCount} times (${rawWordsPerEpoch} words read); lower --min-count or give more text.`,
      'EMPTY',
    );
  }
  const vocabSize = vocabulary.size;
  emit({ type: 'vocab', vocabSize, rawWords: rawWordsPerEpoch, words: wordsPerEpoch, seconds: vocabSeconds });

  // Shared memory: weights, tables, per-worker buffers.
  const tree = resolved.hs ? buildHuffmanTree(vocabulary.counts) : undefined;
  const subwordSettings = subwordSettingsOf(resolved);
  const subwordRows = subwordSettings && vocabularySubwordRows(vocabulary.words, subwordSettings);
  const buckets = subwordSettings?.bucket ?? 0;
  const config: KernelConfig = {
    vocabSize,
    dim,
    window: resolved.window,
    negative: resolved.negative,
    hs: resolved.hs,
    cbow: resolved.model === 'cbow' || resolved.cbow === true,
    exactSigmoid: resolved.sigmoid === 'exact',
    noiseTableSize: resolved.negative > 0 ? vocabSize : 0,
    codeTotal: tree?.codes.length ?? 0,
    workers: resolved.threads,
    maxChunkWords: resolved.chunkWords,
    ...(subwordRows && {
      subword: { inputRows: vocabSize + buckets, subwordRowTotal: subwordRows.rows.length },
    }),
  };
  const layout = planLayout(config);
  checkMemory(layout.totalBytes, subwordSettings);
  const memory = createSharedMemory(layout);
  const views = kernelViews(memory, layout, config);
  fillSigmoidTables(memory, layout);
  views.keep.set(keepProbabilities(vocabulary, resolved.sample));
  // fastText draws negatives from count^0.5, word2vec from count^0.75.
  if (resolved.negative > 0) fillNoiseAlias(views.noise, noiseWeights(vocabulary, subwordRows ? 0.5 : 0.75));
  if (tree) {
    views.codeStart.set(tree.codeStart);
    views.codeLength.set(tree.codeLength);
    views.codes.set(tree.codes);
    views.points.set(tree.points);
  }
  if (subwordRows) {
    views.subwordStart.set(subwordRows.start);
    views.subwordRows.set(subwordRows.rows);
    fillSubwordSigmoid(memory, layout, config);
  }
  const halfWidth = initialHalfWidth(resolved.model);
  if (previous !== undefined) {
    // Old rows keep their ids (Vocabulary.extend appends); new words start as fresh words do.
    const oldRows = previous.vocabulary.size;
    views.input.set(previous.inputEmbeddings.subarray(0, Math.min(oldRows, vocabSize) * dim));
    if (views.output.length > 0)
      views.output.set(previous.outputWeights.subarray(0, Math.min(oldRows, vocabSize) * dim));
    if (views.hs.length > 0) views.hs.set(previous.hsWeights.subarray(0, Math.min(oldRows, vocabSize) * dim));
    if (vocabSize > oldRows)
      initialiseRows(views.input, oldRows, vocabSize, dim, new Random(resolved.seed + oldRows), halfWidth);
    // The n-gram rows follow the word rows: they move up by the number of new words.
    if (buckets > 0) views.input.set(previous.inputEmbeddings.subarray(oldRows * dim), vocabSize * dim);
  } else {
    if (subwordRows) initialiseRowsFast(views.input, 0, vocabSize + buckets, dim, resolved.seed, halfWidth);
    else initialiseRows(views.input, 0, vocabSize, dim, new Random(resolved.seed), halfWidth);
  }

  const weightBytes = (views.input.length + views.output.length + views.hs.length) * 4;
  const memoryEstimate: MemoryEstimate = {
    weightBytes,
    tableBytes: layout.totalBytes - weightBytes,
    totalBytes: layout.totalBytes,
  };
  const firstEpoch = options.resume ? options.resume.epochsDone + 1 : 1;
  const { epochs } = resolved;
  const history: EpochRecord[] = options.resume ? options.resume.history.slice() : [];
  let wordsDone = options.resume ? options.resume.wordsDone : 0;
  let sentencesDone = options.resume ? options.resume.sentencesDone : 0;
  const bySentences = resolved.alphaDecay === 'sentences';
  const scheduleTotal = epochs * (bySentences ? sentencesPerEpoch : wordsPerEpoch);
  /** The learning rate of the next chunk, from the position before it. */
  const nextAlpha = (): number =>
    learningRate(bySentences ? sentencesDone : wordsDone, scheduleTotal, resolved.alpha, resolved.minAlpha);
  const totalRawWords = (epochs - firstEpoch + 1) * rawWordsPerEpoch;
  emit({
    type: 'start',
    vocabSize,
    dim,
    epochs,
    firstEpoch,
    threads: resolved.threads,
    totalWords: totalRawWords,
    memory: memoryEstimate,
  });

  // Per-epoch accumulators, fed by the workers' replies.
  let epochLoss = 0;
  let epochExamples = 0;
  let runRawDone = 0;
  let epoch = firstEpoch;
  let currentAlpha = resolved.alpha;
  let lastEmit = 0;
  const trainStart = performance.now();
  const onResult = (result: ChunkResult): void => {
    epochLoss += result.lossSum;
    epochExamples += result.examples;
    runRawDone += result.rawWords;
    const now = performance.now();
    if (now - lastEmit >= PROGRESS_INTERVAL_MS) {
      lastEmit = now;
      const seconds = (now - trainStart) / 1000;
      const rate = seconds > 0 ? runRawDone / seconds : 0;
      emit({
        type: 'progress',
        epoch,
        wordsDone: runRawDone,
        totalWords: totalRawWords,
        wordsPerSecond: rate,
        alpha: currentAlpha,
        etaSeconds: rate > 0 ? (totalRawWords - runRawDone) / rate : 0,
        loss: epochExamples > 0 ? epochLoss / epochExamples : 0,
      });
    }
  };

  // A subword model trains on the native kernel when the addon is there, else on worker threads
  // running the TypeScript kernel.
  const native = subwordRows ? nativeKernels() : null;
  const pool = native
    ? NativeSubwordPool.start({ kernels: native, memory, layout, config, views, onResult })
    : WorkerPool.start({
        threads: resolved.threads,
        module: wasmModule(KERNEL_NAME),
        memory,
        layout,
        config,
        onResult,
      });
  const stopped = (): boolean => options.signal?.aborted === true;
  const stopError = (): VerboError =>
    new VerboError(`training stopped after epoch ${epoch - 1} of ${epochs}.`, 'ABORTED');
  let rngStates: string[] = [];
  const useCache = options.cacheIds ?? (epochs > firstEpoch && wordsPerEpoch * 4 < 2 ** 31);
  const cache = useCache ? new ChunkCache() : undefined;
  try {
    for (; epoch <= epochs; epoch++) {
      if (stopped()) throw stopError();
      const epochStart = performance.now();
      const epochRawStart = runRawDone;
      epochLoss = 0;
      epochExamples = 0;
      for (let w = 0; w < resolved.threads; w++)
        writeRngState(memory, layout, w, seedRngState(resolved.seed, epoch, w));

      // Cut the corpus into chunks of ids; the learning rate of a chunk is set by its position.
      const chunkWords = resolved.chunkWords;
      let ids = new Int32Array(chunkWords);
      let ends: number[] = [];
      let filled = 0;
      let chunkRaw = 0;
      // Sentences in this chunk; a sentence cut into pieces counts its share (piece / whole) per piece.
      let chunkSentences = 0;
      const flush = async (): Promise<void> => {
        if (filled === 0 && chunkRaw === 0 && chunkSentences === 0) return;
        currentAlpha = nextAlpha();
        wordsDone += filled;
        sentencesDone += chunkSentences;
        const chunkIds = ids.slice(0, filled);
        const chunkEnds = Int32Array.from(ends);
        cache?.append(chunkIds, chunkEnds, chunkRaw, chunkSentences); // before submit, which hands the buffers over
        await pool.submit(chunkIds, chunkEnds, currentAlpha, chunkRaw);
        ids = new Int32Array(chunkWords);
        ends = [];
        filled = 0;
        chunkRaw = 0;
        chunkSentences = 0;
      };
      let sentenceIds = new Int32Array(1024);
      const replay = cache?.complete === true ? cache.chunks() : undefined;
      for (const chunk of replay ?? []) {
        currentAlpha = nextAlpha();
        wordsDone += chunk.ids.length;
        sentencesDone += chunk.sentences;
        await pool.submit(chunk.ids, chunk.ends, currentAlpha, chunk.rawWords);
        if (stopped()) break;
      }
      for await (const sentence of replay ? [] : corpus) {
        if (sentence.length > sentenceIds.length) sentenceIds = new Int32Array(sentence.length * 2);
        let length = 0;
        for (let k = 0; k < sentence.length; k++) {
          const id = vocabulary.id(sentence[k]!);
          if (id >= 0) sentenceIds[length++] = id;
        }
        // Sentences stay whole within a chunk; one longer than a chunk is cut into chunk-sized pieces.
        if (filled + length > chunkWords && filled > 0) await flush();
        chunkRaw += sentence.length;
        if (length === 0) chunkSentences += 1;
        for (let at = 0; at < length; ) {
          const take = Math.min(length - at, chunkWords - filled);
          ids.set(sentenceIds.subarray(at, at + take), filled);
          filled += take;
          at += take;
          ends.push(filled);
          chunkSentences += take === length ? 1 : take / length;
          if (filled === chunkWords) await flush();
        }
        if (stopped()) break;
      }
      await flush();
      await pool.drain();
      if (stopped()) throw stopError();
      if (cache) cache.complete = true;

      const seconds = (performance.now() - epochStart) / 1000;
      const record: EpochRecord = {
        epoch,
        loss: epochExamples > 0 ? epochLoss / epochExamples : 0,
        seconds,
        wordsPerSecond: seconds > 0 ? (runRawDone - epochRawStart) / seconds : 0,
        alpha: currentAlpha,
      };
      history.push(record);
      rngStates = [];
      for (let w = 0; w < resolved.threads; w++)
        rngStates.push(seedRngState(resolved.seed, epoch + 1, w).toString());
      if (options.checkpointDir !== undefined) {
        // Workers are idle between epochs: the checkpoint reads the shared matrices in place.
        await saveCheckpoint(options.checkpointDir, snapshot(false));
        emit({ type: 'checkpoint', epoch, dir: options.checkpointDir });
      }
      emit({ type: 'epoch-end', ...record });
    }
  } finally {
    cache?.close();
    await pool.close();
  }

  /** The state now; `copy` false gives views of the shared memory (valid until the next chunk). */
  function snapshot(copy: boolean): TrainingState {
    const take = (view: Float32Array): Float32Array => (copy ? view.slice() : view);
    return {
      options: resolved,
      vocabulary,
      inputEmbeddings: take(views.input),
      outputWeights: take(views.output),
      hsWeights: take(views.hs),
      epochsDone: Math.min(epoch, epochs),
      wordsDone,
      wordsPerEpoch,
      rawWordsPerEpoch,
      sentencesDone,
      sentencesPerEpoch,
      rngStates: rngStates.length > 0 ? rngStates : [readRngState(memory, layout, 0).toString()],
      history: history.slice(),
    };
  }
  epoch = epochs;
  // Training is over: a subword model keeps its matrices where they are (the run's memory; its input
  // matrix alone is bucket × dim floats) instead of copying them out.
  const state = snapshot(subwordRows === undefined);
  const seconds = (performance.now() - trainStart) / 1000;
  // The vectors share the state's copy of the input matrix (no third copy).
  const counts = Float64Array.from(vocabulary.counts);
  const keyedVectors = subwordSettings
    ? new SubwordVectors(vocabulary.words, state.inputEmbeddings, dim, subwordSettings, { counts })
    : new KeyedVectors(vocabulary.words, state.inputEmbeddings, dim, counts);
  return {
    keyedVectors,
    state,
    summary: {
      words: runRawDone,
      epochs,
      seconds,
      vocabSeconds,
      wordsPerSecond: seconds > 0 ? runRawDone / seconds : 0,
      vocabSize,
      loss: history.map((record) => record.loss),
    },
  };
}
