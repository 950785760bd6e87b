// bench:nn — one LSTM layer (batch 20, 35 steps, 200 → 200) forward + backward in ms (min / median of
// 3 rounds of --iters iterations), the same for a GRU layer, and the training time of each worked
// example. Runs against dist/ (npm run build first). The PyTorch anchor for the LSTM figure is
// bench/torch_lstm_layer.py (run it with /usr/bin/python3; --torch runs it from here).
//
// Usage: node bench/nn.mjs [--iters 5] [--threads 1] [--no-examples] [--torch] [--json]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nn from '../dist/nn/index.js';
import * as tensor from '../dist/tensor/index.js';
import { Random } from '../dist/util/random.js';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const iters = value('--iters', 5);
// Matmul threads (read lazily by the tensor core): 1 by default, to compare with PyTorch on one thread.
const threads = value('--threads', 1);
process.env.VERBO_THREADS = String(threads);
const here = dirname(fileURLToPath(import.meta.url));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeRecurrent(factory, batch, steps, units) {
  const random = new Random(1);
  const layer = factory({ units, returnSequences: true, seed: 1 });
  const x = tensor.randn([batch, steps, units], random, { requiresGrad: true });
  const projection = tensor.randn([batch, steps, units], random);
  const once = () => {
    const out = layer.apply(x, { training: true });
    tensor.sum(tensor.mul(out, projection)).backward();
    for (const w of layer.weights) w.value.grad = null;
    x.grad = null;
  };
  for (let i = 0; i < 2; i++) once();
  const rounds = [];
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    for (let i = 0; i < iters; i++) once();
    rounds.push((performance.now() - start) / iters);
  }
  return { min: Math.min(...rounds), median: median(rounds) };
}

const result = { shape: [20, 35, 200, 200], iters, threads };
result.lstmFwdBwdMs = timeRecurrent(nn.lstm, 20, 35, 200);
result.gruFwdBwdMs = timeRecurrent(nn.gru, 20, 35, 200);

if (!flag('--no-examples')) {
  result.examples = {};
  for (const [name, run] of Object.entries(nn.examples)) {
    const start = performance.now();
    const metrics = await run({ seed: 1 });
    result.examples[name] = { seconds: (performance.now() - start) / 1000, ...metrics.summary };
  }
}

if (flag('--torch')) {
  const torch = spawnSync('/usr/bin/python3', [join(here, 'torch_lstm_layer.py')], { encoding: 'utf8' });
  if (torch.status === 0) {
    const last = torch.stdout.trim().split('\n').at(-1);
    result.torch = JSON.parse(last).lstmFwdBwdMs;
    result.lstmVsTorch = result.lstmFwdBwdMs.median / result.torch.median;
  } else result.torch = { error: torch.stderr.trim().split('\n').at(-1) };
}

if (flag('--json')) console.log(JSON.stringify(result));
else {
  const ms = (m) => `min ${m.min.toFixed(1)} ms, median ${m.median.toFixed(1)} ms`;
  console.log(`LSTM layer 20×35, 200→200, fwd+bwd: ${ms(result.lstmFwdBwdMs)}`);
  console.log(`GRU  layer 20×35, 200→200, fwd+bwd: ${ms(result.gruFwdBwdMs)}`);
  if (result.torch?.median) {
    console.log(
      `PyTorch (1 thread) LSTM fwd+bwd:    ${ms(result.torch)}  → ours / torch = ${result.lstmVsTorch.toFixed(2)}×`,
    );
  }
  for (const [name, e] of Object.entries(result.examples ?? {})) {
    console.log(`example ${name}: ${e.seconds.toFixed(2)} s ${JSON.stringify(e)}`);
  }
}
