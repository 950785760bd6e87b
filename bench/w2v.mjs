// Benchmark of `verbo train` (word2vec) against dist/: wall-clock, training seconds and raw words/s for
// skip-gram and CBOW on the benchmark corpus with the settings (dim 100, window 5, negative 5,
// min-count 5, sample 1e-3, 5 epochs, 2 threads, --prep none), then analogy accuracy and WordSim-353
// rho of the written vectors.bin scored by the anchors' eval_vectors.py (gensim's own evaluation), and,
// with --gensim, the same settings through the anchors' gensim_w2v.py, side by side with ratios.
//
//   npm run build && npm run bench:w2v                      # verbo only, one run per model
//   npm run bench:w2v -- --gensim --repeat 3                # verbo and gensim, min/median of 3
//   npm run bench:w2v -- --models skipgram --epochs 1 --no-eval
//   npm run bench:w2v -- --fasttext --repeat 3 [--pt]             # subword vectors vs the fastText CLI
//
// Flags: --corpus FILE, --models skipgram,cbow, --epochs N, --threads N, --repeat N, --gensim,
// --no-eval, --python PATH (default /usr/bin/python3), --anchors DIR, --keep DIR (keep the models).
// Progress on stderr; the last line of stdout is one JSON object (with the CPU, our kernel path and the
// BLAS kernel threadpoolctl reports for gensim). Timings on a shared machine are noisy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anchorEnv, describeMachine, lastJson, machineInfo, summarize } from './anchors.mjs';

// --fasttext: the subword (fastText) benchmark against the fastText CLI instead (bench/fasttext.mjs).
if (process.argv.includes('--fasttext')) {
  await import('./fasttext.mjs');
  process.exit(0);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = join(root, '..', 'shared');

function parseArgs(argv) {
  const args = {
    corpus: join(shared, 'data', 'bench', 'sotu_moby.txt'),
    models: 'skipgram,cbow',
    epochs: 5,
    threads: 2,
    repeat: 1,
    gensim: false,
    eval: true,
    python: '/usr/bin/python3',
    anchors: join(shared, 'bench', 'anchors'),
    keep: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--corpus') args.corpus = value();
    else if (flag === '--models') args.models = value();
    else if (flag === '--epochs') args.epochs = Number(value());
    else if (flag === '--threads') args.threads = Number(value());
    else if (flag === '--repeat') args.repeat = Number(value());
    else if (flag === '--gensim') args.gensim = true;
    else if (flag === '--no-eval') args.eval = false;
    else if (flag === '--python') args.python = value();
    else if (flag === '--anchors') args.anchors = value();
    else if (flag === '--keep') args.keep = value();
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

function run(command, args, what) {
  const started = performance.now();
  // Anchors (gensim, its evaluation) run as users run them: without the OpenBLAS pinning variables.
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: anchorEnv(),
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stderr}`);
  return { stdout: result.stdout, seconds };
}

const args = parseArgs(process.argv.slice(2));
const cli = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
// Run `verbo train` with the Node flags of the command's shebang (`#!/usr/bin/env -S node FLAGS`), as a user's would.
const shebang = readFileSync(cli, 'utf8')
  .split('\n')[0]
  .match(/^#!.*\bnode\b(.*)$/);
const nodeFlags = shebang ? shebang[1].trim().split(/\s+/).filter(Boolean) : [];
const analogies = join(shared, 'data', 'eval', 'questions-words.txt');
const pairs = join(shared, 'data', 'eval', 'wordsim353.tsv');
const evalScript = join(args.anchors, 'eval_vectors.py');
const canEval = args.eval && existsSync(evalScript) && existsSync(args.python);
if (args.eval && !canEval)
  console.error(`bench/w2v: ${evalScript} or ${args.python} missing; skipping quality`);
const scratch = args.keep ?? mkdtempSync(join(tmpdir(), 'verbo-bench-w2v-'));

const settings = {
  dim: 100,
  window: 5,
  negative: 5,
  minCount: 5,
  sample: 1e-3,
  epochs: args.epochs,
  threads: args.threads,
};
function trainVerbo(model, r) {
  const out = join(scratch, `${model}-${r}`);
  console.error(`bench/w2v: verbo ${model} run ${r + 1}/${args.repeat} (seed ${r + 1})`);
  const trained = run(
    process.execPath,
    [
      ...nodeFlags,
      cli,
      'train',
      args.corpus,
      '--out',
      out,
      '--prep',
      'none',
      '--model',
      model,
      '--dim',
      '100',
      '--window',
      '5',
      '--negative',
      '5',
      '--min-count',
      '5',
      '--sample',
      '1e-3',
      '--epochs',
      String(args.epochs),
      '--threads',
      String(args.threads),
      '--seed',
      String(r + 1),
      '--json',
      '--quiet',
    ],
    `verbo train ${model}`,
  );
  const summary = lastJson(trained.stdout, 'verbo train');
  const result = {
    wall: trained.seconds,
    train: summary.seconds,
    wordsPerSecond: summary.wordsPerSecond,
    loss: summary.loss,
  };
  console.error(
    `  wall ${trained.seconds.toFixed(1)} s, train ${summary.seconds.toFixed(1)} s, ${Math.round(summary.wordsPerSecond)} words/s`,
  );
  if (canEval) {
    const scored = lastJson(
      run(
        args.python,
        [evalScript, join(out, 'vectors.bin'), '--binary', '--analogies', analogies, '--pairs', pairs],
        'eval_vectors.py',
      ).stdout,
      'eval_vectors.py',
    );
    result.analogy = scored.analogy.accuracy;
    result.spearman = scored.pairs.spearman;
    console.error(
      `  analogy ${scored.analogy.accuracy.toFixed(4)}, WordSim rho ${scored.pairs.spearman.toFixed(4)}`,
    );
  }
  if (args.keep === undefined) rmSync(out, { recursive: true, force: true });
  return result;
}

function trainGensim(model, r) {
  console.error(`bench/w2v: gensim ${model} run ${r + 1}/${args.repeat} (seed ${r + 1})`);
  const result = lastJson(
    run(
      args.python,
      [
        join(args.anchors, 'gensim_w2v.py'),
        '--corpus',
        args.corpus,
        '--sg',
        model === 'cbow' ? '0' : '1',
        '--epochs',
        String(args.epochs),
        '--workers',
        String(args.threads),
        '--seed',
        String(r + 1),
        '--repeat',
        '1',
        ...(canEval ? ['--analogies', analogies, '--pairs', pairs] : []),
      ],
      'gensim_w2v.py',
    ).stdout,
    'gensim_w2v.py',
  );
  console.error(
    `  total ${result.total_seconds.runs[0].toFixed(1)} s, train ${result.train_seconds.runs[0].toFixed(1)} s` +
      (result.analogy_accuracy
        ? `, analogy ${result.analogy_accuracy.runs[0].toFixed(4)}, WordSim rho ${result.wordsim_spearman.runs[0].toFixed(4)}`
        : ''),
  );
  return result;
}

// With --gensim the runs are paired and interleaved (verbo seed 1, gensim seed 1, verbo seed 2, …): this
// machine's speed drifts by up to 2× within minutes, so each ratio compares two runs taken side by side,
// and the figure to quote is the median of the pair ratios. gensim_w2v.py's own --repeat reuses one seed,
// and WordSim rho on this corpus spreads ±0.02 over seeds (gensim, 1 worker, seeds 1–5: 0.381, 0.357,
// 0.360, 0.365, 0.369), so both sides run seeds 1 … repeat.
const results = {};
const summaryLines = [];
for (const model of args.models.split(',')) {
  const verboRuns = [];
  const gensimRuns = [];
  for (let r = 0; r < args.repeat; r++) {
    verboRuns.push(trainVerbo(model, r));
    if (args.gensim) gensimRuns.push(trainGensim(model, r));
  }
  const of = (key) => verboRuns.map((v) => v[key]);
  const entry = {
    verbo: {
      wallSeconds: summarize(of('wall')),
      trainSeconds: summarize(of('train')),
      rawWordsPerSecond: summarize(of('wordsPerSecond')),
      lossPerEpoch: of('loss'),
      ...(canEval
        ? { analogyAccuracy: summarize(of('analogy')), wordsimSpearman: summarize(of('spearman')) }
        : {}),
    },
  };
  let line = `${model}: verbo wall ${entry.verbo.wallSeconds.median.toFixed(2)} s median (min ${entry.verbo.wallSeconds.min.toFixed(2)})`;
  if (canEval) {
    line += `, analogy ${entry.verbo.analogyAccuracy.median.toFixed(4)}, rho ${entry.verbo.wordsimSpearman.median.toFixed(4)}`;
  }
  if (args.gensim) {
    const pooled = (key) => summarize(gensimRuns.map((g) => g[key].runs[0]));
    const withQuality = Boolean(gensimRuns[0].analogy_accuracy);
    entry.gensim = {
      trainSeconds: pooled('train_seconds'),
      totalSeconds: pooled('total_seconds'),
      rawWordsPerSecond: pooled('raw_words_per_s'),
      ...(withQuality
        ? { analogyAccuracy: pooled('analogy_accuracy'), wordsimSpearman: pooled('wordsim_spearman') }
        : {}),
    };
    // > 1: verbo is faster. verbo's wall-clock is the whole `verbo train` process (start, reading and
    // counting the corpus, training, writing the model); gensim's total is build_vocab + train inside
    // an already started Python.
    const pairRatios = verboRuns.map((v, r) => ({
      wallVsGensimTotal: gensimRuns[r].total_seconds.runs[0] / v.wall,
      trainVsGensimTrain: gensimRuns[r].train_seconds.runs[0] / v.train,
    }));
    entry.pairs = pairRatios;
    entry.ratios = {
      wallVsGensimTotal: summarize(pairRatios.map((p) => p.wallVsGensimTotal)).median,
      trainVsGensimTrain: summarize(pairRatios.map((p) => p.trainVsGensimTrain)).median,
      wallVsGensimTotalPairs: summarize(pairRatios.map((p) => p.wallVsGensimTotal)),
      wordsPerSecond: entry.verbo.rawWordsPerSecond.median / entry.gensim.rawWordsPerSecond.median,
      ...(canEval && withQuality
        ? {
            analogyDifference: entry.verbo.analogyAccuracy.median - entry.gensim.analogyAccuracy.median,
            spearmanDifference: entry.verbo.wordsimSpearman.median - entry.gensim.wordsimSpearman.median,
          }
        : {}),
    };
    line +=
      `; gensim total ${entry.gensim.totalSeconds.median.toFixed(2)} s median` +
      (withQuality
        ? `, analogy ${entry.gensim.analogyAccuracy.median.toFixed(4)}, rho ${entry.gensim.wordsimSpearman.median.toFixed(4)}`
        : '') +
      `; paired ratio gensim/verbo ${entry.ratios.wallVsGensimTotal.toFixed(2)}× median of ${args.repeat} ` +
      `(pairs ${pairRatios.map((p) => p.wallVsGensimTotal.toFixed(2)).join(', ')}; training loops only ${entry.ratios.trainVsGensimTrain.toFixed(2)}×)`;
    if (entry.ratios.analogyDifference !== undefined) {
      line += `; analogy ${(100 * entry.ratios.analogyDifference).toFixed(1)} pt, rho ${entry.ratios.spearmanDifference.toFixed(3)} vs gensim`;
    }
  }
  summaryLines.push(line);
  results[model] = entry;
}
if (args.keep === undefined) rmSync(scratch, { recursive: true, force: true });
const machine = await machineInfo({ blasModules: args.gensim ? ['gensim'] : null, python: args.python });
// The quotable summary (stderr, before the JSON line): one line per model, with the CPU and kernel path.
console.error(
  `bench/w2v summary (${args.corpus}, ${args.epochs} epochs, ${args.threads} threads, seeds 1…${args.repeat}):`,
);
for (const line of summaryLines) console.error(`  ${line}`);
console.error(`  ${describeMachine(machine)}`);
console.log(
  JSON.stringify({
    script: 'bench/w2v.mjs',
    corpus: args.corpus,
    settings,
    repeat: args.repeat,
    results,
    machine,
  }),
);
