// Choosing and persisting an index for a set of word vectors: createIndex picks exact search below a
// size threshold (exact answers, no build time) and HNSW above it; buildIndexFiles / loadIndexFiles
// keep an HNSW index beside a model (in its directory, or at a path prefix), rebuilding a stale one.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VerboError } from '../util/errors.js';
import { ExactIndex, type ExactIndexOptions } from './exact.js';
import { HnswIndex, type HnswOptions, sidecarPath } from './hnsw.js';
import type { KnnIndex, NoticeCallback, VectorsInput } from './types.js';

export type IndexKind = 'auto' | 'exact' | 'hnsw';

/** Below this many words 'auto' chooses exact search: a scan of 100k × 100 takes a few milliseconds. */
export const DEFAULT_EXACT_THRESHOLD = 100_000;

export interface CreateIndexOptions {
  kind?: IndexKind;
  /** 'auto' uses ExactIndex below this many words, HnswIndex from it on (default 100,000). */
  exactThreshold?: number;
  /** Word counts (same order as words), for `filter: { minCount }`. */
  counts?: ArrayLike<number>;
  exact?: ExactIndexOptions;
  hnsw?: HnswOptions;
  onNotice?: NoticeCallback;
}

/** Which kind 'auto' resolves to for `size` words. */
export function chooseIndexKind(
  size: number,
  kind: IndexKind = 'auto',
  exactThreshold = DEFAULT_EXACT_THRESHOLD,
): 'exact' | 'hnsw' {
  if (kind !== 'auto' && kind !== 'exact' && kind !== 'hnsw') {
    throw new VerboError(
      `index kind must be 'auto', 'exact' or 'hnsw', got '${String(kind)}'`,
      'BAD_ARGUMENT',
    );
  }
  if (kind !== 'auto') return kind;
  return size < exactThreshold ? 'exact' : 'hnsw';
}

/** An index over `words` with `vectors` (flat words.length × dim, or one array per word). */
export function createIndex(
  words: readonly string[],
  vectors: VectorsInput,
  dim: number,
  options: CreateIndexOptions = {},
): KnnIndex {
  const kind = chooseIndexKind(words.length, options.kind, options.exactThreshold);
  const index: KnnIndex =
    kind === 'exact'
      ? new ExactIndex(dim, options.exact)
      : new HnswIndex(dim, {
          onNotice: options.onNotice,
          ...options.hnsw,
          capacity: Math.max(words.length, 16),
        });
  index.add(words, vectors, options.counts === undefined ? {} : { counts: options.counts });
  return index;
}

/** Where an HNSW index lives for `location`: `<dir>/index.hnsw` for a directory, else the path itself. */
export function indexFilePath(location: string): string {
  const isDirectory = location.endsWith('/') || (existsSync(location) && statSync(location).isDirectory());
  return isDirectory ? join(location, 'index.hnsw') : location;
}

/** Whether an HNSW index (graph and sidecar) is saved at `location`. */
export function indexFilesExist(location: string): boolean {
  const path = indexFilePath(location);
  return existsSync(path) && existsSync(sidecarPath(path));
}

export interface BuildIndexFilesResult {
  index: HnswIndex;
  /** The graph file; the sidecar is `${path}.json`. */
  path: string;
  seconds: number;
}

/** Builds an HNSW index over the vectors and saves it (graph + sidecar) at `location`. */
export function buildIndexFiles(
  location: string,
  words: readonly string[],
  vectors: VectorsInput,
  dim: number,
  options: HnswOptions & { counts?: ArrayLike<number> } = {},
): BuildIndexFilesResult {
  const started = performance.now();
  const path = indexFilePath(location);
  const index = new HnswIndex(dim, { ...options, capacity: Math.max(words.length, 16) });
  index.add(words, vectors, options.counts === undefined ? {} : { counts: options.counts });
  index.save(path);
  return { index, path, seconds: (performance.now() - started) / 1000 };
}

export interface LoadIndexFilesOptions extends CreateIndexOptions {
  /** Write a rebuilt (stale) index back to disk; default true. */
  saveRebuilt?: boolean;
}

/**
 * The index a model should search with. kind 'hnsw', or 'auto' with a saved index present: load the
 * saved HNSW index, checking it against the vectors (a stale one is rebuilt, saved and reported through
 * onNotice); kind 'hnsw' with nothing saved builds and saves one. Otherwise createIndex (exact for
 * small vocabularies).
 */
export function loadIndexFiles(
  location: string,
  words: readonly string[],
  vectors: VectorsInput,
  dim: number,
  options: LoadIndexFilesOptions = {},
): KnnIndex {
  const kind = options.kind ?? 'auto';
  const saved = indexFilesExist(location);
  if (kind === 'exact' || (kind === 'auto' && !saved)) return createIndex(words, vectors, dim, options);
  const path = indexFilePath(location);
  const hnswOptions: HnswOptions = { onNotice: options.onNotice, ...options.hnsw };
  if (!saved) {
    options.onNotice?.(
      `no HNSW index at ${path}; building one for ${words.length} words (saved for next time)`,
    );
    return buildIndexFiles(location, words, vectors, dim, { ...hnswOptions, counts: options.counts }).index;
  }
  let rebuilt = false;
  const index = HnswIndex.load(path, {
    ...hnswOptions,
    words,
    vectors,
    counts: options.counts,
    onNotice: (message) => {
      rebuilt = true;
      options.onNotice?.(message);
    },
  });
  if (rebuilt && (options.saveRebuilt ?? true)) index.save(path);
  return index;
}

/** Reads an index saved by ExactIndex.save or HnswIndex.save (an HNSW graph has its `.json` sidecar beside it). */
export function loadIndex(
  path: string,
  options: { exact?: ExactIndexOptions; hnsw?: HnswOptions } = {},
): KnnIndex {
  if (existsSync(sidecarPath(path))) return HnswIndex.load(path, options.hnsw);
  return ExactIndex.load(path, options.exact);
}
