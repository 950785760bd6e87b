// The list of CLI commands: each module exports a `register(program)` that adds its subcommand.
import type { Command } from 'commander';
import { register as analogy } from './analogy.js';
import { register as corpus } from './corpus.js';
import { register as demo } from './demo.js';
import { register as evaluate } from './eval.js';
import { register as exportVectors } from './export.js';
import { register as indexBuild } from './index-build.js';
import { register as lm } from './lm.js';
import { register as plot } from './plot.js';
import { register as prep } from './prep.js';
import { register as query } from './query.js';
import { register as report } from './report.js';
import { register as serve } from './serve.js';
import { register as similar } from './similar.js';
import { register as tag } from './tag.js';
import { register as train } from './train.js';
import { register as vocab } from './vocab.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  prep,
  tag,
  vocab,
  corpus,
  train,
  similar,
  analogy,
  evaluate,
  exportVectors,
  query,
  indexBuild,
  lm,
  serve,
  plot,
  report,
  demo,
];
