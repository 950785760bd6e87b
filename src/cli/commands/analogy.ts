// `verbo analogy <model> <a> <b> <c>`: a is to b as c is to ? (3CosAdd, the query words excluded). With a
// subword (fastText) model a, b and c may lie outside the vocabulary; the answer says which were built
// from their character n-grams.
import type { Command } from 'commander';
import { loadModel } from '../../embeddings/index.js';
import { parseInteger, printJson, printLine, printWarning } from '../io.js';
import { lookupWords, NGRAM_NOTE, neighborLines, neighborsJson } from './similar.js';

export interface AnalogyFlags {
  top: number;
  json?: boolean;
}

export async function runAnalogy(
  model: string,
  a: string,
  b: string,
  c: string,
  flags: AnalogyFlags,
): Promise<void> {
  const { vectors } = await loadModel(model, { onWarning: printWarning });
  [a, b, c] = lookupWords(vectors, [a, b, c]) as [string, string, string];
  const neighbors = vectors.analogy(a, b, c, flags.top);
  const builtFromNgrams = [a, b, c].filter((word) => vectors.vectorSource(word) === 'ngrams');
  if (flags.json) {
    printJson({ neighbors: neighborsJson(neighbors), builtFromNgrams });
    return;
  }
  printLine(`${a} : ${b} :: ${c} : ?`);
  for (const word of builtFromNgrams) printLine(`  (${word}: ${NGRAM_NOTE})`);
  for (const line of neighborLines(neighbors)) printLine(line);
}

export function register(program: Command): void {
  program
    .command('analogy')
    .description('a is to b as c is to ? (most similar to b + c − a)')
    .argument(
      '<model>',
      'model directory written by `verbo train`, a word2vec .bin/.txt file or a fastText .bin',
    )
    .argument('<a>')
    .argument('<b>')
    .argument('<c>')
    .option('--top <n>', 'answers to show', parseInteger(1, 100_000), 5)
    .option('--json', 'print one JSON object on stdout')
    .action((model: string, a: string, b: string, c: string, flags: AnalogyFlags) =>
      runAnalogy(model, a, b, c, flags),
    );
}
