// Starting the embedding from word2vec vectors: reading them (a word2vec text or binary file, or a
// model directory written by `verbo train`, through src/embeddings' reader) and copying the covered
// rows into the embedding.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readWord2Vec } from '../embeddings/index.js';
import { VerboError } from '../util/errors.js';
import type { LanguageModel } from './model.js';

export interface WordVectors {
  words: string[];
  dim: number;
  /** [words, dim] row-major */
  vectors: Float32Array;
}

/** Resolves a vectors argument: a model directory (its vectors.bin) or a .bin / .txt / .vec file. */
export function resolveVectorsPath(path: string): string {
  if (!existsSync(path)) {
    throw new VerboError(
      `vectors '${path}' do not exist; give a model directory written by verbo train or a word2vec .bin/.txt file.`,
      'ENOENT',
    );
  }
  if (statSync(path).isDirectory()) {
    const inside = join(path, 'vectors.bin');
    if (!existsSync(inside)) {
      throw new VerboError(
        `'${path}' holds no vectors.bin; is it a model directory written by verbo train?`,
        'ENOENT',
      );
    }
    return inside;
  }
  return path;
}

/**
 * Reads word2vec vectors (binary or text, told apart by content; or a model directory's vectors.bin)
 * through src/embeddings' validated reader.
 */
export async function readWord2VecFile(path: string): Promise<WordVectors> {
  const file = await readWord2Vec(resolveVectorsPath(path));
  const { words, vectors, dim } = file.vectors;
  return { words: [...words], dim, vectors };
}

export interface VectorCoverage {
  /** Vocabulary entries (specials excluded) whose row came from the vectors. */
  covered: number;
  /** Vocabulary entries, specials excluded. */
  total: number;
  /** covered / total */
  fraction: number;
  /** A few vocabulary words without a vector. */
  missingExamples: string[];
}

/**
 * Copies the vectors of the words the model knows into its embedding (other rows keep their random
 * start). The sizes must match: train the LM with --embed equal to the vectors' size.
 */
export function initEmbeddingFromVectors(model: LanguageModel, vectors: WordVectors): VectorCoverage {
  const dim = model.config.embed;
  if (vectors.dim !== dim) {
    throw new VerboError(
      `the vectors have ${vectors.dim} dimensions but the embedding has ${dim}; set --embed ${vectors.dim}.`,
      'BAD_ARGUMENT',
    );
  }
  const rows = new Map<string, number>();
  vectors.words.forEach((word, i) => {
    if (!rows.has(word)) rows.set(word, i);
  });
  const table = model.embedding.data;
  const specials = new Set(model.vocab.specials);
  let covered = 0;
  let total = 0;
  const missing: string[] = [];
  model.vocab.words.forEach((word, id) => {
    if (specials.has(word)) return;
    total++;
    const row = rows.get(word);
    if (row === undefined) {
      if (missing.length < 10) missing.push(word);
      return;
    }
    table.set(vectors.vectors.subarray(row * dim, (row + 1) * dim), id * dim);
    covered++;
  });
  return { covered, total, fraction: total > 0 ? covered / total : 0, missingExamples: missing };
}
