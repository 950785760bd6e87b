// `verbo tag`: part-of-speech tags (UPOS) and lemmas. Text in: one word per line (word, UPOS, lemma,
// tab-separated; a blank line after each sentence) or CoNLL-U (`--format conllu`, contractions as
// multiword tokens). CoNLL-U in (`--input conllu`): the file's syntactic words are taken as given and the
// same file comes out with UPOS and LEMMA filled, the command to score against UD gold data. Thin: flags →
// openCorpus / createTagger → output.
import { type Command, Option } from 'commander';
import {
  type ConlluSentence,
  createTagger,
  formatConllu,
  openCorpus,
  parseConllu,
  splitSentences,
  type TaggedWord,
} from '../../text/index.js';
import { langOption, parseChoice, printNote } from '../io.js';
import { writeOutput } from './prep.js';

interface TagFlags {
  lang: 'en' | 'pt';
  input: 'text' | 'conllu';
  format?: 'tsv' | 'conllu';
  out?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('tag')
    .description('tag words with their part of speech (UPOS) and lemma')
    .argument('<input...>', 'files, directories, globs, .gz files, or - for stdin')
    .addOption(langOption())
    .addOption(
      new Option('--input <kind>', 'text, or conllu: tag the words of a CoNLL-U file as given')
        .argParser(parseChoice(['text', 'conllu'] as const))
        .default('text'),
    )
    .addOption(
      new Option(
        '--format <format>',
        'tsv: word, UPOS, lemma per line; conllu (default for --input conllu)',
      ).argParser(parseChoice(['tsv', 'conllu'] as const)),
    )
    .option('--out <file>', 'write here (atomically) instead of stdout')
    .option('--quiet', 'no notes on stderr')
    .action(async (inputs: string[], flags: TagFlags) => {
      await runTag(inputs, flags);
    });
}

/** One sentence as tab-separated lines: word, UPOS, lemma. */
function formatTsv(words: readonly TaggedWord[]): string {
  let out = '';
  for (const word of words) out += `${word.token}\t${word.upos}\t${word.lemma}\n`;
  return `${out}\n`;
}

/** One tagged sentence as CoNLL-U: a contraction as a range row before its words. */
function toConllu(words: readonly TaggedWord[], text: string, id: number): ConlluSentence {
  const rows: ConlluSentence['rows'] = [];
  words.forEach((word, i) => {
    const n = i + 1;
    if (word.multiword !== undefined)
      rows.push({
        id: `${n}-${n + 1}`,
        columns: [`${n}-${n + 1}`, word.multiword, '_', '_', '_', '_', '_', '_', '_', '_'],
      });
    rows.push({
      id: String(n),
      columns: [String(n), word.token, word.lemma, word.upos, '_', '_', '_', '_', '_', '_'],
    });
  });
  return { comments: [`# sent_id = ${id}`, `# text = ${text}`], rows };
}

async function runTag(inputs: string[], flags: TagFlags): Promise<void> {
  const note = flags.quiet ? () => {} : printNote;
  const format = flags.format ?? (flags.input === 'conllu' ? 'conllu' : 'tsv');
  const tagger = createTagger({ lang: flags.lang });
  const lines = openCorpus(inputs, {
    onWarning: (message) => note(`verbo: warning: ${message}`),
    allowEmpty: true,
  });

  const produce = async (append: (chunk: string) => Promise<void>): Promise<void> => {
    if (flags.input === 'conllu') {
      // A CoNLL-U file is read whole (treebank files are a few MB), tagged and written back.
      let text = '';
      for await (const line of lines) text += `${line}\n`;
      const sentences = parseConllu(text, inputs.join(', '));
      for (const sentence of sentences) {
        tagger.tagConllu(sentence);
        if (format === 'conllu') await append(formatConllu([sentence]));
        else {
          const words = sentence.rows.filter((row) => /^\d+$/.test(row.id));
          await append(
            formatTsv(
              words.map((row) => ({ token: row.columns[1]!, upos: row.columns[3]!, lemma: row.columns[2]! })),
            ),
          );
        }
      }
      return;
    }
    let block = '';
    let id = 0;
    for await (const line of lines) {
      for (const sentence of splitSentences(line, { lang: flags.lang })) {
        const words = tagger.tagSentence(sentence);
        if (words.length === 0) continue;
        block += format === 'conllu' ? formatConllu([toConllu(words, sentence, ++id)]) : formatTsv(words);
      }
      if (block.length >= 65536) {
        await append(block);
        block = '';
      }
    }
    if (block !== '') await append(block);
  };

  try {
    await writeOutput(flags.out, produce, note);
  } finally {
    lines.close();
  }
}
