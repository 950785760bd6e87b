// asc-flags: --importMemory --initialMemory 2 --maximumMemory 65536
// HNSW search in WebAssembly SIMD over a graph built by hnswlib (read from its file by
// ../hnswlib-format.ts and laid out in this module's memory by wasm-hnsw.ts). Similarity is the inner
// product of unit vectors (hnswlib's cosine space), so "better" means a larger score throughout.
//
// A search is hnswlib's: greedy descent from the entry point through the upper levels (move to any
// neighbour that scores higher until none does), then the beam search on level 0 with a list of ef
// results (a min-heap, its root the worst kept score `lower`) and a candidate queue (a min-heap of
// negated scores, so its root is the best unexpanded node). A node is expanded while the best candidate
// still beats `lower` or the results hold fewer than ef; its unvisited neighbours are scored, queued when
// they beat `lower`, and kept as results unless deleted (deleted nodes still route). Visited marks are
// one bit per node, cleared per query (small enough to stay in the L1 cache, where a byte or an epoch
// counter per node would not).
//
// Traversal scores come from either the float32 rows (mode 0: the same arithmetic as hnswlib, up to
// summation order) or int8 rows (mode 1: a quarter of the memory traffic). For int8, each dimension d is
// quantised with its own scale a_d = 127 / max_i |x_id|, and the query is folded with 1/a_d and rounded
// to int16 with one scale of its own: Σ_d q16_d · x8_id ∝ Σ_d q_d · x_id up to rounding, and one query's
// scores share the factor, so they order nodes as the float scores would up to a small error. The `rerank`
// best results of the int8 search are then scored again in float32 and the top k of those returned.

// ---- layout, set by configure() (byte addresses in this memory) ----
let nodeCount: i32 = 0;
let links0: usize = 0; // nodeCount × (maxM0 + 1) i32: count, then ids
let links0Bytes: usize = 0;
let upperStart: usize = 0; // nodeCount i32: first int of the node's upper lists, −1 if none
let upperLinks: usize = 0; // i32 lists of (maxM + 1): count, then ids; level l at start + (l−1)(maxM+1)
let upperListInts: i32 = 0;
let rows8: usize = 0; // nodeCount × stride8 bytes, int8
let stride8: usize = 0; // bytes between int8 rows (a multiple of 16, 64 to align rows with cache lines)
let width8: usize = 0; // dim rounded up to 16: the bytes of an int8 row that are scored
let rowsF: usize = 0; // nodeCount × strideF bytes, float32
let strideF: usize = 0; // multiple of 16
let deleted: usize = 0; // nodeCount u8
let visited: usize = 0; // one bit per node (nodeCount / 8 bytes, rounded up to 8), cleared per query
let entryPoint: i32 = 0;
let maxLevel: i32 = 0;
let queryF: usize = 0; // strideF bytes: the query as given, normalised in place
let query16: usize = 0; // width8 × 2 bytes
let dimScale: usize = 0; // width8 f32: 1 / a_d
let dimCount: i32 = 0;
let candScores: usize = 0; // nodeCount + 1 f32 (negated scores)
let candIds: usize = 0;
let resScores: usize = 0; // efCapacity + 1 f32
let resIds: usize = 0;
let neighborIds: usize = 0; // maxM0 i32 (also maxM)
let neighborScores: usize = 0;
let outScores: usize = 0; // up to efCapacity results, best first
let outIds: usize = 0;
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
  scratchAt: usize,
  efCapacity: i32,
  entry: i32,
  topLevel: i32,
): void {
  nodeCount = count;
  dimCount = dim;
  width8 = (<usize>dim + 15) & ~15;
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
  // scratch, each piece 16-byte aligned
  let at = (scratchAt + 15) & ~15;
  queryF = at;
  at += strideF;
  query16 = at;
  at += width8 << 1;
  dimScale = at;
  at += width8 << 2;
  const maxLinks = <usize>max(maxM0, maxM);
  neighborIds = at;
  at += ((maxLinks << 2) + 15) & ~15;
  neighborScores = at;
  at += ((maxLinks << 2) + 15) & ~15;
  const resBytes = ((<usize>(efCapacity + 1) << 2) + 15) & ~15;
  resScores = at;
  at += resBytes;
  resIds = at;
  at += resBytes;
  outScores = at;
  at += resBytes;
  outIds = at;
  at += resBytes;
  const candBytes = ((<usize>(count + 1) << 2) + 15) & ~15;
  candScores = at;
  at += candBytes;
  candIds = at;
  memory.fill(visited, 0, visitedBytes(count));
}

@inline
function visitedBytes(count: i32): usize {
  return ((<usize>count + 63) >> 3) & ~7;
}

/** Bytes of scratch configure() lays out after scratchAt. */
export function scratchBytes(count: i32, dim: i32, maxM0: i32, maxM: i32, efCapacity: i32): usize {
  const s8 = (<usize>dim + 15) & ~15;
  const sF = ((<usize>dim << 2) + 15) & ~15;
  const maxLinks = <usize>max(maxM0, maxM);
  const resBytes = ((<usize>(efCapacity + 1) << 2) + 15) & ~15;
  const candBytes = ((<usize>(count + 1) << 2) + 15) & ~15;
  return 16 + sF + (s8 << 1) + (s8 << 2) + 2 * (((maxLinks << 2) + 15) & ~15) + 4 * resBytes + 2 * candBytes;
}

export function queryAddress(): usize {
  return queryF;
}

export function dimScaleAddress(): usize {
  return dimScale;
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
  return <f32>(
    i32x4.extract_lane(sum, 0) + i32x4.extract_lane(sum, 1) + i32x4.extract_lane(sum, 2) + i32x4.extract_lane(sum, 3)
  );
}

@inline
function sumLanes(v: v128): f32 {
  return <f32>(i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3));
}

// Four int8 rows at once, so that the loads of four (likely uncached) rows are in flight together.
function scoreInt8Four(ids: usize, scores: usize): void {
  const rowA = rows8 + <usize>load<i32>(ids) * stride8;
  const rowB = rows8 + <usize>load<i32>(ids, 4) * stride8;
  const rowC = rows8 + <usize>load<i32>(ids, 8) * stride8;
  const rowD = rows8 + <usize>load<i32>(ids, 12) * stride8;
  let a = i32x4.splat(0);
  let b = i32x4.splat(0);
  let c = i32x4.splat(0);
  let d = i32x4.splat(0);
  for (let o: usize = 0; o < width8; o += 16) {
    const q = query16 + (o << 1);
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
  v128.store(scores, f32x4.convert_i32x4_s(sums));
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
  let pos: i32 = 0;
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= last) break;
    let child = left;
    const right = left + 1;
    if (right < last && load<f32>(scores + (<usize>right << 2)) < load<f32>(scores + (<usize>left << 2))) child = right;
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
  for (let d: i32 = 0; d < dimCount; d++) {
    const folded = Mathf.abs(load<f32>(queryF + (<usize>d << 2)) * load<f32>(dimScale + (<usize>d << 2)));
    if (folded > largest) largest = folded;
  }
  const scale: f32 = largest > 0 ? 32767 / largest : 0;
  memory.fill(query16, 0, width8 << 1);
  for (let d: i32 = 0; d < dimCount; d++) {
    const folded = load<f32>(queryF + (<usize>d << 2)) * load<f32>(dimScale + (<usize>d << 2));
    store<i16>(query16 + (<usize>d << 1), <i16>nearest<f32>(folded * scale));
  }
}

/**
 * Searches the query at queryAddress() (dim floats, any length; the padding after them must be zero).
 * mode 0: float32 traversal; mode 1: int8 traversal, then the best `rerank` results (at least k) scored
 * in float32. ef ≤ the configured capacity. Writes up to k (score, internal id) pairs, best first, at
 * outScoresAddress()/outIdsAddress() and returns how many.
 */
export function search(k: i32, ef: i32, mode: i32, rerank: i32): i32 {
  if (nodeCount == 0) return 0;
  prepareQuery(mode);
  // greedy descent through the upper levels
  let current = entryPoint;
  let currentScore = score(current, mode);
  for (let level = maxLevel; level > 0; level--) {
    let changed = true;
    while (changed) {
      changed = false;
      const list = upperLinks + ((<usize>(load<i32>(upperStart + (<usize>current << 2)) + (level - 1) * upperListInts)) << 2);
      const count = load<i32>(list) & 0xffff;
      for (let j = 0; j < count; j++) {
        const neighbor = load<i32>(list + 4 + (<usize>j << 2));
        const s = score(neighbor, mode);
        if (s > currentScore) {
          currentScore = s;
          current = neighbor;
          changed = true;
        }
      }
    }
  }
  // beam search on level 0
  // a bit per node keeps the marks in the L1 cache (12.5 KB for 100k nodes); clearing them is cheap
  memory.fill(visited, 0, visitedBytes(nodeCount));
  let candSize: i32 = 0;
  let resSize: i32 = 0;
  let lower: f32 = 0;
  const entryBit: i32 = 1 << (current & 7);
  store<u8>(visited + (<usize>current >> 3), <u8>entryBit);
  if (load<u8>(deleted + <usize>current) == 0) {
    heapPush(resScores, resIds, resSize++, currentScore, current);
    lower = currentScore;
    heapPush(candScores, candIds, candSize++, -currentScore, current);
  } else {
    lower = -Infinity;
    heapPush(candScores, candIds, candSize++, Infinity, current);
  }
  while (candSize > 0) {
    const best = -load<f32>(candScores);
    if (best < lower && resSize == ef) break;
    const node = load<i32>(candIds);
    heapPop(candScores, candIds, candSize--);
    const list = links0 + <usize>node * links0Bytes;
    expanded++;
    const count = load<i32>(list) & 0xffff;
    // mark and gather the unvisited neighbours first, then score them: their row loads are independent
    let fresh: i32 = 0;
    for (let j = 0; j < count; j++) {
      const neighbor = load<i32>(list + 4 + (<usize>j << 2));
      const mark = visited + (<usize>neighbor >> 3);
      const bits: i32 = load<u8>(mark);
      const bit: i32 = 1 << (neighbor & 7);
      if (bits & bit) continue;
      store<u8>(mark, <u8>(bits | bit));
      store<i32>(neighborIds + (<usize>fresh << 2), neighbor);
      fresh++;
    }
    scored += fresh;
    // WebAssembly has no prefetch: touching each row's cache lines (and the next candidate's links) in a
    // tight loop puts all their misses in flight at once instead of one after another inside the scoring
    if (mode != 0) {
      let touched: i32 = 0;
      for (let j = 0; j < fresh; j++) {
        const row = rows8 + <usize>load<i32>(neighborIds + (<usize>j << 2)) * stride8;
        touched += <i32>load<u8>(row) + <i32>load<u8>(row + width8 - 1);
      }
      if (candSize > 0) {
        const next = links0 + <usize>load<i32>(candIds) * links0Bytes;
        touched += load<i32>(next) + load<i32>(next + 64) + load<i32>(next + links0Bytes - 4);
      }
      sink = touched;
    }
    let j = 0;
    if (mode != 0) {
      for (; j + 3 < fresh; j += 4) scoreInt8Four(neighborIds + (<usize>j << 2), neighborScores + (<usize>j << 2));
    }
    for (; j < fresh; j++) {
      store<f32>(neighborScores + (<usize>j << 2), score(load<i32>(neighborIds + (<usize>j << 2)), mode));
    }
    for (j = 0; j < fresh; j++) {
      const s = load<f32>(neighborScores + (<usize>j << 2));
      if (resSize < ef || s > lower) {
        const neighbor = load<i32>(neighborIds + (<usize>j << 2));
        heapPush(candScores, candIds, candSize++, -s, neighbor);
        if (load<u8>(deleted + <usize>neighbor) == 0) {
          // a full list drops its worst (the root, below s) for the newcomer in one sift
          if (resSize < ef) heapPush(resScores, resIds, resSize++, s, neighbor);
          else heapReplaceRoot(resScores, resIds, resSize, s, neighbor);
        }
        if (resSize > 0) lower = load<f32>(resScores);
      }
    }
  }
  if (mode != 0) {
    // keep the best `rerank` by the int8 score, score them in float32 into the candidate heap area
    const keep = max(rerank, k);
    while (resSize > keep) heapPop(resScores, resIds, resSize--);
    // put every float row's cache lines in flight before scoring them one by one
    let touched: i32 = 0;
    for (let i = 0; i < resSize; i++) {
      const row = rowsF + <usize>load<i32>(resIds + (<usize>i << 2)) * strideF;
      for (let o: usize = 0; o < strideF; o += 64) touched += load<i32>(row + o);
      touched += load<i32>(row + strideF - 4);
    }
    sink = touched;
    let size: i32 = 0;
    for (let i = 0; i < resSize; i++) {
      const node = load<i32>(resIds + (<usize>i << 2));
      heapPush(candScores, candIds, size++, scoreFloat(node), node);
      if (size > k) heapPop(candScores, candIds, size--);
    }
    resSize = size;
    memory.copy(resScores, candScores, <usize>size << 2);
    memory.copy(resIds, candIds, <usize>size << 2);
  }
  while (resSize > k) heapPop(resScores, resIds, resSize--);
  // pop worst first into the output, filled from the back
  const found = resSize;
  while (resSize > 0) {
    const last = resSize - 1;
    store<f32>(outScores + (<usize>last << 2), load<f32>(resScores));
    store<i32>(outIds + (<usize>last << 2), load<i32>(resIds));
    heapPop(resScores, resIds, resSize--);
  }
  return found;
}
