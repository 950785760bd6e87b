// conv2d and maxPool2d (ops/conv.ts): gradCheck of every input on odd shapes (1, 3 and 17 channels;
// 'valid' and 'same'; strides 1 to 3; non-square windows), forward values and gradients against the
// composed version they replace (a gather of every window — zeros or −∞ outside the image — then a
// matmul, or a max over the window axis), output sizes as Keras, and clear errors. Runs on the native
// kernels and, under VERBO_NATIVE=0 (npm run test:kernel-paths), on the plain loops.
import { describe, expect, it } from 'vitest';
import {
  add,
  concat,
  conv2d,
  full,
  gather,
  gradCheck,
  matmul,
  max,
  maxPool2d,
  mul,
  type Padding,
  relu,
  reshape,
  sum,
  Tensor,
  windowOutput,
  zeros,
} from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

const random = new Random(77);

function normal(shape: number[], scale = 1, requiresGrad = false): Tensor {
  const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = random.normal(0, scale);
  return new Tensor(data, shape, undefined, 0, { requiresGrad });
}

/** Distinct values 0.05 apart in random order: no two pixels of a window tie for the maximum. */
function distinct(shape: number[], requiresGrad = false): Tensor {
  const size = shape.reduce((n, d) => n * d, 1);
  const order = random.shuffle(Array.from({ length: size }, (_, i) => i));
  return new Tensor(
    Float32Array.from(order, (i) => (i - size / 2) * 0.05),
    shape,
    undefined,
    0,
    { requiresGrad },
  );
}

/**
 * The composed version: every window gathered from the flattened image (out-of-image positions read an
 * appended row of `fill`), as [batch, outH·outW, kh·kw, channels], plus the output size.
 */
function windows(
  x: Tensor,
  kernel: [number, number],
  strides: [number, number],
  padding: Padding,
  fill: number,
): { gathered: Tensor; outH: number; outW: number } {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const rows = windowOutput(height, kernel[0], strides[0], padding);
  const cols = windowOutput(width, kernel[1], strides[1], padding);
  const indices: number[] = [];
  for (let oy = 0; oy < rows.out; oy++) {
    for (let ox = 0; ox < cols.out; ox++) {
      for (let ky = 0; ky < kernel[0]; ky++) {
        for (let kx = 0; kx < kernel[1]; kx++) {
          const iy = oy * strides[0] + ky - rows.padBefore;
          const ix = ox * strides[1] + kx - cols.padBefore;
          const inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
          indices.push(inside ? iy * width + ix : height * width);
        }
      }
    }
  }
  const flat = concat([reshape(x, [batch, height * width, channels]), full([batch, 1, channels], fill)], 1);
  const gathered = reshape(gather(flat, Int32Array.from(indices), 1), [
    batch,
    rows.out * cols.out,
    kernel[0] * kernel[1],
    channels,
  ]);
  return { gathered, outH: rows.out, outW: cols.out };
}

function composedConv(
  x: Tensor,
  kernel: Tensor,
  bias: Tensor | null,
  strides: [number, number],
  padding: Padding,
): Tensor {
  const [kh, kw, channels, filters] = kernel.shape as [number, number, number, number];
  const { gathered, outH, outW } = windows(x, [kh, kw], strides, padding, 0);
  const batch = x.shape[0]!;
  const patch = kh * kw * channels;
  let y = matmul(reshape(gathered, [batch * outH * outW, patch]), reshape(kernel, [patch, filters]));
  if (bias) y = add(y, bias);
  return reshape(y, [batch, outH, outW, filters]);
}

function composedPool(
  x: Tensor,
  pool: [number, number],
  strides: [number, number],
  padding: Padding,
): Tensor {
  const { gathered, outH, outW } = windows(x, pool, strides, padding, -Infinity);
  return reshape(max(gathered, 2), [x.shape[0]!, outH, outW, x.shape[3]!]);
}

/** Value and gradients (of Σ y·r for a fixed random r) of f at the given leaves. */
function valueAndGrads(f: (...xs: Tensor[]) => Tensor, leaves: Tensor[], projection: Tensor) {
  for (const leaf of leaves) leaf.grad = null;
  const y = f(...leaves);
  sum(mul(y, projection)).backward();
  return { y: y.toFloat32Array(), grads: leaves.map((leaf) => leaf.grad!.toFloat32Array()) };
}

interface ConvCase {
  x: [number, number, number, number];
  kernel: [number, number];
  filters: number;
  strides: [number, number];
  padding: Padding;
  bias: boolean;
}

const convCases: ConvCase[] = [
  { x: [2, 5, 6, 1], kernel: [3, 3], filters: 2, strides: [1, 1], padding: 'valid', bias: true },
  { x: [1, 7, 5, 3], kernel: [3, 2], filters: 4, strides: [2, 1], padding: 'same', bias: true },
  { x: [2, 6, 6, 17], kernel: [2, 3], filters: 3, strides: [3, 2], padding: 'valid', bias: false },
  { x: [1, 9, 8, 3], kernel: [5, 5], filters: 2, strides: [2, 3], padding: 'same', bias: true },
  { x: [3, 4, 5, 17], kernel: [1, 1], filters: 5, strides: [1, 1], padding: 'valid', bias: true },
  { x: [1, 5, 5, 1], kernel: [1, 1], filters: 1, strides: [2, 2], padding: 'same', bias: false },
  { x: [2, 3, 3, 2], kernel: [4, 4], filters: 2, strides: [1, 1], padding: 'same', bias: true },
];

const describeCase = (c: ConvCase) =>
  `x [${c.x.join(', ')}], window ${c.kernel.join('×')}, strides ${c.strides.join('×')}, '${c.padding}'${c.bias ? ', bias' : ''}`;

describe('conv2d', () => {
  it.each(convCases.map((c) => [describeCase(c), c] as const))('gradCheck: %s', (_, c) => {
    const inputs = [normal(c.x), normal([...c.kernel, c.x[3], c.filters], 0.5)];
    if (c.bias) inputs.push(normal([c.filters]));
    const result = gradCheck(
      (x, k, b) => conv2d(x!, k!, b, { strides: c.strides, padding: c.padding }),
      inputs,
      { eps: 1e-2, rtol: 1e-3, atol: 2e-4 },
    );
    expect(result.ok, result.summary).toBe(true);
  });

  it.each(convCases.map((c) => [describeCase(c), c] as const))(
    'matches the composed gather + matmul, values and gradients: %s',
    (_, c) => {
      const leaves = [normal(c.x, 1, true), normal([...c.kernel, c.x[3], c.filters], 0.5, true)];
      if (c.bias) leaves.push(normal([c.filters], 1, true));
      const options = { strides: c.strides, padding: c.padding };
      const fused = (x: Tensor, k: Tensor, b?: Tensor) => conv2d(x, k, b, options);
      const composed = (x: Tensor, k: Tensor, b?: Tensor) =>
        composedConv(x, k, b ?? null, c.strides, c.padding);
      const probe = fused(...(leaves as [Tensor, Tensor, Tensor?]));
      const rows = windowOutput(c.x[1], c.kernel[0], c.strides[0], c.padding).out;
      const cols = windowOutput(c.x[2], c.kernel[1], c.strides[1], c.padding).out;
      expect(probe.shape).toEqual([c.x[0], rows, cols, c.filters]);
      const projection = normal([...probe.shape]);
      const a = valueAndGrads(fused as (...xs: Tensor[]) => Tensor, leaves, projection);
      const b = valueAndGrads(composed as (...xs: Tensor[]) => Tensor, leaves, projection);
      expect(a.y).toBeAllClose(b.y, { rtol: 1e-5, atol: 1e-5 });
      for (const [i, g] of a.grads.entries()) {
        expect(g, `gradient of input ${i}`).toBeAllClose(b.grads[i]!, { rtol: 1e-5, atol: 1e-5 });
      }
    },
  );

  it.each(convCases.map((c) => [describeCase(c), c] as const))(
    "activation 'relu' is relu(conv2d(…)), values and gradients: %s",
    (_, c) => {
      const leaves = [normal(c.x, 1, true), normal([...c.kernel, c.x[3], c.filters], 0.5, true)];
      if (c.bias) leaves.push(normal([c.filters], 1, true));
      const options = { strides: c.strides, padding: c.padding };
      const fused = (x: Tensor, k: Tensor, b?: Tensor) => conv2d(x, k, b, { ...options, activation: 'relu' });
      const separate = (x: Tensor, k: Tensor, b?: Tensor) => relu(conv2d(x, k, b, options));
      const probe = fused(...(leaves as [Tensor, Tensor, Tensor?]));
      const projection = normal([...probe.shape]);
      const a = valueAndGrads(fused as (...xs: Tensor[]) => Tensor, leaves, projection);
      const b = valueAndGrads(separate as (...xs: Tensor[]) => Tensor, leaves, projection);
      expect(Array.from(a.y)).toEqual(Array.from(b.y));
      for (const [i, g] of a.grads.entries()) {
        expect(g, `gradient of input ${i}`).toBeAllClose(b.grads[i]!, { rtol: 1e-6, atol: 1e-6 });
      }
    },
  );

  it('sizes outputs as Keras: valid ⌊(in − k)/s⌋ + 1, same ⌈in/s⌉', () => {
    const k = zeros([3, 3, 1, 1]);
    expect(conv2d(zeros([1, 28, 28, 1]), k).shape).toEqual([1, 26, 26, 1]);
    expect(conv2d(zeros([1, 28, 28, 1]), k, null, { padding: 'same' }).shape).toEqual([1, 28, 28, 1]);
    expect(conv2d(zeros([1, 28, 27, 1]), k, null, { strides: 2 }).shape).toEqual([1, 13, 13, 1]);
    expect(conv2d(zeros([1, 28, 27, 1]), k, null, { strides: 2, padding: 'same' }).shape).toEqual([
      1, 14, 14, 1,
    ]);
  });

  it('computes the same whatever the batch split (rows are independent)', () => {
    const x = normal([4, 6, 5, 3]);
    const k = normal([3, 3, 3, 2]);
    const whole = conv2d(x, k, null, { padding: 'same' }).toFloat32Array();
    const half = conv2d(new Tensor(x.toFloat32Array().slice(2 * 6 * 5 * 3), [2, 6, 5, 3]), k, null, {
      padding: 'same',
    }).toFloat32Array();
    expect(Array.from(half)).toEqual(Array.from(whole.slice(whole.length / 2)));
  });

  it('says what is wrong with bad shapes and options', () => {
    const k = zeros([3, 3, 2, 4]);
    expect(() => conv2d(zeros([5, 5, 2]), k)).toThrow(
      /conv2d: expects images \[batch, height, width, channels\], got \[5, 5, 2\]/,
    );
    expect(() => conv2d(zeros([1, 5, 5, 3]), k)).toThrow(
      /have 3 channels but the kernel \[3, 3, 2, 4\] expects 2/,
    );
    expect(() => conv2d(zeros([1, 2, 5, 2]), k)).toThrow(
      /smaller than the window \[3, 3\] with 'valid' padding/,
    );
    expect(() => conv2d(zeros([1, 5, 5, 2]), k, zeros([3]))).toThrow(/bias must be \[4\]/);
    expect(() => conv2d(zeros([1, 5, 5, 2]), zeros([3, 3, 2]))).toThrow(/kernel must be \[kernelHeight/);
    expect(() => conv2d(zeros([1, 5, 5, 2]), k, null, { strides: 0 })).toThrow(
      /strides must be a positive integer/,
    );
    expect(() => conv2d(zeros([1, 5, 5, 2]), k, null, { padding: 'full' as Padding })).toThrow(
      /padding must be 'valid' or 'same', got 'full'/,
    );
    expect(() => conv2d(zeros([1, 5, 5, 2]), k, null, { activation: 'tanh' as 'relu' })).toThrow(
      /activation must be 'linear' or 'relu', got 'tanh'/,
    );
  });
});

interface PoolCase {
  x: [number, number, number, number];
  pool: [number, number];
  strides: [number, number];
  padding: Padding;
}

const poolCases: PoolCase[] = [
  { x: [2, 4, 4, 1], pool: [2, 2], strides: [2, 2], padding: 'valid' },
  { x: [1, 7, 5, 3], pool: [2, 2], strides: [2, 2], padding: 'same' },
  { x: [2, 6, 7, 17], pool: [3, 3], strides: [2, 2], padding: 'valid' },
  { x: [1, 5, 6, 3], pool: [3, 2], strides: [1, 3], padding: 'same' },
  { x: [1, 8, 8, 2], pool: [2, 3], strides: [3, 1], padding: 'valid' },
];

const describePool = (c: PoolCase) =>
  `x [${c.x.join(', ')}], pool ${c.pool.join('×')}, strides ${c.strides.join('×')}, '${c.padding}'`;

describe('maxPool2d', () => {
  it.each(poolCases.map((c) => [describePool(c), c] as const))('gradCheck: %s', (_, c) => {
    const result = gradCheck(
      (x) => maxPool2d(x!, { poolSize: c.pool, strides: c.strides, padding: c.padding }),
      [distinct(c.x)],
      { eps: 1e-3, rtol: 1e-3, atol: 1e-4 },
    );
    expect(result.ok, result.summary).toBe(true);
  });

  it.each(poolCases.map((c) => [describePool(c), c] as const))(
    'matches the composed gather + max, values and gradients: %s',
    (_, c) => {
      // Random values with ties (rounded to a coarse grid): the first maximum in window order wins in both.
      const x = normal(c.x, 1, true);
      for (let i = 0; i < x.size; i++) x.data[i] = Math.round(x.data[i]! * 2) / 2;
      const options = { poolSize: c.pool, strides: c.strides, padding: c.padding };
      const probe = maxPool2d(x, options);
      const projection = normal([...probe.shape]);
      const a = valueAndGrads((t) => maxPool2d(t, options), [x], projection);
      const b = valueAndGrads((t) => composedPool(t, c.pool, c.strides, c.padding), [x], projection);
      expect(Array.from(a.y)).toEqual(Array.from(b.y));
      expect(Array.from(a.grads[0]!)).toEqual(Array.from(b.grads[0]!));
    },
  );

  it('lets a NaN win its window (never silently dropped), as max does', () => {
    const x = new Tensor(Float32Array.from([1, Number.NaN, 3, 2, 5, 6, 7, 8]), [1, 2, 4, 1]);
    expect(Array.from(maxPool2d(x).toFloat32Array())).toEqual([Number.NaN, 8]);
  });

  it('defaults to 2 × 2 windows stepping by their size, padding valid', () => {
    expect(maxPool2d(zeros([3, 7, 6, 2])).shape).toEqual([3, 3, 3, 2]);
    expect(maxPool2d(zeros([3, 7, 6, 2]), { padding: 'same' }).shape).toEqual([3, 4, 3, 2]);
    expect(() => maxPool2d(zeros([1, 1, 6, 2]))).toThrow(
      /maxPool2d: images \[1, 1, 6, 2\] are smaller than the window/,
    );
    expect(() => maxPool2d(zeros([1, 4, 4, 1]), { poolSize: [2, 0] })).toThrow(
      /poolSize must be a positive integer/,
    );
  });
});
