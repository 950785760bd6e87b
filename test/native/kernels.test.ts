// The native element-wise, softmax-row, fused output-layer and LSTM kernels of every kernel table this
// CPU can run (AVX-512, AVX2, portable...) against the TypeScript loops they replace: seeded values plus
// the awkward ones (±0, ±∞, NaN, the edges of float32 exp's range), lengths that are not whole vectors,
// odd shapes; one thread and two give the same bits.
import { describe, expect, it } from 'vitest';
import {
  type NativeKernels,
  nativeTables,
  UNARY_EXP,
  UNARY_RELU,
  UNARY_SIGMOID,
  UNARY_TANH,
} from '../../src/native/index.js';
import { sgdUpdateLoop, sumOfSquaresLoop } from '../../src/nn/kernels/optimizers.js';
import { activationLoop } from '../../src/tensor/kernels/activations.js';
import { unaryLoop } from '../../src/tensor/kernels/elementwise.js';
import { matmulReference } from '../../src/tensor/kernels/matmul.js';
import {
  gruSequenceBackwardLoop,
  gruSequenceForwardLoop,
  lstmSequenceBackwardLoop,
  lstmSequenceForwardLoop,
} from '../../src/tensor/kernels/recurrent.js';
import {
  logSumExpRowsLoop,
  sparseCrossEntropyBackwardLoop,
  sparseCrossEntropyRows,
} from '../../src/tensor/kernels/softmax.js';
import { Random } from '../../src/util/random.js';

const tables = nativeTables();
const disabled = process.env.VERBO_NATIVE === '0';
if (disabled)
  console.warn('SKIPPING native kernel tests: VERBO_NATIVE=0 (the TypeScript loops are tested instead)');

const special = [0, -0, 1e-6, -1e-6, 0.5, -0.62, 0.63, 20, -20, 88.5, 88.8, -87, -103, -104.5, 1e4, -1e4];
const nonFinite = [Infinity, -Infinity, Number.NaN];

function inputs(random: Random, length: number, scale: number): Float32Array {
  const values = new Float32Array(length);
  const awkward = [...special, ...nonFinite];
  for (let i = 0; i < length; i++) values[i] = i < awkward.length ? awkward[i]! : random.normal(0, scale);
  return values;
}

function randomArray(random: Random, length: number, scale = 1): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = random.normal(0, scale);
  return values;
}

/** Non-finite expectations must match exactly (NaN to NaN, ±∞ to ±∞); finite ones within a few ulp. */
function expectClose(
  received: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 3e-7,
  atol = 1e-37,
): void {
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
  expect(finiteReceived).toBeAllClose(finiteExpected, { rtol, atol });
}

const sameBits = (a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const unaryOps = [
  ['exp', UNARY_EXP],
  ['sigmoid', UNARY_SIGMOID],
  ['tanh', UNARY_TANH],
  ['relu', UNARY_RELU],
] as const;

function plainUnary(op: (typeof unaryOps)[number][0], x: Float32Array, out: Float32Array): void {
  if (op === 'exp') unaryLoop('exp', x, 0, out, 0, x.length);
  else activationLoop(op, x, 0, out, 0, x.length);
}

describe.skipIf(disabled)('native kernels against the TypeScript loops', () => {
  for (const table of tables) {
    describe(table.isa, () => {
      for (const [name, op] of unaryOps) {
        it(`${name} matches the plain loop, in place too`, () => {
          const random = new Random(op + 1);
          for (const length of [1, 3, 17, 129, 1031, 70_001]) {
            const x = inputs(random, length, 4);
            const expected = new Float32Array(length);
            plainUnary(name, x, expected);
            const received = new Float32Array(length + 2).fill(7);
            table.unary(op, x, received.subarray(1, 1 + length), 2);
            expectClose(received.subarray(1, 1 + length), expected);
            expect([received[0], received[length + 1]]).toEqual([7, 7]);
            const inPlace = x.slice();
            table.unary(op, inPlace, inPlace, 1);
            expectClose(inPlace, expected);
          }
        });
      }

      it('row log-sum-exp matches the plain loop, with rows holding +∞, NaN or only −∞', () => {
        const random = new Random(9);
        for (const cols of [1, 3, 17, 129, 10_001]) {
          const rows = 5;
          const x = randomArray(random, rows * cols, 10);
          x[1 * cols + (cols > 1 ? 1 : 0)] = Infinity;
          x[2 * cols] = Number.NaN;
          for (let c = 0; c < cols; c++) x[3 * cols + c] = -Infinity;
          const expected = new Float64Array(rows);
          logSumExpRowsLoop(x, 0, rows, cols, expected);
          const received = new Float64Array(rows);
          table.logSumExpRows(x, rows, cols, received, 2);
          expectClose(received, expected, 1e-7, 1e-12);
          expect(received[1]).toBe(Infinity);
          expect(received[3]).toBe(-Infinity);
          // A NaN makes the row NaN, unless it is alone: then the row is "all −∞", as in the loop.
          expect(received[2]).toBe(cols > 1 ? Number.NaN : -Infinity);
        }
      });

      it('sparse softmax-cross-entropy gradient matches the plain loop; finite rows sum to zero', () => {
        const random = new Random(12);
        for (const cols of [3, 67, 10_001]) {
          const rows = 5;
          const x = randomArray(random, rows * cols, 4);
          x[4 * cols + 1] = Infinity;
          const targets = Int32Array.from({ length: rows }, () => random.int(cols));
          const rowGrad = Float64Array.from({ length: rows }, () => random.uniform(-2, 2));
          const lse = new Float64Array(rows);
          logSumExpRowsLoop(x, 0, rows, cols, lse);
          const expected = new Float32Array(rows * cols);
          sparseCrossEntropyBackwardLoop(x, 0, rows, cols, targets, lse, rowGrad, expected);
          const received = new Float32Array(rows * cols);
          table.sparseCrossEntropyBackward(x, rows, cols, targets, lse, rowGrad, received, 2);
          // The target's entry g·(p − 1) cancels: both sides round g·p to float32 first, so an absolute
          // allowance of about one ulp of |g| ≤ 2 is the honest tolerance there.
          expectClose(received, expected, 1e-6, 3e-7);
          for (let r = 0; r < 4; r++) {
            let total = 0;
            for (let c = 0; c < cols; c++) total += received[r * cols + c]!;
            expect(Math.abs(total)).toBeLessThan(1e-4);
          }
        }
        expect(() =>
          table.sparseCrossEntropyBackward(
            new Float32Array(6),
            2,
            3,
            Int32Array.from([0, 3]),
            new Float64Array(2),
            new Float64Array(2),
            new Float32Array(6),
            1,
          ),
        ).toThrow(/target 3 of row 1 is outside \[0, 3\)/);
      });

      it("the optimizer passes match nn's loops: the SGD update bit for bit, the sum of squares closely", () => {
        const random = new Random(41);
        for (const length of [1, 7, 17, 16_385, 70_001]) {
          const param = randomArray(random, length);
          const grad = randomArray(random, length, 0.1);
          const expected = param.slice();
          sgdUpdateLoop(expected, grad, 0.37);
          for (const threads of [1, 2]) {
            const received = param.slice();
            table.sgdUpdate(received, grad, 0.37, threads);
            expect(sameBits(received, expected)).toBe(true);
          }
          const sum = sumOfSquaresLoop(grad);
          const one = table.sumOfSquares(grad, 1);
          expect(Math.abs(one - sum)).toBeLessThanOrEqual(1e-12 * sum);
          expect(table.sumOfSquares(grad, 2)).toBe(one);
        }
        expect(table.sumOfSquares(new Float32Array(0), 2)).toBe(0);
        expect(() => table.sgdUpdate(new Float32Array(4), new Float32Array(3), 1, 1)).toThrow(
          /grad holds 3 values, needs 4/,
        );
      });

      it('the fused output layer matches matmul + bias + log-sum-exp and its gradients', () => {
        const random = new Random(21);
        for (const [rows, k, n, wTransposed] of [
          [1, 1, 1, false],
          [3, 17, 129, true],
          [17, 3, 33, false],
          [70, 64, 3001, true],
        ] as const) {
          const x = randomArray(random, rows * k);
          const w = randomArray(random, k * n, 0.3);
          const bias = randomArray(random, n, 0.5);
          const targets = Int32Array.from({ length: rows }, () => random.int(n));
          const expected = plainLinear(x, w, wTransposed, bias, targets, rows, k, n, 0.7);
          const received = nativeLinear(table, x, w, wTransposed, bias, targets, rows, k, n, 0.7, 2);
          expect(Array.from(received.losses)).toBeAllClose(Array.from(expected.losses), {
            rtol: 1e-5,
            atol: 1e-5,
          });
          for (const key of ['dx', 'dw', 'db'] as const) {
            expect(received[key], key).toBeAllClose(expected[key], { rtol: 1e-4, atol: 1e-6 });
          }
          const one = nativeLinear(table, x, w, wTransposed, bias, targets, rows, k, n, 0.7, 1);
          for (const key of ['losses', 'dx', 'dw', 'db'] as const)
            expect(sameBits(one[key], received[key])).toBe(true);
        }
      });

      it('the fused output layer keeps IEEE behaviour when a bias is infinite, as the loops do', () => {
        // −∞ in the bias: a finite row maximum, e^(−∞) = 0. +∞: every row's maximum is +∞, so the row
        // keeps its logits z + b and backward recomputes from them (NaN where ∞ − ∞ appears).
        const random = new Random(23);
        const [rows, k, n] = [5, 7, 40];
        const x = randomArray(random, rows * k);
        const w = randomArray(random, k * n, 0.3);
        const targets = Int32Array.from({ length: rows }, (_, r) => (r === 2 ? 9 : 1 + r));
        const agrees = (received: Float32Array | Float64Array, expected: Float32Array | Float64Array) =>
          received.every(
            (value, i) =>
              Object.is(value, expected[i]) ||
              Math.abs(value - expected[i]!) <= 1e-4 * Math.abs(expected[i]!) + 1e-6,
          );
        for (const infinite of [-Infinity, Infinity]) {
          const bias = randomArray(random, n, 0.5);
          bias[9] = infinite;
          const expected = plainLinear(x, w, false, bias, targets, rows, k, n, 0.7);
          const received = nativeLinear(table, x, w, false, bias, targets, rows, k, n, 0.7, 2);
          for (const key of ['losses', 'dx', 'dw', 'db'] as const)
            expect(agrees(received[key], expected[key]), `${infinite} ${key}`).toBe(true);
          expect(received.losses[2]).toBe(infinite === Infinity ? Number.NaN : Infinity);
        }
      });

      it('the LSTM sequence matches the step-by-step loop, forward and backward', () => {
        const random = new Random(31);
        for (const [batch, steps, units, wantH0] of [
          [1, 1, 1, true],
          [3, 5, 17, false],
          [20, 7, 33, true],
          // ≥ 2048 state values per step: groups of rows on the pool (3 and 5 groups, one short)
          [23, 4, 129, true],
          [41, 3, 50, false],
        ] as const) {
          const problem = lstmProblem(random, batch, steps, units);
          const expected = runLstm(problem, wantH0, null, 1);
          const received = runLstm(problem, wantH0, table, 2);
          for (const key of ['hs', 'cs', 'tanhCells', 'gates', 'dz', 'dc'] as const) {
            expect(received[key], key).toBeAllClose(expected[key], { rtol: 2e-5, atol: 2e-6 });
          }
          if (wantH0) expect(received.dh).toBeAllClose(expected.dh, { rtol: 2e-5, atol: 2e-6 });
          const one = runLstm(problem, wantH0, table, 1);
          for (const key of ['hs', 'cs', 'dz', 'dh', 'dc'] as const)
            expect(sameBits(one[key], received[key])).toBe(true);
        }
      });

      it('the GRU sequence matches the step-by-step loop, forward and backward', () => {
        const random = new Random(41);
        for (const [batch, steps, units, wantH0] of [
          [1, 1, 1, true],
          [3, 5, 17, false],
          [20, 7, 33, true],
        ] as const) {
          const problem = gruProblem(random, batch, steps, units);
          const expected = runGru(problem, wantH0, null, 1);
          const received = runGru(problem, wantH0, table, 2);
          for (const key of ['hs', 'saved', 'dx', 'dhu'] as const) {
            expect(received[key], key).toBeAllClose(expected[key], { rtol: 2e-5, atol: 2e-6 });
          }
          if (wantH0) expect(received.dh).toBeAllClose(expected.dh, { rtol: 2e-5, atol: 2e-6 });
          const one = runGru(problem, wantH0, table, 1);
          for (const key of ['hs', 'dx', 'dhu', 'dh'] as const)
            expect(sameBits(one[key], received[key])).toBe(true);
        }
      });
    });
  }
});

interface GruProblem {
  batch: number;
  steps: number;
  units: number;
  xProj: Float32Array;
  recurrent: Float32Array;
  recurrentBias: Float32Array;
  h0: Float32Array;
  gradOut: Float32Array;
}

function gruProblem(random: Random, batch: number, steps: number, units: number): GruProblem {
  return {
    batch,
    steps,
    units,
    xProj: randomArray(random, batch * steps * 3 * units),
    recurrent: randomArray(random, units * 3 * units, 0.3),
    recurrentBias: randomArray(random, 3 * units, 0.3),
    h0: randomArray(random, batch * units, 0.5),
    gradOut: randomArray(random, batch * steps * units),
  };
}

/** One GRU forward + backward, on `table` or (null) the TypeScript loops. */
function runGru(p: GruProblem, wantH0: boolean, table: NativeKernels | null, threads: number) {
  const { batch, steps, units } = p;
  const hs = new Float32Array((steps + 1) * batch * units);
  hs.set(p.h0);
  const saved = new Float32Array(steps * batch * 4 * units);
  const dx = new Float32Array(steps * batch * 3 * units);
  const dhu = new Float32Array(steps * batch * 3 * units);
  const dh = new Float32Array(batch * units);
  if (table === null) {
    gruSequenceForwardLoop(p.xProj, p.recurrent, p.recurrentBias, hs, saved, batch, steps, units);
    gruSequenceBackwardLoop(p.recurrent, saved, hs, p.gradOut, dx, dhu, dh, wantH0, batch, steps, units);
  } else {
    table.gruForward(p.xProj, p.recurrent, p.recurrentBias, hs, saved, batch, steps, units, threads);
    table.gruBackward(p.recurrent, saved, hs, p.gradOut, dx, dhu, dh, wantH0, batch, steps, units, threads);
  }
  return { hs, saved, dx, dhu, dh };
}

interface LinearResult {
  losses: Float64Array;
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

function plainLinear(
  x: Float32Array,
  w: Float32Array,
  wTransposed: boolean,
  bias: Float32Array,
  targets: Int32Array,
  rows: number,
  k: number,
  n: number,
  rowGradient: number,
): LinearResult {
  const logits = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) logits.set(bias, r * n);
  matmulReference(x, w, logits, rows, n, k, { transB: wTransposed, accumulate: true });
  const lse = new Float64Array(rows);
  logSumExpRowsLoop(logits, 0, rows, n, lse);
  const losses = new Float64Array(rows);
  sparseCrossEntropyRows(logits, 0, rows, n, targets, lse, losses);
  const G = new Float32Array(rows * n);
  sparseCrossEntropyBackwardLoop(
    logits,
    0,
    rows,
    n,
    targets,
    lse,
    new Float64Array(rows).fill(rowGradient),
    G,
  );
  const dx = new Float32Array(rows * k);
  matmulReference(G, w, dx, rows, k, n, { transB: !wTransposed });
  const dw = new Float32Array(k * n);
  matmulReference(x, G, dw, k, n, rows, { transA: true });
  const db = new Float32Array(n);
  for (let r = 0; r < rows; r++) for (let c = 0; c < n; c++) db[c]! += G[r * n + c]!;
  return { losses, dx, dw, db };
}

function nativeLinear(
  table: NativeKernels,
  x: Float32Array,
  w: Float32Array,
  wTransposed: boolean,
  bias: Float32Array,
  targets: Int32Array,
  rows: number,
  k: number,
  n: number,
  rowGradient: number,
  threads: number,
): LinearResult {
  const block = new Float32Array(rows * n);
  const stats = new Float64Array(2 * rows);
  const losses = new Float64Array(rows);
  table.linearCrossEntropyForward(
    x,
    w,
    wTransposed,
    bias,
    targets,
    block,
    stats,
    losses,
    rows,
    k,
    n,
    threads,
  );
  const dx = new Float32Array(rows * k);
  const dw = new Float32Array(k * n);
  const db = new Float32Array(n);
  table.linearCrossEntropyBackward(
    x,
    w,
    wTransposed,
    targets,
    block,
    stats,
    rowGradient,
    dx,
    false,
    dw,
    false,
    db,
    rows,
    k,
    n,
    threads,
  );
  return { losses, dx, dw, db };
}

interface LstmProblem {
  batch: number;
  steps: number;
  units: number;
  xProj: Float32Array;
  recurrent: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  gradOut: Float32Array;
}

function lstmProblem(random: Random, batch: number, steps: number, units: number): LstmProblem {
  return {
    batch,
    steps,
    units,
    xProj: randomArray(random, batch * steps * 4 * units),
    recurrent: randomArray(random, units * 4 * units, 0.3),
    h0: randomArray(random, batch * units, 0.5),
    c0: randomArray(random, batch * units, 0.5),
    gradOut: randomArray(random, batch * (steps + 1) * units),
  };
}

/** One LSTM forward + backward, on `table` or (null) the TypeScript loops. */
function runLstm(p: LstmProblem, wantH0: boolean, table: NativeKernels | null, threads: number) {
  const { batch, steps, units } = p;
  const state = batch * units;
  const hs = new Float32Array((steps + 1) * state);
  const cs = new Float32Array((steps + 1) * state);
  hs.set(p.h0);
  cs.set(p.c0);
  const tanhCells = new Float32Array(steps * state);
  const gates = new Float32Array(steps * batch * 4 * units);
  const dz = new Float32Array(steps * batch * 4 * units);
  const dh = new Float32Array(state);
  const dc = new Float32Array(state);
  if (table === null) {
    lstmSequenceForwardLoop(p.xProj, p.recurrent, hs, cs, tanhCells, gates, batch, steps, units);
    lstmSequenceBackwardLoop(
      p.recurrent,
      gates,
      cs,
      tanhCells,
      p.gradOut,
      dz,
      dh,
      dc,
      wantH0,
      batch,
      steps,
      units,
    );
  } else {
    table.lstmForward(p.xProj, p.recurrent, hs, cs, tanhCells, gates, batch, steps, units, threads);
    table.lstmBackward(
      p.recurrent,
      gates,
      cs,
      tanhCells,
      p.gradOut,
      dz,
      dh,
      dc,
      wantH0,
      batch,
      steps,
      units,
      threads,
    );
  }
  return { hs, cs, tanhCells, gates, dz, dh, dc };
}
