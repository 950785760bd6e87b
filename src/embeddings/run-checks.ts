// What the word2vec trainer checks around its loop, kept apart from it so that every model kind the
// trainer runs (word2vec, subword) and every kernel (native, TypeScript) goes through the same functions:
// - a resumed run continues the same run: the options that shape the model must be those of the
//   checkpoint (`checkResumeOptions`) and the corpus the same text (`checkResumedCorpus`, against the
//   fingerprint stored in the checkpoint: token and sentence counts, and the corpus counts of the
//   vocabulary's words);
// - a run that diverged stops before anything is saved (`checkFiniteEpoch`): no checkpoint and no model
//   of NaNs ever replaces the last good one.
import { createHash } from 'node:crypto';
import { DivergedError, shown, VerboError } from '../util/errors.js';
import { firstNonFinite } from '../util/model-files.js';
import { TokenCounter, type Vocabulary } from '../vocab/index.js';
import type { ResolvedWord2VecOptions, SentenceCorpus, TrainingState, Word2VecOptions } from './trainer.js';

/** What identifies a corpus for --resume: its size and the corpus counts of the vocabulary's words. */
export interface CorpusFingerprint {
  /** Tokens per pass (all words, in the vocabulary or not). */
  tokens: number;
  sentences: number;
  /** sha256 of "word count" lines for the vocabulary's words, in id order, with their corpus counts. */
  countsSha256: string;
}

/** The fingerprint of a corpus of `tokens` tokens in `sentences` sentences, `countOf` giving word counts. */
export function corpusFingerprint(
  vocabulary: Vocabulary,
  countOf: (word: string, id: number) => number,
  tokens: number,
  sentences: number,
): CorpusFingerprint {
  const hash = createHash('sha256');
  const lines: string[] = [];
  for (let id = 0; id < vocabulary.size; id++) {
    const word = vocabulary.words[id]!;
    lines.push(`${word} ${countOf(word, id)}\n`);
    if (lines.length === 4096) {
      hash.update(lines.join(''));
      lines.length = 0;
    }
  }
  hash.update(lines.join(''));
  return { tokens, sentences, countsSha256: hash.digest('hex') };
}

/** The options whose change makes a different model (or schedule): a resumed run must keep them. */
const RUN_SHAPING_OPTIONS = [
  'model',
  'dim',
  'window',
  'negative',
  'hs',
  'minCount',
  'maxVocabSize',
  'sample',
  'epochs',
  'alpha',
  'minAlpha',
  'alphaDecay',
  'seed',
  'sigmoid',
  'chunkWords',
  'cbow',
  'minn',
  'maxn',
  'bucket',
] as const satisfies readonly (keyof Word2VecOptions & keyof ResolvedWord2VecOptions)[];

/**
 * Refuses a resume whose given options differ from the checkpoint's (options left undefined take the
 * checkpoint's). Threads may differ: they change the speed, not the run.
 */
export function checkResumeOptions(given: Word2VecOptions, kept: ResolvedWord2VecOptions): void {
  const differences: string[] = [];
  for (const key of RUN_SHAPING_OPTIONS) {
    const value = given[key];
    if (value === undefined) continue;
    // Checkpoints written before alphaDecay existed decayed by words.
    const saved = key === 'alphaDecay' ? (kept.alphaDecay ?? 'words') : kept[key];
    if (value !== saved) differences.push(`${key} ${String(value)} (the checkpoint has ${String(saved)})`);
  }
  if (differences.length > 0) {
    throw new VerboError(
      `resume: this run asks for ${differences.join(', ')}; a resumed run keeps the checkpoint's settings. Leave those options out (or give the checkpoint's values), or start a new run without resume.`,
      'MISMATCH',
    );
  }
}

/**
 * Reads the corpus once and refuses it when it is not the one the checkpoint was trained on (checkpoints
 * without a fingerprint are compared by their token and sentence counts only). Returns its fingerprint.
 */
export async function checkResumedCorpus(
  corpus: SentenceCorpus,
  state: TrainingState,
): Promise<CorpusFingerprint> {
  const counter = new TokenCounter();
  let sentences = 0;
  for await (const sentence of corpus) {
    counter.add(sentence);
    sentences++;
  }
  const now = corpusFingerprint(
    state.vocabulary,
    (word) => counter.counts.get(word) ?? 0,
    counter.tokens,
    sentences,
  );
  const then = state.corpus;
  const thenTokens = then?.tokens ?? state.rawWordsPerEpoch;
  const thenSentences = then?.sentences ?? state.sentencesPerEpoch;
  const sizeDiffers = now.tokens !== thenTokens || (thenSentences > 0 && now.sentences !== thenSentences);
  if (sizeDiffers || (then !== undefined && now.countsSha256 !== then.countsSha256)) {
    const what = sizeDiffers
      ? `${now.tokens.toLocaleString('en')} tokens in ${now.sentences.toLocaleString('en')} sentences now, ${thenTokens.toLocaleString('en')} in ${thenSentences.toLocaleString('en')} then`
      : `as many tokens and sentences, but other word counts${exampleDifference(state.vocabulary, counter)}`;
    throw new VerboError(
      `resume: the corpus is not the one the checkpoint was trained on (${what}); resume with the same text, or start a new run without resume.`,
      'MISMATCH',
    );
  }
  return now;
}

/** ", e.g. 'word': 12 then, 10 now" for the first vocabulary word whose count changed (fresh runs). */
function exampleDifference(vocabulary: Vocabulary, counter: TokenCounter): string {
  for (let id = 0; id < vocabulary.size; id++) {
    const word = vocabulary.words[id]!;
    const now = counter.counts.get(word) ?? 0;
    if (now !== vocabulary.counts[id]) {
      return ` — e.g. '${shown(word)}': ${vocabulary.counts[id]} then, ${now} now`;
    }
  }
  return '';
}

/**
 * Refuses an epoch whose mean loss or weights are not finite: training diverged (a learning rate too
 * high), and nothing of it may be saved. `weights` are the run's matrices after the epoch.
 */
export function checkFiniteEpoch(
  epoch: number,
  epochs: number,
  loss: number,
  alpha: number,
  weights: readonly { name: string; values: Float32Array }[],
): void {
  let what: string | undefined = Number.isFinite(loss) ? undefined : `the loss became ${loss}`;
  for (const { name, values } of weights) {
    if (what !== undefined) break;
    const at = firstNonFinite(values);
    if (at >= 0) what = `the ${name} hold ${values[at]}`;
  }
  if (what === undefined) return;
  throw new DivergedError(
    `training diverged in epoch ${epoch} of ${epochs}: ${what}. Nothing of this epoch was saved; lower the learning rate (alpha ${alpha}) and train again.`,
  );
}
