// The list of CLI commands: each module exports a `register(program)` that adds its subcommand.
import type { Command } from 'commander';
import { register as corpus } from './corpus.js';
import { register as lm } from './lm.js';
import { register as prep } from './prep.js';
import { register as vocab } from './vocab.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [prep, vocab, corpus, lm];
