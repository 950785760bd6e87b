// The native entries of the embedding and search kernels (native/word2vec.cc, fasttext.cc, scan.cc,
// hnsw.cc), part of every kernel table (NativeKernels in ./index.ts). Arguments are checked by the addon
// (sizes, ids in range); the callers are src/embeddings/kernels and src/search/kernels, whose TypeScript loops are the
// oracles of these entries.

/** A word2vec model as the chunk loop reads and writes it (src/embeddings/kernels/word2vec.ts builds it). */
export interface NativeWord2VecModel {
  vocabSize: number;
  dim: number;
  window: number;
  /** Noise words per example (0: no negative sampling). */
  negative: number;
  /** Hierarchical softmax over the Huffman tree of the counts. */
  hs: boolean;
  /** CBOW (mean of the context) instead of skip-gram. */
  cbow: boolean;
  /** σ(x) = 1 / (1 + e^−x) instead of the C tool's table. */
  exactSigmoid: boolean;
  /** [vocab, dim] word vectors, [vocab, dim] negative-sampling weights, [vocab, dim] HS node weights. */
  input: Float32Array;
  output: Float32Array;
  hsWeights: Float32Array;
  /** σ and log σ on the C tool's grid: entry i at x = (2i / 1000 − 1)·6, 1001 entries. */
  sigmoid: Float32Array;
  logSigmoid: Float32Array;
  /** The noise distribution as an alias table: per word [u32 threshold, alias]. */
  noise: Uint32Array;
  /** Per word, the probability of keeping it (subsampling). */
  keep: Float32Array;
  /** Huffman codes (hs): word w's path is codes/points[codeStart[w] … + codeLength[w]). */
  codeStart: Int32Array;
  codeLength: Int32Array;
  codes: Uint8Array;
  points: Int32Array;
}

/**
 * A subword (fastText) model (src/embeddings/kernels/subword-kernel.ts builds it): the word2vec model's
 * arrays, with an input matrix of word rows then n-gram bucket rows, each word's list of rows, and
 * fastText's σ table (the C tool's `sigmoid` / `logSigmoid` and `exactSigmoid` are not read).
 */
export interface NativeSubwordModel extends NativeWord2VecModel {
  /** Word w's rows: subwordRows[subwordStart[w] .. subwordStart[w + 1]) (vocabSize + 1 offsets). */
  subwordStart: Int32Array;
  subwordRows: Int32Array;
  /** σ at x = i·16/512 − 8, i = 0 … 512 (fastText's table). */
  fastTextSigmoid: Float32Array;
}

export interface EmbeddingKernels {
  /**
   * Trains one job of word2vec chunks in place on `model`: sentence s ends at ids[ends[s]], piece p holds
   * sentences [pieceEnds[p − 1], pieceEnds[p]) and trains with alphas[p] and the random state rng[p]
   * (advanced in place) on one thread; results receive [kept, lossSum, examples] per piece.
   */
  word2vecTrain(
    model: NativeWord2VecModel,
    ids: Int32Array,
    ends: Int32Array,
    pieceEnds: Int32Array,
    alphas: Float32Array,
    rng: BigUint64Array,
    results: Float64Array,
    threads: number,
  ): void;
  /** word2vecTrain on a libuv thread (plus the pool); the arrays must not be touched until it settles. */
  word2vecTrainAsync(
    model: NativeWord2VecModel,
    ids: Int32Array,
    ends: Int32Array,
    pieceEnds: Int32Array,
    alphas: Float32Array,
    rng: BigUint64Array,
    results: Float64Array,
    threads: number,
  ): Promise<void>;
  /**
   * The subword (fastText) chunk loop (native/fasttext.cc; oracle: subword-reference.ts), with the same
   * job as word2vecTrain: a word's input is the mean of its rows, every row gets the whole gradient.
   */
  subwordTrain(
    model: NativeSubwordModel,
    ids: Int32Array,
    ends: Int32Array,
    pieceEnds: Int32Array,
    alphas: Float32Array,
    rng: BigUint64Array,
    results: Float64Array,
    threads: number,
  ): void;
  /** subwordTrain on a libuv thread (plus the pool); the arrays must not be touched until it settles. */
  subwordTrainAsync(
    model: NativeSubwordModel,
    ids: Int32Array,
    ends: Int32Array,
    pieceEnds: Int32Array,
    alphas: Float32Array,
    rng: BigUint64Array,
    results: Float64Array,
    threads: number,
  ): Promise<void>;
}
