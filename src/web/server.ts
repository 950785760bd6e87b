// The HTTP side of `verbo serve`: Node's http module, bound to 127.0.0.1 unless told otherwise. It reads
// each request body up to LIMITS.bodyBytes (refusing larger ones with 413 before reading them whole),
// hands the request to handleRequest (api.ts) and writes the answer. A failing request never takes the
// server down. loadWebApp reads the models named on the command line.
import { existsSync, readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadModel } from '../embeddings/index.js';
import { loadLanguageModel } from '../seq/index.js';
import { FormatError } from '../util/errors.js';
import {
  type ApiResponse,
  type WebApp,
  createWebApp,
  errorResponse,
  HttpError,
  handleRequest,
  jsonResponse,
  LIMITS,
} from './api.js';
import { defaultStaticDir } from './static.js';

export interface LoadWebAppOptions {
  /** A word2vec model directory (or .bin/.txt file). */
  model?: string;
  /** A language-model directory written by `verbo lm train` or the demo. */
  lm?: string;
  staticDir?: string;
  /** Told about what loads but deserves a word (a vector file's duplicated words). */
  onWarning?: (message: string) => void;
}

/** The language model's per-epoch records: history.json beside it, else the summary in its config. */
export function readLmHistory(dir: string): object[] {
  const historyPath = join(dir, 'history.json');
  const parse = (path: string): unknown => {
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new FormatError(`${path}: not valid JSON (${(error as Error).message}).`);
    }
  };
  if (existsSync(historyPath)) {
    const value = parse(historyPath);
    return Array.isArray(value) ? (value as object[]) : [];
  }
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) return [];
  const config = parse(configPath) as { training?: unknown };
  return config.training !== null && typeof config.training === 'object' ? [config.training as object] : [];
}

/** progress.json in a model folder ([x, value] pairs, written by `verbo demo`), or [] when absent or malformed. */
export function readProgress(dir: string | undefined): [number, number][] {
  if (dir === undefined) return [];
  const path = join(dir, 'progress.json');
  if (!existsSync(path)) return [];
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!Array.isArray(value)) return [];
    return value.filter(
      (point): point is [number, number] =>
        Array.isArray(point) &&
        point.length === 2 &&
        point.every((x) => typeof x === 'number' && Number.isFinite(x)),
    );
  } catch {
    return [];
  }
}

export async function loadWebApp(options: LoadWebAppOptions): Promise<WebApp> {
  const loaded =
    options.model === undefined
      ? undefined
      : await loadModel(options.model, { onWarning: options.onWarning });
  const lm = options.lm === undefined ? undefined : loadLanguageModel(options.lm);
  return createWebApp({
    vectors: loaded?.vectors,
    history: loaded?.history ?? [],
    lm,
    lmHistory: options.lm === undefined ? [] : readLmHistory(options.lm),
    progress: {
      word2vec:
        options.model !== undefined && existsSync(join(options.model, 'config.json'))
          ? readProgress(options.model)
          : [],
      lm: readProgress(options.lm),
    },
    staticDir: options.staticDir ?? defaultStaticDir(),
  });
}

/** Reads the body, refusing more than `limit` bytes (413 without reading the rest). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, 'TOO_LARGE', `the request body is larger than ${limit} bytes.`, { limit }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        reject(new HttpError(413, 'TOO_LARGE', `the request body is larger than ${limit} bytes.`, { limit }));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!done) {
        done = true;
        resolvePromise(Buffer.concat(chunks));
      }
    });
    request.on('error', (error) => {
      if (!done) {
        done = true;
        reject(error);
      }
    });
  });
}

async function respond(app: WebApp, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let answer: ApiResponse;
  try {
    const method = request.method ?? 'GET';
    const body =
      method === 'POST' || method === 'PUT' || method === 'PATCH'
        ? await readBody(request, LIMITS.bodyBytes)
        : undefined;
    answer = await handleRequest(app, { method, url: request.url ?? '/', body });
  } catch (error) {
    answer =
      error instanceof HttpError
        ? errorResponse(error)
        : jsonResponse(400, {
            error: `could not read the request: ${(error as Error).message}`,
            code: 'BAD_REQUEST',
          });
  }
  const headers: Record<string, string> = { ...answer.headers, 'x-content-type-options': 'nosniff' };
  if (answer.status === 413) headers.connection = 'close';
  response.writeHead(answer.status, headers);
  response.end(answer.body);
  if (answer.status === 413) request.resume();
}

/**
 * The server as the library's types show it: a node:http Server, described without Node's own types so
 * that the package's declarations compile in a project that does not install @types/node (cast it to
 * `http.Server` for the rest of its interface).
 */
export interface WebServer {
  listen(port: number, host: string, callback: () => void): unknown;
  address(): { address: string; family: string; port: number } | string | null;
  close(callback?: (error?: Error) => void): unknown;
  closeAllConnections(): void;
}

/** An http.Server answering from `app` (not yet listening). */
export function createWebServer(app: WebApp): WebServer {
  return createNodeServer(app);
}

function createNodeServer(app: WebApp): Server {
  const server = createServer((request, response) => {
    respond(app, request, response).catch(() => {
      if (!response.headersSent)
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end('{"error":"internal error","code":"INTERNAL"}\n');
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  return server;
}

/** Starts listening; resolves with the server and its URL (port 0 picks a free port). */
export function listen(
  app: WebApp,
  options: { host?: string; port?: number } = {},
): Promise<{ server: WebServer; url: string }> {
  const host = options.host ?? '127.0.0.1';
  const server = createNodeServer(app);
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolvePromise({ server, url: `http://${shownHost}:${address.port}/` });
    });
  });
}
