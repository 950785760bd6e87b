#!/usr/bin/env node
// bench:prep — throughput of verbo's text pipeline and the memory check of `verbo vocab`, against dist/.
//
// 1. Pipeline: lowercase + tokenize + English stopwords + Porter stem over the benchmark corpus
//    (../shared/data/bench/sotu_moby.txt, or --text FILE), line by line from memory, a fresh pipeline
//    (cold stem cache) per run; min/median of --repeat runs (default 3). Beside it, on the same lines,
//    natural's WordTokenizer + stopword.removeStopwords + natural's PorterStemmer (the anchor's steps,
//    see ../shared/bench/anchors/prep_bench.mjs), so the ratio holds on a busy machine. Also one
//    streaming pass (openCorpus + tokenCorpus) to show the cost of reading from disk.
// 2. Tagging: tokenize + UPOS tag + lemmatize (createTagger('en').tag, one thread) against compromise's
//    tagging (`nlp(sentence)`) on the same sentences, the first --tag-bytes (default 100,000) of the
//    corpus, paired and interleaved (ours, compromise, ours, ...; --tag-repeat pairs, default 3), median
//    of the per-pair ratios; and Portuguese tagging speed on corpora/pt/machado-romances.txt (ours only).
//    Model loading is outside the timed part. --no-tag skips this part.
// 3. Peak RSS of `verbo vocab` (a child process; maxRSS from process.resourceUsage() at exit) on the
//    corpus once and on the corpus replicated --copies times (default 10) in a temporary folder;
//    min/median of --rss-repeat runs (default 3). Memory should grow with the vocabulary, not the corpus:
//    the target ratio is ≤ 1.2. --no-rss skips this part.
//
// Usage: npm run build && node bench/prep.mjs [--text FILE] [--repeat 3] [--copies 10] [--rss-repeat 3]
//        [--no-rss] [--no-pipeline] [--no-natural] [--no-tag] [--tag-bytes 300000] [--tag-repeat 3] [--child-flags=--max-semi-space-size=2]
// Progress goes to stderr; the last stdout line is one JSON object.
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
if (!existsSync(join(dist, 'text', 'pipeline.js'))) {
  process.stderr.write('bench/prep.mjs: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}
const { createPipeline, tokenCorpus } = await import(join(dist, 'text', 'pipeline.js'));
const { openCorpus } = await import(join(dist, 'text', 'corpus.js'));
const { sharedDataPath } = await import(join(dist, 'util', 'paths.js'));

const { values: args } = parseArgs({
  options: {
    text: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    copies: { type: 'string', default: '10' },
    'rss-repeat': { type: 'string', default: '3' },
    'no-rss': { type: 'boolean', default: false },
    'no-natural': { type: 'boolean', default: false },
    'no-pipeline': { type: 'boolean', default: false },
    'no-tag': { type: 'boolean', default: false },
    'tag-bytes': { type: 'string', default: '100000' },
    'tag-repeat': { type: 'string', default: '3' },
    'child-flags': { type: 'string', default: '' },
  },
});
const repeat = Number(args.repeat);
const copies = Number(args.copies);
const rssRepeat = Number(args['rss-repeat']);
// Node flags for the `verbo vocab` children. By default, those of the `verbo` command's shebang
// (`#!/usr/bin/env -S node FLAGS`), so the children run as a user's `verbo vocab` does; override with
// e.g. --child-flags=--max-semi-space-size=2 (V8's young generation grows to 2 × 16 MB on long runs
// without a cap, which is most of the difference between 1× and 10×).
const shebangFlags = () => {
  const firstLine = readFileSync(new URL('../dist/cli/main.js', import.meta.url), 'utf8').split('\n')[0];
  const match = firstLine.match(/^#!.*\bnode\b(.*)$/);
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : [];
};
const childFlags = args['child-flags'] ? args['child-flags'].split(' ').filter(Boolean) : shebangFlags();
const corpusPath = args.text ?? sharedDataPath('bench', 'sotu_moby.txt');
if (!existsSync(corpusPath)) {
  process.stderr.write(`bench/prep.mjs: ${corpusPath} is missing; pass --text FILE\n`);
  process.exit(1);
}

const log = (message) => process.stderr.write(`${message}\n`);
const now = () => Number(process.hrtime.bigint()) / 1e9;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const summarize = (xs) => ({ runs: xs, min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });
const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

const text = readFileSync(corpusPath, 'utf8');
const bytes = Buffer.byteLength(text);
const lines = text.split('\n');
log(`corpus ${corpusPath}: ${bytes.toLocaleString('en')} bytes, ${lines.length.toLocaleString('en')} lines`);

let sink = 0;
function bench(name, run) {
  const seconds = [];
  let tokens = 0;
  for (let r = 0; r < repeat; r++) {
    const start = now();
    tokens = run();
    seconds.push(now() - start);
  }
  const s = summarize(seconds);
  const result = {
    stage: name,
    bytes,
    tokens,
    seconds: s,
    mb_per_s: { best: round(bytes / 1e6 / s.min), median: round(bytes / 1e6 / s.median) },
    tokens_per_s: { best: Math.round(tokens / s.min), median: Math.round(tokens / s.median) },
  };
  log(JSON.stringify(result));
  return result;
}

const options = { lang: 'en', lower: true, stopwords: true, stem: 'porter' };
const results = [];
let natural = null;
if (!args['no-pipeline']) {
  results.push(
    bench('verbo.pipeline(lower+tokenize+stopwords+porter)', () => {
      const pipeline = createPipeline(options);
      let n = 0;
      for (const line of lines) {
        const tokens = pipeline.tokens(line);
        n += tokens.length;
        sink += tokens.length > 0 ? tokens[0].length : 0;
      }
      return n;
    }),
  );

  {
    // One streaming pass: read + decode + split lines + pipeline + 10,000-token chunks.
    const start = now();
    let n = 0;
    for await (const tokens of tokenCorpus(openCorpus([corpusPath]), createPipeline(options)))
      n += tokens.length;
    const seconds = now() - start;
    const result = {
      stage: 'verbo.tokenCorpus(openCorpus) streaming, 1 run',
      bytes,
      tokens: n,
      seconds: { runs: [seconds], min: seconds, median: seconds, max: seconds },
      mb_per_s: { best: round(bytes / 1e6 / seconds), median: round(bytes / 1e6 / seconds) },
      tokens_per_s: { best: Math.round(n / seconds), median: Math.round(n / seconds) },
    };
    log(JSON.stringify(result));
    results.push(result);
  }

  if (!args['no-natural']) {
    const require = createRequire(join(root, 'package.json'));
    const { WordTokenizer } = require('natural/lib/natural/tokenizers/regexp_tokenizer.js');
    const PorterStemmer = require('natural/lib/natural/stemmers/porter_stemmer.js');
    const stopword = require('stopword');
    const tokenizer = new WordTokenizer();
    natural = bench('natural.WordTokenizer+stopword.removeStopwords+natural.PorterStemmer', () => {
      let n = 0;
      for (const line of lines) {
        const tokens = stopword.removeStopwords(tokenizer.tokenize(line.toLowerCase()));
        for (const token of tokens) sink += PorterStemmer.stem(token).length;
        n += tokens.length;
      }
      return n;
    });
    results.push(natural);
  }
}

// --- tagging: ours (tokenize + tag + lemmatize) vs compromise's tagger, paired ---
let tagging = null;
if (!args['no-tag']) {
  const { createTagger } = await import(join(dist, 'text', 'tag.js'));
  const { splitSentences } = await import(join(dist, 'text', 'tokenize.js'));
  const require = createRequire(join(root, 'package.json'));
  const nlpModule = require('compromise');
  const nlp = nlpModule.default ?? nlpModule;
  // Sentences (the corpus has document-long lines), up to `limit` bytes.
  const slice = (source, limit, lang) => {
    const picked = [];
    let size = 0;
    for (const line of source) {
      for (const sentence of splitSentences(line, { lang })) {
        if (size >= limit) return { picked, size };
        picked.push(sentence);
        size += Buffer.byteLength(sentence) + 1;
      }
    }
    return { picked, size };
  };
  const { picked: tagLines, size: tagBytes } = slice(lines, Number(args['tag-bytes']), 'en');
  const english = createTagger({ lang: 'en' });
  english.tag('Warm up the model and the lexicons.');
  nlp('Warm up compromise.').out('tags');
  const runOurs = () => {
    let words = 0;
    for (const sentence of tagLines) words += english.tagSentence(sentence).length;
    return words;
  };
  const runCompromise = () => {
    let terms = 0;
    // nlp() tokenizes and runs compromise's whole tagger; wordCount() only counts its terms.
    for (const sentence of tagLines) terms += nlp(sentence).wordCount();
    return terms;
  };
  const pairs = [];
  let ourWords = 0;
  let theirTerms = 0;
  for (let r = 0; r < Number(args['tag-repeat']); r++) {
    let start = now();
    ourWords = runOurs();
    const ours = now() - start;
    start = now();
    theirTerms = runCompromise();
    const theirs = now() - start;
    pairs.push({ ours, theirs, ratio: theirs / ours });
    log(
      `tagging pair ${r + 1}: verbo ${ours.toFixed(2)} s (${Math.round(ourWords / ours)} words/s), compromise ${theirs.toFixed(2)} s (${Math.round(theirTerms / theirs)} terms/s), ratio ${(theirs / ours).toFixed(2)}`,
    );
  }
  const machado = join(root, 'corpora', 'pt', 'machado-romances.txt');
  let portuguese = null;
  if (existsSync(machado)) {
    const { picked: ptLines, size: ptBytes } = slice(
      readFileSync(machado, 'utf8').split('\n'),
      Number(args['tag-bytes']),
      'pt',
    );
    const tagger = createTagger({ lang: 'pt' });
    tagger.tag('Aquece o modelo.');
    const seconds = [];
    let words = 0;
    for (let r = 0; r < Number(args['tag-repeat']); r++) {
      const start = now();
      words = 0;
      for (const sentence of ptLines) words += tagger.tagSentence(sentence).length;
      seconds.push(now() - start);
    }
    const s = summarize(seconds);
    portuguese = {
      bytes: ptBytes,
      words,
      seconds: s,
      words_per_s: { best: Math.round(words / s.min), median: Math.round(words / s.median) },
    };
    log(`Portuguese tagging: ${JSON.stringify(portuguese)}`);
  }
  tagging = {
    bytes: tagBytes,
    verbo: { words: ourWords, words_per_s: summarize(pairs.map((p) => Math.round(ourWords / p.ours))) },
    compromise: {
      terms: theirTerms,
      terms_per_s: summarize(pairs.map((p) => Math.round(theirTerms / p.theirs))),
    },
    ratio_vs_compromise: summarize(pairs.map((p) => round(p.ratio, 2))),
    target: '≥ 5',
    portuguese,
  };
}

// --- peak RSS of `verbo vocab`: corpus once vs replicated ---
let rss = null;
if (!args['no-rss']) {
  const cli = join(dist, 'cli', 'main.js');
  const vocabThere = spawnSync(process.execPath, [cli, 'vocab', '--help'], { encoding: 'utf8' }).status === 0;
  if (!vocabThere) {
    log('`verbo vocab` is not in dist/ yet: skipping the peak-RSS check');
    rss = { skipped: 'verbo vocab not available' };
  } else {
    const dir = mkdtempSync(join(os.tmpdir(), 'verbo-bench-prep-'));
    try {
      const preload = join(dir, 'maxrss.cjs');
      // Reports the child's peak resident set size (kilobytes) when it exits.
      writeFileSync(
        preload,
        "process.on('exit', () => require('fs').writeFileSync(process.env.VERBO_MAXRSS_FILE, String(process.resourceUsage().maxRSS)));\n",
      );
      const replicated = join(dir, `corpus-x${copies}.txt`);
      log(`writing ${copies}× corpus to ${replicated}`);
      const out = createWriteStream(replicated);
      for (let c = 0; c < copies; c++) {
        for await (const block of createReadStream(corpusPath)) {
          if (!out.write(block)) await once(out, 'drain');
        }
      }
      out.end();
      await once(out, 'finish');
      const measure = (file) => {
        const kilobytes = [];
        const seconds = [];
        for (let r = 0; r < rssRepeat; r++) {
          const rssFile = join(dir, `rss-${r}.txt`);
          const start = now();
          const child = spawnSync(
            process.execPath,
            [...childFlags, '--require', preload, cli, 'vocab', file, '--quiet', '--top', '0'],
            {
              encoding: 'utf8',
              env: { ...process.env, VERBO_MAXRSS_FILE: rssFile },
            },
          );
          seconds.push(now() - start);
          if (child.status !== 0) throw new Error(`verbo vocab failed: ${child.stderr}`);
          kilobytes.push(Number(readFileSync(rssFile, 'utf8')));
        }
        const summary = summarize(kilobytes.map((kb) => round(kb / 1024, 1)));
        log(
          `verbo vocab ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB): peak RSS MB ${JSON.stringify(summary)}, seconds ${seconds.map((s) => s.toFixed(1)).join(', ')}`,
        );
        return {
          bytes: statSync(file).size,
          peak_rss_mb: summary,
          seconds: summarize(seconds.map((s) => round(s, 2))),
        };
      };
      const single = measure(corpusPath);
      const many = measure(replicated);
      rss = {
        copies,
        once: single,
        replicated: many,
        ratio: {
          min: round(many.peak_rss_mb.min / single.peak_rss_mb.min),
          median: round(many.peak_rss_mb.median / single.peak_rss_mb.median),
        },
        target: '≤ 1.2',
        child_flags: childFlags,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const ours = results[0];
process.stdout.write(
  `${JSON.stringify({
    script: 'bench/prep.mjs',
    node: process.version,
    cpu: os.cpus()[0]?.model ?? null,
    cores: os.cpus().length,
    loadavg: os.loadavg().map((x) => round(x, 2)),
    corpus: corpusPath,
    bytes,
    repeat,
    pipeline: ours && { options, mb_per_s: ours.mb_per_s, tokens_per_s: ours.tokens_per_s },
    natural_combined: natural && { mb_per_s: natural.mb_per_s, tokens_per_s: natural.tokens_per_s },
    tagging,
    speedup_vs_natural: natural &&
      ours && {
        best: round(natural.seconds.min / ours.seconds.min, 2),
        median: round(natural.seconds.median / ours.seconds.median, 2),
      },
    target_speedup: '≥ 5× natural (anchor ~2.3 MB/s)',
    vocab_peak_rss: rss,
    results,
    sink: sink > 0,
  })}\n`,
);
