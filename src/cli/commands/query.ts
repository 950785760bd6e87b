// `verbo query <model>`: a query loop for scripts. Reads stdin line by line and answers each line with
// one JSON line on stdout. A line is either words ("king" → its neighbours; "king queen" → the neighbours
// of their mean) or a JSON request:
//   {"similar": "word", "top": 5}          → {"word": w, "neighbors": [...]}
//   {"analogy": ["a", "b", "c"], "top": 5} → {"analogy": [...], "neighbors": [...]}
//   {"similarity": ["a", "b"]}             → {"words": [...], "similarity": x}
//   {"doesntMatch": ["a", "b", "c"]}        → {"words": [...], "doesntMatch": w}
// A bad request answers {"error": "..."} (with "word" and "suggestions" for an unknown word) and the
// loop goes on. With a subword (fastText) model, words outside the vocabulary get vectors from their
// character n-grams; an answer that used one lists such words in "builtFromNgrams".
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { type KeyedVectors, loadModel, lookupWord } from '../../embeddings/index.js';
import { parseFailure, shown, UnknownWordError, VerboError } from '../../util/index.js';
import { parseInteger, printJson, printWarning } from '../io.js';
import { neighborsJson } from './similar.js';

/** The most neighbours one request may ask for ("top", and --top). */
export const QUERY_TOP_MAX = 100_000;

export interface QueryFlags {
  top: number;
}

function wordList(value: unknown, key: string, length?: number): string[] {
  if (
    !Array.isArray(value) ||
    value.some((w) => typeof w !== 'string') ||
    (length !== undefined && value.length !== length)
  ) {
    const expected = length === undefined ? 'a list of words' : `a list of ${length} words`;
    throw new VerboError(
      `"${key}" must be ${expected}, got ${shown(JSON.stringify(value) ?? String(value))}.`,
    );
  }
  return value as string[];
}

/**
 * Answers one input line (already trimmed, non-empty). A word found only in another case is used in
 * the vocabulary's case, and the answer carries "warnings" that say so.
 */
export function answerQuery(vectors: KeyedVectors, line: string, defaultTop: number): object {
  const warnings: string[] = [];
  const built: string[] = [];
  const lookup = (word: string): string => {
    const found = lookupWord(vectors, word);
    if (found.note !== undefined) warnings.push(found.note);
    if (vectors.vectorSource(found.word) === 'ngrams' && !built.includes(found.word)) built.push(found.word);
    return found.word;
  };
  const answer = answerRequest(vectors, line, defaultTop, lookup);
  return {
    ...answer,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(built.length > 0 ? { builtFromNgrams: built } : {}),
  };
}

function answerRequest(
  vectors: KeyedVectors,
  line: string,
  defaultTop: number,
  lookup: (word: string) => string,
): object {
  if (!line.startsWith('{')) {
    const words = line.split(/\s+/).map(lookup);
    const neighbors = neighborsJson(vectors.mostSimilar({ positive: words, topN: defaultTop }));
    return words.length === 1 ? { word: words[0], neighbors } : { words, neighbors };
  }
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(line);
  } catch (error) {
    throw new VerboError(`not valid JSON: ${parseFailure(error)}`);
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new VerboError('a request must be a JSON object such as {"similar": "word", "top": 5}.');
  }
  const top = request.top ?? defaultTop;
  if (typeof top !== 'number' || !Number.isInteger(top) || top < 1 || top > QUERY_TOP_MAX) {
    throw new VerboError(
      `"top" must be a whole number from 1 to ${QUERY_TOP_MAX}, got ${shown(JSON.stringify(request.top) ?? String(request.top))}.`,
    );
  }
  if ('similar' in request) {
    if (typeof request.similar !== 'string')
      throw new VerboError(`"similar" must be a word, got ${JSON.stringify(request.similar)}.`);
    const word = lookup(request.similar);
    return { word, neighbors: neighborsJson(vectors.mostSimilar({ positive: [word], topN: top })) };
  }
  if ('analogy' in request) {
    const [a, b, c] = wordList(request.analogy, 'analogy', 3).map(lookup) as [string, string, string];
    return { analogy: [a, b, c], neighbors: neighborsJson(vectors.analogy(a, b, c, top)) };
  }
  if ('similarity' in request) {
    const [a, b] = wordList(request.similarity, 'similarity', 2).map(lookup) as [string, string];
    return { words: [a, b], similarity: Number(vectors.similarity(a, b).toPrecision(7)) };
  }
  if ('doesntMatch' in request) {
    const words = wordList(request.doesntMatch, 'doesntMatch').map(lookup);
    return { words, doesntMatch: vectors.doesntMatch(words) };
  }
  throw new VerboError(
    `unknown request ${JSON.stringify(Object.keys(request))}: use "similar", "analogy", "similarity" or "doesntMatch".`,
  );
}

/** The answer to a line that failed: one JSON error line; the loop goes on whatever the failure. */
function errorAnswer(error: unknown): object {
  if (error instanceof UnknownWordError)
    return { error: error.message, code: error.code, word: error.word, suggestions: error.suggestions };
  if (error instanceof VerboError && error.code !== 'INTERNAL')
    return { error: error.message, code: error.code };
  return {
    error: `internal error: ${shown((error as Error)?.message ?? String(error), 200)}`,
    code: 'INTERNAL',
  };
}

export async function runQuery(model: string, flags: QueryFlags): Promise<void> {
  const { vectors } = await loadModel(model, { onWarning: printWarning });
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const rawLine of lines) {
    const line = rawLine.trim();
    if (line === '') continue;
    let answer: object;
    try {
      answer = answerQuery(vectors, line, flags.top);
    } catch (error) {
      answer = errorAnswer(error);
    }
    printJson(answer);
  }
}

export function register(program: Command): void {
  program
    .command('query')
    .description('answer words or JSON requests read line by line from stdin, one JSON line each')
    .argument('<model>', 'model directory written by `verbo train`, or a word2vec .bin/.txt file')
    .option('--top <n>', 'neighbours when a request gives no "top"', parseInteger(1, QUERY_TOP_MAX), 10)
    .action((model: string, flags: QueryFlags) => runQuery(model, flags));
}
