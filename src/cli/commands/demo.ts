// `verbo demo` (= `npm run demo`): the whole flow on a bundled corpus in about a minute, as a sequence
// of the library's own calls a newcomer can follow and repeat in their own code:
//
//   1. readCorpus         the text, its lines tokenized by the text pipeline, a held-out tail
//   2. trainWordVectors   word2vec (skip-gram, negative sampling) with a progress bar
//   3. queryWordVectors   nearest neighbours of a few words and an analogy
//   4. trainNextWordModel an LSTM language model with a progress bar
//   5. askNextWordModel   next-word suggestions for a few prompts and a generated line
//   6. writeResults       model directories, plots and the HTML report
//
// Everything is written to a folder beside --out first (util/model-files), which replaces --out
// (models/demo, or models/demo-pt for Portuguese) only when complete, and only when --out is new, empty
// or an earlier demo. `--quick` uses tiny settings (seconds; for tests).
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Command, Option } from 'commander';
import {
  type KeyedVectors,
  type Neighbor,
  saveModel,
  type TrainEvent,
  trainWord2Vec,
} from '../../embeddings/index.js';
import {
  buildLmVocabulary,
  createLmTokenizer,
  type EpochRecord,
  encodeLines,
  LanguageModel,
  saveLanguageModel,
  type TrainProgress,
  type TrainResult,
  trainLanguageModel,
} from '../../seq/index.js';
import { createPipeline } from '../../text/index.js';
import { openModelDir, packagePath, readModelConfig, VerboError, writeFileAtomic } from '../../util/index.js';
import {
  collectReport,
  curvesSvg,
  embeddingMap,
  historySeries,
  lmPerplexitySvg,
  mapSvg,
  renderReport,
} from '../../web/index.js';
import { parseChoice, printJson, printLine, printNote } from '../io.js';
import { CurveRecorder, createProgress } from '../progress.js';
import { neighborLines } from './similar.js';

type Language = 'en' | 'pt';

export interface DemoFlags {
  lang: Language;
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
    /** Embedding = hidden size; the output layer shares the embedding's weights. */
    size: number;
    epochs: number;
    /** Training tokens per epoch at most (all when undefined). */
    maxTokens?: number;
    validTokens: number;
    bptt: number;
    batch: number;
    learningRate: number;
  };
}

// Two passes over the training lines (~220,000 tokens each) make suggestions a reader finds plausible
// ("to be or not to" → be, the, do; "i will" → not, be, have; "eu não" → é, era, sei; "era uma" → vez,
// mãe, coisa); one pass of 80,000 tokens gave "the, a, thy". ("a casa de" was dropped from the
// Portuguese prompts: its third answer is "d", the "D." of "D. Plácida".)
const FULL: DemoSettings = {
  heldOut: 0.05,
  word2vec: { dim: 64, epochs: 5, minCount: 3, window: 5, negative: 5 },
  lm: {
    vocabulary: 3000,
    size: 128,
    epochs: 2,
    validTokens: 4000,
    bptt: 35,
    batch: 20,
    learningRate: 0.004,
  },
};

const QUICK: DemoSettings = {
  maxLines: 2500,
  heldOut: 0.1,
  word2vec: { dim: 16, epochs: 2, minCount: 2, window: 3, negative: 3 },
  lm: {
    vocabulary: 300,
    size: 16,
    epochs: 1,
    maxTokens: 2000,
    validTokens: 300,
    bptt: 10,
    batch: 4,
    learningRate: 0.01,
  },
};

const LANGUAGE = {
  en: {
    name: 'English',
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
    name: 'Portuguese',
    corpus: ['corpora', 'pt', 'machado-romances.txt'],
    words: ['amor', 'noite', 'casa', 'olhos', 'homem', 'dia', 'rua'],
    analogies: [
      ['ele', 'dele', 'ela'],
      ['homem', 'mulher', 'rei'],
      ['pai', 'mãe', 'filho'],
    ],
    prompts: ['eu não', 'era uma', 'ela disse que'],
    generate: 'a noite',
  },
} as const;

/** Where the demo's words go: text on stdout (none with --json), notes and progress bars on stderr. */
interface Voice {
  say: (line?: string) => void;
  note: (line: string) => void;
  quiet: boolean;
}

// ---- 1. the text ----

interface DemoText {
  corpus: string;
  /** Training lines and the held-out tail the language model is measured on. */
  trainLines: string[];
  validLines: string[];
  /** Every line as word2vec sees it: the text pipeline's tokens (empty lines left out). */
  sentences: string[][];
}

function readCorpus(lang: Language, settings: DemoSettings, voice: Voice, quick: boolean): DemoText {
  const corpus = packagePath(...LANGUAGE[lang].corpus);
  if (!existsSync(corpus)) {
    throw new VerboError(`the bundled corpus ${corpus} is missing; reinstall verbo.`, 'ENOENT');
  }
  let lines = readFileSync(corpus, 'utf8').split('\n');
  if (settings.maxLines !== undefined) lines = lines.slice(0, settings.maxLines);
  const split = Math.floor(lines.length * (1 - settings.heldOut));
  const pipeline = createPipeline({ lang, prep: 'default' });
  const sentences = lines.map((line) => pipeline.tokens(line)).filter((tokens) => tokens.length > 0);
  const tokens = sentences.reduce((n, sentence) => n + sentence.length, 0);
  voice.say(
    `verbo demo: ${basename(corpus)} — ${lines.length.toLocaleString('en')} lines, ${tokens.toLocaleString('en')} tokens (${LANGUAGE[lang].name}${quick ? ', quick settings' : ''})`,
  );
  return { corpus, trainLines: lines.slice(0, split), validLines: lines.slice(split), sentences };
}

// ---- 2. word vectors ----

interface WordVectorsResult {
  trained: Awaited<ReturnType<typeof trainWord2Vec>>;
  /** Mean loss so far in the epoch against words trained, for the plots. */
  curve: [number, number][];
}

async function trainWordVectors(
  text: DemoText,
  settings: DemoSettings,
  voice: Voice,
): Promise<WordVectorsResult> {
  voice.say('\n1. word2vec (skip-gram, negative sampling)');
  const progress = createProgress('  word2vec', { quiet: voice.quiet });
  const curve = new CurveRecorder();
  const onProgress = (event: TrainEvent) => {
    if (event.type === 'vocab') voice.note(`  vocabulary: ${event.vocabSize.toLocaleString('en')} words`);
    if (event.type === 'progress') {
      curve.add(event.wordsDone, event.loss);
      progress.update(event.wordsDone / Math.max(1, event.totalWords), {
        epoch: String(event.epoch),
        loss: event.loss.toFixed(4),
        rate: formatRate(event.wordsPerSecond, 'w'),
      });
    }
  };
  try {
    const trained = await trainWord2Vec(text.sentences, { ...settings.word2vec, seed: 1 }, { onProgress });
    const { keyedVectors: vectors, summary } = trained;
    voice.say(
      `  ${vectors.size.toLocaleString('en')} vectors of ${vectors.dim} dims in ${summary.seconds.toFixed(1)} s; loss per epoch ${summary.loss.map((x) => x.toFixed(3)).join(' → ')}`,
    );
    return { trained, curve: curve.points };
  } finally {
    progress.stop();
  }
}

// ---- 3. asking the word vectors ----

interface VectorAnswers {
  neighbors: { word: string; neighbors: Neighbor[] }[];
  analogy?: { question: string[]; answers: Neighbor[] };
}

function queryWordVectors(vectors: KeyedVectors, lang: Language, voice: Voice): VectorAnswers {
  const language = LANGUAGE[lang];
  const words: string[] = language.words.filter((word) => vectors.has(word)).slice(0, 3);
  if (words.length === 0) words.push(...vectors.words.slice(30, 33));
  const neighbors = words.map((word) => ({
    word,
    neighbors: vectors.mostSimilar({ positive: [word], topN: 5 }),
  }));
  for (const { word, neighbors: list } of neighbors) {
    voice.say(`\n  nearest to '${word}':`);
    for (const line of neighborLines(list)) voice.say(`  ${line}`);
  }
  const question = language.analogies.find((triple) => triple.every((word) => vectors.has(word)));
  if (question === undefined) return { neighbors };
  const [a, b, c] = question;
  const answers = vectors.analogy(a, b, c, 3);
  voice.say(`\n  analogy: ${a} is to ${b} as ${c} is to …`);
  for (const line of neighborLines(answers)) voice.say(`  ${line}`);
  return { neighbors, analogy: { question: [...question], answers } };
}

// ---- 4. the next-word model ----

interface NextWordModelResult {
  model: LanguageModel;
  result: TrainResult;
  /** Perplexity so far in the epoch against tokens trained, for the plots. */
  curve: [number, number][];
}

async function trainNextWordModel(
  text: DemoText,
  lang: Language,
  settings: DemoSettings,
  voice: Voice,
): Promise<NextWordModelResult> {
  voice.say('\n2. next-word language model (LSTM)');
  const { lm } = settings;
  const textOptions = { level: 'word' as const, prep: 'default' as const, lang };
  const tokenize = createLmTokenizer(textOptions);
  const vocab = await buildLmVocabulary(linesOf(text.trainLines), tokenize, { maxSize: lm.vocabulary });
  const model = new LanguageModel(vocab, {
    ...textOptions,
    cell: 'lstm',
    embed: lm.size,
    hidden: lm.size,
    layers: 1,
    tieWeights: true,
    seed: 1,
  });
  const train = await encodeLines(linesOf(text.trainLines), tokenize, vocab, { maxTokens: lm.maxTokens });
  const valid = await encodeLines(linesOf(text.validLines), tokenize, vocab, { maxTokens: lm.validTokens });
  voice.note(
    `  vocabulary: ${vocab.size.toLocaleString('en')} tokens; ${lm.epochs} epoch${lm.epochs > 1 ? 's' : ''} over ${train.ids.length.toLocaleString('en')} tokens, validating on ${valid.ids.length.toLocaleString('en')}`,
  );
  const progress = createProgress('  LSTM', { quiet: voice.quiet });
  const curve = new CurveRecorder();
  const onProgress = (event: TrainProgress) => {
    if (event.phase === 'train') curve.add(event.tokens, event.perplexity);
    progress.update(event.fraction, {
      epoch: `${event.epoch}/${event.epochs}`,
      ppl: event.perplexity.toFixed(1),
      rate: formatRate(event.tokensPerSecond, 'tok'),
      eta: `${Math.round(event.etaSeconds)} s`,
    });
  };
  let result: TrainResult;
  try {
    result = await trainLanguageModel(model, train.ids, {
      bptt: lm.bptt,
      batch: lm.batch,
      epochs: lm.epochs,
      optimizer: 'adam',
      learningRate: lm.learningRate,
      validIds: valid.ids.length >= 2 ? valid.ids : undefined,
      progressEvery: 0,
      seed: 1,
      onProgress,
    });
  } finally {
    progress.stop();
  }
  voice.say(
    `  ${model.countParameters().toLocaleString('en')} parameters, ${result.tokens.toLocaleString('en')} tokens in ${result.seconds.toFixed(1)} s; perplexity: train ${result.trainPerplexity.toFixed(1)}${result.validPerplexity !== undefined ? `, held-out ${result.validPerplexity.toFixed(1)}` : ''}`,
  );
  return { model, result, curve: curve.points };
}

async function* linesOf(lines: string[]): AsyncGenerator<string> {
  for (const line of lines) yield line;
}

// ---- 5. asking the next-word model ----

interface ModelAnswers {
  predictions: { prompt: string; next: { word: string; probability: number }[] }[];
  generated: string;
}

function askNextWordModel(model: LanguageModel, lang: Language, voice: Voice): ModelAnswers {
  const language = LANGUAGE[lang];
  const predictions = language.prompts.map((prompt) => {
    try {
      return { prompt, next: model.predict(prompt, { topK: 5 }).next };
    } catch (error) {
      if (error instanceof VerboError) return { prompt, next: [] };
      throw error;
    }
  });
  for (const { prompt, next } of predictions) {
    const words = next.map((n) => `${n.word} (${n.probability.toFixed(3)})`).join(', ');
    voice.say(`  "${prompt}" → ${words || '(no known words)'}`);
  }
  const generated = model.generate(language.generate, {
    tokens: 20,
    temperature: 0.8,
    topK: 20,
    seed: 1,
  }).text;
  voice.say(`  generated: "${language.generate} ${generated.replace(/\n/g, ' / ')}"`);
  return { predictions, generated };
}

// ---- 6. the results on disk ----

async function writeResults(
  staging: string,
  out: string,
  lang: Language,
  text: DemoText,
  w2v: WordVectorsResult,
  lm: NextWordModelResult,
  settings: DemoSettings,
): Promise<void> {
  const { keyedVectors: vectors, state } = w2v.trained;
  const w2vDir = join(staging, 'w2v');
  await saveModel(w2vDir, {
    vectors,
    config: { ...state.options, lang, prep: 'default', corpus: basename(text.corpus) },
    vocabularyCounts: state.vocabulary.counts,
    history: state.history.map((record) => ({ ...record })),
  });
  writeJson(join(w2vDir, 'progress.json'), w2v.curve);
  const lmDir = join(staging, 'lm');
  const history: EpochRecord[] = lm.result.history;
  saveLanguageModel(lm.model, lmDir, { training: { ...history[history.length - 1] } });
  writeJson(join(lmDir, 'history.json'), history, 2);
  writeJson(join(lmDir, 'progress.json'), lm.curve);
  writeFileAtomic(join(staging, 'valid.txt'), `${text.validLines.join('\n')}\n`);

  const plot = (name: string, svg: string) => writeFileAtomic(join(staging, 'plots', name), svg);
  plot(
    'map.svg',
    mapSvg(embeddingMap(vectors, Math.min(300, vectors.size)), { title: 'verbo demo: embedding map' }),
  );
  plot(
    'loss.svg',
    curvesSvg([{ name: 'loss', points: historySeries(state.history, 'loss') }], {
      title: 'word2vec training loss',
      xLabel: 'epoch',
      yLabel: 'mean loss',
    }),
  );
  plot('lm-perplexity.svg', lmPerplexitySvg(history, lm.curve, 'LSTM perplexity'));
  const report = await collectReport({
    vectors,
    history: state.history,
    progress: w2v.curve,
    modelPath: join(out, 'w2v'),
    lang,
    lm: {
      model: lm.model,
      path: join(out, 'lm'),
      history,
      progress: lm.curve,
      validFile: join(staging, 'valid.txt'),
      maxTokens: settings.lm.validTokens,
    },
  });
  if (report.lm?.validation !== undefined) report.lm.validation.file = join(out, 'valid.txt');
  writeFileAtomic(join(staging, 'report.html'), renderReport(report));
}

// ---- the demo: the steps in order, published at the end ----

export async function runDemo(flags: DemoFlags): Promise<void> {
  const settings = flags.quick ? QUICK : FULL;
  const voice: Voice = {
    say: flags.json ? () => {} : printLine,
    note: flags.quiet ? () => {} : printNote,
    quiet: flags.quiet ?? false,
  };
  const started = performance.now();
  // Only into a new or empty folder or over an earlier demo: built beside it and swapped in whole
  // (src/util/model-files), so a failed or killed demo leaves the earlier output as it was.
  const output = openModelDir(flags.out, { format: 'verbo-demo', recognise: isEarlierDemoFolder });
  try {
    const text = readCorpus(flags.lang, settings, voice, flags.quick ?? false);
    const w2v = await trainWordVectors(text, settings, voice);
    const vectorAnswers = queryWordVectors(w2v.trained.keyedVectors, flags.lang, voice);
    const lm = await trainNextWordModel(text, flags.lang, settings, voice);
    const modelAnswers = askNextWordModel(lm.model, flags.lang, voice);
    await writeResults(output.staging, flags.out, flags.lang, text, w2v, lm, settings);
    output.commit({ format: 'verbo-demo', version: 1, lang: flags.lang, quick: flags.quick === true });
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) printJson(summary(flags.out, seconds, w2v, vectorAnswers, lm, modelAnswers));
    else printNextSteps(flags, seconds, vectorAnswers);
  } finally {
    output.close();
  }
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

function summary(
  out: string,
  seconds: number,
  w2v: WordVectorsResult,
  vectorAnswers: VectorAnswers,
  lm: NextWordModelResult,
  modelAnswers: ModelAnswers,
): object {
  const vectors = w2v.trained.keyedVectors;
  return {
    out,
    seconds,
    word2vec: {
      words: vectors.size,
      dim: vectors.dim,
      loss: w2v.trained.summary.loss,
      neighbors: vectorAnswers.neighbors.map(({ word, neighbors }) => ({
        word,
        neighbors: neighbors.map((n) => ({ word: n.word, similarity: n.similarity })),
      })),
      analogy: vectorAnswers.analogy ?? null,
    },
    lm: {
      vocabulary: lm.model.vocab.size,
      tokens: lm.result.tokens,
      trainPerplexity: lm.result.trainPerplexity,
      validPerplexity: lm.result.validPerplexity ?? null,
      predictions: modelAnswers.predictions,
      generated: modelAnswers.generated,
    },
  };
}

function printNextSteps(flags: DemoFlags, seconds: number, answers: VectorAnswers): void {
  printLine(
    `\nwrote ${flags.out}/ in ${seconds.toFixed(0)} s: w2v/ (word vectors), lm/ (language model), plots/, report.html`,
  );
  printLine('next:');
  printLine(
    `  npx verbo serve --model ${join(flags.out, 'w2v')} --lm ${join(flags.out, 'lm')}     # then open http://127.0.0.1:8080/`,
  );
  printLine(`  npx verbo similar ${join(flags.out, 'w2v')} ${answers.neighbors[0]?.word ?? 'love'}`);
  printLine(`  npx verbo lm generate ${join(flags.out, 'lm')} "${LANGUAGE[flags.lang].generate}"`);
}

function writeJson(path: string, value: unknown, indent?: number): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, indent)}\n`);
}

function formatRate(perSecond: number, unit: string): string {
  return perSecond >= 1e6
    ? `${(perSecond / 1e6).toFixed(2)}M ${unit}/s`
    : perSecond >= 1e3
      ? `${(perSecond / 1e3).toFixed(0)}k ${unit}/s`
      : `${perSecond.toFixed(0)} ${unit}/s`;
}

/** Each language's demo has its own folder, so `verbo demo --lang pt` leaves the English one alone. */
export function defaultDemoFolder(lang: Language): string {
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
