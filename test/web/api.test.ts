// The JSON API as plain functions: every route, every bad input (status codes and JSON bodies pinned),
// static files and path traversal — no socket needed.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KeyedVectors } from '../../src/embeddings/index.js';
import type { LanguageModel } from '../../src/seq/index.js';
import {
  type ApiResponse,
  createWebApp,
  defaultStaticDir,
  handleRequest,
  LIMITS,
  resolveStaticPath,
  type WebApp,
} from '../../src/web/index.js';
import { structuredVectors, tinyLanguageModel } from './helpers.js';

let vectors: KeyedVectors;
let lm: LanguageModel;
let app: WebApp;
let bare: WebApp;

beforeAll(async () => {
  vectors = structuredVectors();
  lm = await tinyLanguageModel();
  app = createWebApp({
    vectors,
    history: [
      { epoch: 1, loss: 3.5 },
      { epoch: 2, loss: 2.9 },
    ],
    lm,
    lmHistory: [{ epoch: 1, trainPerplexity: 12.5, validPerplexity: 14 }],
    progress: {
      word2vec: [
        [100, 4],
        [200, 3.5],
      ],
    },
    staticDir: defaultStaticDir(),
  });
  bare = createWebApp({ staticDir: defaultStaticDir() });
}, 30_000);

function json(response: ApiResponse): Record<string, unknown> {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(String(response.body)) as Record<string, unknown>;
}

const get = (url: string, target = app) => handleRequest(target, { method: 'GET', url });
const post = (url: string, body: string | Uint8Array, target = app) =>
  handleRequest(target, { method: 'POST', url, body });

describe('GET /api/health', () => {
  it('describes the loaded models', async () => {
    const response = await get('/api/health');
    expect(response.status).toBe(200);
    const body = json(response);
    expect(body.status).toBe('ok');
    expect(body.model).toEqual({ words: vectors.size, dim: vectors.dim, subword: false });
    expect(body.lm).toEqual({ vocabulary: lm.vocab.size, cell: 'lstm', level: 'word' });
  });
  it('says null for models that are not loaded', async () => {
    const body = json(await get('/api/health', bare));
    expect(body.model).toBeNull();
    expect(body.lm).toBeNull();
  });
});

describe('GET /api/similar', () => {
  it('returns the neighbours with their cosine similarities, best first', async () => {
    const response = await get('/api/similar?word=apple&top=2');
    expect(response.status).toBe(200);
    const body = json(response) as { word: string; neighbors: { word: string; similarity: number }[] };
    expect(body.word).toBe('apple');
    expect(body.neighbors.map((n) => n.word).sort()).toEqual(['pear', 'plum']);
    for (const n of body.neighbors) expect(n.similarity).toBeCloseTo(vectors.similarity('apple', n.word), 5);
    expect(body.neighbors[0]!.similarity).toBeGreaterThanOrEqual(body.neighbors[1]!.similarity);
  });
  it('defaults to 10 neighbours and accepts the top bounds 1 and 100', async () => {
    expect((json(await get('/api/similar?word=red')).neighbors as unknown[]).length).toBe(10);
    expect((json(await get('/api/similar?word=red&top=1')).neighbors as unknown[]).length).toBe(1);
    // 100 asked, the vocabulary has size − 1 other words.
    expect((json(await get('/api/similar?word=red&top=100')).neighbors as unknown[]).length).toBe(
      Math.min(100, vectors.size - 1),
    );
  });
  it('falls back to the word in another case and says so', async () => {
    const body = json(await get('/api/similar?word=KING&top=1'));
    expect(body.word).toBe('king');
    expect(body.warnings).toEqual(["'KING' is not in the vocabulary; using 'king'."]);
    expect(json(await get('/api/similar?word=king&top=1')).warnings).toEqual([]);
    const analogy = json(await get('/api/analogy?a=Man&b=king&c=Woman&top=1'));
    expect([analogy.a, analogy.b, analogy.c]).toEqual(['man', 'king', 'woman']);
    expect(analogy.warnings).toEqual([
      "'Man' is not in the vocabulary; using 'man'.",
      "'Woman' is not in the vocabulary; using 'woman'.",
    ]);
  });
  it('gives 404 naming an unknown word, with suggestions', async () => {
    const response = await get('/api/similar?word=kinq');
    expect(response.status).toBe(404);
    const body = json(response);
    expect(body.code).toBe('UNKNOWN_WORD');
    expect(body.word).toBe('kinq');
    expect(body.suggestions).toContain('king');
    expect(body.error).toBe("word 'kinq' is not in the vocabulary. Did you mean: king?");
  });
  it.each([
    ['/api/similar', 'MISSING_PARAMETER'],
    ['/api/similar?word=', 'MISSING_PARAMETER'],
    ['/api/similar?word=%20%20', 'MISSING_PARAMETER'],
    [`/api/similar?word=${'a'.repeat(LIMITS.wordLength + 1)}`, 'TOO_LONG'],
    ['/api/similar?word=king&top=0', 'BAD_PARAMETER'],
    ['/api/similar?word=king&top=101', 'BAD_PARAMETER'],
    ['/api/similar?word=king&top=2.5', 'BAD_PARAMETER'],
    ['/api/similar?word=king&top=abc', 'BAD_PARAMETER'],
    ['/api/similar?word=king&top=-3', 'BAD_PARAMETER'],
  ])('%s → 400 %s', async (url, code) => {
    const response = await get(url);
    expect(response.status).toBe(400);
    const body = json(response);
    expect(body.code).toBe(code);
    expect(typeof body.error).toBe('string');
  });
  it('pins the messages of a bad top and a missing word', async () => {
    expect(json(await get('/api/similar?word=king&top=101')).error).toBe(
      `'top' must be a whole number from 1 to 100, got "101".`,
    );
    expect(json(await get('/api/similar')).error).toBe(
      "the query parameter 'word' is missing; e.g. ?word=king.",
    );
  });
  it('gives 404 NO_MODEL without word vectors', async () => {
    const response = await get('/api/similar?word=king', bare);
    expect(response.status).toBe(404);
    expect(json(response).code).toBe('NO_MODEL');
  });
});

describe('GET /api/analogy', () => {
  it('solves man : king :: woman : queen', async () => {
    const response = await get('/api/analogy?a=man&b=king&c=woman&top=3');
    expect(response.status).toBe(200);
    const body = json(response) as { neighbors: { word: string; similarity: number }[] };
    expect(body.neighbors[0]!.word).toBe('queen');
    const expected = vectors.analogy('man', 'king', 'woman', 3);
    expect(body.neighbors.map((n) => n.word)).toEqual(expected.map((n) => n.word));
  });
  it('names the unknown word among the three', async () => {
    const response = await get('/api/analogy?a=man&b=kingg&c=woman');
    expect(response.status).toBe(404);
    const body = json(response);
    expect(body.word).toBe('kingg');
    expect(body.suggestions).toContain('king');
  });
  it('needs all three words', async () => {
    const response = await get('/api/analogy?a=man&b=king');
    expect(response.status).toBe(400);
    expect(json(response)).toMatchObject({ code: 'MISSING_PARAMETER', parameter: 'c' });
  });
});

describe('POST /api/predict', () => {
  it('returns the next words with probabilities, most probable first', async () => {
    const response = await post('/api/predict', JSON.stringify({ text: 'to be or not', top: 3 }));
    expect(response.status).toBe(200);
    const body = json(response) as { context: string; next: { word: string; probability: number }[] };
    expect(body.context).toBe('to be or not');
    expect(body.next).toHaveLength(3);
    expect(body.next[0]!.word).toBe('to');
    const direct = lm.predict('to be or not', { topK: 3 });
    expect(body.next.map((n) => n.word)).toEqual(direct.next.map((n) => n.word));
    for (let i = 1; i < 3; i++)
      expect(body.next[i - 1]!.probability).toBeGreaterThanOrEqual(body.next[i]!.probability);
  });
  it('suggests words only; "specials": true adds <eos> and <unk> with the same word probabilities', async () => {
    // Every training line ends in <eos>: after a whole line, the end of the line is the likeliest token.
    const ask = async (extra: object) =>
      json(await post('/api/predict', JSON.stringify({ text: 'to be or not to be', top: 8, ...extra }))) as {
        next: { word: string; probability: number }[];
      };
    const words = (await ask({})).next;
    const all = (await ask({ specials: true })).next;
    expect(all[0]!.word).toBe('<eos>');
    expect(words.map((n) => n.word)).not.toContain('<eos>');
    expect(words.map((n) => n.word)).not.toContain('<unk>');
    expect(words.slice(0, 3)).toEqual(all.filter((n) => !n.word.startsWith('<')).slice(0, 3));
    const bad = await post('/api/predict', JSON.stringify({ text: 'the cat', specials: 'yes' }));
    expect(bad.status).toBe(400);
    expect(json(bad)).toMatchObject({ code: 'BAD_PARAMETER', parameter: 'specials' });
  });
  it('reports unknown words as warnings when some are known', async () => {
    const body = json(await post('/api/predict', JSON.stringify({ text: 'the zebra sat on' })));
    expect(body.context).toBe('the <unk> sat on');
    expect((body.warnings as string[])[0]).toContain("'zebra'");
  });
  it('gives 404 when no word of the text is known', async () => {
    const response = await post('/api/predict', JSON.stringify({ text: 'zebra giraffe' }));
    expect(response.status).toBe(404);
    expect(json(response)).toMatchObject({ code: 'UNKNOWN_WORD', words: ['zebra', 'giraffe'] });
  });
  it.each([
    ['{"text": "the cat"', 'BAD_JSON'],
    ['', 'BAD_JSON'],
    ['not json', 'BAD_JSON'],
    ['[1, 2]', 'BAD_BODY'],
    ['"the cat"', 'BAD_BODY'],
    ['{"top": 3}', 'BAD_BODY'],
    ['{"text": 42}', 'BAD_BODY'],
    ['{"text": "   "}', 'BAD_BODY'],
    [JSON.stringify({ text: 'the '.repeat(LIMITS.textLength) }), 'TOO_LONG'],
    ['{"text": "the cat", "top": 0}', 'BAD_PARAMETER'],
    ['{"text": "the cat", "top": 101}', 'BAD_PARAMETER'],
    ['{"text": "the cat", "top": "5"}', 'BAD_PARAMETER'],
  ])('%s → 400 %s', async (body, code) => {
    const response = await post('/api/predict', body);
    expect(response.status).toBe(400);
    expect(json(response).code).toBe(code);
  });
  it('refuses a body over the size limit with 413', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(LIMITS.bodyBytes) });
    const response = await post('/api/predict', big);
    expect(response.status).toBe(413);
    expect(json(response)).toMatchObject({ code: 'TOO_LARGE', limit: 16 * 1024 });
  });
  it('gives 404 NO_LM without a language model', async () => {
    const response = await post('/api/predict', '{"text": "the cat"}', bare);
    expect(response.status).toBe(404);
    expect(json(response).code).toBe('NO_LM');
  });
});

describe('GET /api/map', () => {
  it('projects the n most frequent words to 2-D', async () => {
    const body = json(await get('/api/map?n=20')) as {
      words: string[];
      points: [number, number][];
      counts: number[];
      explainedRatio: [number, number];
    };
    expect(body.words).toEqual(vectors.words.slice(0, 20));
    expect(body.points).toHaveLength(20);
    expect(body.counts).toEqual(Array.from(vectors.counts!.subarray(0, 20)));
    // PCA coordinates are centred.
    const meanX = body.points.reduce((s, p) => s + p[0], 0) / 20;
    expect(Math.abs(meanX)).toBeLessThan(1e-4);
    expect(body.explainedRatio[0]).toBeGreaterThanOrEqual(body.explainedRatio[1]);
    expect(body.explainedRatio[0] + body.explainedRatio[1]).toBeLessThanOrEqual(1 + 1e-6);
  });
  it('keeps at most 8 projections cached', async () => {
    for (let n = 2; n < 30; n++) expect((await get(`/api/map?n=${n}`)).status).toBe(200);
    expect(app.mapCache.size).toBe(8);
    expect([...app.mapCache.keys()]).toEqual([22, 23, 24, 25, 26, 27, 28, 29].map((n) => `pca:${n}`));
  });
  it('projects by UMAP on request and rejects an unknown method', async () => {
    const body = json(await get('/api/map?n=30&method=umap')) as {
      words: string[];
      points: [number, number][];
      method: string;
      explainedRatio: null;
    };
    expect(body.method).toBe('umap');
    expect(body.explainedRatio).toBeNull();
    expect(body.words).toEqual(vectors.words.slice(0, 30));
    expect(body.points).toHaveLength(30);
    for (const [x, y] of body.points) expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
    const response = await get('/api/map?n=30&method=tsne');
    expect(response.status).toBe(400);
    expect(json(response)).toMatchObject({ code: 'BAD_PARAMETER' });
    expect(json(response).error).toMatch(/method must be one of pca, umap/);
  });
  it('caps n at the vocabulary size and rejects n out of range', async () => {
    expect((json(await get('/api/map?n=5000')).words as string[]).length).toBe(vectors.size);
    for (const n of ['1', '5001', 'many']) {
      const response = await get(`/api/map?n=${n}`);
      expect(response.status).toBe(400);
      expect(json(response)).toMatchObject({ code: 'BAD_PARAMETER', parameter: 'n' });
    }
  });
});

describe('GET /api/history', () => {
  it('returns both histories and the finer progress curves', async () => {
    const body = json(await get('/api/history'));
    expect(body).toEqual({
      word2vec: [
        { epoch: 1, loss: 3.5 },
        { epoch: 2, loss: 2.9 },
      ],
      lm: [{ epoch: 1, trainPerplexity: 12.5, validPerplexity: 14 }],
      progress: {
        word2vec: [
          [100, 4],
          [200, 3.5],
        ],
        lm: [],
      },
    });
    expect(json(await get('/api/history', bare))).toEqual({
      word2vec: [],
      lm: [],
      progress: { word2vec: [], lm: [] },
    });
  });
});

describe('routing', () => {
  it.each([
    ['POST', '/api/similar?word=king', 'GET'],
    ['DELETE', '/api/history', 'GET'],
    ['GET', '/api/predict', 'POST'],
    ['PUT', '/api/predict', 'POST'],
  ])('%s %s → 405 with Allow: %s', async (method, url, allow) => {
    const response = await handleRequest(app, { method, url, body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expect(json(response).code).toBe('METHOD_NOT_ALLOWED');
  });
  it('gives 404 JSON for an unknown API route', async () => {
    const response = await get('/api/nothing');
    expect(response.status).toBe(404);
    expect(json(response).code).toBe('NOT_FOUND');
  });
  it('gives 405 for a POST to a page', async () => {
    const response = await handleRequest(app, { method: 'POST', url: '/index.html', body: '' });
    expect(response.status).toBe(405);
  });
  it('gives 414 for an over-long request target', async () => {
    const response = await get(`/api/similar?word=${'a'.repeat(LIMITS.urlLength)}`);
    expect(response.status).toBe(414);
  });
});

describe('static files', () => {
  it('serves the page, its script and its stylesheet', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Buffer.from(page.body).toString()).toContain('<title>verbo</title>');
    expect((await get('/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/style.css?v=1')).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await handleRequest(app, { method: 'HEAD', url: '/' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
  it('gives 404 for a missing file', async () => {
    expect((await get('/nothing.js')).status).toBe(404);
  });
  it.each([
    '/../secret.txt',
    '/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/sub/../../secret.txt',
    '/sub/%2e%2e/%2e%2e/secret.txt',
    '/..\\secret.txt',
    '/%00index.html',
    '/%E0%A4%A',
    '/%2e%2e',
  ])('refuses %s with 403', async (url) => {
    // A secret file right beside the static folder: a traversal would reach it.
    const outer = mkdtempSync(join(tmpdir(), 'verbo-traversal-'));
    writeFileSync(join(outer, 'secret.txt'), 'the secret');
    const root = join(outer, 'static');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<p>page</p>');
    const local = createWebApp({ staticDir: root });
    expect((await get('/', local)).status).toBe(200);
    const response = await get(url, local);
    expect(response.status).toBe(403);
    expect(json(response).code).toBe('FORBIDDEN');
    expect(String(response.body)).not.toContain('the secret');
  });
  it('resolves only inside the folder', () => {
    const root = '/srv/static';
    expect(resolveStaticPath(root, '/')).toBe('/srv/static/index.html');
    expect(resolveStaticPath(root, '/a/b.js')).toBe('/srv/static/a/b.js');
    expect(resolveStaticPath(root, '/a/../b.js')).toBe('/srv/static/b.js');
    expect(resolveStaticPath(root, '/../static/x')).toBe('/srv/static/x');
    expect(resolveStaticPath(root, '/../static-other/x')).toBeUndefined();
    expect(resolveStaticPath(root, '/%2e%2e/etc/passwd')).toBeUndefined();
    expect(resolveStaticPath(root, '/..')).toBeUndefined();
  });
  it('does not follow a symlink out of the folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'verbo-static-'));
    const outside = mkdtempSync(join(tmpdir(), 'verbo-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    writeFileSync(join(root, 'ok.txt'), 'fine');
    const local = createWebApp({ staticDir: root });
    expect((await get('/ok.txt', local)).status).toBe(200);
    const response = await get('/link.txt', local);
    expect(response.status).toBe(403);
    expect(String(response.body)).not.toContain('secret"');
  });
});

describe('errors never escape', () => {
  it('turns an exception inside a handler into a 500 JSON error', async () => {
    const broken = createWebApp({ vectors, staticDir: defaultStaticDir() });
    // A vectors object whose lookups throw a plain Error.
    broken.vectors = new Proxy(vectors, {
      get(target, key, receiver) {
        if (key === 'mostSimilar') {
          return () => {
            throw new Error('boom');
          };
        }
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const response = await get('/api/similar?word=king', broken);
    expect(response.status).toBe(500);
    expect(json(response)).toEqual({ error: 'internal error: boom', code: 'INTERNAL' });
  });
});

describe('a subword (fastText) model', () => {
  it('answers for words outside the vocabulary and lists them as built from n-grams', async () => {
    const { readFastTextBin, SubwordVectors } = await import('../../src/embeddings/index.js');
    const bin = join(import.meta.dirname, '..', 'golden', 'fasttext', 'cli.bin');
    const subword = createWebApp({
      vectors: SubwordVectors.fromFastText(await readFastTextBin(bin)),
      staticDir: defaultStaticDir(),
    });
    expect(json(await get('/api/health', subword)).model).toMatchObject({ subword: true });
    const similar = json(await get('/api/similar?word=corações&top=3', subword));
    expect(similar).toMatchObject({
      word: 'corações',
      builtFromNgrams: ['corações'],
      warnings: ["'corações' is not in the vocabulary; its vector is built from its character n-grams."],
    });
    expect(similar.neighbors).toHaveLength(3);
    expect(json(await get('/api/similar?word=ação&top=3', subword)).builtFromNgrams).toEqual([]);
    const analogy = json(await get('/api/analogy?a=pão&b=pãozinho&c=irmã', subword));
    expect(analogy.builtFromNgrams).toEqual(['pãozinho']);
    // A plain word2vec model still refuses an unknown word.
    expect((await get('/api/similar?word=corações')).status).toBe(404);
  });
});
