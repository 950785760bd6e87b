// The matmul dispatcher against the plain reference loop: tiny products stay in the loop, larger ones go
// to the native GEMM (test/native/gemm.test.ts checks every ISA's GEMM on its own); both agree with the
// reference on awkward sizes, every transpose and accumulate. Also the thread count's sources and checks.
// `npm test` runs this file again with VERBO_NATIVE=0 (the plain loop everywhere).
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeKernels, setThreadCount, threadCount } from '../../../src/native/index.js';
import {
  matmul,
  matmulPath,
  matmulReference,
  type MatmulOptions,
} from '../../../src/tensor/kernels/matmul.js';
import { ShapeError, VerboError } from '../../../src/util/errors.js';
import { Random } from '../../../src/util/random.js';

const haveNative = nativeKernels() !== null;

function randomArray(random: Random, length: number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = random.uniform(-1, 1);
  return values;
}

interface Case {
  m: number;
  n: number;
  k: number;
  options: MatmulOptions;
}

function cases(sizes: readonly (readonly [number, number, number])[]): Case[] {
  const all: Case[] = [];
  for (const [m, n, k] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const accumulate of [false, true])
          all.push({ m, n, k, options: { transA, transB, accumulate } });
      }
    }
  }
  return all;
}

/** Runs `run` and the reference on the same seeded operands (and starting `out`) and compares. */
function checkAgainstReference(
  random: Random,
  { m, n, k, options }: Case,
  run: (a: Float32Array, b: Float32Array, out: Float32Array) => void,
): void {
  const a = randomArray(random, m * k);
  const b = randomArray(random, k * n);
  const start = randomArray(random, m * n);
  const expected = start.slice();
  matmulReference(a, b, expected, m, n, k, options);
  const received = start.slice();
  run(a, b, received);
  // Sums of k products of values in [-1, 1]: float32 rounding grows like sqrt(k).
  expect(received).toBeAllClose(expected, { rtol: 1e-5, atol: 2e-6 * Math.max(1, k) });
}

const oddSizes = [1, 3, 17, 129];
const oddShapes: [number, number, number][] = [];
for (const m of oddSizes) for (const n of oddSizes) for (const k of oddSizes) oddShapes.push([m, n, k]);

describe('matmul dispatch', () => {
  afterEach(() => setThreadCount(undefined));

  it('sends tiny products to the plain loop and larger ones to the native GEMM', () => {
    expect(matmulPath(4, 4, 4)).toBe('js');
    expect(matmulPath(64, 64, 64)).toBe(haveNative ? 'native' : 'js');
  });

  it('agrees with the reference on one thread and on two', () => {
    const random = new Random(4);
    for (const threads of [1, 2]) {
      setThreadCount(threads);
      for (const testCase of cases([
        [40, 50, 60],
        [200, 130, 90],
      ])) {
        const { m, n, k, options } = testCase;
        checkAgainstReference(random, testCase, (a, b, out) => matmul(a, b, out, m, n, k, options));
      }
    }
  });

  it('agrees with the reference on every combination of sizes 1, 3, 17, 129', () => {
    const random = new Random(3);
    for (const testCase of cases(oddShapes)) {
      const { m, n, k, options } = testCase;
      checkAgainstReference(random, testCase, (a, b, out) => matmul(a, b, out, m, n, k, options));
    }
  });

  it('agrees with the reference on both sides of the crossover', () => {
    const random = new Random(6);
    for (const testCase of cases([
      [3, 17, 1],
      [17, 129, 17],
      [129, 3, 129],
    ])) {
      const { m, n, k, options } = testCase;
      checkAgainstReference(random, testCase, (a, b, out) => matmul(a, b, out, m, n, k, options));
    }
  });

  it('treats k = 0 as an empty sum and rejects buffers that are too short', () => {
    const out = new Float32Array([1, 2, 3, 4]);
    matmul(new Float32Array(0), new Float32Array(0), out, 2, 2, 0, { accumulate: true });
    expect(Array.from(out)).toEqual([1, 2, 3, 4]);
    matmul(new Float32Array(0), new Float32Array(0), out, 2, 2, 0);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    expect(() => matmul(new Float32Array(5), new Float32Array(6), new Float32Array(4), 2, 2, 3)).toThrow(
      ShapeError,
    );
  });
});

describe('thread count', () => {
  const saved = process.env.VERBO_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.VERBO_THREADS;
    else process.env.VERBO_THREADS = saved;
    setThreadCount(undefined);
  });

  it('comes from VERBO_THREADS, then the setter, and rejects nonsense', () => {
    process.env.VERBO_THREADS = '3';
    setThreadCount(undefined);
    expect(threadCount()).toBe(3);
    setThreadCount(1);
    expect(threadCount()).toBe(1);
    expect(() => setThreadCount(0)).toThrow(VerboError);
    expect(() => setThreadCount(1.5)).toThrow(/whole number/);
    process.env.VERBO_THREADS = 'many';
    setThreadCount(undefined);
    expect(() => threadCount()).toThrow(/VERBO_THREADS/);
  });

  it('defaults to the cores this process may use', () => {
    delete process.env.VERBO_THREADS;
    setThreadCount(undefined);
    expect(threadCount()).toBe(Math.min(64, availableParallelism()));
  });
});
