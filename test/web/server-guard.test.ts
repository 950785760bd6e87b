// The server answers only its own page: requests whose Host is not this server's (DNS rebinding) are
// refused with 403, POST bodies that are not application/json with 415, and slow clients are cut off
// by the header, request and idle timeouts — while the limits (413) and ordinary requests still work.
import { type Socket, connect } from 'node:net';
import { request } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp, hostAllowed, listen } from '../../src/web/index.js';
import { defaultStaticDir } from '../../src/web/static.js';
import { structuredVectors } from './helpers.js';

let server: Server;
let port: number;

beforeAll(async () => {
  const app = createWebApp({ vectors: structuredVectors(), staticDir: defaultStaticDir() });
  const started = await listen(app, {
    port: 0,
    allowHosts: ['verbo.example'],
    timeouts: { headersMs: 600, requestMs: 900, idleMs: 1500, keepAliveMs: 300, checkEveryMs: 100 },
  });
  server = started.server as Server;
  port = new URL(started.url).port as unknown as number;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a raw socket, writes `text`, and resolves with what the server sent and how long it stayed open. */
function rawSocket(text: string, drip?: string): Promise<{ received: string; openMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let received = '';
    const socket: Socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      if (drip !== undefined) {
        const timer = setInterval(() => socket.writable && socket.write(drip), 200);
        socket.on('close', () => clearInterval(timer));
      }
    });
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ received, openMs: performance.now() - started }));
  });
}

describe('Host', () => {
  it.each([
    ['127.0.0.1:8080', true],
    ['localhost:8080', true],
    ['LOCALHOST', true],
    ['[::1]:8080', true],
    ['192.168.1.20:8080', true],
    ['app.localhost', true],
    ['verbo.example:8080', true],
    ['evil.example', false],
    ['127.0.0.1.evil.example', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (host, allowed) => {
    expect(hostAllowed(host, { host: '127.0.0.1', allowHosts: ['verbo.example'] })).toBe(allowed);
  });

  it('refuses a request addressed to another name with 403, in JSON, and answers its own', async () => {
    const rebound = await send('GET', '/api/health', { host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ code: 'HOST_NOT_ALLOWED' });
    expect(JSON.parse(rebound.body).error).toMatch(/--allow-host evil\.example/);
    const page = await send('GET', '/', { host: `evil.example:${port}` });
    expect(page.status).toBe(403);
    expect((await send('GET', '/api/health', { host: `localhost:${port}` })).status).toBe(200);
    expect((await send('GET', '/api/health', { host: `verbo.example:${port}` })).status).toBe(200);
  });
});

describe('POST bodies', () => {
  const body = JSON.stringify({ text: 'king' });
  it('must be application/json: text/plain (no CORS preflight) is refused with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const answer = await send(
        'POST',
        '/api/predict',
        { host: `127.0.0.1:${port}`, 'content-type': type },
        body,
      );
      expect(answer.status).toBe(415);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    const none = await send('POST', '/api/predict', { host: `127.0.0.1:${port}` }, body);
    expect(none.status).toBe(415);
    // With the right type the request reaches the API (no language model loaded here: 404 NO_LM).
    const json = await send(
      'POST',
      '/api/predict',
      { host: `127.0.0.1:${port}`, 'content-type': 'application/json; charset=utf-8' },
      body,
    );
    expect(JSON.parse(json.body).code).toBe('NO_LM');
  });

  it('keeps the size limit (413)', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(20_000) });
    const answer = await send(
      'POST',
      '/api/predict',
      { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      big,
    );
    expect(answer.status).toBe(413);
  });
});

describe('timeouts', () => {
  it('cuts off a client that never finishes its headers', async () => {
    const { openMs } = await rawSocket(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    expect(openMs).toBeLessThan(5000);
  });

  it('cuts off a body sent one byte at a time (a slow-body attack), answering 408', async () => {
    const { received, openMs } = await rawSocket(
      `POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
      ' ',
    );
    expect(openMs).toBeLessThan(5000);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection that sends nothing', async () => {
    const { openMs, received } = await rawSocket('');
    expect(received).toMatch(/^(|HTTP\/1\.1 408 .*)$/s);
    expect(openMs).toBeLessThan(6000);
  });
});
