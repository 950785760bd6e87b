// Starting the embedding from word2vec vectors: a small reader of the word2vec text and binary formats
// (gensim / the C tool) and the copy of the covered rows into the embedding.
//
// TODO(lead): src/embeddings (branch w2v) has the full loader (readWord2Vec, loadModel); swap
// readWord2VecFile for it once both branches are merged. This reader exists only so the LM branch
// does not depend on the embeddings branch.
//
// Formats. Text: a header line "count dim", then "word v1 … vdim" per line. Binary: the same header
// line, then per word: the word's UTF-8 bytes, one space, dim little-endian float32, and (usually) a
// newline. A model directory written by `verbo train` holds vectors.bin.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, VerboError } from '../util/errors.js';
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

/** Reads word2vec vectors, binary or text (told apart by the bytes after the header). */
export function readWord2VecFile(path: string): WordVectors {
  const file = resolveVectorsPath(path);
  const bytes = readFileSync(file);
  const headerEnd = bytes.indexOf(10);
  const header = bytes
    .subarray(0, headerEnd < 0 ? bytes.length : headerEnd)
    .toString('utf8')
    .trim();
  const match = /^(\d+)\s+(\d+)$/.exec(header);
  if (headerEnd < 0 || match === null) {
    throw new FormatError(
      `${file}: expected a word2vec header line "count dim", got '${header.slice(0, 40)}'.`,
    );
  }
  const count = Number(match[1]);
  const dim = Number(match[2]);
  if (dim < 1) throw new FormatError(`${file}: the vector size in the header must be ≥ 1.`);
  const binary = file.endsWith('.bin') || looksBinary(bytes, headerEnd + 1);
  const words: string[] = [];
  const vectors = new Float32Array(count * dim);
  if (binary) {
    let position = headerEnd + 1;
    for (let i = 0; i < count; i++) {
      while (position < bytes.length && (bytes[position] === 10 || bytes[position] === 32)) position++;
      const space = bytes.indexOf(32, position);
      if (space < 0 || space + 1 + 4 * dim > bytes.length) {
        throw new FormatError(`${file}: truncated at word ${i + 1} of ${count}.`);
      }
      words.push(bytes.subarray(position, space).toString('utf8'));
      const start = space + 1;
      const view = new DataView(bytes.buffer, bytes.byteOffset + start, 4 * dim);
      for (let d = 0; d < dim; d++) vectors[i * dim + d] = view.getFloat32(4 * d, true);
      position = start + 4 * dim;
    }
  } else {
    const lines = bytes
      .subarray(headerEnd + 1)
      .toString('utf8')
      .split('\n');
    let i = 0;
    for (const line of lines) {
      const parts = line.trim().split(/\s+/);
      if (parts.length === 1 && parts[0] === '') continue;
      if (i >= count) break;
      if (parts.length !== dim + 1) {
        throw new FormatError(`${file}: line ${i + 2} has ${parts.length - 1} values, expected ${dim}.`);
      }
      words.push(parts[0]!);
      for (let d = 0; d < dim; d++) vectors[i * dim + d] = Number(parts[d + 1]);
      i++;
    }
    if (i < count) throw new FormatError(`${file}: ${i} vectors but the header says ${count}.`);
  }
  return { words, dim, vectors };
}

/** Binary when the first record holds bytes that text vectors never contain. */
function looksBinary(bytes: Uint8Array, start: number): boolean {
  const end = Math.min(bytes.length, start + 4096);
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13)) return true;
  }
  return false;
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
      'BAD_OPTION',
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
