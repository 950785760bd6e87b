// `verbo prep` and `verbo corpus build` end to end: spawns the built CLI (dist/, rebuilt by test/global-setup.ts when src is newer).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../../src/text/pipeline.js';
import { packagePath } from '../../src/util/paths.js';

const cli = packagePath('dist', 'cli', 'main.js');

function run(args: string[], input?: string) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input });
}

function expectUserError(result: ReturnType<typeof run>, message: RegExp): void {
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^verbo: /);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

let dir: string;
const text =
  "Dr. Smith didn't go to São Paulo. The cats are running!\n\nIt's 3.14, see https://example.com.\n";
beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` before the CLI tests`);
  dir = mkdtempSync(join(tmpdir(), 'verbo-prep-cli-'));
  writeFileSync(join(dir, 'in.txt'), text);
  writeFileSync(join(dir, 'in.txt.gz'), gzipSync(text));
  writeFileSync(join(dir, 'pt.txt'), 'As meninas não viram a ação do coração.\n');
  writeFileSync(join(dir, 'empty.txt'), '\n\n');
  writeFileSync(join(dir, 'binary.dat'), Buffer.from([1, 2, 0, 3, 0, 0]));
});

describe('verbo prep', () => {
  it('writes one line of tokens per input line', () => {
    const result = run(['prep', join(dir, 'in.txt')]);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      "dr smith didn't go to são paulo the cats are running",
      '',
      "it's 3.14 see https://example.com",
      '',
    ]);
  });

  it('matches the library pipeline for the same options', () => {
    const result = run(['prep', join(dir, 'in.txt'), '--stopwords', '--stem', '--no-numbers']);
    const pipeline = createPipeline({ stopwords: true, stem: true, keepNumbers: false });
    const expected = text
      .split('\n')
      .slice(0, -1)
      .map((line) => `${pipeline.tokens(line).join(' ')}\n`)
      .join('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(expected);
  });

  it('reads stdin and gzip, and splits sentences', () => {
    const fromStdin = run(['prep', '-', '--sentences'], text);
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout.split('\n')).toEqual([
      "dr smith didn't go to são paulo",
      'the cats are running',
      "it's 3.14 see https://example.com",
      '',
    ]);
    const fromGzip = run(['prep', join(dir, 'in.txt.gz'), '--sentences']);
    expect(fromGzip.stdout).toBe(fromStdin.stdout);
  });

  it('handles Portuguese with the RSLP stemmer by default', () => {
    const result = run(['prep', join(dir, 'pt.txt'), '--lang', 'pt', '--stopwords', '--fold-accents']);
    expect(result.stdout).toBe('meninas viram acao coracao\n');
    const stemmed = run(['prep', join(dir, 'pt.txt'), '--lang', 'pt', '--stem']);
    const pipeline = createPipeline({ lang: 'pt', stem: 'rslp' });
    expect(stemmed.stdout).toBe(
      `${pipeline.tokens(readFileSync(join(dir, 'pt.txt'), 'utf8').trim()).join(' ')}\n`,
    );
  });

  it('writes --out atomically and prints nothing on stdout', () => {
    const out = join(dir, 'out', 'tokens.txt');
    const result = run(['prep', join(dir, 'in.txt'), '--prep', 'none', '--out', out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(
      "Dr. Smith didn't go to São Paulo. The cats are running!\n\nIt's 3.14, see https://example.com.\n",
    );
  });

  it('keeps an earlier --out file when a run fails', () => {
    const out = join(dir, 'keep.txt');
    writeFileSync(out, 'earlier\n');
    const result = run(['prep', join(dir, 'in.txt'), join(dir, 'binary.dat'), '--out', out]);
    expect(result.status).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('earlier\n');
  });

  it('has --help', () => {
    const result = run(['prep', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--stopwords');
    expect(result.stdout).toContain('--sentences');
  });

  it.each([
    [['prep', '/no/such/file.txt'], /\/no\/such\/file\.txt' does not exist/],
    [['prep', 'IN', '--lang', 'fr'], /--lang.*'fr'/],
    [['prep', 'IN', '--stemmer', 'snowball'], /'snowball'/],
    [['prep', 'IN', '--prep', 'raw'], /'raw'/],
    [['prep', 'IN', '--min-length', 'x'], /whole number/],
    [['prep', 'IN', '--no-such-flag'], /unknown option/],
    [['prep', 'IN', '--stem', '--lemma'], /--stem or --lemma/],
    [['prep', 'IN', '--stopword-file', '/no/list.txt'], /\/no\/list\.txt/],
    [['prep', 'BINARY'], /binary\.dat.*binary file/],
    [['prep', 'EMPTY'], /corpus is empty/],
    [['prep'], /missing required argument/],
  ])('rejects %j with one line and exit 1', (args, message) => {
    const resolved = args.map((arg) =>
      arg === 'IN'
        ? join(dir, 'in.txt')
        : arg === 'BINARY'
          ? join(dir, 'binary.dat')
          : arg === 'EMPTY'
            ? join(dir, 'empty.txt')
            : arg,
    );
    expectUserError(run(resolved), message);
  });
});

describe('verbo corpus build', () => {
  it('assembles Moby-Dick from its npm package', () => {
    const out = join(dir, 'moby.txt');
    const result = run(['corpus', 'build', '--no-sotu', '--out', out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^wrote .*moby\.txt: \d+ documents/);
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines.some((line) => line.startsWith('Call me Ishmael.'))).toBe(true);
    expect(lines.every((line) => line === line.trim())).toBe(true);
  });

  it('has --help', () => {
    const result = run(['corpus', 'build', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--out');
  });
});
