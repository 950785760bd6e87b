// The worked examples in examples/ reach their stated accuracy with the default seed (each runs in
// seconds). They import 'verbo', which vitest maps to src/, so this tests the source.
import { describe, expect, it } from 'vitest';
import { runDigits } from '../../examples/digits.mjs';
import { runKeras } from '../../examples/keras.mjs';
import { runSpirals } from '../../examples/spirals.mjs';
import { runTwoTower } from '../../examples/two-tower.mjs';
import { runXor } from '../../examples/xor.mjs';

describe('worked examples', () => {
  it('XOR: a 2-layer MLP classifies all four points', async () => {
    const result = await runXor();
    expect(result.summary.accuracy).toBe(1);
    expect(result.summary.accuracy).toBeGreaterThanOrEqual(result.statedAccuracy);
    expect(result.summary.loss).toBeLessThan(0.05);
  });

  it('two spirals: Adam ≥ 95%, and the adaptive optimizers end with lower loss than plain SGD', async () => {
    const result = await runSpirals();
    const summary = result.summary as Record<string, number>;
    expect(summary.adamAccuracy).toBeGreaterThanOrEqual(result.statedAccuracy);
    expect(summary.adamFinalLoss).toBeLessThan(summary.sgdFinalLoss!);
    expect(summary.rmspropFinalLoss).toBeLessThan(summary.sgdFinalLoss!);
    expect(summary.momentumFinalLoss).toBeLessThan(summary.sgdFinalLoss!);
    expect(Object.keys(result.details.lossCurves)).toEqual(['sgd', 'momentum', 'rmsprop', 'adam']);
  });

  it('8×8 digit glyphs: a small CNN reaches ≥ 90% on held-out glyphs', async () => {
    const result = await runDigits();
    expect(result.summary.accuracy).toBeGreaterThanOrEqual(result.statedAccuracy);
    expect(result.details.report).toMatch(/weighted avg/);
  });

  it('two inputs, two outputs, shared encoder: ≥ 90% on the comparison, small regression error', async () => {
    const result = await runTwoTower();
    expect(result.summary.accuracy).toBeGreaterThanOrEqual(result.statedAccuracy);
    expect(result.summary.totalMse).toBeLessThan(0.1 * result.summary.totalVariance);
    expect(result.details.modelSummary).toMatch(
      /encoder \(Dense\)\s+\(None, 16\)\s+144\s+a\[0\]\[0\], b\[0\]\[0\]/,
    );
  });

  it('the Keras functional-API example: ≥ 80% test accuracy, ROC AUC ≥ 0.85, a consistent confusion matrix', async () => {
    const result = await runKeras({ verbose: 0 });
    // 200 held-out examples, about half of each class: a constant guess scores ~0.5 and AUC 0.5
    expect(result.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(result.auc).toBeGreaterThanOrEqual(0.85);
    const [[tn, fp], [fn, tp]] = result.matrix as [[number, number], [number, number]];
    expect(tn + fp + fn + tp).toBe(200);
    expect((tn + tp) / 200).toBeCloseTo(result.accuracy, 6);
    expect(result.history.history.loss).toHaveLength(10);
    expect(result.report).toMatch(/weighted avg/);
  });
});
