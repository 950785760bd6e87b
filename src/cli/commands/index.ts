// The list of CLI commands: each module exports a `register(program)` that adds its subcommand.
import type { Command } from 'commander';
import { register as registerSimilar } from './similar.js';
import { register as registerAnalogy } from './analogy.js';
import { register as registerEval } from './eval.js';
import { register as registerExport } from './export.js';
import { register as registerQuery } from './query.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerSimilar,
  registerAnalogy,
  registerEval,
  registerExport,
  registerQuery,
];
