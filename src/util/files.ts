// Writing files without losing earlier ones: everything is written to a temporary name in the same
// folder and renamed over the target, so a crash or a failed run leaves the previous file intact.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

function temporaryName(path: string): string {
  return `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
}

/** Writes `data` to `path` atomically (temporary file + rename). Creates the parent folder. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryName(path);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Streams chunks to `path` atomically: `write` receives an append function; the file appears under its
 * name only when `write` resolves. Use for large outputs (vector files) that should not sit in memory.
 */
export async function writeStreamAtomic(
  path: string,
  write: (append: (chunk: string | Uint8Array) => Promise<void>) => Promise<void>,
): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryName(path);
  const handle = await open(temporary, 'w');
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
    throw error;
  }
}
