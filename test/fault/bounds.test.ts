// Fault suite, sizes: every size flag beyond its documented maximum, and sizes within the maxima that
// would not fit in this machine's memory, are refused in one line before anything is allocated (the
// issue's `lm train --hidden 100000` ended in "internal error"); nothing is written. A text vector file
// with a word twice loads with a warning naming it (it was dropped silently).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterText, requireCli, verbo } from './helpers.js';

requireCli('test/fault/bounds.test.ts');

const dir = mkdtempSync(join(tmpdir(), 'verbo-fault-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = join(dir, 'text.txt');
writeFileSync(text, clusterText(4, 40));
const out = join(dir, 'out');

const flagMax = (flag: string, max: number) =>
  new RegExp(
    `^verbo: option '${flag} <n>' argument '\\d+' is invalid\\. expected a whole number from \\d+ to ${max}`,
  );

describe('size flags', () => {
  const cases: [string[], RegExp][] = [
    [['train', text, '--out', out, '--dim', '10001'], flagMax('--dim', 10_000)],
    [['train', text, '--out', out, '--window', '1001'], flagMax('--window', 1000)],
    [['train', text, '--out', out, '--epochs', '10001'], flagMax('--epochs', 10_000)],
    [
      [
        'train',
        text,
        '--out',
        out,
        '--model',
        'fasttext',
        '--bucket',
        '2147483647',
        '--dim',
        '10000',
        '--min-count',
        '1',
        '--quiet',
      ],
      /^verbo: training needs [\d.]+ GiB for its weights and tables, more than this machine's [\d.]+ GiB of memory; lower --bucket/,
    ],
    [['lm', 'train', text, '--out', out, '--hidden', '100000'], flagMax('--hidden', 65_536)],
    [['lm', 'train', text, '--out', out, '--embed', '100000'], flagMax('--embed', 65_536)],
    [['lm', 'train', text, '--out', out, '--layers', '17'], flagMax('--layers', 16)],
    [['lm', 'train', text, '--out', out, '--bptt', '10001'], flagMax('--bptt', 10_000)],
    [['lm', 'train', text, '--out', out, '--batch', '10001'], flagMax('--batch', 10_000)],
    [
      ['lm', 'train', text, '--out', out, '--hidden', '60000', '--layers', '2', '--quiet'],
      /^verbo: a lstm language model of 2 layer\(s\) × 60000 units.* needs about [\d.]+ GiB, more than this machine's [\d.]+ GiB; lower --hidden/,
    ],
    [['index', 'build', out, '--m', '1025'], flagMax('--m', 1024)],
    [['index', 'build', out, '--ef-construction', '100001'], flagMax('--ef-construction', 100_000)],
  ];
  for (const [args, message] of cases) {
    it(`verbo ${args.filter((a) => !a.startsWith('/')).join(' ')}: one line, exit 1, nothing written`, () => {
      const result = verbo(args);
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    });
  }
});

describe('a word twice in a text vector file', () => {
  it('loads with a warning naming the word and both rows, keeping the first', () => {
    const file = join(dir, 'twice.txt');
    writeFileSync(file, '4 2\nking 1 0\nqueen 0 1\nking 0.5 0.5\nman 1 0.1\n');
    const result = verbo(['similar', file, 'king', '--top', '1', '--json']);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      /^verbo: warning: .*twice\.txt: 1 word\(s\) appear twice: 'king' \(vectors 1 and 3\); the first vector of each is kept/,
    );
    expect(JSON.parse(result.stdout).results[0].neighbors[0].word).toBe('man');
  });
});
