// The WebAssembly SIMD GEMM (single- and multi-threaded) and the matmul dispatcher against the plain
// reference loop, on seeded random operands of awkward sizes, every transpose combination and accumulate.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  matmul,
  matmulPath,
  matmulReference,
  type MatmulOptions,
} from '../../../src/tensor/kernels/matmul.js';
import {
  type GemmKernelName,
  matmulWasm,
  overrideWasmGemm,
  useWasmGemmKernel,
  wasmGemmKernelName,
  wasmGemmKernelSupported,
} from '../../../src/tensor/kernels/matmul-wasm.js';
import {
  getMatmulThreads,
  liveHelperCount,
  setHelpersUnavailable,
  setMatmulThreads,
  shutdownMatmulThreads,
} from '../../../src/tensor/kernels/threads.js';
import { availableParallelism } from 'node:os';
import { nativeKernels } from '../../../src/native/index.js';
import { ShapeError, VerboError } from '../../../src/util/errors.js';
import { packagePath } from '../../../src/util/paths.js';
import { Random } from '../../../src/util/random.js';
import { wasmAvailable } from '../../../src/util/wasm.js';

const haveWasm = wasmAvailable('gemm');
const haveNative = nativeKernels() !== null;
const haveWorker = existsSync(packagePath('dist', 'tensor', 'kernels', 'gemm-worker.js'));
if (!haveWasm)
  console.warn('SKIPPING WebAssembly GEMM tests: dist/wasm/gemm.wasm is missing; run `npm run build`');
if (!haveWorker)
  console.warn(
    'SKIPPING threaded GEMM tests: dist/tensor/kernels/gemm-worker.js is missing; run `npm run build`',
  );

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

const builds: GemmKernelName[] = ['gemm', 'gemm-fma'];
const fmaSupported = wasmGemmKernelSupported('gemm-fma');
if (haveWasm && !fmaSupported) {
  console.warn(
    'gemm-fma.wasm not tested: this runtime lacks relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)',
  );
}

describe('WebAssembly GEMM, one thread', () => {
  afterAll(() => useWasmGemmKernel(undefined));

  for (const build of builds) {
    const runnable = haveWasm && wasmGemmKernelSupported(build);
    it.skipIf(!runnable)(
      `${build}: matches the reference on every combination of sizes 1, 3, 17, 129`,
      () => {
        useWasmGemmKernel(build);
        expect(wasmGemmKernelName()).toBe(build);
        const random = new Random(3);
        for (const testCase of cases(oddShapes)) {
          const { m, n, k, options } = testCase;
          checkAgainstReference(random, testCase, (a, b, out) => {
            expect(matmulWasm(a, b, out, m, n, k, options, 1)).toBe(true);
          });
        }
      },
    );

    it.skipIf(!runnable)(
      `${build}: matches the reference on seeded random shapes, across block boundaries`,
      () => {
        useWasmGemmKernel(build);
        const random = new Random(11);
        const shapes: [number, number, number][] = [
          [300, 9, 260],
          [5, 4100, 7],
          [70, 33, 513],
        ];
        for (let i = 0; i < 6; i++)
          shapes.push([1 + random.int(90), 1 + random.int(90), 1 + random.int(300)]);
        for (const testCase of cases(shapes)) {
          const { m, n, k, options } = testCase;
          checkAgainstReference(random, testCase, (a, b, out) => {
            expect(matmulWasm(a, b, out, m, n, k, options, 1)).toBe(true);
          });
        }
      },
    );
  }

  it.skipIf(!haveWasm)('uses the fused build when the runtime accepts it', () => {
    useWasmGemmKernel(undefined);
    expect(wasmGemmKernelName()).toBe(fmaSupported ? 'gemm-fma' : 'gemm');
  });

  it.skipIf(!haveWasm)('reads only the first m·k, k·n values and writes only the first m·n', () => {
    const random = new Random(5);
    const [m, n, k] = [9, 10, 11];
    const a = randomArray(random, m * k + 7);
    const b = randomArray(random, k * n + 3);
    const out = new Float32Array(m * n + 4).fill(42);
    matmulWasm(a, b, out, m, n, k, {}, 1);
    const expected = new Float32Array(m * n);
    matmulReference(a, b, expected, m, n, k);
    expect(out.subarray(0, m * n)).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-5 });
    expect(Array.from(out.subarray(m * n))).toEqual([42, 42, 42, 42]);
  });
});

describe('WebAssembly GEMM, two threads', () => {
  afterAll(() => shutdownMatmulThreads());

  it.skipIf(!haveWasm || !haveWorker)(
    'matches the reference when chunks of rows (m ≥ n) or columns are shared',
    () => {
      const random = new Random(7);
      for (const testCase of cases([
        [133, 41, 67],
        [6, 151, 45],
        [9, 1, 3],
        // Several chunks of 128 rows / 256 columns taken from the shared counter.
        [700, 37, 20],
        [5, 1100, 9],
      ])) {
        const { m, n, k, options } = testCase;
        checkAgainstReference(random, testCase, (a, b, out) => {
          expect(matmulWasm(a, b, out, m, n, k, options, 2)).toBe(true);
        });
      }
      expect(liveHelperCount()).toBe(1);
    },
  );

  it.skipIf(!haveWasm || !haveWorker)('matmul uses the threads above the threshold and agrees', () => {
    setMatmulThreads(2);
    try {
      const [m, n, k] = [200, 130, 90];
      expect(matmulPath(m, n, k)).toBe(haveNative ? 'native' : 'wasm-threads');
      checkAgainstReference(new Random(8), { m, n, k, options: { transB: true } }, (a, b, out) =>
        matmul(a, b, out, m, n, k, { transB: true }),
      );
    } finally {
      setMatmulThreads(undefined);
    }
  });

  it.skipIf(!haveWasm)('computes alone when helper threads cannot start', () => {
    setHelpersUnavailable(true);
    try {
      checkAgainstReference(
        new Random(10),
        { m: 90, n: 70, k: 50, options: { accumulate: true } },
        (a, b, out) => {
          expect(matmulWasm(a, b, out, 90, 70, 50, { accumulate: true }, 2)).toBe(true);
        },
      );
      expect(liveHelperCount()).toBe(0);
    } finally {
      setHelpersUnavailable(false);
    }
  });

  it.skipIf(!haveWasm || !haveWorker)('a stopped pool is started again by the next threaded call', () => {
    shutdownMatmulThreads();
    expect(liveHelperCount()).toBe(0);
    checkAgainstReference(new Random(9), { m: 64, n: 64, k: 64, options: {} }, (a, b, out) => {
      matmulWasm(a, b, out, 64, 64, 64, {}, 2);
    });
    expect(liveHelperCount()).toBe(1);
  });
});

describe('matmul dispatch', () => {
  afterEach(() => {
    overrideWasmGemm(undefined);
    setMatmulThreads(undefined);
  });

  it('sends tiny products to the plain loop and larger ones to the native GEMM or WebAssembly', () => {
    setMatmulThreads(1);
    expect(matmulPath(4, 4, 4)).toBe('js');
    expect(matmulPath(64, 64, 64)).toBe(haveNative ? 'native' : haveWasm ? 'wasm' : 'js');
  });

  it('falls back to the plain loop when WebAssembly is unavailable', () => {
    overrideWasmGemm(false);
    expect(matmulPath(256, 256, 256)).toBe(haveNative ? 'native' : 'js');
    const random = new Random(4);
    for (const testCase of cases([[40, 50, 60]])) {
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
    setMatmulThreads(undefined);
  });

  it('comes from VERBO_THREADS, then the setter, and rejects nonsense', () => {
    process.env.VERBO_THREADS = '3';
    setMatmulThreads(undefined);
    expect(getMatmulThreads()).toBe(3);
    setMatmulThreads(1);
    expect(getMatmulThreads()).toBe(1);
    expect(matmulPath(512, 512, 512)).not.toBe('wasm-threads');
    expect(() => setMatmulThreads(0)).toThrow(VerboError);
    expect(() => setMatmulThreads(1.5)).toThrow(/whole number/);
    process.env.VERBO_THREADS = 'many';
    setMatmulThreads(undefined);
    expect(() => getMatmulThreads()).toThrow(/VERBO_THREADS/);
  });

  it('defaults to the cores this process may use', () => {
    delete process.env.VERBO_THREADS;
    setMatmulThreads(undefined);
    expect(getMatmulThreads()).toBe(Math.min(64, availableParallelism()));
  });
});
