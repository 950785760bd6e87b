// UMAP to 2-D (src/embeddings/umap.ts): seeded and deterministic, finite, and it keeps separated
// clusters apart — every point's nearest 2-D neighbour comes from its own cluster.
import { describe, expect, it } from 'vitest';
import { umap2d } from '../../src/embeddings/umap.js';
import { Random } from '../../src/util/random.js';

/** `clusters` tight Gaussian clusters of unit vectors around random centres. */
function clustered(perCluster: number, clusters: number, dim: number, seed: number): Float32Array {
  const random = new Random(seed);
  const x = new Float32Array(perCluster * clusters * dim);
  for (let c = 0; c < clusters; c++) {
    const centre = Array.from({ length: dim }, () => random.normal());
    for (let i = 0; i < perCluster; i++) {
      const row = (c * perCluster + i) * dim;
      let norm = 0;
      for (let j = 0; j < dim; j++) {
        x[row + j] = centre[j]! + random.normal(0, 0.15);
        norm += x[row + j]! ** 2;
      }
      for (let j = 0; j < dim; j++) x[row + j]! /= Math.sqrt(norm);
    }
  }
  return x;
}

describe('umap2d', () => {
  const perCluster = 25;
  const clusters = 3;
  const dim = 16;
  const n = perCluster * clusters;
  const x = clustered(perCluster, clusters, dim, 5);

  it('is deterministic for a seed and gives n finite points', () => {
    const a = umap2d(x, n, dim, { seed: 3, nEpochs: 100 });
    const b = umap2d(x, n, dim, { seed: 3, nEpochs: 100 });
    expect(a).toHaveLength(2 * n);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.every(Number.isFinite)).toBe(true);
  });

  it('keeps each point next to its own cluster', () => {
    const points = umap2d(x, n, dim, { seed: 3, nEpochs: 200 });
    let sameCluster = 0;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestDistance = Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d = (points[2 * i]! - points[2 * j]!) ** 2 + (points[2 * i + 1]! - points[2 * j + 1]!) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = j;
        }
      }
      if (Math.floor(best / perCluster) === Math.floor(i / perCluster)) sameCluster++;
    }
    expect(sameCluster / n).toBeGreaterThanOrEqual(0.95);
  });

  it('refuses too few rows or a short array', () => {
    expect(() => umap2d(x, 2, dim)).toThrow(/at least 3 rows/);
    expect(() => umap2d(x.subarray(0, 10), 5, dim)).toThrow(/cannot hold 5 rows of 16/);
  });
});
