// Model directories that are never half-written, never mixed and never silently wrong. Every writer of a
// model folder (word2vec, language model, HNSW index, demo output) goes through this module:
//
// - Atomic replacement. The complete new folder is built under a temporary name beside the target
//   (`DIR.new-<pid>-<n>`, or `DIR.partial` for a training run, which keeps its checkpoints there so an
//   interrupted run can resume) and swapped in by renames: DIR → DIR.old-<pid>, staging → DIR, then the
//   old folder is removed. A kill at any moment leaves either the previous model or the new one; the one
//   instant with neither under DIR (between the two renames) is repaired by `recoverModelDir`, which
//   every writer and loader runs first.
// - A manifest. config.json names the folder's kind ("format", e.g. "verbo-word2vec") and format version,
//   and lists every other file with its byte size and sha256 ("files"). Loaders check the files they read
//   against it, so a truncated, edited or foreign file (another model's vocabulary of the same size) is
//   refused with one line naming it.
// - Kinds. A folder holding a model of one kind is never replaced by a model of another kind, and a
//   non-empty folder that is no verbo model is never replaced at all.
// - One writer at a time. `DIR.lock` (beside the folder, since the folder itself is swapped) holds the
//   writer's pid, host and process start time; a second writer is refused, a lock left by a dead process
//   (kill -9) is recognised and taken over.
// - Finite numbers. `firstNonFinite` finds the NaN/Infinity that a diverged run or a corrupt file holds.
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { FormatError, InternalError, parseFailure, shown, VerboError } from './errors.js';
import { fileError, TEMPORARY_FILE, withFileErrors, writeFileAtomic } from './files.js';

/** The file of a model folder that names its kind and lists the others. */
export const CONFIG_FILE = 'config.json';

/** Model folder kinds ("format" in config.json). */
export type ModelFormat = 'verbo-word2vec' | 'verbo-lm' | 'verbo-demo';

const KIND_NAMES: Record<string, string> = {
  'verbo-word2vec': 'word2vec model (verbo train)',
  'verbo-lm': 'language model (verbo lm train)',
  'verbo-demo': 'demo folder (verbo demo)',
};

/** A human name for a folder kind, e.g. "language model (verbo lm train)". */
export function describeKind(format: string): string {
  return KIND_NAMES[format] ?? `'${format}' folder`;
}

/** One file of a manifest: its byte size and the sha256 of its bytes (hex). */
export interface ManifestEntry {
  bytes: number;
  sha256: string;
}

/** Relative path ('/'-separated) → entry, for every file of a model folder but config.json. */
export type Manifest = Record<string, ManifestEntry>;

/** What every model folder's config.json holds (plus the kind's own fields). */
export interface ModelConfigFile {
  format: string;
  version: number;
  /** The manifest; older folders hold byte sizes only (a number per file), or nothing. */
  files?: Manifest | Record<string, number>;
  [key: string]: unknown;
}

// ---- finite numbers ------------------------------------------------------------------------------------

/** Index of the first NaN or ±Infinity in `values`, or -1 when all are finite. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    // value - value is NaN exactly for NaN and ±Infinity; faster than Number.isFinite in a hot loop.
    if (value - value !== 0) return i;
  }
  return -1;
}

// ---- reading config.json and checking files against the manifest ---------------------------------------

/** The parsed config.json of `dir`, or undefined when there is none. FormatError when it is not JSON. */
export function readModelConfig(dir: string): ModelConfigFile | undefined {
  const path = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(error, 'read', path);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`${path}: not valid JSON (${parseFailure(error)}); the model folder is corrupt.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FormatError(`${path}: expected a JSON object with "format" and "version".`);
  }
  const config = value as ModelConfigFile;
  if (typeof config.format !== 'string') {
    throw new FormatError(`${path}: "format" is missing; this is not a verbo model folder.`);
  }
  return config;
}

/** Whether `config.files` is a full manifest (size and checksum per file). */
export function hasManifest(config: ModelConfigFile): boolean {
  const files = config.files;
  if (files === null || typeof files !== 'object' || Array.isArray(files)) return false;
  const entries = Object.values(files);
  return entries.length > 0 && entries.every((entry) => typeof entry === 'object' && entry !== null);
}

function manifestEntry(dir: string, config: ModelConfigFile, name: string): ManifestEntry | undefined {
  const files = config.files as Record<string, unknown> | undefined;
  const entry = files?.[name];
  if (entry === undefined) return undefined;
  const valid =
    entry !== null &&
    typeof entry === 'object' &&
    Number.isSafeInteger((entry as ManifestEntry).bytes) &&
    (entry as ManifestEntry).bytes >= 0 &&
    typeof (entry as ManifestEntry).sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test((entry as ManifestEntry).sha256);
  if (!valid) {
    throw new FormatError(
      `${join(dir, CONFIG_FILE)}: the manifest entry of ${name} is malformed; the model folder is corrupt.`,
    );
  }
  return entry as ManifestEntry;
}

/** Where a manifest lives and what a mismatch means, for messages. */
interface ManifestPlace {
  /** The manifest's file: the model's config.json, a checkpoint's state.json. */
  where: string;
  /** The verdict and the way out. */
  verdict: string;
}

const MODEL_MANIFEST: ManifestPlace = {
  where: `the model's ${CONFIG_FILE}`,
  verdict:
    'the file was changed, truncated or comes from another model; restore the folder or train it again',
};

function mismatch(
  dir: string,
  name: string,
  found: string,
  recorded: string,
  place: ManifestPlace,
): FormatError {
  return new FormatError(
    `${join(dir, name)}: ${found}, but ${place.where} records ${recorded}: ${place.verdict}.`,
  );
}

function checkEntry(
  dir: string,
  name: string,
  entry: ManifestEntry,
  bytes: number,
  sha256: () => string,
  place = MODEL_MANIFEST,
): void {
  if (bytes !== entry.bytes) throw mismatch(dir, name, `${bytes} bytes`, `${entry.bytes}`, place);
  const digest = sha256();
  if (digest !== entry.sha256) {
    throw mismatch(
      dir,
      name,
      `sha256 ${digest.slice(0, 12)}…`,
      `sha256 ${entry.sha256.slice(0, 12)}…`,
      place,
    );
  }
}

/**
 * Checks the file `name` of the model folder `dir`, already read into `bytes`, against the manifest.
 * Folders without a manifest (written before it existed) pass; a manifest that does not list `name`
 * fails.
 */
export function verifyBytes(dir: string, config: ModelConfigFile, name: string, bytes: Uint8Array): void {
  if (!hasManifest(config)) {
    legacySizeCheck(dir, config, name, bytes.byteLength);
    return;
  }
  const entry = manifestEntry(dir, config, name);
  if (entry === undefined) throw notListed(dir, name);
  checkEntry(dir, name, entry, bytes.byteLength, () => sha256Of(bytes));
}

/** Checks files of the model folder `dir` against the manifest, reading each (see verifyBytes). */
export function verifyFiles(dir: string, config: ModelConfigFile, names: readonly string[]): void {
  for (const name of names) {
    const path = join(dir, name);
    let size: number;
    try {
      size = statSync(path).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new FormatError(
          `${dir}: ${name} is missing; the model folder is incomplete (restore it or train it again).`,
        );
      }
      throw fileError(error, 'read', path);
    }
    if (!hasManifest(config)) {
      legacySizeCheck(dir, config, name, size);
      continue;
    }
    const entry = manifestEntry(dir, config, name);
    if (entry === undefined) throw notListed(dir, name);
    checkEntry(dir, name, entry, size, () => sha256OfFile(path));
  }
}

function notListed(dir: string, name: string): FormatError {
  return new FormatError(
    `${join(dir, CONFIG_FILE)}: ${name} is not listed in the manifest; the folder was assembled by hand or is corrupt (train it again).`,
  );
}

/**
 * Checks every file of a training checkpoint folder `dir` against the manifest its state file
 * (`statePath`) records (size and sha256), before any is read: a truncated or changed file is named as
 * corrupt.
 */
export function verifyCheckpointFiles(dir: string, files: unknown, statePath: string): void {
  const corrupt = (why: string) =>
    new FormatError(`${statePath}: ${why}; the checkpoint is corrupt (train without resuming).`);
  if (files === null || typeof files !== 'object' || Array.isArray(files))
    throw corrupt('its "files" is not a manifest');
  const place: ManifestPlace = {
    where: statePath,
    verdict: 'the checkpoint is corrupt (changed or truncated); train without resuming',
  };
  for (const [name, entry] of Object.entries(files as Record<string, unknown>)) {
    const e = entry as Partial<ManifestEntry> | null;
    const valid =
      e !== null &&
      typeof e === 'object' &&
      Number.isSafeInteger(e.bytes) &&
      typeof e.sha256 === 'string' &&
      !name.split('/').some((part) => part === '..' || part === '');
    if (!valid) throw corrupt(`the manifest entry of ${shown(name)} is malformed`);
    const path = join(dir, ...name.split('/'));
    let size: number;
    try {
      size = statSync(path).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw corrupt(`${shown(name)} is missing`);
      throw fileError(error, 'read', path);
    }
    checkEntry(dir, name, e as ManifestEntry, size, () => sha256OfFile(path), place);
  }
}

/** Folders written before the manifest recorded byte sizes only ("files": {name: bytes}). */
function legacySizeCheck(dir: string, config: ModelConfigFile, name: string, size: number): void {
  const files = config.files as Record<string, unknown> | undefined;
  const recorded = files?.[name];
  if (typeof recorded === 'number' && recorded !== size)
    throw mismatch(dir, name, `${size} bytes`, `${recorded}`, MODEL_MANIFEST);
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 of a file, read in 4 MB pieces. */
export function sha256OfFile(path: string): string {
  const hash = createHash('sha256');
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = new Uint8Array(4 << 20);
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } catch (error) {
    throw fileError(error, 'read', path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return hash.digest('hex');
}

/** Every file under `dir` (relative, '/'-separated), `except` and crashed temporary files excluded. */
function listFiles(dir: string, except: readonly string[] = [CONFIG_FILE], prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(dir, except, name));
    else if (entry.isFile() && !except.includes(name) && !TEMPORARY_FILE.test(entry.name)) out.push(name);
  }
  return out.sort();
}

/**
 * The manifest of every file under `dir` but `except` (config.json). Each file is also flushed to the
 * disk (fsync), so that the folder swapped in after it survives a power cut, not only a killed process.
 */
export function manifestOf(dir: string, except: readonly string[] = [CONFIG_FILE]): Manifest {
  const manifest: Manifest = {};
  for (const name of listFiles(dir, except)) {
    const path = join(dir, ...name.split('/'));
    flush(path);
    manifest[name] = { bytes: statSync(path).size, sha256: sha256OfFile(path) };
  }
  return manifest;
}

function flush(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a folder or a read-only handle; the rename order still holds.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// ---- the lock ----------------------------------------------------------------------------------------

interface LockInfo {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  start: string | null;
  since: string;
  command: string;
}

export interface DirLock {
  /** The lock file, `<target>.lock`. */
  readonly path: string;
  /** Removes the lock file (idempotent). */
  release(): void;
}

const heldLocks = new Set<string>();
let exitHookInstalled = false;

/** A process's start time (field 22 of /proc/<pid>/stat), or null off Linux. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote `info` still runs (unknown hosts count as running). */
function lockHolderAlive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true;
  if (info.pid === process.pid) return true;
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = processStart(info.pid);
  return info.start === null || start === null || start === info.start;
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const info = JSON.parse(text) as LockInfo;
    return Number.isInteger(info?.pid) && typeof info.host === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(error, 'read', path);
  }
}

/**
 * Takes the write lock of the output folder `target` (the file `<target>.lock`). Throws a LOCKED
 * VerboError when another live process holds it; a lock whose process has died is taken over.
 */
export function lockOutput(target: string): DirLock {
  const absolute = resolve(target);
  const path = `${absolute}.lock`;
  if (heldLocks.has(path)) {
    throw new VerboError(
      `${target} is already being written by this process; finish that write first.`,
      'LOCKED',
    );
  }
  withFileErrors('create the folder', dirname(absolute), () =>
    mkdirSync(dirname(absolute), { recursive: true }),
  );
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    start: processStart(process.pid),
    since: new Date().toISOString(),
    command: process.argv
      .slice(1, 4)
      .map((part) => basename(part))
      .join(' '),
  };
  const text = `${JSON.stringify(info)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx');
      writeSync(fd, text);
      closeSync(fd);
      fd = undefined;
      heldLocks.add(path);
      installExitHook();
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          heldLocks.delete(path);
          // Remove only our own lock (a stale-lock breaker may have replaced it in between).
          if (readIfExists(path) === text) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if (fd !== undefined) {
        closeSync(fd);
        rmSync(path, { force: true });
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw fileError(error, 'create the lock file', path);
    }
    const current = readIfExists(path);
    if (current === undefined) continue; // released in between: try again
    const holder = parseLock(current);
    if (holder !== undefined && lockHolderAlive(holder)) {
      throw new VerboError(
        `${target} is being written by another verbo process (pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}, '${holder.command}', since ${holder.since}); wait for it to finish, or delete ${path} if no such process runs.`,
        'LOCKED',
      );
    }
    if (holder === undefined && Date.now() - statSync(path).mtimeMs < 2000) continue; // being written
    breakStaleLock(path, current);
  }
  throw new VerboError(`cannot take the lock ${path}: other processes keep taking it; try again.`, 'LOCKED');
}

/** Moves a dead process's lock aside; if what was moved is not that lock (a race), puts it back. */
function breakStaleLock(path: string, staleText: string): void {
  const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first
  }
  if (readIfExists(aside) !== staleText) {
    try {
      linkSync(aside, path); // restore the fresh lock unless a newer one exists
    } catch {
      // a newer lock is in place
    }
  }
  rmSync(aside, { force: true });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const path of heldLocks) rmSync(path, { force: true });
  });
}

// ---- kinds -----------------------------------------------------------------------------------------------

export interface TargetCheckOptions {
  /** Recognises a folder of this kind written before config.json named kinds (e.g. an old demo folder). */
  recognise?: (dir: string) => boolean;
}

/**
 * Refuses to replace `target` unless it is absent, an empty folder, or a folder of the same kind
 * (`format`): never a file, another kind's model, or a non-empty folder that is no verbo model.
 */
export function checkReplaceable(
  target: string,
  format: ModelFormat,
  options: TargetCheckOptions = {},
): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(target).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fileError(error, 'read', target);
  }
  if (!isDirectory) {
    throw new VerboError(
      `${target} is a file, not a folder; give a folder for the ${describeKind(format)}.`,
      'MISMATCH',
    );
  }
  const entries = withFileErrors('read', target, () => readdirSync(target));
  if (entries.length === 0) return;
  let config: ModelConfigFile | undefined;
  try {
    config = readModelConfig(target);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
  }
  if (config?.format === format) return;
  if (config?.format.startsWith('verbo-')) {
    throw new VerboError(
      `${target} holds a ${describeKind(config.format)}; writing a ${describeKind(format)} there would destroy it. Choose another folder, or delete ${target} first.`,
      'MISMATCH',
    );
  }
  if (options.recognise?.(target)) return;
  const shownEntries = entries
    .slice(0, 3)
    .map((name) => `'${name}'`)
    .join(', ');
  throw new VerboError(
    `${target} is not empty (${shownEntries}${entries.length > 3 ? ', …' : ''}) and holds no ${describeKind(format)}; a model is written only into a new or empty folder or over a model of the same kind. Choose another folder.`,
    'MISMATCH',
  );
}

// ---- atomic replacement --------------------------------------------------------------------------------

function siblings(target: string, marker: string): string[] {
  const parent = dirname(target);
  const prefix = `${basename(target)}.${marker}`;
  try {
    return readdirSync(parent)
      .filter((name) => name.startsWith(prefix))
      .map((name) => join(parent, name));
  } catch {
    return [];
  }
}

function pidOf(path: string, marker: string): number | undefined {
  const match = new RegExp(`\\.${marker}-(\\d+)`).exec(basename(path));
  return match === null ? undefined : Number(match[1]);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Repairs what a killed writer left beside `target`: when `target` is missing but the previous model
 * waits as `target.old-<pid>` (a kill between the two renames of a swap), finishes the swap if the new
 * folder is complete, else puts the previous one back; removes leftovers of finished swaps and of dead
 * writers' staging folders (`.new-*`; a training run's `.partial` is kept for --resume). Call it while
 * holding the lock, or when no live process holds it.
 */
export function recoverModelDir(target: string): void {
  const absolute = resolve(target);
  const olds = siblings(absolute, 'old-').filter((path) => {
    const pid = pidOf(path, 'old');
    return pid === undefined || pid === process.pid || !processAlive(pid);
  });
  if (!existsSync(absolute) && olds.length > 0) {
    const old = olds[0]!;
    const pid = pidOf(old, 'old');
    const candidates = [...siblings(absolute, `new-${pid}-`), `${absolute}.partial`].filter((path) =>
      existsSync(join(path, CONFIG_FILE)),
    );
    withFileErrors('restore', absolute, () => renameSync(candidates[0] ?? old, absolute));
  }
  for (const old of olds) if (existsSync(old)) rmSync(old, { recursive: true, force: true });
  for (const staging of siblings(absolute, 'new-')) {
    const pid = pidOf(staging, 'new');
    if (pid !== undefined && pid !== process.pid && !processAlive(pid))
      rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * For loaders: the folder `target` after repairing an interrupted swap (see recoverModelDir), when no
 * live writer holds its lock. Returns whether `target` exists now.
 */
export function settleModelDir(target: string): boolean {
  const absolute = resolve(target);
  if (existsSync(absolute) || siblings(absolute, 'old-').length === 0) return existsSync(absolute);
  let lock: DirLock;
  try {
    lock = lockOutput(absolute);
  } catch {
    return existsSync(absolute); // a live writer is in the middle of its swap
  }
  try {
    recoverModelDir(absolute);
  } finally {
    lock.release();
  }
  return existsSync(absolute);
}

export interface OpenModelDirOptions extends TargetCheckOptions {
  format: ModelFormat;
  /**
   * Build in `<target>.partial`, the folder of a training run (its checkpoints let --resume continue
   * after a kill). `keep` reuses what an interrupted run left there; `fresh` (default for training)
   * clears it first. Without this option the staging folder is private to this write.
   */
  partial?: 'keep' | 'fresh';
}

/** A model folder being written: build everything in `staging`, then `commit`; always `close`. */
export interface ModelDirWriter {
  readonly target: string;
  readonly staging: string;
  readonly format: ModelFormat;
  /**
   * Writes config.json — `config` with the kind's "format", its "version" and the manifest of every
   * file in `staging` — and swaps `staging` in place of `target`. The previous folder is removed after.
   */
  commit(config: ModelConfigOut): void;
  /** Releases the lock and, unless committed or `keepStaging`, removes the staging folder. Idempotent. */
  close(options?: { keepStaging?: boolean }): void;
}

let stagingCounter = 0;

/** What a crashed writer leaves inside a folder being built: nested staging, swapped-out and lock files. */
const LEFTOVER = /\.(new-\d+-\d+|old-\d+|lock|lock\.stale-\d+-[0-9a-z]+)$/;

/**
 * Removes what crashed writes left under `dir` (which only this process writes now): temporary files
 * of atomic writes (`*.tmp-<pid>-<time>`) and nested model folders' staging, swapped-out and lock files.
 */
function removeTemporaries(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (LEFTOVER.test(entry.name)) rmSync(path, { recursive: true, force: true });
    else if (entry.isDirectory()) removeTemporaries(path);
    else if (TEMPORARY_FILE.test(entry.name)) rmSync(path, { force: true });
  }
}

/**
 * Opens `target` for writing a model of kind `format`: takes its lock, repairs an interrupted swap,
 * refuses a target of another kind (checkReplaceable) and prepares the staging folder beside it.
 */
export function openModelDir(target: string, options: OpenModelDirOptions): ModelDirWriter {
  const absolute = resolve(target);
  if (dirname(absolute) === absolute)
    throw new VerboError(`cannot write a model over the root folder ${target}.`);
  const lock = lockOutput(target);
  let staging: string;
  try {
    recoverModelDir(absolute);
    checkReplaceable(target, options.format, options);
    if (options.partial !== undefined) {
      staging = `${absolute}.partial`;
      if (options.partial === 'fresh') rmSync(staging, { recursive: true, force: true });
      else if (existsSync(staging)) removeTemporaries(staging);
    } else {
      staging = `${absolute}.new-${process.pid}-${++stagingCounter}`;
      rmSync(staging, { recursive: true, force: true });
    }
    withFileErrors('create the folder', staging, () => mkdirSync(staging, { recursive: true }));
  } catch (error) {
    lock.release();
    throw error;
  }
  let committed = false;
  let closed = false;
  return {
    target,
    staging,
    format: options.format,
    commit(config) {
      if (closed || committed) throw new InternalError(`commit of ${target}: the writer is already closed.`);
      if (config.format !== options.format) {
        throw new InternalError(`commit of ${target}: format ${config.format}, opened as ${options.format}.`);
      }
      removeTemporaries(staging);
      const files = manifestOf(staging);
      const configPath = join(staging, CONFIG_FILE);
      writeFileAtomic(configPath, `${JSON.stringify({ ...config, files }, null, 2)}\n`);
      flush(configPath);
      flush(staging);
      swapIn(staging, absolute, target);
      committed = true;
      flush(dirname(absolute));
    },
    close(closeOptions = {}) {
      if (closed) return;
      closed = true;
      try {
        if (!committed && !closeOptions.keepStaging) rmSync(staging, { recursive: true, force: true });
      } finally {
        lock.release();
      }
    },
  };
}

/** staging → target by renames: the previous target moves aside first and is removed after. */
function swapIn(staging: string, absolute: string, shownTarget: string): void {
  let previous: 'none' | 'empty' | 'model' = 'none';
  try {
    previous = readdirSync(absolute).length === 0 ? 'empty' : 'model';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(error, 'read', shownTarget);
  }
  if (previous === 'empty') withFileErrors('replace', shownTarget, () => rmdirSync(absolute));
  if (previous !== 'model') {
    withFileErrors('write', shownTarget, () => renameSync(staging, absolute));
    return;
  }
  const old = `${absolute}.old-${process.pid}`;
  rmSync(old, { recursive: true, force: true });
  withFileErrors('replace', shownTarget, () => renameSync(absolute, old));
  try {
    renameSync(staging, absolute);
  } catch (error) {
    renameSync(old, absolute);
    throw fileError(error, 'replace', shownTarget);
  }
  rmSync(old, { recursive: true, force: true });
}

/** What a writer puts in config.json besides the manifest: the kind, its version, the kind's fields. */
export interface ModelConfigOut {
  format: ModelFormat;
  version: number;
  [key: string]: unknown;
}

/**
 * Writes a model folder in one go: opens `target` (lock, kind check), lets `build` fill the staging
 * folder and return config.json's contents, commits and closes. The previous folder survives any failure.
 */
export async function writeModelDir(
  target: string,
  options: OpenModelDirOptions,
  build: (staging: string) => Promise<ModelConfigOut>,
): Promise<void> {
  const writer = openModelDir(target, options);
  try {
    writer.commit(await build(writer.staging));
  } finally {
    writer.close();
  }
}

/** writeModelDir for a synchronous `build`. */
export function writeModelDirSync(
  target: string,
  options: OpenModelDirOptions,
  build: (staging: string) => ModelConfigOut,
): void {
  const writer = openModelDir(target, options);
  try {
    writer.commit(build(writer.staging));
  } finally {
    writer.close();
  }
}

/**
 * Hard-links (or copies, where links are not possible) every file of the folder `from` into `to`, except
 * config.json and the names `skip` returns true for, so a writer can add files to an existing model
 * without rewriting the others (files are never changed in place, so sharing them is safe).
 */
export function linkModelFiles(
  from: string,
  to: string,
  skip: (name: string) => boolean = () => false,
): void {
  for (const name of listFiles(from)) {
    if (skip(name)) continue;
    const source = join(from, ...name.split('/'));
    const destination = join(to, ...name.split('/'));
    withFileErrors('create the folder', dirname(destination), () =>
      mkdirSync(dirname(destination), { recursive: true }),
    );
    try {
      linkSync(source, destination);
    } catch {
      withFileErrors('copy', source, () => copyFileSync(source, destination));
    }
  }
}

/** `path` relative to the current folder when inside it (for messages), else as given. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : path;
}
