// bench:lm — Zaremba et al.'s "small" LSTM language model (vocab 10k, 2 × 200 LSTM, BPTT 35, batch 20,
// SGD lr 1, clip 5, no dropout, init ±0.1) on Penn Treebank, run against dist/ (`npm run build` first):
//   1. training throughput: --warmup windows untimed, then --measure windows timed → tokens/s;
//   2. (with --valid-after N) keeps training to N training tokens, then validation perplexity over the
//      whole valid file (batch 10, state carried) — compare with PyTorch at the same N;
//   3. next-word latency: one --bptt-token sequence, batch 1, zero state, logits of the last position,
//      softmax + top-5 (model.predict), --latency-iters calls after 10 warm-up calls; median / p90 ms.
// --torch runs ../shared/bench/anchors/torch_lstm_lm.py --skip-eval (throughput + latency, ~1 min each)
// afterwards at each of --torch-threads (torch.set_num_threads; default 1 and 2), with OPENBLAS_CORETYPE /
// OPENBLAS_L2_SIZE removed from its environment; the best setting is the anchor (tokens/s and latency
// each), and the BLAS kernel threadpoolctl reports is recorded. Progress on stderr; one JSON object on the
// last line of stdout, with the CPU (model, family, SIMD flags) and our kernel path (native ISA or
// fallback: VERBO_ISA=avx2, VERBO_NATIVE=0).
//
//   node bench/lm.mjs [--train F --valid F] [--warmup 10] [--measure 100] [--valid-after 0]
//       [--latency-iters 200] [--threads N] [--cell lstm] [--embed 200] [--hidden 200] [--layers 2]
//       [--bptt 35] [--batch 20] [--torch] [--torch-threads 1,2] [--torch-measure 200] [--only ours|torch]
//       [--profile]
//
// --profile splits the timed windows' wall and CPU time by native kernel entry (elapsed and process CPU
// time around each call, per window) and the rest (JavaScript: autograd, batching, garbage collection); `profile` in the
// JSON. Process CPU time counts every thread, spinning pool workers included: take it with --threads 1
// for a clean split (e.g. node bench/lm.mjs --only ours --threads 1 --measure 30 --latency-iters 20 --profile).
//
// Each side alone, for paired runs (alternate them; compare trainTokensPerSecond / latencyMs.median):
//   node bench/lm.mjs --only ours --measure 100
//   node bench/lm.mjs --only torch --threads 1 --torch-measure 100      (and --threads 2)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anchorEnv, machineInfo } from './anchors.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = join(root, '..', 'shared');
const distEntry = join(root, 'dist', 'seq', 'index.js');

const defaults = {
  train: join(shared, 'data', 'ptb', 'ptb.train.txt'),
  valid: join(shared, 'data', 'ptb', 'ptb.valid.txt'),
  warmup: 10,
  measure: 100,
  'valid-after': 0,
  'latency-iters': 200,
  threads: undefined,
  cell: 'lstm',
  embed: 200,
  hidden: 200,
  layers: 2,
  bptt: 35,
  batch: 20,
  lr: 1,
  clip: 5,
  torch: false,
  'torch-threads': '1,2',
  'torch-measure': 200,
  only: '',
  profile: false,
};
const args = { ...defaults };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in defaults)) {
    console.error(`bench/lm.mjs: unknown flag ${argv[i]}`);
    process.exit(1);
  }
  if (typeof defaults[key] === 'boolean') args[key] = true;
  else args[key] = typeof defaults[key] === 'number' || key === 'threads' ? Number(argv[++i]) : argv[++i];
}
if (!existsSync(args.train)) {
  console.error(`bench/lm.mjs: ${args.train} is missing (PTB under ../shared/data/ptb).`);
  process.exit(1);
}
if (!['', 'ours', 'torch'].includes(args.only)) {
  console.error(`bench/lm.mjs: --only takes ours or torch, got ${args.only}`);
  process.exit(1);
}
const log = (text) => process.stderr.write(`${text}\n`);
const runTorch = args.only === 'torch' || (args.torch && args.only === '');
const torchThreads =
  args.only === 'torch' && args.threads !== undefined
    ? [args.threads]
    : args['torch-threads'].split(',').map(Number);
const result = { script: 'bench/lm.mjs' };
if (args.only !== 'torch') await runOurs();
if (runTorch) runAnchor();
result.machine = await machineInfo({ blasModules: runTorch ? ['torch'] : null });
summarise();
console.log(JSON.stringify(result));

/** A quotable summary on stderr: our figures with the path and CPU, PyTorch's with its BLAS kernel. */
function summarise() {
  const { cpu, ours } = result.machine;
  const path =
    ours.path === 'native' ? `native ${ours.isa}, ${result.threads} thread(s)` : `fallback (${ours.reason})`;
  log(`summary (${cpu.model}, family ${cpu.family}; Zaremba small on PTB):`);
  if (result.trainTokensPerSecond !== undefined) {
    log(
      `  ours [${path}]: ${Math.round(result.trainTokensPerSecond)} training tokens/s (${args.measure} windows), next-word latency ${result.latencyMs.median.toFixed(2)} ms median`,
    );
    if (result.validPerplexity !== undefined)
      log(
        `  ours: valid perplexity ${result.validPerplexity.toFixed(2)} after ${result.validAfterTokens} training tokens`,
      );
  }
  for (const run of result.torch?.runs ?? []) {
    const blas = run.blas?.[0];
    log(
      run.error
        ? `  PyTorch, ${run.threads} thread(s): ${run.error}`
        : `  PyTorch [${run.threads} thread(s), OpenBLAS ${blas?.version} ${blas?.architecture}]: ${Math.round(run.trainTokensPerSecond)} tokens/s, latency ${run.latencyMedianMs.toFixed(2)} ms`,
    );
  }
  if (result.ratioTokensPerSecond !== undefined)
    log(
      `  ours / PyTorch's best: ${result.ratioTokensPerSecond.toFixed(2)}× tokens/s (target ≥ 1.2), ${result.ratioLatency.toFixed(2)}× latency (target ≤ 1.0)`,
    );
}

async function runOurs() {
  if (!existsSync(distEntry)) {
    console.error('bench/lm.mjs: dist/ is missing; run `npm run build` first.');
    process.exit(1);
  }
  const seq = await import(distEntry);
  const native = await import(join(root, 'dist', 'native', 'index.js'));
  if (args.threads !== undefined) native.setThreadCount(args.threads);
  const profile = args.profile ? profileKernels(native.nativeKernels()) : null;

  // ---- data (PTB style: whitespace tokens + <eos>; vocabulary = every training type) ----------------
  const text = { level: 'word', prep: 'none' };
  let t0 = performance.now();
  const vocab = await seq.vocabularyOfFiles([args.train], text);
  const train = await seq.encodeFiles([args.train], text, vocab);
  const valid = await seq.encodeFiles([args.valid], text, vocab);
  const loadSeconds = (performance.now() - t0) / 1000;
  log(
    `vocab ${vocab.size}, train ${train.ids.length} tokens, valid ${valid.ids.length} (${loadSeconds.toFixed(1)} s)`,
  );

  const model = new seq.LanguageModel(vocab, {
    ...text,
    cell: args.cell,
    embed: args.embed,
    hidden: args.hidden,
    layers: args.layers,
    seed: 1,
  });
  const trainOptions = {
    bptt: args.bptt,
    batch: args.batch,
    learningRate: args.lr,
    clip: args.clip,
    epochs: 100,
  };
  const tokensPerWindow = args.bptt * args.batch;

  // ---- 1. throughput ------------------------------------------------------------------------------
  await seq.trainLanguageModel(model, train.ids, {
    ...trainOptions,
    maxTokens: args.warmup * tokensPerWindow,
  });
  t0 = performance.now();
  profile?.reset();
  const cpu0 = process.cpuUsage();
  await seq.trainLanguageModel(model, train.ids, {
    ...trainOptions,
    maxTokens: args.measure * tokensPerWindow,
    onProgress: (e) =>
      log(
        `  window ${e.batch}: ${Math.round(e.tokensPerSecond)} tokens/s, perplexity ${e.perplexity.toFixed(1)}`,
      ),
    progressEvery: 5000,
  });
  const measureSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  Object.assign(result, {
    config: {
      ...trainOptions,
      cell: args.cell,
      embed: args.embed,
      hidden: args.hidden,
      layers: args.layers,
      epochs: undefined,
    },
    vocab: vocab.size,
    parameters: model.countParameters(),
    threads: native.threadCount(),
    warmupWindows: args.warmup,
    measuredWindows: args.measure,
    measureSeconds,
    trainTokensPerSecond: (args.measure * tokensPerWindow) / measureSeconds,
    msPerWindow: (1000 * measureSeconds) / args.measure,
    // CPU time of all threads (main + matmul helpers) per window: steadier than wall time on a busy machine.
    cpuMsPerWindow: (cpu.user + cpu.system) / 1000 / args.measure,
  });
  log(
    `throughput: ${result.trainTokensPerSecond.toFixed(0)} tokens/s (${result.msPerWindow.toFixed(1)} ms per window, ${result.cpuMsPerWindow.toFixed(1)} ms CPU)`,
  );
  if (profile !== null) {
    result.profile = profile.report(args.measure, result.cpuMsPerWindow, result.msPerWindow);
    log('wall / CPU ms per window by native entry (the rest is JavaScript):');
    const { cpuMsPerWindow, wallMsPerWindow } = result.profile;
    for (const [entry, ms] of Object.entries(wallMsPerWindow))
      log(`  ${ms.toFixed(2).padStart(8)} ${cpuMsPerWindow[entry].toFixed(2).padStart(8)}  ${entry}`);
  }

  // ---- 2. validation perplexity after N training tokens (fresh model, same seed) -------------------
  if (args['valid-after'] > 0) {
    const fresh = new seq.LanguageModel(vocab, { ...model.config, seed: 1 });
    t0 = performance.now();
    const trained = await seq.trainLanguageModel(fresh, train.ids, {
      ...trainOptions,
      maxTokens: args['valid-after'],
      onProgress: (e) =>
        log(
          `  ${e.tokens} tokens: train perplexity ${e.perplexity.toFixed(1)}, ${Math.round(e.tokensPerSecond)} tokens/s`,
        ),
      progressEvery: 30000,
    });
    const evaluation = seq.evaluatePerplexity(fresh, valid.ids, { batch: args.batch, bptt: args.bptt });
    result.validAfterTokens = trained.tokens;
    result.validTrainSeconds = (performance.now() - t0) / 1000;
    result.validPerplexity = evaluation.perplexity;
    log(`valid perplexity after ${trained.tokens} training tokens: ${evaluation.perplexity.toFixed(1)}`);
  }

  // ---- 3. next-word latency -----------------------------------------------------------------------
  const words = [];
  for (let i = 0; words.length < args.bptt; i++) {
    const w = vocab.word(valid.ids[i]);
    if (w !== '<eos>') words.push(w);
  }
  const context = words.join(' ');
  const latencies = [];
  let example;
  for (let i = 0; i < 10 + args['latency-iters']; i++) {
    const start = performance.now();
    example = model.predict(context, { topK: 5 });
    if (i >= 10) latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  result.latencyMs = {
    median: latencies[Math.floor(latencies.length / 2)],
    p90: latencies[Math.floor(0.9 * (latencies.length - 1))],
    min: latencies[0],
    iters: latencies.length,
    seqLen: args.bptt,
  };
  result.latencyExample = { contextTail: words.slice(-5), top5: example.next.map((n) => n.word) };
  log(`latency: median ${result.latencyMs.median.toFixed(2)} ms, p90 ${result.latencyMs.p90.toFixed(2)} ms`);
}

/** Wraps every function of a native kernel table to add up the process CPU time spent in it, by entry
 * (gemm by shape and flags). Null when the addon is unavailable. */
function profileKernels(table) {
  if (table === null) return null;
  const spent = new Map();
  const elapsed = new Map();
  for (const name of Object.keys(table)) {
    const kernel = table[name];
    if (typeof kernel !== 'function' || name.endsWith('Async')) continue;
    table[name] = (...call) => {
      const key = name === 'gemm' ? `gemm m${call[3]} n${call[4]} k${call[5]} flags ${call[6]}` : name;
      const before = process.cpuUsage();
      const start = performance.now();
      const value = kernel(...call);
      const wall = performance.now() - start;
      const used = process.cpuUsage(before);
      spent.set(key, (spent.get(key) ?? 0) + (used.user + used.system) / 1000);
      elapsed.set(key, (elapsed.get(key) ?? 0) + wall);
      return value;
    };
  }
  return {
    reset: () => {
      spent.clear();
      elapsed.clear();
    },
    report(windows, cpuMsPerWindow, msPerWindow) {
      const perWindow = (map) => [...map].sort((x, y) => y[1] - x[1]).map(([key, ms]) => [key, ms / windows]);
      const total = (entries) => entries.reduce((sum, [, ms]) => sum + ms, 0);
      const cpu = perWindow(spent);
      const wall = perWindow(elapsed);
      return {
        cpuMsPerWindow: Object.fromEntries([...cpu, ['other (JavaScript, GC)', cpuMsPerWindow - total(cpu)]]),
        wallMsPerWindow: Object.fromEntries([...wall, ['other (JavaScript, GC)', msPerWindow - total(wall)]]),
      };
    },
  };
}

// ---- anchor: PyTorch at each thread setting; the best is the anchor --------------------------------
function runAnchor() {
  const script = join(shared, 'bench', 'anchors', 'torch_lstm_lm.py');
  result.torch = { runs: [] };
  for (const threads of torchThreads) {
    log(`running the PyTorch anchor (--threads ${threads} --skip-eval, OpenBLAS unpinned) …`);
    const run = spawnSync(
      '/usr/bin/python3',
      [
        script,
        '--threads',
        String(threads),
        '--skip-eval',
        '--measure',
        String(args['torch-measure']),
        '--latency-iters',
        String(args['latency-iters']),
        '--train',
        args.train,
        '--valid',
        args.valid,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: anchorEnv() },
    );
    try {
      const torch = JSON.parse(run.stdout.trim().split('\n').pop());
      result.torch.runs.push({
        threads,
        trainTokensPerSecond: torch.train_tokens_per_s,
        latencyMedianMs: torch.latency_ms?.median,
        blas: torch.blas,
      });
      log(
        `  torch, ${threads} thread(s): ${Math.round(torch.train_tokens_per_s)} tokens/s, latency ${torch.latency_ms?.median?.toFixed(2)} ms`,
      );
    } catch {
      result.torch.runs.push({ threads, error: `the anchor failed (exit ${run.status})` });
    }
  }
  const good = result.torch.runs.filter((r) => r.trainTokensPerSecond !== undefined);
  if (good.length === 0) return;
  const fastest = good.reduce((x, y) => (y.trainTokensPerSecond > x.trainTokensPerSecond ? y : x));
  const quickest = good.reduce((x, y) => (y.latencyMedianMs < x.latencyMedianMs ? y : x));
  result.torch.best = {
    trainTokensPerSecond: fastest.trainTokensPerSecond,
    trainThreads: fastest.threads,
    latencyMedianMs: quickest.latencyMedianMs,
    latencyThreads: quickest.threads,
  };
  if (result.trainTokensPerSecond !== undefined) {
    result.ratioTokensPerSecond = result.trainTokensPerSecond / fastest.trainTokensPerSecond;
    result.ratioLatency = result.latencyMs.median / quickest.latencyMedianMs;
  }
}
