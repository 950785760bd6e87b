// Benchmark of `verbo train --model fasttext` (subword vectors) against the fastText CLI (Debian's
// `fasttext skipgram`, 0.9.2), run from bench/w2v.mjs with --fasttext (or by itself):
//
//   1. English, paired: on the benchmark corpus with fastText's settings (dim 100, ws 5, neg 5,
//      minCount 5, minn 3, maxn 6, bucket 2,000,000, lr 0.05, t 1e-4, 5 epochs, 2 threads), verbo and the
//      CLI run in turn — ours, theirs, ours, theirs … (--repeat pairs, seeds 1 … repeat) — each timed
//      as a whole process (reading, training, writing its .bin and vectors); the speed figure is the
//      median of the per-pair ratios theirs / ours (> 1: verbo faster). Quality of each run: analogy
//      accuracy and WordSim-353 rho of the vectors of the vocabulary words, by the anchors'
//      eval_vectors.py (gensim's evaluation) on verbo's vectors.bin and the CLI's .vec; and by `verbo
//      eval` on both .bin models, where unseen words get their n-gram vectors.
//   2. Portuguese (--pt): the Machado de Assis texts (../shared/data/pt), tokenized once by `verbo prep
//      --lang pt`; our word2vec (skip-gram, its defaults) and our fastText model on that same text; the
//      LX analogy sets (Br and v2) scored by `verbo eval`: coverage (questions scored / all) and accuracy,
//      fastText with and without the vectors of unseen words (--no-ngrams). There is no Portuguese word
//      similarity set in the shared data, so none is scored.
//
//   npm run build && npm run bench:w2v -- --fasttext --repeat 3       (run under `flock /work/bench.lock`)
//   node bench/fasttext.mjs --pt-only --repeat 1
//
// Flags: --corpus FILE, --repeat N (pairs, default 3), --threads N, --epochs N, --bucket N, --no-eval,
// --pt / --pt-only, --fasttext-cli PATH (default fasttext), --python PATH, --anchors DIR, --keep DIR.
// Progress on stderr; the last line of stdout is one JSON object (with the CPU and our kernel path).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anchorEnv, lastJson, machineInfo, summarize } from './anchors.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = join(root, '..', 'shared');

function parseArgs(argv) {
  const args = {
    corpus: join(shared, 'data', 'bench', 'sotu_moby.txt'),
    repeat: 3,
    threads: 2,
    epochs: 5,
    bucket: 2_000_000,
    eval: true,
    english: true,
    pt: false,
    fasttext: 'fasttext',
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
    // --fasttext is bench/w2v.mjs's switch to this benchmark.
    if (flag === '--fasttext') continue;
    if (flag === '--corpus') args.corpus = value();
    else if (flag === '--repeat') args.repeat = Number(value());
    else if (flag === '--threads') args.threads = Number(value());
    else if (flag === '--epochs') args.epochs = Number(value());
    else if (flag === '--bucket') args.bucket = Number(value());
    else if (flag === '--no-eval') args.eval = false;
    else if (flag === '--pt') args.pt = true;
    else if (flag === '--pt-only') {
      args.pt = true;
      args.english = false;
    } else if (flag === '--fasttext-cli') args.fasttext = value();
    else if (flag === '--python') args.python = value();
    else if (flag === '--anchors') args.anchors = value();
    else if (flag === '--keep') args.keep = value();
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

/** Runs a command to completion; returns its stdout and wall-clock seconds (the whole process). */
function run(command, commandArgs, what, env = process.env) {
  const started = performance.now();
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0)
    throw new Error(`${what} failed (exit ${result.status}):\n${(result.stderr ?? '').slice(-3000)}`);
  return { stdout: result.stdout, stderr: result.stderr, seconds };
}

const args = parseArgs(process.argv.slice(2));
const cli = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
const shebang = readFileSync(cli, 'utf8')
  .split('\n')[0]
  .match(/^#!.*\bnode\b(.*)$/);
const nodeFlags = shebang ? shebang[1].trim().split(/\s+/).filter(Boolean) : [];
const verbo = (commandArgs, what) => run(process.execPath, [...nodeFlags, cli, ...commandArgs], what);
const scratch = args.keep ?? mkdtempSync(join(tmpdir(), 'verbo-bench-fasttext-'));
const evalScript = join(args.anchors, 'eval_vectors.py');
const analogies = join(shared, 'data', 'eval', 'questions-words.txt');
const pairs = join(shared, 'data', 'eval', 'wordsim353.tsv');
const canEval = args.eval && existsSync(evalScript) && existsSync(args.python);
if (args.eval && !canEval)
  console.error(`bench/fasttext: ${evalScript} or ${args.python} missing; skipping quality`);

/** gensim's evaluation of a vector file (in-vocabulary words), as the word2vec benchmark scores. */
function gensimQuality(vectors, binary) {
  const scored = lastJson(
    run(
      args.python,
      [evalScript, vectors, ...(binary ? ['--binary'] : []), '--analogies', analogies, '--pairs', pairs],
      'eval_vectors.py',
      anchorEnv(),
    ).stdout,
    'eval_vectors.py',
  );
  return {
    analogy: scored.analogy.accuracy,
    spearman: scored.pairs.spearman,
    pairsOovPercent: scored.pairs.oov_percent,
  };
}

/** `verbo eval` of a model (a .bin or a model folder): unseen words get their n-gram vectors. */
function verboQuality(model, evalArgs) {
  const output = lastJson(verbo(['eval', model, ...evalArgs, '--json'], 'verbo eval').stdout, 'verbo eval');
  return output;
}

const settings = {
  dim: 100,
  ws: 5,
  neg: 5,
  minCount: 5,
  minn: 3,
  maxn: 6,
  bucket: args.bucket,
  lr: 0.05,
  t: 1e-4,
  epochs: args.epochs,
  threads: args.threads,
};

function trainOurs(corpus, out, seed, extra = []) {
  const result = verbo(
    [
      'train',
      corpus,
      '--out',
      out,
      '--prep',
      'none',
      '--model',
      'fasttext',
      '--dim',
      String(settings.dim),
      '--window',
      String(settings.ws),
      '--negative',
      String(settings.neg),
      '--min-count',
      String(settings.minCount),
      '--minn',
      String(settings.minn),
      '--maxn',
      String(settings.maxn),
      '--bucket',
      String(settings.bucket),
      '--alpha',
      String(settings.lr),
      '--sample',
      String(settings.t),
      '--epochs',
      String(settings.epochs),
      '--threads',
      String(settings.threads),
      '--seed',
      String(seed),
      '--json',
      '--quiet',
      ...extra,
    ],
    'verbo train --model fasttext',
  );
  return { wall: result.seconds, summary: lastJson(result.stdout, 'verbo train') };
}

/** The fastText CLI with the same settings (its own `-maxn 0` anchor script has no subword switch). */
function trainTheirs(corpus, prefix, seed) {
  return run(
    args.fasttext,
    [
      'skipgram',
      '-input',
      corpus,
      '-output',
      prefix,
      '-dim',
      String(settings.dim),
      '-ws',
      String(settings.ws),
      '-neg',
      String(settings.neg),
      '-minCount',
      String(settings.minCount),
      '-minn',
      String(settings.minn),
      '-maxn',
      String(settings.maxn),
      '-bucket',
      String(settings.bucket),
      '-lr',
      String(settings.lr),
      '-t',
      String(settings.t),
      '-epoch',
      String(settings.epochs),
      '-thread',
      String(settings.threads),
      '-loss',
      'ns',
      '-seed',
      String(seed),
      '-verbose',
      '1',
    ],
    'fasttext skipgram',
    anchorEnv(),
  ).seconds;
}

const report = { script: 'bench/fasttext.mjs', settings, repeat: args.repeat };

if (args.english) {
  const ours = { wall: [], train: [], gensim: [], withNgrams: [] };
  const theirs = { wall: [], gensim: [], withNgrams: [] };
  const ratios = [];
  for (let r = 1; r <= args.repeat; r++) {
    const out = join(scratch, `ours-${r}`);
    console.error(`bench/fasttext: pair ${r}/${args.repeat}: verbo`);
    const trained = trainOurs(args.corpus, out, r);
    ours.wall.push(trained.wall);
    ours.train.push(trained.summary.seconds);
    console.error(`bench/fasttext: pair ${r}/${args.repeat}: fastText CLI`);
    const prefix = join(scratch, `theirs-${r}`);
    const wall = trainTheirs(args.corpus, prefix, r);
    theirs.wall.push(wall);
    ratios.push(wall / trained.wall);
    console.error(
      `  verbo ${trained.wall.toFixed(1)} s, fastText ${wall.toFixed(1)} s: ratio ${(wall / trained.wall).toFixed(2)}`,
    );
    if (canEval) {
      ours.gensim.push(gensimQuality(join(out, 'vectors.bin'), true));
      theirs.gensim.push(gensimQuality(`${prefix}.vec`, false));
      const evalArgs = ['--analogies', analogies, '--pairs', pairs];
      ours.withNgrams.push(verboQuality(out, evalArgs));
      theirs.withNgrams.push(verboQuality(`${prefix}.bin`, evalArgs));
      console.error(
        `  analogy ${ours.gensim.at(-1).analogy.toFixed(4)} vs ${theirs.gensim.at(-1).analogy.toFixed(4)}, WordSim rho ${ours.gensim.at(-1).spearman.toFixed(4)} vs ${theirs.gensim.at(-1).spearman.toFixed(4)}`,
      );
    }
    if (args.keep === undefined) {
      rmSync(out, { recursive: true, force: true });
      for (const suffix of ['.bin', '.vec']) rmSync(`${prefix}${suffix}`, { force: true });
    }
  }
  const quality = (runs) =>
    runs.length === 0
      ? {}
      : {
          analogyAccuracy: summarize(runs.map((q) => q.analogy)),
          wordsimSpearman: summarize(runs.map((q) => q.spearman)),
        };
  const ngramQuality = (runs) =>
    runs.length === 0
      ? {}
      : {
          withNgrams: {
            analogyAccuracy: summarize(runs.map((q) => q.analogies.accuracy)),
            analogyScored: runs[0].analogies.total,
            wordsimSpearman: summarize(runs.map((q) => q.pairs.spearman)),
            wordsimPairs: runs[0].pairs.pairs,
            builtFromNgrams: runs[0].pairs.builtFromNgrams,
          },
        };
  report.english = {
    corpus: args.corpus,
    verbo: {
      wallSeconds: summarize(ours.wall),
      trainSeconds: summarize(ours.train),
      ...quality(ours.gensim),
      ...ngramQuality(ours.withNgrams),
    },
    fastText: {
      wallSeconds: summarize(theirs.wall),
      ...quality(theirs.gensim),
      ...ngramQuality(theirs.withNgrams),
    },
    // > 1: verbo is faster (whole processes, paired runs: median of the per-pair ratios).
    speedRatio: summarize(ratios),
    ...(ours.gensim.length > 0
      ? {
          analogyDifference:
            summarize(ours.gensim.map((q) => q.analogy)).median -
            summarize(theirs.gensim.map((q) => q.analogy)).median,
          spearmanDifference:
            summarize(ours.gensim.map((q) => q.spearman)).median -
            summarize(theirs.gensim.map((q) => q.spearman)).median,
        }
      : {}),
  };
}

if (args.pt) {
  const ptRoot = join(shared, 'data', 'pt', 'machado');
  const sets = ['LX-4WAnalogiesBr.txt', 'LX-4WAnalogies_v2.txt'].map((name) =>
    join(shared, 'data', 'eval', 'pt', name),
  );
  if (!existsSync(ptRoot) || !sets.every((path) => existsSync(path))) {
    console.error(`bench/fasttext: ${ptRoot} or the LX analogy sets are missing; skipping Portuguese`);
  } else {
    const files = [];
    const walk = (dir) => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.txt')) files.push(path);
      }
    };
    walk(ptRoot);
    const tokens = join(scratch, 'machado.tok');
    console.error(`bench/fasttext: tokenizing ${files.length} Machado files (verbo prep --lang pt)`);
    verbo(['prep', ...files, '--lang', 'pt', '--out', tokens], 'verbo prep');
    const corpusWords = readFileSync(tokens, 'utf8').split(/\s+/).filter(Boolean).length;
    const w2v = join(scratch, 'pt-word2vec');
    const ft = join(scratch, 'pt-fasttext');
    const common = [
      '--prep',
      'none',
      '--dim',
      '100',
      '--window',
      '5',
      '--min-count',
      '5',
      '--epochs',
      String(args.epochs),
      '--threads',
      String(args.threads),
      '--seed',
      '1',
      '--json',
      '--quiet',
    ];
    console.error('bench/fasttext: Portuguese word2vec (skip-gram)');
    const w2vTrain = lastJson(
      verbo(['train', tokens, '--out', w2v, '--model', 'skipgram', ...common], 'verbo train pt word2vec')
        .stdout,
      'train',
    );
    console.error('bench/fasttext: Portuguese fastText');
    const ftTrain = lastJson(
      verbo(
        ['train', tokens, '--out', ft, '--model', 'fasttext', '--bucket', String(args.bucket), ...common],
        'verbo train pt fasttext',
      ).stdout,
      'train',
    );
    const score = (model, set, extra = []) => {
      const { analogies: a } = verboQuality(model, ['--analogies', set, ...extra]);
      const questions = a.total + a.skipped;
      return {
        accuracy: a.accuracy,
        scored: a.total,
        questions,
        coverage: a.total / questions,
        correct: a.correct,
        builtFromNgrams: a.builtFromNgrams,
      };
    };
    report.portuguese = {
      files: files.length,
      corpusWords,
      word2vec: { vocabSize: w2vTrain.vocabSize, seconds: w2vTrain.seconds },
      fastText: { vocabSize: ftTrain.vocabSize, seconds: ftTrain.seconds },
      sets: {},
    };
    for (const set of sets) {
      const name = set.split('/').at(-1);
      report.portuguese.sets[name] = {
        word2vec: score(w2v, set),
        fastTextInVocabulary: score(ft, set, ['--no-ngrams']),
        fastTextWithNgrams: score(ft, set),
      };
      console.error(`  ${name}: ${JSON.stringify(report.portuguese.sets[name])}`);
    }
    if (args.keep === undefined) for (const dir of [w2v, ft]) rmSync(dir, { recursive: true, force: true });
  }
}

if (args.keep === undefined) rmSync(scratch, { recursive: true, force: true });
const version =
  spawnSync('dpkg-query', ['-W', `-f=${'$'}{Version}`, 'fasttext'], { encoding: 'utf8' }).stdout || null;
report.fastTextVersion = version;
report.machine = await machineInfo({ python: args.python });
writeFileSync(1, `${JSON.stringify(report)}\n`);
