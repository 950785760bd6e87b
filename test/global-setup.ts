// Runs once before the test files, so that a test run after an edit tests that edit:
// - dist/ (the CLI the CLI tests spawn, the declarations the package test reads): rebuilt with
//   `tsc -p tsconfig.build.json` when a src/**/*.ts file is newer than its dist/**/*.js or has none
//   (nothing to do, and no compiler started, when dist is current);
// - the native addon: built when a native source is newer than build/Release/verbo.node (make rebuilds
//   only what changed). VERBO_NATIVE=0 (the fallback run of `npm test`) needs no addon and builds none.
// A failed build fails the run with the compiler's output: tests never skip a built path silently.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, keep);
    return keep(entry.name) ? [path] : [];
  });
}

/** The first src/**\/*.ts whose dist/**\/*.js is missing or older, or undefined when dist is current. */
export function staleTypeScript(): string | undefined {
  const sources = filesUnder(join(root, 'src'), (name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
  for (const source of sources) {
    const built = join(root, 'dist', relative(join(root, 'src'), source).replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
      return relative(root, source);
    }
  }
  return undefined;
}

function run(what: string, args: string[], fix: string): void {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${what} failed (output above). ${fix}`);
}

export default function setup(): void {
  const stale = staleTypeScript();
  if (stale !== undefined) {
    console.warn(
      `test setup: ${stale} is newer than dist/ (or not built); running tsc -p tsconfig.build.json`,
    );
    // --noEmitOnError: a build with type errors leaves dist stale, so the next run tries (and fails) again.
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    run(
      'tsc -p tsconfig.build.json',
      [tsc, '-p', 'tsconfig.build.json', '--noEmitOnError'],
      'Fix the type errors.',
    );
  }
  if (process.env.VERBO_NATIVE === '0') return;
  run(
    'the native addon build',
    [join(root, 'scripts', 'build-native.mjs'), '--strict'],
    'Fix the build, or run `VERBO_NATIVE=0 npx vitest run` to test the TypeScript loops alone.',
  );
}
