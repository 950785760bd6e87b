// The native entries of the embedding and search kernels (native/word2vec.cc, scan.cc, hnsw.cc), part
// of every kernel table (NativeKernels in ./index.ts). Arguments are checked by the addon (sizes, ids in
// range); the callers are src/embeddings/kernels and src/search/kernels, whose TypeScript loops are the
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
   * For each of `queryCount` queries ([queryCount, dim]) the `k` rows of `rows` ([rowCount, dim]) with
   * the highest dot product, best first (ties: the lower row) into scores/ids ([queryCount, k]; empty slots
   * −inf / −1), skipping rows with mask[row] === 0 and, per query q, rows whose group[row] is one of
   * excluded[3q … 3q + 2] (group and excluded null: none). Results do not depend on `threads`.
   */
  scanTopK(
    rows: Float32Array,
    rowCount: number,
    dim: number,
    queries: Float32Array,
    queryCount: number,
    k: number,
    mask: Uint8Array | null,
    group: Int32Array | null,
    excluded: Int32Array | null,
    scores: Float32Array,
    ids: Int32Array,
    threads: number,
  ): void;
}
