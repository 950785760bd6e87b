// The hot loop of batched analogy evaluation: a block of unit query vectors against the rows of a unit
// matrix, keeping for each query the best-scoring row that is not one of its excluded rows. Each row is
// read once per block and shared by four queries at a time (four running dot products), so the block
// costs one pass over the matrix instead of one scan per question, and no [queries, rows] score matrix
// is ever stored.

/**
 * For each query q in [0, count): bestRow[q] = argmax over rows r < rowCount of ⟨queries[q], matrix[r]⟩
 * among rows whose `group[r]` is not one of excludedGroups[3q .. 3q+2]; bestScore[q] its score.
 * Ties keep the lower row. queries: [count, dim], matrix: [rowCount, dim] (row-major).
 */
export function bestRowsExcluding(
  queries: Float64Array,
  count: number,
  matrix: Float32Array,
  rowCount: number,
  dim: number,
  group: Int32Array,
  excludedGroups: Int32Array,
  bestRow: Int32Array,
  bestScore: Float64Array,
): void {
  bestRow.fill(-1, 0, count);
  bestScore.fill(-Infinity, 0, count);
  const consider = (q: number, row: number, score: number) => {
    if (score <= bestScore[q]!) return;
    const g = group[row]!;
    const e = 3 * q;
    if (g === excludedGroups[e] || g === excludedGroups[e + 1] || g === excludedGroups[e + 2]) return;
    bestScore[q] = score;
    bestRow[q] = row;
  };
  const blockEnd = count - (count % 4);
  for (let row = 0; row < rowCount; row++) {
    const offset = row * dim;
    for (let q = 0; q < blockEnd; q += 4) {
      const q0 = q * dim;
      const q1 = q0 + dim;
      const q2 = q1 + dim;
      const q3 = q2 + dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < dim; j++) {
        const m = matrix[offset + j]!;
        s0 += m * queries[q0 + j]!;
        s1 += m * queries[q1 + j]!;
        s2 += m * queries[q2 + j]!;
        s3 += m * queries[q3 + j]!;
      }
      if (s0 > bestScore[q]!) consider(q, row, s0);
      if (s1 > bestScore[q + 1]!) consider(q + 1, row, s1);
      if (s2 > bestScore[q + 2]!) consider(q + 2, row, s2);
      if (s3 > bestScore[q + 3]!) consider(q + 3, row, s3);
    }
    for (let q = blockEnd; q < count; q++) {
      const base = q * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += matrix[offset + j]! * queries[base + j]!;
      if (s > bestScore[q]!) consider(q, row, s);
    }
  }
}
