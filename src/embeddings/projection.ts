// 2-D projection of word vectors for pictures (the web map, `verbo plot`, `verbo report`): principal
// component analysis on the tensor core. The rows are centred (X − mean), the covariance
// C = Xcᵀ·Xc / (n − 1) is one matmul ([dim, n]·[n, dim] → [dim, dim]), and the top two eigenvectors
// of C come from power iteration with deflation (C ← C − λ₁·v₁·v₁ᵀ), started from seeded random
// vectors. The coordinates are Xc·[v₁ v₂]. Each component's sign is fixed so its largest-magnitude
// entry is positive, so the picture does not flip between runs.
import { fromArray, matmul, mean, noGrad, sub, transpose } from '../tensor/index.js';
import { VerboError } from '../util/errors.js';
import { Random } from '../util/random.js';

export interface PcaOptions {
  /** Seed of the power-iteration start vectors (default 1). */
  seed?: number;
  /** Most power-iteration steps per component (default 300). */
  maxIterations?: number;
  /** Stop when the direction changes by less than this (1 − |cos|, default 1e-10). */
  tolerance?: number;
}

export interface Projection2D {
  /** Row-major [n, 2] coordinates. */
  points: Float64Array;
  /** The two principal directions, row-major [2, dim] (unit length). */
  components: Float64Array;
  /** Variance along each component (eigenvalues of the covariance). */
  variances: [number, number];
  /** Fraction of the total variance each component explains. */
  explainedRatio: [number, number];
}

/** The top-2 principal components of `n` rows of `vectors` (row-major [n, dim]). */
export function pca2d(vectors: Float32Array, n: number, dim: number, options: PcaOptions = {}): Projection2D {
  if (!Number.isInteger(n) || n < 2)
    throw new VerboError(`pca2d: needs at least 2 rows, got ${n}.`, 'BAD_ARGUMENT');
  if (!Number.isInteger(dim) || dim < 1)
    throw new VerboError(`pca2d: dim must be ≥ 1, got ${dim}.`, 'BAD_ARGUMENT');
  if (vectors.length < n * dim) {
    throw new VerboError(
      `pca2d: ${vectors.length} values cannot hold ${n} rows of ${dim}; pass n ≤ ${Math.floor(vectors.length / dim)}.`,
      'BAD_ARGUMENT',
    );
  }
  const random = new Random(options.seed ?? 1);
  const maxIterations = options.maxIterations ?? 300;
  const tolerance = options.tolerance ?? 1e-10;
  return noGrad(() => {
    const x = fromArray(vectors.subarray(0, n * dim), [n, dim]); // [n, dim]
    const centred = sub(x, mean(x, 0, true)); // [n, dim]
    const covarianceTensor = matmul(transpose(centred), centred); // [dim, dim]
    const covariance = Float64Array.from(covarianceTensor.toFloat32Array(), (v) => v / (n - 1));
    let totalVariance = 0;
    for (let i = 0; i < dim; i++) totalVariance += covariance[i * dim + i]!;

    const components = new Float64Array(2 * dim);
    const variances: [number, number] = [0, 0];
    for (let c = 0; c < 2 && c < dim; c++) {
      const v = new Float64Array(dim);
      for (let i = 0; i < dim; i++) v[i] = random.normal();
      normalize(v);
      let eigenvalue = 0;
      const next = new Float64Array(dim);
      for (let iteration = 0; iteration < maxIterations; iteration++) {
        // next = C·v; the Rayleigh quotient vᵀ·C·v is the eigenvalue estimate.
        for (let i = 0; i < dim; i++) {
          let s = 0;
          for (let j = 0; j < dim; j++) s += covariance[i * dim + j]! * v[j]!;
          next[i] = s;
        }
        let rayleigh = 0;
        for (let i = 0; i < dim; i++) rayleigh += v[i]! * next[i]!;
        eigenvalue = rayleigh;
        if (normalize(next) === 0) break;
        let cosine = 0;
        for (let i = 0; i < dim; i++) cosine += v[i]! * next[i]!;
        v.set(next);
        if (1 - Math.abs(cosine) < tolerance) break;
      }
      fixSign(v);
      components.set(v, c * dim);
      variances[c] = Math.max(0, eigenvalue);
      // Deflation: remove the found direction so the next power iteration finds the second one.
      for (let i = 0; i < dim; i++)
        for (let j = 0; j < dim; j++) covariance[i * dim + j]! -= eigenvalue * v[i]! * v[j]!;
    }

    const basis = fromArray(Float32Array.from(components), [2, dim]); // [2, dim]
    const projected = matmul(centred, transpose(basis)).toFloat32Array(); // [n, 2]
    const ratio = (value: number) => (totalVariance > 0 ? value / totalVariance : 0);
    return {
      points: Float64Array.from(projected),
      components,
      variances,
      explainedRatio: [ratio(variances[0]), ratio(variances[1])],
    };
  });
}

/** Scales `v` to unit length in place; returns its former length. */
function normalize(v: Float64Array): number {
  let sumSquares = 0;
  for (let i = 0; i < v.length; i++) sumSquares += v[i]! * v[i]!;
  const length = Math.sqrt(sumSquares);
  if (length > 0) for (let i = 0; i < v.length; i++) v[i]! /= length;
  return length;
}

/** Flips `v` so its largest-magnitude entry is positive. */
function fixSign(v: Float64Array): void {
  let largest = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]!) > Math.abs(v[largest]!)) largest = i;
  if (v[largest]! < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i]!;
}
