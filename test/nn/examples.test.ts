// The worked examples reach their stated accuracy with the default seed (each runs in seconds).
import { describe, expect, it } from 'vitest';
import { runDigits, runSpirals, runTwoTower, runXor } from '../../src/nn/index.js';

describe('worked examples', () => {
  it('XOR: a 2-layer MLP classifies all four points', async () => {
    const result = await runXor();
    expect(result.summary.accuracy).toBe(1);
    expect(result.summary.accuracy).toBeGreaterThanOrEqual(result.statedAccuracy);
    expect(result.summary.loss).toBeLessThan(0.05);
  });

  it('two spirals: Adam ≥ 95%, and the adaptive optimizers end with lower loss than plain SGD', async () => {
    const result = await runSpirals();
    expect(result.summary.adamAccuracy).toBeGreaterThanOrEqual(result.statedAccuracy);
    expect(result.summary.adamFinalLoss).toBeLessThan(result.summary.sgdFinalLoss!);
    expect(result.summary.rmspropFinalLoss).toBeLessThan(result.summary.sgdFinalLoss!);
    expect(result.summary.momentumFinalLoss).toBeLessThan(result.summary.sgdFinalLoss!);
    const curves = result.details.lossCurves as Record<string, number[]>;
    expect(Object.keys(curves)).toEqual(['sgd', 'momentum', 'rmsprop', 'adam']);
  });

  it('8×8 digit glyphs: a small CNN reaches ≥ 90% on held-out glyphs', async () => {
    const result = await runDigits();
    expect(result.summary.accuracy).toBeGreaterThanOrEqual(result.statedAccuracy);
    expect(result.details.report).toMatch(/weighted avg/);
  });

  it('two inputs, two outputs, shared encoder: ≥ 90% on the comparison, small regression error', async () => {
    const result = await runTwoTower();
    expect(result.summary.accuracy).toBeGreaterThanOrEqual(result.statedAccuracy);
    expect(result.summary.totalMse).toBeLessThan(0.1 * result.summary.totalVariance!);
    expect(result.details.modelSummary).toMatch(
      /encoder \(Dense\)\s+\[null, 16\]\s+144\s+a\[0\]\[0\], b\[0\]\[0\]/,
    );
  });
});
