// `verbo vocab` end to end (runs dist/, which test/global-setup.ts rebuilds when src is newer): the --json shape, saved files, and bad
// input ending with one line on stderr and exit code 1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../src/util/paths.js';
import { loadVocabularyJson, loadVocabularyText } from '../../src/vocab/index.js';

const cli = packagePath('dist', 'cli', 'main.js');

const dir = mkdtempSync(join(tmpdir(), 'verbo-cli-vocab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Already tokenized text ("--prep none"): the(5) cat(3) sat(2) mat(2) on(1) a(1) dog(1) = 15 tokens.
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'the cat sat\non the mat\nthe cat sat a\nthe mat cat\nthe dog\n');

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, 'vocab', ...args], { encoding: 'utf8' });
}

describe('verbo vocab', () => {
  it('--json prints exactly {size, tokens, words} with the most frequent first', () => {
    const result = run([corpus, '--prep', 'none', '--min-count', '2', '--json']);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual(['size', 'tokens', 'words']);
    expect(output).toEqual({
      size: 4,
      tokens: 15,
      words: [
        { word: 'the', count: 5 },
        { word: 'cat', count: 3 },
        { word: 'sat', count: 2 },
        { word: 'mat', count: 2 },
      ],
    });
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('--max-size and --specials shape the vocabulary', () => {
    const result = run([
      corpus,
      '--prep',
      'none',
      '--min-count',
      '1',
      '--max-size',
      '4',
      '--specials',
      '<unk>,<pad>',
      '--json',
    ]);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.words.map((w: { word: string }) => w.word)).toEqual(['<unk>', '<pad>', 'the', 'cat']);
  });

  it('runs the default pipeline (lowercase, punctuation) and writes the text and JSON formats', () => {
    const raw = join(dir, 'raw.txt');
    writeFileSync(raw, 'The cat sat.\nThe CAT, the cat!\n');
    const textOut = join(dir, 'out.vocab');
    const text = run([raw, '--min-count', '1', '--out', textOut]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`wrote ${textOut}`);
    expect(readFileSync(textOut, 'utf8')).toBe('the 3\ncat 3\nsat 1\n');
    expect(Array.from(loadVocabularyText(textOut).counts)).toEqual([3, 3, 1]);

    const jsonOut = join(dir, 'out.json');
    const json = run([raw, '--min-count', '2', '--out', jsonOut, '--json']);
    expect(json.status).toBe(0);
    const loaded = loadVocabularyJson(jsonOut);
    expect(loaded.words).toEqual(['the', 'cat']);
    expect(loaded.tokensSeen).toBe(7);
    expect(JSON.parse(readFileSync(jsonOut, 'utf8')).meta.lang).toBe('en');
    // The memory note goes to stderr, never to stdout.
    expect(json.stderr).toMatch(/in memory/);
  });

  const bad: { name: string; args: string[]; message: RegExp }[] = [
    { name: 'a missing file', args: [join(dir, 'missing.txt')], message: /missing\.txt/ },
    { name: 'a non-numeric --min-count', args: [corpus, '--min-count', 'abc'], message: /--min-count.*abc/ },
    { name: 'a zero --max-size', args: [corpus, '--max-size', '0'], message: /--max-size/ },
    { name: 'an unknown flag', args: [corpus, '--no-such-flag'], message: /unknown option/ },
    { name: 'an unknown --lang', args: [corpus, '--lang', 'fr'], message: /--lang.*fr/ },
    {
      name: 'an unknown --format',
      args: [corpus, '--format', 'xml', '--out', join(dir, 'x')],
      message: /--format/,
    },
    { name: 'no input', args: [], message: /missing required argument/ },
    {
      name: 'a min-count nothing reaches',
      args: [corpus, '--prep', 'none', '--min-count', '99'],
      message: /lower --min-count/,
    },
    {
      name: 'an --out under a file',
      args: [corpus, '--out', join(corpus, 'v.txt')],
      message: /cannot write .*v\.txt \(at .*corpus\.txt\): a part of the path is a file, not a folder/,
    },
    { name: 'empty specials', args: [corpus, '--specials', '<unk>,,<pad>'], message: /--specials/ },
  ];
  for (const row of bad) {
    it(`exits 1 with one line on stderr for ${row.name}`, () => {
      const result = run(row.args);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^verbo: /);
      expect(lines[0]).toMatch(row.message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
