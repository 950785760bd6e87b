// Fault suite, property-based fuzzing (fast-check, fixed seeds and modest run counts): the word2vec
// readers (.txt and .bin: random bytes, random lines, and valid files cut or changed), the vocabulary,
// phrase and language-model JSON readers (random JSON and valid documents with one value replaced), and
// the HTTP API (random methods, routes, query strings and bodies; random bytes on a real socket). No input
// may throw anything but a VerboError, take more than a few seconds, or load as an inconsistent model.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedVectors } from '../../src/embeddings/index.js';
import { readWord2Vec, writeWord2Vec } from '../../src/embeddings/formats.js';
import { EOS, LanguageModel, loadLanguageModel, saveLanguageModel, UNK } from '../../src/seq/index.js';
import { VerboError } from '../../src/util/errors.js';
import { sha256Of } from '../../src/util/model-files.js';
import { Random } from '../../src/util/random.js';
import {
  FrozenPhrases,
  loadPhrases,
  Vocabulary,
  vocabularyFromJson,
  vocabularyToJson,
} from '../../src/vocab/index.js';
import { createWebApp, defaultStaticDir, handleRequest, listen, type WebApp } from '../../src/web/index.js';
import { structuredVectors, tinyLanguageModel } from '../web/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-fault-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

/** fast-check settings: a fixed seed per property, modest run counts. */
const settings = (seed: number, numRuns: number) => ({ seed, numRuns });

/** Runs `work`; a VerboError is a refusal (returns undefined), anything else fails, and so does a hang. */
async function refusedOrLoaded<T>(
  label: string,
  work: () => Promise<T> | T,
  ms = 5000,
): Promise<T | undefined> {
  runs++;
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(work), hang]);
  } catch (error) {
    if (error instanceof VerboError) {
      expect(error.message.includes('\n'), `${label}: a message of several lines: ${error.message}`).toBe(
        false,
      );
      return undefined;
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** What any loaded set of vectors must be: a size and dimension that fit the data, finite, words unique. */
function expectConsistentVectors(vectors: KeyedVectors): void {
  expect(vectors.size).toBeGreaterThan(0);
  expect(vectors.dim).toBeGreaterThan(0);
  expect(vectors.words).toHaveLength(vectors.size);
  expect(vectors.vectors.length).toBe(vectors.size * vectors.dim);
  expect(vectors.vectors.every((value) => Number.isFinite(value))).toBe(true);
  expect(new Set(vectors.words).size).toBe(vectors.size);
}

/** A JSON document with the value at one path (chosen by `pick`) replaced, or the key deleted. */
function mutateJson(doc: unknown, pick: number, value: unknown, remove: boolean): unknown {
  const copy = structuredClone(doc) as unknown;
  const holders: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        holders.push([node, i]);
        walk(child);
      });
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        holders.push([node as Record<string, unknown>, key]);
        walk(child);
      }
    }
  };
  walk(copy);
  if (holders.length === 0) return value;
  const [holder, key] = holders[pick % holders.length]!;
  if (remove && !Array.isArray(holder)) delete holder[key as string];
  else (holder as Record<string | number, unknown>)[key] = value;
  return copy;
}

/** Values a careless or hostile edit puts in a JSON file. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1e9, 2 ** 31, 1e308, -1e308, 0.5, '', '1', 'NaN', null, [], {}, true),
);

describe('word2vec readers', () => {
  let file = 0;
  const write = (contents: string | Uint8Array) => {
    const path = join(dir, `w2v-${file++}`);
    writeFileSync(path, contents);
    return path;
  };

  it('random bytes and random lines: refused or loaded consistently (text and binary)', async () => {
    const token = fc.oneof(
      fc.constantFrom(
        '3',
        '2',
        '0',
        '-1',
        '1e9',
        'nan',
        'inf',
        '-inf',
        '0.5',
        '1.',
        '',
        ' ',
        '\t',
        'é',
        '\u0000',
      ),
      fc.integer({ min: -5, max: 5 }).map(String),
      fc.double({ noNaN: false }).map(String),
      fc.string({ maxLength: 6 }),
    );
    const line = fc.array(token, { maxLength: 6 }).map((parts) => parts.join(' '));
    const lines = fc.array(line, { maxLength: 8 }).map((all) => all.join('\n'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(lines, fc.uint8Array({ maxLength: 200 })),
        fc.constantFrom('auto', 'text', 'binary') as fc.Arbitrary<'auto' | 'text' | 'binary'>,
        async (contents, format) => {
          const loaded = await refusedOrLoaded('word2vec file', () =>
            readWord2Vec(write(contents), { format }),
          );
          if (loaded !== undefined) expectConsistentVectors(loaded.vectors);
        },
      ),
      settings(1501, 300),
    );
  });

  it('valid files cut, lengthened or changed: refused or loaded consistently, never with a NaN', async () => {
    const random = new Random(5);
    const words = Array.from({ length: 6 }, (_, i) => `w${i}`);
    const vectors = Float32Array.from({ length: 6 * 4 }, () => random.normal());
    const model = new KeyedVectors(words, vectors, 4);
    const originals: Record<'text' | 'binary', Buffer> = {
      text: Buffer.alloc(0),
      binary: Buffer.alloc(0),
    };
    for (const format of ['text', 'binary'] as const) {
      const path = join(dir, `valid.${format}`);
      await writeWord2Vec(path, model, { format });
      originals[format] = readFileSync(path);
      // Unchanged, each reads back exactly.
      const back = await readWord2Vec(path);
      expect(back.vectors.words).toEqual(words);
      if (format === 'binary') expect(back.vectors.vectors).toEqual(vectors);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('text', 'binary') as fc.Arbitrary<'text' | 'binary'>,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('cut', 'set', 'insert', 'delete'),
        async (format, at, byte, how) => {
          const bytes = Buffer.from(originals[format]);
          const i = at % bytes.length;
          const changed =
            how === 'cut'
              ? bytes.subarray(0, i)
              : how === 'set'
                ? Buffer.from(bytes.map((b, k) => (k === i ? byte : b)))
                : how === 'insert'
                  ? Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)])
                  : Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
          const loaded = await refusedOrLoaded('changed word2vec file', () => readWord2Vec(write(changed)));
          if (loaded !== undefined) expectConsistentVectors(loaded.vectors);
        },
      ),
      settings(1502, 300),
    );
  });
});

describe('JSON readers', () => {
  const vocab = new Vocabulary([UNK, EOS, 'a', 'b', 'c'], [0, 3, 5, 4, 2], [UNK, EOS]);

  it('vocabulary: random JSON and valid documents with one value changed', async () => {
    const valid = vocabularyToJson(vocab);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc
            .tuple(fc.nat(), oddValue, fc.boolean())
            .map(([pick, value, remove]) => mutateJson(valid, pick, value, remove)),
        ),
        async (doc) => {
          const loaded = await refusedOrLoaded('vocabulary', () => vocabularyFromJson(doc, 'fuzz'));
          if (loaded === undefined) return;
          expect(new Set(loaded.words).size).toBe(loaded.size);
          loaded.words.forEach((word, id) => {
            expect(loaded.id(word)).toBe(id);
          });
          expect(loaded.counts).toHaveLength(loaded.size);
        },
      ),
      settings(1503, 300),
    );
  });

  it('phrases: random JSON, random text and valid documents with one value changed', async () => {
    const valid = { format: 'verbo-phrases', version: 1, delimiter: '_', phrases: [['new', 'york', 12.5]] };
    let file = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }).map((doc) => JSON.stringify(doc) ?? ''),
          fc.string({ maxLength: 60 }),
          fc
            .tuple(fc.nat(), oddValue, fc.boolean())
            .map(([pick, value, remove]) => JSON.stringify(mutateJson(valid, pick, value, remove)) ?? ''),
        ),
        async (text) => {
          const path = join(dir, `phrases-${file++}.json`);
          writeFileSync(path, text);
          const loaded = await refusedOrLoaded('phrases', () => loadPhrases(path));
          if (loaded === undefined) return;
          expect(loaded).toBeInstanceOf(FrozenPhrases);
          // Applying it to words gives words.
          const out = loaded.apply(['new', 'york', 'city']);
          expect(out.every((word) => typeof word === 'string' && word.length > 0)).toBe(true);
        },
      ),
      settings(1504, 300),
    );
  });

  it('language model: config.json, vocab.json and weights.json changed (their manifest entries made to match)', async () => {
    const good = join(dir, 'lm');
    saveLanguageModel(new LanguageModel(vocab, { embed: 4, hidden: 5, layers: 1, seed: 1 }), good);
    const docs = Object.fromEntries(
      ['config.json', 'vocab.json', 'weights.json'].map((name) => [
        name,
        JSON.parse(readFileSync(join(good, name), 'utf8')),
      ]),
    ) as Record<string, Record<string, unknown>>;
    let folder = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('config.json', 'vocab.json', 'weights.json'),
        fc.nat(),
        oddValue,
        fc.boolean(),
        async (name, pick, value, remove) => {
          const target = join(dir, `lm-${folder++}`);
          const files = new Map<string, string>();
          for (const file of ['config.json', 'vocab.json', 'weights.json', 'weights.bin']) {
            files.set(file, readFileSync(join(good, file), 'latin1'));
          }
          const changed = mutateJson(docs[name], pick, value, remove);
          const text = JSON.stringify(changed) ?? '';
          files.set(name, text);
          rmSync(target, { recursive: true, force: true });
          mkdirSync(target);
          const config = name === 'config.json' ? changed : structuredClone(docs['config.json']);
          // A consistent folder: the manifest records the changed file, so the reader behind it is reached.
          if (name !== 'config.json' && config !== null && typeof config === 'object') {
            const manifest = (config as { files?: Record<string, unknown> }).files;
            if (manifest !== undefined) {
              manifest[name] = { bytes: Buffer.byteLength(text), sha256: sha256Of(Buffer.from(text)) };
            }
            files.set('config.json', JSON.stringify(config));
          }
          for (const [file, contents] of files) {
            writeFileSync(join(target, file), contents, file.endsWith('.bin') ? 'latin1' : 'utf8');
          }
          const loaded = await refusedOrLoaded(`language model (${name})`, () => loadLanguageModel(target));
          rmSync(target, { recursive: true, force: true });
          if (loaded === undefined) return;
          const { next } = loaded.predict('a b', { topK: 2, specials: true });
          for (const { probability } of next) expect(Number.isFinite(probability)).toBe(true);
        },
      ),
      settings(1505, 200),
    );
  });
});

describe('HTTP API', () => {
  let app: WebApp;
  beforeAll(async () => {
    app = createWebApp({
      vectors: structuredVectors(),
      lm: await tinyLanguageModel(),
      staticDir: defaultStaticDir(),
    });
  }, 60_000);

  const routes = ['/api/health', '/api/similar', '/api/analogy', '/api/predict', '/api/map', '/api/history'];
  const keys = [
    'word',
    'top',
    'a',
    'b',
    'c',
    'positive',
    'negative',
    'k',
    'words',
    'method',
    'text',
    'specials',
  ];
  const value = fc.oneof(
    fc.constantFrom(
      'king',
      'queen',
      'man',
      'KING',
      '1',
      '0',
      '-1',
      '1e308',
      'NaN',
      'Infinity',
      '',
      'umap',
      'pca',
    ),
    fc.string({ maxLength: 12 }),
    fc.integer().map(String),
  );
  const query = fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 4 })), value), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
  const url = fc.oneof(
    fc.tuple(fc.constantFrom(...routes), query).map(([route, q]) => `${route}?${q}`),
    fc.string({ maxLength: 40 }).map((s) => `/${s}`),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('/api/similar?word=%E0%A4%A', '/api/similar?word=%', '/..%2f..%2fetc/passwd', '/api'),
  );
  const body = fc.oneof(
    fc.constant(undefined),
    fc.jsonValue({ maxDepth: 3 }).map((doc) => JSON.stringify(doc)),
    fc
      .record({ text: fc.oneof(fc.string(), fc.constantFrom('the cat', '')), top: value, k: value })
      .map((doc) => JSON.stringify(doc)),
    fc.string({ maxLength: 60 }),
    fc.uint8Array({ maxLength: 60 }),
  );

  it('random requests: a JSON answer with a 2xx/3xx/4xx status, never a 500, never a hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'),
          fc.string({ maxLength: 6 }),
        ),
        url,
        body,
        async (method, target, payload) => {
          const response = await refusedOrLoaded('request', () =>
            handleRequest(app, { method, url: target, body: payload }),
          );
          expect(response, `${method} ${target} threw`).toBeDefined();
          expect(
            response!.status,
            `${method} ${target}: ${String(response!.body).slice(0, 200)}`,
          ).toBeLessThan(500);
          expect(response!.status).toBeGreaterThanOrEqual(200);
          const path = target.split('?')[0]!;
          if (path.startsWith('/api') && method.toUpperCase() !== 'HEAD') {
            expect(response!.headers['content-type']).toMatch(/^application\/json/);
            expect(() => JSON.parse(String(response!.body))).not.toThrow();
          }
        },
      ),
      settings(1506, 300),
    );
  }, 120_000);

  it('random bytes on a real socket: the server keeps answering', async () => {
    const started = await listen(app, { port: 0 });
    const port = Number(new URL(started.url).port);
    const send = (bytes: Uint8Array) =>
      new Promise<string>((resolvePromise) => {
        let received = '';
        const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
        socket.on('data', (chunk) => {
          received += chunk.toString('latin1');
        });
        socket.on('error', () => {});
        socket.on('close', () => resolvePromise(received));
      });
    const health = async () => {
      const response = await fetch(`${started.url}api/health`);
      return response.status;
    };
    try {
      const requestHead = fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'XYZ', ''),
          fc.string({ maxLength: 30 }),
          fc.string({ maxLength: 60 }),
        )
        .map(([m, path, header]) =>
          new TextEncoder().encode(`${m} /${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${header}\r\n\r\n`),
        );
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), requestHead), async (bytes) => {
          runs++;
          await send(bytes);
          expect(await health()).toBe(200);
        }),
        settings(1507, 40),
      );
    } finally {
      (started.server as unknown as { closeAllConnections(): void }).closeAllConnections();
      started.server.close();
    }
  }, 120_000);
});

afterAll(() => {
  console.info(`fault suite (fuzz): ${runs} fuzz runs`);
});
