// `verbo export <model> --format word2vec-bin|word2vec-txt|fasttext-bin --out FILE`: vectors in the
// standard word2vec formats, for gensim, the C tool, fastText users and the anchors' evaluation script,
// or a whole model as a fastText .bin (what `fasttext nn`, `print-word-vectors` and gensim's
// load_facebook_model read). A subword model is written with its n-gram rows and output weights (its
// model.bin); plain word vectors become a fastText model without n-grams (maxn 0, bucket 0).
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import {
  fastTextWriteData,
  loadModel,
  MODEL_FILES,
  SubwordVectors,
  writeFastTextBin,
  writeWord2Vec,
} from '../../embeddings/index.js';
import type { FastTextArgs } from '../../embeddings/index.js';
import { parseChoice, printNote, printWarning } from '../io.js';

export interface ExportFlags {
  format: 'word2vec-bin' | 'word2vec-txt' | 'fasttext-bin';
  out: string;
}

/** Copies `from` to `to` through a temporary name, so `to` is replaced only by a complete copy. */
async function copyAtomic(from: string, to: string): Promise<void> {
  const temporary = `${to}.tmp-${process.pid}-${Date.now().toString(36)}`;
  await mkdir(dirname(to), { recursive: true });
  try {
    await copyFile(from, temporary);
    await rename(temporary, to);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function runExport(model: string, flags: ExportFlags): Promise<void> {
  const { vectors, config } = await loadModel(model, { onWarning: printWarning });
  if (flags.format === 'fasttext-bin') {
    if (config.format === 'fasttext-bin') await copyAtomic(model, flags.out);
    else if (vectors instanceof SubwordVectors) {
      // A subword model directory keeps its whole model (settings, output weights) in model.bin.
      await copyAtomic(join(model, MODEL_FILES.fastText), flags.out);
    } else {
      const args = (config.fastText ?? {}) as Partial<FastTextArgs>;
      await writeFastTextBin(flags.out, fastTextWriteData(vectors, { args }));
    }
    const ngrams =
      vectors instanceof SubwordVectors && vectors.hasNgrams
        ? ` and ${vectors.settings.bucket} n-gram rows`
        : '';
    printNote(
      `wrote ${vectors.size} words${ngrams} of dimension ${vectors.dim} to ${flags.out} (fasttext-bin)`,
    );
    return;
  }
  await writeWord2Vec(flags.out, vectors, { format: flags.format === 'word2vec-bin' ? 'binary' : 'text' });
  printNote(`wrote ${vectors.size} vectors of dimension ${vectors.dim} to ${flags.out} (${flags.format})`);
}

export function register(program: Command): void {
  program
    .command('export')
    .description('write the vectors in word2vec binary or text format, or the model as a fastText .bin')
    .argument(
      '<model>',
      'model directory written by `verbo train`, a word2vec .bin/.txt file or a fastText .bin',
    )
    .requiredOption(
      '--format <format>',
      'word2vec-bin | word2vec-txt | fasttext-bin',
      parseChoice(['word2vec-bin', 'word2vec-txt', 'fasttext-bin'] as const),
    )
    .requiredOption('--out <file>', 'output file (written atomically)')
    .action((model: string, flags: ExportFlags) => runExport(model, flags));
}
