// `verbo plot MODEL`: writes the embedding map (PCA of the most frequent words: map.svg; UMAP:
// map-umap.svg, so one does not replace the other) and the training curves as SVG files into --out
// (default: the model directory's plots/ folder, or ./plots for a bare file). With --lm DIR the
// language model's perplexity is drawn too (per epoch, or while training when it ran one epoch).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadModel } from '../../embeddings/index.js';
import { writeFileAtomic } from '../../util/index.js';
import {
  curvesSvg,
  embeddingMap,
  historySeries,
  lmPerplexitySvg,
  MAP_METHODS,
  type MapMethod,
  mapSvg,
  readLmHistory,
  readProgress,
} from '../../web/index.js';
import { parseChoice, parseInteger, printJson, printLine, printWarning } from '../io.js';

export interface PlotFlags {
  out?: string;
  words: number;
  lm?: string;
  projection?: MapMethod;
  json?: boolean;
}

export async function runPlot(model: string, flags: PlotFlags): Promise<string[]> {
  const { vectors, history } = await loadModel(model, { onWarning: printWarning });
  const outDir = flags.out ?? (statSync(model).isDirectory() ? join(model, 'plots') : 'plots');
  const written: string[] = [];
  const write = (name: string, svg: string) => {
    const path = join(outDir, name);
    writeFileAtomic(path, svg);
    written.push(path);
  };
  const projection = flags.projection ?? 'pca';
  const map = embeddingMap(vectors, Math.min(flags.words, vectors.size), 1, projection);
  write(mapFileName(projection), mapSvg(map, { title: `Embedding map (${model})` }));
  write(
    'loss.svg',
    curvesSvg([{ name: 'loss', points: historySeries(history, 'loss') }], {
      title: 'word2vec training loss',
      xLabel: 'epoch',
      yLabel: 'mean loss per example',
    }),
  );
  if (flags.lm !== undefined) {
    write('lm-perplexity.svg', lmPerplexitySvg(readLmHistory(flags.lm), readProgress(flags.lm)));
  }
  if (flags.json)
    printJson({
      files: written,
      words: map.words.length,
      method: map.method,
      explainedRatio: map.explainedRatio,
    });
  else for (const path of written) printLine(`wrote ${path}`);
  return written;
}

/** map.svg for the default PCA map, map-<method>.svg for the others. */
export function mapFileName(method: MapMethod): string {
  return method === 'pca' ? 'map.svg' : `map-${method}.svg`;
}

export function register(program: Command): void {
  program
    .command('plot')
    .description('write the embedding map and the training curves as SVG')
    .argument('<model>', 'model directory written by `verbo train`, or a word2vec .bin/.txt file')
    .option('--out <dir>', 'folder for the SVG files (default: MODEL/plots)')
    .option('--words <n>', 'most frequent words on the map', parseInteger(2, 5000), 300)
    .option(
      '--projection <method>',
      'pca (linear, default; map.svg) or umap (map-umap.svg)',
      parseChoice(MAP_METHODS),
      'pca',
    )
    .option('--lm <dir>', 'also plot this language model’s perplexity per epoch')
    .option('--json', 'print {"files", "words", "method", "explainedRatio"} on stdout')
    .action(async (model: string, flags: PlotFlags) => {
      await runPlot(model, flags);
    });
}
