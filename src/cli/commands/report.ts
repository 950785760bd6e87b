// `verbo report MODEL`: one self-contained HTML evaluation report (src/web/report.ts) for word vectors
// and, with --lm, a language model measured on --valid FILE. The evaluation sets of the model's language
// by default (English: shipped in the package; Portuguese: from the shared data folder, skipped with a
// note when absent).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { loadModel } from '../../embeddings/index.js';
import { loadLanguageModel } from '../../seq/index.js';
import { VerboError, writeFileAtomic } from '../../util/index.js';
import { collectReport, readLmHistory, readProgress, renderReport } from '../../web/index.js';
import { parseChoice, parseInteger, printJson, printLine, printNote, printWarning } from '../io.js';

export interface ReportFlags {
  lm?: string;
  valid?: string;
  out?: string;
  lang?: 'en' | 'pt';
  analogies?: string[];
  pairs?: string[];
  words: number;
  maxTokens: number;
  json?: boolean;
}

export async function runReport(model: string, flags: ReportFlags): Promise<string> {
  if (flags.valid !== undefined && flags.lm === undefined) {
    throw new VerboError(
      '--valid needs --lm DIR (the validation text measures a language model).',
      'BAD_ARGUMENT',
    );
  }
  const { vectors, history, config } = await loadModel(model, { onWarning: printWarning });
  const lang = flags.lang ?? (config.lang === 'pt' ? 'pt' : 'en');
  const lm =
    flags.lm === undefined
      ? undefined
      : {
          model: loadLanguageModel(flags.lm),
          path: flags.lm,
          history: readLmHistory(flags.lm),
          progress: readProgress(flags.lm),
          validFile: flags.valid,
          maxTokens: flags.maxTokens,
        };
  const data = await collectReport({
    vectors,
    history,
    progress: statSync(model).isDirectory() ? readProgress(model) : [],
    modelPath: model,
    lang,
    analogies: flags.analogies,
    pairs: flags.pairs,
    mapWords: flags.words,
    lm,
  });
  for (const path of data.missing) printNote(`verbo: note: ${path} not found; skipped in the report.`);
  const out = flags.out ?? (statSync(model).isDirectory() ? join(model, 'report.html') : 'report.html');
  writeFileAtomic(out, renderReport(data));
  if (flags.json) {
    printJson({
      file: out,
      analogies: data.analogies.map(({ file, result }) => ({
        file,
        accuracy: result.accuracy,
        correct: result.correct,
        total: result.total,
        skipped: result.skipped,
      })),
      pairs: data.pairs.map(({ file, result }) => ({
        file,
        spearman: result.spearman,
        pairs: result.pairs,
        oov: result.oov,
      })),
      lm: data.lm?.validation
        ? {
            perplexity: data.lm.validation.perplexity,
            tokens: data.lm.validation.tokens,
            topK: data.lm.validation.accuracy.topK,
          }
        : null,
    });
  } else {
    printLine(`wrote ${out}`);
  }
  return out;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function register(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML evaluation report')
    .argument('<model>', 'model directory written by `verbo train`, or a word2vec .bin/.txt file')
    .option('--lm <dir>', 'also report on this language model')
    .option('--valid <file>', 'validation text for the language model’s perplexity and top-k accuracy')
    .option('--out <file>', 'the HTML file to write (default: MODEL/report.html)')
    .addOption(
      new Option('--lang <lang>', 'evaluation sets: en or pt (default: the model’s language)').argParser(
        parseChoice(['en', 'pt'] as const),
      ),
    )
    .option(
      '--analogies <file>',
      'analogy file (repeatable; default: the sets of the language, see verbo eval --help)',
      collect,
    )
    .option('--pairs <file>', 'word-pair file (repeatable; default: the sets of the language)', collect)
    .option('--words <n>', 'most frequent words on the map', parseInteger(2, 5000), 300)
    .option('--max-tokens <n>', 'validation tokens measured at most', parseInteger(2), 20_000)
    .option('--json', 'print the headline numbers as one JSON object on stdout')
    .action(async (model: string, flags: ReportFlags) => {
      await runReport(model, flags);
    });
}
