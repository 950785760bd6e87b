// The fused recurrent primitives (lstmSequence, gruSequence) against the same recurrences composed from
// matmul / sigmoid / tanh ops: values and every input's gradient, plus finite-difference gradCheck.
import { describe, expect, it } from 'vitest';
import {
  add,
  gradCheck,
  gruCell,
  gruSequence,
  lstmCell,
  lstmOutputs,
  lstmSequence,
  matmul,
  mul,
  narrow,
  randn,
  reshape,
  sigmoid,
  stack,
  sub,
  sum,
  Tensor,
  tanh,
} from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

const random = new Random(77);
const normal = (shape: number[], std = 0.5) => randn(shape, random, { std });

function composedLstm(x: Tensor, h: Tensor, c: Tensor, u: Tensor): Tensor {
  const [, steps, width] = x.shape as [number, number, number];
  const units = width / 4;
  const hs: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const z = add(reshape(narrow(x, 1, t, 1), [x.shape[0]!, width]), matmul(h, u));
    const i = sigmoid(narrow(z, 1, 0, units));
    const f = sigmoid(narrow(z, 1, units, units));
    const g = tanh(narrow(z, 1, 2 * units, units));
    const o = sigmoid(narrow(z, 1, 3 * units, units));
    c = add(mul(f, c), mul(i, g));
    h = mul(o, tanh(c));
    hs.push(h);
  }
  return stack([...hs, c], 1);
}

function composedGru(x: Tensor, h: Tensor, u: Tensor, rb: Tensor): Tensor {
  const [, steps, width] = x.shape as [number, number, number];
  const units = width / 3;
  const hs: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const xt = reshape(narrow(x, 1, t, 1), [x.shape[0]!, width]);
    const hu = add(matmul(h, u), rb);
    const z = sigmoid(add(narrow(xt, 1, 0, units), narrow(hu, 1, 0, units)));
    const r = sigmoid(add(narrow(xt, 1, units, units), narrow(hu, 1, units, units)));
    const n = tanh(add(narrow(xt, 1, 2 * units, units), mul(r, narrow(hu, 1, 2 * units, units))));
    h = add(mul(z, h), mul(sub(1, z), n));
    hs.push(h);
  }
  return stack(hs, 1);
}

/** Values and gradients of fn(inputs) under a fixed random projection of the output. */
function valueAndGrads(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]) {
  const leaves = inputs.map(
    (x) => new Tensor(x.toFloat32Array(), x.shape, undefined, 0, { requiresGrad: true }),
  );
  const out = fn(...leaves);
  const r = new Random(5);
  const projection = new Tensor(
    Float32Array.from({ length: out.size }, () => r.uniform(-1, 1)),
    out.shape,
  );
  sum(mul(out, projection)).backward();
  return { value: out.toFloat32Array(), grads: leaves.map((l) => l.grad!.toFloat32Array()) };
}

describe('lstmSequence', () => {
  const batch = 3;
  const units = 4;
  const steps = 5;
  const inputs = [
    normal([batch, steps, 4 * units]),
    normal([batch, units]),
    normal([batch, units]),
    normal([units, 4 * units]),
  ];

  it('matches the composed recurrence (values and gradients of xProj, h0, c0, U)', () => {
    const fused = valueAndGrads(lstmSequence, inputs);
    const composed = valueAndGrads(composedLstm, inputs);
    expect(fused.value).toBeAllClose(composed.value, { rtol: 1e-5, atol: 1e-6 });
    fused.grads.forEach((g, i) => {
      expect(g).toBeAllClose(composed.grads[i]!, { rtol: 1e-4, atol: 1e-5 });
    });
  });

  it('passes gradCheck through 3 steps', () => {
    const small = [normal([2, 3, 8]), normal([2, 2]), normal([2, 2]), normal([2, 8])];
    const result = gradCheck(lstmSequence, small);
    expect(result.ok, result.summary).toBe(true);
  });

  it('lstmOutputs splits sequence, last h and last c; lstmCell is one step', () => {
    const packed = lstmSequence(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!);
    const { sequence, h, c } = lstmOutputs(packed);
    expect(sequence.shape).toEqual([batch, steps, units]);
    expect(h.toFloat32Array()).toBeAllClose(
      reshape(narrow(sequence, 1, steps - 1, 1), [batch, units]).toFloat32Array(),
    );
    expect(c.shape).toEqual([batch, units]);
    const first = lstmCell(
      reshape(narrow(inputs[0]!, 1, 0, 1), [batch, 4 * units]),
      inputs[1]!,
      inputs[2]!,
      inputs[3]!,
    );
    expect(first.h.toFloat32Array()).toBeAllClose(
      reshape(narrow(sequence, 1, 0, 1), [batch, units]).toFloat32Array(),
    );
  });

  it('names both shapes when the state does not fit', () => {
    expect(() => lstmSequence(inputs[0]!, normal([batch, units + 1]), inputs[2]!, inputs[3]!)).toThrow(
      /h0 has shape \[3, 5\], expected \[3, 4\]/,
    );
  });
});

describe('gruSequence', () => {
  const batch = 3;
  const units = 4;
  const steps = 5;
  const inputs = [
    normal([batch, steps, 3 * units]),
    normal([batch, units]),
    normal([units, 3 * units]),
    normal([3 * units]),
  ];

  it('matches the composed recurrence (values and gradients of xProj, h0, U, recurrent bias)', () => {
    const fused = valueAndGrads(gruSequence, inputs);
    const composed = valueAndGrads(composedGru, inputs);
    expect(fused.value).toBeAllClose(composed.value, { rtol: 1e-5, atol: 1e-6 });
    fused.grads.forEach((g, i) => {
      expect(g).toBeAllClose(composed.grads[i]!, { rtol: 1e-4, atol: 1e-5 });
    });
  });

  it('passes gradCheck through 3 steps', () => {
    const small = [normal([2, 3, 6]), normal([2, 2]), normal([2, 6]), normal([6])];
    const result = gradCheck(gruSequence, small);
    expect(result.ok, result.summary).toBe(true);
  });

  it('gruCell is one step', () => {
    const out = gruSequence(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!);
    const first = gruCell(
      reshape(narrow(inputs[0]!, 1, 0, 1), [batch, 3 * units]),
      inputs[1]!,
      inputs[2]!,
      inputs[3]!,
    );
    expect(first.toFloat32Array()).toBeAllClose(
      reshape(narrow(out, 1, 0, 1), [batch, units]).toFloat32Array(),
    );
  });
});
