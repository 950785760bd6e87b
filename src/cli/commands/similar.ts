// `verbo similar <model> <word...>`: the nearest neighbours of each word by cosine similarity.
import type { Command } from 'commander';
import { loadModel } from '../../embeddings/index.js';
import type { Neighbor } from '../../embeddings/index.js';
import { VerboError } from '../../util/errors.js';
import { parseChoice, parseInteger, printJson, printLine } from '../io.js';

export interface SimilarFlags {
  top: number;
  index: 'exact' | 'hnsw';
  json?: boolean;
}

/** Neighbours as JSON-ready objects (similarity rounded to float32 precision). */
export function neighborsJson(neighbors: Neighbor[]): { word: string; similarity: number }[] {
  return neighbors.map(({ word, similarity }) => ({ word, similarity: Number(similarity.toPrecision(7)) }));
}

/** Neighbours as aligned text lines, indented by two spaces. */
export function neighborLines(neighbors: Neighbor[]): string[] {
  const width = Math.max(0, ...neighbors.map((n) => n.word.length));
  return neighbors.map(({ word, similarity }) => `  ${word.padEnd(width)}  ${similarity.toFixed(4)}`);
}

export async function runSimilar(model: string, words: string[], flags: SimilarFlags): Promise<void> {
  if (flags.index === 'hnsw') {
    throw new VerboError(
      '--index hnsw is not available yet in this build (the search module is not merged); use --index exact.',
    );
  }
  const { vectors } = await loadModel(model);
  // Look every word up first so an unknown word fails before anything is printed.
  for (const word of words) vectors.index(word);
  const results = words.map((word) => ({
    word,
    neighbors: vectors.mostSimilar({ positive: [word], topN: flags.top }),
  }));
  if (flags.json) {
    printJson({
      results: results.map(({ word, neighbors }) => ({ word, neighbors: neighborsJson(neighbors) })),
    });
    return;
  }
  results.forEach(({ word, neighbors }, i) => {
    if (i > 0) printLine();
    printLine(word);
    for (const line of neighborLines(neighbors)) printLine(line);
  });
}

export function register(program: Command): void {
  program
    .command('similar')
    .description('nearest neighbours of each word by cosine similarity')
    .argument('<model>', 'model directory written by `verbo train`, or a word2vec .bin/.txt file')
    .argument('<word...>', 'words to look up')
    .option('--top <n>', 'neighbours per word', parseInteger(1, 100_000), 10)
    .option('--index <kind>', 'search index: exact | hnsw', parseChoice(['exact', 'hnsw'] as const), 'exact')
    .option('--json', 'print one JSON object on stdout')
    .action((model: string, words: string[], flags: SimilarFlags) => runSimilar(model, words, flags));
}
