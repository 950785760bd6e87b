// The `verbo` program: commander's tree of commands (one file each under src/cli/commands) and the
// run that turns any error into one line on stderr with exit code 1. src/cli/main.ts is the entry.
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
    .exitOverride();
  for (const register of commands) register(program);
  pointUsageErrorsToOwnHelp(program);
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

/**
 * Every command reports a usage error as one line that names its own help:
 * "verbo: unknown option '--lang' (see verbo lm predict --help)".
 */
function pointUsageErrorsToOwnHelp(command: Command, path = 'verbo'): void {
  command.configureOutput({ outputError: (text, write) => write(`${oneLine(text, path)}\n`) });
  for (const sub of command.commands) pointUsageErrorsToOwnHelp(sub, `${path} ${sub.name()}`);
}

function oneLine(text: string, path: string): string {
  const first = text
    .trim()
    .split('\n')[0]!
    .replace(/^error: /, '');
  return `verbo: ${first} (see ${path} --help)`;
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
