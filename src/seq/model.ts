// The language model: Embedding → (SimpleRNN | LSTM | GRU) × layers, dropout between → Dense over the
// vocabulary (optionally tied to the embedding: logits = h · Eᵀ + b, Press & Wolf 2017), built from
// src/nn's layers (the LSTM and GRU run the tensor core's fused sequence ops), and the inference built
// on it: next-word probabilities, sampling, perplexity. The state is passed in and returned explicitly
// (not the layers' `stateful` mode) so that training, evaluation and prediction keep separate states.
//
// Shapes. A window is batch-major: ids [batch·steps] (row b·steps + t), embedded to [batch, steps, embed],
// run through the recurrent layers (one fused op per layer, recurrent.ts) to [batch, steps, hidden], and
// flattened to [batch·steps, hidden] so the output layer is ONE matmul for the whole window
// ([batch·steps, hidden] · [hidden, vocab]) followed by the fused sparse softmax cross-entropy.
// All weights start uniform in ±initScale (0.1, Zaremba et al.).
import {
  dense as denseLayer,
  type Dense,
  type Embedding,
  embedding as embeddingLayer,
  gru,
  type InitializerFn,
  lstm,
  type RNN,
  simpleRNN,
  Weight,
} from '../nn/index.js';
import {
  dropout,
  fromArray,
  linear,
  linearSparseSoftmaxCrossEntropy,
  narrow,
  noGrad,
  reshape,
  type Tensor,
  transpose,
  zeros,
} from '../tensor/index.js';
import { VerboError } from '../util/errors.js';
import { Random } from '../util/random.js';
import type { Vocabulary } from '../vocab/index.js';
import { createLmTokenizer, EOS, type LmLevel, type LmTokenizer, UNK } from './data.js';
import { checkLanguageModelSize, LM_LIMITS } from './limits.js';

export type CellType = 'lstm' | 'gru' | 'rnn';
export const CELL_TYPES: readonly CellType[] = ['lstm', 'gru', 'rnn'];

export interface LanguageModelOptions {
  /** 'word' (default) or 'char'. */
  level?: LmLevel;
  /** Word level: 'default' (the text pipeline, default) or 'none' (split on whitespace). */
  prep?: 'none' | 'default';
  lang?: 'en' | 'pt';
  /** 'lstm' (default), 'gru' or 'rnn'. */
  cell?: CellType;
  /** Embedding size (default 200). */
  embed?: number;
  /** Units per recurrent layer (default 200). */
  hidden?: number;
  /** Recurrent layers (default 2). */
  layers?: number;
  /** Dropout on the embedding, between layers and before the output layer (default 0). */
  dropout?: number;
  /** Share the embedding with the output layer (needs embed = hidden). Default false. */
  tieWeights?: boolean;
  /** Weights start uniform in ±initScale (default 0.1). */
  initScale?: number;
  /** Seed of the initial weights (default 1). */
  seed?: number;
}

/** The resolved architecture, as saved in config.json. */
export type LanguageModelConfig = Required<Omit<LanguageModelOptions, 'seed'>>;

/** A named parameter, in the fixed order used by save/load; `weight.value` is the tensor. */
export interface NamedParameter {
  name: string;
  tensor: Tensor;
  weight: Weight;
}

export interface Prediction {
  /** The context tokens as the model saw them (unknown ones shown as <unk>). */
  context: string[];
  /** The most probable next tokens, most probable first. */
  next: { word: string; probability: number }[];
  /** Plain-language warnings (unknown words), also sent to onWarning. */
  warnings: string[];
}

export interface PredictOptions {
  /** How many next words (default 5). */
  topK?: number;
  /**
   * Also suggest the special tokens (<unk>, <eos>). Default false: words only, each with the model's
   * own probability (the specials' share is left out, not spread over the words).
   */
  specials?: boolean;
  /** Receives warnings (unknown prompt words). The library never prints. */
  onWarning?: (message: string) => void;
}

export interface GenerateOptions {
  /** Tokens to generate (default 50). */
  tokens?: number;
  /** Softmax temperature (default 1); lower is more conservative. Must be > 0. */
  temperature?: number;
  /** Sample only among the k most probable tokens (default 0: all). */
  topK?: number;
  /** Seed of the sampler (default 1). */
  seed?: number;
  /**
   * Also sample <unk> (and any special other than <eos>). Default false: only words and <eos>, which
   * ends a line (a line break in the text, never the token itself).
   */
  specials?: boolean;
  /** Receives warnings (unknown prompt words). The library never prints. */
  onWarning?: (message: string) => void;
  /**
   * Receives each token as soon as it is drawn, with the piece of text it adds (the separator and the
   * word, or a line break for <eos>), so callers can stream a long generation.
   */
  onToken?: (token: string, piece: string) => void;
}

export interface Generation {
  /** The generated tokens (without the prompt); <eos> stands for a line break. */
  tokens: string[];
  /** The generated text: words joined by spaces (characters without), <eos> as a line break. */
  text: string;
  warnings: string[];
}

export interface ForwardResult {
  /** Top-layer outputs, [batch·steps, hidden], batch-major. */
  hidden: Tensor;
  /** The state after the last step: per layer, [h] or [h, c], each [batch, units]. */
  state: Tensor[][];
}

function positiveInteger(name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 1)) {
    throw new VerboError(`${name} must be a whole number ≥ 1, got ${value}.`, 'BAD_ARGUMENT');
  }
}

/** Checks and fills in the architecture options. */
export function resolveConfig(options: LanguageModelOptions): LanguageModelConfig {
  const config: LanguageModelConfig = {
    level: options.level ?? 'word',
    prep: options.prep ?? 'default',
    lang: options.lang ?? 'en',
    cell: options.cell ?? 'lstm',
    embed: options.embed ?? 200,
    hidden: options.hidden ?? 200,
    layers: options.layers ?? 2,
    dropout: options.dropout ?? 0,
    tieWeights: options.tieWeights ?? false,
    initScale: options.initScale ?? 0.1,
  };
  if (!CELL_TYPES.includes(config.cell)) {
    throw new VerboError(`unknown cell '${config.cell}'; expected lstm, gru or rnn.`, 'BAD_ARGUMENT');
  }
  if (config.level !== 'word' && config.level !== 'char') {
    throw new VerboError(`unknown level '${config.level}'; expected word or char.`, 'BAD_ARGUMENT');
  }
  positiveInteger('embed', config.embed);
  positiveInteger('hidden', config.hidden);
  positiveInteger('layers', config.layers);
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw new VerboError(`dropout must be in [0, 1), got ${config.dropout}.`, 'BAD_ARGUMENT');
  }
  if (!(config.initScale >= 0 && Number.isFinite(config.initScale))) {
    throw new VerboError(`initScale must be a number ≥ 0, got ${config.initScale}.`, 'BAD_ARGUMENT');
  }
  if (config.tieWeights && config.embed !== config.hidden) {
    throw new VerboError(
      `tied weights need the embedding size to equal the hidden size (got embed ${config.embed}, hidden ${config.hidden}); ` +
        'set both to the same value or drop tieWeights.',
      'BAD_ARGUMENT',
    );
  }
  return config;
}

export class LanguageModel {
  readonly vocab: Vocabulary;
  readonly config: LanguageModelConfig;
  /** src/nn layers: the embedding, the recurrent layers (sequences and final states), the output. */
  readonly embeddingLayer: Embedding;
  readonly recurrentLayers: RNN[];
  /** The output Dense layer, or null when tied to the embedding. */
  readonly outputLayer: Dense | null;
  /** The output bias of a tied model (a Dense layer's own bias otherwise). */
  private readonly tiedBias: Weight | null;
  private tokenizer: LmTokenizer | undefined;

  constructor(vocab: Vocabulary, options: LanguageModelOptions = {}) {
    if (vocab.id(UNK) < 0 || vocab.id(EOS) < 0) {
      throw new VerboError(
        `a language-model vocabulary needs the specials ${UNK} and ${EOS}.`,
        'BAD_ARGUMENT',
      );
    }
    this.vocab = vocab;
    this.config = resolveConfig(options);
    checkLanguageModelSize(this.config, vocab.size); // before any weight is allocated
    const { embed, hidden, layers, cell, initScale } = this.config;
    // Every weight uniform in ±initScale from one seeded Random, drawn in construction order.
    const random = new Random(options.seed ?? 1);
    const init: InitializerFn = (shape) => {
      const out = new Float32Array(shape.reduce((n, d) => n * d, 1));
      for (let i = 0; i < out.length; i++) out[i] = random.uniform(-initScale, initScale);
      return out;
    };
    const V = vocab.size;
    this.embeddingLayer = embeddingLayer({
      name: 'embedding',
      inputDim: V,
      outputDim: embed,
      embeddingsInitializer: init,
    });
    this.embeddingLayer.build();
    this.embeddingLayer.built = true;
    const factory = cell === 'lstm' ? lstm : cell === 'gru' ? gru : simpleRNN;
    this.recurrentLayers = [];
    for (let l = 0; l < layers; l++) {
      const layer = factory({
        name: `rnn${l}`,
        units: hidden,
        returnSequences: true,
        returnState: true,
        kernelInitializer: init,
        recurrentInitializer: init,
        biasInitializer: init,
      });
      layer.build([[null, null, l === 0 ? embed : hidden]]);
      layer.built = true;
      this.recurrentLayers.push(layer);
    }
    if (this.config.tieWeights) {
      this.outputLayer = null;
      this.tiedBias = new Weight(
        'output/bias',
        fromArray(init([V], random), [V], { requiresGrad: true }),
        init,
        true,
      );
    } else {
      this.outputLayer = denseLayer({
        name: 'output',
        units: V,
        kernelInitializer: init,
        biasInitializer: init,
      });
      this.outputLayer.build([[null, hidden]]);
      this.outputLayer.built = true;
      this.tiedBias = null;
    }
  }

  /** [vocab, embed] */
  get embedding(): Tensor {
    return this.embeddingLayer.embeddings.value;
  }

  /** [hidden, vocab], or null when tied to the embedding. */
  get outputKernel(): Tensor | null {
    return this.outputLayer?.kernel.value ?? null;
  }

  /** [vocab] */
  get outputBias(): Tensor {
    return (this.outputLayer?.bias ?? this.tiedBias)!.value;
  }

  /** Whether the embedding is frozen (not updated by training). */
  get embeddingFrozen(): boolean {
    return !this.embeddingLayer.trainable;
  }

  /** Every parameter with its name, in save order. */
  parameters(): NamedParameter[] {
    const named = (name: string, weight: Weight): NamedParameter => ({ name, tensor: weight.value, weight });
    const out: NamedParameter[] = [named('embedding', this.embeddingLayer.embeddings)];
    this.recurrentLayers.forEach((layer, l) => {
      out.push(named(`rnn${l}/kernel`, layer.cell.kernel));
      out.push(named(`rnn${l}/recurrentKernel`, layer.cell.recurrentKernel));
      out.push(named(`rnn${l}/bias`, layer.cell.bias));
    });
    if (this.outputLayer) {
      out.push(named('output/kernel', this.outputLayer.kernel));
      out.push(named('output/bias', this.outputLayer.bias!));
    } else out.push(named('output/bias', this.tiedBias!));
    return out;
  }

  /** The parameters the optimizer updates (all but a frozen embedding). */
  trainableParameters(): Tensor[] {
    return this.parameters()
      .filter((p) => !(this.embeddingFrozen && p.name === 'embedding'))
      .map((p) => p.tensor);
  }

  /** Freezes (or unfreezes) the embedding. A tied embedding is also the output layer, so it cannot be frozen. */
  freezeEmbedding(frozen = true): void {
    if (frozen && this.config.tieWeights) {
      throw new VerboError(
        'a tied embedding is also the output layer and cannot be frozen; fine-tune it or untie.',
        'BAD_ARGUMENT',
      );
    }
    this.embeddingLayer.trainable = !frozen;
  }

  /** Number of scalars in all parameters. */
  countParameters(): number {
    return this.parameters().reduce((n, p) => n + p.tensor.size, 0);
  }

  /** Zero state for `batch` rows. */
  initialState(batch: number): Tensor[][] {
    const count = this.config.cell === 'lstm' ? 2 : 1;
    return this.recurrentLayers.map(() =>
      Array.from({ length: count }, () => zeros([batch, this.config.hidden])),
    );
  }

  /**
   * Runs a batch-major window of ids ([batch·steps]) from `state` through the embedding and the
   * recurrent layers. Dropout is active only when `training` (and needs `random`).
   */
  forward(
    ids: Int32Array,
    steps: number,
    batch: number,
    state: Tensor[][],
    options: { training?: boolean; random?: Random } = {},
  ): ForwardResult {
    const training = options.training ?? false;
    const rate = this.config.dropout;
    const random = options.random ?? new Random(1);
    const drop = (x: Tensor): Tensor => (training && rate > 0 ? dropout(x, rate, random, true) : x);
    // ids → [batch, steps, embed] (the nn Embedding takes ids as values of a tensor)
    const idTensor = new Float32Array(ids.length);
    for (let i = 0; i < ids.length; i++) idTensor[i] = ids[i]!;
    const context = { training, random };
    let x = drop(this.embeddingLayer.apply(fromArray(idTensor, [batch, steps]), context));
    const nextState: Tensor[][] = [];
    this.recurrentLayers.forEach((layer, l) => {
      if (l > 0) x = drop(x);
      // [output [batch, steps, hidden], ...final states]
      const [sequence, ...final] = layer.applyAll([x, ...state[l]!], context);
      x = sequence!;
      nextState.push(final);
    });
    const hidden = drop(reshape(x, [batch * steps, this.config.hidden])); // [batch·steps, hidden]
    return { hidden, state: nextState };
  }

  /** Logits over the vocabulary for rows of top-layer outputs: [rows, hidden] → [rows, vocab]. */
  logits(hidden: Tensor): Tensor {
    if (this.outputLayer) return this.outputLayer.apply(hidden);
    return linear(hidden, transpose(this.embedding), this.outputBias);
  }

  /**
   * The cross-entropy of next-word `targets` (one per row) under the output layer, fused with it
   * (linearSparseSoftmaxCrossEntropy: the [rows, vocab] logits never become a tensor), summed over the
   * rows or their mean: equal to sparseSoftmaxCrossEntropy(this.logits(hidden), targets, options).
   */
  loss(hidden: Tensor, targets: Int32Array, options: { reduction?: 'mean' | 'sum' } = {}): Tensor {
    const weights = this.outputKernel ?? transpose(this.embedding);
    return linearSparseSoftmaxCrossEntropy(hidden, weights, this.outputBias, targets, options);
  }

  /** Line → tokens, as in training. */
  tokenize(text: string): string[] {
    this.tokenizer ??= createLmTokenizer(this.config);
    return this.tokenizer(text);
  }

  /** Ids of a prompt, preceded by <eos> (a prompt starts a line); unknown words → <unk> with a warning. */
  private encodePrompt(
    text: string,
    onWarning: ((message: string) => void) | undefined,
    allowEmpty: boolean,
  ): { ids: number[]; context: string[]; warnings: string[] } {
    const tokens = this.tokenize(text);
    const warnings: string[] = [];
    const unk = this.vocab.id(UNK);
    const unknown: string[] = [];
    const ids = tokens.map((token) => {
      const id = this.vocab.id(token);
      if (id < 0) unknown.push(token);
      return id < 0 ? unk : id;
    });
    if (tokens.length === 0 && !allowEmpty) {
      throw new VerboError('the prompt has no tokens; give some text, e.g. "the company said".', 'EMPTY');
    }
    if (tokens.length > 0 && unknown.length === tokens.length) {
      throw new VerboError(
        `none of the prompt's words are in the model's vocabulary (${quoteList(unknown)}); ` +
          'use words from the training text.',
        'UNKNOWN_WORD',
      );
    }
    if (unknown.length > 0) {
      const message = `${unknown.length} prompt word${unknown.length === 1 ? ' is' : 's are'} not in the vocabulary and ${
        unknown.length === 1 ? 'was' : 'were'
      } read as ${UNK}: ${quoteList(unknown)}`;
      warnings.push(message);
      onWarning?.(message);
    }
    return {
      ids: [this.vocab.id(EOS), ...ids],
      context: ids.map((id) => this.vocab.word(id)),
      warnings,
    };
  }

  /** Feeds ids one window at a time (batch 1) and returns the top-layer output of the last id and the state. */
  private consume(ids: readonly number[], state: Tensor[][]): { last: Tensor; state: Tensor[][] } {
    const { hidden, state: next } = this.forward(Int32Array.from(ids), ids.length, 1, state);
    return { last: narrow(hidden, 0, ids.length - 1, 1), state: next };
  }

  /** Next-token probabilities (float64) after the ids, from zero state. */
  private nextDistribution(last: Tensor, temperature = 1): Float64Array {
    const logits = this.logits(last).toFloat32Array();
    return softmax64(logits, temperature);
  }

  /** The `topK` most probable next words after `text` (special tokens only with `specials: true`). */
  predict(text: string, options: PredictOptions = {}): Prediction {
    const topK = options.topK ?? 5;
    positiveInteger('topK', topK);
    return noGrad(() => {
      const prompt = this.encodePrompt(text, options.onWarning, false);
      const { last } = this.consume(prompt.ids, this.initialState(1));
      const probabilities = this.nextDistribution(last);
      const ranked = options.specials ? probabilities : this.withoutSpecials(probabilities, -1);
      const next = topIndices(ranked, topK)
        .filter((id) => ranked[id]! >= 0)
        .map((id) => ({ word: this.vocab.word(id), probability: probabilities[id]! }));
      return { context: prompt.context, next, warnings: prompt.warnings };
    });
  }

  /** Samples a continuation of `prompt` token by token (state carried), seeded. */
  generate(prompt: string, options: GenerateOptions = {}): Generation {
    const count = options.tokens ?? 50;
    const temperature = options.temperature ?? 1;
    const topK = options.topK ?? 0;
    if (!(Number.isInteger(count) && count >= 0)) {
      throw new VerboError(`tokens must be a whole number ≥ 0, got ${count}.`, 'BAD_ARGUMENT');
    }
    if (count > LM_LIMITS.generateTokens) {
      throw new VerboError(
        `tokens ${count} is more than one call generates (at most ${LM_LIMITS.generateTokens}); generate in parts, each from the end of the last.`,
        'TOO_LARGE',
      );
    }
    if (!(temperature > 0 && Number.isFinite(temperature))) {
      throw new VerboError(`temperature must be a number > 0, got ${temperature}.`, 'BAD_ARGUMENT');
    }
    if (!(Number.isInteger(topK) && topK >= 0)) {
      throw new VerboError(`topK must be a whole number ≥ 0 (0: no limit), got ${topK}.`, 'BAD_ARGUMENT');
    }
    const random = new Random(options.seed ?? 1);
    return noGrad(() => {
      const encoded = this.encodePrompt(prompt, options.onWarning, true);
      let { last, state } = this.consume(encoded.ids, this.initialState(1));
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const probabilities = this.nextDistribution(last, temperature);
        const id = sample(
          options.specials ? probabilities : this.withoutSpecials(probabilities, 0, EOS),
          topK,
          random,
        );
        out.push(this.vocab.word(id));
        if (options.onToken !== undefined) {
          const token = out[out.length - 1]!;
          const lineStart = out.length === 1 || out[out.length - 2] === EOS;
          const separator = token === EOS || lineStart || this.config.level === 'char' ? '' : ' ';
          options.onToken(token, token === EOS ? '\n' : separator + token);
        }
        if (i + 1 < count) ({ last, state } = this.consume([id], state));
      }
      return { tokens: out, text: this.detokenize(out), warnings: encoded.warnings };
    });
  }

  /** A copy of `probabilities` with the special tokens' entries set to `value` (all but `keep`). */
  private withoutSpecials(probabilities: Float64Array, value: number, keep?: string): Float64Array {
    const masked = probabilities.slice();
    for (const special of this.vocab.specials) {
      const id = this.vocab.id(special);
      if (special !== keep && id >= 0) masked[id] = value;
    }
    return masked;
  }

  /** Tokens → text: words joined by spaces (characters without), <eos> as a line break. */
  detokenize(tokens: readonly string[]): string {
    const separator = this.config.level === 'char' ? '' : ' ';
    let text = '';
    let lineStart = true;
    for (const token of tokens) {
      if (token === EOS) {
        text += '\n';
        lineStart = true;
        continue;
      }
      text += lineStart ? token : separator + token;
      lineStart = false;
    }
    return text;
  }
}

/** Softmax in float64 of logits / temperature. */
export function softmax64(logits: Float32Array, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i]! / temperature - max);
    out[i] = e;
    total += e;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= total;
  return out;
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const n = Math.min(k, values.length);
  const best: number[] = []; // sorted by value, descending
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (best.length === n && v <= values[best[n - 1]!]!) continue;
    if (best.length === n) best.pop();
    let j = best.length;
    while (j > 0 && values[best[j - 1]!]! < v) j--;
    best.splice(j, 0, i);
  }
  return best;
}

/** Draws an index from `probabilities`, restricted to the top k when k > 0; never one of probability 0. */
function sample(probabilities: Float64Array, topK: number, random: Random): number {
  const candidates = (topK > 0 ? topIndices(probabilities, topK) : Array.from(probabilities.keys())).filter(
    (i) => probabilities[i]! > 0,
  );
  let total = 0;
  for (const i of candidates) total += probabilities[i]!;
  let u = random.next() * total;
  for (const i of candidates) {
    u -= probabilities[i]!;
    if (u <= 0) return i;
  }
  return candidates[candidates.length - 1] ?? 0;
}

function quoteList(words: readonly string[]): string {
  const shown = words.slice(0, 5).map((w) => `'${w}'`);
  return shown.join(', ') + (words.length > 5 ? `, … (${words.length} in all)` : '');
}
