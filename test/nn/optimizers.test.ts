// One or two steps of every optimizer against values computed by hand here from the published
// update rules (Keras defaults), gradient clipping by global norm and by value, and the schedules.
import { describe, expect, it } from 'vitest';
import {
  Adagrad,
  Adam,
  AdamW,
  clipByGlobalNorm,
  exponentialDecay,
  linearDecay,
  RMSprop,
  SGD,
  stepDecay,
} from '../../src/nn/index.js';
import { gather, linearSparseSoftmaxCrossEntropy, reshape, Tensor } from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

const start = [1, -2, 0.5];
const gradients = [
  [0.1, -0.4, 2],
  [0.3, 0.2, -1],
];

/** Runs `steps` updates with the fixed gradients and returns the parameter values. */
function run(optimizer: { step(p: Tensor[]): void }, steps = 2): number[] {
  const param = new Tensor(Float32Array.from(start), [3], undefined, 0, { requiresGrad: true });
  for (let s = 0; s < steps; s++) {
    param.grad = new Tensor(Float32Array.from(gradients[s]!), [3]);
    optimizer.step([param]);
    expect(param.grad).toBe(null);
  }
  return Array.from(param.data);
}

/** The same updates in float64 with a per-coordinate rule. */
function reference(
  update: (p: number, g: number, state: number[], step: number) => number,
  steps = 2,
): number[] {
  return start.map((p0, i) => {
    let p = p0;
    const state: number[] = [0, 0];
    for (let s = 0; s < steps; s++) p = update(p, gradients[s]![i]!, state, s + 1);
    return p;
  });
}

describe('optimizers: two steps against the update rules', () => {
  it('SGD', () => {
    expect(run(new SGD({ learningRate: 0.1 }))).toBeAllClose(
      reference((p, g) => p - 0.1 * g),
      { rtol: 1e-6 },
    );
  });

  it('SGD with momentum, and Nesterov', () => {
    const momentum = (nesterov: boolean) =>
      reference((p, g, s) => {
        s[0] = 0.9 * s[0]! - 0.1 * g;
        return nesterov ? p + 0.9 * s[0]! - 0.1 * g : p + s[0]!;
      });
    expect(run(new SGD({ learningRate: 0.1, momentum: 0.9 }))).toBeAllClose(momentum(false), { rtol: 1e-6 });
    expect(run(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }))).toBeAllClose(momentum(true), {
      rtol: 1e-6,
    });
  });

  it('AdaGrad (accumulator starts at 0.1)', () => {
    const expected = reference((p, g, s) => {
      if (s[1] === 0) {
        s[0] = 0.1;
        s[1] = 1;
      }
      s[0]! += g * g;
      return p - (0.5 * g) / (Math.sqrt(s[0]!) + 1e-7);
    });
    expect(run(new Adagrad({ learningRate: 0.5 }))).toBeAllClose(expected, { rtol: 1e-5 });
  });

  it('RMSprop', () => {
    const expected = reference((p, g, s) => {
      s[0] = 0.9 * s[0]! + 0.1 * g * g;
      return p - (0.01 * g) / (Math.sqrt(s[0]!) + 1e-7);
    });
    expect(run(new RMSprop({ learningRate: 0.01 }))).toBeAllClose(expected, { rtol: 1e-5 });
  });

  it('Adam (bias-corrected) and AdamW (decoupled decay)', () => {
    const adamRule = (decay: number) =>
      reference((p, g, s, t) => {
        s[0] = 0.9 * s[0]! + 0.1 * g;
        s[1] = 0.999 * s[1]! + 0.001 * g * g;
        const mHat = s[0]! / (1 - 0.9 ** t);
        const vHat = s[1]! / (1 - 0.999 ** t);
        const decayed = p - 0.01 * decay * p;
        return decayed - (0.01 * mHat) / (Math.sqrt(vHat) + 1e-7);
      });
    expect(run(new Adam({ learningRate: 0.01 }))).toBeAllClose(adamRule(0), { rtol: 1e-5 });
    expect(run(new AdamW({ learningRate: 0.01, weightDecay: 0.1 }))).toBeAllClose(adamRule(0.1), {
      rtol: 1e-5,
    });
  });

  it('refuses a NaN gradient without touching the parameters', () => {
    const param = new Tensor(Float32Array.from(start), [3], undefined, 0, { requiresGrad: true });
    param.grad = new Tensor(Float32Array.of(0, Number.NaN, 1), [3]);
    expect(() => new SGD().step([param])).toThrow(/NaN or infinite/);
    expect(Array.from(param.data)).toEqual(Array.from(Float32Array.from(start)));
  });
});

describe('gradient clipping', () => {
  it('by global norm rescales all gradients together', () => {
    const a = Float32Array.of(3, 0);
    const b = Float32Array.of(0, 4);
    expect(clipByGlobalNorm([a, b], 1)).toBeCloseTo(5, 6);
    expect(Array.from(a)).toBeAllClose([0.6, 0], { atol: 1e-6 });
    expect(Array.from(b)).toBeAllClose([0, 0.8], { atol: 1e-6 });
  });

  it('clipNorm and clipValue inside a step', () => {
    // gradient (0.1, −0.4, 2) has norm √4.17; with clipNorm 1 it is divided by that norm.
    const norm = Math.sqrt(0.01 + 0.16 + 4);
    expect(run(new SGD({ learningRate: 1, clipNorm: 1 }), 1)).toBeAllClose(
      start.map((p, i) => p - gradients[0]![i]! / norm),
      { rtol: 1e-5 },
    );
    // Two steps each: clipping every step (norms √4.17 and √1.14 are both above 1). SGD folds the
    // factor into its learning rate, momentum SGD too (its update is linear in lr·g); Adam scales
    // the gradients themselves, which after bias correction leaves a uniformly scaled gradient's
    // first step unchanged.
    const factors = gradients.map((g) => 1 / (Math.hypot(...g) + 1e-6));
    const clipped = gradients.map((g, s) => g.map((x) => x * factors[s]!));
    const velocity = [0, 0, 0];
    const momentumExpected = start.map((p, i) => {
      let value = p;
      for (let s = 0; s < 2; s++) {
        velocity[i] = 0.9 * velocity[i]! - 0.1 * clipped[s]![i]!;
        value += velocity[i]!;
      }
      return value;
    });
    expect(run(new SGD({ learningRate: 0.1, momentum: 0.9, clipNorm: 1 }))).toBeAllClose(momentumExpected, {
      rtol: 1e-5,
    });
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    const adamExpected = start.map((p, i) => {
      let value = p;
      for (let s = 0; s < 2; s++) {
        const g = clipped[s]![i]!;
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = 0.999 * v[i]! + 0.001 * g * g;
        const mHat = m[i]! / (1 - 0.9 ** (s + 1));
        const vHat = v[i]! / (1 - 0.999 ** (s + 1));
        value -= (0.01 * mHat) / (Math.sqrt(vHat) + 1e-7);
      }
      return value;
    });
    expect(run(new Adam({ learningRate: 0.01, clipNorm: 1 }))).toBeAllClose(adamExpected, { rtol: 1e-4 });
    expect(run(new SGD({ learningRate: 1, clipValue: 0.2 }), 1)).toBeAllClose(
      [1 - 0.1, -2 + 0.2, 0.5 - 0.2],
      { rtol: 1e-6 },
    );
  });
});

describe('learning-rate schedules', () => {
  it('step, exponential (smooth and staircase) and linear decay', () => {
    const step = stepDecay({ initialLearningRate: 1, dropEvery: 10, factor: 0.5 });
    expect([0, 9, 10, 25].map(step)).toEqual([1, 1, 0.5, 0.25]);
    const smooth = exponentialDecay({ initialLearningRate: 2, decaySteps: 4, decayRate: 0.5 });
    expect(smooth(2)).toBeCloseTo(2 * 0.5 ** 0.5, 10);
    const stairs = exponentialDecay({
      initialLearningRate: 2,
      decaySteps: 4,
      decayRate: 0.5,
      staircase: true,
    });
    expect([3, 4, 9].map(stairs)).toEqual([2, 1, 0.5]);
    const linear = linearDecay({ initialLearningRate: 1, finalLearningRate: 0.1, decaySteps: 10 });
    expect([0, 5, 10, 20].map(linear)).toBeAllClose([1, 0.55, 0.1, 0.1]);
  });

  it('an optimizer reads its schedule at each step', () => {
    const optimizer = new SGD({
      learningRate: stepDecay({ initialLearningRate: 1, dropEvery: 1, factor: 0.5 }),
    });
    // p = 1 − 1·0.1 − 0.5·0.3 = 0.75 for the first coordinate
    expect(run(optimizer)[0]).toBeCloseTo(0.75, 6);
  });
});

describe('recycleGradients', () => {
  // An embedding (gather) feeding the fused output layer + loss, as a language model's step: both
  // weights' gradients come from ops that accumulate in place, so recycled buffers are reused.
  const vocab = 7;
  const dim = 3;
  const ids = Int32Array.of(1, 4, 4, 6, 0);
  const targets = Int32Array.of(2, 2, 5, 0, 3);
  function train(recycle: boolean, steps: number): { params: Tensor[]; buffers: ArrayBufferLike[][] } {
    const random = new Random(5);
    const weight = (shape: number[]) =>
      new Tensor(
        Float32Array.from({ length: shape[0]! * shape[1]! }, () => random.uniform(-0.5, 0.5)),
        shape,
        undefined,
        0,
        { requiresGrad: true },
      );
    const params = [weight([vocab, dim]), weight([dim, vocab]), weight([1, vocab])];
    const [embedding, output, bias] = params as [Tensor, Tensor, Tensor];
    const optimizer = new SGD({ learningRate: 0.5, clipNorm: 1, recycleGradients: recycle });
    const buffers: ArrayBufferLike[][] = [];
    for (let s = 0; s < steps; s++) {
      const hidden = gather(embedding, ids);
      linearSparseSoftmaxCrossEntropy(hidden, output, reshape(bias, [vocab]), targets).backward();
      buffers.push(params.map((p) => p.grad!.data.buffer));
      optimizer.step(params);
    }
    return { params, buffers };
  }

  it('gives the same weights as fresh gradients, reusing the gradient buffers from the second step', () => {
    const plain = train(false, 4);
    const recycled = train(true, 4);
    plain.params.forEach((p, i) => {
      expect(Array.from(recycled.params[i]!.data)).toEqual(Array.from(p.data));
    });
    // The embedding's and the output kernel's buffers come back (the bias goes through a reshape).
    for (let s = 1; s < 4; s++) {
      expect(recycled.buffers[s]![0]).toBe(recycled.buffers[s - 1]![0]);
      expect(recycled.buffers[s]![1]).toBe(recycled.buffers[s - 1]![1]);
      expect(plain.buffers[s]![0]).not.toBe(plain.buffers[s - 1]![0]);
    }
  });
});
