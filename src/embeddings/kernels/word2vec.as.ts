// asc-flags: --importMemory --sharedMemory --initialMemory 1 --maximumMemory 65536 --enable threads
// The word2vec training loop in WebAssembly: one call trains a whole chunk of sentences (word ids)
// with skip-gram or CBOW (mean of the context), negative sampling and/or hierarchical softmax,
// frequent-word subsampling and the C tool's dynamic window. Every worker thread instantiates this
// module on ONE shared memory that holds both weight matrices, so updates are lock-free (Hogwild),
// as in the C tool and gensim. The plain TS oracle is src/embeddings/reference.ts; the two must
// draw random numbers in the same order.
//
// Negative words are drawn from unigram^0.75 by an alias table in wasm memory (8 bytes per word:
// a u32 threshold and an i32 alias), small enough to stay in cache, unlike the C tool's 1e8 table.
//
// Memory is laid out by the host (src/embeddings/layout.ts); this module only keeps pointers in
// its (per-instance) globals and allocates nothing, so instances never collide in the shared memory
// except on the weights. Per-worker state (RNG, loss sums, scratch rows) sits in the worker's own
// region at `work`:
//   work+0  u64 RNG state (linear congruential, the C tool's constants; draws use the high 32 bits)
//   work+8  f64 loss sum          work+16 f64 examples (pairs for skip-gram, centers for CBOW)
//   work+32 f32[dim] hidden (CBOW mean of the context)   then f32[dim] error accumulator
//   then    i32[] the current sentence after subsampling
//
// Sigmoid: by default from the C tool's EXP_TABLE (1000 values of σ(x) on [-6, 6), indexed as the C
// tool does, see TABLE_SCALE; beyond ±6 negative sampling clips σ to 0 or 1 and hierarchical softmax skips the
// node, as the C tool does). `exact` computes σ(x) = 1 / (1 + e^-x) with no clipping.
// Loss per example (a (context, center) pair for skip-gram, a center for CBOW): −log σ(x) for the
// true target plus −log σ(−x) for each negative (HS: plus −log σ(±x) per node of the path),
// accumulated in float64; with the table it is read
// from a matching log σ table on the same grid (|x| ≥ 6: 0 or |x|).
import { accumulateAndUpdateF32, addF32, dotF32, fillF32, scaleF32 } from '../../tensor/kernels/vector.as-lib';

const MAX_EXP: f32 = 6;
const EXP_TABLE_SIZE: i32 = 1000;
// Table index = ⌊(x + 6)·83⌋: 83 is EXP_TABLE_SIZE / MAX_EXP / 2 in integer arithmetic, as the C tool
// and gensim compute it (not 83.33), so σ is read at ≈ 0.996·x − 0.024. Checked bit for bit against
// gensim 4.2's train_batch_cbow; on the benchmark it lifts WordSim rho by ~0.0025 per seed.
const TABLE_SCALE: f32 = <f32>(EXP_TABLE_SIZE / <i32>MAX_EXP / 2);
/** The loss reads log σ on the true grid (1000 / 12 per unit), so the reported loss carries no such shift. */
const LOSS_SCALE: f32 = <f32>EXP_TABLE_SIZE / MAX_EXP / 2;

let dim: i32 = 0;
let rowBytes: usize = 0;
let windowSize: i32 = 5;
let negative: i32 = 5;
let useHs: bool = false;
let cbow: bool = false;
let exactSigmoid: bool = false;
let inputEmbeddings: usize = 0;
let outputWeights: usize = 0;
let hsWeights: usize = 0;
let sigmoidTable: usize = 0;
let logSigmoidTable: usize = 0;
let noiseTable: usize = 0;
let noiseTableSize: u32 = 1;
let keepProbability: usize = 0;
let codeStart: usize = 0;
let codeLength: usize = 0;
let codes: usize = 0;
let points: usize = 0;
let work: usize = 0;
let hidden: usize = 0;
let errorRow: usize = 0;
let sentence: usize = 0;

let rng: u64 = 0;
let lossSum: f64 = 0;
let lossTerms: f64 = 0;

/** Lowest address the host may use: everything below belongs to this module. */
export function heapBase(): usize {
  return __heap_base;
}

export function configure(
  dimension: i32,
  window: i32,
  negatives: i32,
  hierarchical: i32,
  continuousBag: i32,
  exact: i32,
  input: usize,
  output: usize,
  hs: usize,
  sigmoid: usize,
  logSigmoid: usize,
  noise: usize,
  noiseSize: u32,
  keep: usize,
  hsCodeStart: usize,
  hsCodeLength: usize,
  hsCodes: usize,
  hsPoints: usize,
  workRegion: usize,
): void {
  dim = dimension;
  rowBytes = <usize>dimension << 2;
  windowSize = window;
  negative = negatives;
  useHs = hierarchical != 0;
  cbow = continuousBag != 0;
  exactSigmoid = exact != 0;
  inputEmbeddings = input;
  outputWeights = output;
  hsWeights = hs;
  sigmoidTable = sigmoid;
  logSigmoidTable = logSigmoid;
  noiseTable = noise;
  noiseTableSize = noiseSize;
  keepProbability = keep;
  codeStart = hsCodeStart;
  codeLength = hsCodeLength;
  codes = hsCodes;
  points = hsPoints;
  work = workRegion;
  hidden = workRegion + 32;
  errorRow = hidden + ((rowBytes + 15) & ~15);
  sentence = errorRow + ((rowBytes + 15) & ~15);
}

/** Bytes of the per-worker region for a chunk of at most `maxWords` words. */
export function workBytes(dimension: i32, maxWords: i32): usize {
  const row = ((<usize>dimension << 2) + 15) & ~15;
  return 32 + 2 * row + (<usize>maxWords << 2);
}

@inline
function nextRandom(): u32 {
  rng = rng * 25214903917 + 11;
  return <u32>(rng >> 32);
}

/** −log σ(x) if label is 1, −log σ(−x) if 0; table mode reads the log σ table on the EXP grid. */
@inline
function lossTerm(x: f32, label: i32): f64 {
  const z: f32 = label != 0 ? x : -x;
  if (exactSigmoid) {
    const zz = <f64>z;
    // softplus(−z) = max(−z, 0) + log1p(e^−|z|)
    return Math.max(-zz, 0) + Math.log1p(Math.exp(-Math.abs(zz)));
  }
  if (z >= MAX_EXP) return 0;
  if (z <= -MAX_EXP) return -<f64>z;
  const index = <i32>((z + MAX_EXP) * LOSS_SCALE);
  return -<f64>load<f32>(logSigmoidTable + (<usize>index << 2));
}

/** One (input row → target) logistic step: accumulates the input's gradient in errorRow, updates the target row. */
@inline
function logisticStep(inputRow: usize, targetRow: usize, label: i32, alpha: f32, skipOutside: bool): void {
  const f = dotF32(inputRow, targetRow, dim);
  lossSum += lossTerm(f, label);
  let g: f32;
  if (exactSigmoid) {
    g = (<f32>label - <f32>(1.0 / (1.0 + Math.exp(-<f64>f)))) * alpha;
  } else if (f >= MAX_EXP) {
    if (skipOutside) return;
    g = <f32>(label - 1) * alpha;
  } else if (f <= -MAX_EXP) {
    if (skipOutside) return;
    g = <f32>label * alpha;
  } else {
    const index = <i32>((f + MAX_EXP) * TABLE_SCALE);
    g = (<f32>label - load<f32>(sigmoidTable + (<usize>index << 2))) * alpha;
  }
  accumulateAndUpdateF32(g, inputRow, targetRow, errorRow, dim);
}

/** Trains `inputRow` (a context word's vector, or the CBOW mean) to predict `word`; gradient → errorRow. */
@inline
function predict(inputRow: usize, word: i32, alpha: f32): void {
  lossTerms += 1;
  if (useHs) {
    const start = load<i32>(codeStart + (<usize>word << 2));
    const length = load<i32>(codeLength + (<usize>word << 2));
    for (let k = 0; k < length; k++) {
      const node = load<i32>(points + (<usize>(start + k) << 2));
      const code = <i32>load<u8>(codes + <usize>(start + k));
      logisticStep(inputRow, hsWeights + <usize>node * rowBytes, 1 - code, alpha, true);
    }
  }
  if (negative > 0) {
    logisticStep(inputRow, outputWeights + <usize>word * rowBytes, 1, alpha, false);
    for (let d = 0; d < negative; d++) {
      // Alias table (Vose): one 32-bit draw r; r·n picks the bin (high word) and the coin (low word).
      const product = <u64>nextRandom() * <u64>noiseTableSize;
      const bin = <u32>(product >> 32);
      const entry = noiseTable + (<usize>bin << 3);
      const target = <u32>product < load<u32>(entry) ? <i32>bin : load<i32>(entry, 4);
      if (target == word) continue;
      logisticStep(inputRow, outputWeights + <usize>target * rowBytes, 0, alpha, false);
    }
  }
}

function trainSkipGram(length: i32, alpha: f32): void {
  for (let position = 0; position < length; position++) {
    const word = load<i32>(sentence + (<usize>position << 2));
    const shrink = <i32>(nextRandom() % <u32>windowSize);
    const from = max(0, position - windowSize + shrink);
    const to = min(length, position + windowSize - shrink + 1);
    for (let c = from; c < to; c++) {
      if (c == position) continue;
      const context = load<i32>(sentence + (<usize>c << 2));
      const inputRow = inputEmbeddings + <usize>context * rowBytes;
      fillF32(0, errorRow, dim);
      predict(inputRow, word, alpha);
      addF32(errorRow, inputRow, dim);
    }
  }
}

function trainCbow(length: i32, alpha: f32): void {
  for (let position = 0; position < length; position++) {
    const word = load<i32>(sentence + (<usize>position << 2));
    const shrink = <i32>(nextRandom() % <u32>windowSize);
    const from = max(0, position - windowSize + shrink);
    const to = min(length, position + windowSize - shrink + 1);
    if (to - from <= 1) continue;
    fillF32(0, hidden, dim);
    for (let c = from; c < to; c++) {
      if (c == position) continue;
      addF32(inputEmbeddings + <usize>load<i32>(sentence + (<usize>c << 2)) * rowBytes, hidden, dim);
    }
    scaleF32(<f32>1 / <f32>(to - from - 1), hidden, dim);
    fillF32(0, errorRow, dim);
    predict(hidden, word, alpha);
    // cbow_mean: the error is applied whole to every context word (C tool, gensim).
    for (let c = from; c < to; c++) {
      if (c == position) continue;
      addF32(errorRow, inputEmbeddings + <usize>load<i32>(sentence + (<usize>c << 2)) * rowBytes, dim);
    }
  }
}

/**
 * Trains one chunk: `ids` holds word ids, `ends` the end offset (exclusive) of each sentence. Words are
 * subsampled (kept with probability keep[id]) before windows are formed, as in the C tool. Stores the
 * chunk's loss sum and example count at work+8 / work+16 and returns the number of words kept.
 */
export function trainChunk(ids: usize, wordCount: i32, ends: usize, sentenceCount: i32, alpha: f32): i32 {
  rng = load<u64>(work);
  lossSum = 0;
  lossTerms = 0;
  let kept = 0;
  let start = 0;
  for (let s = 0; s < sentenceCount; s++) {
    const end = min(load<i32>(ends + (<usize>s << 2)), wordCount);
    let length = 0;
    for (let k = start; k < end; k++) {
      const word = load<i32>(ids + (<usize>k << 2));
      const keep = load<f32>(keepProbability + (<usize>word << 2));
      if (keep < 1) {
        const draw = <f32>(nextRandom() >> 8) * (<f32>1 / <f32>16777216);
        if (draw >= keep) continue;
      }
      store<i32>(sentence + (<usize>length << 2), word);
      length++;
    }
    start = end;
    kept += length;
    if (length < 2) continue;
    if (cbow) trainCbow(length, alpha);
    else trainSkipGram(length, alpha);
  }
  store<u64>(work, rng);
  store<f64>(work + 8, lossSum);
  store<f64>(work + 16, lossTerms);
  return kept;
}
