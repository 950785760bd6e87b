// asc-flags: --importMemory --sharedMemory --initialMemory 2 --maximumMemory 65536 --enable threads
// HNSW search in WebAssembly SIMD over a graph built by hnswlib (read from its file by
// ../hnswlib-format.ts and laid out in this module's memory by wasm-hnsw.ts). Similarity is the inner
// product of unit vectors (hnswlib's cosine space), so "better" means a larger score throughout.
//
// A search is hnswlib's: greedy descent from the entry point through the upper levels (move to any
// neighbour that scores higher until none does), then the beam search on level 0 with a list of ef
// results (a min-heap, its root the worst kept score `lower`) and a candidate queue (a min-heap of
// negated scores, so its root is the best unexpanded node). A node is expanded while the best candidate
// still beats `lower` or the results hold fewer than ef; its unvisited neighbours are scored, queued when
// they beat `lower`, and kept as results unless deleted (deleted nodes still route). A node is marked
// visited with the query's number (a byte per node, 1-255, all cleared when the number wraps), so no
// marks are cleared per query.
//
// Two walkers. The memory is shared, and a second instance of this module on a worker thread can walk
// the same graph at the same time: after a few expansions here, split() deals the candidate queue out
// between this walker and the partner's (both keep the results so far), each walks on alone with its
// own lists and the shared visited marks (a node one walker scored, the other skips), each rescores its
// own results, and finish() merges the two lists. The two explore different parts of the neighbourhood,
// so two lists of 0.55 ef find about what one list of ef finds, each in little more than half the
// time. The marks are plain bytes read and written by both threads: a rare race has both score a node,
// and the merge drops the second copy.
//
// Traversal scores come from either the float32 rows (mode 0: the same arithmetic as hnswlib, up to
// summation order) or int8 rows (mode 1: less memory traffic). The int8 codes are of x − mean, the mean
// of all rows taken out because word vectors share a large common part (in the benchmark's set, unit
// vectors whose mean has norm 0.9): q·x = q·mean + q·(x − mean), the first term is one number per query,
// and the codes spend their 8 bits on what tells rows apart. Each row has its own scale a_x =
// max_d |x_d − mean_d| / 127 (a float32 after its codes), and the query is rounded to int16 with one
// scale of its own: a_x · Σ_d q16_d · x8_d ∝ q·(x − mean) up to rounding, so int8 scores order nodes as
// the float scores would up to a small error (of the true 10 nearest among a query's 100 nearest, 0.93
// are the int8 top 10 and all but 1 in 2,000 the int8 top 20, against 0.78 and 0.96 with codes of x
// scaled per dimension). The `rerank` best results of the int8 search (2k by default) are scored again
// in float32 and the top k of those returned.

// ---- layout, set by configure() (byte addresses in the shared memory) ----
let nodeCount: i32 = 0;
let links0: usize = 0; // nodeCount × (maxM0 + 1) i32: count, then ids
let links0Bytes: usize = 0;
let upperStart: usize = 0; // nodeCount i32: first int of the node's upper lists, −1 if none
let upperLinks: usize = 0; // i32 lists of (maxM + 1): count, then ids; level l at start + (l−1)(maxM+1)
let upperListInts: i32 = 0;
let rows8: usize = 0; // nodeCount × stride8 bytes, int8
let stride8: usize = 0; // bytes between int8 rows (a multiple of 16, 64 to align rows with cache lines)
let width8: usize = 0; // dim rounded up to 16: the bytes of an int8 row that are scored; its scale follows
let rowsF: usize = 0; // nodeCount × strideF bytes, float32
let strideF: usize = 0; // multiple of 16
let deleted: usize = 0; // nodeCount u8
let visited: usize = 0; // one byte per node: the number (1-255) of the last query that reached it
let entryPoint: i32 = 0;
let maxLevel: i32 = 0;
let dimCount: i32 = 0;
// the shared scratch (the same addresses in both instances)
let epochAt: usize = 0; // i32: the current query's number, 1-255 (the marks are cleared when it wraps);
// then i32: how many nodes are deleted (set by the host; 0 lets walks skip the flags)
let taken: usize = 0; // one bit per node, for finish()
let queryF: usize = 0; // strideF bytes: the query as given, normalised in place
let query16: usize = 0; // width8 × 2 bytes
let finalScores: usize = 0; // a heap of up to 2 efCapacity + 1 (score, id) pairs, for finish()
let finalIds: usize = 0;
let outScores: usize = 0; // up to efCapacity results, best first
let outIds: usize = 0;
// a walker: a block of [candidate count i32, result count i32, padding to 64 bytes] and its lists
let walker: usize = 0; // this instance's
let partner: usize = 0; // the other thread's (split() and finish() reach into it)
let resScoresAt: usize = 0; // offsets in a block
let resIdsAt: usize = 0;
let candScoresAt: usize = 0;
let candIdsAt: usize = 0;
let candScores: usize = 0; // nodeCount + 1 f32 (negated scores), this walker's
let candIds: usize = 0;
let resScores: usize = 0; // efCapacity + 1 f32
let resIds: usize = 0;
let neighborIds: usize = 0; // maxM0 i32 (also maxM)
let neighborScores: usize = 0;
// where touched bytes go, so that the loads are kept
let sink: i32 = 0;
// running totals, for benchmarks: nodes scored and nodes expanded on level 0
let scored: f64 = 0;
let expanded: f64 = 0;

export function scoredTotal(): f64 {
  return scored;
}

export function expandedTotal(): f64 {
  return expanded;
}

@inline
function roundUp16(bytes: usize): usize {
  return (bytes + 15) & ~15;
}

/** Bytes of the shared scratch configure() lays out at sharedAt (16-byte aligned). */
export function sharedBytes(count: i32, dim: i32, efCapacity: i32): usize {
  const s8 = roundUp16(<usize>dim);
  const sF = roundUp16(<usize>dim << 2);
  const finalBytes = roundUp16(<usize>(2 * efCapacity + 2) << 2);
  const outBytes = roundUp16(<usize>(efCapacity + 1) << 2);
  return 16 + visitedBytes(count) + sF + (s8 << 1) + 2 * finalBytes + 2 * outBytes;
}

/** Bytes of one walker's block (16-byte aligned). */
export function walkerBytes(count: i32, maxM0: i32, maxM: i32, efCapacity: i32): usize {
  const maxLinks = <usize>max(maxM0, maxM);
  const resBytes = roundUp16(<usize>(efCapacity + 1) << 2);
  const candBytes = roundUp16(<usize>(count + 1) << 2);
  return 64 + 2 * resBytes + 2 * candBytes + 2 * roundUp16(maxLinks << 2);
}

export function configure(
  count: i32,
  dim: i32,
  maxM0: i32,
  maxM: i32,
  linksAt: usize,
  upperStartAt: usize,
  upperLinksAt: usize,
  rows8At: usize,
  rows8Stride: usize,
  rowsFAt: usize,
  rowsFStride: usize,
  deletedAt: usize,
  visitedAt: usize,
  sharedAt: usize,
  walkerAt: usize,
  partnerAt: usize,
  efCapacity: i32,
  entry: i32,
  topLevel: i32,
): void {
  nodeCount = count;
  dimCount = dim;
  width8 = roundUp16(<usize>dim);
  links0 = linksAt;
  links0Bytes = <usize>(maxM0 + 1) << 2;
  upperStart = upperStartAt;
  upperLinks = upperLinksAt;
  upperListInts = maxM + 1;
  rows8 = rows8At;
  stride8 = rows8Stride;
  rowsF = rowsFAt;
  strideF = rowsFStride;
  deleted = deletedAt;
  visited = visitedAt;
  entryPoint = entry;
  maxLevel = topLevel;
  let at = sharedAt;
  epochAt = at;
  at += 16;
  taken = at;
  at += visitedBytes(count);
  queryF = at;
  at += strideF;
  query16 = at;
  at += width8 << 1;
  const finalBytes = roundUp16(<usize>(2 * efCapacity + 2) << 2);
  finalScores = at;
  at += finalBytes;
  finalIds = at;
  at += finalBytes;
  const outBytes = roundUp16(<usize>(efCapacity + 1) << 2);
  outScores = at;
  at += outBytes;
  outIds = at;
  // a walker's block
  const resBytes = roundUp16(<usize>(efCapacity + 1) << 2);
  const candBytes = roundUp16(<usize>(count + 1) << 2);
  const maxLinks = <usize>max(maxM0, maxM);
  resScoresAt = 64;
  resIdsAt = resScoresAt + resBytes;
  candScoresAt = resIdsAt + resBytes;
  candIdsAt = candScoresAt + candBytes;
  const neighborIdsAt = candIdsAt + candBytes;
  const neighborScoresAt = neighborIdsAt + roundUp16(maxLinks << 2);
  walker = walkerAt;
  partner = partnerAt;
  resScores = walker + resScoresAt;
  resIds = walker + resIdsAt;
  candScores = walker + candScoresAt;
  candIds = walker + candIdsAt;
  neighborIds = walker + neighborIdsAt;
  neighborScores = walker + neighborScoresAt;
}

/** Clears the visited marks and starts the query numbers over (after a new layout, before any query). */
export function resetMarks(): void {
  memory.fill(visited, 0, <usize>nodeCount);
  store<i32>(epochAt, 0);
}

/**
 * Swaps this instance's walker and its partner's: the main thread walks the partner's share itself
 * when the worker has not started on it (swap, walk, rescore, swap back).
 */
export function swapWalkers(): void {
  const other = partner;
  partner = walker;
  walker = other;
  const offset = walker - partner; // as usize, wraps around: adding it moves every address alike
  resScores += offset;
  resIds += offset;
  candScores += offset;
  candIds += offset;
  neighborIds += offset;
  neighborScores += offset;
}

@inline
function visitedBytes(count: i32): usize {
  return ((<usize>count + 63) >> 3) & ~7;
}

export function queryAddress(): usize {
  return queryF;
}

export function outScoresAddress(): usize {
  return outScores;
}

export function outIdsAddress(): usize {
  return outIds;
}

// ---- scores ----

@inline
function horizontalSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

function scoreFloat(node: i32): f32 {
  const row = rowsF + <usize>node * strideF;
  let a = f32x4.splat(0);
  let b = f32x4.splat(0);
  let o: usize = 0;
  for (; o + 32 <= strideF; o += 32) {
    a = f32x4.add(a, f32x4.mul(v128.load(row + o), v128.load(queryF + o)));
    b = f32x4.add(b, f32x4.mul(v128.load(row + o, 16), v128.load(queryF + o, 16)));
  }
  if (o < strideF) a = f32x4.add(a, f32x4.mul(v128.load(row + o), v128.load(queryF + o)));
  return horizontalSum(f32x4.add(a, b));
}

function scoreInt8(node: i32): f32 {
  const row = rows8 + <usize>node * stride8;
  let a = i32x4.splat(0);
  let b = i32x4.splat(0);
  for (let o: usize = 0; o < width8; o += 16) {
    const bytes = v128.load(row + o);
    const q = query16 + (o << 1);
    a = i32x4.add(a, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(bytes), v128.load(q)));
    b = i32x4.add(b, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(bytes), v128.load(q, 16)));
  }
  const sum = i32x4.add(a, b);
  const total = i32x4.extract_lane(sum, 0) + i32x4.extract_lane(sum, 1) + i32x4.extract_lane(sum, 2) + i32x4.extract_lane(sum, 3);
  return <f32>total * load<f32>(row + width8);
}

@inline
function sumLanes(v: v128): f32 {
  return <f32>(i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3));
}

// Four int8 rows at once, so that the loads of four (likely uncached) rows are in flight together.
function scoreInt8Four(ids: usize, scores: usize): void {
  const rows = rows8;
  const stride = stride8;
  const width = width8;
  const query = query16;
  const rowA = rows + <usize>load<i32>(ids) * stride;
  const rowB = rows + <usize>load<i32>(ids, 4) * stride;
  const rowC = rows + <usize>load<i32>(ids, 8) * stride;
  const rowD = rows + <usize>load<i32>(ids, 12) * stride;
  let a = i32x4.splat(0);
  let b = i32x4.splat(0);
  let c = i32x4.splat(0);
  let d = i32x4.splat(0);
  for (let o: usize = 0; o < width; o += 16) {
    const q = query + (o << 1);
    const qLow = v128.load(q);
    const qHigh = v128.load(q, 16);
    const bytesA = v128.load(rowA + o);
    const bytesB = v128.load(rowB + o);
    const bytesC = v128.load(rowC + o);
    const bytesD = v128.load(rowD + o);
    a = i32x4.add(a, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(bytesA), qLow), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(bytesA), qHigh)));
    b = i32x4.add(b, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(bytesB), qLow), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(bytesB), qHigh)));
    c = i32x4.add(c, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(bytesC), qLow), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(bytesC), qHigh)));
    d = i32x4.add(d, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(bytesD), qLow), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(bytesD), qHigh)));
  }
  // the four horizontal sums at once: pairwise lane sums, then one vector [Σa, Σb, Σc, Σd]
  const ab = i32x4.add(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = i32x4.add(i32x4.shuffle(c, d, 0, 4, 1, 5), i32x4.shuffle(c, d, 2, 6, 3, 7));
  const sums = i32x4.add(i32x4.shuffle(ab, cd, 0, 1, 4, 5), i32x4.shuffle(ab, cd, 2, 3, 6, 7));
  let rowScales = f32x4.splat(load<f32>(rowA + width));
  rowScales = f32x4.replace_lane(rowScales, 1, load<f32>(rowB + width));
  rowScales = f32x4.replace_lane(rowScales, 2, load<f32>(rowC + width));
  rowScales = f32x4.replace_lane(rowScales, 3, load<f32>(rowD + width));
  v128.store(scores, f32x4.mul(f32x4.convert_i32x4_s(sums), rowScales));
}

@inline
function score(node: i32, mode: i32): f32 {
  return mode == 0 ? scoreFloat(node) : scoreInt8(node);
}

// ---- a min-heap of (score, id) pairs at (scores, ids) ----

@inline
function heapPush(scores: usize, ids: usize, size: i32, value: f32, id: i32): void {
  let pos = size;
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    const parentScore = load<f32>(scores + (<usize>parent << 2));
    if (!(value < parentScore)) break;
    store<f32>(scores + (<usize>pos << 2), parentScore);
    store<i32>(ids + (<usize>pos << 2), load<i32>(ids + (<usize>parent << 2)));
    pos = parent;
  }
  store<f32>(scores + (<usize>pos << 2), value);
  store<i32>(ids + (<usize>pos << 2), id);
}

/** Removes the root of a heap of `size` entries (size ≥ 1). */
@inline
function heapPop(scores: usize, ids: usize, size: i32): void {
  const last = size - 1;
  heapReplaceRoot(scores, ids, last, load<f32>(scores + (<usize>last << 2)), load<i32>(ids + (<usize>last << 2)));
}

/** Puts (value, id) in place of the root of a heap of `last` entries and sifts it down. */
@inline
function heapReplaceRoot(scores: usize, ids: usize, last: i32, value: f32, id: i32): void {
  siftDown(scores, ids, 0, last, value, id);
}

/** Puts (value, id) at position pos of a heap of `size` entries and moves it down to where it belongs. */
@inline
function siftDown(scores: usize, ids: usize, pos: i32, size: i32, value: f32, id: i32): void {
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= size) break;
    let child = left;
    const right = left + 1;
    if (right < size && load<f32>(scores + (<usize>right << 2)) < load<f32>(scores + (<usize>left << 2))) child = right;
    const childScore = load<f32>(scores + (<usize>child << 2));
    if (!(childScore < value)) break;
    store<f32>(scores + (<usize>pos << 2), childScore);
    store<i32>(ids + (<usize>pos << 2), load<i32>(ids + (<usize>child << 2)));
    pos = child;
  }
  store<f32>(scores + (<usize>pos << 2), value);
  store<i32>(ids + (<usize>pos << 2), id);
}

// ---- the query ----

/** Normalises the query (as hnswlib-node does: divided by its float norm) and, for int8 traversal, quantises it. */
function prepareQuery(mode: i32): void {
  let sum: f32 = 0;
  for (let d: i32 = 0; d < dimCount; d++) {
    const value = load<f32>(queryF + (<usize>d << 2));
    sum += value * value;
  }
  const norm = Mathf.sqrt(sum);
  if (norm > 0) {
    for (let d: i32 = 0; d < dimCount; d++) {
      const at = queryF + (<usize>d << 2);
      store<f32>(at, load<f32>(at) / norm);
    }
  }
  if (mode == 0) return;
  let largest: f32 = 0;
  for (let d: i32 = 0; d < dimCount; d++) largest = max(largest, Mathf.abs(load<f32>(queryF + (<usize>d << 2))));
  const scale: f32 = largest > 0 ? 32767 / largest : 0;
  memory.fill(query16, 0, width8 << 1);
  for (let d: i32 = 0; d < dimCount; d++) {
    store<i16>(query16 + (<usize>d << 1), <i16>nearest<f32>(load<f32>(queryF + (<usize>d << 2)) * scale));
  }
}

/** Scores the nodes listed at ids (n of them) into scores, their rows' loads first put in flight together. */
function scoreList(ids: usize, scores: usize, n: i32, mode: i32): void {
  let j = 0;
  if (mode != 0) {
    // WebAssembly has no prefetch: touching each row's cache lines in a tight loop puts all their misses
    // in flight at once instead of one after another inside the scoring
    const rows = rows8;
    const stride = stride8;
    const last = width8 + 3; // the last byte of the row's scale
    let touched: i32 = 0;
    for (; j < n; j++) {
      const row = rows + <usize>load<i32>(ids + (<usize>j << 2)) * stride;
      touched += <i32>load<u8>(row) + <i32>load<u8>(row + last);
    }
    sink = touched;
    for (j = 0; j + 3 < n; j += 4) scoreInt8Four(ids + (<usize>j << 2), scores + (<usize>j << 2));
  }
  for (; j < n; j++) store<f32>(scores + (<usize>j << 2), score(load<i32>(ids + (<usize>j << 2)), mode));
}

/**
 * Starts a search of the query at queryAddress() (dim floats; the padding after them must be zero):
 * prepares it, takes a new query number for the visited marks, descends the upper levels and puts the
 * node reached in this walker's lists. mode 0: float32 traversal; mode 1: int8.
 */
export function begin(mode: i32): void {
  store<i32>(walker, 0);
  store<i32>(walker, 0, 4);
  if (nodeCount == 0) return;
  prepareQuery(mode);
  // greedy descent through the upper levels
  let current = entryPoint;
  let currentScore = score(current, mode);
  // (the best of each list, scored all at once: where hnswlib moves as it scans, it ends on that best)
  for (let level = maxLevel; level > 0; level--) {
    let changed = true;
    while (changed) {
      changed = false;
      const list = upperLinks + ((<usize>(load<i32>(upperStart + (<usize>current << 2)) + (level - 1) * upperListInts)) << 2);
      const count = load<i32>(list) & 0xffff;
      scoreList(list + 4, neighborScores, count, mode);
      let next = current;
      for (let j = 0; j < count; j++) {
        const s = load<f32>(neighborScores + (<usize>j << 2));
        if (s > currentScore) {
          currentScore = s;
          next = load<i32>(list + 4 + (<usize>j << 2));
          changed = true;
        }
      }
      current = next;
    }
  }
  // a new query number marks nodes as reached by this query; the marks are cleared every 255 queries
  let epoch = load<i32>(epochAt) + 1;
  if (epoch > 255) {
    memory.fill(visited, 0, <usize>nodeCount);
    epoch = 1;
  }
  store<i32>(epochAt, epoch);
  store<u8>(visited + <usize>current, <u8>epoch);
  if (load<u8>(deleted + <usize>current) == 0) {
    heapPush(resScores, resIds, 0, currentScore, current);
    heapPush(candScores, candIds, 0, -currentScore, current);
    store<i32>(walker, 1, 4);
  } else {
    heapPush(candScores, candIds, 0, Infinity, current);
  }
  store<i32>(walker, 1);
}

/**
 * The beam search on level 0 from this walker's lists, with a result list of `ef`, until it stops or
 * after `steps` expansions (−1: no limit). Returns the expansions made.
 */
export function walk(ef: i32, mode: i32, steps: i32): i32 {
  // globals in locals: the compiler reloads a global at every use, a local stays in a register
  const candS = candScores;
  const candI = candIds;
  const resS = resScores;
  const resI = resIds;
  const ids = neighborIds;
  const scores = neighborScores;
  const marks = visited;
  const links = links0;
  const linkBytes = links0Bytes;
  const epoch = load<i32>(epochAt);
  // with nothing deleted (the usual case) the flags are not read
  const flags = load<i32>(epochAt, 4) > 0 ? deleted : 0;
  let candSize = load<i32>(walker);
  let resSize = load<i32>(walker, 4);
  let lower: f32 = resSize > 0 ? load<f32>(resS) : -Infinity;
  let done: i32 = 0;
  let fresh: i32 = 0;
  while (candSize > 0 && done != steps) {
    const best = -load<f32>(candS);
    if (best < lower && resSize >= ef) break;
    const node = load<i32>(candI);
    heapPop(candS, candI, candSize--);
    done++;
    const list = links + <usize>node * linkBytes;
    const count = load<i32>(list) & 0xffff;
    // mark and gather the unvisited neighbours first, then score them: their row loads are independent
    fresh = 0;
    for (let j = 0; j < count; j++) {
      const neighbor = load<i32>(list + 4 + (<usize>j << 2));
      const mark = marks + <usize>neighbor;
      if (<i32>load<u8>(mark) == epoch) continue;
      store<u8>(mark, <u8>epoch);
      store<i32>(ids + (<usize>fresh << 2), neighbor);
      fresh++;
    }
    scored += fresh;
    // the next candidate's links are likely read next: their loads go in flight with the rows'
    if (mode != 0 && candSize > 0) {
      const next = links + <usize>load<i32>(candI) * linkBytes;
      sink = load<i32>(next) + load<i32>(next + 64) + load<i32>(next + linkBytes - 4);
    }
    scoreList(ids, scores, fresh, mode);
    for (let j = 0; j < fresh; j++) {
      const s = load<f32>(scores + (<usize>j << 2));
      if (resSize < ef || s > lower) {
        const neighbor = load<i32>(ids + (<usize>j << 2));
        heapPush(candS, candI, candSize++, -s, neighbor);
        if (flags == 0 || load<u8>(flags + <usize>neighbor) == 0) {
          // a full list drops its worst (the root, below s) for the newcomer in one sift
          if (resSize < ef) heapPush(resS, resI, resSize++, s, neighbor);
          else heapReplaceRoot(resS, resI, resSize, s, neighbor);
        }
        if (resSize > 0) lower = load<f32>(resS);
      }
    }
  }
  expanded += done;
  store<i32>(walker, candSize);
  store<i32>(walker, resSize, 4);
  return done;
}

/**
 * Deals this walker's candidates out between this walker and the partner's, and gives the partner a
 * copy of the results so far (so that each walker's `lower` starts where this one is). The deal goes by
 * position in the heap array, even here and odd there: the two children of every entry part ways, so
 * each level of the heap (each band of ranks, roughly) is halved, the best (the root) staying here.
 * Each half is then made a heap again in place (Floyd's bottom-up construction, linear time).
 */
export function split(): void {
  const total = load<i32>(walker);
  const resSize = load<i32>(walker, 4);
  const theirScores = partner + candScoresAt;
  const theirIds = partner + candIdsAt;
  let mine: i32 = 0;
  let theirs: i32 = 0;
  for (let i = 0; i < total; i++) {
    const s = load<f32>(candScores + (<usize>i << 2));
    const id = load<i32>(candIds + (<usize>i << 2));
    if ((i & 1) == 0) {
      store<f32>(candScores + (<usize>mine << 2), s);
      store<i32>(candIds + (<usize>mine << 2), id);
      mine++;
    } else {
      store<f32>(theirScores + (<usize>theirs << 2), s);
      store<i32>(theirIds + (<usize>theirs << 2), id);
      theirs++;
    }
  }
  heapify(candScores, candIds, mine);
  heapify(theirScores, theirIds, theirs);
  memory.copy(partner + resScoresAt, resScores, <usize>resSize << 2);
  memory.copy(partner + resIdsAt, resIds, <usize>resSize << 2);
  store<i32>(walker, mine);
  store<i32>(partner, theirs);
  store<i32>(partner, resSize, 4);
}

/** Makes the n pairs at (scores, ids) a min-heap: each parent sifted down, the last parent first. */
function heapify(scores: usize, ids: usize, n: i32): void {
  for (let start = (n >> 1) - 1; start >= 0; start--) {
    siftDown(scores, ids, start, n, load<f32>(scores + (<usize>start << 2)), load<i32>(ids + (<usize>start << 2)));
  }
}

/**
 * int8 traversal: keeps this walker's best `rerank` results (at least k) by their int8 scores and
 * scores them again in float32, leaving them as a plain list (no longer a heap) in its result arrays.
 */
export function rescore(k: i32, rerank: i32): void {
  let n = load<i32>(walker, 4);
  const keep = max(rerank, k);
  if (n > keep) {
    // the results as a list in the (finished) candidate arrays, the best `keep` back as a heap
    memory.copy(candScores, resScores, <usize>n << 2);
    memory.copy(candIds, resIds, <usize>n << 2);
    let size: i32 = 0;
    for (let i = 0; i < n; i++) {
      const s = load<f32>(candScores + (<usize>i << 2));
      const id = load<i32>(candIds + (<usize>i << 2));
      if (size < keep) heapPush(resScores, resIds, size++, s, id);
      else if (s > load<f32>(resScores)) heapReplaceRoot(resScores, resIds, size, s, id);
    }
    n = size;
  }
  // put every float row's cache lines in flight before scoring them one by one
  let touched: i32 = 0;
  for (let i = 0; i < n; i++) {
    const row = rowsF + <usize>load<i32>(resIds + (<usize>i << 2)) * strideF;
    for (let o: usize = 0; o < strideF; o += 64) touched += load<i32>(row + o);
    touched += load<i32>(row + strideF - 4);
  }
  sink = touched;
  for (let i = 0; i < n; i++) store<f32>(resScores + (<usize>i << 2), scoreFloat(load<i32>(resIds + (<usize>i << 2))));
  store<i32>(walker, n, 4);
}

/**
 * Ends a search: this walker's results (and the partner's when `merge` is 1; both rescored first in
 * int8 mode) and the top k written best first at outScoresAddress()/outIdsAddress(). Returns how many
 * (fewer than k when the graph holds fewer).
 */
export function finish(k: i32, merge: i32): i32 {
  let size: i32 = 0;
  // this walker's list: no node twice
  const n = load<i32>(walker, 4);
  for (let i = 0; i < n; i++) {
    const s = load<f32>(resScores + (<usize>i << 2));
    const id = load<i32>(resIds + (<usize>i << 2));
    if (size < k) heapPush(finalScores, finalIds, size++, s, id);
    else if (s > load<f32>(finalScores)) heapReplaceRoot(finalScores, finalIds, size, s, id);
  }
  if (merge == 0) return output(size);
  // The partner's list may hold a node of this one (a race on the marks), with the same float score. A
  // copy can only get in where the first is still held (it would have to beat the root, which is at
  // least as good as any node dropped), so for a small k it is looked for among the held; for a large
  // k a bit per node says which were taken.
  const small = k <= 64;
  if (!small) {
    memory.fill(taken, 0, visitedBytes(nodeCount));
    for (let i = 0; i < n; i++) markTaken(load<i32>(resIds + (<usize>i << 2)));
  }
  const theirScores = partner + resScoresAt;
  const theirIds = partner + resIdsAt;
  const theirs = load<i32>(partner, 4);
  for (let i = 0; i < theirs; i++) {
    const s = load<f32>(theirScores + (<usize>i << 2));
    if (size == k && !(s > load<f32>(finalScores))) continue;
    const id = load<i32>(theirIds + (<usize>i << 2));
    if (small ? held(id, size) : !markTaken(id)) continue;
    if (size < k) heapPush(finalScores, finalIds, size++, s, id);
    else heapReplaceRoot(finalScores, finalIds, size, s, id);
  }
  return output(size);
}

/** Whether id is among the first `size` entries of the final heap. */
function held(id: i32, size: i32): bool {
  for (let j = 0; j < size; j++) if (load<i32>(finalIds + (<usize>j << 2)) == id) return true;
  return false;
}

/** Sets id's bit in `taken`; false when it was set already. */
function markTaken(id: i32): bool {
  const mark = taken + (<usize>id >> 3);
  const bits: i32 = load<u8>(mark);
  const bit: i32 = <i32>1 << (id & 7);
  store<u8>(mark, <u8>(bits | bit));
  return (bits & bit) == 0;
}

/** Pops the final heap of `size` worst first into the output, filled from the back; returns size. */
function output(size: i32): i32 {
  const found = size;
  while (size > 0) {
    const last = size - 1;
    store<f32>(outScores + (<usize>last << 2), load<f32>(finalScores));
    store<i32>(outIds + (<usize>last << 2), load<i32>(finalIds));
    heapPop(finalScores, finalIds, size--);
  }
  return found;
}

/** One walker from start to end: begin, walk, finish (see those); ef ≤ the configured capacity. */
export function search(k: i32, ef: i32, mode: i32, rerank: i32): i32 {
  if (nodeCount == 0) return 0;
  begin(mode);
  walk(ef, mode, -1);
  if (mode != 0) rescore(k, rerank);
  return finish(k, 0);
}
