// Forward values: creation, views vs copies, broadcasting rules against hand-written expectations,
// matmul against a float64 loop, movement ops, reductions.
import { describe, expect, it } from 'vitest';
import {
  add,
  arange,
  argmax,
  broadcastShapes,
  clamp,
  concat,
  div,
  eq,
  expand,
  fromArray,
  full,
  gather,
  ge,
  gt,
  le,
  linear,
  logsumexp,
  lt,
  matmul,
  max,
  maximum,
  mean,
  min,
  mul,
  narrow,
  ones,
  permute,
  pow,
  randn,
  reshape,
  scalar,
  scatterAdd,
  slice,
  stack,
  sub,
  sum,
  Tensor,
  tensor,
  transpose,
  uniform,
  where,
  zeros,
} from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

describe('creation', () => {
  it('makes filled tensors, ranges and nested-array tensors', () => {
    expect(zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(full([1, 2], 7).toArray()).toEqual([[7, 7]]);
    expect(scalar(4).shape).toEqual([]);
    expect(scalar(4).item()).toBe(4);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    const t = tensor([
      [[1], [2]],
      [[3], [4]],
    ]);
    expect(t.shape).toEqual([2, 2, 1]);
    expect(t.toFloat32Array()).toEqual(Float32Array.from([1, 2, 3, 4]));
    expect(tensor(3).shape).toEqual([]);
  });

  it('fromArray uses a Float32Array without copying and copies a number[]', () => {
    const storage = new Float32Array([1, 2, 3, 4]);
    const t = fromArray(storage, [2, 2]);
    expect(t.data).toBe(storage);
    storage[0] = 9;
    expect(t.get(0, 0)).toBe(9);
    const copied = fromArray([1, 2, 3], [3]);
    expect(copied.toArray()).toEqual([1, 2, 3]);
  });

  it('draws the same values from the same seed (randn, uniform)', () => {
    const a = randn([3, 4], new Random(11));
    const b = randn([3, 4], new Random(11));
    expect(a.toFloat32Array()).toEqual(b.toFloat32Array());
    expect(randn([3, 4], new Random(12)).toFloat32Array()).not.toEqual(a.toFloat32Array());
    const u = uniform([1000], new Random(3), { low: -2, high: -1 });
    const values = u.toFloat32Array();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...values)).toBeLessThan(-1);
    const n = randn([20_000], new Random(5), { mean: 3, std: 0.5 });
    expect(mean(n).item()).toBeCloseTo(3, 1);
  });

  it('marks requiresGrad from the options', () => {
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(ones([2]).requiresGrad).toBe(false);
  });
});

describe('views and copies', () => {
  it('transpose, slice, expand and reshape-of-contiguous share storage; contiguous() is free when already contiguous', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const t = transpose(x);
    expect(t.data).toBe(x.data);
    expect(t.isContiguous).toBe(false);
    expect(t.toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const s = slice(x, [0, 1], [2, 3]);
    expect(s.data).toBe(x.data);
    expect(s.toArray()).toEqual([
      [2, 3],
      [5, 6],
    ]);
    expect(expand(tensor([1, 2]), [3, 2]).data.length).toBe(2);
    const r = reshape(x, [3, 2]);
    expect(r.data).toBe(x.data);
    expect(x.contiguous()).toBe(x);
    // A contiguous row of a matrix is contiguous too (offset ≠ 0), so no copy either.
    const row = slice(x, [1], [2]);
    expect(row.isContiguous).toBe(true);
    expect(row.contiguous()).toBe(row);
    // Non-contiguous: contiguous() and reshape copy.
    const copy = t.contiguous();
    expect(copy.data).not.toBe(x.data);
    expect(copy.toArray()).toEqual(t.toArray());
    expect(reshape(t, [6]).toArray()).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('sees writes through a view (why optimizers may update data in place)', () => {
    const x = zeros([2, 2]);
    const view = transpose(x);
    x.data[1] = 5; // x[0, 1]
    expect(view.get(1, 0)).toBe(5);
  });

  it('ops always return fresh storage', () => {
    const x = tensor([1, 2]);
    const y = add(x, 0);
    expect(y.data).not.toBe(x.data);
  });
});

describe('broadcasting', () => {
  it('follows the NumPy rules for shapes', () => {
    const cases: [number[][], number[]][] = [
      [
        [[2, 3], [3]],
        [2, 3],
      ],
      [
        [
          [2, 1],
          [1, 3],
        ],
        [2, 3],
      ],
      [
        [
          [4, 1, 5],
          [3, 1],
        ],
        [4, 3, 5],
      ],
      [
        [[], [2, 2]],
        [2, 2],
      ],
      [[[1], [0]], [0]],
      [
        [
          [5, 1, 1],
          [1, 6, 1],
          [1, 1, 7],
        ],
        [5, 6, 7],
      ],
    ];
    for (const [shapes, expected] of cases) expect(broadcastShapes('add', ...shapes)).toEqual(expected);
  });

  it('adds a row to every row, a column to every column, and an outer sum', () => {
    const m = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(add(m, tensor([10, 20, 30])).toArray()).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expect(add(m, tensor([[100], [200]])).toArray()).toEqual([
      [101, 102, 103],
      [204, 205, 206],
    ]);
    expect(sub(tensor([[1], [2]]), tensor([[10, 20, 30]])).toArray()).toEqual([
      [-9, -19, -29],
      [-8, -18, -28],
    ]);
    expect(mul(tensor([1, 2, 3]), 2).toArray()).toEqual([2, 4, 6]);
    expect(div(3, tensor([1, 2, 4])).toArray()).toEqual([3, 1.5, 0.75]);
  });

  it('broadcasts over middle and leading axes of rank-3 operands', () => {
    const a = reshape(arange(12), [2, 3, 2]);
    const b = tensor([[100], [200], [300]]); // [3, 1]
    const expected: number[][][] = [];
    for (let i = 0; i < 2; i++) {
      const plane: number[][] = [];
      for (let j = 0; j < 3; j++) plane.push([0, 1].map((k) => i * 6 + j * 2 + k + (j + 1) * 100));
      expected.push(plane);
    }
    expect(add(a, b).toArray()).toEqual(expected);
    // Same result from a transposed (strided) operand.
    const aT = transpose(reshape(arange(12), [2, 2, 3]));
    const expectedT: number[][][] = [];
    for (let i = 0; i < 2; i++) {
      const plane: number[][] = [];
      for (let j = 0; j < 3; j++) plane.push([0, 1].map((k) => i * 6 + k * 3 + j + (j + 1) * 100));
      expectedT.push(plane);
    }
    expect(add(aT, b).toArray()).toEqual(expectedT);
  });

  it('compares elementwise into 0/1 tensors, and where picks by a condition', () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([3, 2, 1]);
    expect(eq(a, b).toArray()).toEqual([0, 1, 0]);
    expect(gt(a, b).toArray()).toEqual([0, 0, 1]);
    expect(ge(a, b).toArray()).toEqual([0, 1, 1]);
    expect(lt(a, b).toArray()).toEqual([1, 0, 0]);
    expect(le(a, 2).toArray()).toEqual([1, 1, 0]);
    expect(where(gt(a, 1), a, tensor([[-1], [-2]])).toArray()).toEqual([
      [-1, 2, 3],
      [-2, 2, 3],
    ]);
  });

  it('maximum, clamp and pow', () => {
    expect(maximum(tensor([1, 5, -2]), tensor([3, 4, -3])).toArray()).toEqual([3, 5, -2]);
    expect(clamp(tensor([-3, 0.5, 9]), -1, 1).toArray()).toEqual([-1, 0.5, 1]);
    expect(pow(tensor([2, 3]), tensor([[2], [3]])).toArray()).toEqual([
      [4, 9],
      [8, 27],
    ]);
  });
});

describe('matmul', () => {
  function reference(a: number[][], b: number[][]): number[][] {
    return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, p) => s + v * b[p]![j]!, 0)));
  }
  const random = new Random(9);
  const matrix = (rows: number, cols: number) =>
    Array.from({ length: rows }, () =>
      Array.from({ length: cols }, () => Math.round(random.normal() * 8) / 8),
    );

  it('multiplies 2-D matrices and transposed views without copying', () => {
    const a = matrix(3, 5);
    const b = matrix(5, 4);
    const expected = reference(a, b);
    expect(matmul(tensor(a), tensor(b)).toArray()).toBeAllClose(expected);
    const aT = tensor(a[0]!.map((_, j) => a.map((row) => row[j]!))); // [5, 3]
    const bT = tensor(b[0]!.map((_, j) => b.map((row) => row[j]!))); // [4, 5]
    expect(matmul(transpose(aT), tensor(b)).toArray()).toBeAllClose(expected);
    expect(matmul(tensor(a), transpose(bT)).toArray()).toBeAllClose(expected);
    expect(matmul(transpose(aT), transpose(bT)).toArray()).toBeAllClose(expected);
  });

  it('multiplies batches, broadcasting the batch axes', () => {
    const a = [matrix(2, 3), matrix(2, 3)];
    const b = [matrix(3, 4), matrix(3, 4)];
    expect(matmul(tensor(a), tensor(b)).toArray()).toBeAllClose(a.map((m, i) => reference(m, b[i]!)));
    // [2, 2, 3] · [3, 4]: the batch folds into the rows.
    expect(matmul(tensor(a), tensor(b[0]!)).toArray()).toBeAllClose(a.map((m) => reference(m, b[0]!)));
    // [2, 3] · [2, 3, 4]: the first operand is reused for each batch entry.
    expect(matmul(tensor(a[0]!), tensor(b)).toArray()).toBeAllClose(b.map((m) => reference(a[0]!, m)));
    // [2, 1, 2, 3] · [3, 3, 4] → [2, 3, 2, 4].
    const c = [matrix(3, 4), matrix(3, 4), matrix(3, 4)];
    const result = matmul(reshape(tensor(a), [2, 1, 2, 3]), tensor(c));
    expect(result.shape).toEqual([2, 3, 2, 4]);
    expect(result.toArray()).toBeAllClose(a.map((m) => c.map((n) => reference(m, n))));
  });

  it('linear(x, w, b) gives the values and gradients of add(matmul(x, w), b), with a float64 check', () => {
    // [2, 35, 24] · [24, 130] is large enough for the WebAssembly kernel; w is a transposed view.
    const x = randn([2, 35, 24], new Random(3));
    const wStored = randn([130, 24], new Random(4));
    const b = randn([130], new Random(5));
    const upstream = randn([2, 35, 130], new Random(6));
    const run = (f: (x: Tensor, w: Tensor, b: Tensor) => Tensor) => {
      const leaves = [x, wStored, b].map(
        (t) => new Tensor(t.toFloat32Array(), t.shape, undefined, 0, { requiresGrad: true }),
      );
      const y = f(leaves[0]!, transpose(leaves[1]!), leaves[2]!);
      sum(mul(y, upstream)).backward();
      return { y: Array.from(y.data), grads: leaves.map((t) => Array.from(t.grad!.data)) };
    };
    const fused = run(linear);
    const composed = run((x, w, b) => add(matmul(x, w), b));
    expect(fused.y).toBeAllClose(composed.y, { rtol: 1e-5, atol: 1e-5 });
    fused.grads.forEach((g, i) => {
      expect(g).toBeAllClose(composed.grads[i]!, { rtol: 1e-5, atol: 1e-4 });
    });
    // One output entry and the bias gradient in float64.
    const xs = x.data;
    const ws = wStored.data;
    let y0 = b.data[7]!;
    for (let p = 0; p < 24; p++) y0 += xs[35 * 24 + 3 * 24 + p]! * ws[7 * 24 + p]!;
    expect(fused.y[(35 + 3) * 130 + 7]!).toBeCloseTo(y0, 4);
    let db7 = 0;
    for (let r = 0; r < 70; r++) db7 += upstream.data[r * 130 + 7]!;
    expect(fused.grads[2]![7]!).toBeCloseTo(db7, 4);
    expect(() => linear(x, wStored, b)).toThrow(
      /linear: expects x \[\.\.\., k\], w \[k, n\] and b \[n\], got \[2, 35, 24\], \[130, 24\]/,
    );
  });
});

describe('movement ops', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('permute, narrow, concat and stack', () => {
    const cube = reshape(arange(24), [2, 3, 4]);
    const p = permute(cube, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.get(3, 1, 2)).toBe(cube.get(1, 2, 3));
    expect(narrow(x, 1, 1, 2).toArray()).toEqual([
      [2, 3],
      [5, 6],
    ]);
    expect(concat([x, tensor([[7, 8, 9]])], 0).toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(concat([x, transpose(tensor([[7, 8]]))], 1).toArray()).toEqual([
      [1, 2, 3, 7],
      [4, 5, 6, 8],
    ]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('gather picks rows by index (embedding lookup); scatterAdd adds them back, repeats accumulating', () => {
    const table = tensor([
      [0, 0.5],
      [1, 1.5],
      [2, 2.5],
    ]);
    expect(gather(table, Int32Array.from([2, 0, 2])).toArray()).toEqual([
      [2, 2.5],
      [0, 0.5],
      [2, 2.5],
    ]);
    expect(gather(x, Int32Array.from([2, 0]), 1).toArray()).toEqual([
      [3, 1],
      [6, 4],
    ]);
    const summed = scatterAdd(zeros([3, 2]), Int32Array.from([1, 1, 0]), ones([3, 2]));
    expect(summed.toArray()).toEqual([
      [1, 1],
      [2, 2],
      [0, 0],
    ]);
  });
});

describe('reductions', () => {
  const x = tensor([
    [1, 5, 3],
    [4, 2, 6],
  ]);

  it('sum, mean, max, min over axes with and without keepdims', () => {
    expect(sum(x).item()).toBe(21);
    expect(sum(x, 0).toArray()).toEqual([5, 7, 9]);
    expect(sum(x, 1, true).toArray()).toEqual([[9], [12]]);
    expect(sum(x, [0, 1], true).shape).toEqual([1, 1]);
    expect(mean(x, -1).toArray()).toEqual([3, 4]);
    expect(max(x, 1).toArray()).toEqual([5, 6]);
    expect(max(x, 0, true).toArray()).toEqual([[4, 5, 6]]);
    expect(max(x).item()).toBe(6);
    expect(min(x, 1).toArray()).toEqual([1, 2]);
    const cube = reshape(arange(24), [2, 3, 4]);
    expect(sum(cube, [0, 2]).toArray()).toEqual(
      [0, 1, 2].map((j) =>
        [0, 1].reduce((s, i) => s + [0, 1, 2, 3].reduce((t, k) => t + i * 12 + j * 4 + k, 0), 0),
      ),
    );
  });

  it('argmax returns the first maximal index per row, or the flat index', () => {
    expect(argmax(x, 1).toArray()).toEqual([1, 2]);
    expect(argmax(x, 0, true).toArray()).toEqual([[1, 0, 1]]);
    expect(argmax(tensor([3, 7, 7, 1])).item()).toBe(1);
    expect(argmax(x).item()).toBe(5);
  });

  it('logsumexp is exact for small values and does not overflow for large ones', () => {
    const small = tensor([
      [0, 1, 2],
      [-1, 0.5, 3],
    ]);
    const expected = [
      Math.log(1 + Math.E + Math.exp(2)),
      Math.log(Math.exp(-1) + Math.exp(0.5) + Math.exp(3)),
    ];
    expect(logsumexp(small, 1).toArray()).toBeAllClose(expected);
    expect(logsumexp(tensor([1000, 1000])).item()).toBeAllClose(1000 + Math.LN2);
    expect(logsumexp(tensor([-1000, -1000])).item()).toBeAllClose(-1000 + Math.LN2);
    expect(logsumexp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
  });

  it('sums a long row in float64 (no float32 drift)', () => {
    const n = 1_000_000;
    expect(sum(full([n], 0.1)).item()).toBeAllClose(Math.fround(0.1) * n, { rtol: 1e-6 });
  });

  it('treats a bare Tensor constructor as contiguous storage', () => {
    expect(new Tensor(new Float32Array(6), [2, 3]).isContiguous).toBe(true);
  });
});

describe('reductions over no axes', () => {
  it('return a fresh copy', () => {
    const x = tensor([1, 2]);
    const s = sum(x, []);
    const m = max(x, []);
    expect(s.toArray()).toEqual([1, 2]);
    expect(m.toArray()).toEqual([1, 2]);
    expect(s.data).not.toBe(x.data);
    expect(m.data).not.toBe(x.data);
  });
});
