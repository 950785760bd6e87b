// Writing files without losing earlier ones: everything is written to a temporary name in the same
// folder and renamed over the target, so a crash or a failed run leaves the previous file intact.
// File-system failures come out as one FileSystemError line: what failed, the path, the likely cause.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileSystemError, VerboError } from './errors.js';

/** The likely cause of each errno a file operation can fail with, and what to do about it. */
const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device; free some space or choose a folder on another disk',
  EDQUOT: 'the disk quota is used up; free some space or choose a folder on another disk',
  EROFS: 'the file system is read-only; choose a folder you can write to',
  EACCES: 'permission denied; check the permissions of the path or choose another folder',
  EPERM: 'operation not permitted; check the permissions of the path or choose another folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENOENT: 'no such file or folder',
  EEXIST: 'something already exists there',
  ENOTEMPTY: 'the folder is not empty',
  EMFILE: 'too many open files; raise the limit (ulimit -n) or close other programs',
  ENFILE: 'too many open files on the system',
  EIO: 'an input/output error of the device (a failing or disconnected disk?)',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many levels of symbolic links',
  EBUSY: 'the file or folder is in use',
  EXDEV: 'the source and the destination are on different file systems',
  EFBIG: 'the file is larger than the file system allows',
};

/**
 * What verbo reads of an error thrown by a Node.js file-system call (NodeJS.ErrnoException's fields,
 * declared here so the package's declarations need no @types/node).
 */
export interface ErrnoError extends Error {
  code: string;
  errno?: number;
  path?: string;
  syscall?: string;
}

/** Whether `error` is an error of a file-system call (it has an errno code such as 'ENOSPC'). */
export function isErrnoError(error: unknown): error is ErrnoError {
  return (
    error instanceof Error &&
    !(error instanceof VerboError) &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    /^E[A-Z]+$/.test((error as NodeJS.ErrnoException).code!)
  );
}

/**
 * `error` as a FileSystemError when it is an errno error: "cannot <action> <path>: <cause> (<ERRNO>)".
 * Anything else (already a VerboError, a bug) is returned unchanged.
 */
export function fileError(error: unknown, action: string, path: string): unknown {
  if (!isErrnoError(error)) return error;
  const errno = error.code!;
  const where = error.path !== undefined && error.path !== path ? ` (at ${error.path})` : '';
  // mkdir -p over a file says EEXIST: the file is in the way of a folder.
  const cause =
    errno === 'EEXIST' && error.syscall === 'mkdir'
      ? CAUSES.ENOTDIR!
      : (CAUSES[errno] ?? error.message.replace(/^[A-Z]+: /, ''));
  return new FileSystemError(`cannot ${action} ${path}${where}: ${cause} (${errno}).`, errno, path);
}

/** Runs `fn`, turning a file-system failure into a FileSystemError naming `action` and `path`. */
export function withFileErrors<T>(action: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fileError(error, action, path);
  }
}

function temporaryName(path: string): string {
  return `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
}

/** A temporary name left by writeFileAtomic / writeStreamAtomic (a crashed write). */
export const TEMPORARY_FILE = /\.tmp-\d+-[0-9a-z]+$/;

/** Writes `data` to `path` atomically (temporary file + rename). Creates the parent folder. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  withFileErrors('write', path, () => mkdirSync(dirname(path), { recursive: true }));
  const temporary = temporaryName(path);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw fileError(error, 'write', path);
  }
}

/**
 * Gathers small pieces for an `append` (writeStreamAtomic's) into writes of about `chunkBytes`: `push`
 * queues a piece and writes the queue once it is that large; `flush` writes what is queued.
 */
export function batchedAppend(
  append: (chunk: Uint8Array) => Promise<void>,
  chunkBytes = 1 << 20,
): { push: (chunk: Uint8Array) => Promise<void>; flush: () => Promise<void> } {
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const chunk = Buffer.concat(pending);
    pending.length = 0;
    pendingBytes = 0;
    await append(chunk);
  };
  const push = async (chunk: Uint8Array): Promise<void> => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= chunkBytes) await flush();
  };
  return { push, flush };
}

/**
 * Streams chunks to `path` atomically: `write` receives an append function; the file appears under its
 * name only when `write` resolves. Use for large outputs (vector files) that should not sit in memory.
 */
export async function writeStreamAtomic(
  path: string,
  write: (append: (chunk: string | Uint8Array) => Promise<void>) => Promise<void>,
): Promise<void> {
  withFileErrors('write', path, () => mkdirSync(dirname(path), { recursive: true }));
  const temporary = temporaryName(path);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(temporary, 'w');
  } catch (error) {
    throw fileError(error, 'write', path);
  }
  try {
    await write(async (chunk) => {
      if (typeof chunk === 'string') await handle.write(chunk);
      else await handle.write(chunk);
    });
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw fileError(error, 'write', path);
  }
}
