// `verbo prep`: runs the text pipeline over a corpus and writes one line of space-separated tokens per
// input line (per sentence with --sentences), to stdout or atomically to --out. Thin: flags →
// openCorpus / createPipeline → output.
import { type Command, Option } from 'commander';
import {
  createPipeline,
  openCorpus,
  type StemmerName,
  STEMMER_NAMES,
  type TokenizerName,
  TOKENIZER_NAMES,
} from '../../text/index.js';
import { VerboError, writeStreamAtomic } from '../../util/index.js';
import { parseChoice, parseInteger, printNote, langOption } from '../io.js';

interface PrepFlags {
  lang: 'en' | 'pt';
  prep: 'default' | 'none';
  stopwords?: boolean;
  stopwordFile?: string;
  stem?: boolean;
  stemmer?: StemmerName;
  lemma?: boolean;
  foldAccents?: boolean;
  lower: boolean;
  normalize: 'NFC' | 'NFKC' | 'none';
  minLength: number;
  numbers: boolean;
  urls: boolean;
  emails: boolean;
  emoji: boolean;
  punctuation?: boolean;
  splitContractions?: boolean;
  expandContractions?: boolean;
  splitHyphens?: boolean;
  convention: 'default' | 'ud';
  tokenizer: TokenizerName;
  sentences?: boolean;
  out?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('prep')
    .description('tokenize and clean a corpus: one line of space-separated tokens per input line')
    .argument('<input...>', 'files, directories, globs, .gz files, or - for stdin')
    .addOption(langOption())
    .option('--stopwords', "drop the language's stopwords")
    .option('--stopword-file <file>', 'drop the words in this file too (one per line; implies --stopwords)')
    .option('--stem', "stem with the language's default stemmer (porter for en, rslp for pt)")
    .addOption(
      new Option('--stemmer <name>', 'stem with this stemmer (implies --stem)').argParser(
        parseChoice(STEMMER_NAMES),
      ),
    )
    .option('--lemma', 'lemmatize (English: compromise checked against WordNet; not with --stem)')
    .option('--fold-accents', 'remove diacritics from the output tokens (ação → acao)')
    .option('--no-lower', 'keep the original letter case')
    .addOption(
      new Option('--normalize <form>', 'Unicode normalization form')
        .argParser(parseChoice(['NFC', 'NFKC', 'none'] as const))
        .default('NFC'),
    )
    .option('--min-length <n>', 'drop tokens shorter than n characters', parseInteger(1, 1000), 1)
    .option('--no-numbers', 'drop numbers')
    .option('--no-urls', 'drop URLs')
    .option('--no-emails', 'drop e-mail addresses')
    .option('--no-emoji', 'drop emoji')
    .option('--punctuation', 'keep punctuation marks as tokens')
    .option('--split-contractions', "English: split contractions Penn Treebank style (don't → do n't)")
    .option('--expand-contractions', 'Portuguese: expand contractions (do → de o, na → em a)')
    .option('--split-hyphens', 'split hyphenated words (well-known → well known)')
    .addOption(
      new Option(
        '--convention <name>',
        "ud: tokenize as the Universal Dependencies treebanks do (punctuation kept, don't → do n't, do → de o)",
      )
        .argParser(parseChoice(['default', 'ud'] as const))
        .default('default'),
    )
    .addOption(
      new Option('--tokenizer <name>', 'word tokenizer')
        .argParser(parseChoice(TOKENIZER_NAMES))
        .default('verbo'),
    )
    .addOption(
      new Option(
        '--prep <mode>',
        'default: run the pipeline; none: input is already tokenized, split on whitespace only',
      )
        .argParser(parseChoice(['default', 'none'] as const))
        .default('default'),
    )
    .option('--sentences', 'write one line per sentence (abbreviation-aware splitting)')
    .option('--out <file>', 'write here (atomically) instead of stdout')
    .option('--quiet', 'no notes or warnings on stderr')
    .action(async (inputs: string[], flags: PrepFlags) => {
      await runPrep(inputs, flags);
    });
}

async function runPrep(inputs: string[], flags: PrepFlags): Promise<void> {
  const stemming = flags.stem === true || flags.stemmer !== undefined;
  if (stemming && flags.lemma) throw new VerboError('choose --stem or --lemma, not both.', 'BAD_ARGUMENT');
  const note = flags.quiet ? () => {} : printNote;
  const pipeline = createPipeline({
    lang: flags.lang,
    prep: flags.prep,
    lower: flags.lower,
    foldAccents: flags.foldAccents ?? false,
    normalizeForm: flags.normalize,
    stopwords: flags.stopwordFile ?? flags.stopwords ?? false,
    stem: flags.stemmer ?? stemming,
    lemma: flags.lemma ?? false,
    minLength: flags.minLength,
    keepNumbers: flags.numbers,
    keepUrls: flags.urls,
    keepEmails: flags.emails,
    keepEmoji: flags.emoji,
    keepPunctuation: flags.punctuation,
    splitContractions: flags.splitContractions,
    expandContractions: flags.expandContractions,
    splitHyphens: flags.splitHyphens ?? false,
    convention: flags.convention,
    tokenizer: flags.tokenizer,
  });
  for (const notice of pipeline.notices) note(`verbo: note: ${notice}`);
  if (flags.prep === 'none' && (flags.stopwords || stemming || flags.lemma || flags.foldAccents)) {
    note('verbo: note: --prep none splits on whitespace only; the other pipeline flags are ignored.');
  }
  const lines = openCorpus(inputs, { onWarning: (message) => note(`verbo: warning: ${message}`) });

  // Lines are gathered into blocks of about 64 KiB before writing.
  const produce = async (append: (chunk: string) => Promise<void>): Promise<void> => {
    let block = '';
    for await (const line of lines) {
      if (flags.sentences) {
        for (const sentence of pipeline.sentences(line)) block += `${sentence.join(' ')}\n`;
      } else block += `${pipeline.tokens(line).join(' ')}\n`;
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

/** Runs `produce` into `out` (written atomically, then a note) or, without `out`, into stdout. */
export async function writeOutput(
  out: string | undefined,
  produce: (append: (chunk: string) => Promise<void>) => Promise<void>,
  note: (message: string) => void,
): Promise<void> {
  if (out === undefined) return produce(writeStdout);
  await writeStreamAtomic(out, produce);
  note(`verbo: wrote ${out}`);
}

/** Writes to stdout, waiting when its buffer is full; a closed pipe (`| head`) ends the run quietly. */
export function writeStdout(chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EPIPE') process.exit(0);
      reject(error);
    };
    process.stdout.once('error', onError);
    const flushed = process.stdout.write(chunk, () => process.stdout.off('error', onError));
    if (flushed) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}
