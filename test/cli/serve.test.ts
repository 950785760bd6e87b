// `verbo serve` over a real socket: it binds 127.0.0.1 on the port asked (0: any free one), answers the
// API, refuses traversal on the raw request target and over-large bodies (413) without falling over,
// and stops cleanly on SIGTERM. Runs the built CLI (dist/, rebuilt by test/global-setup.ts when src is newer).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/embeddings/index.js';
import { packagePath } from '../../src/util/paths.js';
import { structuredVectors } from '../web/helpers.js';

const cli = packagePath('dist', 'cli', 'main.js');
let server: ChildProcess;
let base: URL;

/** A raw request: the path is sent exactly as given (no URL normalisation). */
function raw(
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    if (body !== undefined) req.setHeader('content-type', 'application/json');
    req.end(body);
  });
}

beforeAll(async () => {
  const model = join(mkdtempSync(join(tmpdir(), 'verbo-serve-')), 'model');
  await saveModel(model, { vectors: structuredVectors(), config: {}, history: [{ epoch: 1, loss: 2.5 }] });
  server = spawn(process.execPath, [cli, 'serve', '--model', model, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text);
    });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const match = line.match(/^verbo serve: (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl\+C to stop\)/);
  expect(match).not.toBeNull();
  base = new URL(match![1]!);
}, 30_000);

afterAll(() => {
  if (server.exitCode === null) server.kill('SIGKILL');
});

describe('verbo serve', () => {
  it('answers the API and serves the page', async () => {
    const health = await (await fetch(new URL('/api/health', base))).json();
    expect(health.model).toEqual({ words: 71, dim: 16, subword: false });
    expect(health.lm).toBeNull();
    const similar = await fetch(new URL('/api/similar?word=apple&top=2', base));
    expect(similar.status).toBe(200);
    expect((await similar.json()).neighbors.map((n: { word: string }) => n.word).sort()).toEqual([
      'pear',
      'plum',
    ]);
    const page = await fetch(base);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const unknown = await fetch(new URL('/api/similar?word=kinq', base));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'UNKNOWN_WORD', word: 'kinq' });
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/..%2f..%2fpackage.json',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  ])('refuses the raw target %s', async (path) => {
    const response = await raw('GET', path);
    expect(response.status).toBe(403);
    expect(response.body).not.toContain('"name"');
    expect(response.body).not.toContain('root:');
  });

  it('refuses an over-large body with 413 and keeps serving', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(40_000) });
    const response = await raw('POST', '/api/predict', big);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'TOO_LARGE', limit: 16384 });
    const badJson = await raw('POST', '/api/predict', '{"text":');
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body).code).toBe('BAD_JSON');
    const health = await fetch(new URL('/api/health', base));
    expect(health.status).toBe(200);
  });

  it('refuses a chunked body (no content-length) once it passes the limit', async () => {
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          method: 'POST',
          path: '/api/predict',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.write('{"text": "');
      req.write('x'.repeat(20_000));
      req.end('"}');
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).code).toBe('TOO_LARGE');
    expect((await fetch(new URL('/api/health', base))).status).toBe(200);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('needs --model or --lm, and reports a missing model in one line', () => {
    const none = spawnSync(process.execPath, [cli, 'serve'], { encoding: 'utf8' });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^verbo: give --model DIR \(word vectors\) and\/or --lm DIR/);
    const missing = spawnSync(process.execPath, [cli, 'serve', '--model', '/nonexistent'], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
