// Shared test setup: one closeness matcher for numbers and arrays (typed or nested).
import { expect } from 'vitest';
import { setLogger, silentLogger } from '../src/nn/logger.js';

type Numeric = number | ArrayLike<number> | Numeric[];

function flatten(value: Numeric, out: number[] = []): number[] {
  if (typeof value === 'number') out.push(value);
  else for (let i = 0; i < value.length; i++) flatten((value as ArrayLike<Numeric>)[i]!, out);
  return out;
}

expect.extend({
  /** Elementwise |a - e| <= atol + rtol * |e|; reports the worst index. */
  toBeAllClose(received: Numeric, expected: Numeric, options: { rtol?: number; atol?: number } = {}) {
    const rtol = options.rtol ?? 1e-5;
    const atol = options.atol ?? 1e-6;
    const a = flatten(received);
    const e = flatten(expected);
    if (a.length !== e.length) {
      return { pass: false, message: () => `expected ${e.length} values, received ${a.length}` };
    }
    let worst = -1;
    let worstExcess = 0;
    for (let i = 0; i < a.length; i++) {
      const diff = Math.abs(a[i]! - e[i]!);
      const excess = Number.isNaN(diff) ? Infinity : diff - (atol + rtol * Math.abs(e[i]!));
      if (excess > worstExcess || (Number.isNaN(a[i]!) !== Number.isNaN(e[i]!) && worst < 0)) {
        worst = i;
        worstExcess = excess;
      }
    }
    const pass = worst < 0;
    return {
      pass,
      message: () =>
        pass
          ? `expected arrays to differ beyond rtol=${rtol}, atol=${atol}`
          : `at index ${worst}: received ${a[worst]}, expected ${e[worst]} (rtol=${rtol}, atol=${atol})`,
    };
  },
});

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must match vitest's own declaration
  interface Matchers<T = any> {
    toBeAllClose(expected: Numeric, options?: { rtol?: number; atol?: number }): T;
  }
}

// nn's fit / evaluate print Keras-style progress by default; tests that check it set their own logger.
setLogger(silentLogger);
