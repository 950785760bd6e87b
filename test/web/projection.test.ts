// PCA to 2-D (src/embeddings/projection.ts) against a float64 oracle computed here: the components
// satisfy the eigen-equation of the sample covariance, are orthonormal, carry the two largest
// variances, and the points are the centred rows projected on them.
import { describe, expect, it } from 'vitest';
import { pca2d } from '../../src/embeddings/projection.js';
import { Random } from '../../src/util/random.js';

function covariance(x: Float32Array, n: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += x[i * dim + j]! / n;
  const c = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < dim; a++)
      for (let b = 0; b < dim; b++)
        c[a * dim + b]! += ((x[i * dim + a]! - mean[a]!) * (x[i * dim + b]! - mean[b]!)) / (n - 1);
  return c;
}

/** Rows spread mostly along `major`, less along `minor`, little elsewhere. */
function sample(n: number, dim: number, seed: number): Float32Array {
  const random = new Random(seed);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const a = random.normal(0, 5);
    const b = random.normal(0, 2);
    for (let j = 0; j < dim; j++) x[i * dim + j] = 3 + random.normal(0, 0.3);
    x[i * dim + 0]! += a * 0.6;
    x[i * dim + 1]! += a * 0.8;
    x[i * dim + 2]! += b;
  }
  return x;
}

describe('pca2d', () => {
  const n = 400;
  const dim = 6;
  const x = sample(n, dim, 11);
  const result = pca2d(x, n, dim, { seed: 2 });
  const c = covariance(x, n, dim);

  it('finds orthonormal eigenvectors of the covariance with the two largest eigenvalues', () => {
    const v = [result.components.subarray(0, dim), result.components.subarray(dim, 2 * dim)];
    for (let k = 0; k < 2; k++) {
      const cv = Array.from({ length: dim }, (_, a) => {
        let s = 0;
        for (let b = 0; b < dim; b++) s += c[a * dim + b]! * v[k]![b]!;
        return s;
      });
      const lambdaV = Array.from(v[k]!, (value) => value * result.variances[k as 0 | 1]);
      expect(cv).toBeAllClose(lambdaV, { rtol: 1e-3, atol: 1e-3 });
      expect(Array.from(v[k]!).reduce((s, value) => s + value * value, 0)).toBeCloseTo(1, 6);
    }
    expect(Array.from(v[0]!).reduce((s, value, j) => s + value * v[1]![j]!, 0)).toBeCloseTo(0, 4);
    // The known structure: the major axis (0.6, 0.8, 0, ...), then axis 2.
    expect(Math.abs(v[0]![0]!)).toBeCloseTo(0.6, 1);
    expect(Math.abs(v[0]![1]!)).toBeCloseTo(0.8, 1);
    expect(Math.abs(v[1]![2]!)).toBeGreaterThan(0.99);
    // No direction has more variance than the first component (Rayleigh quotients of random unit vectors).
    const random = new Random(5);
    for (let trial = 0; trial < 50; trial++) {
      const u = Array.from({ length: dim }, () => random.normal());
      const norm = Math.hypot(...u);
      let q = 0;
      for (let a = 0; a < dim; a++)
        for (let b = 0; b < dim; b++) q += (u[a]! * c[a * dim + b]! * u[b]!) / norm ** 2;
      expect(q).toBeLessThanOrEqual(result.variances[0] * (1 + 1e-6));
    }
    let trace = 0;
    for (let a = 0; a < dim; a++) trace += c[a * dim + a]!;
    expect(result.explainedRatio).toBeAllClose([result.variances[0] / trace, result.variances[1] / trace], {
      rtol: 1e-6,
    });
    expect(result.explainedRatio[0]).toBeGreaterThan(result.explainedRatio[1]);
  });

  it('projects the centred rows onto the components', () => {
    const mean = new Float64Array(dim);
    for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += x[i * dim + j]! / n;
    const expected: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 2; k++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += (x[i * dim + j]! - mean[j]!) * result.components[k * dim + j]!;
        expected.push(s);
      }
    }
    expect(Array.from(result.points)).toBeAllClose(expected, { rtol: 1e-4, atol: 1e-4 });
  });

  it('is deterministic and fixes the sign (largest entry positive)', () => {
    const again = pca2d(x, n, dim, { seed: 99 });
    expect(Array.from(again.components)).toBeAllClose(Array.from(result.components), { atol: 1e-5 });
    for (let k = 0; k < 2; k++) {
      const v = Array.from(result.components.subarray(k * dim, (k + 1) * dim));
      const largest = v.reduce((best, value) => (Math.abs(value) > Math.abs(best) ? value : best), 0);
      expect(largest).toBeGreaterThan(0);
    }
  });

  it('refuses fewer than 2 rows and too short an array', () => {
    expect(() => pca2d(new Float32Array(3), 1, 3)).toThrow('pca2d: needs at least 2 rows, got 1.');
    expect(() => pca2d(new Float32Array(5), 2, 3)).toThrow(/cannot hold 2 rows of 3/);
  });
});
