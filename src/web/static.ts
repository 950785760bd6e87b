// Static files of the web page (index.html, app.js, style.css) served from one folder, without path
// traversal: the request path is percent-decoded once, resolved against the folder, and refused unless
// the result stays inside it (so "/../x", "/%2e%2e/x" and "/..%2fx" cannot escape). No directory
// listings, no symlinks followed out of the folder, a fixed list of content types.
import { realpathSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { packagePath } from '../util/index.js';
import type { ApiResponse } from './api.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/** The folder of the page's files; they ship in src/ (no build step), so dist/ code finds them there too. */
export function defaultStaticDir(): string {
  return packagePath('src', 'web', 'static');
}

function plain(status: number, text: string): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: `${JSON.stringify({ error: text, code: status === 403 ? 'FORBIDDEN' : status === 400 ? 'BAD_PATH' : 'NOT_FOUND' })}\n`,
  };
}

/** Resolves a URL path inside `root`, or undefined when it would leave the folder or is malformed. */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = resolve(root);
  const full = resolve(base, relative);
  if (!full.startsWith(base + sep)) return undefined;
  return full;
}

export async function serveStatic(root: string, urlPath: string): Promise<ApiResponse> {
  const full = resolveStaticPath(root, urlPath);
  if (full === undefined) return plain(403, `the path ${JSON.stringify(urlPath)} is not allowed.`);
  try {
    const info = await stat(full);
    if (!info.isFile()) return plain(404, `no such file: ${urlPath}`);
    // A symlink inside the folder must not lead out of it.
    const base = realpathSync(resolve(root));
    if (!realpathSync(full).startsWith(base + sep))
      return plain(403, `the path ${JSON.stringify(urlPath)} is not allowed.`);
    const body = await readFile(full);
    const type = CONTENT_TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream';
    return {
      status: 200,
      headers: { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
      body: new Uint8Array(body),
    };
  } catch {
    return plain(404, `no such file: ${urlPath}`);
  }
}
