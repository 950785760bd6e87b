#!/usr/bin/env -S node --max-semi-space-size=4 --experimental-wasm-relaxed-simd
// The `verbo` command: parses flags with commander, hands each command to its file under
// src/cli/commands, and turns errors into one line on stderr with exit code 1.
import { Command, CommanderError } from 'commander';
import { nativeStatus } from '../native/index.js';
import { commands } from './commands/index.js';
import { reportError } from './io.js';

export function buildProgram(): Command {
  const program = new Command('verbo')
    .description(
      'Text embeddings and NLP preprocessing: pipeline, word2vec, nearest neighbours, language models',
    )
    .version(
      versionText(),
      '-V, --version',
      'print the version and which kernels run (native ISA or fallback)',
    )
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`${oneLine(text)}\n`) });
  for (const register of commands) register(program);
  return program;
}

/** `verbo --version`: the version, then the kernel path in use and why, e.g. "kernels: native avx2 (VERBO_ISA=avx2)". */
function versionText(): string {
  let kernels: string;
  try {
    const status = nativeStatus();
    const why = status.reason === '' ? '' : ` (${status.reason})`;
    kernels =
      status.path === 'native'
        ? `native ${status.isa}${why}; this CPU runs ${status.supported!.join(', ')}; ${status.threads} threads`
        : `TypeScript loops${why}; ${status.threads} threads`;
  } catch (error) {
    kernels = `unavailable: ${(error as Error).message}`;
  }
  return `verbo 0.1.0\nkernels: ${kernels}`;
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
