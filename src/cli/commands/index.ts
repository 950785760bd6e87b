// The list of CLI commands: each module exports a `register(program)` that adds its subcommand.
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
