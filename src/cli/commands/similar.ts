// `verbo similar <model> <word...>`: the nearest neighbours of each word by cosine similarity, found
// by exact search (the default) or by the HNSW index kept beside a model directory (`--index hnsw`,
// rebuilt and saved when missing or stale; built in memory for a bare .bin/.txt file). A subword
// (fastText) model answers for words outside its vocabulary too, and says so.
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type KeyedVectors,
  loadModel,
  loadModelIndex,
  lookupWord,
  type Neighbor,
} from '../../embeddings/index.js';
import { parseChoice, parseInteger, printJson, printLine, printNote, printWarning } from '../io.js';

export interface SimilarFlags {
  top: number;
  index: 'exact' | 'hnsw';
  minCount?: number;
  match?: string;
  json?: boolean;
}

/** Neighbours as JSON-ready objects (similarity rounded to float32 precision). */
export function neighborsJson(neighbors: Neighbor[]): { word: string; similarity: number }[] {
  return neighbors.map(({ word, similarity }) => ({ word, similarity: Number(similarity.toPrecision(7)) }));
}

/** The note printed under a query word whose vector a subword model built from its character n-grams. */
export const NGRAM_NOTE = 'not in the vocabulary: its vector is built from its character n-grams';

/** Neighbours as aligned text lines, indented by two spaces. */
export function neighborLines(neighbors: Neighbor[]): string[] {
  const width = Math.max(0, ...neighbors.map((n) => n.word.length));
  return neighbors.map(({ word, similarity }) => `  ${word.padEnd(width)}  ${similarity.toFixed(4)}`);
}

/** The words to query: each as asked, or its case variant in the vocabulary (said on stderr). */
export function lookupWords(vectors: KeyedVectors, asked: readonly string[]): string[] {
  return asked.map((word) => {
    const found = lookupWord(vectors, word);
    if (found.note !== undefined) printNote(`verbo: note: ${found.note}`);
    return found.word;
  });
}

export async function runSimilar(model: string, asked: string[], flags: SimilarFlags): Promise<void> {
  const { vectors } = await loadModel(model, { onWarning: printWarning });
  const words = lookupWords(vectors, asked);
  // Look every word up first so an unknown word fails before anything is printed (or built).
  for (const word of words) vectors.vector(word);
  const filters = {
    ...(flags.minCount === undefined ? {} : { minCount: flags.minCount }),
    ...(flags.match === undefined ? {} : { match: flags.match }),
  };
  // Check the filters too before a possibly long index build.
  vectors.mostSimilar({ positive: [words[0]!], topN: 0, ...filters });
  if (flags.index === 'hnsw') {
    if (statSync(model).isDirectory()) {
      loadModelIndex(model, vectors, { onNotice: printNote });
    } else {
      printNote(
        `building an HNSW index in memory for ${vectors.size} words (a bare vector file has no model directory to keep it in)`,
      );
      vectors.useIndex('hnsw');
    }
  } else {
    vectors.useIndex('exact');
  }
  const neighborLists = vectors.mostSimilarBatch(words, { topN: flags.top, ...filters });
  const results = words.map((word, i) => ({
    word,
    builtFromNgrams: vectors.vectorSource(word) === 'ngrams',
    neighbors: neighborLists[i]!,
  }));
  if (flags.json) {
    printJson({
      results: results.map(({ word, builtFromNgrams, neighbors }) => ({
        word,
        builtFromNgrams,
        neighbors: neighborsJson(neighbors),
      })),
    });
    return;
  }
  results.forEach(({ word, builtFromNgrams, neighbors }, i) => {
    if (i > 0) printLine();
    printLine(builtFromNgrams ? `${word}  (${NGRAM_NOTE})` : word);
    for (const line of neighborLines(neighbors)) printLine(line);
  });
}

export function register(program: Command): void {
  program
    .command('similar')
    .description('nearest neighbours of each word by cosine similarity')
    .argument(
      '<model>',
      'model directory written by `verbo train`, a word2vec .bin/.txt file or a fastText .bin',
    )
    .argument('<word...>', 'words to look up')
    .option('--top <n>', 'neighbours per word', parseInteger(1, 100_000), 10)
    .option(
      '--index <kind>',
      'search index: exact, or hnsw (the index saved beside a model directory, built when missing or stale)',
      parseChoice(['exact', 'hnsw'] as const),
      'exact',
    )
    .option(
      '--min-count <n>',
      'only neighbours seen at least n times (needs the counts of a model directory)',
      parseInteger(0),
    )
    .option('--match <regex>', 'only neighbours matching this regular expression')
    .option('--json', 'print one JSON object on stdout')
    .action((model: string, words: string[], flags: SimilarFlags) => runSimilar(model, words, flags));
}
