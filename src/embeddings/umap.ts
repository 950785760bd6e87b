// 2-D UMAP projection of word vectors, the non-linear alternative to pca2d for the embedding map
// (`verbo plot --projection umap`, `/api/map?method=umap`). The algorithm is umap-js (McInnes et al.'s
// UMAP ported to JavaScript by Google PAIR); we feed it unit vectors, so its Euclidean distance ranks
// neighbours exactly as cosine similarity does, and a seeded Random so the picture is reproducible.
import { UMAP } from 'umap-js';
import { VerboError } from '../util/errors.js';
import { Random } from '../util/random.js';

export interface UmapOptions {
  /** Seed of UMAP's random initialisation and sampling (default 1). */
  seed?: number;
  /** Neighbours that define the local structure (default 15, at most n − 1). */
  nNeighbors?: number;
  /** How tightly points may pack (default 0.1). */
  minDist?: number;
  /** Optimisation epochs (default: umap-js's choice, 500 for small inputs, 200 for large). */
  nEpochs?: number;
}

/** Row-major [n, 2] UMAP coordinates of the first `n` rows of `vectors` ([rows, dim], unit length). */
export function umap2d(
  vectors: Float32Array,
  n: number,
  dim: number,
  options: UmapOptions = {},
): Float64Array {
  if (!Number.isInteger(n) || n < 3)
    throw new VerboError(`umap2d: needs at least 3 rows, got ${n}.`, 'BAD_ARGUMENT');
  if (vectors.length < n * dim) {
    throw new VerboError(
      `umap2d: ${vectors.length} values cannot hold ${n} rows of ${dim}; pass n ≤ ${Math.floor(vectors.length / dim)}.`,
      'BAD_ARGUMENT',
    );
  }
  const random = new Random(options.seed ?? 1);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(vectors.subarray(i * dim, (i + 1) * dim)));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.nNeighbors ?? 15, n - 1),
    minDist: options.minDist ?? 0.1,
    ...(options.nEpochs !== undefined ? { nEpochs: options.nEpochs } : {}),
    random: () => random.next(),
  });
  const embedding = umap.fit(rows);
  const points = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    points[2 * i] = embedding[i]![0]!;
    points[2 * i + 1] = embedding[i]![1]!;
  }
  return points;
}
