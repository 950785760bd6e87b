// bench:nn — one LSTM layer (batch 20, 35 steps, 200 → 200) forward + backward in ms (min / median of
// 3 rounds of --iters iterations), the same for a GRU layer, the convolutional part of example:fashion's
// CNN (a batch of 64 images 28×28×1 → Conv 32 3×3 relu → MaxPool 2 → Conv 64 3×3 relu → MaxPool 2, forward +
// backward to every weight), and the training time (Model.fit) of each worked example in examples/ (xor,
// spirals, digits, two-tower, keras; silent). Runs against dist/ (npm run build first). --layers picks
// the layer timings (default lstm,gru,conv); --no-layers skips them (the examples alone: a whole-process
// figure of fit); --no-examples skips the examples. The PyTorch anchors are bench/torch_lstm_layer.py and
// bench/torch_conv_layers.py (the same work, in PyTorch's own NCHW layout); --torch runs them from here at
// 1 and 2 threads (torch.set_num_threads) with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from their
// environment, and the best is the anchor. The JSON records the CPU, our kernel path and the BLAS kernel
// threadpoolctl reports.
//
// Usage: node bench/nn.mjs [--iters 5] [--threads 1] [--layers lstm,gru,conv] [--no-layers] [--no-examples]
//                          [--torch] [--torch-threads 1,2] [--only ours|torch] [--json]
// Each side alone, for paired runs:
//   node bench/nn.mjs --only ours --no-examples --json
//   node bench/nn.mjs --only torch --threads 1 --json            (and --threads 2)
// e.g. the convolution alone, paired (A B A B …, the median of the pair ratios):
//   node bench/pair.mjs --runs 5 --field-a convFwdBwdMs.median --field-b torch.conv.median \
//     --a 'node bench/nn.mjs --only ours --layers conv --no-examples --threads 1 --json' \
//     --b 'node bench/nn.mjs --only torch --layers conv --threads 1 --json'
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anchorEnv, machineInfo } from './anchors.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
if (!['', 'ours', 'torch'].includes(only)) {
  console.error(`bench/nn.mjs: --only takes ours or torch, got ${only}`);
  process.exit(1);
}
const runTorch = only === 'torch' || (flag('--torch') && only === '');
const iters = value('--iters', 5);
// Matmul threads (read lazily by the tensor core): 1 by default, to compare with PyTorch on one thread.
const threads = value('--threads', 1);
process.env.VERBO_THREADS = String(threads);
const here = dirname(fileURLToPath(import.meta.url));
const torchThreads =
  only === 'torch' && args.includes('--threads')
    ? [threads]
    : (args.includes('--torch-threads') ? args[args.indexOf('--torch-threads') + 1] : '1,2')
        .split(',')
        .map(Number);
// Loaded only when our side runs, so `--only torch` needs no build.
const nn = only === 'torch' ? undefined : await import('../dist/nn/index.js');
const tensor = only === 'torch' ? undefined : await import('../dist/tensor/index.js');
const { Random } = only === 'torch' ? {} : await import('../dist/util/random.js');

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
  return timeRounds(once);
}

/** ms per call of `once`: 2 warm-up calls, then 3 rounds of --iters calls (min and median of the rounds). */
function timeRounds(once) {
  for (let i = 0; i < 2; i++) once();
  const rounds = [];
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    for (let i = 0; i < iters; i++) once();
    rounds.push((performance.now() - start) / iters);
  }
  return { min: Math.min(...rounds), median: median(rounds) };
}

/** example:fashion's convolutional part on a batch of 64: forward + backward, the images without gradient. */
function timeConvolution() {
  const random = new Random(1);
  const layers = [
    nn.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', seed: 1 }),
    nn.maxPooling2d({ poolSize: 2 }),
    nn.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', seed: 2 }),
    nn.maxPooling2d({ poolSize: 2 }),
  ];
  const x = tensor.uniform([64, 28, 28, 1], random, { low: 0, high: 1 });
  const projection = tensor.randn([64, 5, 5, 64], random);
  const once = () => {
    let out = x;
    for (const layer of layers) out = layer.apply(out, { training: true });
    tensor.sum(tensor.mul(out, projection)).backward();
    for (const layer of layers) for (const w of layer.weights) w.value.grad = null;
  };
  return timeRounds(once);
}

const layerKinds = flag('--no-layers')
  ? []
  : (args.includes('--layers') ? args[args.indexOf('--layers') + 1] : 'lstm,gru,conv').split(',');
for (const kind of layerKinds) {
  if (!['lstm', 'gru', 'conv'].includes(kind)) {
    console.error(`bench/nn.mjs: --layers takes lstm, gru and conv (comma-separated), got ${kind}`);
    process.exit(1);
  }
}

const result = { shape: [20, 35, 200, 200], convShape: [64, 28, 28, 1, 32, 64], iters, threads };
if (only !== 'torch') {
  if (layerKinds.includes('lstm')) result.lstmFwdBwdMs = timeRecurrent(nn.lstm, 20, 35, 200);
  if (layerKinds.includes('gru')) result.gruFwdBwdMs = timeRecurrent(nn.gru, 20, 35, 200);
  if (layerKinds.includes('conv')) result.convFwdBwdMs = timeConvolution();
}

if (only !== 'torch' && !flag('--no-examples')) {
  // The worked examples import 'verbo' by name: this package's dist/ build.
  const examples = {
    xor: (await import('../examples/xor.mjs')).runXor,
    spirals: (await import('../examples/spirals.mjs')).runSpirals,
    digits: (await import('../examples/digits.mjs')).runDigits,
    'two-tower': (await import('../examples/two-tower.mjs')).runTwoTower,
    keras: (await import('../examples/keras.mjs')).runKeras,
  };
  result.examples = {};
  for (const [name, run] of Object.entries(examples)) {
    const start = performance.now();
    const metrics = await run({ seed: 1, verbose: 0 });
    result.examples[name] = { seconds: (performance.now() - start) / 1000, ...metrics.summary };
  }
}

/** Runs a PyTorch anchor script at each thread count; the runs and the best (lowest median). */
function torchAnchor(script, field, extra = []) {
  const runs = [];
  for (const torchThreadCount of torchThreads) {
    const scriptArgs = [join(here, script), '--threads', String(torchThreadCount), ...extra];
    const torch = spawnSync('/usr/bin/python3', scriptArgs, { encoding: 'utf8', env: anchorEnv() });
    if (torch.status === 0) {
      const last = JSON.parse(torch.stdout.trim().split('\n').at(-1));
      runs.push({ threads: torchThreadCount, ...last[field] });
    } else runs.push({ threads: torchThreadCount, error: torch.stderr.trim().split('\n').at(-1) });
  }
  const good = runs.filter((run) => run.median !== undefined);
  const best = good.length > 0 ? good.reduce((x, y) => (y.median < x.median ? y : x)) : undefined;
  return { runs, best };
}

if (runTorch) {
  // The LSTM anchor keeps its original place in the JSON (result.torch, result.torchRuns).
  if (layerKinds.includes('lstm')) {
    const lstm = torchAnchor('torch_lstm_layer.py', 'lstmFwdBwdMs');
    result.torchRuns = lstm.runs;
    if (lstm.best) {
      result.torch = { ...lstm.best };
      if (result.lstmFwdBwdMs) result.lstmVsTorch = result.lstmFwdBwdMs.median / lstm.best.median;
    }
  }
  if (layerKinds.includes('conv')) {
    // The same number of iterations as ours.
    const conv = torchAnchor('torch_conv_layers.py', 'convFwdBwdMs', ['--iters', String(iters)]);
    result.torchConvRuns = conv.runs;
    if (conv.best) {
      result.torch = { ...result.torch, conv: conv.best };
      if (result.convFwdBwdMs) result.convVsTorch = result.convFwdBwdMs.median / conv.best.median;
    }
  }
}
result.machine = await machineInfo({ blasModules: runTorch ? ['torch'] : null });

if (flag('--json')) console.log(JSON.stringify(result));
else {
  const ms = (m) => `min ${m.min.toFixed(1)} ms, median ${m.median.toFixed(1)} ms`;
  const path = result.machine.ours;
  console.log(
    `kernels: ${path.path} ${path.isa ?? ''} ${path.reason}; CPU ${result.machine.cpu.model} family ${result.machine.cpu.family}`,
  );
  if (result.lstmFwdBwdMs) console.log(`LSTM layer 20×35, 200→200, fwd+bwd: ${ms(result.lstmFwdBwdMs)}`);
  if (result.gruFwdBwdMs) console.log(`GRU  layer 20×35, 200→200, fwd+bwd: ${ms(result.gruFwdBwdMs)}`);
  if (result.convFwdBwdMs) {
    console.log(`Conv 32 + pool + Conv 64 + pool, 64×28×28×1, fwd+bwd: ${ms(result.convFwdBwdMs)}`);
  }
  if (result.torch?.conv) {
    const ratio =
      result.convVsTorch === undefined ? '' : `  → ours / torch = ${result.convVsTorch.toFixed(2)}×`;
    console.log(
      `PyTorch (best of ${torchThreads.join(', ')} threads: ${result.torch.conv.threads}) conv fwd+bwd: ${ms(result.torch.conv)}${ratio}`,
    );
  }
  if (result.torch?.median) {
    const ratio =
      result.lstmVsTorch === undefined ? '' : `  → ours / torch = ${result.lstmVsTorch.toFixed(2)}×`;
    console.log(
      `PyTorch (best of ${torchThreads.join(', ')} threads: ${result.torch.threads}) LSTM fwd+bwd: ${ms(result.torch)}${ratio}`,
    );
  }
  for (const [name, e] of Object.entries(result.examples ?? {})) {
    console.log(`example ${name}: ${e.seconds.toFixed(2)} s ${JSON.stringify(e)}`);
  }
}
