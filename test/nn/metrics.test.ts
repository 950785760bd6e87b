// Metrics against counts done by hand: accuracies, confusion matrix, precision / recall / F1 and the
// report's layout, ROC AUC by brute-force pair counting (ties one half).
import { describe, expect, it } from 'vitest';
import {
  binaryAccuracy,
  categoricalAccuracy,
  classificationReport,
  confusionMatrix,
  precisionRecallF1,
  rocAuc,
  sparseCategoricalAccuracy,
  sparseTopKCategoricalAccuracy,
} from '../../src/nn/index.js';
import { tensor } from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

describe('accuracies', () => {
  it('binary, categorical, sparse and sparse top-k', () => {
    expect(binaryAccuracy([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1])).toBe(0.5);
    expect(binaryAccuracy([1, 0], [2.5, -1], 0)).toBe(1);
    const scores = tensor([
      [0.1, 0.7, 0.2],
      [0.5, 0.3, 0.2],
      [0.2, 0.3, 0.5],
      [0.4, 0.35, 0.25],
    ]);
    expect(
      categoricalAccuracy(
        tensor([
          [0, 1, 0],
          [1, 0, 0],
          [1, 0, 0],
          [0, 0, 1],
        ]),
        scores,
      ),
    ).toBe(0.5);
    expect(sparseCategoricalAccuracy([1, 0, 0, 2], scores)).toBe(0.5);
    // top-2: row 2 (target 0 is third) misses, row 3 (target 2 is third) misses
    expect(sparseTopKCategoricalAccuracy([1, 0, 0, 2], scores, 2)).toBe(0.5);
    expect(sparseTopKCategoricalAccuracy([1, 0, 1, 1], scores, 2)).toBe(1);
  });
});

describe('confusion matrix and per-class scores', () => {
  const truth = [0, 0, 0, 1, 1, 2, 2, 2, 2];
  const predicted = [0, 1, 0, 1, 1, 2, 0, 2, 1];

  it('counts truth by row, prediction by column', () => {
    expect(confusionMatrix(truth, predicted)).toEqual([
      [2, 1, 0],
      [0, 2, 0],
      [1, 1, 2],
    ]);
  });

  it('precision, recall, F1, averages', () => {
    const s = precisionRecallF1(truth, predicted);
    // class 0: tp 2, predicted 3, support 3; class 1: tp 2, predicted 4, support 2; class 2: tp 2, predicted 2, support 4
    const expected = [
      [2 / 3, 2 / 3],
      [2 / 4, 1],
      [1, 2 / 4],
    ];
    s.perClass.forEach((c, k) => {
      expect(c.precision).toBeCloseTo(expected[k]![0]!, 10);
      expect(c.recall).toBeCloseTo(expected[k]![1]!, 10);
      expect(c.f1).toBeCloseTo(
        (2 * expected[k]![0]! * expected[k]![1]!) / (expected[k]![0]! + expected[k]![1]!),
        10,
      );
    });
    expect(s.accuracy).toBeCloseTo(6 / 9, 10);
    expect(s.macro.recall).toBeCloseTo((2 / 3 + 1 + 0.5) / 3, 10);
    expect(s.weighted.recall).toBeCloseTo((3 * (2 / 3) + 2 * 1 + 4 * 0.5) / 9, 10);
  });

  it('prints a scikit-learn style report', () => {
    const report = classificationReport(truth, predicted, { labels: ['cat', 'dog', 'bird'] });
    const lines = report.split('\n');
    expect(lines[0]).toMatch(/^\s+precision\s+recall\s+f1-score\s+support$/);
    expect(lines[2]).toMatch(/^\s+cat\s+0\.67\s+0\.67\s+0\.67\s+3$/);
    expect(lines[3]).toMatch(/^\s+dog\s+0\.50\s+1\.00\s+0\.67\s+2$/);
    expect(report).toMatch(/\n\s+accuracy\s+0\.67\s+9\n/);
    expect(report).toMatch(/\n\s+macro avg\s+0\.72\s+0\.72\s+0\.67\s+9\n/);
  });
});

describe('rocAuc', () => {
  it('equals the fraction of positive–negative pairs ranked right, ties one half', () => {
    const random = new Random(4);
    for (let trial = 0; trial < 5; trial++) {
      const labels = Array.from({ length: 40 }, (_, i) => (i < 3 ? i % 2 : random.int(2)));
      const scores = Array.from({ length: 40 }, () => Math.round(random.uniform(0, 5)) / 5); // many ties
      let pairs = 0;
      let wins = 0;
      for (let i = 0; i < 40; i++) {
        for (let j = 0; j < 40; j++) {
          if (labels[i] !== 1 || labels[j] !== 0) continue;
          pairs++;
          wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
      }
      expect(rocAuc(labels, scores)).toBeCloseTo(wins / pairs, 12);
    }
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(/needs both classes/);
  });
});
