// The `verbo` program: commander's tree of commands (one file each under src/cli/commands) and the
// run that turns any error into one line on stderr with exit code 1. src/cli/main.ts is the entry.
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { reportError } from './io.js';

export function buildProgram(): Command {
  const program = new Command('verbo')
    .description(
      'Text embeddings and NLP preprocessing: pipeline, word2vec, nearest neighbours, language models',
    )
    .version('0.1.0')
    .exitOverride();
  for (const register of commands) register(program);
  pointUsageErrorsToOwnHelp(program);
  return program;
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
