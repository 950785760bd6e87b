// `verbo train`: trains word2vec vectors (or fastText subword vectors, `--model fasttext`) on a corpus and
// writes a model directory (vectors, vocabulary, config, history; a subword model also its fastText .bin)
// plus a checkpoint at every epoch end, so `--resume DIR` continues a crashed run and
// `--update DIR` trains a finished model further on new text. The run builds its folder in DIR.partial
// (checkpoints included) and replaces DIR only when complete (src/util/model-files): a failed, diverged
// or killed run leaves the previous model in DIR, and its last checkpoint in DIR.partial for --resume.
// Thin: flags → text pipeline → trainWord2Vec → writeModelFiles + commit; progress from the trainer's events.
import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  checkpointDir,
  type FastTextArgs,
  hasCheckpoint,
  loadCheckpoint,
  MODEL_FORMAT,
  partialCheckpointDir,
  type ResolvedWord2VecOptions,
  type TrainEvent,
  type TrainingState,
  trainWord2Vec,
  writeModelFiles,
} from '../../embeddings/index.js';
import { createPipeline, openCorpus, tokenCorpus } from '../../text/index.js';
import { DivergedError, openModelDir, VerboError, writeFileAtomic } from '../../util/index.js';
import {
  parseChoice,
  parseInteger,
  parseNumber,
  printJson,
  printLine,
  printNote,
  langOption,
  prepOption,
} from '../io.js';
import { createProgress } from '../progress.js';

interface TrainFlags {
  out: string;
  model: 'skipgram' | 'cbow' | 'fasttext';
  cbow?: boolean;
  minn?: number;
  maxn?: number;
  bucket?: number;
  dim: number;
  window: number;
  negative: number;
  hs?: boolean;
  minCount: number;
  sample?: number;
  epochs: number;
  alpha?: number;
  minAlpha?: number;
  alphaDecay?: 'sentences' | 'words';
  threads?: number;
  seed: number;
  sigmoid: 'table' | 'exact';
  lang: 'en' | 'pt';
  prep: 'none' | 'default';
  resume?: string;
  update?: string;
  logJson?: string;
  idCache: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('train')
    .description(
      'train word2vec vectors (skip-gram or CBOW) or fastText subword vectors and write a model directory',
    )
    .argument('<input...>', 'files, directories, globs, .gz files, or - for stdin')
    .requiredOption(
      '--out <dir>',
      'model directory to write (vectors.bin, vocab.txt, config.json, checkpoint/)',
    )
    .addOption(
      new Option(
        '--model <model>',
        'skipgram, cbow (mean of the context), or fasttext (subword vectors: every word, even an unseen one, gets a vector from its character n-grams)',
      )
        .argParser(parseChoice(['skipgram', 'cbow', 'fasttext'] as const))
        .default('skipgram'),
    )
    .option('--cbow', 'fasttext: the CBOW objective instead of skip-gram')
    .option('--minn <n>', 'fasttext: shortest character n-gram (default 3)', parseInteger(0, 100))
    .option('--maxn <n>', 'fasttext: longest character n-gram (default 6; 0: none)', parseInteger(0, 100))
    .option(
      '--bucket <n>',
      'fasttext: n-gram hash buckets (default 2000000; memory: bucket × dim × 4 bytes)',
      parseInteger(0, 2 ** 31 - 1),
    )
    .option('--dim <n>', 'vector size', parseInteger(1, 10_000), 100)
    .option('--window <n>', 'largest distance between a word and its context', parseInteger(1, 1000), 5)
    .option('--negative <n>', 'noise words per example (0: no negative sampling)', parseInteger(0, 1000), 5)
    .option('--hs', 'hierarchical softmax (Huffman tree of the counts)')
    .option('--min-count <n>', 'leave out words seen fewer times', parseInteger(1), 5)
    .option(
      '--sample <x>',
      'subsampling threshold for frequent words (0: off; default 1e-3, fasttext 1e-4)',
      parseNumber(0, 1),
    )
    .option('--epochs <n>', 'passes over the corpus', parseInteger(1, 10_000), 5)
    .option('--alpha <x>', 'starting learning rate (default 0.025, fasttext 0.05)', parseNumber(0, 10))
    .option('--min-alpha <x>', 'final learning rate (default 1e-4, fasttext 0)', parseNumber(0, 10))
    .addOption(
      new Option(
        '--alpha-decay <by>',
        "what the learning rate's linear decay counts: sentences (gensim; the default) or words (the C tool; fasttext's default)",
      ).argParser(parseChoice(['sentences', 'words'] as const)),
    )
    .option('--threads <n>', 'training threads (default: the number of cores)', parseInteger(1, 256))
    .option(
      '--seed <n>',
      'random seed (with --threads 1 the same seed gives identical vectors)',
      parseInteger(0, 2 ** 31 - 1),
      1,
    )
    .addOption(
      new Option('--sigmoid <mode>', "table: the C tool's EXP_TABLE; exact: 1/(1+e^-x)")
        .argParser(parseChoice(['table', 'exact'] as const))
        .default('table'),
    )
    .addOption(langOption())
    .addOption(prepOption())
    .option('--resume <dir>', 'continue an interrupted run from the checkpoint in DIR (same corpus)')
    .option('--update <dir>', 'train the model in DIR further on this corpus, adding its new words')
    .option(
      '--no-id-cache',
      're-tokenize the text every epoch instead of replaying word ids from a temporary file',
    )
    .option('--log-json <file>', 'write every progress event as a JSON line to FILE')
    .option('--json', 'print {"words", "epochs", "seconds", "wordsPerSecond", "vocabSize", "loss"} on stdout')
    .option('--quiet', 'no progress or notes on stderr')
    .action(async (inputs: string[], flags: TrainFlags, command: Command) => {
      // Which flags the user typed (not defaults): a resumed run takes the others from its checkpoint.
      const typed = new Set(Object.keys(flags).filter((key) => command.getOptionValueSource(key) === 'cli'));
      await runTrain(inputs, flags, typed);
    });
}

/**
 * The checkpoint `--resume DIR` continues: that of an interrupted run into DIR (DIR.partial/checkpoint)
 * when there is one, else the final one of the finished model in DIR. `--update DIR` takes the latter.
 */
function checkpointFolder(dir: string, flag: '--resume' | '--update'): string {
  if (flag === '--resume' && hasCheckpoint(partialCheckpointDir(dir))) return partialCheckpointDir(dir);
  const folder = checkpointDir(dir);
  if (!hasCheckpoint(folder)) {
    throw new VerboError(
      `${flag} ${dir}: no training checkpoint there (expected ${folder}/state.json written by \`verbo train --out ${dir}\`).`,
      'ENOENT',
    );
  }
  return folder;
}

/** The fastText .bin header fields of a run (only written for subword models). */
function fastTextArgsOf(options: ResolvedWord2VecOptions): Partial<FastTextArgs> {
  return {
    ws: options.window,
    epoch: options.epochs,
    minCount: options.minCount,
    neg: options.negative,
    loss: options.hs && options.negative === 0 ? 'hs' : 'ns',
    model: options.cbow === true ? 'cbow' : 'skipgram',
    t: options.sample,
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

function formatRate(wordsPerSecond: number): string {
  return wordsPerSecond >= 1e6
    ? `${(wordsPerSecond / 1e6).toFixed(2)}M w/s`
    : `${(wordsPerSecond / 1e3).toFixed(0)}k w/s`;
}

async function runTrain(inputs: string[], flags: TrainFlags, typed: ReadonlySet<string>): Promise<void> {
  if (flags.resume && flags.update)
    throw new VerboError('choose --resume or --update, not both.', 'BAD_ARGUMENT');
  if (flags.model !== 'fasttext') {
    const given = (['cbow', 'minn', 'maxn', 'bucket'] as const).filter((name) => flags[name] !== undefined);
    if (given.length > 0) {
      throw new VerboError(
        `--${given.join(', --')} ${given.length > 1 ? 'are settings' : 'is a setting'} of --model fasttext; add --model fasttext or leave ${given.length > 1 ? 'them' : 'it'} out.`,
        'BAD_ARGUMENT',
      );
    }
  }
  if (flags.negative === 0 && !flags.hs) {
    throw new VerboError(
      '--negative 0 needs --hs (hierarchical softmax); otherwise nothing is trained.',
      'BAD_ARGUMENT',
    );
  }
  const note = flags.quiet ? () => {} : printNote;
  const resumeFolder = flags.resume ? checkpointFolder(flags.resume, '--resume') : undefined;
  const updateFolder = flags.update ? checkpointFolder(flags.update, '--update') : undefined;
  const out = openModelDir(flags.out, {
    format: MODEL_FORMAT,
    // Continuing the interrupted run into --out keeps its folder; anything else starts a fresh one.
    partial: resumeFolder === partialCheckpointDir(flags.out) ? 'keep' : 'fresh',
  });
  const runCheckpoints = checkpointDir(out.staging);
  try {
    await trainInto(out.staging, inputs, flags, typed, note, {
      resume: resumeFolder === undefined ? undefined : await loadCheckpoint(resumeFolder),
      update: updateFolder === undefined ? undefined : await loadCheckpoint(updateFolder),
      commit: (config) => out.commit(config),
    });
  } finally {
    // A run that stopped after a checkpoint (Ctrl-C, divergence, a full disk) keeps it for --resume.
    out.close({ keepStaging: hasCheckpoint(runCheckpoints) });
  }
}

interface RunTarget {
  resume: TrainingState | undefined;
  update: TrainingState | undefined;
  commit: (config: Awaited<ReturnType<typeof writeModelFiles>>) => void;
}

async function trainInto(
  staging: string,
  inputs: string[],
  flags: TrainFlags,
  typed: ReadonlySet<string>,
  note: (text: string) => void,
  target: RunTarget,
): Promise<void> {
  const { resume, update } = target;
  /** A flag's value, or undefined on --resume when not typed (the checkpoint's value is kept). */
  const chosen = <K extends keyof TrainFlags>(key: K): TrainFlags[K] | undefined =>
    resume === undefined || typed.has(key) ? flags[key] : undefined;
  const pipeline = createPipeline({ lang: flags.lang, prep: flags.prep });
  for (const notice of pipeline.notices) note(`verbo: note: ${notice}`);
  const lines = openCorpus(inputs, { onWarning: (message) => note(`verbo: warning: ${message}`) });
  const corpus = tokenCorpus(lines, pipeline);
  const progress = createProgress('train', { quiet: flags.quiet });
  const log: string[] = [];
  const onProgress = (event: TrainEvent): void => {
    if (flags.logJson !== undefined) log.push(JSON.stringify({ time: new Date().toISOString(), ...event }));
    switch (event.type) {
      case 'vocab':
        note(
          `verbo: ${event.vocabSize.toLocaleString('en')} words in the vocabulary (${event.rawWords.toLocaleString('en')} tokens per pass, counted in ${event.seconds.toFixed(1)} s)`,
        );
        break;
      case 'start':
        note(
          `verbo: training epochs ${event.firstEpoch}–${event.epochs} on ${event.threads} thread(s); memory ${formatBytes(event.memory.totalBytes)} (weights ${formatBytes(event.memory.weightBytes)}${event.memory.ngramBytes > 0 ? `, of which n-gram buckets ${formatBytes(event.memory.ngramBytes)}: --bucket lowers it` : ''})`,
        );
        break;
      case 'progress':
        progress.update(event.wordsDone / Math.max(1, event.totalWords), {
          epoch: String(event.epoch),
          loss: event.loss.toFixed(4),
          alpha: event.alpha.toFixed(5),
          rate: formatRate(event.wordsPerSecond),
          eta: `${Math.round(event.etaSeconds)} s`,
        });
        break;
      case 'epoch-end':
        // On a terminal the bar shows the loss; a line printed under it would break the bar.
        if (process.stderr.isTTY) break;
        note(
          `verbo: epoch ${event.epoch}: loss ${event.loss.toFixed(4)}, ${formatRate(event.wordsPerSecond)}, ${event.seconds.toFixed(1)} s`,
        );
        break;
      default:
        break;
    }
  };
  // Ctrl-C stops at the next chunk: the temporary files go, the last epoch's checkpoint stays.
  const controller = new AbortController();
  const interrupt = (): void => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    const result = await trainWord2Vec(
      corpus,
      {
        model: chosen('model'),
        ...(flags.model === 'fasttext'
          ? {
              cbow: resume === undefined ? (flags.cbow ?? false) : chosen('cbow'),
              minn: chosen('minn'),
              maxn: chosen('maxn'),
              bucket: chosen('bucket'),
            }
          : {}),
        dim: chosen('dim'),
        window: chosen('window'),
        negative: chosen('negative'),
        hs: resume === undefined ? (flags.hs ?? false) : chosen('hs'),
        minCount: chosen('minCount'),
        sample: chosen('sample'),
        epochs: chosen('epochs'),
        alpha: chosen('alpha'),
        minAlpha: chosen('minAlpha'),
        alphaDecay: chosen('alphaDecay'),
        threads: flags.threads,
        seed: chosen('seed'),
        sigmoid: chosen('sigmoid'),
        cacheIds: flags.idCache ? undefined : false,
        checkpointDir: checkpointDir(staging),
        resume,
        update,
        signal: controller.signal,
      },
      { onProgress },
    ).catch((error: unknown) => {
      if (error instanceof VerboError && error.code === 'ABORTED' && hasCheckpoint(checkpointDir(staging))) {
        throw new VerboError(
          `${error.message} Continue with: verbo train ... --out ${flags.out} --resume ${flags.out}`,
          'ABORTED',
        );
      }
      if (error instanceof VerboError && error.code === 'DIVERGED') {
        const kept = hasCheckpoint(checkpointDir(staging))
          ? ` The last good checkpoint stays in ${staging}.`
          : '';
        const left = existsSync(flags.out)
          ? `${flags.out} was left as it was`
          : `nothing was written to ${flags.out}`;
        throw new DivergedError(`${error.message} ${left}.${kept}`);
      }
      throw error;
    });
    const { state, summary } = result;
    progress.stop();
    const config = await writeModelFiles(staging, {
      vectors: result.keyedVectors,
      config: {
        ...state.options,
        lang: flags.lang,
        prep: flags.prep,
        epochsDone: state.epochsDone,
        corpusWords: state.rawWordsPerEpoch,
      },
      vocabularyCounts: state.vocabulary.counts,
      history: state.history.map((record) => ({ ...record })),
      fastText: {
        args: fastTextArgsOf(state.options),
        output: state.options.negative > 0 ? state.outputWeights : state.hsWeights,
        ntokens: state.rawWordsPerEpoch,
      },
    });
    target.commit(config);
    if (flags.json) {
      printJson({
        words: summary.words,
        epochs: summary.epochs,
        seconds: summary.seconds,
        wordsPerSecond: summary.wordsPerSecond,
        vocabSize: summary.vocabSize,
        loss: summary.loss,
      });
    } else {
      const ngrams = state.options.bucket
        ? ` (+ ${state.options.bucket.toLocaleString('en')} n-gram rows)`
        : '';
      printLine(
        `trained ${summary.vocabSize.toLocaleString('en')} vectors${ngrams} of ${state.options.dim} dims on ${summary.words.toLocaleString('en')} words in ${summary.seconds.toFixed(1)} s (${formatRate(summary.wordsPerSecond)}); model in ${flags.out}`,
      );
    }
  } finally {
    process.removeListener('SIGINT', interrupt);
    progress.stop();
    lines.close();
    if (flags.logJson !== undefined)
      writeFileAtomic(flags.logJson, log.length > 0 ? `${log.join('\n')}\n` : '');
  }
}
