// The original word2vec vector formats, read and written by the C tool, gensim and fastText:
//   text:   "N DIM\n" then N lines "word v1 v2 ... vDIM\n" (fastText's .vec adds a trailing space);
//   binary: "N DIM\n" then N records "word " + DIM little-endian float32 (+ "\n" as the C tool writes;
//           gensim strips newlines before each word, so the newline is optional when reading).
// Files are streamed in chunks (a large .bin never becomes one string), the header is checked against
// the file size before anything of the claimed size is allocated, and every defect is reported as a
// FormatError naming the word or line. Writes go through writeStreamAtomic (temporary name + rename).
import { open, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { FormatError, shown, VerboError } from '../util/errors.js';
import { batchedAppend, writeStreamAtomic } from '../util/files.js';
import { isFastTextBin } from './fasttext-bin.js';
import { KeyedVectors } from './keyed-vectors.js';

export type Word2VecFormat = 'binary' | 'text';

export interface ReadWord2VecOptions {
  /** 'auto' (default) tells binary from text by content. */
  format?: Word2VecFormat | 'auto';
  /** Read only the first `limit` vectors (gensim's `limit`). */
  limit?: number;
  /** Invalid UTF-8 in a word: 'strict' (default) refuses the file, 'replace' substitutes U+FFFD. */
  unicodeErrors?: 'strict' | 'replace';
}

export interface Word2VecFile {
  vectors: KeyedVectors;
  format: Word2VecFormat;
  /** Later duplicates of a word are ignored (as gensim does); how many were dropped. */
  duplicates: number;
  /** The first few dropped duplicates: the word and its two ordinals (1-based). */
  duplicateWords: { word: string; first: number; again: number }[];
}

/** One line for the user about a file's dropped duplicates (as gensim warns), or undefined when none. */
export function duplicatesWarning(path: string, file: Word2VecFile): string | undefined {
  if (file.duplicates === 0) return undefined;
  const shownWords = file.duplicateWords
    .map(({ word, first, again }) => `'${shown(word, 40)}' (vectors ${first} and ${again})`)
    .join(', ');
  const more = file.duplicates > file.duplicateWords.length ? ', …' : '';
  return `${path}: ${file.duplicates} word(s) appear twice: ${shownWords}${more}; the first vector of each is kept.`;
}

const CHUNK_BYTES = 1 << 20;
const MAX_HEADER_BYTES = 1024;
/** A word longer than this (in bytes) means the file is not what its header says. */
const MAX_WORD_BYTES = 4096;
const SPACE = 0x20;
const NEWLINE = 0x0a;

/** Buffered sequential reads of a file handle. */
class ChunkReader {
  buffer: Uint8Array;
  start = 0;
  end = 0;
  /** File offset of buffer[0]. */
  bufferOffset = 0;
  private eof = false;

  constructor(
    private readonly handle: import('node:fs/promises').FileHandle,
    size: number,
  ) {
    this.buffer = new Uint8Array(size);
  }

  /** Reads more bytes after `end`, first moving the unread part to the front. False at end of file. */
  async more(): Promise<boolean> {
    if (this.eof) return false;
    if (this.start > 0) {
      this.buffer.copyWithin(0, this.start, this.end);
      this.bufferOffset += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer.subarray(0, this.end));
      this.buffer = grown;
    }
    const { bytesRead } = await this.handle.read(this.buffer, this.end, this.buffer.length - this.end, null);
    if (bytesRead === 0) {
      this.eof = true;
      return false;
    }
    this.end += bytesRead;
    return true;
  }

  /** Makes at least `n` unread bytes available unless the file ends first; returns how many there are. */
  async ensure(n: number): Promise<number> {
    while (this.end - this.start < n && (await this.more())) {}
    return this.end - this.start;
  }

  /** File offset of the next unread byte. */
  get position(): number {
    return this.bufferOffset + this.start;
  }
}

interface Header {
  count: number;
  dim: number;
  /** Bytes taken by the header line including its newline. */
  bytes: number;
}

/** Whether the first line looks like binary data (control bytes or invalid UTF-8), not a header line. */
function looksBinary(bytes: Uint8Array): boolean {
  const newline = bytes.subarray(0, 64).indexOf(NEWLINE);
  const head = bytes.subarray(0, newline < 0 ? 64 : newline);
  if (head.some((b) => b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f)) return true;
  try {
    // A multi-byte character may be cut at the end of the sample: decode what is surely whole.
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3)));
    return false;
  } catch {
    return true;
  }
}

function parseHeader(bytes: Uint8Array, path: string): Header {
  if (isFastTextBin(bytes)) {
    throw new FormatError(
      `${path} is a fastText .bin model, not word2vec vectors: load it with loadModel (every verbo command that takes a model accepts it), or write its vectors as word2vec with \`npx verbo export ${path} --format word2vec-bin --out vectors.bin\`.`,
    );
  }
  if (looksBinary(bytes)) {
    const shown = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FormatError(
      `${path}: not a word2vec file: it starts with binary data (bytes ${shown}), not a "<word count> <dimension>" line; verbo reads word2vec .bin/.txt/.vec files and fastText .bin models.`,
    );
  }
  const newline = bytes.subarray(0, MAX_HEADER_BYTES).indexOf(NEWLINE);
  const line = new TextDecoder('utf-8', { fatal: false }).decode(
    bytes.subarray(0, newline < 0 ? Math.min(bytes.length, 80) : newline),
  );
  const match = /^\s*(\d{1,12})\s+(\d{1,9})\s*$/.exec(line);
  if (newline < 0 || match === null) {
    const shown = JSON.stringify(line.slice(0, 60));
    throw new FormatError(
      `${path}: not a word2vec file: the first line should be "<word count> <dimension>" (e.g. "71291 100"), got ${shown}. Files without that header (GloVe) must have it added.`,
    );
  }
  const count = Number(match[1]);
  const dim = Number(match[2]);
  if (dim <= 0) throw new FormatError(`${path}: the header says dimension ${dim}; it must be at least 1.`);
  if (count === 0) {
    throw new FormatError(
      `${path}: the header says 0 vectors; a model without words cannot answer anything (is the file complete?).`,
    );
  }
  return { count, dim, bytes: newline + 1 };
}

/** True when the first record after the header reads as a text line of `dim` numbers. */
function looksLikeText(bytes: Uint8Array, header: Header): boolean {
  if (header.count === 0) return true;
  const rest = bytes.subarray(header.bytes);
  const newline = rest.indexOf(NEWLINE);
  const line = new TextDecoder('utf-8', { fatal: false }).decode(
    newline < 0 ? rest : rest.subarray(0, newline),
  );
  const parts = line.trimEnd().split(' ');
  if (parts.length !== header.dim + 1) return false;
  for (let i = 1; i < parts.length; i++) if (!isNumber(parts[i]!)) return false;
  return true;
}

const NUMBER_PATTERN = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
function isNumber(text: string): boolean {
  return NUMBER_PATTERN.test(text);
}

/** Reads a word2vec text or binary file (detected by content unless `format` says). */
export async function readWord2Vec(path: string, options: ReadWord2VecOptions = {}): Promise<Word2VecFile> {
  const fileSize = (await stat(path)).size;
  const handle = await open(path, 'r');
  try {
    const reader = new ChunkReader(handle, CHUNK_BYTES);
    await reader.ensure(Math.min(CHUNK_BYTES, fileSize));
    if (reader.end === 0)
      throw new FormatError(`${path}: the file is empty; expected a word2vec header "<count> <dimension>".`);
    const header = parseHeader(reader.buffer.subarray(0, reader.end), path);
    const format =
      options.format === undefined || options.format === 'auto'
        ? looksLikeText(reader.buffer.subarray(0, reader.end), header)
          ? 'text'
          : 'binary'
        : options.format;
    checkSize(path, header, format, fileSize);
    reader.start = header.bytes;
    const wanted =
      options.limit === undefined
        ? header.count
        : Math.min(header.count, Math.max(0, Math.floor(options.limit)));
    const decoder = new TextDecoder('utf-8', { fatal: options.unicodeErrors !== 'replace' });
    const parsed =
      format === 'binary'
        ? await readBinary(reader, header, wanted, decoder, path)
        : await readText(reader, header, wanted, decoder, path);
    return { ...parsed, format };
  } finally {
    await handle.close();
  }
}

/** Refuses a header whose claimed size cannot fit in the file, before anything is allocated. */
function checkSize(path: string, header: Header, format: Word2VecFormat, fileSize: number): void {
  const available = fileSize - header.bytes;
  // Smallest record: binary "w " + 4·DIM bytes; text "w" + DIM × " 0" (+ newline except the last).
  const minimum =
    format === 'binary'
      ? header.count * (2 + 4 * header.dim)
      : header.count * (1 + 2 * header.dim) + Math.max(0, header.count - 1);
  if (minimum > available) {
    throw new FormatError(
      `${path}: the header claims ${header.count} vectors of dimension ${header.dim} (at least ${minimum} bytes in ${format} format) but only ${available} bytes follow it: the file is truncated or its header is wrong.`,
    );
  }
}

type Parsed = Omit<Word2VecFile, 'format'>;

/** Collects words and rows; later duplicates of a word are skipped (gensim keeps the first). */
class Collector {
  readonly words: string[] = [];
  /** word → its ordinal (1-based) in the file. */
  readonly seen = new Map<string, number>();
  duplicates = 0;
  readonly duplicateWords: { word: string; first: number; again: number }[] = [];
  private ordinal = 0;
  constructor(
    readonly matrix: Float32Array,
    readonly dim: number,
  ) {}

  /** Row where the next vector goes (a duplicate's row is overwritten by the next word). */
  get row(): number {
    return this.words.length;
  }

  /** Accepts the vector just written at `row` for `word`, or drops it as a duplicate. */
  commit(word: string): void {
    this.ordinal++;
    const first = this.seen.get(word);
    if (first !== undefined) {
      this.duplicates++;
      if (this.duplicateWords.length < 3) this.duplicateWords.push({ word, first, again: this.ordinal });
      return;
    }
    this.seen.set(word, this.ordinal);
    this.words.push(word);
  }

  finish(): Parsed {
    const matrix =
      this.words.length * this.dim === this.matrix.length
        ? this.matrix
        : this.matrix.slice(0, this.words.length * this.dim);
    return {
      vectors: new KeyedVectors(this.words, matrix, this.dim),
      duplicates: this.duplicates,
      duplicateWords: this.duplicateWords,
    };
  }
}

function decodeWord(decoder: TextDecoder, bytes: Uint8Array, path: string, ordinal: number): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new FormatError(
      `${path}: word ${ordinal} is not valid UTF-8 (bytes ${Buffer.from(bytes.subarray(0, 40)).toString('hex')}); the file is corrupt or in another encoding.`,
    );
  }
}

async function readBinary(
  reader: ChunkReader,
  header: Header,
  wanted: number,
  decoder: TextDecoder,
  path: string,
): Promise<Parsed> {
  const { dim } = header;
  const vectorBytes = 4 * dim;
  const collector = new Collector(new Float32Array(wanted * dim), dim);
  const matrixBytes = new Uint8Array(collector.matrix.buffer);
  const bigEndian = endianness() === 'BE';
  for (let ordinal = 1; ordinal <= wanted; ordinal++) {
    // Skip the newline that ends the previous record (C tool) or nothing (gensim).
    for (;;) {
      if (reader.start === reader.end && !(await reader.more())) {
        throw new FormatError(
          `${path}: the file ends after ${ordinal - 1} of ${header.count} vectors: it is truncated (or the header count is wrong).`,
        );
      }
      if (reader.buffer[reader.start] === NEWLINE) reader.start++;
      else break;
    }
    let space = reader.buffer.subarray(reader.start, reader.end).indexOf(SPACE);
    while (space < 0) {
      if (reader.end - reader.start > MAX_WORD_BYTES) {
        throw new FormatError(
          `${path}: no space after word ${ordinal} within ${MAX_WORD_BYTES} bytes (at byte ${reader.position}): the file is corrupt or not word2vec binary.`,
        );
      }
      if (!(await reader.more())) {
        throw new FormatError(
          `${path}: the file ends inside word ${ordinal} of ${header.count}: it is truncated.`,
        );
      }
      space = reader.buffer.subarray(reader.start, reader.end).indexOf(SPACE);
    }
    if (space > MAX_WORD_BYTES) {
      throw new FormatError(
        `${path}: word ${ordinal} is ${space} bytes long (at byte ${reader.position}): the file is corrupt or not word2vec binary.`,
      );
    }
    const word = decodeWord(
      decoder,
      reader.buffer.subarray(reader.start, reader.start + space),
      path,
      ordinal,
    );
    if (word.length === 0) {
      throw new FormatError(
        `${path}: word ${ordinal} is empty (at byte ${reader.position}): the file is corrupt.`,
      );
    }
    reader.start += space + 1;
    if ((await reader.ensure(vectorBytes)) < vectorBytes) {
      throw new FormatError(
        `${path}: the file ends inside the vector of '${word}' (word ${ordinal} of ${header.count}): ${reader.end - reader.start} of ${vectorBytes} bytes present; it is truncated.`,
      );
    }
    const row = collector.row;
    const target = row * vectorBytes;
    matrixBytes.set(reader.buffer.subarray(reader.start, reader.start + vectorBytes), target);
    reader.start += vectorBytes;
    if (bigEndian) new Uint8Array(collector.matrix.buffer, target, vectorBytes).reverse();
    for (let j = 0; j < dim; j++) {
      if (!Number.isFinite(collector.matrix[row * dim + j]!)) {
        throw new FormatError(
          `${path}: the vector of '${word}' (word ${ordinal}) holds ${collector.matrix[row * dim + j]} at position ${j + 1}: the file is corrupt.`,
        );
      }
    }
    collector.commit(word);
  }
  if (wanted === header.count) {
    // Only newlines may follow the last record.
    for (;;) {
      while (reader.start < reader.end && reader.buffer[reader.start] === NEWLINE) reader.start++;
      if (reader.start < reader.end) {
        throw new FormatError(
          `${path}: unexpected data after the ${header.count} vectors the header announces (at byte ${reader.position}): the header count is wrong or the file is corrupt.`,
        );
      }
      if (!(await reader.more())) break;
    }
  }
  return collector.finish();
}

async function readText(
  reader: ChunkReader,
  header: Header,
  wanted: number,
  decoder: TextDecoder,
  path: string,
): Promise<Parsed> {
  const { dim } = header;
  const collector = new Collector(new Float32Array(wanted * dim), dim);
  let ordinal = 0; // vectors read so far
  let lineNumber = 1; // the header is line 1
  let carry = '';
  const handleLine = (rawLine: string): boolean => {
    lineNumber++;
    const line = rawLine.trimEnd();
    if (ordinal === header.count) {
      if (line.trim() !== '') {
        throw new FormatError(
          `${path}: line ${lineNumber}: unexpected data after the ${header.count} vectors the header announces: the header count is wrong or the file is corrupt.`,
        );
      }
      return true;
    }
    const parts = line.split(' ');
    const word = parts[0]!;
    if (parts.length !== dim + 1) {
      const what = line === '' ? 'is empty' : `('${word.slice(0, 40)}') has ${parts.length - 1} values`;
      throw new FormatError(
        `${path}: line ${lineNumber} ${what}, expected a word and ${dim} values: the file is corrupt or truncated.`,
      );
    }
    if (word === '')
      throw new FormatError(`${path}: line ${lineNumber} starts with a space: the word is empty.`);
    const row = collector.row;
    for (let j = 0; j < dim; j++) {
      const text = parts[j + 1]!;
      const value = Number(text);
      if (!Number.isFinite(value) || !isNumber(text)) {
        throw new FormatError(
          `${path}: line ${lineNumber} ('${word.slice(0, 40)}'): value ${j + 1} is ${JSON.stringify(text.slice(0, 40))}, not a finite number.`,
        );
      }
      collector.matrix[row * dim + j] = value;
    }
    collector.commit(word);
    ordinal++;
    return ordinal < wanted || wanted === header.count;
  };
  const decode = (bytes: Uint8Array, stream: boolean): string => {
    try {
      return decoder.decode(bytes, { stream });
    } catch {
      throw new FormatError(
        `${path}: invalid UTF-8 near line ${lineNumber + 1}; the file is corrupt or in another encoding.`,
      );
    }
  };
  let keepGoing = wanted > 0 || header.count > 0;
  if (wanted === 0) keepGoing = false;
  while (keepGoing) {
    const text = carry + decode(reader.buffer.subarray(reader.start, reader.end), true);
    reader.start = reader.end;
    const lines = text.split('\n');
    carry = lines.pop()!;
    for (const line of lines) {
      if (!handleLine(line)) {
        keepGoing = false;
        break;
      }
    }
    if (keepGoing && !(await reader.more())) {
      carry += decode(new Uint8Array(0), false);
      if (carry !== '') handleLine(carry);
      break;
    }
  }
  if (ordinal < wanted) {
    throw new FormatError(
      `${path}: the file ends after ${ordinal} of ${header.count} vectors: it is truncated (or the header count is wrong).`,
    );
  }
  return collector.finish();
}

/**
 * The shortest decimal that reads back as the same float32 (like numpy's repr of a float32), so text
 * files round-trip exactly and byte-for-byte.
 */
export function formatFloat32(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const x = Math.fround(value);
  const fits = (p: number) => {
    const text = x.toPrecision(p);
    return Math.fround(Number(text)) === x ? text : undefined;
  };
  let best = fits(6);
  if (best !== undefined) {
    for (let p = 1; p < 6; p++) {
      const shorter = fits(p);
      if (shorter !== undefined) return stripZeros(shorter);
    }
    return stripZeros(best);
  }
  for (let p = 7; p <= 9 && best === undefined; p++) best = fits(p);
  return stripZeros(best ?? x.toPrecision(9));
}

/** "1.500" → "1.5", "2.000e-7" → "2e-7"; values unchanged. */
function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? '' : text.slice(e);
  return mantissa.replace(/0+$/, '').replace(/\.$/, '') + exponent;
}

export interface WriteWord2VecOptions {
  format: Word2VecFormat;
}

function checkWord(word: string): void {
  if (word === '' || /[\s]/.test(word)) {
    throw new VerboError(
      `cannot write the word ${JSON.stringify(word)} in word2vec format: words must be non-empty and contain no spaces or line breaks.`,
    );
  }
}

/** Writes `vectors` in word2vec text or binary format, atomically, in chunks of about 1 MB. */
export async function writeWord2Vec(
  path: string,
  vectors: KeyedVectors,
  options: WriteWord2VecOptions,
): Promise<void> {
  const { dim, size, words } = vectors;
  const matrix = vectors.vectors;
  if (size === 0) {
    throw new VerboError(
      `cannot write ${path}: there are no vectors to write (a model without words).`,
      'EMPTY',
    );
  }
  for (const word of words) checkWord(word);
  const littleEndian = endianness() === 'LE';
  await writeStreamAtomic(path, async (append) => {
    const { push, flush } = batchedAppend(append, CHUNK_BYTES);
    await push(Buffer.from(`${size} ${dim}\n`, 'utf8'));
    for (let row = 0; row < size; row++) {
      const values = matrix.subarray(row * dim, (row + 1) * dim);
      if (options.format === 'binary') {
        await push(Buffer.from(`${words[row]} `, 'utf8'));
        const bytes = Buffer.alloc(4 * dim);
        if (littleEndian) bytes.set(new Uint8Array(values.buffer, values.byteOffset, 4 * dim));
        else for (let j = 0; j < dim; j++) bytes.writeFloatLE(values[j]!, 4 * j);
        await push(bytes);
        await push(NEWLINE_BYTES);
      } else {
        const parts = new Array<string>(dim + 1);
        parts[0] = words[row]!;
        for (let j = 0; j < dim; j++) parts[j + 1] = formatFloat32(values[j]!);
        await push(Buffer.from(`${parts.join(' ')}\n`, 'utf8'));
      }
    }
    await flush();
  });
}

const NEWLINE_BYTES = new Uint8Array([NEWLINE]);
