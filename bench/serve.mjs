#!/usr/bin/env node
// bench/serve.mjs — a bounded load test of `verbo serve` on loopback (npm run bench:serve; runs against
// dist/, so `npm run build` first). The server runs as its own process (`verbo serve --port 0`); autocannon
// sends GET /api/similar for words drawn from the vocabulary (and, with --lm, POST /api/predict) over
// --connections (20) connections for --duration (10) seconds, then prints requests/s and latency
// percentiles (p50, p90, p99, max) and fails (exit 1) on any error, timeout or non-2xx answer.
//
// Model: --model DIR (a trained model directory), else a seeded random one (--words 20000 × --dim 100)
// written to a temporary folder.
//
// Usage: node bench/serve.mjs [--model DIR] [--lm DIR] [--words 20000] [--dim 100] [--top 10]
//            [--connections 20] [--duration 10] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { KeyedVectors, saveModel, loadModel, Random } = await import(join(root, 'dist', 'index.js'));

const { values: flags } = parseArgs({
  options: {
    model: { type: 'string' },
    lm: { type: 'string' },
    words: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '100' },
    top: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});

const log = (text) => process.stderr.write(`${text}\n`);
let modelDir = flags.model;
let temporary;
if (modelDir === undefined) {
  const size = Number(flags.words);
  const dim = Number(flags.dim);
  const random = new Random(42);
  const words = Array.from({ length: size }, (_, i) => `w${i}`);
  const vectors = new Float32Array(size * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = random.normal();
  temporary = mkdtempSync(join(tmpdir(), 'verbo-bench-serve-'));
  modelDir = join(temporary, 'model');
  await saveModel(modelDir, { vectors: new KeyedVectors(words, vectors, dim), config: {} });
  log(`bench:serve: random model ${size} words × ${dim} dims in ${modelDir}`);
}
const { vectors } = await loadModel(modelDir);
const queryWords = vectors.words.slice(0, Math.min(5000, vectors.size));

const args = [join(root, 'dist', 'cli', 'main.js'), 'serve', '--model', modelDir, '--port', '0'];
if (flags.lm) args.push('--lm', flags.lm);
const server = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (chunk) => {
    text += chunk;
    const match = text.match(/(http:\/\/127\.0\.0\.1:\d+)\//);
    if (match) resolve(match[1]);
  });
  server.on('exit', (code) => reject(new Error(`verbo serve exited with ${code}`)));
});

let next = 0;
const random = new Random(7);
const requests = [
  {
    method: 'GET',
    setupRequest: (request) => {
      const word = queryWords[random.int(queryWords.length)];
      return { ...request, path: `/api/similar?word=${encodeURIComponent(word)}&top=${flags.top}` };
    },
  },
];
if (flags.lm) {
  const prompts = ['the king', 'to be or not to', 'my lord', 'i will', 'what is'];
  requests.push({
    method: 'POST',
    path: '/api/predict',
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => ({
      ...request,
      body: JSON.stringify({ text: prompts[next++ % prompts.length], top: 5 }),
    }),
  });
}

log(`bench:serve: ${flags.connections} connections for ${flags.duration} s against ${url}`);
const result = await autocannon({
  url,
  connections: Number(flags.connections),
  duration: Number(flags.duration),
  requests,
  timeout: 10,
});
server.kill('SIGTERM');
if (temporary) rmSync(temporary, { recursive: true, force: true });

const summary = {
  connections: Number(flags.connections),
  seconds: Number(flags.duration),
  endpoints: flags.lm ? ['GET /api/similar', 'POST /api/predict'] : ['GET /api/similar'],
  vocabulary: vectors.size,
  dim: vectors.dim,
  requests: result.requests.total,
  requestsPerSecond: result.requests.average,
  latencyMs: {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    mean: result.latency.average,
  },
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
};
if (flags.json) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  console.log(
    `${summary.requests} requests in ${summary.seconds} s (${summary.requestsPerSecond.toFixed(0)} req/s), ${summary.connections} connections`,
  );
  console.log(
    `latency ms: p50 ${summary.latencyMs.p50}, p90 ${summary.latencyMs.p90}, p99 ${summary.latencyMs.p99}, max ${summary.latencyMs.max}`,
  );
  console.log(`errors ${summary.errors}, timeouts ${summary.timeouts}, non-2xx ${summary.non2xx}`);
}
if (summary.errors > 0 || summary.timeouts > 0 || summary.non2xx > 0) {
  log('bench:serve: FAILED — some requests failed');
  process.exitCode = 1;
}
