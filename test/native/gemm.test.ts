// The native GEMM of every kernel table this CPU can run (AVX-512, AVX2, portable...) against the plain
// TypeScript loop: odd shapes (1, 3, 17, 129 and sizes that straddle the micro-kernel tiles and cache
// blocks), both transposes, accumulate; one thread and two give bit-identical results; the async entry.
import { describe, expect, it } from 'vitest';
import {
  GEMM_ACCUMULATE,
  GEMM_TRANS_A,
  GEMM_TRANS_B,
  type NativeKernels,
  nativeKernels,
  nativeTables,
} from '../../src/native/index.js';
import { matmulReference } from '../../src/tensor/kernels/matmul.js';
import { Random } from '../../src/util/random.js';

const tables = nativeTables();
const disabled = process.env.VERBO_NATIVE === '0';
if (disabled)
  console.warn('SKIPPING native GEMM tests: VERBO_NATIVE=0 (the TypeScript loops are tested instead)');

function randomArray(random: Random, length: number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = random.uniform(-1, 1);
  return values;
}

const flagSets = [0, GEMM_TRANS_A, GEMM_TRANS_B, GEMM_TRANS_A | GEMM_TRANS_B];

function check(table: NativeKernels, random: Random, m: number, n: number, k: number, flags: number): void {
  const a = randomArray(random, m * k);
  const b = randomArray(random, k * n);
  const start = randomArray(random, m * n);
  const expected = start.slice();
  const options = {
    transA: (flags & GEMM_TRANS_A) !== 0,
    transB: (flags & GEMM_TRANS_B) !== 0,
    accumulate: (flags & GEMM_ACCUMULATE) !== 0,
  };
  matmulReference(a, b, expected, m, n, k, options);
  const received = start.slice();
  table.gemm(a, b, received, m, n, k, flags, 2);
  // Sums of k products of values in [-1, 1]: float32 rounding grows like sqrt(k).
  expect(received, `${table.isa} ${m}×${k}·${k}×${n} flags ${flags}`).toBeAllClose(expected, {
    rtol: 1e-5,
    atol: 2e-6 * Math.max(1, k),
  });
}

describe.skipIf(disabled)('native GEMM', () => {
  it('is loaded (a failed build fails the test setup, never a silent skip)', () => {
    expect(nativeKernels()).not.toBeNull();
    expect(tables.length).toBeGreaterThanOrEqual(2);
    expect(tables.at(-1)!.isa).toBe('portable');
    expect(tables[0]!.isa).toBe(nativeKernels()!.isa);
  });

  for (const table of tables) {
    it(`${table.isa}: matches the reference on sizes 1, 3, 17, 129, both transposes, accumulate`, () => {
      const random = new Random(3);
      const sizes = [1, 3, 17, 129];
      for (const m of sizes)
        for (const n of sizes)
          for (const k of sizes)
            for (const flags of flagSets)
              check(table, random, m, n, k, flags | (m === n ? GEMM_ACCUMULATE : 0));
    });

    it(`${table.isa}: matches across tile and cache-block edges and on the LSTM shapes`, () => {
      const random = new Random(11);
      const shapes: [number, number, number][] = [
        [13, 33, 385], // k cut into two blocks
        [20, 800, 200], // an LSTM step: B read in place
        [20, 200, 800],
        [1, 96, 31],
        [1, 800, 200], // a batch-1 step: one row of A against B's rows
        [1, 4100, 7], // one row: three column blocks, k not a multiple of four
        [250, 4100, 5], // two column blocks of B
        [49, 65, 600],
        [400, 40, 530], // few columns: A read in place, several row tiles and k blocks
      ];
      for (const [m, n, k] of shapes) for (const flags of flagSets) check(table, random, m, n, k, flags);
    });

    it(`${table.isa}: one thread and two give identical bits`, () => {
      const random = new Random(5);
      // Packed panels; B read in place (few rows); dot products (few rows, transposed B); one row.
      for (const [m, n, k] of [
        [300, 270, 310],
        [20, 800, 200],
        [3, 1000, 70],
        [1, 5000, 30], // one row of A, column blocks split between threads
      ] as const) {
        const a = randomArray(random, m * k);
        const b = randomArray(random, k * n);
        for (const flags of flagSets) {
          const one = new Float32Array(m * n);
          const two = new Float32Array(m * n);
          table.gemm(a, b, one, m, n, k, flags, 1);
          table.gemm(a, b, two, m, n, k, flags, 2);
          expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
        }
      }
    });
  }

  it('reads and writes only the first m·k, k·n and m·n values, of subarrays too', () => {
    const table = nativeKernels()!;
    const random = new Random(7);
    const [m, n, k] = [9, 10, 11];
    const a = randomArray(random, m * k + 9).subarray(2);
    const b = randomArray(random, k * n + 3);
    const out = new Float32Array(m * n + 6).fill(42);
    table.gemm(a, b, out.subarray(2), m, n, k, 0, 2);
    const expected = new Float32Array(m * n);
    matmulReference(a, b, expected, m, n, k);
    expect(out.subarray(2, 2 + m * n)).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-5 });
    expect(Array.from(out.subarray(0, 2))).toEqual([42, 42]);
    expect(Array.from(out.subarray(2 + m * n))).toEqual([42, 42, 42, 42]);
  });

  it('rejects arrays that are too short or of the wrong type', () => {
    const table = nativeKernels()!;
    const f = (n: number) => new Float32Array(n);
    expect(() => table.gemm(f(5), f(6), f(4), 2, 2, 3, 0, 1)).toThrow(/a holds 5 values, needs 6/);
    expect(() =>
      table.gemm(new Float64Array(6) as unknown as Float32Array, f(6), f(4), 2, 2, 3, 0, 1),
    ).toThrow(/Float32Array/);
  });

  it('gemmAsync settles with the same result while JavaScript goes on', async () => {
    const table = nativeKernels()!;
    const random = new Random(9);
    const [m, n, k] = [200, 150, 120];
    const a = randomArray(random, m * k);
    const b = randomArray(random, k * n);
    const sync = new Float32Array(m * n);
    table.gemm(a, b, sync, m, n, k, GEMM_TRANS_B, 2);
    const async = new Float32Array(m * n);
    const pending = table.gemmAsync(a, b, async, m, n, k, GEMM_TRANS_B, 2);
    // A synchronous call meanwhile finds the pool busy or free; either way it is correct.
    const meanwhile = new Float32Array(m * n);
    table.gemm(a, b, meanwhile, m, n, k, GEMM_TRANS_B, 2);
    await pending;
    expect(Buffer.from(async.buffer).equals(Buffer.from(sync.buffer))).toBe(true);
    expect(Buffer.from(meanwhile.buffer).equals(Buffer.from(sync.buffer))).toBe(true);
    // Bad arguments throw at once, before any work is queued.
    expect(() => table.gemmAsync(a, b, new Float32Array(3), m, n, k, 0, 1)).toThrow(/c holds 3/);
  });
});
