// Corpus streaming: a restartable async iterable of lines over files, directories (recursive, sorted),
// globs, gzip files and stdin. Memory stays bounded: files are read in 64 KiB blocks and decoded
// incrementally, and a "line" longer than `maxLineLength` characters is cut at a space. Each `for await`
// starts a new pass from the beginning, so trainers can make several epochs; stdin is spooled to a
// temporary file on the first pass so later passes can re-read it.
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pipeline as pipeStreams } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { VerboError } from '../util/errors.js';

/** Counts from the last complete pass over a corpus. */
export interface CorpusStats {
  /** Files read (stdin counts as one). */
  files: number;
  /** Lines yielded (a line cut for length counts as several). */
  lines: number;
  /** Bytes of text read (after gzip decompression). */
  bytes: number;
  /** Invalid UTF-8 sequences replaced with U+FFFD. */
  invalidUtf8: number;
}

/** A restartable stream of lines: every `for await` reads the corpus again from the start. */
export interface LineCorpus extends AsyncIterable<string> {
  /** The files the corpus reads, in order ('-' for stdin). */
  readonly sources: readonly string[];
  /** Counts from the last complete pass, or undefined before the first pass ends. */
  readonly stats: CorpusStats | undefined;
  /** Removes the temporary copy of stdin, if any. Safe to call more than once. */
  close(): void;
}

export interface OpenCorpusOptions {
  /** Receives warnings (e.g. invalid UTF-8 replaced), at most once each per corpus. The library never prints. */
  onWarning?: (message: string) => void;
  /** The stream read for '-' (any async iterable of bytes or text). Default process.stdin. */
  stdin?: AsyncIterable<Uint8Array | string>;
  /** Longest line in characters before it is cut at a space. Default 1,000,000. */
  maxLineLength?: number;
  /** Allow a corpus with no text (default false: an empty corpus is an error). */
  allowEmpty?: boolean;
}

const BLOCK_SIZE = 1 << 16;
/** How much of each file is checked for NUL bytes to tell binary files from text. */
const BINARY_PROBE = 8192;

/** Opens a corpus over files, directories, globs, `.gz` files and '-' (stdin). Paths are checked now. */
export function openCorpus(inputs: readonly string[], options: OpenCorpusOptions = {}): LineCorpus {
  if (inputs.length === 0) {
    throw new VerboError(
      'no corpus given; name one or more files, directories or globs, or - for stdin.',
      'BAD_ARGUMENT',
    );
  }
  const sources = resolveInputs(inputs);
  const maxLineLength = options.maxLineLength ?? 1_000_000;
  let stats: CorpusStats | undefined;
  let warned = false;
  let stdinCopy: string | undefined;
  let stdinDir: string | undefined;
  let stdinSpooled: Promise<void> | undefined;
  const removeStdinCopy = (): void => {
    if (stdinDir !== undefined) rmSync(stdinDir, { recursive: true, force: true });
  };

  async function spoolStdin(): Promise<string> {
    if (stdinCopy === undefined) {
      stdinDir = mkdtempSync(join(tmpdir(), 'verbo-stdin-'));
      stdinCopy = join(stdinDir, 'stdin.txt');
      process.once('exit', removeStdinCopy);
      const input = options.stdin ?? process.stdin;
      stdinSpooled = pipeStreams(input, createWriteStream(stdinCopy));
    }
    await stdinSpooled;
    return stdinCopy;
  }

  async function* pass(): AsyncGenerator<string> {
    const counts: CorpusStats = { files: 0, lines: 0, bytes: 0, invalidUtf8: 0 };
    const invalidByFile: string[] = [];
    let hasText = false;
    for (const source of sources) {
      const path = source === '-' ? await spoolStdin() : source;
      const name = source === '-' ? 'stdin' : source;
      const before = counts.invalidUtf8;
      for await (const line of readLines(path, name, counts, maxLineLength)) {
        if (!hasText && /\S/.test(line)) hasText = true;
        yield line;
      }
      counts.files++;
      if (counts.invalidUtf8 > before) invalidByFile.push(`${name} (${counts.invalidUtf8 - before})`);
    }
    stats = counts;
    if (!hasText && !options.allowEmpty) {
      throw new VerboError(
        `the corpus is empty: ${sources.map((s) => (s === '-' ? 'stdin' : s)).join(', ')} holds no text.`,
        'EMPTY',
      );
    }
    if (counts.invalidUtf8 > 0 && !warned) {
      warned = true;
      options.onWarning?.(
        `replaced ${counts.invalidUtf8} invalid UTF-8 sequence${counts.invalidUtf8 === 1 ? '' : 's'} with U+FFFD in ${invalidByFile.join(', ')}`,
      );
    }
  }

  return {
    sources,
    get stats() {
      return stats;
    },
    close() {
      removeStdinCopy();
      process.removeListener('exit', removeStdinCopy);
    },
    [Symbol.asyncIterator]: () => pass(),
  };
}

/** Resolves inputs to a list of files: directories recursively (sorted), globs expanded, '-' kept. */
export function resolveInputs(inputs: readonly string[]): string[] {
  const files: string[] = [];
  let stdinSeen = false;
  for (const input of inputs) {
    if (input === '-') {
      if (stdinSeen) throw new VerboError("stdin ('-') can be given only once.", 'BAD_ARGUMENT');
      stdinSeen = true;
      files.push('-');
    } else if (existsSync(input)) {
      if (statSync(input).isDirectory()) {
        const found = walk(input);
        if (found.length === 0) throw new VerboError(`directory '${input}' holds no files.`, 'EMPTY');
        files.push(...found);
      } else files.push(input);
    } else if (/[*?[]/.test(input)) {
      const found = expandGlob(input);
      if (found.length === 0) throw new VerboError(`no files match '${input}'.`, 'ENOENT');
      files.push(...found);
    } else {
      throw new VerboError(
        `'${input}' does not exist; check the path (no such file or directory).`,
        'ENOENT',
      );
    }
  }
  return files;
}

/** Every file under `dir`, recursively, skipping hidden entries, sorted by path for determinism. */
function walk(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile() || (entry.isSymbolicLink() && statSync(path).isFile())) out.push(path);
    else if (entry.isSymbolicLink() && statSync(path).isDirectory()) out.push(...walk(path));
  }
  return out;
}

/** Expands a glob (`*`, `?`, `[...]`, `**`) by walking from its longest literal folder prefix. */
function expandGlob(pattern: string): string[] {
  const segments = pattern.split(/[\\/]/);
  const firstGlob = segments.findIndex((segment) => /[*?[]/.test(segment));
  const baseParts = segments.slice(0, firstGlob);
  const base = baseParts.length === 0 ? '.' : baseParts.join('/') || '/';
  if (!existsSync(base) || !statSync(base).isDirectory()) return [];
  const matcher = globToRegExp(segments.slice(firstGlob).join('/'));
  return walk(base).filter((file) => matcher.test(relative(base, file).split(sep).join('/')));
}

/** Translates a glob over '/'-separated relative paths into a regular expression. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        source += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else source += '[^/]*';
    } else if (ch === '?') source += '[^/]';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) source += '\\[';
      else {
        const body = glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = close;
      }
    } else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function startsWithGzipMagic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Counts the UTF-8 encodings of U+FFFD (EF BF BD) in a block: replacements that were in the file. */
function countLiteralReplacements(block: Buffer): number {
  let count = 0;
  let at = block.indexOf(0xef);
  while (at >= 0 && at + 2 < block.length) {
    if (block[at + 1] === 0xbf && block[at + 2] === 0xbd) count++;
    at = block.indexOf(0xef, at + 1);
  }
  return count;
}

function countChar(text: string, ch: string): number {
  let count = 0;
  let at = text.indexOf(ch);
  while (at >= 0) {
    count++;
    at = text.indexOf(ch, at + 1);
  }
  return count;
}

/** Cuts a line into pieces of at most `limit` characters, at the last space before the limit when there is one. */
function cutLine(line: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf(' ', limit);
    if (cut <= 0) cut = limit;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut + (rest.charCodeAt(cut) === 32 ? 1 : 0));
  }
  pieces.push(rest);
  return pieces;
}

/** Reads one file as lines (LF or CRLF), updating `counts`. */
async function* readLines(
  path: string,
  name: string,
  counts: CorpusStats,
  maxLineLength: number,
): AsyncGenerator<string> {
  const stat = statSync(path);
  if (stat.isDirectory()) throw new VerboError(`'${name}' is a directory, not a text file.`, 'BAD_ARGUMENT');
  const fileStream = createReadStream(path, { highWaterMark: BLOCK_SIZE });
  const gzip = path.endsWith('.gz') || (stat.size >= 2 && startsWithGzipMagic(path));
  const input: NodeJS.ReadableStream = gzip ? fileStream.pipe(createGunzip()) : fileStream;
  if (gzip) {
    fileStream.on('error', (error) => (input as NodeJS.ReadWriteStream).emit('error', error));
  }
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let pending = '';
  let probed = 0;
  try {
    for await (const block of input as AsyncIterable<Buffer>) {
      if (probed < BINARY_PROBE) {
        const probe = block.subarray(0, BINARY_PROBE - probed);
        if (probe.includes(0)) {
          throw new VerboError(
            `'${name}' looks like a binary file (it contains NUL bytes); give plain UTF-8 text${gzip ? '' : ' or .gz'}.`,
            'FORMAT',
          );
        }
        probed += probe.length;
      }
      counts.bytes += block.length;
      const text = decoder.decode(block, { stream: true });
      if (text.includes('\uFFFD')) {
        counts.invalidUtf8 += Math.max(0, countChar(text, '\uFFFD') - countLiteralReplacements(block));
      }
      pending = pending === '' ? text : pending + text;
      let start = 0;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const end = newline > start && pending.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        if (end - start <= maxLineLength) {
          counts.lines++;
          yield pending.slice(start, end);
        } else {
          for (const piece of cutLine(pending.slice(start, end), maxLineLength)) {
            counts.lines++;
            yield piece;
          }
        }
        start = newline + 1;
        newline = pending.indexOf('\n', start);
      }
      pending = start === 0 ? pending : pending.slice(start);
      if (pending.length > maxLineLength) {
        // A line without an end in sight: emit all of it but the last piece, which may still grow.
        const pieces = cutLine(pending, maxLineLength);
        pending = pieces.pop()!;
        for (const piece of pieces) {
          counts.lines++;
          yield piece;
        }
      }
    }
    const tail = decoder.decode();
    if (tail.includes('\uFFFD')) counts.invalidUtf8 += countChar(tail, '\uFFFD');
    pending += tail;
    if (pending.endsWith('\r')) pending = pending.slice(0, -1);
    if (pending !== '') {
      for (const piece of cutLine(pending, maxLineLength)) {
        counts.lines++;
        yield piece;
      }
    }
  } catch (error) {
    if (error instanceof VerboError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (
      code === 'Z_DATA_ERROR' ||
      code === 'Z_BUF_ERROR' ||
      (error as Error).message?.includes('unexpected end')
    ) {
      throw new VerboError(`'${name}' is not a valid gzip file (${(error as Error).message}).`, 'FORMAT');
    }
    throw error;
  } finally {
    fileStream.destroy();
  }
}
