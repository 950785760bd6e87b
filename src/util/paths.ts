// Locates files that ship with the package (the native addon, bundled corpora, evaluation data) the
// same way whether code runs from dist/ (the CLI) or from src/ (vitest).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from './errors.js';

let cachedRoot: string | undefined;

/** The folder holding verbo's package.json. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'verbo') {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new InternalError('cannot find the package root (package.json named "verbo")');
    dir = parent;
  }
}

/** A path inside the package, e.g. packagePath('corpora', 'en', 'shakespeare.txt'). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/** Where the shared data folder (evaluation sets, benchmark corpora) sits beside the repository. */
export function sharedDataPath(...parts: string[]): string {
  const fromEnv = process.env.VERBO_SHARED_DATA;
  return fromEnv ? join(fromEnv, ...parts) : join(packageRoot(), '..', 'shared', 'data', ...parts);
}
