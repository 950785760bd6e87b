// The page in a real browser: playwright-core drives Debian's chromium (/usr/bin/chromium; .ci/run
// installs it) against an in-process server on loopback. Types a word and sees its neighbours, types a
// prompt and sees next-word suggestions, and checks a screenshot is not empty (a real PNG of some size,
// more than one colour). Skips loudly when chromium is absent.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp, defaultStaticDir, listen, type WebServer } from '../../src/web/index.js';
import { structuredVectors, tinyLanguageModel } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(
    `SKIPPED: the browser test needs ${CHROMIUM} (apt-get install -y chromium; .ci/run does this).`,
  );
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Runs `use` with a page of a fresh headless chromium (closed afterwards, whatever happens). */
async function withPage(use: (page: Page) => Promise<void>, viewport?: { width: number; height: number }) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'verbo-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    ...(viewport === undefined ? {} : { viewport }),
  });
  try {
    await use(context.pages()[0] ?? (await context.newPage()));
  } finally {
    await context.close();
  }
}

describe.skipIf(!available)('the page in chromium', () => {
  let server: WebServer;
  let url: string;

  beforeAll(async () => {
    const app = createWebApp({
      vectors: structuredVectors(),
      history: [
        { epoch: 1, loss: 3 },
        { epoch: 2, loss: 2.4 },
      ],
      lm: await tinyLanguageModel(),
      lmHistory: [{ epoch: 1, trainPerplexity: 9, validPerplexity: 11 }],
      staticDir: defaultStaticDir(),
    });
    ({ server, url } = await listen(app, { port: 0 }));
  }, 30_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('shows neighbours and next-word suggestions, and draws something', async () => {
    await withPage(
      async (page) => {
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(url);
        await page.waitForSelector('body[data-ready="true"]');
        expect(await page.textContent('#status')).toContain('71 words × 16 dims');

        await page.fill('#similar-word', 'apple');
        await page.click('#similar-form button');
        await page.waitForSelector('#similar-results li');
        const neighbours = await page.$$eval('#similar-results li .word', (items) =>
          items.map((i) => i.textContent),
        );
        expect(neighbours.slice(0, 2).sort()).toEqual(['pear', 'plum']);
        const score = await page.textContent('#similar-results li .score');
        expect(Number(score)).toBeGreaterThan(0.5);

        await page.fill('#similar-word', 'Apple');
        await page.click('#similar-form button');
        await page.waitForSelector('#similar-note:not([hidden])');
        expect(await page.textContent('#similar-note')).toBe(
          "'Apple' is not in the vocabulary; using 'apple'.",
        );

        await page.fill('#similar-word', 'kinq');
        await page.click('#similar-form button');
        await page.waitForSelector('#similar-error:not([hidden])');
        expect(await page.textContent('#similar-error')).toContain('Did you mean: king?');

        await page.click('#predict-text');
        await page.keyboard.type('to be or not', { delay: 20 });
        await page.waitForSelector('#predict-results li');
        expect(await page.textContent('#predict-results li .word')).toBe('to');
        // A whole line: the end of the line is likeliest, but only words are suggested unless asked.
        await page.fill('#predict-text', '');
        await page.click('#predict-text');
        await page.keyboard.type('to be or not to be', { delay: 10 });
        const suggested = () =>
          page.$$eval('#predict-results li .word', (items) => items.map((i) => i.textContent));
        await page.waitForFunction(() => document.querySelectorAll('#predict-results li').length > 0);
        expect((await suggested()).filter((w) => w?.startsWith('<'))).toEqual([]);
        await page.check('#predict-specials');
        await page.waitForFunction(
          () => document.querySelector('#predict-results li .word')?.textContent === '<eos>',
        );

        await page.waitForSelector('#history-charts svg');
        expect(await page.$$eval('#history-charts svg', (charts) => charts.length)).toBe(2);

        const png = await page.screenshot({ fullPage: true });
        expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        expect(png.length).toBeGreaterThan(10_000);
        // Decode the screenshot in the page itself and count its colours.
        const colours = await page.evaluate(
          async (dataUrl) => {
            const image = new Image();
            image.src = dataUrl;
            await image.decode();
            const canvas = document.createElement('canvas');
            canvas.width = image.width;
            canvas.height = image.height;
            const context2d = canvas.getContext('2d')!;
            context2d.drawImage(image, 0, 0);
            const pixels = context2d.getImageData(0, 0, canvas.width, canvas.height).data;
            const seen = new Set<number>();
            for (let i = 0; i < pixels.length && seen.size < 1000; i += 4 * 97) {
              seen.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
            }
            return seen.size;
          },
          `data:image/png;base64,${png.toString('base64')}`,
        );
        expect(colours).toBeGreaterThan(10);

        // The map: points were drawn (non-background pixels on the canvas).
        const inked = await page.$eval('#map', (canvas) => {
          const c = canvas as HTMLCanvasElement;
          const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let count = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
          return count;
        });
        expect(inked).toBeGreaterThan(100);
        expect(errors).toEqual([]);
      },
      { width: 1100, height: 900 },
    );
  }, 90_000);

  it('says it is computing while the server draws a UMAP map, then shows it', async () => {
    await withPage(async (page) => {
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForFunction(() => document.querySelector('#map-info')?.textContent?.includes('PC1'));
      // Hold the UMAP answer until the page has been looked at.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/api/map?*method=umap*', async (route) => {
        await held;
        await route.continue();
      });
      await page.selectOption('#map-method', 'umap');
      await page.fill('#map-n', '40');
      await page.click('#map-load');
      await page.waitForFunction(() =>
        document.querySelector('#map-info')?.textContent?.includes('computing'),
      );
      expect(await page.textContent('#map-info')).toContain('computing the UMAP projection of 40 words');
      expect(await page.isDisabled('#map-load')).toBe(true);
      expect(await page.getAttribute('#map-section', 'aria-busy')).toBe('true');
      release();
      await page.waitForFunction(() => !(document.querySelector('#map-load') as HTMLButtonElement).disabled);
      expect(await page.textContent('#map-info')).toBe('40 words · UMAP projection');
      expect(await page.isDisabled('#map-load')).toBe(false);
      expect(await page.getAttribute('#map-section', 'aria-busy')).toBeNull();
    });
  }, 90_000);
});

describe.skipIf(!available)('the page with a subword (fastText) model in chromium', () => {
  it('says when a word was built from its character n-grams', async () => {
    const { readFastTextBin, SubwordVectors } = await import('../../src/embeddings/index.js');
    const bin = join(import.meta.dirname, '..', 'golden', 'fasttext', 'cli.bin');
    const app = createWebApp({
      vectors: SubwordVectors.fromFastText(await readFastTextBin(bin)),
      staticDir: defaultStaticDir(),
    });
    const { server, url } = await listen(app, { port: 0 });
    try {
      await withPage(async (page) => {
        await page.goto(url);
        await page.waitForSelector('body[data-ready="true"]');
        await page.fill('#similar-word', 'corações');
        await page.click('#similar-form button');
        await page.waitForSelector('#similar-results li');
        expect(await page.isVisible('#similar-note')).toBe(true);
        expect(await page.textContent('#similar-note')).toBe(
          "'corações' is not in the vocabulary; its vector is built from its character n-grams.",
        );
        await page.fill('#similar-word', 'ação');
        await page.click('#similar-form button');
        await page.waitForFunction(() => document.getElementById('similar-note')?.hidden === true);
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 90_000);
});
