// Layers: gradCheck of Dense, Embedding, Conv2D and MaxPooling2D (input and every weight), values
// against hand-written loops, output shapes, frozen embeddings, initialiser statistics, shape errors.
import { describe, expect, it } from 'vitest';
import {
  conv2d,
  dense,
  dropout,
  embedding,
  flatten,
  getInitializer,
  input,
  type Layer,
  maxPooling2d,
} from '../../src/nn/index.js';
import { gradCheck, randn, Tensor, tensor } from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

const random = new Random(3);
const normal = (shape: number[], std = 1) => randn(shape, random, { std });

/** gradCheck with respect to the input (unless `fixedInput`) and every weight of a built layer. */
function layerGradCheck(
  layer: Layer,
  x: Tensor,
  fixedInput = false,
  tolerance = { eps: 1e-3, rtol: 2e-2, atol: 2e-3 },
) {
  layer.apply(x);
  const weights = layer.weights;
  const setWeights = (ws: Tensor[]) =>
    weights.forEach((w, i) => {
      w.value = ws[i]!;
    });
  if (fixedInput) {
    return gradCheck(
      (...ws: Tensor[]) => {
        setWeights(ws);
        return layer.apply(x);
      },
      weights.map((w) => w.value),
      tolerance,
    );
  }
  return gradCheck(
    (xi: Tensor, ...ws: Tensor[]) => {
      setWeights(ws);
      return layer.apply(xi);
    },
    [x, ...weights.map((w) => w.value)],
    tolerance,
  );
}

describe('Dense', () => {
  it('computes activation(x·W + b)', () => {
    const layer = dense({ units: 2, activation: 'relu', seed: 1 });
    layer.apply(tensor([[0, 0, 0]]));
    layer.setWeights([
      tensor([
        [1, -1],
        [2, 0],
        [0, 3],
      ]),
      tensor([0.5, -10]),
    ]);
    expect(layer.apply(tensor([[1, 2, 3]])).toArray()).toEqual([[5.5, 0]]);
  });

  it('gradCheck (input, kernel, bias), also on [batch, time, features]', () => {
    for (const shape of [
      [3, 4],
      [2, 3, 4],
    ]) {
      const result = layerGradCheck(dense({ units: 3, activation: 'tanh', seed: 2 }), normal(shape));
      expect(result.ok, result.summary).toBe(true);
    }
  });

  it('names the layer and both shapes for a wrong input', () => {
    const layer = dense({ units: 2, name: 'dense_x' });
    layer.apply(input({ shape: [3] }));
    expect(() => layer.apply(input({ shape: [4] }))).toThrow(
      /layer 'dense_x' \(Dense\): input 0 has shape \(None, 4\), expected rank ≥ 2, last axis 3/,
    );
    expect(() => layer.apply(normal([5, 4]))).toThrow(/input 0 has shape \(5, 4\), expected .*last axis 3/);
  });
});

describe('Embedding', () => {
  it('looks rows up, starts from given vectors, and can be frozen', () => {
    const vectors = Float32Array.from({ length: 8 }, (_, i) => i);
    const layer = embedding({ inputDim: 4, outputDim: 2, weights: vectors, trainable: false });
    const out = layer.apply(
      tensor([
        [3, 0],
        [1, 1],
      ]),
    );
    expect(out.shape).toEqual([2, 2, 2]);
    expect(out.toArray()).toEqual([
      [
        [6, 7],
        [0, 1],
      ],
      [
        [2, 3],
        [2, 3],
      ],
    ]);
    expect(layer.trainableWeights).toEqual([]);
    expect(layer.weights[0]!.value.requiresGrad).toBe(false);
    layer.trainable = true;
    expect(layer.trainableWeights.length).toBe(1);
  });

  it('gradCheck of the table (repeated ids accumulate)', () => {
    const result = layerGradCheck(
      embedding({ inputDim: 5, outputDim: 3, seed: 4 }),
      tensor([
        [1, 4, 1],
        [0, 1, 2],
      ]),
      true,
    );
    expect(result.ok, result.summary).toBe(true);
  });

  it('rejects ids outside the vocabulary and weights of the wrong shape', () => {
    const layer = embedding({ inputDim: 3, outputDim: 2, name: 'emb' });
    expect(() => layer.apply(tensor([[0, 3]]))).toThrow(/layer 'emb' \(Embedding\): id 3 .* outside 0…2/);
    expect(() =>
      embedding({ inputDim: 3, outputDim: 2, weights: new Float32Array(5) }).apply(tensor([[0]])),
    ).toThrow(/weights must be \[3, 2\]/);
  });
});

/** Plain-loop convolution (channels last, zero padding) for checking values. */
function referenceConv(
  x: Tensor,
  kernel: Tensor,
  bias: Tensor,
  strides: [number, number],
  pad: [number, number],
  out: [number, number],
): number[] {
  const [batch, height, width, channels] = x.shape as number[];
  const [kh, kw, , filters] = kernel.shape as number[];
  const result: number[] = [];
  for (let b = 0; b < batch!; b++) {
    for (let oy = 0; oy < out[0]; oy++) {
      for (let ox = 0; ox < out[1]; ox++) {
        for (let f = 0; f < filters!; f++) {
          let s = bias.get(f);
          for (let ky = 0; ky < kh!; ky++) {
            for (let kx = 0; kx < kw!; kx++) {
              const iy = oy * strides[0] + ky - pad[0];
              const ix = ox * strides[1] + kx - pad[1];
              if (iy < 0 || iy >= height! || ix < 0 || ix >= width!) continue;
              for (let c = 0; c < channels!; c++) s += x.get(b, iy, ix, c) * kernel.get(ky, kx, c, f);
            }
          }
          result.push(s);
        }
      }
    }
  }
  return result;
}

describe('Conv2D', () => {
  it('matches a plain convolution loop (valid, stride 1)', () => {
    const layer = conv2d({ filters: 2, kernelSize: 3, seed: 5 });
    const x = normal([2, 5, 4, 3]);
    layer.apply(x);
    layer.weights[1]!.value.data.set([0.3, -0.2]);
    const out = layer.apply(x);
    expect(out.shape).toEqual([2, 3, 2, 2]);
    const expected = referenceConv(
      x,
      layer.weights[0]!.value,
      layer.weights[1]!.value,
      [1, 1],
      [0, 0],
      [3, 2],
    );
    expect(out.toFloat32Array()).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-5 });
  });

  it("matches it with padding 'same' and stride 2 (TF's padding split)", () => {
    const layer = conv2d({ filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same', seed: 6 });
    const x = normal([1, 5, 6, 2]);
    const out = layer.apply(x);
    // out = ceil(5/2) × ceil(6/2) = 3 × 3; padH = (3−1)·2 + 3 − 5 = 2 → top 1; padW = (3−1)·2 + 2 − 6 = 0.
    expect(out.shape).toEqual([1, 3, 3, 2]);
    const expected = referenceConv(
      x,
      layer.weights[0]!.value,
      layer.weights[1]!.value,
      [2, 2],
      [1, 0],
      [3, 3],
    );
    expect(out.toFloat32Array()).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-5 });
  });

  it('gradCheck (input, kernel, bias) with same padding and stride 2', () => {
    const result = layerGradCheck(
      conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', seed: 7 }),
      normal([2, 4, 4, 2]),
    );
    expect(result.ok, result.summary).toBe(true);
  });

  it('names the layer and shapes for a wrong input', () => {
    const layer = conv2d({ filters: 1, kernelSize: 3, name: 'c1' });
    expect(() => layer.apply(input({ shape: [5, 5] }))).toThrow(
      /layer 'c1' \(Conv2D\): input has shape \(None, 5, 5\), expected \[batch, height, width, channels\]/,
    );
    expect(() => layer.apply(input({ shape: [2, 2, 1] }))).toThrow(/smaller than the window \[3, 3\]/);
  });
});

describe('MaxPooling2D and Flatten', () => {
  it('takes window maxima', () => {
    const x = tensor([
      [
        [[1], [5], [2], [0]],
        [[3], [4], [9], [1]],
        [[0], [0], [1], [1]],
        [[7], [0], [2], [8]],
      ],
    ]);
    const out = maxPooling2d({ poolSize: 2 }).apply(x);
    expect(out.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(out.toFloat32Array())).toEqual([5, 9, 7, 8]);
    expect(flatten().apply(out).shape).toEqual([1, 4]);
  });

  it("pads 'same' as Keras: windows past the edge take the maximum of the pixels they cover", () => {
    const x = tensor([
      [
        [[-1], [-5], [-2]],
        [[-3], [-4], [-9]],
        [[-7], [-6], [-8]],
      ],
    ]);
    const layer = maxPooling2d({ poolSize: 2, padding: 'same' });
    expect(layer.computeOutputShape([[null, 3, 3, 1]])).toEqual([[null, 2, 2, 1]]);
    // Negative values: a zero-padded window would wrongly give 0 at the edges.
    expect(Array.from(layer.apply(x).toFloat32Array())).toEqual([-1, -2, -6, -8]);
  });

  it('gradCheck (distinct values, so each window has one maximum)', () => {
    const values = random.shuffle(Array.from({ length: 2 * 4 * 4 * 2 }, (_, i) => i * 0.1)) as number[];
    const x = new Tensor(Float32Array.from(values), [2, 4, 4, 2]);
    const result = layerGradCheck(maxPooling2d({ poolSize: 2, strides: 2 }), x, false, {
      eps: 1e-3,
      rtol: 1e-2,
      atol: 1e-3,
    });
    expect(result.ok, result.summary).toBe(true);
  });
});

describe('initializers', () => {
  it('draw with the Glorot / He variances', () => {
    const r = new Random(9);
    const shape = [200, 300];
    const variance = (v: Float32Array) => v.reduce((s, x) => s + x * x, 0) / v.length;
    expect(variance(getInitializer('glorotUniform')(shape, r))).toBeCloseTo(2 / 500, 4);
    expect(variance(getInitializer('glorotNormal')(shape, r))).toBeCloseTo(2 / 500, 4);
    expect(variance(getInitializer('heNormal')(shape, r))).toBeCloseTo(2 / 200, 3);
    expect(variance(getInitializer('heUniform')(shape, r))).toBeCloseTo(2 / 200, 3);
    // conv kernel [3, 3, 4, 8]: fanIn = 36, fanOut = 72
    expect(variance(getInitializer('glorotUniform')([3, 3, 40, 80], r))).toBeCloseTo(2 / (360 + 720), 4);
  });

  it('orthogonal gives orthonormal columns for a tall matrix', () => {
    const w = getInitializer('orthogonal')([6, 3], new Random(2));
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let i = 0; i < 6; i++) dot += w[i * 3 + a]! * w[i * 3 + b]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });
});

describe('Dropout', () => {
  it('zeroes about `rate` of the inputs and scales the rest while training; identity otherwise', () => {
    const layer = dropout({ rate: 0.25 });
    const x = new Tensor(new Float32Array(4000).fill(1), [40, 100]);
    const trained = layer.apply(x, { training: true, random: new Random(5) }).toFloat32Array();
    const zeros = trained.filter((v) => v === 0).length;
    expect(zeros / 4000).toBeGreaterThan(0.22);
    expect(zeros / 4000).toBeLessThan(0.28);
    expect(trained.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Array.from(layer.apply(x).toFloat32Array()).every((v) => v === 1)).toBe(true);
  });
});
