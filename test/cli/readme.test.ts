// The README's commands as they run in a clone: every CLI call in a ```sh block is `npx verbo …` (bare
// `verbo` is not on PATH there), names a real command, and passes only flags that command has; and
// statements a user could contradict by trying them: the Portuguese demo's folder, the map projections.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { defaultDemoFolder } from '../../src/cli/commands/demo.js';
import { buildProgram } from '../../src/cli/program.js';
import { packagePath } from '../../src/util/paths.js';
import { MAP_METHODS } from '../../src/web/index.js';

const readme = readFileSync(packagePath('README.md'), 'utf8');

/** The shell commands of the README's ```sh blocks, continuation lines joined, comments dropped. */
function shellCommands(): string[] {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .flatMap((line) => line.split(/\s*(?:;|&&|\|)\s*/));
}

/** Splits a command line into words, keeping "quoted text" and 'quoted text' whole. */
function words(command: string): string[] {
  return [...command.matchAll(/"[^"]*"|'[^']*'|\S+/g)].map((m) => m[0]);
}

/** The (sub)command a `verbo` call names, and the words after it. */
function resolve(program: Command, args: string[]): { command: Command; path: string; rest: string[] } {
  let command = program;
  let path = 'verbo';
  let rest = args;
  for (;;) {
    const sub = command.commands.find((c) => c.name() === rest[0]);
    if (sub === undefined) return { command, path, rest };
    command = sub;
    path = `${path} ${sub.name()}`;
    rest = rest.slice(1);
  }
}

describe('the README', () => {
  const commands = shellCommands();
  const calls = commands.filter((c) => /(^|\s)verbo\s/.test(c));

  it('runs the CLI as `npx verbo` in every command block', () => {
    expect(calls.length).toBeGreaterThan(20);
    for (const call of calls) expect(call, call).toMatch(/^npx verbo /);
  });

  it('names real commands and only their flags', () => {
    const program = buildProgram();
    for (const call of calls) {
      const { command, path, rest } = resolve(program, words(call).slice(2));
      expect(path, call).not.toBe('verbo');
      const flags = new Set(command.options.flatMap((option) => [option.long, option.short]));
      for (const word of rest.filter((w) => w.startsWith('--'))) {
        expect(flags.has(word) || word === '--help', `${call}: ${path} has no ${word}`).toBe(true);
      }
    }
  });

  it('says where the Portuguese demo goes, as the command does', () => {
    expect(readme).toContain(`\`npx verbo demo --lang pt\` does the same`);
    expect(readme).toContain(`writes to \`${defaultDemoFolder('pt')}/\``);
  });

  it('does not deny a map projection the CLI offers', () => {
    expect(MAP_METHODS).toContain('umap');
    expect(readme).not.toMatch(/UMAP (is|are) not included/i);
    expect(readme).toMatch(/--projection umap/);
  });
});
