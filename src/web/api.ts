// The JSON API behind `verbo serve`, as plain functions of (app, request) → response, so every route and
// every bad input is testable without a socket. The HTTP server (server.ts) only reads the body (with
// its size limit) and writes what these functions return.
//
// Routes: GET /api/health, GET /api/similar?word=&top=, GET /api/analogy?a=&b=&c=&top=,
// POST /api/predict {"text", "top"}, GET /api/map?n=, GET /api/history; anything else is a static file.
// Errors are JSON objects {"error": message, "code": kind, ...}: 400 bad input, 404 unknown word or
// route (with "word" and "suggestions"), 405 wrong method (with an Allow header), 413 too large a body,
// 500 anything unexpected (the server keeps running).
import type { KeyedVectors, Neighbor } from '../embeddings/index.js';
import { lookupWord, type Projection2D, pca2d, SubwordVectors, umap2d } from '../embeddings/index.js';
import type { LanguageModel } from '../seq/index.js';
import { parseFailure, UnknownWordError, VerboError } from '../util/index.js';
import { serveStatic } from './static.js';

/** Everything the server answers from: the loaded models, their histories, the static folder. */
export interface WebApp {
  vectors?: KeyedVectors;
  /** The word2vec model's per-epoch history (history.json). */
  history: object[];
  lm?: LanguageModel;
  /** The language model's per-epoch history (history.json beside it, or its config's training summary). */
  lmHistory: object[];
  /** Finer training curves when recorded (progress.json beside a model, written by `verbo demo`). */
  progress: TrainingCurves;
  /** Folder of index.html, app.js, style.css. */
  staticDir: string;
  /** Projections already computed, by number of words. */
  mapCache: Map<string, MapResponse>;
}

/** Loss measured during training, finer than per epoch: [words or tokens seen, value] points. */
export interface TrainingCurves {
  /** [words trained, mean loss so far in the epoch]. */
  word2vec: [number, number][];
  /** [tokens trained, perplexity so far in the epoch]. */
  lm: [number, number][];
}

export interface ApiRequest {
  method: string;
  /** The raw request target, e.g. "/api/similar?word=king&top=5". */
  url: string;
  body?: Uint8Array | string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export interface MapResponse {
  words: string[];
  /** [x, y] per word, most frequent word first. */
  points: [number, number][];
  counts: number[] | null;
  /** How the points were made: 'pca' (linear, axes are principal components) or 'umap'. */
  method: MapMethod;
  /** Fraction of the variance along each PCA axis; null for UMAP. */
  explainedRatio: [number, number] | null;
}

export type MapMethod = 'pca' | 'umap';
export const MAP_METHODS: readonly MapMethod[] = ['pca', 'umap'];

export const LIMITS = {
  /** Request bodies larger than this are refused with 413. */
  bodyBytes: 16 * 1024,
  /** Longest word accepted in a query. */
  wordLength: 100,
  /** Longest text accepted by /api/predict. */
  textLength: 2000,
  /** Longest request target. */
  urlLength: 4096,
  topMax: 100,
  mapMin: 2,
  mapMax: 5000,
  mapDefault: 500,
} as const;

/** Projections kept in WebApp.mapCache. */
const MAP_CACHE_SIZE = 8;

/**
 * A request the API refuses: status, message, the API's machine-readable code (the "code" of the JSON
 * answer, e.g. 'BAD_JSON') and extra fields. A VerboError like every error of the library: its `code`
 * is the ErrorCode kind of the refusal.
 */
export class HttpError extends VerboError {
  readonly status: number;
  /** The code of the JSON answer. */
  readonly apiCode: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    apiCode: string,
    message: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(
      message,
      status === 404
        ? apiCode === 'UNKNOWN_WORD'
          ? 'UNKNOWN_WORD'
          : 'ENOENT'
        : status === 413
          ? 'TOO_LARGE'
          : 'BAD_ARGUMENT',
    );
    this.name = 'HttpError';
    this.status = status;
    this.apiCode = apiCode;
    this.extra = extra;
    this.headers = headers;
  }
}

export function createWebApp(options: {
  vectors?: KeyedVectors;
  history?: object[];
  lm?: LanguageModel;
  lmHistory?: object[];
  progress?: Partial<TrainingCurves>;
  staticDir: string;
}): WebApp {
  return {
    vectors: options.vectors,
    history: options.history ?? [],
    lm: options.lm,
    lmHistory: options.lmHistory ?? [],
    progress: { word2vec: options.progress?.word2vec ?? [], lm: options.progress?.lm ?? [] },
    staticDir: options.staticDir,
    mapCache: new Map(),
  };
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): ApiResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: `${JSON.stringify(value)}\n` };
}

export function errorResponse(error: HttpError): ApiResponse {
  return jsonResponse(
    error.status,
    { error: error.message, code: error.apiCode, ...error.extra },
    error.headers,
  );
}

type Route = {
  method: 'GET' | 'POST';
  handle: (app: WebApp, query: URLSearchParams, body: unknown) => unknown;
};

const ROUTES: Record<string, Route> = {
  '/api/health': { method: 'GET', handle: health },
  '/api/similar': { method: 'GET', handle: similar },
  '/api/analogy': { method: 'GET', handle: analogy },
  '/api/predict': { method: 'POST', handle: predict },
  '/api/map': { method: 'GET', handle: map },
  '/api/history': { method: 'GET', handle: history },
};

/** Answers one request. Never throws: unexpected failures become a 500 JSON error. */
export async function handleRequest(app: WebApp, request: ApiRequest): Promise<ApiResponse> {
  try {
    return await route(app, request);
  } catch (error) {
    if (error instanceof HttpError) return errorResponse(error);
    if (error instanceof VerboError && error.code !== 'INTERNAL') {
      return jsonResponse(error.code === 'TOO_LARGE' ? 413 : 400, { error: error.message, code: error.code });
    }
    const message = error instanceof Error ? error.message : String(error);
    return jsonResponse(500, { error: `internal error: ${message}`, code: 'INTERNAL' });
  }
}

async function route(app: WebApp, request: ApiRequest): Promise<ApiResponse> {
  const method = request.method.toUpperCase();
  if (request.url.length > LIMITS.urlLength) {
    throw new HttpError(
      414,
      'URI_TOO_LONG',
      `the request target is longer than ${LIMITS.urlLength} characters.`,
    );
  }
  const questionMark = request.url.indexOf('?');
  const path = questionMark < 0 ? request.url : request.url.slice(0, questionMark);
  const queryText = questionMark < 0 ? '' : request.url.slice(questionMark + 1);
  if (!path.startsWith('/api/') && path !== '/api') {
    if (method !== 'GET' && method !== 'HEAD') {
      throw new HttpError(
        405,
        'METHOD_NOT_ALLOWED',
        `${method} is not allowed here; use GET.`,
        {},
        { allow: 'GET, HEAD' },
      );
    }
    const response = await serveStatic(app.staticDir, path);
    return method === 'HEAD' ? { ...response, body: '' } : response;
  }
  const routeEntry = ROUTES[path];
  if (routeEntry === undefined) {
    throw new HttpError(404, 'NOT_FOUND', `no such API route: ${path}; see GET /api/health.`, {
      routes: Object.keys(ROUTES),
    });
  }
  if (method !== routeEntry.method) {
    throw new HttpError(
      405,
      'METHOD_NOT_ALLOWED',
      `${method} ${path} is not allowed; use ${routeEntry.method}.`,
      {},
      { allow: routeEntry.method },
    );
  }
  let query: URLSearchParams;
  try {
    query = new URLSearchParams(queryText);
  } catch {
    throw new HttpError(400, 'BAD_QUERY', 'the query string could not be parsed.');
  }
  const body = method === 'POST' ? parseBody(request.body) : undefined;
  return jsonResponse(200, routeEntry.handle(app, query, body));
}

function parseBody(body: Uint8Array | string | undefined): unknown {
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : (body?.byteLength ?? 0);
  if (bytes > LIMITS.bodyBytes) {
    throw new HttpError(413, 'TOO_LARGE', `the request body is larger than ${LIMITS.bodyBytes} bytes.`, {
      limit: LIMITS.bodyBytes,
    });
  }
  const text = typeof body === 'string' ? body : Buffer.from(body ?? new Uint8Array()).toString('utf8');
  if (text.trim() === '')
    throw new HttpError(400, 'BAD_JSON', 'the request body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'BAD_JSON', `the request body is not valid JSON (${parseFailure(error)}).`);
  }
}

function health(app: WebApp): unknown {
  return {
    status: 'ok',
    model: app.vectors
      ? { words: app.vectors.size, dim: app.vectors.dim, subword: app.vectors instanceof SubwordVectors }
      : null,
    lm: app.lm
      ? { vocabulary: app.lm.vocab.size, cell: app.lm.config.cell, level: app.lm.config.level }
      : null,
    limits: LIMITS,
  };
}

function requireVectors(app: WebApp): KeyedVectors {
  if (app.vectors === undefined) {
    throw new HttpError(404, 'NO_MODEL', 'no word vectors are loaded; start the server with --model DIR.');
  }
  return app.vectors;
}

/**
 * A word query parameter: present, not too long; looked up as given, else in another case (the
 * vocabulary's word is used and a warning says so); a subword model also takes a word outside its
 * vocabulary, whose vector it builds from the word's character n-grams (a warning says so too).
 */
function wordParameter(
  query: URLSearchParams,
  name: string,
  vectors: KeyedVectors,
  warnings: string[],
): string {
  const raw = query.get(name);
  if (raw === null || raw.trim() === '') {
    throw new HttpError(
      400,
      'MISSING_PARAMETER',
      `the query parameter '${name}' is missing; e.g. ?${name}=king.`,
      {
        parameter: name,
      },
    );
  }
  const word = raw.trim();
  if (word.length > LIMITS.wordLength) {
    throw new HttpError(
      400,
      'TOO_LONG',
      `the parameter '${name}' is ${word.length} characters; at most ${LIMITS.wordLength} are accepted.`,
      { parameter: name },
    );
  }
  const found = lookupWord(vectors, word);
  if (found.note !== undefined) warnings.push(found.note);
  if (vectors.has(found.word)) return found.word;
  if (vectors.vectorSource(word) === 'ngrams') {
    warnings.push(`'${word}' is not in the vocabulary; its vector is built from its character n-grams.`);
    return word;
  }
  const suggestions = vectors.suggest(word);
  throw new HttpError(404, 'UNKNOWN_WORD', new UnknownWordError(word, suggestions).message, {
    word,
    suggestions,
  });
}

/** A whole-number parameter within [min, max], or the default when absent. */
function integerParameter(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HttpError(
      400,
      'BAD_PARAMETER',
      `'${name}' must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`,
      { parameter: name },
    );
  }
  return n;
}

function neighborsJson(neighbors: Neighbor[]): { word: string; similarity: number }[] {
  return neighbors.map(({ word, similarity }) => ({ word, similarity: Number(similarity.toFixed(6)) }));
}

function similar(app: WebApp, query: URLSearchParams): unknown {
  const vectors = requireVectors(app);
  const warnings: string[] = [];
  const word = wordParameter(query, 'word', vectors, warnings);
  const top = integerParameter(query.get('top'), 'top', 1, LIMITS.topMax, 10);
  return {
    word,
    builtFromNgrams: ngramWords(vectors, [word]),
    neighbors: neighborsJson(vectors.mostSimilar({ positive: [word], topN: top })),
    warnings,
  };
}

/** The query words whose vectors a subword model builds from their character n-grams. */
function ngramWords(vectors: KeyedVectors, words: string[]): string[] {
  return words.filter((word) => vectors.vectorSource(word) === 'ngrams');
}

function analogy(app: WebApp, query: URLSearchParams): unknown {
  const vectors = requireVectors(app);
  const warnings: string[] = [];
  const a = wordParameter(query, 'a', vectors, warnings);
  const b = wordParameter(query, 'b', vectors, warnings);
  const c = wordParameter(query, 'c', vectors, warnings);
  const top = integerParameter(query.get('top'), 'top', 1, LIMITS.topMax, 5);
  return {
    a,
    b,
    c,
    builtFromNgrams: ngramWords(vectors, [a, b, c]),
    neighbors: neighborsJson(vectors.analogy(a, b, c, top)),
    warnings,
  };
}

function predict(app: WebApp, _query: URLSearchParams, body: unknown): unknown {
  if (app.lm === undefined) {
    throw new HttpError(404, 'NO_LM', 'no language model is loaded; start the server with --lm DIR.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'BAD_BODY', 'send a JSON object like {"text": "to be or", "top": 5}.');
  }
  const { text, top: topValue, specials } = body as { text?: unknown; top?: unknown; specials?: unknown };
  if (typeof text !== 'string' || text.trim() === '') {
    throw new HttpError(400, 'BAD_BODY', '"text" must be a non-empty string, e.g. {"text": "to be or"}.', {
      parameter: 'text',
    });
  }
  if (text.length > LIMITS.textLength) {
    throw new HttpError(
      400,
      'TOO_LONG',
      `"text" is ${text.length} characters; at most ${LIMITS.textLength} are accepted.`,
      { parameter: 'text' },
    );
  }
  if (topValue !== undefined && typeof topValue !== 'number') {
    throw new HttpError(400, 'BAD_PARAMETER', `'top' must be a number, got ${JSON.stringify(topValue)}.`, {
      parameter: 'top',
    });
  }
  const top = integerParameter(topValue, 'top', 1, LIMITS.topMax, 5);
  if (specials !== undefined && typeof specials !== 'boolean') {
    throw new HttpError(
      400,
      'BAD_PARAMETER',
      `'specials' must be true or false, got ${JSON.stringify(specials)}.`,
      { parameter: 'specials' },
    );
  }
  try {
    // Words only unless the client asks for <unk> and <eos> too.
    const prediction = app.lm.predict(text, { topK: top, specials: specials ?? false });
    return {
      context: prediction.context.join(' '),
      next: prediction.next.map(({ word, probability }) => ({
        word,
        probability: Number(probability.toFixed(6)),
      })),
      warnings: prediction.warnings,
    };
  } catch (error) {
    if (error instanceof VerboError && error.code === 'UNKNOWN_WORD') {
      const words = app.lm.tokenize(text);
      throw new HttpError(404, 'UNKNOWN_WORD', error.message, { words });
    }
    if (error instanceof VerboError) throw new HttpError(400, error.code, error.message);
    throw error;
  }
}

function map(app: WebApp, query: URLSearchParams): MapResponse {
  const vectors = requireVectors(app);
  const requested = integerParameter(query.get('n'), 'n', LIMITS.mapMin, LIMITS.mapMax, LIMITS.mapDefault);
  const n = Math.min(requested, vectors.size);
  if (n < 2) throw new HttpError(400, 'TOO_FEW_WORDS', 'the model has fewer than 2 words; nothing to map.');
  const method = query.get('method') ?? 'pca';
  if (!(MAP_METHODS as readonly string[]).includes(method)) {
    throw new HttpError(
      400,
      'BAD_PARAMETER',
      `method must be one of ${MAP_METHODS.join(', ')}, got '${method}'.`,
    );
  }
  const key = `${method}:${n}`;
  const cached = app.mapCache.get(key);
  if (cached !== undefined) return cached;
  const response = embeddingMap(vectors, n, 1, method as MapMethod);
  // A few sizes are kept (oldest dropped first), so clients asking for every n cannot grow memory.
  if (app.mapCache.size >= MAP_CACHE_SIZE) app.mapCache.delete(app.mapCache.keys().next().value!);
  app.mapCache.set(key, response);
  return response;
}

/**
 * The `n` most frequent words (the first rows) projected to 2-D from their unit vectors: by PCA
 * (default) or by UMAP (`method: 'umap'`, needs at least 3 words).
 */
export function embeddingMap(
  vectors: KeyedVectors,
  n: number,
  seed = 1,
  method: MapMethod = 'pca',
): MapResponse {
  const count = Math.min(n, vectors.size);
  let coordinates: Float64Array;
  let explainedRatio: [number, number] | null = null;
  if (method === 'umap' && count >= 3) {
    coordinates = umap2d(vectors.unitVectors(), count, vectors.dim, { seed });
  } else {
    const projection: Projection2D = pca2d(vectors.unitVectors(), count, vectors.dim, { seed });
    coordinates = projection.points;
    explainedRatio = [
      Number(projection.explainedRatio[0].toFixed(5)),
      Number(projection.explainedRatio[1].toFixed(5)),
    ];
  }
  const points: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    points.push([Number(coordinates[2 * i]!.toFixed(5)), Number(coordinates[2 * i + 1]!.toFixed(5))]);
  }
  return {
    words: vectors.words.slice(0, count),
    points,
    counts: vectors.counts ? Array.from(vectors.counts.subarray(0, count)) : null,
    method: explainedRatio === null ? 'umap' : 'pca',
    explainedRatio,
  };
}

function history(app: WebApp): unknown {
  return { word2vec: app.history, lm: app.lmHistory, progress: app.progress };
}
