// `verbo index build <model>`: builds the HNSW index of a model directory and saves it beside the vectors
// (index.hnsw + index.hnsw.json, each written atomically), then measures recall@10 against exact search
// on a seeded sample of the model's own words and suggests the smallest ef reaching 0.95, so the user
// knows what the approximate index costs in quality before `verbo similar --index hnsw` relies on it.
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { buildModelIndex, loadModel } from '../../embeddings/index.js';
import { HNSW_LIMITS } from '../../search/index.js';
import { VerboError } from '../../util/index.js';
import { parseInteger, printJson, printLine, printWarning } from '../io.js';
import { createProgress } from '../progress.js';

export interface IndexBuildFlags {
  m: number;
  efConstruction: number;
  ef?: number;
  json?: boolean;
}

/** hnswlib's default search ef in verbo (HnswIndex's default), used when --ef is not given. */
const DEFAULT_EF = 100;
/** ef values the recall estimate tries besides the chosen one. */
const RECALL_EFS = [10, 20, 50, 100, 200, 400];
const RECALL_K = 10;
const RECALL_SAMPLE = 200;
const RECALL_SEED = 1;
const RECALL_TARGET = 0.95;

export async function runIndexBuild(model: string, flags: IndexBuildFlags): Promise<void> {
  if (existsSync(model) && !statSync(model).isDirectory()) {
    throw new VerboError(
      `${model} is a vector file, not a model directory: \`verbo index build\` saves the index beside a model written by \`verbo train\` (\`verbo similar --index hnsw\` builds one in memory for a bare file).`,
    );
  }
  const { vectors } = await loadModel(model, { onWarning: printWarning });
  if (vectors.size < 2) {
    throw new VerboError(`${model}: the model has ${vectors.size} word(s); an index needs at least 2.`);
  }
  const ef = flags.ef ?? DEFAULT_EF;
  const progress = createProgress('index');
  let built: ReturnType<typeof buildModelIndex>;
  try {
    built = buildModelIndex(model, vectors, {
      M: flags.m,
      efConstruction: flags.efConstruction,
      ef,
      onProgress: (done, total) => progress.update(done / total, { words: `${done}/${total}` }),
    });
  } finally {
    progress.stop();
  }
  const { index, path, seconds } = built;
  const efs = [...new Set([...RECALL_EFS, ef])].sort((a, b) => a - b);
  const report = index.recall({
    k: RECALL_K,
    sample: RECALL_SAMPLE,
    seed: RECALL_SEED,
    target: RECALL_TARGET,
    efs,
  });
  const recall = report.results.find((result) => result.ef === ef)!.recall;
  if (flags.json) {
    printJson({
      size: index.size,
      seconds,
      m: index.M,
      efConstruction: index.efConstruction,
      ef,
      recall,
      suggestedEf: report.suggestedEf,
      path,
      sample: report.sample,
      target: report.target,
    });
    return;
  }
  printLine(
    `built an HNSW index over ${index.size} words in ${seconds.toFixed(2)} s (M ${index.M}, efConstruction ${index.efConstruction}, ef ${ef}): ${path}`,
  );
  printLine(
    `recall@${RECALL_K} at ef ${ef}: ${recall.toFixed(3)} (${report.sample} sampled words against exact search)`,
  );
  printLine(
    report.suggestedEf === null
      ? `no ef up to ${efs[efs.length - 1]} reaches recall@${RECALL_K} ≥ ${RECALL_TARGET}; rebuild with a larger --m or --ef-construction`
      : `suggested ef for recall@${RECALL_K} ≥ ${RECALL_TARGET}: ${report.suggestedEf}`,
  );
}

export function register(program: Command): void {
  const index = program.command('index').description('the HNSW nearest-neighbour index of a model directory');
  index
    .command('build')
    .description('build the HNSW index of a model directory and save it beside the vectors')
    .argument('<model>', 'model directory written by `verbo train`')
    .option('--m <n>', 'graph degree M (links per node)', parseInteger(2, 1024), 16)
    .option(
      '--ef-construction <n>',
      'candidate list size while building',
      parseInteger(1, HNSW_LIMITS.efConstruction),
      200,
    )
    .option(
      '--ef <n>',
      `candidate list size while searching (default ${DEFAULT_EF})`,
      parseInteger(1, HNSW_LIMITS.ef),
    )
    .option('--json', 'print one JSON object on stdout')
    .action((model: string, flags: IndexBuildFlags) => runIndexBuild(model, flags));
}
