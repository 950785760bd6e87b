#!/usr/bin/env node
// bench/search.mjs — nearest-neighbour search speed and recall (npm run bench:search; runs against dist/,
// so `npm run build` first).
//
// Data sets (k = 10, 1,000 queries by default):
//   random    --n (100,000) standard-normal vectors of --dim (100) and --queries query vectors, normalised;
//             generated with the anchors' mulberry32 + Box–Muller (seed --seed, 42; base first, then
//             queries) when ../shared/bench/anchors/common.mjs is present, so the numbers are directly
//             comparable with ann_bench.mjs / ann_faiss.py; else with verbo's Random.
//   word2vec  every vector of a word2vec binary file (--vectors, e.g. ann_vectors.bin written by
//             ../shared/bench/anchors/make_ann_vectors.py) and the words of --query-words as queries;
//             each query is a word of the index, left out of its own results (as the anchors do).
//
// Measured: ExactIndex build (add) seconds, queries/s one query per call and in one batch call, for each
// thread count in --threads; HnswIndex build seconds (its default builder: ours, native, when the addon
// is there; --builder hnswlib for hnswlib-node's addPoint), the seconds to lay its graph out for the native
// search, and per ef in --efs queries/s and recall@k against the exact results of HnswIndex's default
// engine (our native search over hnswlib's graph, one walker per query) one query per call and in one
// batch call (split between threads), of two walkers per query (the opt-in), of HnswIndex on
// hnswlib-node's searchKnn (engine 'hnswlib'), and of raw hnswlib-node searchKnn on the very same graph
// (the wrapper's overhead), with the ratio to ExactIndex's single-query queries/s of the same run. The exact
// results are checked against a float64 brute force on a few queries. --hnsw-index F searches an index
// saved by HnswIndex.save (F and F.json; of the same vectors) instead of building one (no build time
// then; quicker paired runs of the searches; --save-hnsw F writes the index built). With --repeat R every timing is
// taken R times and min / median seconds are reported.
//
// Default run (short, ~1-2 min on 2 busy cores): random data, exact search on 100k, HNSW on the first
// --hnsw-n (20,000) vectors. --full: both data sets when the word2vec files are given, HNSW on all
// vectors, --repeat 3. --anchors additionally runs ann_bench.mjs (hnswlib-node and plain JS, with
// --modules, default ../main/node_modules) and ann_faiss.py (Debian python3-faiss, --faiss-threads 1)
// on the same data, one after the other, and puts their JSON beside ours.
//
// Usage:
//   node bench/search.mjs [--data random|word2vec|both] [--n 100000] [--dim 100] [--queries 1000]
//       [--k 10] [--seed 42] [--vectors F.bin --query-words F.txt] [--efs 10,50,100,200,400]
//       [--m 16] [--ef-construction 200] [--builder native|hnswlib] [--hnsw-n N] [--hnsw-index F] [--save-hnsw F] [--skip-exact] [--skip-hnsw]
//       [--single-queries N] [--threads 1,2] [--repeat 1] [--full]
//       [--anchors] [--anchors-dir DIR] [--modules DIR] [--faiss-threads 1] [--scratch DIR]
// Prints progress on stderr and one JSON object as the last line of stdout.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { anchorEnv, describeMachine, machineInfo } from './anchors.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist', 'search', 'index.js'))) {
  console.error('bench/search.mjs: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { ExactIndex, HnswIndex } = await import(pathToFileURL(join(root, 'dist', 'search', 'index.js')).href);
const { Random } = await import(pathToFileURL(join(root, 'dist', 'util', 'random.js')).href);

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    n: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '100' },
    queries: { type: 'string', default: '1000' },
    k: { type: 'string', default: '10' },
    seed: { type: 'string', default: '42' },
    vectors: { type: 'string' },
    'query-words': { type: 'string' },
    efs: { type: 'string', default: '10,50,100,200,400' },
    m: { type: 'string', default: '16' },
    'ef-construction': { type: 'string', default: '200' },
    builder: { type: 'string' },
    'hnsw-n': { type: 'string' },
    'hnsw-index': { type: 'string' },
    'save-hnsw': { type: 'string' },
    'skip-exact': { type: 'boolean', default: false },
    'skip-hnsw': { type: 'boolean', default: false },
    'single-queries': { type: 'string' },
    threads: { type: 'string', default: '1,2' },
    repeat: { type: 'string' },
    full: { type: 'boolean', default: false },
    anchors: { type: 'boolean', default: false },
    'anchors-dir': { type: 'string', default: join(root, '..', 'shared', 'bench', 'anchors') },
    modules: { type: 'string', default: join(root, '..', 'main', 'node_modules') },
    'faiss-threads': { type: 'string', default: '1' },
    scratch: { type: 'string' },
  },
});

const K = Number(args.k);
const haveWord2vec = Boolean(args.vectors && args['query-words']);
const dataSets = (args.data ?? (args.full && haveWord2vec ? 'both' : haveWord2vec ? 'word2vec' : 'random'))
  .split(',')
  .flatMap((name) => (name === 'both' ? ['random', 'word2vec'] : [name]));
if (dataSets.includes('word2vec') && !haveWord2vec) {
  console.error(
    'bench/search.mjs: the word2vec data set needs --vectors F.bin --query-words F.txt (make_ann_vectors.py)',
  );
  process.exit(1);
}
const repeat = Number(args.repeat ?? (args.full ? 3 : 1));
const efs = args.efs.split(',').map(Number);
const threadCounts = args.threads.split(',').map(Number);
const log = (message) => process.stderr.write(`${message}\n`);

// ---- data --------------------------------------------------------------------------------------------

async function normalSource(seed) {
  const common = join(args['anchors-dir'], 'common.mjs');
  if (existsSync(common)) {
    const { mulberry32, gaussian } = await import(pathToFileURL(common).href);
    return { next: gaussian(mulberry32(seed)), generator: 'anchors mulberry32 + Box-Muller' };
  }
  const random = new Random(seed);
  return { next: () => random.normal(), generator: 'verbo Random (xoshiro128**)' };
}

function unitRows(count, dim, next) {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) {
      const value = next();
      out[i * dim + j] = value;
      sum += value * value;
    }
    const scale = 1 / Math.sqrt(sum);
    for (let j = 0; j < dim; j++) out[i * dim + j] *= scale;
  }
  return out;
}

/** word2vec binary: "N DIM\n", then per word: word, space, DIM float32 LE, optional newline. */
function readWord2vecBinary(path) {
  const buffer = readFileSync(path);
  const newline = buffer.indexOf(0x0a);
  const [n, dim] = buffer.toString('latin1', 0, newline).trim().split(/\s+/).map(Number);
  const words = new Array(n);
  const vectors = new Float32Array(n * dim);
  let at = newline + 1;
  for (let i = 0; i < n; i++) {
    while (buffer[at] === 0x0a) at++;
    const space = buffer.indexOf(0x20, at);
    words[i] = buffer.toString('utf8', at, space);
    at = space + 1;
    for (let j = 0; j < dim; j++, at += 4) vectors[i * dim + j] = buffer.readFloatLE(at);
  }
  return { words, vectors, n, dim };
}

async function loadData(name) {
  if (name === 'random') {
    const n = Number(args.n);
    const dim = Number(args.dim);
    const count = Number(args.queries);
    const source = await normalSource(Number(args.seed));
    const vectors = unitRows(n, dim, source.next);
    const queryVectors = unitRows(count, dim, source.next);
    const queries = Array.from({ length: count }, (_, q) => queryVectors.subarray(q * dim, (q + 1) * dim));
    const words = Array.from({ length: n }, (_, i) => `v${i}`);
    return {
      name,
      n,
      dim,
      words,
      vectors,
      queries,
      queryIds: null,
      generator: source.generator,
      seed: Number(args.seed),
    };
  }
  const { words, vectors, n, dim } = readWord2vecBinary(args.vectors);
  const rowOf = new Map();
  for (let i = 0; i < words.length; i++) if (!rowOf.has(words[i])) rowOf.set(words[i], i);
  const listed = readFileSync(args['query-words'], 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const queries = listed.filter((word) => rowOf.has(word));
  return {
    name,
    n,
    dim,
    words,
    vectors,
    queries,
    queryIds: queries.map((word) => rowOf.get(word)),
    file: args.vectors,
  };
}

// ---- timing helpers ------------------------------------------------------------------------------------

function timedOnce(fn) {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(cpuStarted);
  return { value, seconds: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/** min / median wall seconds and median CPU seconds (this process, all threads) of several runs. */
function summarize(runs) {
  const seconds = runs.map((run) => run.seconds).sort((a, b) => a - b);
  const cpu = runs.map((run) => run.cpu).sort((a, b) => a - b);
  const middle = Math.floor(runs.length / 2);
  return {
    value: runs.at(-1).value,
    min: seconds[0],
    median: seconds[middle],
    all: runs.map((run) => run.seconds),
    cpuMedian: cpu[middle],
  };
}

/**
 * Runs fn `repeat` times. CPU seconds are reported too: on a busy machine, queries per CPU second (per
 * thread) show roughly what a quiet core would do.
 */
function timed(fn) {
  const runs = [];
  for (let r = 0; r < repeat; r++) runs.push(timedOnce(fn));
  return summarize(runs);
}

const round = (x, digits = 3) => Number(x.toPrecision(digits + 1));

function recallAt(found, truth) {
  let hits = 0;
  let total = 0;
  found.forEach((list, q) => {
    const expected = new Set(truth[q].map((n) => n.word));
    total += expected.size;
    for (const neighbor of list.slice(0, K)) if (expected.has(neighbor.word)) hits++;
  });
  return total === 0 ? 1 : hits / total;
}

/** float64 brute force for a few queries: the exact index must agree (top-k words, ties aside). */
function checkExact(data, results, count) {
  const { vectors, dim, n, words } = data;
  let agree = 0;
  for (let q = 0; q < count; q++) {
    const query =
      typeof data.queries[q] === 'string'
        ? vectors.subarray(data.queryIds[q] * dim, (data.queryIds[q] + 1) * dim)
        : data.queries[q];
    const self = data.queryIds ? data.queryIds[q] : -1;
    const scores = [];
    let queryNorm = 0;
    for (let j = 0; j < dim; j++) queryNorm += query[j] * query[j];
    for (let i = 0; i < n; i++) {
      if (i === self) continue;
      let dot = 0;
      let norm = 0;
      for (let j = 0; j < dim; j++) {
        dot += query[j] * vectors[i * dim + j];
        norm += vectors[i * dim + j] * vectors[i * dim + j];
      }
      scores.push({ i, s: norm === 0 ? 0 : dot / Math.sqrt(norm * queryNorm) });
    }
    scores.sort((a, b) => b.s - a.s);
    const truth = new Set(scores.slice(0, K).map((entry) => words[entry.i]));
    agree += results[q].filter((neighbor) => truth.has(neighbor.word)).length / K;
  }
  return agree / count;
}

// ---- ExactIndex ------------------------------------------------------------------------------------------

async function benchExact(data) {
  const out = { backend: new ExactIndex(1).backend, runs: [] };
  let truth;
  const singleCount = Math.min(data.queries.length, Number(args['single-queries'] ?? data.queries.length));
  for (const threads of threadCounts) {
    const build = timed(() => {
      const index = new ExactIndex(data.dim, { threads });
      index.add(data.words, data.vectors);
      return index;
    });
    const index = build.value;
    // let the kernels and the JS around them tier up
    for (let q = 0; q < Math.min(20, data.queries.length); q++) index.search(data.queries[q], K);
    index.searchBatch(data.queries.slice(0, 8), K);
    const single = timed(() => {
      const results = new Array(singleCount);
      for (let q = 0; q < singleCount; q++) results[q] = index.search(data.queries[q], K);
      return results;
    });
    const batch = timed(() => index.searchBatch(data.queries, K));
    truth ??= batch.value;
    const run = {
      threads,
      build_seconds: round(build.median),
      single: {
        queries: singleCount,
        seconds_min: round(single.min),
        seconds_median: round(single.median),
        qps: round(singleCount / single.median),
        qps_best: round(singleCount / single.min),
        cpu_seconds: round(single.cpuMedian),
      },
      batch: {
        queries: data.queries.length,
        seconds_min: round(batch.min),
        seconds_median: round(batch.median),
        qps: round(data.queries.length / batch.median),
        qps_best: round(data.queries.length / batch.min),
        cpu_seconds: round(batch.cpuMedian),
      },
      single_vs_batch_agreement: round(recallAt(single.value, batch.value.slice(0, singleCount))),
    };
    out.runs.push(run);
    log(
      `  exact (${out.backend}, ${threads} thread${threads > 1 ? 's' : ''}): build ${run.build_seconds} s, one at a time ${run.single.qps} q/s (${round(singleCount / run.single.cpu_seconds)} per CPU s), batch ${run.batch.qps} q/s (${round(data.queries.length / run.batch.cpu_seconds)} per CPU s)`,
    );
    index.close();
  }
  out.float64_check_recall = round(checkExact(data, truth, Math.min(10, data.queries.length)));
  log(
    `  exact vs float64 brute force on ${Math.min(10, data.queries.length)} queries: recall ${out.float64_check_recall}`,
  );
  return { out, truth };
}

// ---- HnswIndex -----------------------------------------------------------------------------------------

async function benchHnsw(data, truth) {
  const n = Math.min(data.n, Number(args['hnsw-n'] ?? (args.full ? data.n : Math.min(20_000, data.n))));
  const subset = n < data.n;
  const words = subset ? data.words.slice(0, n) : data.words;
  const vectors = subset ? data.vectors.subarray(0, n * data.dim) : data.vectors;
  // on a subset the query words must lie in it, and the truth is recomputed on it
  let queries = data.queries;
  if (subset && data.queryIds) queries = data.queries.filter((_, q) => data.queryIds[q] < n);
  if (subset) {
    const exact = new ExactIndex(data.dim);
    exact.add(words, vectors);
    truth = exact.searchBatch(queries, K);
    exact.close();
  }
  let index;
  let buildSeconds;
  if (args['hnsw-index'] !== undefined) {
    // a saved index of the same vectors (checked against them; rebuilt, with a notice, if they differ):
    // searches only, without the build's half a minute or more
    const started = performance.now();
    index = HnswIndex.load(args['hnsw-index'], {
      words,
      vectors,
      onNotice: (message) => log(`  ${message}`),
    });
    log(
      `  hnsw: loaded ${args['hnsw-index']} in ${round((performance.now() - started) / 1000)} s (no build timed)`,
    );
  } else {
    log(`  hnsw: building over ${n} vectors (M ${args.m}, efConstruction ${args['ef-construction']}) ...`);
    let lastReport = performance.now();
    const started = performance.now();
    index = new HnswIndex(data.dim, {
      M: Number(args.m),
      efConstruction: Number(args['ef-construction']),
      capacity: n,
      ...(args.builder === undefined ? {} : { builder: args.builder }),
      onProgress: (done, total) => {
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          log(`    ${done} / ${total}`);
        }
      },
    });
    index.add(words, vectors);
    buildSeconds = (performance.now() - started) / 1000;
    log(`  hnsw: build ${round(buildSeconds)} s`);
    if (args['save-hnsw'] !== undefined) index.save(args['save-hnsw']);
  }
  // the native layout of the graph (read back from hnswlib's file format), made once after a change
  const prepared = timedOnce(() => index.prepareSearch());
  const engine = index.engine;
  log(`  hnsw: search engine ${engine}; graph laid out in ${round(prepared.seconds)} s`);
  // the default (one walker per query: answers repeat exactly) and, beside it, the opt-in two walkers
  // per query on the same graph
  const graphFile = join(mkdtempSync(join(tmpdir(), 'verbo-bench-hnsw-')), 'graph.hnsw');
  index.save(graphFile);
  const twoWalkers = engine === 'native' ? HnswIndex.load(graphFile, { walkers: 2 }) : undefined;
  twoWalkers?.prepareSearch();
  rmSync(dirname(graphFile), { recursive: true, force: true });
  // raw hnswlib-node on the same graph: the query as a plain array, k+1 when the query word must be dropped
  const graph = index.graph;
  const rawQueries = queries.map((query) =>
    Array.from(typeof query === 'string' ? index.getVector(query) : query),
  );
  const rawK = data.queryIds ? K + 1 : K;
  const searches = [];
  // per ef: HnswIndex with its default engine one query per call, the same as one batch call (split
  // between threads), two walkers per query (opt-in), HnswIndex on hnswlib-node's searchKnn (engine
  // 'hnswlib': the wrapper's overhead) and raw searchKnn on the same graph
  const wrappedSearch = (chosen) => () => {
    index.engine = chosen;
    return queries.map((query) => index.search(query, K));
  };
  const batchSearch = () => index.searchBatch(queries, K);
  const twoWalkerSearch = () => queries.map((query) => twoWalkers.search(query, K));
  const rawSearch = () => {
    const found = new Array(rawQueries.length);
    for (let q = 0; q < rawQueries.length; q++) found[q] = graph.searchKnn(rawQueries[q], rawK);
    return found;
  };
  for (const ef of efs) {
    index.ef = ef;
    if (twoWalkers) twoWalkers.ef = ef;
    // warm every path up (JIT) before timing
    for (let q = 0; q < Math.min(100, queries.length); q++) {
      for (const chosen of new Set([engine, 'hnswlib'])) {
        index.engine = chosen;
        index.search(queries[q], K);
      }
      graph.searchKnn(rawQueries[q], rawK);
      twoWalkers?.search(queries[q], K);
    }
    // the paths alternate (at least 2 rounds each), so that a busy spell hits them alike
    const rounds = { ours: [], batch: [], two: [], hnswlib: [], raw: [] };
    for (let round = 0; round < Math.max(repeat, 2); round++) {
      rounds.ours.push(timedOnce(wrappedSearch(engine)));
      index.engine = engine;
      rounds.batch.push(timedOnce(batchSearch));
      if (twoWalkers) rounds.two.push(timedOnce(twoWalkerSearch));
      if (engine !== 'hnswlib') rounds.hnswlib.push(timedOnce(wrappedSearch('hnswlib')));
      rounds.raw.push(timedOnce(rawSearch));
    }
    index.engine = engine;
    const ours = summarize(rounds.ours);
    const batch = summarize(rounds.batch);
    const viaHnswlib = engine === 'hnswlib' ? ours : summarize(rounds.hnswlib);
    const raw = summarize(rounds.raw);
    const two = twoWalkers ? summarize(rounds.two) : undefined;
    const entry = {
      ef,
      engine,
      qps: round(queries.length / ours.median),
      qps_best: round(queries.length / ours.min),
      recall_at_k: round(recallAt(ours.value, truth)),
      qps_per_cpu_second: round(queries.length / ours.cpuMedian),
      batch_qps: round(queries.length / batch.median),
      batch_recall_at_k: round(recallAt(batch.value, truth)),
      ...(two
        ? {
            two_walkers_qps: round(queries.length / two.median),
            two_walkers_qps_best: round(queries.length / two.min),
            two_walkers_recall_at_k: round(recallAt(two.value, truth)),
          }
        : {}),
      speedup_vs_raw: round(raw.median / ours.median),
      speedup_vs_raw_best: round(raw.min / ours.min),
      speedup_vs_raw_cpu: round(raw.cpuMedian / ours.cpuMedian),
      hnswlib_engine_qps: round(queries.length / viaHnswlib.median),
      hnswlib_engine_recall_at_k: round(recallAt(viaHnswlib.value, truth)),
      raw_hnswlib_qps: round(queries.length / raw.median),
      raw_hnswlib_qps_per_cpu_second: round(queries.length / raw.cpuMedian),
      raw_hnswlib_qps_best: round(queries.length / raw.min),
      // HnswIndex over searchKnn against raw searchKnn: the wrapper's own overhead
      wrapper_vs_raw: round(raw.median / viaHnswlib.median),
      wrapper_vs_raw_best: round(raw.min / viaHnswlib.min),
    };
    searches.push(entry);
    log(
      `    ef ${ef}: ${engine} ${entry.qps} q/s (${entry.qps_per_cpu_second} per CPU s), recall@${K} ${entry.recall_at_k}; ` +
        `batch ${entry.batch_qps} q/s` +
        (two ? `; two walkers ${entry.two_walkers_qps} q/s, recall ${entry.two_walkers_recall_at_k}` : '') +
        `; engine hnswlib ${entry.hnswlib_engine_qps} q/s, recall ${entry.hnswlib_engine_recall_at_k}; raw hnswlib-node ${entry.raw_hnswlib_qps} q/s ` +
        `(${entry.raw_hnswlib_qps_per_cpu_second} per CPU s); ${engine} vs raw ×${entry.speedup_vs_raw} (CPU ×${entry.speedup_vs_raw_cpu}), wrapper vs raw ${entry.wrapper_vs_raw}`,
    );
  }
  return {
    n,
    subset,
    M: index.M,
    ef_construction: index.efConstruction,
    builder: args['hnsw-index'] === undefined ? (args.builder ?? 'default') : null,
    build_seconds: buildSeconds === undefined ? null : round(buildSeconds),
    engine,
    layout_seconds: round(prepared.seconds),
    searches,
  };
}

// ---- anchors ---------------------------------------------------------------------------------------------

function runJson(command, commandArgs, label) {
  log(`  anchor: ${label} ...`);
  try {
    const output = execFileSync(command, commandArgs, {
      encoding: 'utf8',
      // As users run faiss: without the OpenBLAS pinning variables.
      env: anchorEnv(),
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 26,
    });
    return JSON.parse(output.trim().split('\n').at(-1));
  } catch (error) {
    log(`  anchor ${label} failed: ${error.message}`);
    return { error: error.message };
  }
}

function runAnchors(data) {
  const dir = args['anchors-dir'];
  const scratch = args.scratch ?? mkdtempSync(join(tmpdir(), 'verbo-bench-search-'));
  mkdirSync(scratch, { recursive: true });
  const files = {
    base: join(scratch, `${data.name}_base.fvecs`),
    queries: join(scratch, `${data.name}_q.fvecs`),
    gt: join(scratch, `${data.name}_gt.ivecs`),
    ids: join(scratch, `${data.name}_qids.ivecs`),
  };
  const common = [
    '--modules',
    args.modules,
    '--efs',
    args.efs,
    '--k',
    String(K),
    '--m',
    args.m,
    '--ef-construction',
    args['ef-construction'],
    '--save-base',
    files.base,
    '--save-queries',
    files.queries,
    '--save-gt',
    files.gt,
  ];
  const dataArgs =
    data.name === 'random'
      ? [
          '--n',
          String(data.n),
          '--dim',
          String(data.dim),
          '--queries',
          String(data.queries.length),
          '--seed',
          String(data.seed),
        ]
      : ['--vectors', args.vectors, '--query-words', args['query-words'], '--save-query-ids', files.ids];
  const annBench = runJson(
    process.execPath,
    [join(dir, 'ann_bench.mjs'), ...common, ...dataArgs],
    'ann_bench.mjs (plain JS exact + hnswlib-node)',
  );
  const faissArgs = [
    join(dir, 'ann_faiss.py'),
    '--m',
    args.m,
    '--ef-construction',
    args['ef-construction'],
    '--base',
    files.base,
    '--queries',
    files.queries,
    '--gt',
    files.gt,
    '--efs',
    args.efs,
    '--threads',
    args['faiss-threads'],
    '--k',
    String(K),
  ];
  if (data.name === 'word2vec') faissArgs.push('--query-ids', files.ids);
  const faiss = existsSync('/usr/bin/python3')
    ? runJson('/usr/bin/python3', faissArgs, 'ann_faiss.py')
    : { error: '/usr/bin/python3 missing' };
  if (args.scratch === undefined) rmSync(scratch, { recursive: true, force: true });
  return { ann_bench: annBench, ann_faiss: faiss };
}

// ---- summary -------------------------------------------------------------------------------------------

/** The quotable figures, one line each, on stderr (before the JSON line on stdout). */
function printSummary(result) {
  const r = (x) => (x === undefined || Number.isNaN(x) ? '—' : String(round(x)));
  log(`bench/search summary (k ${result.k}, timings: median of ${Math.max(result.repeat, 1)}):`);
  for (const entry of result.data_sets) {
    const faiss = entry.anchors?.ann_faiss;
    const hnswlib = entry.anchors?.ann_bench?.hnswlib_node;
    log(`  ${entry.data}: ${entry.n} × ${entry.dim}, ${entry.queries} queries`);
    for (const run of entry.exact?.runs ?? []) {
      log(
        `    exact ${entry.exact.backend}, ${run.threads} thread(s): one query at a time ${run.single.qps} q/s, batch of ${run.batch.queries} ${run.batch.qps} q/s`,
      );
    }
    if (faiss?.flat_ip) {
      const ours = entry.exact?.runs.find((run) => run.threads === faiss.threads);
      log(
        `    faiss IndexFlatIP, ${faiss.threads} thread(s): one query at a time ${r(faiss.flat_ip.single_query_qps)} q/s, batch ${r(faiss.flat_ip.batch_qps)} q/s` +
          (ours
            ? `; ours / faiss at ${faiss.threads} thread(s): one query ${r(ours.single.qps / faiss.flat_ip.single_query_qps)}×, batch ${r(ours.batch.qps / faiss.flat_ip.batch_qps)}× (one run each, not paired)`
            : ''),
      );
    }
    if (entry.hnsw) {
      log(
        `    hnsw over ${entry.hnsw.n} vectors (M ${entry.hnsw.M}, efC ${entry.hnsw.ef_construction}): build ${entry.hnsw.build_seconds} s` +
          (hnswlib && !entry.hnsw.subset
            ? `; hnswlib-node's own build ${r(hnswlib.build_seconds)} s (ours / theirs ${r(entry.hnsw.build_seconds / hnswlib.build_seconds)}× the time)`
            : ''),
      );
      for (const search of entry.hnsw.searches) {
        const theirs = hnswlib?.searches.find((s) => s.ef === search.ef);
        log(
          `    hnsw ef ${search.ef}: ${search.engine}, one walker ${search.qps} q/s at recall@${result.k} ${search.recall_at_k}; ` +
            `batch ${search.batch_qps} q/s (${search.batch_recall_at_k})` +
            (search.two_walkers_qps !== undefined
              ? `; two walkers (opt-in) ${search.two_walkers_qps} q/s (${search.two_walkers_recall_at_k})`
              : '') +
            `; raw hnswlib-node on the same graph ${search.raw_hnswlib_qps} q/s` +
            (theirs ? `; ann_bench's hnswlib-node ${r(theirs.qps)} q/s (${r(theirs.recall_at_k)})` : ''),
        );
      }
    }
  }
  log(`  ${describeMachine(result.machine)}`);
}

// ---- main ------------------------------------------------------------------------------------------------

const result = {
  script: 'bench/search.mjs',
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model,
  k: K,
  repeat,
  data_sets: [],
};
for (const name of dataSets) {
  log(`data set ${name}: loading ...`);
  const data = await loadData(name);
  log(`data set ${name}: ${data.n} × ${data.dim}, ${data.queries.length} queries`);
  const entry = { data: name, n: data.n, dim: data.dim, queries: data.queries.length };
  if (data.generator) Object.assign(entry, { generator: data.generator, seed: data.seed });
  if (data.file) Object.assign(entry, { vectors: data.file, exclude_self: true });
  let truth;
  if (!args['skip-exact'] || !args['skip-hnsw']) {
    const exact = await benchExact(data);
    if (!args['skip-exact']) entry.exact = exact.out;
    truth = exact.truth;
  }
  if (!args['skip-hnsw']) entry.hnsw = await benchHnsw(data, truth);
  // the yardstick: HNSW queries/s over ExactIndex's single-query queries/s (default configuration)
  const exactDefault = entry.exact?.runs.at(-1);
  if (exactDefault && entry.hnsw && !entry.hnsw.subset) {
    for (const search of entry.hnsw.searches) {
      search.vs_exact_single_query = round(search.qps / exactDefault.single.qps);
      log(
        `    ef ${search.ef}: ${round(search.qps / exactDefault.single.qps)}× ExactIndex one query at a time (${exactDefault.single.qps} q/s, ${exactDefault.threads} threads)`,
      );
    }
  }
  if (args.anchors) entry.anchors = runAnchors(data);
  result.data_sets.push(entry);
}
result.machine = await machineInfo({ blasModules: args.anchors ? ['faiss'] : null });
printSummary(result);
const out = JSON.stringify(result);
if (process.env.BENCH_SEARCH_OUT) writeFileSync(process.env.BENCH_SEARCH_OUT, `${out}\n`);
console.log(out);
process.exit(0); // hnswlib-node and the addon's idle pool threads must not keep the process alive
