// Weight initialisers (Keras names). Each draws from a seeded Random, so a model built with the same
// seed starts from the same weights.
//   glorotUniform: U(−l, l), l = √(6 / (fanIn + fanOut))       glorotNormal: N(0, 2 / (fanIn + fanOut))
//   heUniform:     U(−l, l), l = √(6 / fanIn)                   heNormal:     N(0, 2 / fanIn)
//   orthogonal:    a random matrix with orthonormal rows or columns (recurrent kernels: repeated
//                  multiplication by it neither blows up nor shrinks the state at first)
// Fans follow Keras: a [fanIn, fanOut] matrix, or [kh, kw, inChannels, outChannels] for a conv kernel
// (fanIn = kh·kw·inChannels, fanOut = kh·kw·outChannels). Keras draws its normals from a truncated
// normal; we use a plain normal with the same variance.
import { VerboError } from '../util/errors.js';
import type { Random } from '../util/random.js';

export type InitializerName =
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heUniform'
  | 'heNormal'
  | 'orthogonal'
  | 'zeros'
  | 'ones';

/** A function from a shape and a seeded Random to fresh values (row-major). */
export type InitializerFn = (shape: readonly number[], random: Random) => Float32Array;

export type Initializer = InitializerName | InitializerFn;

function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  let receptive = 1;
  for (let axis = 0; axis < shape.length - 2; axis++) receptive *= shape[axis]!;
  return { fanIn: receptive * shape[shape.length - 2]!, fanOut: receptive * shape[shape.length - 1]! };
}

function size(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function uniformValues(shape: readonly number[], random: Random, limit: number): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = random.uniform(-limit, limit);
  return out;
}

function normalValues(shape: readonly number[], random: Random, std: number): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = random.normal(0, std);
  return out;
}

/**
 * Orthogonal: view the shape as [rows, cols] (cols = last axis), draw a normal [max, min] matrix,
 * orthonormalise its columns (modified Gram–Schmidt in float64, signs fixed as in a QR with
 * positive diagonal), and use it, transposed when rows < cols, so that W·Wᵀ = I or Wᵀ·W = I.
 */
function orthogonalValues(shape: readonly number[], random: Random): Float32Array {
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const rows = cols === 0 ? 0 : size(shape) / cols;
  const tall = Math.max(rows, cols);
  const narrow = Math.min(rows, cols);
  // columns[j] is column j (length `tall`) of the [tall, narrow] matrix.
  const columns: Float64Array[] = [];
  for (let j = 0; j < narrow; j++) {
    const v = new Float64Array(tall);
    for (let i = 0; i < tall; i++) v[i] = random.normal();
    for (const q of columns) {
      let dot = 0;
      for (let i = 0; i < tall; i++) dot += q[i]! * v[i]!;
      for (let i = 0; i < tall; i++) v[i]! -= dot * q[i]!;
    }
    let norm = 0;
    for (let i = 0; i < tall; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (norm < 1e-12)
      throw new VerboError('orthogonal initializer: degenerate random draw; try another seed');
    for (let i = 0; i < tall; i++) v[i]! /= norm;
    columns.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = rows >= cols ? columns[c]![r]! : columns[r]![c]!;
    }
  }
  return out;
}

const named: Record<InitializerName, InitializerFn> = {
  glorotUniform: (shape, random) => {
    const { fanIn, fanOut } = fans(shape);
    return uniformValues(shape, random, Math.sqrt(6 / (fanIn + fanOut)));
  },
  glorotNormal: (shape, random) => {
    const { fanIn, fanOut } = fans(shape);
    return normalValues(shape, random, Math.sqrt(2 / (fanIn + fanOut)));
  },
  heUniform: (shape, random) => uniformValues(shape, random, Math.sqrt(6 / fans(shape).fanIn)),
  heNormal: (shape, random) => normalValues(shape, random, Math.sqrt(2 / fans(shape).fanIn)),
  orthogonal: orthogonalValues,
  zeros: (shape) => new Float32Array(size(shape)),
  ones: (shape) => new Float32Array(size(shape)).fill(1),
};

/** The initialiser function for a name or function (throws on an unknown name). */
export function getInitializer(initializer: Initializer): InitializerFn {
  if (typeof initializer === 'function') return initializer;
  const fn = named[initializer];
  if (fn === undefined) {
    throw new VerboError(
      `unknown initializer '${String(initializer)}'; use one of ${Object.keys(named).join(', ')} or a function`,
    );
  }
  return fn;
}

/** The initialiser's name for saving an architecture ('custom' for functions). */
export function initializerName(initializer: Initializer): string {
  return typeof initializer === 'function' ? 'custom' : initializer;
}

export const glorotUniform = named.glorotUniform;
export const glorotNormal = named.glorotNormal;
export const heUniform = named.heUniform;
export const heNormal = named.heNormal;
export const orthogonal = named.orthogonal;
export const zerosInitializer = named.zeros;
