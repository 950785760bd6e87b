// The sizes a language model may have, checked before anything is allocated: each size has a fixed
// maximum (documented on the CLI flags) and the whole model — weights, and for training their
// gradients, optimizer moments and one window's activations — must fit in the machine's memory.
import { VerboError } from '../util/errors.js';
import { checkMemory } from '../util/memory.js';
import type { LanguageModelConfig } from './model.js';

/** The largest sizes accepted (a model at these sizes far exceeds any machine's memory anyway). */
export const LM_LIMITS = {
  embed: 65_536,
  hidden: 65_536,
  layers: 16,
  /** Tokens per window (--bptt) and parallel streams (--batch). */
  bptt: 10_000,
  batch: 10_000,
  /** Tokens `generate` produces in one call (--tokens). */
  generateTokens: 100_000,
} as const;

/** Gates per recurrent step: the weight blocks of one layer. */
const GATES = { lstm: 4, gru: 3, rnn: 1 } as const;

/** Parameters of a language model of this architecture over `vocabularySize` tokens (biases rounded up). */
export function languageModelParameters(
  config: Pick<LanguageModelConfig, 'cell' | 'embed' | 'hidden' | 'layers' | 'tieWeights'>,
  vocabularySize: number,
): number {
  const { embed, hidden, layers } = config;
  const gates = GATES[config.cell] ?? 4;
  let total = vocabularySize * embed;
  for (let l = 0; l < layers; l++) {
    const input = l === 0 ? embed : hidden;
    total += (input + hidden) * gates * hidden + 2 * gates * hidden;
  }
  total += config.tieWeights ? vocabularySize : hidden * vocabularySize + vocabularySize;
  return total;
}

export interface TrainingSize {
  batch: number;
  bptt: number;
  optimizer: 'sgd' | 'adam';
}

/**
 * Refuses an architecture beyond LM_LIMITS or larger than the machine's memory, before it is built:
 * the weights alone, or with `training` also gradients, Adam's two moments and one window's
 * activations (per step and layer: the gates and states; at the top, the logits over the vocabulary).
 */
export function checkLanguageModelSize(
  config: Pick<LanguageModelConfig, 'cell' | 'embed' | 'hidden' | 'layers' | 'tieWeights'>,
  vocabularySize: number,
  training?: TrainingSize,
): void {
  for (const key of ['embed', 'hidden', 'layers'] as const) {
    if (config[key] > LM_LIMITS[key]) {
      throw new VerboError(
        `${key} ${config[key]} is above the largest accepted, ${LM_LIMITS[key]}.`,
        'TOO_LARGE',
      );
    }
  }
  if (training !== undefined) {
    for (const key of ['batch', 'bptt'] as const) {
      if (training[key] > LM_LIMITS[key]) {
        throw new VerboError(
          `${key} ${training[key]} is above the largest accepted, ${LM_LIMITS[key]}.`,
          'TOO_LARGE',
        );
      }
    }
  }
  const parameters = languageModelParameters(config, vocabularySize);
  const { embed, hidden, layers } = config;
  const gates = GATES[config.cell] ?? 4;
  const largestMatrix = Math.max(vocabularySize * Math.max(embed, hidden), (embed + hidden) * gates * hidden);
  let floats = parameters;
  let largest = largestMatrix;
  if (training !== undefined) {
    const copies = training.optimizer === 'adam' ? 4 : 2; // weights, gradients (+ two moments)
    const steps = training.batch * training.bptt;
    const activations = steps * ((gates + 2) * hidden * layers + embed + 3 * vocabularySize);
    floats = parameters * copies + activations;
    largest = Math.max(largestMatrix, steps * vocabularySize);
  }
  const what = `a ${config.cell} language model of ${layers} layer(s) × ${hidden} units, embedding ${embed}, over ${vocabularySize} tokens (${parameters.toLocaleString('en')} parameters${training === undefined ? '' : `, trained in windows of ${training.batch} × ${training.bptt}`})`;
  checkMemory(
    what,
    floats * 4,
    largest * 4,
    'lower --hidden, --embed, --layers or the vocabulary (--max-size)',
  );
}
