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

/** An HNSW graph laid out for the native search (src/search/kernels/hnsw.ts lays it out; kernels.h). */
export interface NativeHnswGraph {
  count: number;
  dim: number;
  maxM0: number;
  maxM: number;
  entryPoint: number;
  maxLevel: number;
  /** count × (maxM0 + 1): per node its level-0 link count, then the links. */
  links0: Int32Array;
  /** Per node, where its upper lists start in upperLinks (−1: level 0 only). */
  upperStart: Int32Array;
  /** Lists of maxM + 1 ints (a count, then the links); a node's level l list at upperStart + (l − 1)(maxM + 1). */
  upperLinks: Int32Array;
  /** count × stride8 bytes: per node width8 int8 codes (zeros past dim), then its float32 scale. */
  rows8: Int8Array;
  stride8: number;
  width8: number;
  /** count × dim unit rows. */
  rowsF: Float32Array;
  /** Per node 1 when deleted (may change between searches). */
  deleted: Uint8Array;
}

/** A graph checked and held by the addon (hnswGraph), for hnswSearch. */
export type NativeHnswHandle = { readonly nativeHnswGraph: unique symbol };

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
  /**
   * Checks `graph` once (every link names a node, sizes agree) and holds it for hnswSearch: its level-0
   * lists and int8 rows copied into the addon's memory (on huge pages where the OS grants them), the
   * other arrays read where they are (kept alive by the handle; `deleted` may change between searches).
   */
  hnswGraph(graph: NativeHnswGraph): NativeHnswHandle;
  /**
   * HNSW searches of `queryCount` queries ([queryCount, dim], normalised by the kernel): per query the best
   * k nodes (ids into the graph, float32 cosines) into ids/scores ([queryCount, k]) and their number into
   * found; beam max(ef, k) (int8: max(ef, 2k), the best max(rerank, k) rescored in float32). The visited
   * marks (threads × count; 1 × count for two walkers) are kept with the graph's copy. walkers 2: each query walked by two threads (answers may vary from run to run).
   * starts (or null): per query a node the level-0 search starts at instead of the descent from the entry point (−1: descend).
   */
  /**
   * One batch of an HNSW build (native/hnsw_build.cc): nodes [begin, end) joined to the graph of nodes
   * [0, begin) whose entry point (−1 for the first batch) is on level maxLevel. Writes their lists and the
   * reverse links into links0 (count × (maxM0 + 1): a count, then ids) and upperLinks (lists of M + 1 ints
   * from upperStart[node], level 1 first); levels[node] is each node's top level; rows: count × dim unit
   * rows. batchMates: a node may also link the nodes of its batch before it. The same links for any
   * `threads` (for one kernel table).
   */
  hnswBuildBatch(
    rows: Float32Array,
    levels: Int32Array,
    links0: Int32Array,
    upperStart: Int32Array,
    upperLinks: Int32Array,
    count: number,
    dim: number,
    M: number,
    maxM0: number,
    efConstruction: number,
    begin: number,
    end: number,
    entryPoint: number,
    maxLevel: number,
    batchMates: boolean,
    threads: number,
  ): void;
  hnswSearch(
    graph: NativeHnswHandle,
    queries: Float32Array,
    queryCount: number,
    k: number,
    ef: number,
    rerank: number,
    int8: boolean,
    deletedCount: number,
    ids: Int32Array,
    scores: Float32Array,
    found: Int32Array,
    threads: number,
    walkers: number,
    starts: Int32Array | null,
  ): void;
}
