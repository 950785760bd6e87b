// SVG writers: well-formed documents, escaped text, one circle per word, curve points at the given values.
import { describe, expect, it } from 'vitest';
import {
  curvesSvg,
  escapeXml,
  historySeries,
  type MapResponse,
  mapSvg,
  niceTicks,
} from '../../src/web/index.js';
import { checkWellFormed } from './xml.js';

const map: MapResponse = {
  words: ['a<b', 'c&d', 'e"f', 'plain'],
  points: [
    [0, 0],
    [1, 2],
    [-1, 0.5],
    [3, -2],
  ],
  counts: null,
  method: 'pca',
  explainedRatio: [0.6, 0.3],
};

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('mapSvg', () => {
  it('is well-formed, with one titled circle per word inside the canvas', () => {
    const svg = mapSvg(map, { title: 'T <1>', width: 400, height: 300 });
    expect(checkWellFormed(svg)).toEqual([]);
    const circles = [
      ...svg.matchAll(/<circle cx="([-\d.]+)" cy="([-\d.]+)" r="[\d.]+"><title>([^<]*)<\/title>/g),
    ];
    expect(circles.map((c) => c[3])).toEqual(['a&lt;b', 'c&amp;d', 'e&quot;f', 'plain']);
    for (const [, cx, cy] of circles) {
      expect(Number(cx)).toBeGreaterThanOrEqual(0);
      expect(Number(cx)).toBeLessThanOrEqual(400);
      expect(Number(cy)).toBeGreaterThanOrEqual(0);
      expect(Number(cy)).toBeLessThanOrEqual(300);
    }
    // y grows upward on the map: the point with the largest y is drawn highest.
    const ys = circles.map((c) => Number(c[2]));
    expect(ys[1]).toBe(Math.min(...ys));
    expect(ys[3]).toBe(Math.max(...ys));
    expect(svg).toContain('PC1 60.0%, PC2 30.0%');
  });
});

describe('curvesSvg', () => {
  it('draws each series with its points in order and marks the values', () => {
    const svg = curvesSvg(
      [
        {
          name: 'train',
          points: [
            [1, 5],
            [2, 3],
            [3, 2.5],
          ],
        },
        {
          name: 'valid',
          points: [
            [1, 6],
            [3, 4],
          ],
        },
      ],
      { title: 'loss', xLabel: 'epoch' },
    );
    expect(checkWellFormed(svg)).toEqual([]);
    const marked = [...svg.matchAll(/data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(marked).toEqual([
      [1, 5],
      [2, 3],
      [3, 2.5],
      [1, 6],
      [3, 4],
    ]);
    expect([...svg.matchAll(/class="series" data-name="(\w+)"/g)].map((m) => m[1])).toEqual([
      'train',
      'valid',
    ]);
  });
  it('says so when there is no history', () => {
    const svg = curvesSvg([{ name: 'loss', points: [] }], { title: 'loss' });
    expect(checkWellFormed(svg)).toEqual([]);
    expect(svg).toContain('no training history recorded');
  });
});

describe('niceTicks and historySeries', () => {
  it.each([
    [0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [2.3, 7.9, 5, [3, 4, 5, 6, 7]],
    [1, 3, 2, [1, 2, 3]],
  ])('ticks over [%f, %f]', (low, high, count, expected) => {
    expect(niceTicks(low, high, count)).toEqual(expected);
  });
  it('reads a field per epoch and skips records without it', () => {
    expect(historySeries([{ epoch: 1, loss: 2 }, { epoch: 2 }, { epoch: 3, loss: 1.5 }], 'loss')).toEqual([
      [1, 2],
      [3, 1.5],
    ]);
    expect(historySeries([{ loss: 4 }, { loss: 3 }], 'loss')).toEqual([
      [1, 4],
      [2, 3],
    ]);
  });
});
