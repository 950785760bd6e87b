// Data sets for learners: a reader for the IDX format (the files of MNIST and Fashion-MNIST) and
// Fashion-MNIST itself, read from local files — Debian's `dataset-fashion-mnist` package installs them
// in /usr/share/datasets/fashion-mnist; nothing is ever downloaded.
//
// IDX (LeCun's MNIST page): two zero bytes, a type byte (0x08 unsigned byte, 0x09 signed byte, 0x0B
// int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of axes, one big-endian uint32 size per
// axis, then the values, big-endian, row-major. Files may be gzip-compressed (as the package ships them).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Tensor } from '../tensor/index.js';
import { FormatError, VerboError } from '../util/errors.js';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const IDX_TYPES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  8: { dtype: 'uint8', bytes: 1 },
  9: { dtype: 'int8', bytes: 1 },
  11: { dtype: 'int16', bytes: 2 },
  12: { dtype: 'int32', bytes: 4 },
  13: { dtype: 'float32', bytes: 4 },
  14: { dtype: 'float64', bytes: 8 },
};

/** Parses IDX bytes (gzip-compressed or not); `name` is used in error messages. */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (error) {
      throw new FormatError(
        `${name}: a gzip file that does not decompress (${(error as Error).message}); the download or copy is damaged`,
      );
    }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new FormatError(
      `${name}: not an IDX file (it must start with two zero bytes, a type byte and the number of axes)`,
    );
  }
  const type = IDX_TYPES[raw[2]!];
  if (type === undefined) {
    throw new FormatError(
      `${name}: unknown IDX type byte 0x${raw[2]!.toString(16).padStart(2, '0')} (expected 08, 09, 0B, 0C, 0D or 0E)`,
    );
  }
  const axes = raw[3]!;
  const headerBytes = 4 + 4 * axes;
  if (axes === 0 || raw.length < headerBytes) {
    throw new FormatError(
      `${name}: the IDX header declares ${axes} axes but the file has ${raw.length} bytes; the file is truncated`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  for (let a = 0; a < axes; a++) shape.push(view.getUint32(4 + 4 * a, false));
  const count = shape.reduce((n, d) => n * d, 1);
  const expected = headerBytes + count * type.bytes;
  if (raw.length !== expected) {
    throw new FormatError(
      `${name}: the IDX header says ${type.dtype} [${shape.join(', ')}] (${expected} bytes with the header) but the file has ${raw.length} bytes; ` +
        (raw.length < expected ? 'it is truncated' : 'it has extra bytes at the end'),
    );
  }
  const body = raw.subarray(headerBytes);
  let data: IdxArray['data'];
  switch (type.dtype) {
    case 'uint8':
      data = Uint8Array.from(body);
      break;
    case 'int8':
      data = new Int8Array(Uint8Array.from(body).buffer);
      break;
    default: {
      // Multi-byte values are big-endian in IDX: read them one by one through the DataView.
      const values = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const read = {
        int16: (i: number) => values.getInt16(2 * i, false),
        int32: (i: number) => values.getInt32(4 * i, false),
        float32: (i: number) => values.getFloat32(4 * i, false),
        float64: (i: number) => values.getFloat64(8 * i, false),
      }[type.dtype];
      const out =
        type.dtype === 'int16'
          ? new Int16Array(count)
          : type.dtype === 'int32'
            ? new Int32Array(count)
            : type.dtype === 'float32'
              ? new Float32Array(count)
              : new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = read(i);
      data = out;
    }
  }
  return { dtype: type.dtype, shape, data };
}

/** Reads an IDX file (plain or .gz), checking its header against its size. */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new VerboError(`cannot read IDX file ${path}: ${(error as Error).message}`, 'ENOENT');
  }
  return parseIdx(bytes, path);
}

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The ten Fashion-MNIST classes, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export interface ImageSplit {
  /** Pixels scaled to [0, 1]: [n, 28, 28, 1] (channels last, for conv2d). */
  images: Tensor;
  /** Class ids 0…9: [n]. */
  labels: Tensor;
}

export interface FashionMnist {
  train: ImageSplit;
  test: ImageSplit;
  classNames: readonly string[];
}

export interface LoadFashionMnistOptions {
  /** The directory holding the four IDX files (default FASHION_MNIST_DIR). */
  dir?: string;
  /** Keep only the first `trainLimit` training and `testLimit` test images (for quick runs). */
  trainLimit?: number;
  testLimit?: number;
}

/** Whether the four Fashion-MNIST files are in `dir` (plain or .gz). */
export function hasFashionMnist(dir: string = FASHION_MNIST_DIR): boolean {
  return FILES.every((file) => findFile(dir, file) !== null);
}

const FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

function findFile(dir: string, file: string): string | null {
  for (const name of [file, `${file}.gz`]) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

function readSplit(dir: string, prefix: 'train' | 't10k', limit: number | undefined): ImageSplit {
  const imagesPath = findFile(dir, `${prefix}-images-idx3-ubyte`)!;
  const labelsPath = findFile(dir, `${prefix}-labels-idx1-ubyte`)!;
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (
    images.dtype !== 'uint8' ||
    images.shape.length !== 3 ||
    labels.dtype !== 'uint8' ||
    labels.shape.length !== 1
  ) {
    throw new FormatError(
      `${imagesPath} / ${labelsPath}: expected uint8 images [n, rows, cols] and uint8 labels [n], got ${images.dtype} [${images.shape.join(', ')}] and ${labels.dtype} [${labels.shape.join(', ')}]`,
    );
  }
  const [count, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) {
    throw new FormatError(
      `${imagesPath} has ${count} images but ${labelsPath} has ${labels.shape[0]} labels`,
    );
  }
  const n = Math.min(count, limit ?? count);
  const pixels = new Float32Array(n * rows * cols);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  const ids = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = labels.data[i]!;
    if (label > 9) throw new FormatError(`${labelsPath}: label ${label} at index ${i} is outside 0…9`);
    ids[i] = label;
  }
  return { images: new Tensor(pixels, [n, rows, cols, 1]), labels: new Tensor(ids, [n]) };
}

/**
 * Fashion-MNIST (Zalando, MIT licence) from local IDX files: 60,000 training and 10,000 test images of
 * 28×28 grey pixels in ten classes. Install the files with `apt-get install dataset-fashion-mnist`
 * (Debian/Ubuntu) or pass the directory that holds them.
 */
export function loadFashionMnist(options: LoadFashionMnistOptions = {}): FashionMnist {
  const dir = options.dir ?? FASHION_MNIST_DIR;
  const missing = FILES.filter((file) => findFile(dir, file) === null);
  if (missing.length > 0) {
    throw new VerboError(
      `Fashion-MNIST is not in ${dir} (missing ${missing.join(', ')}); install it with ` +
        "'apt-get install dataset-fashion-mnist' or give the directory that holds the four IDX files",
      'ENOENT',
    );
  }
  return {
    train: readSplit(dir, 'train', options.trainLimit),
    test: readSplit(dir, 't10k', options.testLimit),
    classNames: FASHION_MNIST_CLASSES,
  };
}
