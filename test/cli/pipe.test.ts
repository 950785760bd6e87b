// A closed pipe ends every command quietly: `verbo vocab … --json | head -c 300` must not print an
// `Error: write EPIPE` stack trace. Each command runs with the read end of its stdout closed before it
// writes anything, so every write fails with EPIPE; the command must exit 0 with nothing about it on
// stderr. Commands without a row in the table below run with `--help` (which also prints on stdout).
// Runs the built CLI (dist/, rebuilt by test/global-setup.ts when src is newer).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { saveModel } from '../../src/embeddings/index.js';
import { saveLanguageModel } from '../../src/seq/index.js';
import { packagePath } from '../../src/util/paths.js';
import { structuredVectors, tinyLanguageModel } from '../web/helpers.js';

const cli = packagePath('dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'verbo-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = join(dir, 'text.txt');
const model = join(dir, 'w2v');
const lm = join(dir, 'lm');
const pairs = join(dir, 'pairs.tsv');
const analogies = join(dir, 'analogies.txt');

beforeAll(async () => {
  // Enough text that the outputs exceed what one write could hide.
  const line = 'the king and the queen saw a man and a woman eat an apple and a pear';
  writeFileSync(text, `${Array.from({ length: 400 }, (_, i) => `${line} word${i}`).join('\n')}\n`);
  writeFileSync(pairs, 'king\tqueen\t8\napple\tpear\t9\nred\tking\t1\n');
  writeFileSync(analogies, ': royal\nman king woman queen\nman prince woman queen\n');
  await saveModel(model, { vectors: structuredVectors(), config: { lang: 'en' }, history: [] });
  saveLanguageModel(await tinyLanguageModel(), lm);
});

/** Arguments per command path that make it print a real answer on stdout. */
const ROWS: Record<string, string[]> = {
  prep: ['prep', text],
  vocab: ['vocab', text, '--min-count', '1', '--json'],
  train: [
    'train',
    text,
    '--out',
    join(dir, 'trained'),
    '--dim',
    '8',
    '--epochs',
    '1',
    '--min-count',
    '1',
    '--json',
  ],
  similar: ['similar', model, 'king', 'apple', '--json'],
  analogy: ['analogy', model, 'man', 'king', 'woman'],
  eval: ['eval', model, '--analogies', analogies, '--pairs', pairs],
  export: ['export', model, '--format', 'word2vec-txt', '--out', join(dir, 'exported.txt')],
  query: ['query', model],
  'index build': ['index', 'build', model, '--json'],
  'lm train': [
    'lm',
    'train',
    text,
    '--out',
    join(dir, 'lm2'),
    '--embed',
    '4',
    '--hidden',
    '4',
    '--layers',
    '1',
    '--max-tokens',
    '200',
    '--json',
  ],
  'lm eval': ['lm', 'eval', lm, text],
  'lm predict': ['lm', 'predict', lm, 'the cat sat on the'],
  'lm generate': ['lm', 'generate', lm, 'the cat', '--tokens', '20'],
  plot: ['plot', model, '--out', join(dir, 'plots'), '--json'],
  report: [
    'report',
    model,
    '--out',
    join(dir, 'report.html'),
    '--analogies',
    analogies,
    '--pairs',
    pairs,
    '--json',
  ],
  demo: ['demo', '--quick', '--out', join(dir, 'demo')],
};

/** Commands that keep running or build large corpora: only their --help is piped here. */
const HELP_ONLY = new Set(['serve', 'corpus build']);

function commandPaths(command: Command, prefix = ''): string[] {
  return command.commands.flatMap((sub) => {
    const path = `${prefix}${sub.name()}`;
    if (sub.name() === 'help') return [];
    return sub.commands.length > 0 ? commandPaths(sub, `${path} `) : [path];
  });
}

/** Runs the CLI with its stdout pipe already closed by the reader; resolves with exit code and stderr. */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.end(args[0] === 'query' ? 'king\n{"similar": "apple", "top": 3}\n' : '');
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('every command when its reader closes the pipe', () => {
  const paths = commandPaths(buildProgram());

  it('knows the commands (the table names only real ones)', () => {
    expect(paths).toContain('vocab');
    expect(paths).toContain('lm predict');
    for (const path of [...Object.keys(ROWS), ...HELP_ONLY]) expect(paths).toContain(path);
  });

  for (const path of paths) {
    const args = ROWS[path] ?? [...path.split(' '), '--help'];
    it(`verbo ${args.join(' ')} exits 0 without an EPIPE error`, async () => {
      const { code, stderr } = await runIntoClosedPipe(args);
      expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(stderr).not.toMatch(/internal error|cannot write/);
      expect(code).toBe(0);
    }, 60_000);
  }
});
