#!/usr/bin/env -S node --max-semi-space-size=4 --experimental-wasm-relaxed-simd
// The `verbo` command: parses flags with commander, hands each command to its file under
// src/cli/commands, and turns errors into one line on stderr with exit code 1.
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { reportError } from './io.js';

export function buildProgram(): Command {
  const program = new Command('verbo')
    .description(
      'Text embeddings and NLP preprocessing: pipeline, word2vec, nearest neighbours, language models',
    )
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`${oneLine(text)}\n`) });
  for (const register of commands) register(program);
  return program;
}

/** Commander's usage errors as one line: "verbo: unknown option '--x' (see verbo --help)". */
function oneLine(text: string): string {
  const first = text
    .trim()
    .split('\n')[0]!
    .replace(/^error: /, '');
  return `verbo: ${first} (see verbo --help)`;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage errors were already printed.
      return error.exitCode === 0 ? 0 : 1;
    }
    reportError(error);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
