// `verbo vocab`: counts a corpus through the text pipeline and prints or saves its vocabulary (word2vec
// -save-vocab text, or versioned JSON). Thin: flags → openCorpus / createPipeline / buildVocabulary → output.
import { type Command, Option } from 'commander';
import { createPipeline, openCorpus, tokenCorpus } from '../../text/index.js';
import { fileError, VerboError } from '../../util/index.js';
import {
  countTokens,
  estimateVocabularyMemory,
  saveVocabularyJson,
  saveVocabularyText,
  vocabularyFromCounter,
} from '../../vocab/index.js';
import { parseChoice, parseInteger, printJson, printLine, printNote, langOption, prepOption } from '../io.js';

interface VocabFlags {
  minCount: number;
  maxSize?: number;
  out?: string;
  format?: 'text' | 'json';
  json?: boolean;
  lang: 'en' | 'pt';
  prep: 'none' | 'default';
  stopwords?: boolean;
  stem?: boolean;
  lemma?: boolean;
  specials?: string;
  maxTypes: number;
  top: number;
  quiet?: boolean;
}

/** Default pruning bound while counting: well under V8's ~16.7M-entry limit for one Map. */
const DEFAULT_MAX_TYPES = 10_000_000;

export function register(program: Command): void {
  program
    .command('vocab')
    .description('count the words of a corpus and print or save its vocabulary')
    .argument('<input...>', 'files, directories, globs, .gz files, or - for stdin')
    .option('--min-count <n>', 'leave out words seen fewer times', parseInteger(1), 5)
    .option('--max-size <n>', 'keep at most this many words (specials included)', parseInteger(1))
    .option('--out <file>', 'write the vocabulary here (.json: versioned JSON; otherwise "word count" lines)')
    .addOption(
      new Option('--format <format>', 'file format of --out (default: from the extension)').argParser(
        parseChoice(['text', 'json'] as const),
      ),
    )
    .option('--json', 'print {"size", "tokens", "words": [{"word", "count"}]} on stdout and nothing else')
    .addOption(langOption())
    .addOption(prepOption())
    .option('--stopwords', "drop the language's stopwords")
    .option('--stem', "stem with the language's default stemmer (porter for en, rslp for pt)")
    .option('--lemma', 'lemmatize (not with --stem)')
    .option('--specials <list>', 'comma-separated words given the first ids, e.g. "<unk>,<pad>,<bos>,<eos>"')
    .option(
      '--max-types <n>',
      'prune rare words while counting when more than n distinct words are held (bounds memory)',
      parseInteger(1, 16_000_000),
      DEFAULT_MAX_TYPES,
    )
    .option('--top <n>', 'how many of the most frequent words the summary lists', parseInteger(0), 10)
    .option('--quiet', 'no progress or notes on stderr')
    .action(async (inputs: string[], flags: VocabFlags) => {
      await runVocab(inputs, flags);
    });
}

async function runVocab(inputs: string[], flags: VocabFlags): Promise<void> {
  if (flags.stem && flags.lemma) throw new VerboError('choose --stem or --lemma, not both.', 'BAD_ARGUMENT');
  const specials = parseSpecials(flags.specials);
  const note = flags.quiet ? () => {} : printNote;

  const pipeline = createPipeline({
    lang: flags.lang,
    prep: flags.prep,
    stopwords: flags.stopwords ?? false,
    stem: flags.stem ?? false,
    lemma: flags.lemma ?? false,
  });
  const lines = openCorpus(inputs, { onWarning: (message) => note(`verbo: warning: ${message}`) });
  try {
    let lastReport = Date.now();
    const counter = await countTokens(tokenCorpus(lines, pipeline), {
      maxTypesWhileCounting: flags.maxTypes,
      onProgress: ({ tokens, types }) => {
        const now = Date.now();
        if (now - lastReport < 5000) return;
        lastReport = now;
        note(`counting: ${tokens.toLocaleString('en')} tokens, ${types.toLocaleString('en')} distinct words`);
      },
    });
    if (counter.tokens === 0) {
      throw new VerboError(
        'the corpus has no tokens after preprocessing; check the input and --prep.',
        'EMPTY',
      );
    }
    const vocab = vocabularyFromCounter(counter, {
      minCount: flags.minCount,
      maxSize: flags.maxSize,
      specials,
    });
    if (vocab.size === specials.length) {
      throw new VerboError(
        `no word occurs at least ${flags.minCount} times (${counter.types} distinct words in ${counter.tokens} tokens); lower --min-count.`,
        'EMPTY',
      );
    }
    // Notes wait until the file is written, so a failed write prints just its one error line.
    const notes = pipeline.notices.map((notice) => `verbo: note: ${notice}`);
    notes.push(
      `verbo: note: ${vocab.size.toLocaleString('en')} words need about ${formatBytes(estimateVocabularyMemory(vocab.size, averageLength(vocab.words)))} in memory` +
        ` (${formatBytes(estimateVocabularyMemory(counter.types, averageLength(counter.counts.keys())))} while counting).`,
    );
    if (counter.pruneLevel > 0) {
      notes.push(
        `verbo: note: more than ${flags.maxTypes.toLocaleString('en')} distinct words: words seen up to ${counter.pruneLevel} times were pruned while counting ` +
          `(${counter.prunedTokens.toLocaleString('en')} occurrences dropped; rare counts may be low). Raise --max-types for exact counts.`,
      );
    }

    if (flags.out !== undefined) {
      const out = flags.out;
      const format = flags.format ?? (out.toLowerCase().endsWith('.json') ? 'json' : 'text');
      try {
        if (format === 'json') {
          saveVocabularyJson(vocab, out, {
            inputs,
            lang: flags.lang,
            prep: flags.prep,
            stopwords: flags.stopwords ?? false,
            stem: pipeline.options.stem,
            lemma: flags.lemma ?? false,
          });
        } else saveVocabularyText(vocab, out);
      } catch (error) {
        throw fileError(error, 'write --out', out);
      }
    }

    for (const line of notes) note(line);
    if (flags.json) {
      const words = vocab.words.map((word, id) => ({ word, count: vocab.counts[id]! }));
      printJson({ size: vocab.size, tokens: vocab.tokensSeen, words });
      return;
    }
    const coverage = vocab.tokensSeen > 0 ? (100 * vocab.totalCount) / vocab.tokensSeen : 0;
    printLine(
      `${vocab.size.toLocaleString('en')} words (min-count ${flags.minCount}${flags.maxSize !== undefined ? `, max-size ${flags.maxSize}` : ''}) ` +
        `from ${vocab.tokensSeen.toLocaleString('en')} tokens of ${counter.types.toLocaleString('en')} distinct words; ` +
        `the vocabulary covers ${coverage.toFixed(1)}% of tokens`,
    );
    const top = vocab.words.slice(specials.length, specials.length + flags.top);
    if (top.length > 0) {
      printLine(`most frequent: ${top.map((w) => `${w} ${vocab.counts[vocab.id(w)]}`).join(', ')}`);
    }
    if (flags.out !== undefined) printLine(`wrote ${flags.out}`);
  } finally {
    lines.close();
  }
}

function parseSpecials(list: string | undefined): string[] {
  if (list === undefined) return [];
  const specials = list.split(',').map((s) => s.trim());
  if (specials.some((s) => s.length === 0 || /\s/.test(s))) {
    throw new VerboError(
      `--specials expects comma-separated words without spaces, e.g. "<unk>,<pad>", got '${list}'.`,
      'BAD_ARGUMENT',
    );
  }
  return specials;
}

function averageLength(words: Iterable<string>): number {
  let total = 0;
  let n = 0;
  for (const w of words) {
    total += w.length;
    n++;
    if (n === 100_000) break; // a sample is enough for an estimate
  }
  return n > 0 ? total / n : 0;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
