// The HTTP side of `verbo serve`: Node's http module, bound to 127.0.0.1 unless told otherwise. It reads
// each request body up to LIMITS.bodyBytes (refusing larger ones with 413 before reading them whole),
// hands the request to handleRequest (api.ts) and writes the answer. A failing request never takes the
// server down. loadWebApp reads the models named on the command line.
// Only its own page may call it: a request whose Host is not this server's (an IP address, localhost, the
// bound name, or one given with --allow-host) is refused with 403 — a web page the user visits cannot
// reach the local server through a DNS name rebound to 127.0.0.1 — and a POST must be application/json,
// which a page of another origin cannot send without a CORS preflight this server never grants. Slow
// clients are cut off (SERVER_TIMEOUTS: headers, the whole request, idle and kept-alive connections).
import { existsSync, readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { join } from 'node:path';
import { loadModel } from '../embeddings/index.js';
import { loadLanguageModel } from '../seq/index.js';
import { FormatError, parseFailure } from '../util/index.js';
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
      throw new FormatError(`${path}: not valid JSON (${parseFailure(error)}).`);
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

/** How long a client may take, in milliseconds (Node checks them every `checkEveryMs`). */
export const SERVER_TIMEOUTS = {
  /** Receiving the request's headers. */
  headersMs: 10_000,
  /** Receiving the whole request, body included. */
  requestMs: 30_000,
  /** A connection with no traffic at all. */
  idleMs: 60_000,
  /** A kept-alive connection between requests. */
  keepAliveMs: 5_000,
  checkEveryMs: 1_000,
} as const;

export interface WebServerOptions {
  /** The address the server binds (its name is accepted as a Host). */
  host?: string;
  /** More Host names to accept (`verbo serve --allow-host`), e.g. a name the machine is reached by. */
  allowHosts?: readonly string[];
  timeouts?: Partial<Record<keyof typeof SERVER_TIMEOUTS, number>>;
}

/** The host name of a Host header ("[::1]:8080" → "::1", "Localhost:80" → "localhost"). */
function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']') > 0 ? value.indexOf(']') : undefined);
  const colon = value.lastIndexOf(':');
  return colon >= 0 && value.indexOf(':') === colon ? value.slice(0, colon) : value;
}

/** Whether a request's Host names this server: an IP address, localhost, the bound name, or an allowed one. */
export function hostAllowed(header: string | undefined, options: WebServerOptions = {}): boolean {
  if (header === undefined || header.trim() === '') return false;
  const name = hostName(header).replace(/\.$/, '');
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
  const allowed = [options.host ?? '', ...(options.allowHosts ?? [])].map((h) =>
    h.toLowerCase().replace(/\.$/, ''),
  );
  return allowed.includes(name);
}

/** Refusals that happen before the body is read: a foreign Host, a POST that is not JSON. */
function refusal(request: IncomingMessage, options: WebServerOptions): HttpError | undefined {
  const host = request.headers.host;
  if (!hostAllowed(host, options)) {
    const shownHost = JSON.stringify((host ?? '').slice(0, 100));
    return new HttpError(
      403,
      'HOST_NOT_ALLOWED',
      `this server answers only requests addressed to it (Host: an IP address or localhost), not Host ${shownHost}; to reach it by that name, start it with --allow-host ${hostName(host ?? 'NAME').slice(0, 100) || 'NAME'}.`,
    );
  }
  const method = request.method ?? 'GET';
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return new HttpError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `send the request body as JSON with the header Content-Type: application/json (got ${JSON.stringify(type.slice(0, 60) || 'none')}).`,
      );
    }
  }
  return undefined;
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

async function respond(
  app: WebApp,
  request: IncomingMessage,
  response: ServerResponse,
  options: WebServerOptions,
): Promise<void> {
  let answer: ApiResponse;
  try {
    const refused = refusal(request, options);
    if (refused !== undefined) throw refused;
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
  // Refused before its body was read: the connection closes, the rest of the body is drained unread.
  const unread = answer.status === 413 || answer.status === 415 || answer.status === 403;
  if (unread) headers.connection = 'close';
  response.writeHead(answer.status, headers);
  response.end(answer.body);
  if (unread) request.resume();
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
export function createWebServer(app: WebApp, options: WebServerOptions = {}): WebServer {
  return createNodeServer(app, options);
}

function createNodeServer(app: WebApp, options: WebServerOptions = {}): Server {
  const timeouts = { ...SERVER_TIMEOUTS, ...options.timeouts };
  const serverOptions = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: timeouts.checkEveryMs,
  };
  const server = createServer(serverOptions, (request, response) => {
    respond(app, request, response, options).catch(() => {
      if (!response.headersSent)
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end('{"error":"internal error","code":"INTERNAL"}\n');
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    else socket.destroy();
  });
  // A connection with no traffic at all for idleMs is closed.
  server.setTimeout(timeouts.idleMs, (socket) => socket.destroy());
  return server;
}

/** Starts listening; resolves with the server and its URL (port 0 picks a free port). */
export function listen(
  app: WebApp,
  options: WebServerOptions & { port?: number } = {},
): Promise<{ server: WebServer; url: string }> {
  const host = options.host ?? '127.0.0.1';
  const server = createNodeServer(app, { ...options, host });
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
