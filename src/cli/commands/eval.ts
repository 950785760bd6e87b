// `verbo eval <model>`: analogy accuracy (questions-words format) and word-pair Spearman rho, with
// gensim's conventions (see src/embeddings/evaluate.ts). Without --analogies/--pairs: the sets of the
// model's language — for English the Google analogies and WordSim-353 shipped in the package, for
// Portuguese the LX analogies from the shared data folder when present. With a subword (fastText) model,
// words outside the vocabulary are scored with their n-gram vectors unless --no-ngrams; the output says
// how many were.
import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  type AnalogyEvaluation,
  type WordPairEvaluation,
  evaluateAnalogiesFile,
  evaluateWordPairsFile,
  loadModel,
} from '../../embeddings/index.js';
import { VerboError } from '../../util/index.js';
import { defaultEvalFiles } from '../../web/index.js';
import { parseChoice, parseInteger, printJson, printLine, printWarning } from '../io.js';

export interface EvalFlags {
  analogies?: string;
  pairs?: string;
  lang?: 'en' | 'pt';
  restrictVocab: number;
  ngrams: boolean;
  json?: boolean;
}

function round(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toFixed(6)) : null;
}

export async function runEval(model: string, flags: EvalFlags): Promise<void> {
  for (const path of [flags.analogies, flags.pairs]) {
    if (path !== undefined && !existsSync(path))
      throw new VerboError(`evaluation file not found: ${path}`, 'ENOENT');
  }
  const { vectors, config } = await loadModel(model, { onWarning: printWarning });
  let analogiesPath = flags.analogies;
  let pairsPath = flags.pairs;
  if (analogiesPath === undefined && pairsPath === undefined) {
    const lang = flags.lang ?? (config.lang === 'pt' ? 'pt' : 'en');
    const defaults = defaultEvalFiles(lang);
    analogiesPath = defaults.analogies.find((path) => existsSync(path));
    pairsPath = defaults.pairs.find((path) => existsSync(path));
    if (analogiesPath === undefined && pairsPath === undefined) {
      throw new VerboError(
        `no ${lang === 'pt' ? 'Portuguese' : 'English'} evaluation files: give --analogies FILE and/or --pairs FILE ` +
          `(looked for ${[...defaults.analogies, ...defaults.pairs].join(', ')}).`,
        'ENOENT',
      );
    }
  }
  const analogies: AnalogyEvaluation | undefined =
    analogiesPath === undefined
      ? undefined
      : await evaluateAnalogiesFile(vectors, analogiesPath, {
          restrictVocab: flags.restrictVocab,
          ngrams: flags.ngrams,
        });
  const pairs: WordPairEvaluation | undefined =
    pairsPath === undefined
      ? undefined
      : await evaluateWordPairsFile(vectors, pairsPath, { ngrams: flags.ngrams });
  // A file none of whose lines could be read is the wrong file, not a score of "0 pairs".
  if (analogies !== undefined && analogies.total + analogies.skipped === 0 && analogies.invalid > 0) {
    throw new VerboError(
      `${analogiesPath}: none of its ${analogies.invalid} question lines is four words ("a b c d", after ": section" lines); is it an analogy file?`,
      'FORMAT',
    );
  }
  if (pairs !== undefined && pairs.pairs + pairs.oov === 0 && pairs.invalid > 0) {
    throw new VerboError(
      `${pairsPath}: none of its ${pairs.invalid} lines is a word pair "w1<TAB>w2<TAB>score"; is it a word-pair file (WordSim-353 format)?`,
      'FORMAT',
    );
  }

  if (flags.json) {
    printJson({
      analogies:
        analogies === undefined
          ? null
          : {
              correct: analogies.correct,
              total: analogies.total,
              skipped: analogies.skipped,
              invalid: analogies.invalid,
              builtFromNgrams: analogies.builtFromNgrams,
              accuracy: round(analogies.accuracy),
              sections: Object.fromEntries(
                Object.entries(analogies.sections).map(([name, s]) => [
                  name,
                  { correct: s.correct, total: s.total, skipped: s.skipped },
                ]),
              ),
              file: analogiesPath,
              restrictVocab: flags.restrictVocab,
            },
      pairs:
        pairs === undefined
          ? null
          : {
              spearman: round(pairs.spearman),
              pairs: pairs.pairs,
              oov: pairs.oov,
              invalid: pairs.invalid,
              builtFromNgrams: pairs.builtFromNgrams,
              pearson: round(pairs.pearson),
              file: pairsPath,
            },
    });
    return;
  }
  if (analogies !== undefined) {
    printLine(`analogies: ${analogiesPath} (top ${flags.restrictVocab} words)`);
    const width = Math.max(...Object.keys(analogies.sections).map((name) => name.length), 5);
    for (const [name, s] of Object.entries(analogies.sections)) {
      const accuracy = s.total > 0 ? (s.correct / s.total).toFixed(4) : '   -  ';
      printLine(`  ${name.padEnd(width)}  ${accuracy}  ${s.correct}/${s.total}  (${s.skipped} skipped)`);
    }
    printLine(
      `  ${'total'.padEnd(width)}  ${analogies.accuracy.toFixed(4)}  ${analogies.correct}/${analogies.total}  (${analogies.skipped} skipped)`,
    );
    if (analogies.invalid > 0) printLine(`  ${analogies.invalid} lines were not four words and were ignored`);
    if (analogies.builtFromNgrams > 0)
      printLine(
        `  ${analogies.builtFromNgrams} scored questions had a word built from its character n-grams`,
      );
  }
  if (pairs !== undefined) {
    printLine(
      `pairs: ${pairsPath}: Spearman rho ${Number.isFinite(pairs.spearman) ? pairs.spearman.toFixed(4) : 'n/a'} over ${pairs.pairs} pairs (${pairs.oov} out of vocabulary${pairs.builtFromNgrams > 0 ? `, ${pairs.builtFromNgrams} with a word built from its character n-grams` : ''}${pairs.invalid > 0 ? `, ${pairs.invalid} unreadable lines ignored` : ''})`,
    );
  }
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('analogy accuracy and word-pair Spearman rho (gensim conventions)')
    .argument('<model>', 'model directory written by `verbo train`, or a word2vec .bin/.txt file')
    .option('--analogies <file>', 'questions-words format file (": section" lines, then "a b c d")')
    .option('--pairs <file>', 'word pairs "w1<TAB>w2<TAB>score" (WordSim-353 format)')
    .addOption(
      new Option(
        '--lang <lang>',
        'default sets: en (Google analogies + WordSim-353, shipped) or pt (LX analogies from ../shared/data); default: the model’s language',
      ).argParser(parseChoice(['en', 'pt'] as const)),
    )
    .option('--restrict-vocab <n>', 'analogies over the n most frequent words', parseInteger(1), 30_000)
    .option(
      '--no-ngrams',
      'subword models: skip words outside the vocabulary instead of building them from their n-grams',
    )
    .option('--json', 'print one JSON object on stdout')
    .action((model: string, flags: EvalFlags) => runEval(model, flags));
}
