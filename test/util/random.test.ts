import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';

describe('Random', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    const sb = Array.from({ length: 5 }, () => b.nextUint32());
    const sc = Array.from({ length: 5 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('draws uniform floats in [0, 1) with mean near 1/2 and normals with mean 0, variance 1', () => {
    const random = new Random(42);
    const n = 100_000;
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = random.next();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = random.normal();
      s1 += z;
      s2 += z * z;
    }
    expect(s1 / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
  });

  it('resumes the exact stream from a saved state', () => {
    const random = new Random(3);
    random.next();
    const state = random.getState();
    const expected = [random.nextUint32(), random.nextUint32()];
    const resumed = new Random(99);
    resumed.setState(state);
    expect([resumed.nextUint32(), resumed.nextUint32()]).toEqual(expected);
  });
});
