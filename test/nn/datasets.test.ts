// The IDX reader against files built here (every type, gzip, damaged headers), and Fashion-MNIST from
// Debian's dataset-fashion-mnist package when it is installed: shapes, labels, and a small MLP that
// learns from a subset far beyond chance.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  FASHION_MNIST_DIR,
  hasFashionMnist,
  loadFashionMnist,
  parseIdx,
  sequential,
  dense,
  flatten,
} from '../../src/nn/index.js';

/** IDX bytes: header (type byte, sizes big-endian) and the values written by `put`. */
function idx(
  type: number,
  shape: number[],
  bytesPer: number,
  put: (view: DataView, i: number) => void,
): Uint8Array {
  const count = shape.reduce((n, d) => n * d, 1);
  const header = 4 + 4 * shape.length;
  const bytes = new Uint8Array(header + count * bytesPer);
  const view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = shape.length;
  for (const [a, d] of shape.entries()) view.setUint32(4 + 4 * a, d, false);
  const body = new DataView(bytes.buffer, header);
  for (let i = 0; i < count; i++) put(body, i);
  return bytes;
}

describe('IDX reader', () => {
  it('reads unsigned bytes [2, 3, 2] in row-major order, plain and gzip-compressed', () => {
    const bytes = idx(0x08, [2, 3, 2], 1, (v, i) => v.setUint8(i, i * 20));
    for (const input of [bytes, gzipSync(bytes)]) {
      const a = parseIdx(input);
      expect(a.dtype).toBe('uint8');
      expect(a.shape).toEqual([2, 3, 2]);
      expect(Array.from(a.data)).toEqual(Array.from({ length: 12 }, (_, i) => i * 20));
    }
  });

  it('reads big-endian int16, int32, float32, float64 and signed bytes', () => {
    const cases: [number, number, (v: DataView, i: number, x: number) => void, number[]][] = [
      [0x09, 1, (v, i, x) => v.setInt8(i, x), [-128, -1, 0, 127]],
      [0x0b, 2, (v, i, x) => v.setInt16(2 * i, x, false), [-30000, -2, 5, 30000]],
      [0x0c, 4, (v, i, x) => v.setInt32(4 * i, x, false), [-2e9, -7, 65536, 2e9]],
      [0x0d, 4, (v, i, x) => v.setFloat32(4 * i, x, false), [-1.5, 0.25, 3, 1e10]],
      [0x0e, 8, (v, i, x) => v.setFloat64(8 * i, x, false), [-1e-300, Math.PI, 2 ** 40, 7]],
    ];
    for (const [type, size, put, values] of cases) {
      const a = parseIdx(idx(type, [4], size, (v, i) => put(v, i, values[i]!)));
      expect(a.shape).toEqual([4]);
      expect(Array.from(a.data)).toEqual(values);
    }
  });

  it('refuses damaged files with a message that says what is wrong', () => {
    const good = idx(0x08, [3, 4], 1, (v, i) => v.setUint8(i, i));
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'x.idx')).toThrow(
      /x\.idx: the IDX header says uint8 \[3, 4\] \(24 bytes with the header\) but the file has 23 bytes; it is truncated/,
    );
    const longer = new Uint8Array(good.length + 2);
    longer.set(good);
    expect(() => parseIdx(longer, 'x.idx')).toThrow(/has 26 bytes; it has extra bytes at the end/);
    expect(() => parseIdx(Uint8Array.of(1, 2, 3, 4, 5), 'x.idx')).toThrow(/x\.idx: not an IDX file/);
    const badType = good.slice();
    badType[2] = 0x42;
    expect(() => parseIdx(badType, 'x.idx')).toThrow(/unknown IDX type byte 0x42/);
    expect(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0), 'x.idx')).toThrow(/declares 3 axes .* truncated/);
    expect(() => parseIdx(Uint8Array.of(0x1f, 0x8b, 1, 2, 3), 'x.idx.gz')).toThrow(/does not decompress/);
  });

  it('names the package to install when Fashion-MNIST is absent', () => {
    expect(() => loadFashionMnist({ dir: '/nonexistent/fashion' })).toThrow(
      /Fashion-MNIST is not in \/nonexistent\/fashion \(missing train-images-idx3-ubyte, .*\); install it with 'apt-get install dataset-fashion-mnist'/,
    );
  });
});

const present = hasFashionMnist();
if (!present) {
  console.warn(
    `SKIPPED Fashion-MNIST tests: the files are not in ${FASHION_MNIST_DIR}; install them with 'apt-get install dataset-fashion-mnist' (.ci/run does)`,
  );
}

describe.skipIf(!present)('Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  it('loads 28×28 images in [0, 1] with labels 0…9; a small MLP on 3,000 images beats chance by far', async () => {
    const data = loadFashionMnist({ trainLimit: 3000, testLimit: 1000 });
    expect(data.train.images.shape).toEqual([3000, 28, 28, 1]);
    expect(data.test.labels.shape).toEqual([1000]);
    expect(data.classNames[9]).toBe('Ankle boot');
    const pixels = data.train.images.toFloat32Array();
    expect(Math.min(...pixels.subarray(0, 784 * 10))).toBe(0);
    expect(Math.max(...pixels.subarray(0, 784 * 10))).toBe(1);
    const counts = new Array(10).fill(0);
    for (const label of data.test.labels.toFloat32Array()) counts[label]++;
    // The test set is balanced (1,000 per class); its first 1,000 hold every class.
    expect(counts.every((c) => c > 50)).toBe(true);
    const model = sequential(
      [flatten({ inputShape: [28, 28, 1] }), dense({ units: 64, activation: 'relu' }), dense({ units: 10 })],
      { seed: 1 },
    );
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await model.fit(data.train.images, data.train.labels, { epochs: 3, batchSize: 32, verbose: 0 });
    const [, accuracy] = model.evaluate(data.test.images, data.test.labels, { verbose: 0 }) as number[];
    expect(accuracy).toBeGreaterThan(0.7); // chance is 0.1, the largest class of this slice ~0.11
  });
});
