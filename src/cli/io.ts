// Output helpers for the CLI: the only place in verbo that prints and decides exit codes.
import { InvalidArgumentError, Option } from 'commander';
import { fileError, isErrnoError, shown, VerboError } from '../util/index.js';

/** Prints an error as one line on stderr. User errors get no stack trace; VERBO_DEBUG=1 shows one. */
export function reportError(error: unknown): void {
  const debug = process.env.VERBO_DEBUG === '1';
  const described = isErrnoError(error) ? fileError(error, actionOf(error), error.path ?? '(a file)') : error;
  if (described instanceof VerboError && described.code !== 'INTERNAL') {
    process.stderr.write(`verbo: ${oneLine(described.message)}\n`);
  } else if (described instanceof Error) {
    process.stderr.write(
      `verbo: internal error: ${oneLine(described.message)} (set VERBO_DEBUG=1 for the stack trace)\n`,
    );
  } else {
    process.stderr.write(`verbo: ${oneLine(String(described))}\n`);
  }
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}

/** What a failed system call was doing, in words ("open" → "open"; "mkdir" → "create the folder"). */
function actionOf(error: NodeJS.ErrnoException): string {
  const actions: Record<string, string> = {
    mkdir: 'create the folder',
    rename: 'rename',
    unlink: 'remove',
    rmdir: 'remove',
    scandir: 'read the folder',
    write: 'write',
    read: 'read',
    open: 'open',
    stat: 'read',
    lstat: 'read',
    copyfile: 'copy',
  };
  return actions[error.syscall ?? ''] ?? error.syscall ?? 'access';
}

/** A message as one line: control characters escaped, at most 2,000 characters. */
function oneLine(message: string): string {
  const line = message.replace(/\r?\n/g, ' ');
  return shown(line, 2000);
}

/**
 * A closed pipe ends the command quietly, as Unix tools do: `verbo vocab … --json | head -c 300` exits
 * with code 0 and no message once `head` stops reading. Any other failure to write stdout (a full disk
 * under `> file`) is one line on stderr and exit code 1.
 */
export function endQuietlyWhenPipeCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      if (stream === process.stdout) {
        process.stderr.write(`verbo: cannot write the output: ${error.code ?? error.message}\n`);
      }
      process.exit(1);
    });
  }
}

/** Prints one JSON object on stdout (the `--json` contract: nothing else goes to stdout). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Prints a line of text on stdout. */
export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Prints "verbo: warning: <message>" on stderr. */
export function printWarning(message: string): void {
  printNote(`verbo: warning: ${message}`);
}

/** Prints a note or warning on stderr. */
export function printNote(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Commander argument parsers that reject bad values with a one-line message. */
export function parseInteger(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^[-+]?\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`expected a whole number, got '${value}'.`);
    const n = Number.parseInt(value, 10);
    if (n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got ${n}.`);
    return n;
  };
}

export function parseNumber(min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`expected a number, got '${value}'.`);
    if (n < min || n > max)
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got ${n}.`);
    return n;
  };
}

export function parseChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got '${value}'.`);
    }
    return value as T;
  };
}

/** `--lang en|pt` (default en), shared by the commands that read text. */
export function langOption(): Option {
  return new Option('--lang <lang>', 'language of the text')
    .argParser(parseChoice(['en', 'pt'] as const))
    .default('en');
}

/** `--prep default|none` (default: run the text pipeline), shared by the commands that read text. */
export function prepOption(): Option {
  return new Option('--prep <mode>', 'default: run the text pipeline; none: split on whitespace only')
    .argParser(parseChoice(['none', 'default'] as const))
    .default('default');
}
