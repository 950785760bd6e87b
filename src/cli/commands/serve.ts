// `verbo serve`: a local web page and JSON API over a trained word2vec model and/or language model
// (src/web). Bound to 127.0.0.1 unless --host says otherwise; runs until interrupted.
import type { Command } from 'commander';
import { listen, loadWebApp } from '../../web/index.js';
import { VerboError } from '../../util/index.js';
import { parseInteger, printLine, printNote, printWarning } from '../io.js';

export interface ServeFlags {
  model?: string;
  lm?: string;
  host: string;
  port: number;
  allowHost: string[];
}

export async function runServe(flags: ServeFlags): Promise<void> {
  if (flags.model === undefined && flags.lm === undefined) {
    throw new VerboError(
      'give --model DIR (word vectors) and/or --lm DIR (a language model), e.g. verbo serve --model models/demo/w2v --lm models/demo/lm',
      'BAD_ARGUMENT',
    );
  }
  const app = await loadWebApp({ model: flags.model, lm: flags.lm, onWarning: printWarning });
  let started: Awaited<ReturnType<typeof listen>>;
  try {
    started = await listen(app, { host: flags.host, port: flags.port, allowHosts: flags.allowHost });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new VerboError(`port ${flags.port} is in use; pick another with --port N.`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new VerboError(`cannot listen on host '${flags.host}'; use --host 127.0.0.1.`);
    throw error;
  }
  if (flags.host !== '127.0.0.1' && flags.host !== 'localhost' && flags.host !== '::1') {
    printNote(`verbo: warning: listening on ${flags.host}; other machines can reach this server.`);
  }
  printLine(`verbo serve: ${started.url} (Ctrl+C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      started.server.close(() => resolve());
      started.server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('a local web page and JSON API: similar words, analogies, next-word prediction, a map')
    .option('--model <dir>', 'word2vec model directory (or .bin/.txt file)')
    .option('--lm <dir>', 'language-model directory (verbo lm train --out DIR)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', parseInteger(0, 65_535), 8080)
    .option(
      '--allow-host <name>',
      'also answer requests addressed to this host name (repeatable; IP addresses and localhost always are)',
      (value: string, previous: string[]) => [...previous, ...value.split(',').filter((h) => h !== '')],
      [] as string[],
    )
    .action((flags: ServeFlags) => runServe(flags));
}
