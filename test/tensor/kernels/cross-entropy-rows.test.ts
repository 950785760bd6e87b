// The softmax cross-entropy row kernels of the GEMM module (cross-entropy.as-lib.ts), run where
// linearSparseSoftmaxCrossEntropy runs them (in the shared kernel memory, rows split across two
// threads), against plain float64 loops written here, on odd row lengths (1, 3, 17, 129: whole vectors
// plus a scalar tail) with a row holding +∞ and a row whose small entries underflow.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { layoutFor } from '../../../src/tensor/kernels/linear-cross-entropy.js';
import { claimGemmMemory, reserve, rowsInMemory } from '../../../src/tensor/kernels/matmul-wasm.js';
import { shutdownMatmulThreads } from '../../../src/tensor/kernels/threads.js';
import { packagePath } from '../../../src/util/paths.js';
import { Random } from '../../../src/util/random.js';
import { wasmAvailable } from '../../../src/util/wasm.js';

const haveWasm = wasmAvailable('gemm');
if (!haveWasm)
  console.warn(
    'SKIPPING cross-entropy row kernel tests: dist/wasm/gemm.wasm is missing; run `npm run build`',
  );
if (!existsSync(packagePath('dist', 'tensor', 'kernels', 'gemm-worker.js'))) {
  console.warn(
    'cross-entropy row kernels run on one thread only: the gemm worker is not built; run `npm run build`',
  );
}

afterAll(() => shutdownMatmulThreads());

/** NaN and ±∞ → sentinels, so toBeAllClose can compare arrays where they must match exactly. */
function nanAs(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) =>
    Number.isNaN(v) ? 12345 : v === Infinity ? 23456 : v === -Infinity ? -23456 : v,
  );
}

describe.skipIf(!haveWasm)('cross-entropy row kernels against float64 loops', () => {
  for (const cols of [1, 3, 17, 129]) {
    it(`${cols} columns, 7 rows in chunks of 2 on two threads`, () => {
      const rows = 7;
      const step = 2;
      const chunks = Math.ceil(rows / step);
      const random = new Random(cols);
      const logits = Float32Array.from({ length: rows * cols }, () => random.normal(0, 3));
      const bias = Float32Array.from({ length: cols }, () => random.normal(0, 1));
      const targets = Int32Array.from({ length: rows }, () => random.int(cols));
      if (cols >= 3) {
        logits[1 * cols + 2] = Number.POSITIVE_INFINITY; // row 1 holds +∞
        logits[2 * cols + 1] = -1e4; // row 2: an entry whose e^(x − max) underflows to 0
      }
      const gradient = 0.7;

      // Float64 oracle of the forward and the backward (z = x + b).
      const lse = new Float64Array(rows);
      const loss = new Float64Array(rows);
      const e = new Float64Array(rows * cols);
      const G = new Float64Array(rows * cols);
      const columnSums = new Float64Array(cols);
      for (let r = 0; r < rows; r++) {
        const z = Array.from({ length: cols }, (_, c) => Math.fround(logits[r * cols + c]! + bias[c]!));
        const peak = Math.max(...z);
        if (!Number.isFinite(peak)) lse[r] = peak;
        else lse[r] = peak + Math.log(z.reduce((s, v) => s + Math.exp(v - peak), 0));
        loss[r] = lse[r]! - z[targets[r]!]!;
        for (let c = 0; c < cols; c++) {
          e[r * cols + c] = Number.isFinite(peak) ? Math.exp(z[c]! - peak) : z[c]!;
          G[r * cols + c] = gradient * (Math.exp(z[c]! - lse[r]!) - (c === targets[r] ? 1 : 0));
          columnSums[c]! += G[r * cols + c]!;
        }
      }

      // laid out as linearSparseSoftmaxCrossEntropy lays out a [rows × 1]·[1 × cols] problem (its
      // partials have room for more chunks than these)
      const kernel = claimGemmMemory(undefined)!;
      const layout = layoutFor(kernel, 2, rows, 1, cols);
      const { block, stats, losses, partials } = layout;
      const { bias: biasAt, targets: targetsAt, gradient: gradientAt } = layout;
      expect(reserve(kernel, layout.end)).toBe(true);
      const buffer = kernel.memory.buffer;
      kernel.floats.set(logits, block >> 2);
      kernel.floats.set(bias, biasAt >> 2);
      new Int32Array(buffer, targetsAt, rows).set(targets);
      new Float64Array(buffer, gradientAt, 1)[0] = gradient;

      rowsInMemory(
        kernel,
        'crossEntropyForwardRows',
        rows,
        step,
        [block, cols, biasAt, targetsAt, stats, losses],
        2,
      );
      const rowStats = new Float64Array(buffer, stats, 2 * rows);
      expect(nanAs(rowStats.filter((_, i) => i % 2 === 0))).toBeAllClose(nanAs(lse), {
        rtol: 1e-6,
        atol: 1e-6,
      });
      expect(nanAs(new Float64Array(buffer, losses, rows))).toBeAllClose(nanAs(loss), {
        rtol: 1e-5,
        atol: 1e-5,
      });
      // Rows with a finite maximum hold e^(z − max); the others keep z.
      expect(nanAs(kernel.floats.subarray(block >> 2, (block >> 2) + rows * cols))).toBeAllClose(nanAs(e), {
        rtol: 1e-6,
        atol: 1e-30,
      });

      rowsInMemory(
        kernel,
        'crossEntropyBackwardRows',
        rows,
        step,
        [block, cols, targetsAt, stats, gradientAt, partials],
        2,
      );
      expect(nanAs(kernel.floats.subarray(block >> 2, (block >> 2) + rows * cols))).toBeAllClose(nanAs(G), {
        rtol: 1e-5,
        atol: 1e-7,
      });
      const summed = new Float64Array(cols);
      for (let chunk = 0; chunk < chunks; chunk++) {
        for (let c = 0; c < cols; c++) summed[c]! += kernel.floats[(partials >> 2) + chunk * cols + c]!;
      }
      expect(nanAs(summed)).toBeAllClose(nanAs(columnSums), { rtol: 1e-5, atol: 1e-6 });
    });
  }
});
