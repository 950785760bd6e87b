// The native convolution and max-pooling kernels (native/conv.cc) of every kernel table this CPU can run,
// against the plain loops of src/tensor/kernels/conv.ts: odd shapes (1, 3, 17 channels; windows past
// every edge; strides larger than the window); pooling bit-equal to the loop (it only compares and
// adds), with ties, ±∞ and NaN; convolution within float32 rounding (its sums run in another order);
// the same bits on one thread and on several (shapes big enough to be split); every output overwritten;
// bad arguments refused before memory is touched.
import { describe, expect, it } from 'vitest';
import { nativeTables } from '../../src/native/index.js';
import {
  conv2dBackwardLoop,
  conv2dForwardLoop,
  maxPoolBackwardLoop,
  maxPoolForwardLoop,
  packedGeometry as packed,
  type WindowGeometry,
} from '../../src/tensor/kernels/conv.js';
import { windowOutput } from '../../src/tensor/ops/conv.js';
import { Random } from '../../src/util/random.js';

const tables = nativeTables();
const disabled = process.env.VERBO_NATIVE === '0';
if (disabled)
  console.warn('SKIPPING native conv kernel tests: VERBO_NATIVE=0 (the TypeScript loops are tested instead)');

function geometry(
  [batch, height, width, channels]: number[],
  [kernelH, kernelW]: number[],
  [strideH, strideW]: number[],
  padding: 'valid' | 'same',
): WindowGeometry {
  const rows = windowOutput(height!, kernelH!, strideH!, padding);
  const cols = windowOutput(width!, kernelW!, strideW!, padding);
  return {
    batch: batch!,
    height: height!,
    width: width!,
    channels: channels!,
    kernelH: kernelH!,
    kernelW: kernelW!,
    strideH: strideH!,
    strideW: strideW!,
    padTop: rows.padBefore,
    padLeft: cols.padBefore,
    outH: rows.out,
    outW: cols.out,
  };
}

/** Normal values on a coarse grid (ties in pooling windows) plus ±∞ and NaN at a few places. */
function values(random: Random, length: number, awkward: boolean): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.round(random.normal(0, 2) * 4) / 4;
  if (awkward && length > 40) {
    out[3] = Infinity;
    out[17] = -Infinity;
    out[29] = Number.NaN;
  }
  return out;
}

const sameBits = (a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const cases: [number[], number[], number[], 'valid' | 'same'][] = [
  [[1, 1, 1, 1], [1, 1], [1, 1], 'valid'],
  [[2, 5, 6, 1], [3, 3], [1, 1], 'same'],
  [[1, 7, 5, 3], [3, 2], [2, 1], 'same'],
  [[2, 6, 7, 17], [2, 3], [3, 2], 'valid'],
  [[1, 9, 8, 3], [5, 5], [2, 3], 'same'],
  [[3, 4, 4, 17], [2, 2], [4, 3], 'same'],
  [[2, 3, 3, 2], [4, 4], [1, 1], 'same'],
  // Large enough for the pool to split it (≥ 32768 values moved).
  [[16, 28, 28, 1], [3, 3], [1, 1], 'valid'],
  [[16, 13, 13, 16], [3, 3], [1, 1], 'same'],
  [[16, 26, 26, 16], [2, 2], [2, 2], 'valid'],
];

describe.skipIf(disabled)('native conv kernels against the TypeScript loops', () => {
  for (const table of tables) {
    describe(table.isa, () => {
      it.each(cases)(
        'conv2d forward and backward: x %j, window %j, strides %j, %s',
        (shape, window, strides, padding) => {
          const random = new Random(shape.reduce((a, b) => a * 31 + b, 7));
          const g = geometry(shape, window, strides, padding);
          const filters = 1 + (shape[3]! % 5);
          const x = values(random, g.batch * g.height * g.width * g.channels, false);
          const kernel = values(random, g.kernelH * g.kernelW * g.channels * filters, false);
          const bias = values(random, filters, false);
          const outSize = g.batch * g.outH * g.outW * filters;
          const geometryArgs = packed(g, filters);
          const dy = values(random, outSize, false);
          for (const [withBias, relu] of [
            [true, false],
            [false, false],
            [true, true],
          ] as const) {
            const b = withBias ? bias : null;
            const expected = new Float32Array(outSize);
            conv2dForwardLoop(g, x, kernel, b, relu, expected);
            const received = new Float32Array(outSize + 2).fill(7);
            const y = received.subarray(1, 1 + outSize);
            table.conv2dForward(geometryArgs, x, kernel, b, relu, y, 2);
            expect(y).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-5 });
            expect([received[0], received[outSize + 1]]).toEqual([7, 7]);
            const one = new Float32Array(outSize);
            table.conv2dForward(geometryArgs, x, kernel, b, relu, one, 1);
            expect(sameBits(one, y)).toBe(true);
            if (relu && outSize > 8) expect(y.some((v) => v === 0) && y.some((v) => v > 0)).toBe(true);

            const plain = {
              dx: new Float32Array(x.length),
              dkernel: new Float32Array(kernel.length),
              dbias: new Float32Array(filters),
            };
            conv2dBackwardLoop(g, x, kernel, relu, y, dy, plain.dx, plain.dkernel, plain.dbias);
            const run = (threads: number) => {
              // Start from garbage: every output must be overwritten.
              const out = { dx: x.map(() => 9), dkernel: kernel.map(() => 9), dbias: bias.map(() => 9) };
              table.conv2dBackward(
                geometryArgs,
                x,
                kernel,
                relu,
                y,
                dy,
                out.dx,
                out.dkernel,
                out.dbias,
                threads,
              );
              return out;
            };
            const two = run(2);
            for (const key of ['dx', 'dkernel', 'dbias'] as const) {
              expect(two[key], key).toBeAllClose(plain[key], { rtol: 1e-4, atol: 1e-4 });
              expect(sameBits(run(1)[key], two[key]), `${key}: one thread`).toBe(true);
            }
            // Each gradient alone (the others null) gives the same values.
            const dxOnly = new Float32Array(x.length);
            table.conv2dBackward(geometryArgs, x, kernel, relu, y, dy, dxOnly, null, null, 2);
            expect(sameBits(dxOnly, two.dx)).toBe(true);
            const dbOnly = new Float32Array(filters);
            table.conv2dBackward(geometryArgs, x, kernel, relu, y, dy, null, null, dbOnly, 2);
            expect(sameBits(dbOnly, two.dbias)).toBe(true);
          }
        },
      );

      it.each(cases)(
        'max pooling forward and backward: x %j, window %j, strides %j, %s',
        (shape, window, strides, padding) => {
          const random = new Random(shape.reduce((a, b) => a * 17 + b, 3));
          const g = geometry(shape, window, strides, padding);
          const x = values(random, g.batch * g.height * g.width * g.channels, true);
          const outSize = g.batch * g.outH * g.outW * g.channels;
          const y = new Float32Array(outSize);
          const argmax = new Int32Array(outSize);
          maxPoolForwardLoop(g, x, y, argmax);
          const ny = new Float32Array(outSize);
          const nArgmax = new Int32Array(outSize);
          table.maxPoolForward(packed(g), x, ny, nArgmax, 2);
          expect(sameBits(ny, y)).toBe(true);
          expect(Array.from(nArgmax)).toEqual(Array.from(argmax));
          const one = new Float32Array(outSize);
          table.maxPoolForward(packed(g), x, one, new Int32Array(outSize), 1);
          expect(sameBits(one, y)).toBe(true);

          const dy = values(random, outSize, false);
          const plain = new Float32Array(x.length);
          maxPoolBackwardLoop(g, dy, argmax, plain);
          const native = x.map(() => 9);
          table.maxPoolBackward(packed(g), dy, argmax, native, 2);
          expect(sameBits(native, plain)).toBe(true);
        },
      );

      it('refuses short arrays, bad geometry and an argmax outside its image', () => {
        const g = geometry([2, 4, 4, 3], [2, 2], [2, 2], 'valid');
        const x = new Float32Array(2 * 4 * 4 * 3);
        const kernel = new Float32Array(2 * 2 * 3 * 5);
        const y = new Float32Array(2 * 2 * 2 * 5);
        expect(() => table.conv2dForward(packed(g, 5), x.subarray(1), kernel, null, false, y, 1)).toThrow(
          /x holds 95 values, needs 96/,
        );
        expect(() => table.conv2dForward(packed(g, 5), x, kernel, null, false, y.subarray(1), 1)).toThrow(
          /y holds 39 values, needs 40/,
        );
        expect(() => table.conv2dForward(packed(g, 5), x, kernel, new Float32Array(4), false, y, 1)).toThrow(
          /bias holds 4 values/,
        );
        expect(() =>
          table.conv2dBackward(packed(g, 5), x, kernel.subarray(1), false, null, y, null, null, null, 1),
        ).toThrow(/kernel holds 59 values, needs 60/);
        expect(() =>
          table.conv2dBackward(packed(g, 5), x, kernel, true, null, y, null, null, null, 1),
        ).toThrow(/y must be a Float32Array/);
        const bad = packed(g, 5);
        bad[6] = 0;
        expect(() => table.conv2dForward(bad, x, kernel, null, false, y, 1)).toThrow(
          /window and strides must be at least 1/,
        );
        bad[6] = -2;
        expect(() => table.conv2dForward(bad, x, kernel, null, false, y, 1)).toThrow(/must not be negative/);
        const argmax = new Int32Array(24);
        argmax[5] = 48;
        expect(() =>
          table.maxPoolBackward(packed(g), new Float32Array(24), argmax, new Float32Array(96), 1),
        ).toThrow(/argmax 48 is outside the image/);
      });
    });
  }
});
