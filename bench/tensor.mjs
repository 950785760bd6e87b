// Tensor-core benchmark (`npm run bench:tensor`, runs against dist/: `npm run build` first).
// Times verbo's matmul (the native GEMM when the addon is built, on 1 and 2 threads) on square sizes and on
// the LSTM language-model shapes, and reports GFLOP/s = 2·m·n·k / seconds as the best and the median of
// --samples samples (each sample repeats the call for at least --min-time seconds, or exactly --reps
// times). Progress goes to stderr; the last stdout line is one JSON object, which records the CPU
// (model, family, SIMD flags) and our kernel path (native ISA or fallback; VERBO_ISA=avx2 forces the AVX2
// path, VERBO_NATIVE=0 the fallback). With --anchors it also times the same shapes in numpy (OpenBLAS,
// bench/numpy_gemm.py) with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from its environment, records
// the BLAS kernel threadpoolctl reports, and gives our fraction of it.
//
//   node bench/tensor.mjs [--sizes 128,256,512,1024] [--lstm] [--no-lstm] [--threads 1,2]
//                         [--samples 3] [--min-time 0.25] [--reps N] [--crossover] [--elementwise]
//                         [--anchors] [--only ours|numpy]
//
// Each side alone, for whole-process paired runs (same work on both sides):
//   node bench/tensor.mjs --only ours  --sizes 512 --no-lstm --threads 1 --reps 300 --samples 1
//   node bench/tensor.mjs --only numpy --sizes 512 --no-lstm --threads 1 --reps 300 --samples 1
//
// --crossover also times the plain loop against the native GEMM on small cubes (where matmul's
// NATIVE_MIN_WORK comes from) and one native thread against two on mid sizes (gemm.cc's
// kParallelMinWork). --elementwise times the native exp / tanh / sigmoid / relu / row log-sum-exp /
// sparse softmax-cross-entropy gradient against the plain loops they replace, in ns per element over
// 1M values (and at 64 values, NATIVE_MIN_LENGTH).
// `cpuGflops` (one thread only) divides by the process's CPU time instead of wall time: on a busy
// machine it shows what the kernel does when it actually runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { anchorEnv, machineInfo } from './anchors.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kernelsPath = join(root, 'dist', 'tensor', 'kernels');
if (!existsSync(join(kernelsPath, 'index.js'))) {
  console.error('bench/tensor.mjs: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { matmul, matmulReference, matmulPath } = await import(join(kernelsPath, 'index.js'));
const { setThreadCount } = await import(join(root, 'dist', 'native', 'index.js'));

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '128,256,512,1024' },
    lstm: { type: 'boolean', default: true },
    'no-lstm': { type: 'boolean', default: false },
    threads: { type: 'string', default: '1,2' },
    samples: { type: 'string', default: '3' },
    'min-time': { type: 'string', default: '0.25' },
    crossover: { type: 'boolean', default: false },
    elementwise: { type: 'boolean', default: false },
    anchors: { type: 'boolean', default: false },
    only: { type: 'string' },
    reps: { type: 'string', default: '0' },
  },
});
if (args.only !== undefined && !['ours', 'numpy'].includes(args.only)) {
  console.error(`bench/tensor.mjs: --only takes ours or numpy, got ${args.only}`);
  process.exit(1);
}
const runOurs = args.only !== 'numpy';
const runNumpy = args.only === 'numpy' || (args.anchors && args.only === undefined);
const fixedReps = Number(args.reps);
const list = (text) => text.split(',').filter(Boolean).map(Number);
const samples = Number(args.samples);
const minTime = Number(args['min-time']) * 1000;

// Seeded operands (mulberry32) so every run multiplies the same numbers.
function randomArray(length, seed) {
  const values = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  }
  return values;
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/** Times `run` (doing `flop` operations): `samples` samples of ≥ minTime each. */
function measure(run, flop) {
  // Warm up (V8 first runs WebAssembly in its baseline tier and optimises hot functions in the
  // background), then size the samples from the fastest warm call.
  const warmStart = performance.now();
  let once = Number.POSITIVE_INFINITY;
  for (let calls = 0; calls < 3 || performance.now() - warmStart < Math.min(minTime, 200); calls++) {
    const t0 = performance.now();
    run();
    once = Math.min(once, Math.max(performance.now() - t0, 1e-3));
  }
  const reps = fixedReps > 0 ? fixedReps : Math.max(1, Math.ceil(minTime / once));
  const wall = [];
  const cpu = [];
  for (let s = 0; s < samples; s++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    for (let r = 0; r < reps; r++) run();
    wall.push((performance.now() - start) / reps);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000 / reps);
  }
  const gflops = (ms) => Number((flop / ms / 1e6).toFixed(2));
  return {
    reps,
    ms: { min: Number(Math.min(...wall).toFixed(3)), median: Number(median(wall).toFixed(3)) },
    gflops: { best: gflops(Math.min(...wall)), median: gflops(median(wall)) },
    cpuGflops: { best: gflops(Math.min(...cpu)), median: gflops(median(cpu)) },
  };
}

function checkOnce(m, n, k) {
  // One correctness check per shape, on a thin slice so the reference loop stays quick.
  const rows = Math.min(m, 8);
  const a = randomArray(rows * k, 1);
  const b = randomArray(k * n, 2);
  const fast = new Float32Array(rows * n);
  const slow = new Float32Array(rows * n);
  matmul(a, b, fast, rows, n, k);
  matmulReference(a, b, slow, rows, n, k);
  let worst = 0;
  for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i] - slow[i]));
  if (worst > 1e-3 * Math.sqrt(k)) throw new Error(`bench: matmul disagrees with the reference (${worst})`);
}

const shapes = list(args.sizes).map((size) => ({ name: `${size}`, m: size, n: size, k: size }));
if (args.lstm && !args['no-lstm']) {
  shapes.push({ name: 'lstm-gates [700x200]x[200x800]', m: 700, n: 800, k: 200 });
  shapes.push({ name: 'lstm-softmax [700x200]x[200x10000]', m: 700, n: 10000, k: 200 });
}
const threadCounts = list(args.threads);
const results = [];
for (const { name, m, n, k } of runOurs ? shapes : []) {
  checkOnce(m, n, k);
  const a = randomArray(m * k, 3);
  const b = randomArray(k * n, 4);
  const out = new Float32Array(m * n);
  const row = { shape: name, m, n, k };
  for (const threads of threadCounts) {
    setThreadCount(threads);
    const path = matmulPath(m, n, k);
    const timing = measure(() => matmul(a, b, out, m, n, k), 2 * m * n * k);
    if (threads > 1) delete timing.cpuGflops;
    row[`threads${threads}`] = { path, ...timing };
    console.error(
      `matmul ${name}: ${threads} thread(s) [${path}] ${timing.gflops.best} GFLOP/s best, ` +
        `${timing.gflops.median} median (${timing.ms.min} ms, ${timing.reps} reps/sample)`,
    );
  }
  if (row.threads1 && row.threads2) {
    row.speedup2 = Number((row.threads2.gflops.best / row.threads1.gflops.best).toFixed(2));
  }
  results.push(row);
}
setThreadCount(undefined);

let crossover;
if (args.crossover) {
  // The plain loop against the native GEMM on small cubes (matmul's NATIVE_MIN_WORK), and one native
  // thread against two on mid sizes (native/gemm.cc's kParallelMinWork).
  const { nativeKernels } = await import(join(root, 'dist', 'native', 'index.js'));
  const native = nativeKernels();
  if (native === null) throw new Error('bench: --crossover needs the native addon (npm run build:native)');
  crossover = { jsVsNative: [], oneVsTwoThreads: [] };
  for (const size of [4, 6, 8, 12, 16, 24, 32, 48, 64]) {
    const a = randomArray(size * size, 5);
    const b = randomArray(size * size, 6);
    const out = new Float32Array(size * size);
    const flop = 2 * size ** 3;
    const js = measure(() => matmulReference(a, b, out, size, size, size), flop);
    const fast = measure(() => native.gemm(a, b, out, size, size, size, 0, 1), flop);
    crossover.jsVsNative.push({ size, work: size ** 3, jsMs: js.ms.min, nativeMs: fast.ms.min });
    console.error(`crossover ${size}³: js ${js.ms.min} ms, native ${fast.ms.min} ms`);
  }
  for (const size of [32, 48, 64, 96, 128, 160, 192, 256]) {
    const a = randomArray(size * size, 7);
    const b = randomArray(size * size, 8);
    const out = new Float32Array(size * size);
    const flop = 2 * size ** 3;
    const one = measure(() => native.gemm(a, b, out, size, size, size, 0, 1), flop);
    const two = measure(() => native.gemm(a, b, out, size, size, size, 0, 2), flop);
    crossover.oneVsTwoThreads.push({ size, work: size ** 3, oneMs: one.ms.min, twoMs: two.ms.min });
    console.error(`threads ${size}³: 1 thread ${one.ms.min} ms, 2 threads ${two.ms.min} ms`);
  }
}

let elementwise;
if (args.elementwise) {
  // The native exp / tanh / sigmoid / relu / row log-sum-exp / sparse softmax-cross-entropy gradient
  // against the plain loops they replace, in ns per element; and a short run on both sides of
  // NATIVE_MIN_LENGTH (where the call's cost decides).
  const kernels = await import(join(kernelsPath, 'index.js'));
  const { activationLoop } = await import(join(kernelsPath, 'activations.js'));
  const { unaryLoop } = await import(join(kernelsPath, 'elementwise.js'));
  const softmax = await import(join(kernelsPath, 'softmax.js'));
  const size = 1 << 20;
  const x = randomArray(size, 9).map((v) => v * 16);
  const out = new Float32Array(size);
  const perElement = (run, length = size) => Number(((measure(run, 1).ms.min * 1e6) / length).toFixed(2));
  elementwise = {};
  for (const op of ['exp', 'tanh', 'sigmoid', 'relu']) {
    const fast = (length) => () =>
      op === 'exp'
        ? kernels.unary('exp', x, 0, out, 0, length)
        : kernels.activation(op, x, 0, out, 0, length);
    const plain = (length) => () =>
      op === 'exp' ? unaryLoop('exp', x, 0, out, 0, length) : activationLoop(op, x, 0, out, 0, length);
    elementwise[op] = {
      plainNs: perElement(plain(size)),
      nativeNs: perElement(fast(size)),
      plainNs64: perElement(plain(64), 64),
      nativeNs64: perElement(fast(64), 64),
    };
  }
  const cols = 10_000;
  const rows = Math.floor(size / cols);
  const lse = new Float64Array(rows);
  elementwise.logSumExpRows = {
    plainNs: perElement(() => softmax.logSumExpRowsLoop(x, 0, rows, cols, lse), rows * cols),
    nativeNs: perElement(() => softmax.logSumExpRows(x, 0, rows, cols, lse), rows * cols),
  };
  const targets = Int32Array.from({ length: rows }, (_, r) => (r * 7919) % cols);
  const rowGrad = new Float64Array(rows).fill(1 / rows);
  const dx = new Float32Array(rows * cols);
  elementwise.sparseCrossEntropyBackward = {
    plainNs: perElement(
      () => softmax.sparseCrossEntropyBackwardLoop(x, 0, rows, cols, targets, lse, rowGrad, dx),
      rows * cols,
    ),
    nativeNs: perElement(
      () => softmax.sparseCrossEntropyBackward(x, 0, rows, cols, targets, lse, rowGrad, dx),
      rows * cols,
    ),
  };
  for (const [name, row] of Object.entries(elementwise))
    console.error(`elementwise ${name}: ${JSON.stringify(row)}`);
}

let anchors;
if (runNumpy) {
  const run = spawnSync(
    '/usr/bin/python3',
    [
      join(root, 'bench', 'numpy_gemm.py'),
      '--shapes',
      shapes.map(({ m, n, k }) => `${m}x${n}x${k}`).join(','),
      '--threads',
      threadCounts.join(','),
      '--samples',
      String(samples),
      '--min-time',
      String(minTime / 1000),
      '--reps',
      String(fixedReps),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24, env: anchorEnv(), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    anchors = { openblas: JSON.parse(run.stdout.trim().split('\n').at(-1)) };
    for (const row of results) {
      for (const threads of threadCounts) {
        const blas = anchors.openblas.results.find(
          (r) => r.m === row.m && r.n === row.n && r.k === row.k && r.threads === threads,
        );
        const ours = row[`threads${threads}`];
        if (blas && ours) {
          ours.openblasGflops = Number(blas.gflops.best.toFixed(2));
          ours.fractionOfOpenblas = Number((ours.gflops.best / blas.gflops.best).toFixed(3));
          console.error(
            `  ${row.shape}, ${threads} thread(s): OpenBLAS ${ours.openblasGflops} GFLOP/s best; ours ${ours.fractionOfOpenblas}×`,
          );
        }
      }
    }
  } catch {
    anchors = { error: `numpy_gemm.py failed (exit ${run.status})` };
  }
}

// Issue 13: sgemm 512³ and the LSTM shapes at ≥ 0.6× OpenBLAS on 1 and on 2 threads.
const targets = {
  'fraction of OpenBLAS >= 0.6 (512³ and LSTM shapes; 1, 2 threads)': results
    .filter((r) => r.m === 512 || r.shape.startsWith('lstm'))
    .map((r) => ({
      shape: r.shape,
      ...Object.fromEntries(threadCounts.map((t) => [t, r[`threads${t}`]?.fractionOfOpenblas])),
    })),
};
const machine = await machineInfo({ blasModules: runNumpy ? ['numpy'] : null });
// A quotable summary on stderr: one line per shape and thread count, with the path, CPU and BLAS kernel.
const pathName =
  machine.ours.path === 'native' ? `native ${machine.ours.isa}` : `fallback (${machine.ours.reason})`;
const blas = anchors?.openblas?.blas?.[0];
const blasName = blas ? `OpenBLAS ${blas.version} ${blas.architecture}` : 'OpenBLAS';
console.error(
  `summary (${machine.cpu.model}, family ${machine.cpu.family}; ours: ${pathName}; GFLOP/s best of ${samples} samples):`,
);
for (const row of results)
  for (const threads of threadCounts) {
    const ours = row[`threads${threads}`];
    const anchor =
      ours?.openblasGflops !== undefined
        ? `; ${blasName} ${ours.openblasGflops}: ${ours.fractionOfOpenblas}×`
        : '';
    console.error(`  matmul ${row.shape}, ${threads} thread(s): ours ${ours.gflops.best}${anchor}`);
  }
if (!runOurs && anchors?.openblas?.results)
  for (const r of anchors.openblas.results)
    console.error(`  matmul ${r.shape}, ${r.threads} thread(s): ${blasName} ${r.gflops.best.toFixed(2)}`);
console.log(
  JSON.stringify({
    benchmark: 'tensor',
    machine,
    samples,
    fixedReps: fixedReps > 0 ? fixedReps : undefined,
    minTimeSeconds: minTime / 1000,
    matmul: results,
    targets,
    ...(crossover ? { crossover } : {}),
    ...(elementwise ? { elementwiseNsPerElement: elementwise } : {}),
    ...(anchors ? { anchors } : {}),
  }),
);
