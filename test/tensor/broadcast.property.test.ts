// Property test for broadcasting: for random compatible shapes, with operands that may be strided
// views (permuted), every output element of a broadcast binary op equals the op applied to the two
// elements the NumPy rules pick — computed here index by index, independently of the block walk
// the implementation uses. The gradient of a broadcast operand is the sum over the broadcast axes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  arange,
  maximum,
  mul,
  permute,
  reshape,
  sub,
  sum,
  type Tensor,
} from '../../src/tensor/index.js';

/** A tensor of the given shape with distinct values, stored in a permuted layout when `permuted`. */
function makeOperand(shape: number[], permuted: boolean, base: number): Tensor {
  const size = shape.reduce((n, d) => n * d, 1);
  if (!permuted || shape.length < 2) return reshape(arange(base, base + size), shape);
  // Store it reversed-axes contiguous, then permute back: same logical shape, strided layout.
  const reversed = [...shape].reverse();
  const axes = shape.map((_, i) => shape.length - 1 - i);
  return permute(reshape(arange(base, base + size), reversed), axes);
}

/** The element of `x` that broadcasting maps to output index `index`. */
function pick(x: Tensor, index: number[]): number {
  const lead = index.length - x.rank;
  const own = x.shape.map((dim, axis) => (dim === 1 ? 0 : index[lead + axis]!));
  return x.get(...own);
}

const shapes = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((out) =>
  fc.tuple(
    fc.constant(out),
    fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }), // a: dim → 1?
    fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }), // b: dim → 1?
    fc.integer({ min: 0, max: out.length - 1 }), // leading axes dropped from b
    fc.boolean(),
    fc.boolean(),
  ),
);

describe('broadcasting (property)', () => {
  it('matches an index-by-index computation for random shapes and layouts', () => {
    fc.assert(
      fc.property(shapes, ([out, aOnes, bOnes, bDrop, aPermuted, bPermuted]) => {
        const aShape = out.map((d, i) => (aOnes[i] ? 1 : d));
        const bShape = out.map((d, i) => (bOnes[i] ? 1 : d)).slice(bDrop);
        const a = makeOperand(aShape, aPermuted, 1);
        const b = makeOperand(bShape, bPermuted, 100);
        const resultShape = out.map((d, i) => (aOnes[i] && (i < bDrop || bOnes[i]) ? 1 : d));
        for (const [op, f] of [
          [add, (x: number, y: number) => x + y],
          [sub, (x: number, y: number) => x - y],
          [mul, (x: number, y: number) => x * y],
          [maximum, (x: number, y: number) => Math.max(x, y)],
        ] as const) {
          const result = op(a, b);
          expect(result.shape).toEqual(resultShape);
          const index = resultShape.map(() => 0);
          for (let flat = 0; flat < result.size; flat++) {
            expect(result.get(...index)).toBe(Math.fround(f(pick(a, index), pick(b, index))));
            for (let axis = index.length - 1; axis >= 0; axis--) {
              if (++index[axis]! < resultShape[axis]!) break;
              index[axis] = 0;
            }
          }
        }
      }),
      { seed: 20261122, numRuns: 200 },
    );
  });

  it('sums the gradient of a broadcast operand over the broadcast axes', () => {
    fc.assert(
      fc.property(shapes, ([out, _aOnes, bOnes, bDrop]) => {
        const bShape = out.map((d, i) => (bOnes[i] ? 1 : d)).slice(bDrop);
        const a = reshape(arange(out.reduce((n, d) => n * d, 1)), out);
        const b = makeOperand(bShape, false, 0);
        const leaf = reshape(b, bShape).detach();
        leaf.requiresGrad = true;
        sum(mul(add(a, leaf), 1)).backward();
        // Each entry of b is used once per output element it maps to: size(out) / size(b) times.
        const uses = a.size / leaf.size;
        expect([...leaf.grad!.toFloat32Array()]).toEqual(new Array(leaf.size).fill(uses));
      }),
      { seed: 7, numRuns: 100 },
    );
  });
});
