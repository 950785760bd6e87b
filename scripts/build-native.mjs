// Builds the native kernel addon (native/, binding.gyp) into build/Release/verbo.node with node-gyp.
//
//   node scripts/build-native.mjs            the package's `install` script: never fails the install.
//                                            Output is kept in build/native-build.log; on failure one
//                                            notice is printed and the reason saved in
//                                            build/native-build-error.txt (verbo then runs its
//                                            TypeScript loops and says so once, at first use).
//   node scripts/build-native.mjs --strict   for developers and the test setup: builds only when a
//                                            native source is newer than the addon (make does the
//                                            rest incrementally) and exits 1 with the compiler's
//                                            output when the build fails.
//
// VERBO_NATIVE=0 skips the build. node-gyp comes from npm itself (npm_config_node_gyp during npm
// scripts, else npm's bundled copy next to this node); when this node ships its own headers
// (<prefix>/include/node, as distribution packages do) they are used instead of a download.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
const addon = join(buildDir, 'Release', 'verbo.node');
const errorFile = join(buildDir, 'native-build-error.txt');
const logFile = join(buildDir, 'native-build.log');
const strict = process.argv.includes('--strict');

if (process.env.VERBO_NATIVE === '0') {
  if (!strict) console.error('verbo: VERBO_NATIVE=0, so the native kernels were not built.');
  process.exit(0);
}

/** The newest modification time among binding.gyp, native/** and this script. */
function newestSource() {
  let newest = Math.max(
    statSync(join(root, 'binding.gyp')).mtimeMs,
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
  );
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(root, 'native'));
  return newest;
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((path) => path && existsSync(path));
}

function nodeGypArgs(command) {
  const args = [command, '--release', '-j', 'max'];
  const prefix = join(dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
    args.push(`--nodedir=${prefix}`);
  }
  return args;
}

/** Runs node-gyp; returns { ok, output }. */
function nodeGyp(nodeGypPath, command) {
  const run = spawnSync(process.execPath, [nodeGypPath, ...nodeGypArgs(command)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`;
  return { ok: run.status === 0, output };
}

/** The first line that says what went wrong (a compiler error, a missing tool), for the notice. */
function reasonOf(output) {
  const lines = output.split('\n');
  const pick =
    lines.find((line) => /error:/.test(line) && !/^gyp ERR!/.test(line)) ??
    lines.find((line) => /not found|No such file|cannot find|Could not find/i.test(line)) ??
    lines.find((line) => /^gyp ERR! stack Error:/.test(line)) ??
    'node-gyp failed';
  return pick.replace(/^gyp ERR! stack /, '').trim();
}

function fail(reason, output) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(logFile, output);
  if (strict) {
    console.error(output);
    console.error(`build-native: the native addon failed to build: ${reason}`);
    process.exit(1);
  }
  rmSync(addon, { force: true });
  writeFileSync(errorFile, `${reason}\n`);
  console.error(
    `verbo: could not build the native kernels (${reason}); verbo will run its slower TypeScript loops. ` +
      'To fix: install a C++ compiler, make and python3 (Debian/Ubuntu: apt-get install g++ make python3), ' +
      `then run \`npm rebuild verbo\`. Full log: ${logFile}`,
  );
  process.exit(0);
}

const nodeGypPath = findNodeGyp();
if (nodeGypPath === undefined) fail('node-gyp not found (it comes with npm)', '');

if (strict && existsSync(addon) && existsSync(join(buildDir, 'Makefile'))) {
  if (statSync(addon).mtimeMs >= newestSource()) process.exit(0);
  // Sources changed: make rebuilds what depends on them; a changed binding.gyp needs a new Makefile.
  const gypChanged =
    statSync(join(root, 'binding.gyp')).mtimeMs > statSync(join(buildDir, 'Makefile')).mtimeMs;
  const result = gypChanged ? nodeGyp(nodeGypPath, 'rebuild') : nodeGyp(nodeGypPath, 'build');
  if (!result.ok) fail(reasonOf(result.output), result.output);
  console.error('build-native: rebuilt build/Release/verbo.node');
  process.exit(0);
}

const result = nodeGyp(nodeGypPath, 'rebuild');
if (!result.ok) fail(reasonOf(result.output), result.output);
mkdirSync(buildDir, { recursive: true });
writeFileSync(logFile, result.output);
rmSync(errorFile, { force: true });
console.error('verbo: built the native kernels (build/Release/verbo.node)');
