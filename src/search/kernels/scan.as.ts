// asc-flags: --importMemory --sharedMemory --initialMemory 2 --maximumMemory 65536 --enable threads
// Exact nearest-neighbour scan in WebAssembly SIMD: dot products of unit-length queries with every row
// of a matrix held in (shared) WebAssembly memory, with top-k selection fused into the scan.
//
// The matrix is stored in panels of 8 rows: element (row r, dim d) sits at
//   panels + ((r >> 3) * dim + d) * 8 + (r & 7)            (in f32 units)
// so one v128 load at dimension d holds 4 rows' values, and a query scalar q[d] splat across lanes
// multiplies 8 rows at once. Accumulators then hold finished scores of 8 rows (no horizontal sums),
// and one SIMD compare against the current k-th best rejects almost every panel at once.
//
// Each query owns a min-heap of k (score, id) pairs, initialised by the caller to (-inf, -1); the root is
// the k-th best so far, replaced when a better score arrives. A mask (one byte per row, 0 = skip) is
// optional (pass 0). Rows at or beyond rowCount (padding of the last panel) are never reported.
//
// Batches are blocked like a GEMM: a block of panels (kept in cache) is scanned by groups of 4 queries,
// so each panel value loaded from memory serves 4 queries, with 8 accumulators in registers.

// Inserts (score, id) into the min-heap at (heapScores, heapIds) of size k if it beats the root.
@inline
function heapPush(heapScores: usize, heapIds: usize, k: i32, score: f32, id: i32): void {
  if (!(score > load<f32>(heapScores))) return;
  // sift down from the root
  let pos: i32 = 0;
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= k) break;
    let child = left;
    const right = left + 1;
    if (right < k && load<f32>(heapScores + (<usize>right << 2)) < load<f32>(heapScores + (<usize>left << 2)))
      child = right;
    const childScore = load<f32>(heapScores + (<usize>child << 2));
    if (!(childScore < score)) break;
    store<f32>(heapScores + (<usize>pos << 2), childScore);
    store<i32>(heapIds + (<usize>pos << 2), load<i32>(heapIds + (<usize>child << 2)));
    pos = child;
  }
  store<f32>(heapScores + (<usize>pos << 2), score);
  store<i32>(heapIds + (<usize>pos << 2), id);
}

// Offers the 8 scores of panel p (two vectors of 4) to a heap, honouring padding and the mask.
@inline
function offerPanel(
  s0: v128,
  s1: v128,
  p: i32,
  rowCount: i32,
  heapScores: usize,
  heapIds: usize,
  k: i32,
  mask: usize,
): void {
  const threshold = f32x4.splat(load<f32>(heapScores));
  if (!v128.any_true(v128.or(f32x4.gt(s0, threshold), f32x4.gt(s1, threshold)))) return;
  const base = p << 3;
  for (let lane = 0; lane < 8; lane++) {
    const row = base + lane;
    if (row >= rowCount) break;
    if (mask != 0 && load<u8>(mask + <usize>row) == 0) continue;
    let score: f32;
    // extract_lane needs a constant lane index
    switch (lane) {
      case 0: score = f32x4.extract_lane(s0, 0); break;
      case 1: score = f32x4.extract_lane(s0, 1); break;
      case 2: score = f32x4.extract_lane(s0, 2); break;
      case 3: score = f32x4.extract_lane(s0, 3); break;
      case 4: score = f32x4.extract_lane(s1, 0); break;
      case 5: score = f32x4.extract_lane(s1, 1); break;
      case 6: score = f32x4.extract_lane(s1, 2); break;
      default: score = f32x4.extract_lane(s1, 3);
    }
    heapPush(heapScores, heapIds, k, score, row);
  }
}

/** One query against panels [firstPanel, lastPanel). */
export function scanOne(
  panels: usize,
  rowCount: i32,
  dim: i32,
  query: usize,
  k: i32,
  heapScores: usize,
  heapIds: usize,
  mask: usize,
  firstPanel: i32,
  lastPanel: i32,
): void {
  const panelBytes = <usize>dim << 5; // dim * 8 rows * 4 bytes
  for (let p = firstPanel; p < lastPanel; p++) {
    let at = panels + <usize>p * panelBytes;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let b0 = f32x4.splat(0);
    let b1 = f32x4.splat(0);
    let d = 0;
    // two dimensions per step, two accumulator pairs to shorten the add dependency chains
    for (; d + 1 < dim; d += 2) {
      const q0 = v128.load32_splat(query + (<usize>d << 2));
      const q1 = v128.load32_splat(query + (<usize>d << 2), 4);
      a0 = f32x4.add(a0, f32x4.mul(q0, v128.load(at)));
      a1 = f32x4.add(a1, f32x4.mul(q0, v128.load(at, 16)));
      b0 = f32x4.add(b0, f32x4.mul(q1, v128.load(at, 32)));
      b1 = f32x4.add(b1, f32x4.mul(q1, v128.load(at, 48)));
      at += 64;
    }
    if (d < dim) {
      const q0 = v128.load32_splat(query + (<usize>d << 2));
      a0 = f32x4.add(a0, f32x4.mul(q0, v128.load(at)));
      a1 = f32x4.add(a1, f32x4.mul(q0, v128.load(at, 16)));
    }
    offerPanel(f32x4.add(a0, b0), f32x4.add(a1, b1), p, rowCount, heapScores, heapIds, k, mask);
  }
}

/**
 * The memory-bound single query at half the bytes: one query against a bfloat16 copy of the panels
 * (same layout, 2 bytes per value), as a filter in front of an exact rescoring done by the caller.
 * For unit vectors the bfloat16 score is within u = 2^-8 of the float score (|q·x − q·x̃| ≤ u|q||x|),
 * so every row of the exact top-k scores at least T − 2u here, T being the k-th best bfloat16 score.
 * Rows scoring at least (current k-th best − margin) are appended to the candidate list (score, id);
 * when it fills up it is compacted against the current threshold. Returns the number of candidates,
 * or -1 when they do not fit (then the caller scans the float panels instead).
 */
export function scanOneHalf(
  halfPanels: usize,
  rowCount: i32,
  dim: i32,
  query: usize,
  k: i32,
  heapScores: usize,
  heapIds: usize,
  mask: usize,
  firstPanel: i32,
  lastPanel: i32,
  margin: f32,
  candidateScores: usize,
  candidateIds: usize,
  candidateCapacity: i32,
): i32 {
  const panelBytes = <usize>dim << 4; // dim * 8 rows * 2 bytes
  const queryEnd = query + (<usize>dim << 2);
  let count: i32 = 0;
  for (let p = firstPanel; p < lastPanel; p++) {
    let at = halfPanels + <usize>p * panelBytes;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    for (let qp = query; qp < queryEnd; qp += 4) {
      const s = v128.load32_splat(qp);
      const halves = v128.load(at);
      // bfloat16 → float32: the 16 bits become the high half of the float
      const low = i32x4.shl(i32x4.extend_low_i16x8_u(halves), 16);
      const high = i32x4.shl(i32x4.extend_high_i16x8_u(halves), 16);
      a0 = f32x4.add(a0, f32x4.mul(s, low));
      a1 = f32x4.add(a1, f32x4.mul(s, high));
      at += 16;
    }
    const floor = load<f32>(heapScores) - margin;
    const threshold = f32x4.splat(floor);
    if (!v128.any_true(v128.or(f32x4.ge(a0, threshold), f32x4.ge(a1, threshold)))) continue;
    const base = p << 3;
    for (let lane = 0; lane < 8; lane++) {
      const row = base + lane;
      if (row >= rowCount) break;
      if (mask != 0 && load<u8>(mask + <usize>row) == 0) continue;
      let score: f32;
      switch (lane) {
        case 0: score = f32x4.extract_lane(a0, 0); break;
        case 1: score = f32x4.extract_lane(a0, 1); break;
        case 2: score = f32x4.extract_lane(a0, 2); break;
        case 3: score = f32x4.extract_lane(a0, 3); break;
        case 4: score = f32x4.extract_lane(a1, 0); break;
        case 5: score = f32x4.extract_lane(a1, 1); break;
        case 6: score = f32x4.extract_lane(a1, 2); break;
        default: score = f32x4.extract_lane(a1, 3);
      }
      if (!(score >= load<f32>(heapScores) - margin)) continue;
      heapPush(heapScores, heapIds, k, score, row);
      if (count == candidateCapacity) {
        // compact: drop candidates that fell below the risen threshold
        const keepFrom = load<f32>(heapScores) - margin;
        let kept: i32 = 0;
        for (let i: i32 = 0; i < count; i++) {
          const candidate = load<f32>(candidateScores + (<usize>i << 2));
          if (candidate >= keepFrom) {
            store<f32>(candidateScores + (<usize>kept << 2), candidate);
            store<i32>(candidateIds + (<usize>kept << 2), load<i32>(candidateIds + (<usize>i << 2)));
            kept++;
          }
        }
        count = kept;
        if (count == candidateCapacity) return -1;
      }
      store<f32>(candidateScores + (<usize>count << 2), score);
      store<i32>(candidateIds + (<usize>count << 2), row);
      count++;
    }
  }
  return count;
}

/**
 * queryCount queries (row-major, dim floats each, starting at `queries`) against panels
 * [firstPanel, lastPanel); query i's heap is at heapScores + i*k*4, heapIds + i*k*4.
 * panelBlock panels are scanned by all queries before moving on (cache blocking).
 */
export function scanBatch(
  panels: usize,
  rowCount: i32,
  dim: i32,
  queries: usize,
  queryCount: i32,
  k: i32,
  heapScores: usize,
  heapIds: usize,
  mask: usize,
  firstPanel: i32,
  lastPanel: i32,
  panelBlock: i32,
): void {
  const panelBytes = <usize>dim << 5;
  const queryBytes = <usize>dim << 2;
  const heapBytes = <usize>k << 2;
  for (let blockStart = firstPanel; blockStart < lastPanel; blockStart += panelBlock) {
    const blockEnd = min(blockStart + panelBlock, lastPanel);
    let qi = 0;
    for (; qi + 3 < queryCount; qi += 4) {
      const qa = queries + <usize>qi * queryBytes;
      const qaEnd = qa + queryBytes;
      for (let p = blockStart; p < blockEnd; p++) {
        let at = panels + <usize>p * panelBytes;
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let b0 = f32x4.splat(0);
        let b1 = f32x4.splat(0);
        let c0 = f32x4.splat(0);
        let c1 = f32x4.splat(0);
        let d0 = f32x4.splat(0);
        let d1 = f32x4.splat(0);
        // one dimension per step: 2 panel loads serve 4 queries (8 rows × 4 queries multiply-adds);
        // measured faster than unrolling by 2 or tiles of 3, 5 or 6 queries (register pressure)
        for (let qp = qa; qp < qaEnd; qp += 4) {
          const row0 = v128.load(at);
          const row1 = v128.load(at, 16);
          let s = v128.load32_splat(qp);
          a0 = f32x4.add(a0, f32x4.mul(s, row0));
          a1 = f32x4.add(a1, f32x4.mul(s, row1));
          s = v128.load32_splat(qp + queryBytes);
          b0 = f32x4.add(b0, f32x4.mul(s, row0));
          b1 = f32x4.add(b1, f32x4.mul(s, row1));
          s = v128.load32_splat(qp + 2 * queryBytes);
          c0 = f32x4.add(c0, f32x4.mul(s, row0));
          c1 = f32x4.add(c1, f32x4.mul(s, row1));
          s = v128.load32_splat(qp + 3 * queryBytes);
          d0 = f32x4.add(d0, f32x4.mul(s, row0));
          d1 = f32x4.add(d1, f32x4.mul(s, row1));
          at += 32;
        }
        const hs = heapScores + <usize>qi * heapBytes;
        const hi = heapIds + <usize>qi * heapBytes;
        offerPanel(a0, a1, p, rowCount, hs, hi, k, mask);
        offerPanel(b0, b1, p, rowCount, hs + heapBytes, hi + heapBytes, k, mask);
        offerPanel(c0, c1, p, rowCount, hs + 2 * heapBytes, hi + 2 * heapBytes, k, mask);
        offerPanel(d0, d1, p, rowCount, hs + 3 * heapBytes, hi + 3 * heapBytes, k, mask);
      }
    }
    // the last 1-3 queries one at a time
    for (; qi < queryCount; qi++) {
      scanOne(
        panels,
        rowCount,
        dim,
        queries + <usize>qi * queryBytes,
        k,
        heapScores + <usize>qi * heapBytes,
        heapIds + <usize>qi * heapBytes,
        mask,
        blockStart,
        blockEnd,
      );
    }
  }
}
