// Runs once before the test files, so that a test run after an edit tests that edit:
// - dist/ (the CLI the CLI tests spawn, the worker scripts, the declarations the package test reads):
//   rebuilt with `tsc -p tsconfig.build.json` when a src/**/*.ts file is newer than its dist/**/*.js or
//   has none (nothing to do, and no compiler started, when dist is current); the WebAssembly kernels
//   likewise when an AssemblyScript source is newer than dist/wasm;
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

const isAssemblyScript = (name: string) => name.endsWith('.as.ts') || name.endsWith('.as-lib.ts');

/** The first src/**\/*.ts whose dist/**\/*.js is missing or older, or undefined when dist is current. */
export function staleTypeScript(): string | undefined {
  const sources = filesUnder(join(root, 'src'), (name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
  for (const source of sources) {
    if (isAssemblyScript(source)) continue;
    const built = join(root, 'dist', relative(join(root, 'src'), source).replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
      return relative(root, source);
    }
  }
  return undefined;
}

/** An AssemblyScript source newer than the oldest dist/wasm/*.wasm (or no .wasm at all). */
function staleWasm(): string | undefined {
  const sources = filesUnder(join(root, 'src'), isAssemblyScript);
  if (sources.length === 0 || !existsSync(join(root, 'scripts', 'build-wasm.mjs'))) return undefined;
  const outputs = filesUnder(join(root, 'dist', 'wasm'), (name) => name.endsWith('.wasm'));
  if (outputs.length === 0) return relative(root, sources[0]!);
  const oldest = Math.min(...outputs.map((path) => statSync(path).mtimeMs));
  const newer = sources.find((source) => statSync(source).mtimeMs > oldest);
  return newer === undefined ? undefined : relative(root, newer);
}

function run(what: string, args: string[], fix: string): void {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${what} failed (output above). ${fix}`);
}

export default function setup(): void {
  const wasm = staleWasm();
  if (wasm !== undefined) {
    console.warn(`test setup: ${wasm} is newer than dist/wasm; building the WebAssembly kernels`);
    run('the WebAssembly build', [join(root, 'scripts', 'build-wasm.mjs')], 'Fix the kernel source.');
  }
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
