// The one weight format of verbo's trained models (nn models, language models, and the optimizer state
// in checkpoints): NAME.bin holds every array as little-endian float32, back to back; NAME.json lists
// them: { format: 'verbo-weights', version, dtype, byteOrder, weights: [{ name, shape, offset, length }] }.
// Arrays are matched by name on reading, and every size is checked before a value is trusted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, ShapeError, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { formatSymbolicShape } from './symbolic.js';

export const WEIGHTS_FORMAT = 'verbo-weights';
export const WEIGHTS_FORMAT_VERSION = 1;

/** One named array. */
export interface WeightEntry {
  name: string;
  shape: readonly number[];
  values: Float32Array;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

/** Writes `entries` as `dir/NAME.bin` + `dir/NAME.json` (each file atomically, the manifest last). */
export function writeWeightFile(dir: string, entries: readonly WeightEntry[], name = 'weights'): void {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
    throw new VerboError('saving weights needs a little-endian machine', 'UNSUPPORTED');
  }
  const manifest: ManifestEntry[] = [];
  let total = 0;
  for (const entry of entries) {
    manifest.push({ name: entry.name, shape: [...entry.shape], offset: total, length: entry.values.length });
    total += entry.values.length;
  }
  const data = new Float32Array(total);
  entries.forEach((entry, i) => {
    data.set(entry.values, manifest[i]!.offset);
  });
  writeFileAtomic(join(dir, `${name}.bin`), new Uint8Array(data.buffer));
  const file = {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_FORMAT_VERSION,
    dtype: 'float32',
    byteOrder: 'little',
    weights: manifest,
  };
  writeFileAtomic(join(dir, `${name}.json`), `${JSON.stringify(file, null, 1)}\n`);
}

/** A weight file read and checked: the arrays by name, in file order. */
export type WeightMap = Map<string, { shape: number[]; values: Float32Array }>;

/** Reads `dir/NAME.json` + `dir/NAME.bin`, checking the manifest against the data's size. */
export function readWeightFile(dir: string, name = 'weights'): WeightMap {
  const manifestPath = join(dir, `${name}.json`);
  const dataPath = join(dir, `${name}.bin`);
  let manifest: { format?: unknown; version?: unknown; weights?: unknown };
  let bytes: Buffer;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    bytes = readFileSync(dataPath);
  } catch (error) {
    throw new VerboError(`cannot read ${manifestPath} / ${name}.bin: ${(error as Error).message}`, 'ENOENT');
  }
  if (manifest.format !== WEIGHTS_FORMAT || !Array.isArray(manifest.weights)) {
    throw new FormatError(`${manifestPath} is not a verbo weights manifest`);
  }
  if (typeof manifest.version !== 'number' || manifest.version > WEIGHTS_FORMAT_VERSION) {
    throw new FormatError(
      `${manifestPath}: weights format version ${String(manifest.version)} is not one this verbo reads (${WEIGHTS_FORMAT_VERSION}); upgrade verbo`,
    );
  }
  if (bytes.byteLength % 4 !== 0) {
    throw new FormatError(`${dataPath}: ${bytes.byteLength} bytes is not a whole number of float32 values`);
  }
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const out: WeightMap = new Map();
  let expected = 0;
  for (const entry of manifest.weights as ManifestEntry[]) {
    const size = Array.isArray(entry.shape) ? entry.shape.reduce((n, d) => n * d, 1) : -1;
    if (typeof entry.name !== 'string' || size !== entry.length || !Number.isInteger(entry.offset)) {
      throw new FormatError(`${manifestPath}: entry ${JSON.stringify(entry)} is malformed`);
    }
    if (entry.offset + entry.length > floats.length) {
      throw new FormatError(
        `${dataPath} is truncated (weight '${entry.name}' ends past its ${floats.length} values)`,
      );
    }
    out.set(entry.name, {
      shape: entry.shape,
      values: floats.subarray(entry.offset, entry.offset + entry.length),
    });
    expected += entry.length;
  }
  if (expected !== floats.length) {
    throw new FormatError(
      `${dataPath} has ${floats.length} values but ${manifestPath} lists ${expected}; the two files are from different saves`,
    );
  }
  return out;
}

/**
 * Copies arrays of `file` into `targets` by name (every target must be there with the same shape).
 * `where` names the file in errors.
 */
export function assignWeights(
  file: WeightMap,
  targets: readonly { name: string; data: Float32Array; shape: readonly number[] }[],
  where: string,
): void {
  for (const target of targets) {
    const entry = file.get(target.name);
    if (!entry) {
      throw new FormatError(
        `${where} has no weight '${target.name}' (it has ${[...file.keys()].join(', ')})`,
      );
    }
    if (entry.shape.join(',') !== target.shape.join(',')) {
      throw new ShapeError(
        `weight '${target.name}' has shape ${formatSymbolicShape(target.shape)} in the model but ${formatSymbolicShape(entry.shape)} in ${where}`,
      );
    }
  }
  for (const target of targets) target.data.set(file.get(target.name)!.values);
}
