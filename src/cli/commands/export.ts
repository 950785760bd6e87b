// `verbo export <model> --format word2vec-bin|word2vec-txt --out FILE`: vectors in the standard word2vec
// formats, for gensim, the C tool, fastText users and the anchors' evaluation script.
import type { Command } from 'commander';
import { loadModel, writeWord2Vec } from '../../embeddings/index.js';
import { parseChoice, printNote, printWarning } from '../io.js';

export interface ExportFlags {
  format: 'word2vec-bin' | 'word2vec-txt';
  out: string;
}

export async function runExport(model: string, flags: ExportFlags): Promise<void> {
  const { vectors } = await loadModel(model, { onWarning: printWarning });
  await writeWord2Vec(flags.out, vectors, { format: flags.format === 'word2vec-bin' ? 'binary' : 'text' });
  printNote(`wrote ${vectors.size} vectors of dimension ${vectors.dim} to ${flags.out} (${flags.format})`);
}

export function register(program: Command): void {
  program
    .command('export')
    .description('write the vectors in word2vec binary or text format')
    .argument('<model>', 'model directory written by `verbo train`, or a word2vec .bin/.txt file')
    .requiredOption(
      '--format <format>',
      'word2vec-bin | word2vec-txt',
      parseChoice(['word2vec-bin', 'word2vec-txt'] as const),
    )
    .requiredOption('--out <file>', 'output file (written atomically)')
    .action((model: string, flags: ExportFlags) => runExport(model, flags));
}
