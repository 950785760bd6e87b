// asc-flags: --importMemory --initialMemory 1
// Cosine scans over a unit-normalised [rows, dim] f32 matrix in linear memory, with f32x4 SIMD:
// `rowScores` scores every row against one query (the most-similar scan), `bestRowsExcluding` keeps,
// for a block of queries, the best row outside each query's three excluded groups (batched analogy
// evaluation: each matrix row is loaded once per block and shared by four queries at a time).
// The plain TypeScript loops in similarity-block.ts are the oracle and fallback.
import { dotF32 } from '../tensor/kernels/vector.as-lib';

/** out[r] = ⟨matrix[r], query⟩ for r < rowCount. */
export function rowScores(matrix: usize, rowCount: i32, dim: i32, query: usize, out: usize): void {
  const rowBytes = <usize>dim << 2;
  for (let r = 0; r < rowCount; r++) {
    store<f32>(out + (<usize>r << 2), dotF32(matrix + <usize>r * rowBytes, query, dim));
  }
}

@inline
function sumLanes(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline
function consider(q: i32, row: i32, score: f32, group: usize, excluded: usize, bestRow: usize, bestScore: usize): void {
  const at = <usize>q << 2;
  if (score <= load<f32>(bestScore + at)) return;
  const g = load<i32>(group + (<usize>row << 2));
  const e = excluded + <usize>(3 * q) * 4;
  if (g == load<i32>(e) || g == load<i32>(e, 4) || g == load<i32>(e, 8)) return;
  store<f32>(bestScore + at, score);
  store<i32>(bestRow + at, row);
}

/**
 * For each query q < count: bestRow[q] = the row r < rowCount with the highest ⟨queries[q], matrix[r]⟩
 * whose group[r] is none of excluded[3q..3q+2] (−1 if none), bestScore[q] its score. Ties keep the lower row.
 */
export function bestRowsExcluding(
  matrix: usize,
  rowCount: i32,
  dim: i32,
  queries: usize,
  count: i32,
  group: usize,
  excluded: usize,
  bestRow: usize,
  bestScore: usize,
): void {
  for (let q = 0; q < count; q++) {
    store<i32>(bestRow + (<usize>q << 2), -1);
    store<f32>(bestScore + (<usize>q << 2), -Infinity);
  }
  const rowBytes = <usize>dim << 2;
  const vectorEnd = dim & ~3;
  const blockEnd = count & ~3;
  for (let r = 0; r < rowCount; r++) {
    const row = matrix + <usize>r * rowBytes;
    let q = 0;
    for (; q < blockEnd; q += 4) {
      const q0 = queries + <usize>q * rowBytes;
      const q1 = q0 + rowBytes;
      const q2 = q1 + rowBytes;
      const q3 = q2 + rowBytes;
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      let j = 0;
      for (; j < vectorEnd; j += 4) {
        const offset = <usize>j << 2;
        const m = v128.load(row + offset);
        a0 = f32x4.add(a0, f32x4.mul(m, v128.load(q0 + offset)));
        a1 = f32x4.add(a1, f32x4.mul(m, v128.load(q1 + offset)));
        a2 = f32x4.add(a2, f32x4.mul(m, v128.load(q2 + offset)));
        a3 = f32x4.add(a3, f32x4.mul(m, v128.load(q3 + offset)));
      }
      let s0 = sumLanes(a0);
      let s1 = sumLanes(a1);
      let s2 = sumLanes(a2);
      let s3 = sumLanes(a3);
      for (; j < dim; j++) {
        const offset = <usize>j << 2;
        const m = load<f32>(row + offset);
        s0 += m * load<f32>(q0 + offset);
        s1 += m * load<f32>(q1 + offset);
        s2 += m * load<f32>(q2 + offset);
        s3 += m * load<f32>(q3 + offset);
      }
      consider(q, r, s0, group, excluded, bestRow, bestScore);
      consider(q + 1, r, s1, group, excluded, bestRow, bestScore);
      consider(q + 2, r, s2, group, excluded, bestRow, bestScore);
      consider(q + 3, r, s3, group, excluded, bestRow, bestScore);
    }
    for (; q < count; q++) {
      consider(q, r, dotF32(row, queries + <usize>q * rowBytes, dim), group, excluded, bestRow, bestScore);
    }
  }
}
