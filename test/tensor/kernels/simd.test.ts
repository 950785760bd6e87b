// The WebAssembly SIMD exp / tanh / sigmoid / relu and row log-sum-exp against the plain loops they
// replace (run with the SIMD kernels switched off), on seeded values plus the awkward ones: ±0, ±∞, NaN,
// the edges of float32 exp's range, and lengths that are not whole vectors or cross a copy block.
import { afterEach, describe, expect, it } from 'vitest';
import { activation } from '../../../src/tensor/kernels/activations.js';
import { unary } from '../../../src/tensor/kernels/elementwise.js';
import {
  overrideSimdKernels,
  SIMD_MIN_LENGTH,
  sparseCrossEntropyBackwardSimd,
  unarySimd,
  logSumExpRowsSimd,
} from '../../../src/tensor/kernels/simd.js';
import { logSumExpRows, sparseCrossEntropyBackward } from '../../../src/tensor/kernels/softmax.js';
import { Random } from '../../../src/util/random.js';
import { wasmAvailable } from '../../../src/util/wasm.js';

const haveWasm = wasmAvailable('tensor-simd');
if (!haveWasm)
  console.warn(
    'SKIPPING WebAssembly SIMD elementwise tests: dist/wasm/tensor-simd.wasm is missing; run `npm run build`',
  );

const special = [
  0,
  -0,
  1e-6,
  -1e-6,
  0.5,
  -0.62,
  0.63,
  20,
  -20,
  88.5,
  88.8,
  -87,
  -103,
  -104.5,
  1e4,
  -1e4,
  Infinity,
  -Infinity,
  Number.NaN,
];

function inputs(random: Random, length: number, scale: number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = i < special.length ? special[i]! : random.normal(0, scale);
  return values;
}

function plain<T>(run: () => T): T {
  overrideSimdKernels(false);
  try {
    return run();
  } finally {
    overrideSimdKernels(undefined);
  }
}

/** Non-finite expectations must match exactly (NaN to NaN, ±∞ to ±∞); finite ones within about one ulp. */
function expectClose(received: Float32Array, expected: Float32Array, rtol = 3e-7, atol = 1e-37): void {
  expect(received.length).toBe(expected.length);
  const finiteReceived: number[] = [];
  const finiteExpected: number[] = [];
  for (let i = 0; i < expected.length; i++) {
    if (Number.isFinite(expected[i]!)) {
      finiteReceived.push(received[i]!);
      finiteExpected.push(expected[i]!);
    } else {
      expect(received[i], `index ${i}`).toBe(expected[i]);
    }
  }
  // Subnormal results of exp get an absolute allowance.
  expect(finiteReceived).toBeAllClose(finiteExpected, { rtol, atol });
}

const lengths = [1, 3, 17, 129, 4096 + 5, 10_000];

describe('SIMD activations', () => {
  afterEach(() => overrideSimdKernels(undefined));

  for (const op of ['exp', 'tanh', 'sigmoid', 'relu'] as const) {
    it.skipIf(!haveWasm)(`${op} matches the plain loop`, () => {
      const random = new Random(op.length);
      for (const length of lengths) {
        const x = inputs(random, length + 2, 4);
        const expected = new Float32Array(length);
        const received = new Float32Array(length + 1).fill(7);
        const plainRun = (out: Float32Array, offset: number) =>
          op === 'exp' ? unary('exp', x, 2, out, offset, length) : activation(op, x, 2, out, offset, length);
        plain(() => plainRun(expected, 0));
        expect(unarySimd(op, x, 2, received, 1, length)).toBe(true);
        expectClose(received.subarray(1), expected);
        expect(received[0]).toBe(7);
        // The kernel files route long runs here; their result must be the same.
        const routed = new Float32Array(length);
        plainRun(routed, 0);
        expectClose(routed, expected);
      }
    });
  }

  it.skipIf(!haveWasm)('works in place', () => {
    const x = inputs(new Random(2), 300, 3);
    const expected = new Float32Array(300);
    plain(() => activation('tanh', x, 0, expected, 0, 300));
    unarySimd('tanh', x, 0, x, 0, 300);
    expectClose(x, expected);
  });
});

describe('SIMD row log-sum-exp', () => {
  it.skipIf(!haveWasm)('matches the plain loop, including rows with ±∞ and NaN', () => {
    const random = new Random(9);
    for (const cols of [SIMD_MIN_LENGTH, 67, 1000, 10_001]) {
      const rows = 4;
      const x = new Float32Array(rows * cols + 3);
      for (let i = 0; i < x.length; i++) x[i] = random.normal(0, 10);
      x[3 + 1 * cols + 5] = Infinity;
      x[3 + 2 * cols] = Number.NaN;
      for (let c = 0; c < cols; c++) x[3 + 3 * cols + c] = -Infinity;
      const expected = new Float64Array(rows);
      plain(() => logSumExpRows(x, 3, rows, cols, expected));
      const received = new Float64Array(rows);
      expect(logSumExpRowsSimd(x, 3, rows, cols, received)).toBe(true);
      expect(received[0]).toBeCloseTo(expected[0]!, 4);
      expect(received[1]).toBe(Infinity);
      expect(received[2]).toBeNaN();
      expect(received[3]).toBe(-Infinity);
    }
  });

  it.skipIf(!haveWasm)('sparse softmax-cross-entropy gradient matches the plain loop', () => {
    const random = new Random(12);
    for (const cols of [SIMD_MIN_LENGTH, 67, 10_001]) {
      const rows = 5;
      const x = new Float32Array(rows * cols + 2);
      for (let i = 0; i < x.length; i++) x[i] = random.normal(0, 4);
      x[2 + 4 * cols + 1] = Infinity;
      const targets = Int32Array.from({ length: rows }, () => random.int(cols));
      const rowGrad = Float64Array.from({ length: rows }, () => random.uniform(-2, 2));
      const lse = new Float64Array(rows);
      plain(() => logSumExpRows(x, 2, rows, cols, lse));
      const expected = new Float32Array(rows * cols);
      plain(() => sparseCrossEntropyBackward(x, 2, rows, cols, targets, lse, rowGrad, expected));
      const received = new Float32Array(rows * cols);
      expect(sparseCrossEntropyBackwardSimd(x, 2, rows, cols, targets, lse, rowGrad, received)).toBe(true);
      // e^(x − lse) to a few ulp where p is large; where it is tiny, x − lse rounded to float32 costs
      // up to |x − lse|·6e-8 relative, far below anything a gradient step notices (|rowGrad| ≤ 2).
      expectClose(received, expected, 1e-6, 1e-10);
      // Each finite row of probabilities sums to one, so each row of the gradient sums to zero.
      for (let r = 0; r < 4; r++) {
        let total = 0;
        for (let c = 0; c < cols; c++) total += received[r * cols + c]!;
        expect(Math.abs(total)).toBeLessThan(1e-4);
      }
    }
  });

  it('falls back to the plain loops when the kernels are unavailable', () => {
    overrideSimdKernels(false);
    try {
      const x = inputs(new Random(1), 200, 2);
      expect(unarySimd('exp', x, 0, new Float32Array(200), 0, 200)).toBe(false);
      expect(logSumExpRowsSimd(x, 0, 2, 100, new Float64Array(2))).toBe(false);
      const out = new Float32Array(200);
      activation('sigmoid', x, 0, out, 0, 200);
      for (let i = 20; i < 200; i++) expect(out[i]).toBeCloseTo(1 / (1 + Math.exp(-x[i]!)), 6);
    } finally {
      overrideSimdKernels(undefined);
    }
  });
});
