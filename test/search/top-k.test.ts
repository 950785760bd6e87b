// The bounded top-k heap against a full sort (ties toward the lower index), and the edit-distance bound.
import { describe, expect, it } from 'vitest';
import { boundedEditDistance } from '../../src/search/index.js';
import { TopK } from '../../src/search/top-k.js';
import { Random } from '../../src/util/random.js';

describe('TopK', () => {
  it('keeps the k best of a stream, best first, ties toward the lower index', () => {
    const random = new Random(9);
    for (const [n, k] of [
      [1000, 10],
      [50, 50],
      [20, 100],
      [300, 1],
      [10, 0],
    ] as const) {
      const scores = Array.from({ length: n }, () => random.int(40) / 8); // many ties
      const top = new TopK(k);
      for (const [index, score] of scores.entries()) top.push(index, score);
      const expected = scores
        .map((score, index) => ({ index, score }))
        .sort((a, b) => b.score - a.score || a.index - b.index)
        .slice(0, k);
      expect(top.sorted()).toEqual(expected);
    }
  });
});

describe('boundedEditDistance', () => {
  const rows: [string, string, number, number][] = [
    ['kitten', 'sitting', 3, 3],
    ['kitten', 'sitting', 2, 3], // beyond the limit: limit + 1
    ['house', 'hous', 2, 1],
    ['ação', 'acao', 2, 2],
    ['', 'abc', 5, 3],
    ['same', 'same', 0, 0],
  ];
  for (const [a, b, limit, expected] of rows) {
    it(`${a} → ${b} (limit ${limit}) = ${expected}`, () =>
      expect(boundedEditDistance(a, b, limit)).toBe(expected));
  }
});
