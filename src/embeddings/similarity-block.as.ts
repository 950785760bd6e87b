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
  // Two rows × four queries per step: each loaded row vector feeds four products, each query vector two.
  let r = 0;
  for (; r + 2 <= rowCount; r += 2) {
    const rowA = matrix + <usize>r * rowBytes;
    const rowB = rowA + rowBytes;
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
      let b0 = f32x4.splat(0);
      let b1 = f32x4.splat(0);
      let b2 = f32x4.splat(0);
      let b3 = f32x4.splat(0);
      let j = 0;
      for (; j < vectorEnd; j += 4) {
        const offset = <usize>j << 2;
        const ma = v128.load(rowA + offset);
        const mb = v128.load(rowB + offset);
        const v0 = v128.load(q0 + offset);
        const v1 = v128.load(q1 + offset);
        const v2 = v128.load(q2 + offset);
        const v3 = v128.load(q3 + offset);
        a0 = f32x4.add(a0, f32x4.mul(ma, v0));
        a1 = f32x4.add(a1, f32x4.mul(ma, v1));
        a2 = f32x4.add(a2, f32x4.mul(ma, v2));
        a3 = f32x4.add(a3, f32x4.mul(ma, v3));
        b0 = f32x4.add(b0, f32x4.mul(mb, v0));
        b1 = f32x4.add(b1, f32x4.mul(mb, v1));
        b2 = f32x4.add(b2, f32x4.mul(mb, v2));
        b3 = f32x4.add(b3, f32x4.mul(mb, v3));
      }
      let sa0 = sumLanes(a0);
      let sa1 = sumLanes(a1);
      let sa2 = sumLanes(a2);
      let sa3 = sumLanes(a3);
      let sb0 = sumLanes(b0);
      let sb1 = sumLanes(b1);
      let sb2 = sumLanes(b2);
      let sb3 = sumLanes(b3);
      for (; j < dim; j++) {
        const offset = <usize>j << 2;
        const ma = load<f32>(rowA + offset);
        const mb = load<f32>(rowB + offset);
        const v0 = load<f32>(q0 + offset);
        const v1 = load<f32>(q1 + offset);
        const v2 = load<f32>(q2 + offset);
        const v3 = load<f32>(q3 + offset);
        sa0 += ma * v0;
        sa1 += ma * v1;
        sa2 += ma * v2;
        sa3 += ma * v3;
        sb0 += mb * v0;
        sb1 += mb * v1;
        sb2 += mb * v2;
        sb3 += mb * v3;
      }
      // Row r before row r + 1, so ties keep the lower row.
      consider(q, r, sa0, group, excluded, bestRow, bestScore);
      consider(q + 1, r, sa1, group, excluded, bestRow, bestScore);
      consider(q + 2, r, sa2, group, excluded, bestRow, bestScore);
      consider(q + 3, r, sa3, group, excluded, bestRow, bestScore);
      consider(q, r + 1, sb0, group, excluded, bestRow, bestScore);
      consider(q + 1, r + 1, sb1, group, excluded, bestRow, bestScore);
      consider(q + 2, r + 1, sb2, group, excluded, bestRow, bestScore);
      consider(q + 3, r + 1, sb3, group, excluded, bestRow, bestScore);
    }
    for (; q < count; q++) {
      const query = queries + <usize>q * rowBytes;
      consider(q, r, dotF32(rowA, query, dim), group, excluded, bestRow, bestScore);
      consider(q, r + 1, dotF32(rowB, query, dim), group, excluded, bestRow, bestScore);
    }
  }
  for (; r < rowCount; r++) {
    const row = matrix + <usize>r * rowBytes;
    for (let q = 0; q < count; q++) {
      consider(q, r, dotF32(row, queries + <usize>q * rowBytes, dim), group, excluded, bestRow, bestScore);
    }
  }
}
