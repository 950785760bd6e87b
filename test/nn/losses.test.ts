// Losses against values computed by hand in the test (float64 formulas), their string aliases, and
// shape errors.
import { describe, expect, it } from 'vitest';
import {
  binaryCrossEntropy,
  categoricalCrossEntropy,
  getLoss,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossEntropy,
} from '../../src/nn/index.js';
import { gradCheck, tensor } from '../../src/tensor/index.js';

const yTrue = tensor([
  [1, 0],
  [0, 1],
]);

describe('losses', () => {
  it('mse and mae', () => {
    const yPred = tensor([
      [0.5, 1],
      [2, -1],
    ]);
    // squared errors 0.25, 1, 4, 4 → 9.25 / 4; absolute 0.5, 1, 2, 2 → 5.5 / 4
    expect(meanSquaredError(yTrue, yPred).item()).toBeCloseTo(9.25 / 4, 6);
    expect(meanAbsoluteError(yTrue, yPred).item()).toBeCloseTo(5.5 / 4, 6);
    expect(getLoss('mse')(yTrue, yPred).item()).toBeCloseTo(9.25 / 4, 6);
    expect(getLoss('mae')(yTrue, yPred).item()).toBeCloseTo(5.5 / 4, 6);
  });

  it('binary cross-entropy from probabilities (clipped) and from logits', () => {
    const p = [0.9, 0.2, 0.3, 1];
    const t = [1, 0, 0, 1];
    const expected =
      -t.reduce((s, ti, i) => {
        const pi = Math.min(Math.max(p[i]!, 1e-7), 1 - 1e-7);
        return s + ti * Math.log(pi) + (1 - ti) * Math.log(1 - pi);
      }, 0) / 4;
    const probs = tensor([p]);
    const targets = tensor([t]);
    expect(binaryCrossEntropy(targets, probs).item()).toBeCloseTo(expected, 5);
    expect(getLoss('binaryCrossentropy')(targets, probs).item()).toBeCloseTo(expected, 5);
    const z = [2, -1, 30, -40];
    // −log σ(z) = log(1 + e^−z) for a positive target, −log(1 − σ(z)) = log(1 + e^z) for a negative one.
    const fromLogits = z.reduce((sum, zi, i) => sum + Math.log1p(Math.exp(t[i] === 1 ? -zi : zi)), 0) / 4;
    expect(binaryCrossEntropy(targets, tensor([z]), { fromLogits: true }).item()).toBeCloseTo(fromLogits, 4);
  });

  it('categorical cross-entropy from logits and from probabilities', () => {
    const logits = [
      [1, 2, 0.5],
      [0, -1, 3],
    ];
    const targets = [
      [0, 1, 0],
      [0.5, 0, 0.5],
    ];
    const expected =
      logits.reduce((s, row, r) => {
        const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
        return s - row.reduce((a, v, c) => a + targets[r]![c]! * (v - lse), 0);
      }, 0) / 2;
    expect(categoricalCrossEntropy(tensor(targets), tensor(logits)).item()).toBeCloseTo(expected, 5);
    expect(getLoss('categoricalCrossentropy')(tensor(targets), tensor(logits)).item()).toBeCloseTo(
      expected,
      5,
    );
    const probs = [
      [0.2, 0.7, 0.1],
      [0.5, 0.25, 0.25],
    ];
    const fromProbs = -(Math.log(0.7) + 0.5 * Math.log(0.5) + 0.5 * Math.log(0.25)) / 2;
    expect(categoricalCrossEntropy(tensor(targets), tensor(probs), { fromLogits: false }).item()).toBeCloseTo(
      fromProbs,
      5,
    );
  });

  it('sparse categorical cross-entropy (integer targets, fused op; also [batch, time] targets)', () => {
    const logits = [
      [1, 2, 0.5],
      [0, -1, 3],
    ];
    const expected =
      logits.reduce(
        (s, row, r) => s + Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[[1, 2][r]!]!,
        0,
      ) / 2;
    expect(sparseCategoricalCrossEntropy(tensor([1, 2]), tensor(logits)).item()).toBeCloseTo(expected, 5);
    expect(sparseCategoricalCrossEntropy(tensor([[1], [2]]), tensor(logits)).item()).toBeCloseTo(expected, 5);
    expect(getLoss('sparseCategoricalCrossentropy')(tensor([[1, 2]]), tensor([logits])).item()).toBeCloseTo(
      expected,
      5,
    );
    const probs = [
      [0.2, 0.7, 0.1],
      [0.5, 0.25, 0.25],
    ];
    expect(
      sparseCategoricalCrossEntropy(tensor([1, 0]), tensor(probs), { fromLogits: false }).item(),
    ).toBeCloseTo(-(Math.log(0.7) + Math.log(0.5)) / 2, 5);
  });

  it('have gradients (gradCheck on the probability forms)', () => {
    const t = tensor([[1, 0, 1]]);
    const result = gradCheck((p) => binaryCrossEntropy(t, p), [tensor([[0.3, 0.6, 0.8]])]);
    expect(result.ok, result.summary).toBe(true);
    const logitsCheck = gradCheck(
      (z) => binaryCrossEntropy(t, z, { fromLogits: true }),
      [tensor([[0.3, -1.2, 2]])],
    );
    expect(logitsCheck.ok, logitsCheck.summary).toBe(true);
  });

  it('say which shapes disagree', () => {
    expect(() => meanSquaredError(tensor([[1, 2]]), tensor([[1, 2, 3]]))).toThrow(
      /targets \(1, 2\) and predictions \(1, 3\)/,
    );
    expect(() => sparseCategoricalCrossEntropy(tensor([1, 2, 0]), tensor([[1, 2]]))).toThrow(
      /targets \(3,\) should be \(1,\)/,
    );
    expect(() => sparseCategoricalCrossEntropy(tensor([5]), tensor([[1, 2]]))).toThrow(
      /target 5 at row 0 is not a class id/,
    );
    expect(() => getLoss('hinge' as never)).toThrow(/unknown loss 'hinge'/);
  });
});
