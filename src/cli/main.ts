#!/usr/bin/env -S node --max-semi-space-size=4
// The `verbo` command: runs the program (src/cli/program.ts) on the command line's arguments. A reader
// that closes the pipe (`| head`) ends it quietly.
import { endQuietlyWhenPipeCloses } from './io.js';
import { main } from './program.js';

endQuietlyWhenPipeCloses();
process.exitCode = await main(process.argv.slice(2));
