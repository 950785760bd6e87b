// `verbo demo` (= `npm run demo`): the whole flow on the bundled corpus in a few minutes — vocabulary,
// word2vec with a progress bar, neighbours and an analogy, a small LSTM language model with a progress
// bar, next-word predictions and a generated sentence, plots and an HTML report — all written to
// --out (models/demo) atomically: everything goes to a folder beside it first, which replaces the old
// output only when complete. `--quick` uses tiny settings (seconds; for the end-to-end test).
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Command, Option } from 'commander';
import { type KeyedVectors, saveModel, type TrainEvent, trainWord2Vec } from '../../embeddings/index.js';
import {
  buildLmVocabulary,
  createLmTokenizer,
  encodeLines,
  LanguageModel,
  saveLanguageModel,
  type TrainProgress,
  trainLanguageModel,
} from '../../seq/index.js';
import { createPipeline } from '../../text/index.js';
import { VerboError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/files.js';
import { openModelDir, readModelConfig } from '../../util/model-files.js';
import { packagePath } from '../../util/paths.js';
import {
  collectReport,
  curvesSvg,
  embeddingMap,
  historySeries,
  mapSvg,
  renderReport,
} from '../../web/index.js';
import { parseChoice, printJson, printLine, printNote } from '../io.js';
import { createProgress } from '../progress.js';
import { neighborLines } from './similar.js';

export interface DemoFlags {
  lang: 'en' | 'pt';
  out: string;
  quick?: boolean;
  json?: boolean;
  quiet?: boolean;
}

interface DemoSettings {
  /** Corpus lines used (all when undefined). */
  maxLines?: number;
  /** Fraction of the lines held out for validating the language model. */
  heldOut: number;
  word2vec: { dim: number; epochs: number; minCount: number; window: number; negative: number };
  lm: {
    vocabulary: number;
    embed: number;
    hidden: number;
    maxTokens: number;
    validTokens: number;
    bptt: number;
    batch: number;
    learningRate: number;
  };
}

const FULL: DemoSettings = {
  heldOut: 0.05,
  word2vec: { dim: 64, epochs: 5, minCount: 3, window: 5, negative: 5 },
  lm: {
    vocabulary: 3000,
    embed: 64,
    hidden: 128,
    maxTokens: 80_000,
    validTokens: 4000,
    bptt: 25,
    batch: 16,
    learningRate: 0.006,
  },
};

const QUICK: DemoSettings = {
  maxLines: 2500,
  heldOut: 0.1,
  word2vec: { dim: 16, epochs: 2, minCount: 2, window: 3, negative: 3 },
  lm: {
    vocabulary: 300,
    embed: 16,
    hidden: 16,
    maxTokens: 2000,
    validTokens: 300,
    bptt: 10,
    batch: 4,
    learningRate: 0.01,
  },
};

const LANGUAGE = {
  en: {
    corpus: ['corpora', 'en', 'tinyshakespeare.txt'],
    words: ['king', 'love', 'night', 'sword', 'father', 'good', 'lord'],
    analogies: [
      ['he', 'his', 'she'],
      ['man', 'woman', 'king'],
      ['king', 'queen', 'lord'],
    ],
    prompts: ['to be or not to', 'my lord', 'i will'],
    generate: 'the king',
  },
  pt: {
    corpus: ['corpora', 'pt', 'machado-romances.txt'],
    words: ['amor', 'noite', 'casa', 'olhos', 'homem', 'dia', 'rua'],
    analogies: [
      ['ele', 'dele', 'ela'],
      ['homem', 'mulher', 'rei'],
      ['pai', 'mãe', 'filho'],
    ],
    prompts: ['eu não', 'a casa de', 'ela disse que'],
    generate: 'a noite',
  },
} as const;

function formatRate(perSecond: number, unit: string): string {
  return perSecond >= 1e6
    ? `${(perSecond / 1e6).toFixed(2)}M ${unit}/s`
    : perSecond >= 1e3
      ? `${(perSecond / 1e3).toFixed(0)}k ${unit}/s`
      : `${perSecond.toFixed(0)} ${unit}/s`;
}

/** A demo folder written before config.json named its kind: report.html beside w2v/ and lm/ models. */
function isEarlierDemoFolder(dir: string): boolean {
  const kind = (path: string) => {
    try {
      return readModelConfig(path)?.format;
    } catch {
      return undefined;
    }
  };
  return (
    existsSync(join(dir, 'report.html')) &&
    kind(join(dir, 'w2v')) === 'verbo-word2vec' &&
    kind(join(dir, 'lm')) === 'verbo-lm'
  );
}

export async function runDemo(flags: DemoFlags): Promise<void> {
  const settings = flags.quick ? QUICK : FULL;
  const language = LANGUAGE[flags.lang];
  const say = flags.json ? () => {} : printLine;
  const note = flags.quiet ? () => {} : printNote;
  const started = performance.now();
  const corpusPath = packagePath(...language.corpus);
  if (!existsSync(corpusPath)) {
    throw new VerboError(`the bundled corpus ${corpusPath} is missing; reinstall verbo.`, 'ENOENT');
  }
  // Only into a new or empty folder or over an earlier demo: everything is built beside it and swapped
  // in whole (src/util/model-files), so a failed or killed demo leaves the earlier output as it was.
  const writer = openModelDir(flags.out, { format: 'verbo-demo', recognise: isEarlierDemoFolder });
  const staging = writer.staging;
  try {
    // ---- 1. the text: lines, a held-out tail for the language model ----
    let lines = readFileSync(corpusPath, 'utf8').split('\n');
    if (settings.maxLines !== undefined) lines = lines.slice(0, settings.maxLines);
    const split = Math.floor(lines.length * (1 - settings.heldOut));
    const trainLines = lines.slice(0, split);
    const validLines = lines.slice(split);
    writeFileAtomic(join(staging, 'valid.txt'), `${validLines.join('\n')}\n`);
    const pipeline = createPipeline({ lang: flags.lang, prep: 'default' });
    const sentences = lines.map((line) => pipeline.tokens(line)).filter((tokens) => tokens.length > 0);
    const tokenCount = sentences.reduce((n, s) => n + s.length, 0);
    say(
      `verbo demo: ${basename(corpusPath)} — ${lines.length.toLocaleString('en')} lines, ${tokenCount.toLocaleString('en')} tokens (${flags.lang === 'pt' ? 'Portuguese' : 'English'}${flags.quick ? ', quick settings' : ''})`,
    );

    // ---- 2. word2vec ----
    say('\n1. word2vec (skip-gram, negative sampling)');
    const w2vProgress = createProgress('  word2vec', { quiet: flags.quiet });
    const w2vCurve: [number, number][] = [];
    const onProgress = (event: TrainEvent) => {
      if (event.type === 'vocab') note(`  vocabulary: ${event.vocabSize.toLocaleString('en')} words`);
      if (event.type === 'progress') {
        w2vCurve.push([event.wordsDone, Number(event.loss.toFixed(5))]);
        w2vProgress.update(event.wordsDone / Math.max(1, event.totalWords), {
          epoch: String(event.epoch),
          loss: event.loss.toFixed(4),
          rate: formatRate(event.wordsPerSecond, 'w'),
        });
      }
    };
    let w2v: Awaited<ReturnType<typeof trainWord2Vec>>;
    try {
      w2v = await trainWord2Vec(sentences, { ...settings.word2vec, seed: 1 }, { onProgress });
    } finally {
      w2vProgress.stop();
    }
    const vectors: KeyedVectors = w2v.keyedVectors;
    const w2vDir = join(staging, 'w2v');
    await saveModel(w2vDir, {
      vectors,
      config: { ...w2v.state.options, lang: flags.lang, prep: 'default', corpus: basename(corpusPath) },
      vocabularyCounts: w2v.state.vocabulary.counts,
      history: w2v.state.history.map((record) => ({ ...record })),
    });
    writeFileAtomic(join(w2vDir, 'progress.json'), `${JSON.stringify(w2vCurve)}\n`);
    say(
      `  ${vectors.size.toLocaleString('en')} vectors of ${vectors.dim} dims in ${w2v.summary.seconds.toFixed(1)} s; loss per epoch ${w2v.summary.loss.map((x) => x.toFixed(3)).join(' → ')}`,
    );

    const neighborWords: string[] = language.words.filter((word) => vectors.has(word)).slice(0, 3);
    if (neighborWords.length === 0) neighborWords.push(...vectors.words.slice(30, 33));
    const neighbors = neighborWords.map((word) => ({
      word,
      neighbors: vectors.mostSimilar({ positive: [word], topN: 5 }),
    }));
    for (const { word, neighbors: list } of neighbors) {
      say(`\n  nearest to '${word}':`);
      for (const line of neighborLines(list)) say(`  ${line}`);
    }
    const analogyWords = language.analogies.find((words) => words.every((word) => vectors.has(word)));
    let analogy: { question: string[]; answers: { word: string; similarity: number }[] } | undefined;
    if (analogyWords !== undefined) {
      const [a, b, c] = analogyWords;
      analogy = { question: [...analogyWords], answers: vectors.analogy(a, b, c, 3) };
      say(`\n  analogy: ${a} is to ${b} as ${c} is to …`);
      for (const line of neighborLines(analogy.answers)) say(`  ${line}`);
    }

    // ---- 3. the language model ----
    say('\n2. next-word language model (LSTM)');
    const lmText = { level: 'word' as const, prep: 'default' as const, lang: flags.lang };
    const tokenize = createLmTokenizer(lmText);
    const linesOf = async function* (source: string[]) {
      for (const line of source) yield line;
    };
    const lmVocab = await buildLmVocabulary(linesOf(trainLines), tokenize, {
      maxSize: settings.lm.vocabulary,
    });
    const lm = new LanguageModel(lmVocab, {
      ...lmText,
      cell: 'lstm',
      embed: settings.lm.embed,
      hidden: settings.lm.hidden,
      layers: 1,
      seed: 1,
    });
    const trainIds = (
      await encodeLines(linesOf(trainLines), tokenize, lmVocab, { maxTokens: settings.lm.maxTokens })
    ).ids;
    const validIds = (
      await encodeLines(linesOf(validLines), tokenize, lmVocab, { maxTokens: settings.lm.validTokens })
    ).ids;
    note(
      `  vocabulary: ${lmVocab.size.toLocaleString('en')} tokens; training on ${trainIds.length.toLocaleString('en')} tokens, validating on ${validIds.length.toLocaleString('en')}`,
    );
    const lmProgress = createProgress('  LSTM', { quiet: flags.quiet });
    const lmCurve: [number, number][] = [];
    let lmResult: Awaited<ReturnType<typeof trainLanguageModel>>;
    try {
      lmResult = await trainLanguageModel(lm, trainIds, {
        bptt: settings.lm.bptt,
        batch: settings.lm.batch,
        epochs: 1,
        optimizer: 'adam',
        learningRate: settings.lm.learningRate,
        validIds: validIds.length >= 2 ? validIds : undefined,
        progressEvery: 100,
        seed: 1,
        onProgress: (event: TrainProgress) => {
          if (event.phase === 'train' && Number.isFinite(event.perplexity)) {
            lmCurve.push([event.tokens, Number(event.perplexity.toFixed(3))]);
          }
          lmProgress.update(event.fraction, {
            ppl: event.perplexity.toFixed(1),
            rate: formatRate(event.tokensPerSecond, 'tok'),
            eta: `${Math.round(event.etaSeconds)} s`,
          });
        },
      });
    } finally {
      lmProgress.stop();
    }
    const lmDir = join(staging, 'lm');
    saveLanguageModel(lm, lmDir, { training: { ...lmResult.history[lmResult.history.length - 1] } });
    writeFileAtomic(join(lmDir, 'history.json'), `${JSON.stringify(lmResult.history, null, 2)}\n`);
    writeFileAtomic(join(lmDir, 'progress.json'), `${JSON.stringify(lmCurve)}\n`);
    say(
      `  ${lm.countParameters().toLocaleString('en')} parameters, ${lmResult.tokens.toLocaleString('en')} tokens in ${lmResult.seconds.toFixed(1)} s; perplexity: train ${lmResult.trainPerplexity.toFixed(1)}${lmResult.validPerplexity !== undefined ? `, held-out ${lmResult.validPerplexity.toFixed(1)}` : ''}`,
    );
    const predictions = language.prompts.map((prompt) => {
      try {
        return { prompt, next: lm.predict(prompt, { topK: 5 }).next };
      } catch (error) {
        if (error instanceof VerboError) return { prompt, next: [] };
        throw error;
      }
    });
    for (const { prompt, next } of predictions) {
      say(
        `  "${prompt}" → ${next.length > 0 ? next.map((n) => `${n.word} (${n.probability.toFixed(3)})`).join(', ') : '(no known words)'}`,
      );
    }
    const generated = lm.generate(language.generate, { tokens: 20, temperature: 0.8, topK: 20, seed: 1 });
    say(`  generated: "${language.generate} ${generated.text.replace(/\n/g, ' / ')}"`);

    // ---- 4. pictures and the report ----
    const map = embeddingMap(vectors, Math.min(300, vectors.size));
    writeFileAtomic(join(staging, 'plots', 'map.svg'), mapSvg(map, { title: 'verbo demo: embedding map' }));
    writeFileAtomic(
      join(staging, 'plots', 'loss.svg'),
      curvesSvg([{ name: 'loss', points: historySeries(w2v.state.history, 'loss') }], {
        title: 'word2vec training loss',
        xLabel: 'epoch',
        yLabel: 'mean loss',
      }),
    );
    writeFileAtomic(
      join(staging, 'plots', 'lm-perplexity.svg'),
      curvesSvg([{ name: 'train', points: lmCurve }], {
        title: 'LSTM training perplexity',
        xLabel: 'tokens',
        yLabel: 'perplexity (mean so far)',
      }),
    );
    const report = await collectReport({
      vectors,
      history: w2v.state.history,
      progress: w2vCurve,
      modelPath: join(flags.out, 'w2v'),
      lang: flags.lang,
      lm: {
        model: lm,
        path: join(flags.out, 'lm'),
        history: lmResult.history,
        progress: lmCurve,
        validFile: join(staging, 'valid.txt'),
        maxTokens: settings.lm.validTokens,
      },
    });
    report.lm!.validation!.file = join(flags.out, 'valid.txt');
    writeFileAtomic(join(staging, 'report.html'), renderReport(report));

    writer.commit({ format: 'verbo-demo', version: 1, lang: flags.lang, quick: flags.quick === true });
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) {
      printJson({
        out: flags.out,
        seconds,
        word2vec: {
          words: vectors.size,
          dim: vectors.dim,
          loss: w2v.summary.loss,
          neighbors: neighbors.map(({ word, neighbors: list }) => ({
            word,
            neighbors: list.map((n) => ({ word: n.word, similarity: n.similarity })),
          })),
          analogy: analogy ?? null,
        },
        lm: {
          vocabulary: lmVocab.size,
          tokens: lmResult.tokens,
          trainPerplexity: lmResult.trainPerplexity,
          validPerplexity: lmResult.validPerplexity ?? null,
          predictions,
          generated: generated.text,
        },
      });
      return;
    }
    say(
      `\nwrote ${flags.out}/ in ${seconds.toFixed(0)} s: w2v/ (word vectors), lm/ (language model), plots/, report.html`,
    );
    say('next:');
    say(
      `  verbo serve --model ${join(flags.out, 'w2v')} --lm ${join(flags.out, 'lm')}     # then open http://127.0.0.1:8080/`,
    );
    say(`  verbo similar ${join(flags.out, 'w2v')} ${neighborWords[0] ?? 'love'}`);
    say(`  verbo lm generate ${join(flags.out, 'lm')} "${language.generate}"`);
  } finally {
    writer.close();
  }
}

/** Each language's demo has its own folder, so `verbo demo --lang pt` leaves the English one alone. */
export function defaultDemoFolder(lang: 'en' | 'pt'): string {
  return lang === 'pt' ? join('models', 'demo-pt') : join('models', 'demo');
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('the whole flow on the bundled corpus: word vectors, a next-word model, plots, a report')
    .addOption(
      new Option('--lang <lang>', 'en: Tiny Shakespeare; pt: Machado de Assis')
        .argParser(parseChoice(['en', 'pt'] as const))
        .default('en'),
    )
    .option('--out <dir>', 'output folder, replaced atomically (default: models/demo, or models/demo-pt)')
    .option('--quick', 'tiny settings (seconds; for tests)')
    .option('--json', 'print one JSON summary on stdout instead of text')
    .option('--quiet', 'no progress bars or notes on stderr')
    .action((flags: Omit<DemoFlags, 'out'> & { out?: string }) =>
      runDemo({ ...flags, out: flags.out ?? defaultDemoFolder(flags.lang) }),
    );
}
