// fastText's model file (`.bin`, as written by the fastText CLI's skipgram/cbow/supervised and read by its
// nn, print-word-vectors and analogies commands and by gensim's load_facebook_model), all little-endian:
//   int32 magic 793712314, int32 version (12; 11 is read too)
//   args:  int32 dim, ws, epoch, minCount, neg, wordNgrams, loss (hs 1, ns 2, softmax 3, ova 4),
//          model (cbow 1, sg 2, sup 3), bucket, minn, maxn, lrUpdateRate; float64 t
//   dictionary: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size (−1: not pruned);
//          size entries "word bytes, NUL, int64 count, int8 type (0 word, 1 label)", words first;
//          pruneidx_size pairs of int32 (only in quantized models)
//   bool quantized input (1 byte); input matrix: int64 rows (nwords + bucket), int64 cols (dim), float32 data
//   bool quantized output (1 byte); output matrix: int64 rows, int64 cols, float32 data
// The input matrix holds the word rows then the n-gram buckets (see subword.ts); the output matrix the
// negative-sampling / hierarchical-softmax weights (for supervised models, one row per label).
// Every count the file claims is checked against the bytes that remain before anything of that size is
// allocated, so a corrupt or hostile header gives a FormatError, not an allocation of its claim.
// Quantized models (.ftz) are refused with a clear message. Writes are atomic (temporary name + rename).
import { open, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { FormatError, ShapeError, VerboError } from '../util/errors.js';
import { batchedAppend, fileError, writeStreamAtomic } from '../util/files.js';

export const FASTTEXT_MAGIC = 793712314;
export const FASTTEXT_VERSION = 12;

export type FastTextLoss = 'hs' | 'ns' | 'softmax' | 'ova';
export type FastTextModelKind = 'cbow' | 'skipgram' | 'supervised';
const LOSS_CODES: Record<FastTextLoss, number> = { hs: 1, ns: 2, softmax: 3, ova: 4 };
const MODEL_CODES: Record<FastTextModelKind, number> = { cbow: 1, skipgram: 2, supervised: 3 };

/** The training settings stored in a .bin (fastText's Args::save). */
export interface FastTextArgs {
  dim: number;
  ws: number;
  epoch: number;
  minCount: number;
  neg: number;
  wordNgrams: number;
  loss: FastTextLoss;
  model: FastTextModelKind;
  bucket: number;
  minn: number;
  maxn: number;
  lrUpdateRate: number;
  t: number;
}

/** The contents of a .bin; labels and the output matrix are optional. */
export interface FastTextModelData {
  args: FastTextArgs;
  /** Words in id order (decoded UTF-8; invalid bytes shown as \xNN, as gensim does). */
  words: string[];
  /** The exact bytes of each word (what its n-grams are hashed from). */
  wordBytes: Uint8Array[];
  counts: Float64Array;
  /** Labels of a supervised model (words starting with its label prefix), with counts. */
  labels: { label: string; count: number }[];
  /** Tokens of the training corpus, as the dictionary counted them. */
  ntokens: number;
  /** [words + bucket, dim] word rows then n-gram rows. */
  input: Float32Array;
  /** [outputRows, dim], or undefined when not read (`readOutput: false`) or not given (written as zeros). */
  output: Float32Array | undefined;
  outputRows: number;
  /** The file's format version (11 or 12). */
  version: number;
}

export interface ReadFastTextOptions {
  /** Read the output matrix too (default false: only word and n-gram vectors are needed for queries). */
  readOutput?: boolean;
}

/** Whether `bytes` (the start of a file) begin with fastText's magic number. */
export function isFastTextBin(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, true) === FASTTEXT_MAGIC
  );
}

/** Positional little-endian reads over a file handle, every read checked against the file's size. */
class BinReader {
  position = 0;
  private buffer = new Uint8Array(1 << 16);
  private bufferAt = 0;
  private bufferEnd = 0;

  constructor(
    private readonly handle: import('node:fs/promises').FileHandle,
    readonly size: number,
    private readonly path: string,
  ) {}

  get remaining(): number {
    return this.size - this.position;
  }

  fail(what: string): never {
    throw new FormatError(`${this.path}: ${what}`);
  }

  /** Ensures `n` bytes from `position` are buffered; returns their offset in the buffer. */
  private async need(n: number, what: string): Promise<number> {
    if (n > this.remaining) {
      this.fail(
        `the file ends inside ${what} (at byte ${this.position} of ${this.size}): it is truncated or not a fastText model.`,
      );
    }
    if (this.position < this.bufferAt || this.position + n > this.bufferEnd) {
      if (n > this.buffer.length) this.buffer = new Uint8Array(n);
      const { bytesRead } = await this.handle.read(
        this.buffer,
        0,
        Math.min(this.buffer.length, this.remaining),
        this.position,
      );
      this.bufferAt = this.position;
      this.bufferEnd = this.position + bytesRead;
      if (bytesRead < n) this.fail(`could not read ${what} (at byte ${this.position}).`);
    }
    return this.position - this.bufferAt;
  }

  private async view(n: number, what: string): Promise<DataView> {
    const at = await this.need(n, what);
    this.position += n;
    return new DataView(this.buffer.buffer, this.buffer.byteOffset + at, n);
  }

  async int32(what: string): Promise<number> {
    return (await this.view(4, what)).getInt32(0, true);
  }

  async int64(what: string): Promise<number> {
    const value = (await this.view(8, what)).getBigInt64(0, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(`${what} is ${value}, beyond any real model: the file is corrupt.`);
    }
    return Number(value);
  }

  async float64(what: string): Promise<number> {
    return (await this.view(8, what)).getFloat64(0, true);
  }

  async byte(what: string): Promise<number> {
    return (await this.view(1, what)).getUint8(0);
  }

  /**
   * One dictionary entry: the word's bytes up to a NUL (at most `maxWordBytes`), an int64 count and a
   * type byte. Parsed from the buffer; the file is read again only when the entry crosses its end.
   */
  async entry(
    maxWordBytes: number,
    what: string,
  ): Promise<{ bytes: Uint8Array; count: bigint; type: number }> {
    let at = await this.need(Math.min(10, this.remaining), what);
    for (;;) {
      const buffered = this.bufferEnd - this.bufferAt;
      const nul = this.buffer.subarray(at, buffered).indexOf(0);
      if (nul > maxWordBytes || (nul < 0 && buffered - at > maxWordBytes)) {
        this.fail(
          `${what} has no end (no NUL within ${maxWordBytes} bytes at byte ${this.position}): the file is corrupt.`,
        );
      }
      if (nul >= 0 && at + nul + 10 <= buffered) {
        const bytes = this.buffer.slice(at, at + nul);
        const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + at + nul + 1, 9);
        this.position += nul + 10;
        return { bytes, count: view.getBigInt64(0, true), type: view.getUint8(8) };
      }
      at = await this.need(buffered - at + 1, what);
    }
  }

  /** `count` float32 values straight into a new array (the file's bytes, byte-swapped on big-endian hosts). */
  async floats(count: number, what: string): Promise<Float32Array> {
    const bytes = count * 4;
    if (bytes > this.remaining) {
      this.fail(
        `${what} needs ${bytes} bytes but only ${this.remaining} remain: the file is truncated or its header is wrong.`,
      );
    }
    const values = new Float32Array(count);
    const target = new Uint8Array(values.buffer);
    for (let done = 0; done < bytes; ) {
      const { bytesRead } = await this.handle.read(
        target,
        done,
        Math.min(bytes - done, 1 << 26),
        this.position + done,
      );
      if (bytesRead === 0) this.fail(`the file ends inside ${what}: it is truncated.`);
      done += bytesRead;
    }
    this.position += bytes;
    if (endianness() === 'BE') for (let i = 0; i < bytes; i += 4) target.subarray(i, i + 4).reverse();
    return values;
  }

  skip(bytes: number, what: string): void {
    if (bytes > this.remaining)
      this.fail(`${what} needs ${bytes} bytes but only ${this.remaining} remain: the file is truncated.`);
    this.position += bytes;
  }
}

const MAX_WORD_BYTES = 1 << 16;
/** Smallest dictionary entry: one byte of word, its NUL, an int64 count and the type byte. */
const MIN_ENTRY_BYTES = 11;

function decodeWordBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // As gensim's 'backslashreplace': valid parts decoded, each invalid byte shown as \xNN.
    let text = '';
    for (let i = 0; i < bytes.length; ) {
      let end = i + 1;
      while (end <= bytes.length && end - i <= 4) {
        try {
          text += new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, end));
          break;
        } catch {
          end++;
        }
      }
      if (end > bytes.length || end - i > 4) {
        text += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
        i++;
      } else i = end;
    }
    return text;
  }
}

function enumName<T extends string>(codes: Record<T, number>, code: number): T | undefined {
  return (Object.keys(codes) as T[]).find((name) => codes[name] === code);
}

/** Reads a fastText .bin (see the header); checks every claim against the file size. */
export async function readFastTextBin(
  path: string,
  options: ReadFastTextOptions = {},
): Promise<FastTextModelData> {
  try {
    return await readOpened(path, options);
  } catch (error) {
    throw fileError(error, 'read', path);
  }
}

async function readOpened(path: string, options: ReadFastTextOptions): Promise<FastTextModelData> {
  const size = (await stat(path)).size;
  const handle = await open(path, 'r');
  try {
    const r: BinReader = new BinReader(handle, size, path);
    if (size < 8 || (await r.int32('the magic number')) !== FASTTEXT_MAGIC) {
      r.fail('not a fastText model: it does not start with the magic number of fastText .bin files.');
    }
    const version = await r.int32('the version');
    if (version !== 11 && version !== FASTTEXT_VERSION) {
      r.fail(
        `fastText file format version ${version} is not supported (this verbo reads versions 11 and 12).`,
      );
    }
    const int = (what: string) => r.int32(what);
    const dim = await int('dim');
    const ws = await int('ws');
    const epoch = await int('epoch');
    const minCount = await int('minCount');
    const neg = await int('neg');
    const wordNgrams = await int('wordNgrams');
    const lossCode = await int('loss');
    const modelCode = await int('model');
    const bucket = await int('bucket');
    const minn = await int('minn');
    let maxn = await int('maxn');
    const lrUpdateRate = await int('lrUpdateRate');
    const t = await r.float64('t');
    const loss = enumName(LOSS_CODES, lossCode);
    const model = enumName(MODEL_CODES, modelCode);
    if (loss === undefined)
      r.fail(`unknown loss code ${lossCode} in the header (1 to 4 expected): the file is corrupt.`);
    if (model === undefined)
      r.fail(`unknown model code ${modelCode} in the header (1 to 3 expected): the file is corrupt.`);
    if (dim < 1 || dim > 100_000) r.fail(`the header says dim ${dim}: the file is corrupt.`);
    if (bucket < 0 || minn < 0 || maxn < 0 || maxn > 1000) {
      r.fail(`the header says bucket ${bucket}, minn ${minn}, maxn ${maxn}: the file is corrupt.`);
    }
    // Old (version 11) supervised models used no character n-grams, whatever maxn says (as fastText).
    if (version === 11 && model === 'supervised') maxn = 0;

    const entries = await int('the dictionary size');
    const nwords = await int('the word count');
    const nlabels = await int('the label count');
    const ntokens = await r.int64('the token count');
    const pruneSize = await r.int64('the pruned-index size');
    if (entries < 0 || nwords < 0 || nlabels < 0 || nwords + nlabels !== entries) {
      r.fail(
        `the dictionary claims ${entries} entries = ${nwords} words + ${nlabels} labels: the file is corrupt.`,
      );
    }
    if (entries * MIN_ENTRY_BYTES > r.remaining) {
      r.fail(
        `the dictionary claims ${entries} entries but only ${r.remaining} bytes remain: the file is truncated or corrupt.`,
      );
    }
    const words: string[] = [];
    const wordBytes: Uint8Array[] = [];
    const counts = new Float64Array(nwords);
    const labels: { label: string; count: number }[] = [];
    for (let i = 0; i < entries; i++) {
      const entry = await r.entry(MAX_WORD_BYTES, `dictionary entry ${i + 1}`);
      const { bytes, type } = entry;
      if (bytes.length === 0) r.fail(`dictionary entry ${i + 1} is an empty word: the file is corrupt.`);
      if (entry.count < 0n || entry.count > BigInt(Number.MAX_SAFE_INTEGER)) {
        r.fail(`dictionary entry ${i + 1} has count ${entry.count}: the file is corrupt.`);
      }
      const count = Number(entry.count);
      if (type !== (i < nwords ? 0 : 1)) {
        r.fail(
          `dictionary entry ${i + 1} has type ${type}, expected ${i < nwords ? '0 (word)' : '1 (label)'}: the file is corrupt.`,
        );
      }
      if (i < nwords) {
        wordBytes.push(bytes);
        words.push(decodeWordBytes(bytes));
        counts[i] = count;
      } else labels.push({ label: decodeWordBytes(bytes), count });
    }
    if (pruneSize > 0) r.skip(pruneSize * 8, 'the pruned n-gram index');
    const quantized = await r.byte('the quantization flag');
    if (quantized !== 0) {
      r.fail(
        'a quantized fastText model (.ftz) holds compressed vectors this verbo cannot read; use the full .bin model.',
      );
    }
    if (pruneSize > 0)
      r.fail(
        'the dictionary is pruned but the vectors are not quantized: the file is invalid (fastText refuses it too).',
      );
    const rows = await r.int64('the input matrix rows');
    const cols = await r.int64('the input matrix columns');
    if (cols !== dim || rows !== nwords + bucket) {
      r.fail(
        `the input matrix is ${rows} × ${cols} but the header implies ${nwords + bucket} × ${dim} (${nwords} words + ${bucket} buckets): the file is corrupt.`,
      );
    }
    const input = await r.floats(rows * cols, 'the input matrix');
    const quantizedOutput = await r.byte('the output quantization flag');
    if (quantizedOutput !== 0)
      r.fail('the output matrix is quantized: not supported (use the full .bin model).');
    const outputRows = await r.int64('the output matrix rows');
    const outputCols = await r.int64('the output matrix columns');
    if (outputCols !== dim || outputRows < 0) {
      r.fail(
        `the output matrix is ${outputRows} × ${outputCols}, expected ${dim} columns: the file is corrupt.`,
      );
    }
    if (outputRows * outputCols * 4 !== r.remaining) {
      r.fail(
        `the output matrix needs ${outputRows * outputCols * 4} bytes but ${r.remaining} remain: the file is ${outputRows * outputCols * 4 > r.remaining ? 'truncated' : 'followed by unexpected data'}.`,
      );
    }
    const output =
      options.readOutput === true ? await r.floats(outputRows * outputCols, 'the output matrix') : undefined;
    for (let i = 0; i < input.length; i++) {
      if (!Number.isFinite(input[i]!)) {
        const row = Math.floor(i / dim);
        r.fail(
          `the input matrix holds ${input[i]} in row ${row} (${row < nwords ? `word '${words[row]}'` : `bucket ${row - nwords}`}): the file is corrupt.`,
        );
      }
    }
    return {
      args: { dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t },
      words,
      wordBytes,
      counts,
      labels,
      ntokens,
      input,
      output,
      outputRows,
      version,
    };
  } finally {
    await handle.close();
  }
}

/** What writeFastTextBin needs: settings, the vocabulary, and the matrices (output optional). */
export interface FastTextWriteData {
  args: FastTextArgs;
  words: readonly string[];
  counts: ArrayLike<number>;
  /** Defaults to the sum of the counts. */
  ntokens?: number;
  /** [words + bucket, dim]. */
  input: Float32Array;
  /** [words, dim]; zeros when not given (queries never read it). */
  output?: Float32Array;
}

const CHUNK_BYTES = 1 << 24;

/**
 * Writes a fastText .bin (version 12) that the fastText CLI and gensim's load_facebook_model read:
 * an unsupervised model of the given settings, words as given, not quantized. Atomic.
 */
export async function writeFastTextBin(path: string, data: FastTextWriteData): Promise<void> {
  const { args, words, input } = data;
  const nwords = words.length;
  if (input.length !== (nwords + args.bucket) * args.dim) {
    throw new ShapeError(
      `writeFastTextBin: the input matrix has ${input.length} values, expected (${nwords} words + ${args.bucket} buckets) × dim ${args.dim}.`,
    );
  }
  if (data.output !== undefined && data.output.length !== nwords * args.dim) {
    throw new ShapeError(
      `writeFastTextBin: the output matrix has ${data.output.length} values, expected ${nwords} words × dim ${args.dim}.`,
    );
  }
  if (data.counts.length !== nwords) {
    throw new ShapeError(`writeFastTextBin: ${data.counts.length} counts for ${nwords} words.`);
  }
  const encoder = new TextEncoder();
  const encodedWords = words.map((word) => {
    if (word === '' || /[\s\0]/u.test(word)) {
      throw new VerboError(
        `cannot write the word ${JSON.stringify(word)} in fastText format: words must be non-empty and contain no spaces, line breaks or NUL.`,
      );
    }
    return encoder.encode(word);
  });
  let ntokens = data.ntokens;
  if (ntokens === undefined) {
    ntokens = 0;
    for (let i = 0; i < nwords; i++) ntokens += data.counts[i]!;
  }
  const header = new DataView(new ArrayBuffer(4 * 2 + 4 * 12 + 8 + 4 * 3 + 8 * 2));
  let at = 0;
  const i32 = (value: number) => {
    header.setInt32(at, value, true);
    at += 4;
  };
  const i64 = (value: number) => {
    header.setBigInt64(at, BigInt(Math.round(value)), true);
    at += 8;
  };
  i32(FASTTEXT_MAGIC);
  i32(FASTTEXT_VERSION);
  for (const value of [args.dim, args.ws, args.epoch, args.minCount, args.neg, args.wordNgrams]) i32(value);
  i32(LOSS_CODES[args.loss]);
  i32(MODEL_CODES[args.model]);
  for (const value of [args.bucket, args.minn, args.maxn, args.lrUpdateRate]) i32(value);
  header.setFloat64(at, args.t, true);
  at += 8;
  i32(nwords);
  i32(nwords);
  i32(0);
  i64(ntokens);
  i64(-1);

  await writeStreamAtomic(path, async (append) => {
    const { push, flush } = batchedAppend(append, CHUNK_BYTES);
    await push(new Uint8Array(header.buffer));
    for (let i = 0; i < nwords; i++) {
      const bytes = encodedWords[i]!;
      const entry = new DataView(new ArrayBuffer(bytes.length + 10));
      new Uint8Array(entry.buffer).set(bytes);
      entry.setUint8(bytes.length, 0);
      entry.setBigInt64(bytes.length + 1, BigInt(Math.round(data.counts[i]!)), true);
      entry.setInt8(bytes.length + 9, 0);
      await push(new Uint8Array(entry.buffer));
    }
    await push(Uint8Array.of(0));
    await push(matrixHeader(nwords + args.bucket, args.dim));
    await flush();
    await appendFloats(append, input);
    await push(Uint8Array.of(0));
    await push(matrixHeader(nwords, args.dim));
    await flush();
    await appendFloats(append, data.output ?? new Float32Array(nwords * args.dim));
  });
}

function matrixHeader(rows: number, cols: number): Uint8Array {
  const view = new DataView(new ArrayBuffer(16));
  view.setBigInt64(0, BigInt(rows), true);
  view.setBigInt64(8, BigInt(cols), true);
  return new Uint8Array(view.buffer);
}

/** Writes float32 values little-endian in pieces of 16 MiB, straight from the array on little-endian hosts. */
async function appendFloats(
  append: (chunk: Uint8Array) => Promise<void>,
  values: Float32Array,
): Promise<void> {
  const step = CHUNK_BYTES / 4;
  for (let from = 0; from < values.length; from += step) {
    const part = values.subarray(from, Math.min(values.length, from + step));
    if (endianness() === 'LE') {
      await append(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
      continue;
    }
    const bytes = new Uint8Array(part.byteLength);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < part.length; i++) view.setFloat32(4 * i, part[i]!, true);
    await append(bytes);
  }
}
