// Recurrent layers: LSTM and GRU forward against plain float64 references written here (Keras gate
// order i, f, c, o; GRU reset_after), gradCheck of every weight and the input through 3 steps for
// SimpleRNN, LSTM and GRU, returnSequences / returnState / initial state / stateful carry-over.
import { describe, expect, it } from 'vitest';
import { gru, lstm, type RNN, simpleRNN } from '../../src/nn/index.js';
import { gradCheck, randn, Tensor } from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

const random = new Random(11);
const normal = (shape: number[], std = 0.7) => randn(shape, random, { std });

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Rows of a row-major [rows, cols] Float32Array as float64 accessors. */
function at(values: Float32Array, cols: number) {
  return (r: number, c: number) => values[r * cols + c]!;
}

/** Keras LSTM in float64: returns h for every step, [batch][time][units]. */
function referenceLstm(
  x: Float32Array,
  [batch, steps, features]: [number, number, number],
  weights: Float32Array[],
  units: number,
) {
  const W = at(weights[0]!, 4 * units);
  const U = at(weights[1]!, 4 * units);
  const bias = weights[2]!;
  const out: number[][][] = [];
  for (let b = 0; b < batch; b++) {
    let h = new Array<number>(units).fill(0);
    let c = new Array<number>(units).fill(0);
    const seq: number[][] = [];
    for (let t = 0; t < steps; t++) {
      const z = new Array<number>(4 * units).fill(0);
      for (let k = 0; k < 4 * units; k++) {
        let s = bias[k]!;
        for (let d = 0; d < features; d++) s += x[(b * steps + t) * features + d]! * W(d, k);
        for (let j = 0; j < units; j++) s += h[j]! * U(j, k);
        z[k] = s;
      }
      const nextC: number[] = [];
      const nextH: number[] = [];
      for (let j = 0; j < units; j++) {
        const i = sigmoid(z[j]!);
        const f = sigmoid(z[units + j]!);
        const g = Math.tanh(z[2 * units + j]!);
        const o = sigmoid(z[3 * units + j]!);
        nextC[j] = f * c[j]! + i * g;
        nextH[j] = o * Math.tanh(nextC[j]!);
      }
      h = nextH;
      c = nextC;
      seq.push(h);
    }
    out.push(seq);
  }
  return out;
}

/** Keras GRU (reset_after = true) in float64; bias [2, 3·units] = input bias, recurrent bias. */
function referenceGru(
  x: Float32Array,
  [batch, steps, features]: [number, number, number],
  weights: Float32Array[],
  units: number,
) {
  const W = at(weights[0]!, 3 * units);
  const U = at(weights[1]!, 3 * units);
  const bias = weights[2]!;
  const out: number[][][] = [];
  for (let b = 0; b < batch; b++) {
    let h = new Array<number>(units).fill(0);
    const seq: number[][] = [];
    for (let t = 0; t < steps; t++) {
      const xw = new Array<number>(3 * units).fill(0);
      const hu = new Array<number>(3 * units).fill(0);
      for (let k = 0; k < 3 * units; k++) {
        let s = bias[k]!;
        for (let d = 0; d < features; d++) s += x[(b * steps + t) * features + d]! * W(d, k);
        xw[k] = s;
        let r = bias[3 * units + k]!;
        for (let j = 0; j < units; j++) r += h[j]! * U(j, k);
        hu[k] = r;
      }
      const next: number[] = [];
      for (let j = 0; j < units; j++) {
        const z = sigmoid(xw[j]! + hu[j]!);
        const r = sigmoid(xw[units + j]! + hu[units + j]!);
        const n = Math.tanh(xw[2 * units + j]! + r * hu[2 * units + j]!);
        next[j] = z * h[j]! + (1 - z) * n;
      }
      h = next;
      seq.push(h);
    }
    out.push(seq);
  }
  return out;
}

/** Randomises a built layer's weights (so biases are not zero) and returns them. */
function randomiseWeights(layer: RNN): Float32Array[] {
  for (const w of layer.weights) w.value.data.set(normal([w.value.size], 0.5).toFloat32Array());
  return layer.getWeights().map((w) => w.toFloat32Array());
}

/** gradCheck of a layer with respect to its input and every weight. */
function layerGradCheck(layer: RNN, x: Tensor) {
  layer.apply(x);
  const weights = layer.weights;
  const fn = (xi: Tensor, ...ws: Tensor[]) => {
    weights.forEach((w, i) => {
      w.value = ws[i]!;
    });
    return layer.apply(xi);
  };
  return gradCheck(fn, [x, ...weights.map((w) => w.value)], { eps: 1e-3, rtol: 2e-2, atol: 2e-3 });
}

describe('LSTM', () => {
  it('matches a float64 Keras-order reference (returnSequences)', () => {
    const layer = lstm({ units: 3, returnSequences: true, seed: 1 });
    const x = normal([2, 4, 5]);
    layer.apply(x);
    const weights = randomiseWeights(layer);
    expect(weights.map((w) => w.length)).toEqual([5 * 12, 3 * 12, 12]);
    const expected = referenceLstm(x.toFloat32Array(), [2, 4, 5], weights, 3);
    expect(layer.apply(x).toFloat32Array()).toBeAllClose(expected.flat(2), { rtol: 1e-5, atol: 1e-6 });
  });

  it('returns the last state and [output, h, c] with returnState', () => {
    const layer = lstm({ units: 3, returnState: true, seed: 2 });
    const x = normal([2, 4, 5]);
    const [output, h, c] = layer.applyAll(x);
    expect(output!.shape).toEqual([2, 3]);
    expect(h!.toFloat32Array()).toBeAllClose(output!.toFloat32Array());
    expect(c!.shape).toEqual([2, 3]);
  });

  it('starts its forget bias at 1 and its recurrent kernel orthogonal', () => {
    const layer = lstm({ units: 4, seed: 3 });
    layer.apply(normal([1, 2, 3]));
    expect(Array.from(layer.weights[2]!.value.toFloat32Array())).toEqual([
      0,
      0,
      0,
      0,
      1,
      1,
      1,
      1,
      ...new Array(8).fill(0),
    ]);
    // U·Uᵀ = I for a [4, 16] orthogonal matrix with orthonormal rows.
    const u = layer.weights[1]!.value.toFloat32Array();
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        let dot = 0;
        for (let k = 0; k < 16; k++) dot += u[a * 16 + k]! * u[b * 16 + k]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });

  it('gradCheck through 3 steps (input, kernel, recurrent kernel, bias)', () => {
    const result = layerGradCheck(lstm({ units: 2, returnSequences: true, seed: 4 }), normal([2, 3, 3]));
    expect(result.ok, result.summary).toBe(true);
  });

  it('takes initial states as extra inputs', () => {
    const layer = lstm({ units: 3, seed: 5 });
    const x = normal([2, 4, 5]);
    const zero = layer.apply(x).toFloat32Array();
    const h0 = normal([2, 3]);
    const c0 = normal([2, 3]);
    const withState = layer.apply([x, h0, c0]).toFloat32Array();
    expect(Array.from(withState)).not.toEqual(Array.from(zero));
    expect(() => layer.apply([x, h0])).toThrow(/got 1 initial state\(s\), expected 2/);
  });

  it('stateful: two calls of half the sequence equal one call of the whole (truncated BPTT)', () => {
    const whole = lstm({ units: 3, returnSequences: true, seed: 6 });
    const halves = lstm({ units: 3, returnSequences: true, stateful: true, seed: 6 });
    const x = normal([2, 6, 4]);
    const full = whole.apply(x).toArray() as number[][][];
    const first = halves.apply(sliceTime(x, 0, 3)).toArray() as number[][][];
    const second = halves.apply(sliceTime(x, 3, 6)).toArray() as number[][][];
    const joined = full.map((_, b) => [...first[b]!, ...second[b]!]);
    expect(joined.flat(2)).toBeAllClose(full.flat(2), { rtol: 1e-5, atol: 1e-6 });
    halves.resetStates();
    const again = halves.apply(sliceTime(x, 0, 3)).toArray() as number[][][];
    expect(again.flat(2)).toBeAllClose(first.flat(2));
    expect(() => halves.apply(sliceTime(normal([3, 6, 4]), 0, 3))).toThrow(/resetStates/);
  });
});

describe('GRU', () => {
  it('matches a float64 reference (reset_after, bias [2, 3·units])', () => {
    const layer = gru({ units: 3, returnSequences: true, seed: 7 });
    const x = normal([2, 4, 5]);
    layer.apply(x);
    const weights = randomiseWeights(layer);
    expect(layer.weights[2]!.value.shape).toEqual([2, 9]);
    const expected = referenceGru(x.toFloat32Array(), [2, 4, 5], weights, 3);
    expect(layer.apply(x).toFloat32Array()).toBeAllClose(expected.flat(2), { rtol: 1e-5, atol: 1e-6 });
  });

  it('gradCheck through 3 steps (input, kernel, recurrent kernel, bias)', () => {
    const result = layerGradCheck(gru({ units: 2, returnSequences: true, seed: 8 }), normal([2, 3, 3]));
    expect(result.ok, result.summary).toBe(true);
  });

  it('returnState gives [output, h]', () => {
    const outs = gru({ units: 3, returnState: true, seed: 9 }).applyAll(normal([2, 4, 5]));
    expect(outs.map((o) => o.shape)).toEqual([
      [2, 3],
      [2, 3],
    ]);
  });
});

describe('SimpleRNN', () => {
  it('matches h_t = tanh(x·W + h·U + b)', () => {
    const layer = simpleRNN({ units: 2, returnSequences: true, seed: 10 });
    const x = normal([1, 3, 2]);
    layer.apply(x);
    const [W, U, b] = randomiseWeights(layer);
    const xs = x.toFloat32Array();
    let h = [0, 0];
    const expected: number[] = [];
    for (let t = 0; t < 3; t++) {
      h = [0, 1].map((j) =>
        Math.tanh(
          b![j]! + xs[t * 2]! * W![j]! + xs[t * 2 + 1]! * W![2 + j]! + h[0]! * U![j]! + h[1]! * U![2 + j]!,
        ),
      );
      expected.push(...h);
    }
    expect(layer.apply(x).toFloat32Array()).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-6 });
  });

  it('gradCheck through 3 steps', () => {
    const result = layerGradCheck(simpleRNN({ units: 2, seed: 12 }), normal([2, 3, 3]));
    expect(result.ok, result.summary).toBe(true);
  });

  it('names the layer and both shapes for a wrong input', () => {
    const layer = simpleRNN({ units: 2, name: 'rnn_a', seed: 13 });
    layer.apply(normal([1, 3, 2]));
    expect(() => layer.apply(normal([1, 3, 4]))).toThrow(
      /layer 'rnn_a' \(SimpleRNN\): input has shape \(1, 3, 4\), expected \[batch, time, 2\]/,
    );
  });
});

function sliceTime(x: Tensor, start: number, end: number): Tensor {
  const [batch, , features] = x.shape as [number, number, number];
  const steps = x.shape[1]!;
  const values = x.toFloat32Array();
  const out = new Float32Array(batch * (end - start) * features);
  for (let b = 0; b < batch; b++) {
    out.set(
      values.subarray((b * steps + start) * features, (b * steps + end) * features),
      b * (end - start) * features,
    );
  }
  return new Tensor(out, [batch, end - start, features]);
}
