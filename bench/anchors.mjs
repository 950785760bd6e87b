// Helpers every benchmark script uses to run its anchors honestly (issue 13.1) and to say what ran:
//   anchorEnv()        the environment for an anchor's child process: this machine pins OpenBLAS to an old
//                      kernel through OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE; a user's numpy, PyTorch, gensim
//                      or faiss runs without them, so the anchors do too;
//   blasInfo(modules)  the BLAS kernel threadpoolctl reports in such a child, after importing `modules`
//                      (numpy, torch, ...): internal_api, architecture, version, num_threads;
//   machineInfo()      CPU model / family / model number and SIMD flags from /proc/cpuinfo, and our own
//                      kernel path (native ISA or fallback, threads) as `verbo --version` reports it;
//   summarize(xs)      runs, min, median and max of a list of figures;
//   lastJson(stdout)   the JSON object a benchmark or anchor prints on its last line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The variables removed from every anchor's environment. */
export const PINNING_VARIABLES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

/** process.env without the OpenBLAS pinning variables (plus `extra`), for spawning an anchor. */
export function anchorEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  for (const name of PINNING_VARIABLES) delete env[name];
  return env;
}

const BLAS_SNIPPET = `
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
from threadpoolctl import threadpool_info
keys = ("internal_api", "architecture", "version", "num_threads", "threading_layer")
print(json.dumps([{k: d.get(k) for k in keys} for d in threadpool_info() if d.get("user_api") == "blas"]))
`;

/** The BLAS libraries threadpoolctl sees in an anchor's environment after importing `modules`. */
export function blasInfo(modules = ['numpy'], python = '/usr/bin/python3') {
  if (!existsSync(python)) return { error: `${python} missing` };
  const run = spawnSync(python, ['-c', BLAS_SNIPPET, ...modules], { env: anchorEnv(), encoding: 'utf8' });
  if (run.status !== 0) return { error: (run.stderr ?? '').trim().split('\n').at(-1) };
  try {
    return JSON.parse(run.stdout.trim().split('\n').at(-1));
  } catch {
    return { error: 'threadpoolctl printed no JSON' };
  }
}

/** CPU model, family, model number and the SIMD flags that decide the kernels (Linux /proc/cpuinfo). */
export function cpuInfo() {
  const info = { model: cpus()[0]?.model, cores: availableParallelism() };
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name) => text.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
    const flags = new Set((field('flags') ?? field('Features') ?? '').split(/\s+/));
    info.family = field('cpu family') !== undefined ? Number(field('cpu family')) : undefined;
    info.modelNumber = field('model') !== undefined ? Number(field('model')) : undefined;
    info.simd = Object.fromEntries(
      ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'asimd']
        .filter((flag) => flags.has(flag) || ['avx2', 'avx512f'].includes(flag))
        .map((flag) => [flag, flags.has(flag)]),
    );
  } catch {
    info.simd = 'unknown (no /proc/cpuinfo)';
  }
  return info;
}

/** Our kernel path: the native ISA in use (or the fallback and why) and the thread count. */
export async function oursInfo() {
  const loader = join(root, 'dist', 'native', 'index.js');
  if (!existsSync(loader)) return { error: 'dist/ is missing: run `npm run build`' };
  const { nativeStatus } = await import(loader);
  const { path, isa, threads, reason, supported } = nativeStatus();
  return { path, isa, supported, threads, reason };
}

/** Everything a benchmark JSON records about the machine, our path and the anchor's BLAS. */
export async function machineInfo({ blasModules = null, python = '/usr/bin/python3' } = {}) {
  const info = {
    node: process.version,
    cpu: cpuInfo(),
    ours: await oursInfo(),
    // Anchors always run without these; `setHere` says which this shell had set.
    anchorEnv: {
      unset: PINNING_VARIABLES,
      setHere: PINNING_VARIABLES.filter((name) => process.env[name] !== undefined),
    },
  };
  if (blasModules !== null) info.anchorBlas = blasInfo(blasModules, python);
  return info;
}

/** The figures of several runs: all of them, min, median and max. */
export function summarize(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { runs: xs, min: sorted[0], median, max: sorted[sorted.length - 1] };
}

/** The JSON object on the last line of a child's stdout (`what` names the child in the error). */
export function lastJson(stdout, what) {
  const line = stdout.trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${what}: no JSON on the last line of stdout:\n${stdout.slice(-2000)}`);
  }
}

/** machineInfo() in one quotable line: CPU model / family, our kernel path, the anchors' BLAS kernel. */
export function describeMachine(info) {
  const cpu = `${info.cpu.model} (family ${info.cpu.family}, model ${info.cpu.modelNumber}, ${info.cpu.cores} cores)`;
  const ours =
    info.ours.error ??
    `ours: ${info.ours.path}${info.ours.isa ? ` ${info.ours.isa}` : ''}, ${info.ours.threads} threads`;
  const blas =
    info.anchorBlas === undefined
      ? ''
      : `; anchor BLAS: ${info.anchorBlas.error ?? JSON.stringify(info.anchorBlas)}`;
  return `${cpu}; ${ours}${blas}; anchors without ${info.anchorEnv.unset.join(', ')}`;
}
