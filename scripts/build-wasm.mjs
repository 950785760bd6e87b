// Builds every AssemblyScript kernel (src/**/*.as.ts) into dist/wasm/<name>.wasm. Shared AssemblyScript
// code imported by kernels lives in *.as-lib.ts files, which are not built on their own.
// Runs on `npm install` (through `prepare`) and before the tests. A kernel file may carry
// extra compiler flags in a header line: `// asc-flags: --importMemory --sharedMemory`.
// A kernel is rebuilt only when its source (or this script) is newer than its .wasm.
import { readdirSync, readFileSync, statSync, mkdirSync, existsSync, renameSync } from 'node:fs';
import { join, relative, basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'wasm');
mkdirSync(outDir, { recursive: true });

function findKernels(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findKernels(path));
    else if (entry.name.endsWith('.as.ts')) found.push(path);
  }
  return found;
}

const baseFlags = [
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--runtime',
  'stub',
  '--noAssert',
  '--enable',
  'simd',
];
const selfTime = statSync(fileURLToPath(import.meta.url)).mtimeMs;
const force = process.argv.includes('--force');
// A kernel may import any *.as-lib.ts, so a change to any AssemblyScript file rebuilds them all.
function findLibs(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findLibs(path));
    else if (entry.name.endsWith('.as-lib.ts')) found.push(path);
  }
  return found;
}
const libTime = Math.max(0, ...findLibs(join(root, 'src')).map((path) => statSync(path).mtimeMs));
let built = 0;
for (const source of findKernels(join(root, 'src'))) {
  const name = basename(source, '.as.ts');
  const target = join(outDir, `${name}.wasm`);
  const newestSource = Math.max(statSync(source).mtimeMs, libTime);
  if (!force && existsSync(target)) {
    const targetTime = statSync(target).mtimeMs;
    if (targetTime > newestSource && targetTime > selfTime) continue;
  }
  const header = readFileSync(source, 'utf8').match(/^\/\/ asc-flags:(.*)$/m);
  const extra = header ? header[1].trim().split(/\s+/).filter(Boolean) : [];
  const temporary = `${target}.tmp-${process.pid}`;
  const { error, stderr } = await asc.main(
    [relative(root, source), '--outFile', temporary, ...baseFlags, ...extra],
    {
      stdout: process.stdout,
      stderr: process.stderr,
    },
  );
  if (error) {
    console.error(`build-wasm: ${relative(root, source)} failed: ${error.message}\n${stderr.toString()}`);
    process.exit(1);
  }
  renameSync(temporary, target);
  built++;
}
console.error(`build-wasm: ${built} kernel(s) built into ${relative(root, outDir)}`);
