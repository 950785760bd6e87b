// `verbo lm train | eval | predict | generate`: next-word language models. Thin: flags → src/seq → print
// (text, or one JSON object with --json); progress bars on stderr from the trainer's events.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import {
  encodeFiles,
  initEmbeddingFromVectors,
  LanguageModel,
  loadLanguageModel,
  perplexityOfFiles,
  readWord2VecFile,
  trainLanguageModel,
  type TrainProgress,
  type TrainResult,
  vocabularyOfFiles,
  hasLmCheckpoint,
  LM_FORMAT,
  LM_LIMITS,
  lmCheckpointToResume,
  partialLmCheckpointDir,
} from '../../seq/index.js';
import { checkReplaceable, DivergedError, VerboError } from '../../util/index.js';
import { parseChoice, parseInteger, parseNumber, printJson, printLine, printNote } from '../io.js';
import { CurveRecorder, createProgress } from '../progress.js';

interface TrainFlags {
  out: string;
  valid?: string;
  level: 'word' | 'char';
  cell: 'lstm' | 'gru' | 'rnn';
  embed: number;
  hidden: number;
  layers: number;
  bptt: number;
  batch: number;
  epochs?: number;
  maxTokens?: number;
  lr?: number;
  lrDecay?: number;
  decayAfter: number;
  optimizer: 'sgd' | 'adam';
  clip: number;
  dropout: number;
  tie?: boolean;
  vectors?: string;
  freezeVectors?: boolean;
  prep: 'none' | 'default';
  lang: 'en' | 'pt';
  maxSize?: number;
  minCount: number;
  patience: number;
  seed: number;
  resume?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  const lm = program.command('lm').description('next-word language models (RNN / LSTM / GRU)');

  lm.command('train')
    .description('train a language model with truncated backpropagation through time')
    .argument('<input...>', 'training text: files, directories, globs, .gz files, or - for stdin')
    .requiredOption('--out <dir>', 'write the model here (the best one by validation perplexity)')
    .option(
      '--valid <file>',
      'validation text: perplexity after every epoch, best model kept, early stopping',
    )
    .addOption(choice('--level <level>', 'word or char tokens', ['word', 'char'] as const, 'word'))
    .addOption(choice('--cell <cell>', 'recurrent cell', ['lstm', 'gru', 'rnn'] as const, 'lstm'))
    .option(
      '--embed <n>',
      `embedding size (at most ${LM_LIMITS.embed})`,
      parseInteger(1, LM_LIMITS.embed),
      200,
    )
    .option(
      '--hidden <n>',
      `units per recurrent layer (at most ${LM_LIMITS.hidden})`,
      parseInteger(1, LM_LIMITS.hidden),
      200,
    )
    .option('--layers <n>', 'recurrent layers', parseInteger(1, LM_LIMITS.layers), 2)
    .option('--bptt <n>', 'time steps per window (truncated BPTT)', parseInteger(1, LM_LIMITS.bptt), 35)
    .option('--batch <n>', 'parallel streams', parseInteger(1, LM_LIMITS.batch), 20)
    .option(
      '--epochs <n>',
      'passes over the training text (default 1, or as many as --max-tokens needs)',
      parseInteger(1),
    )
    .option('--max-tokens <n>', 'stop after this many training tokens', parseInteger(1))
    .option('--lr <x>', 'initial learning rate (default 1 for sgd, 0.001 for adam)', parseNumber(0))
    .option(
      '--lr-decay <x>',
      'learning-rate factor per epoch after --decay-after (default 0.5 sgd, 1 adam)',
      parseNumber(0),
    )
    .option('--decay-after <n>', 'epochs at the initial learning rate', parseInteger(0), 4)
    .addOption(choice('--optimizer <name>', 'optimizer', ['sgd', 'adam'] as const, 'sgd'))
    .option('--clip <x>', 'clip gradients to this global L2 norm (0: off)', parseNumber(0), 5)
    .option('--dropout <x>', 'dropout between layers', parseNumber(0, 0.99), 0)
    .option('--tie', 'tie the output layer to the embedding (needs --embed = --hidden)')
    .option('--vectors <model>', 'start the embedding from word2vec vectors (model dir or .bin/.txt)')
    .option('--freeze-vectors', 'keep the --vectors embedding fixed during training')
    .addOption(
      choice(
        '--prep <mode>',
        'default: text pipeline; none: split on whitespace',
        ['none', 'default'] as const,
        'default',
      ),
    )
    .addOption(choice('--lang <lang>', 'language of the text', ['en', 'pt'] as const, 'en'))
    .option('--max-size <n>', 'at most this many vocabulary entries (specials included)', parseInteger(3))
    .option('--min-count <n>', 'leave out words seen fewer times', parseInteger(1), 1)
    .option(
      '--patience <n>',
      'stop after this many epochs without a better validation perplexity',
      parseInteger(1),
      3,
    )
    .option('--seed <n>', 'random seed (weights, dropout)', parseInteger(0), 1)
    .option('--resume', 'continue the interrupted run whose checkpoint is in --out')
    .option('--json', 'print {"tokens","seconds","tokensPerSecond","trainPerplexity","validPerplexity"} only')
    .option('--quiet', 'no progress or notes on stderr')
    .action(async (inputs: string[], flags: TrainFlags, command: Command) => {
      // Which flags the user typed (not defaults): a resumed run takes the others from its checkpoint.
      const typed = new Set(Object.keys(flags).filter((key) => command.getOptionValueSource(key) === 'cli'));
      await runTrain(inputs, flags, typed);
    });

  lm.command('eval')
    .description('perplexity of a text under a language model')
    .argument('<model>', 'a model directory written by verbo lm train')
    .argument('<file...>', 'the text')
    .option('--json', 'print {"tokens","perplexity"} only')
    .action(async (modelDir: string, files: string[], flags: { json?: boolean }) => {
      const model = loadLanguageModel(modelDir);
      const result = await perplexityOfFiles(model, files, { onWarning: printNote });
      if (flags.json) printJson({ tokens: result.tokens, perplexity: result.perplexity });
      else {
        printLine(`perplexity ${result.perplexity.toFixed(2)} over ${result.tokens} tokens`);
        if (result.unknownTokens > 0)
          printNote(`${result.unknownTokens} tokens were not in the vocabulary (read as <unk>)`);
      }
    });

  lm.command('predict')
    .description('the most probable next words after a text')
    .argument('<model>', 'a model directory written by verbo lm train')
    .argument('<text>', 'the context, e.g. "the company said"')
    .option('--top <n>', 'how many next words', parseInteger(1), 5)
    .option('--specials', 'also suggest the special tokens <unk> and <eos> (default: words only)')
    .option('--json', 'print {"context","next":[{"word","probability"}]} only')
    .action((modelDir: string, text: string, flags: { top: number; specials?: boolean; json?: boolean }) => {
      const model = loadLanguageModel(modelDir);
      const prediction = model.predict(text, {
        topK: flags.top,
        specials: flags.specials ?? false,
        onWarning: (m) => printNote(`warning: ${m}`),
      });
      if (flags.json) printJson({ context: text, next: prediction.next });
      else
        for (const { word, probability } of prediction.next) printLine(`${word}\t${probability.toFixed(4)}`);
    });

  lm.command('generate')
    .description('sample a continuation of a prompt')
    .argument('<model>', 'a model directory written by verbo lm train')
    .argument('<prompt>', 'the start of the text ("" for none)')
    .option(
      '--tokens <n>',
      `tokens to generate (at most ${LM_LIMITS.generateTokens}; printed as they come)`,
      parseInteger(0, LM_LIMITS.generateTokens),
      50,
    )
    .option(
      '--temperature <x>',
      'softmax temperature (lower: more conservative)',
      parseNumber(Number.MIN_VALUE),
      1,
    )
    .option('--top-k <n>', 'sample among the k most probable tokens (0: all)', parseInteger(0), 0)
    .option('--seed <n>', 'random seed', parseInteger(0), 1)
    .option('--specials', 'also sample <unk> (default: words, and <eos> as a line break)')
    .option('--json', 'print {"prompt","text","tokens"} only')
    .action(
      (
        modelDir: string,
        prompt: string,
        flags: {
          tokens: number;
          temperature: number;
          topK: number;
          seed: number;
          specials?: boolean;
          json?: boolean;
        },
      ) => {
        const model = loadLanguageModel(modelDir);
        // Text output streams: the prompt, then each token as it is drawn.
        let started = false;
        const stream = (token: string, piece: string): void => {
          if (!started) {
            started = true;
            const separator = model.config.level === 'char' || prompt === '' || token === '<eos>' ? '' : ' ';
            process.stdout.write(`${prompt}${separator}${piece}`);
          } else process.stdout.write(piece);
        };
        const generation = model.generate(prompt, {
          tokens: flags.tokens,
          temperature: flags.temperature,
          topK: flags.topK,
          seed: flags.seed,
          specials: flags.specials ?? false,
          onWarning: (m) => printNote(`warning: ${m}`),
          ...(flags.json ? {} : { onToken: stream }),
        });
        if (flags.json) printJson({ prompt, text: generation.text, tokens: generation.tokens });
        else printLine(started ? '' : prompt);
      },
    );
}

function choice<T extends string>(
  flag: string,
  description: string,
  choices: readonly T[],
  fallback: T,
): Option {
  return new Option(flag, `${description} (${choices.join(' | ')})`)
    .argParser(parseChoice(choices))
    .default(fallback);
}

async function runTrain(inputs: string[], flags: TrainFlags, typed: ReadonlySet<string>): Promise<void> {
  const note = flags.quiet ? () => {} : printNote;
  checkReplaceable(flags.out, LM_FORMAT); // before the vocabulary is counted: never over another kind
  /** A flag's value, or undefined on --resume when not typed (the checkpoint's value is kept). */
  const chosen = <K extends keyof TrainFlags>(key: K): TrainFlags[K] | undefined =>
    !flags.resume || typed.has(key) ? flags[key] : undefined;
  if (flags.freezeVectors && flags.vectors === undefined) {
    throw new VerboError('--freeze-vectors needs --vectors MODEL.', 'BAD_ARGUMENT');
  }
  const text = { level: flags.level, prep: flags.prep, lang: flags.lang };
  let model: LanguageModel;
  if (flags.resume) {
    // The checkpoint fixes the architecture and the vocabulary (ids must not move).
    const checkpoint = lmCheckpointToResume(flags.out);
    if (!hasLmCheckpoint(checkpoint)) {
      throw new VerboError(
        `nothing to resume: ${checkpoint} holds no checkpoint; train without --resume first.`,
        'ENOENT',
      );
    }
    model = loadLanguageModel(checkpoint);
    checkTypedArchitecture(model, flags, typed, checkpoint);
    note(`resuming from ${checkpoint}`);
  } else {
    const vocab = await vocabularyOfFiles(inputs, text, {
      maxSize: flags.maxSize,
      minCount: flags.minCount,
      onWarning: note,
    });
    model = new LanguageModel(vocab, {
      ...text,
      cell: flags.cell,
      embed: flags.embed,
      hidden: flags.hidden,
      layers: flags.layers,
      dropout: flags.dropout,
      tieWeights: flags.tie ?? false,
      seed: flags.seed,
    });
    if (flags.vectors !== undefined) {
      const coverage = initEmbeddingFromVectors(model, await readWord2VecFile(flags.vectors));
      if (flags.freezeVectors) model.freezeEmbedding(true);
      note(
        `vectors: ${coverage.covered} of ${coverage.total} vocabulary words (${(coverage.fraction * 100).toFixed(1)}%) ` +
          `start from ${flags.vectors}${flags.freezeVectors ? ' (frozen)' : ''}`,
      );
    }
  }
  const train = await encodeFiles(inputs, model.config, model.vocab, { onWarning: note });
  const valid =
    flags.valid === undefined
      ? undefined
      : await encodeFiles([flags.valid], model.config, model.vocab, { onWarning: note });
  note(
    `vocabulary ${model.vocab.size} · ${model.countParameters().toLocaleString('en-US')} parameters · ` +
      `${train.ids.length} training tokens${valid ? ` · ${valid.ids.length} validation tokens` : ''}`,
  );
  const progress = createProgress('lm train', { quiet: flags.quiet });
  const curve = new CurveRecorder();
  const onProgress = (event: TrainProgress): void => {
    if (event.phase === 'train') curve.add(event.tokens, event.perplexity);
    const fields = {
      epoch: `${event.epoch}/${event.epochs}`,
      ppl: event.perplexity.toFixed(1),
      loss: event.loss.toFixed(3),
      rate: `${Math.round(event.tokensPerSecond)} tok/s`,
      eta: formatSeconds(event.etaSeconds),
    };
    progress.update(event.fraction, fields);
    if (event.phase === 'epoch') {
      const valid =
        event.validPerplexity === undefined
          ? ''
          : ` · valid perplexity ${event.validPerplexity.toFixed(2)}${event.improved ? ' (best)' : ''}`;
      note(
        `epoch ${event.epoch}/${event.epochs}: train perplexity ${event.perplexity.toFixed(2)}${valid} · lr ${event.learningRate}`,
      );
    }
  };
  let result: Awaited<ReturnType<typeof trainLanguageModel>>;
  try {
    result = await trainLanguageModel(model, train.ids, {
      bptt: chosen('bptt'),
      batch: chosen('batch'),
      epochs: epochsToRun(flags, train.ids.length),
      maxTokens: flags.maxTokens,
      optimizer: chosen('optimizer'),
      learningRate: flags.lr,
      lrDecay: flags.lrDecay,
      decayAfter: chosen('decayAfter'),
      clip: chosen('clip'),
      seed: chosen('seed'),
      validIds: valid?.ids,
      patience: flags.patience,
      outDir: flags.out,
      resume: flags.resume,
      onProgress,
      progressEvery: 0,
      extraFiles: (run) => curveFiles(flags.out, run, curve.points, flags.resume ?? false),
    });
  } catch (error) {
    if (error instanceof VerboError && error.code === 'DIVERGED') {
      const partial = partialLmCheckpointDir(flags.out);
      const kept = hasLmCheckpoint(partial) ? ` The last good checkpoint stays in ${partial}.` : '';
      const left = existsSync(flags.out)
        ? `${flags.out} was left as it was`
        : `nothing was written to ${flags.out}`;
      throw new DivergedError(`${error.message} ${left}.${kept}`);
    }
    throw error;
  } finally {
    progress.stop();
  }
  if (flags.json) {
    printJson({
      tokens: result.tokens,
      seconds: result.seconds,
      tokensPerSecond: result.tokensPerSecond,
      trainPerplexity: result.trainPerplexity,
      validPerplexity: result.validPerplexity ?? null,
    });
  } else {
    const validText =
      result.validPerplexity === undefined ? '' : `, valid perplexity ${result.validPerplexity.toFixed(2)}`;
    printLine(
      `trained on ${result.tokens} tokens in ${result.seconds.toFixed(1)} s (${Math.round(result.tokensPerSecond)} tokens/s): ` +
        `train perplexity ${result.trainPerplexity.toFixed(2)}${validText}; model in ${flags.out}`,
    );
    if (result.stoppedEarly)
      note(`stopped early: no better validation perplexity for ${flags.patience} epochs`);
  }
}

/** The architecture flags typed on --resume must be the checkpoint's (it fixes the architecture). */
function checkTypedArchitecture(
  model: LanguageModel,
  flags: TrainFlags,
  typed: ReadonlySet<string>,
  checkpoint: string,
): void {
  const config = model.config;
  const pairs: [string, keyof TrainFlags, unknown][] = [
    ['--level', 'level', config.level],
    ['--cell', 'cell', config.cell],
    ['--embed', 'embed', config.embed],
    ['--hidden', 'hidden', config.hidden],
    ['--layers', 'layers', config.layers],
    ['--dropout', 'dropout', config.dropout],
    ['--tie', 'tie', config.tieWeights],
    ['--prep', 'prep', config.prep],
    ['--lang', 'lang', config.lang],
  ];
  const differences = pairs
    .filter(([, key, saved]) => typed.has(key) && flags[key] !== saved)
    .map(([flag, key, saved]) => `${flag} ${String(flags[key])} (the checkpoint has ${String(saved)})`);
  if (differences.length > 0) {
    throw new VerboError(
      `--resume: ${differences.join(', ')}; the checkpoint in ${checkpoint} fixes the architecture. Leave those flags out, or start a new run without --resume.`,
      'MISMATCH',
    );
  }
}

/**
 * history.json (every epoch, a resumed run's earlier ones included) and progress.json ([tokens,
 * perplexity so far in the epoch]) to write beside the model, for `verbo plot --lm`, `verbo report` and
 * the page. A resumed run's curve continues the one of the run it resumes.
 */
function curveFiles(
  dir: string,
  run: { history: TrainResult['history']; tokens: number },
  points: [number, number][],
  resumed: boolean,
): Record<string, string> {
  const { history } = run;
  const offset = history.reduce((sum, record) => sum + record.tokens, 0) - run.tokens;
  let earlier: [number, number][] = [];
  if (resumed && offset > 0) {
    try {
      const value = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')) as unknown;
      if (Array.isArray(value))
        earlier = (value as [number, number][]).filter(([tokens]) => tokens <= offset);
    } catch {
      // no earlier curve: this run's alone
    }
  }
  const curve = [...earlier, ...points.map(([tokens, value]): [number, number] => [tokens + offset, value])];
  return {
    'history.json': `${JSON.stringify(history, null, 2)}\n`,
    'progress.json': `${JSON.stringify(curve)}\n`,
  };
}

/**
 * The epochs to run: --epochs (default 1), or with --max-tokens as many as that many tokens need and no
 * more, so that the progress says "epoch 1/1" when the budget ends inside the first pass. An epoch walks
 * ⌊(⌊ids / batch⌋ − 1) / bptt⌋ full windows of bptt steps in each of the batch streams (src/seq/data.ts).
 */
export function epochsToRun(
  flags: Pick<TrainFlags, 'epochs' | 'maxTokens' | 'batch' | 'bptt'>,
  trainTokens: number,
): number {
  if (flags.maxTokens === undefined) return flags.epochs ?? 1;
  const windows = Math.floor((Math.floor(trainTokens / flags.batch) - 1) / flags.bptt);
  const tokensPerEpoch = Math.max(1, windows * flags.bptt * flags.batch);
  const needed = Math.max(1, Math.ceil(flags.maxTokens / tokensPerEpoch));
  return flags.epochs === undefined ? needed : Math.min(flags.epochs, needed);
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}
