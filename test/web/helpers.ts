// Small seeded models for the web tests: word vectors with a known structure (built, not trained) and a
// tiny LSTM language model trained for a moment on a repetitive text, so tests stay fast.
import { KeyedVectors } from '../../src/embeddings/index.js';
import {
  buildLmVocabulary,
  createLmTokenizer,
  encodeLines,
  LanguageModel,
  trainLanguageModel,
} from '../../src/seq/index.js';
import { Random } from '../../src/util/random.js';

export const DIM = 16;

/**
 * Words along a few directions plus noise: king = royal + male, queen = royal + female, man = male,
 * woman = female, and clusters of fruit and colour words; then 60 noise words. Rows are in decreasing
 * count order, as the trainer writes them.
 */
export function structuredVectors(seed = 7): KeyedVectors {
  const random = new Random(seed);
  const axis = (k: number) => {
    const v = new Float32Array(DIM);
    v[k] = 1;
    return v;
  };
  const royal = axis(0);
  const male = axis(1);
  const female = axis(2);
  const fruit = axis(3);
  const colour = axis(4);
  const combine = (...parts: Float32Array[]) => {
    const v = new Float32Array(DIM);
    for (const part of parts) for (let j = 0; j < DIM; j++) v[j]! += part[j]!;
    for (let j = 0; j < DIM; j++) v[j]! += random.normal(0, 0.05);
    return v;
  };
  const rows: [string, Float32Array][] = [
    ['king', combine(royal, male)],
    ['queen', combine(royal, female)],
    ['man', combine(male)],
    ['woman', combine(female)],
    ['prince', combine(royal, male, male)],
    ['apple', combine(fruit)],
    ['pear', combine(fruit)],
    ['plum', combine(fruit)],
    ['red', combine(colour)],
    ['green', combine(colour)],
    ['blue', combine(colour)],
  ];
  for (let i = 0; i < 60; i++) {
    const v = new Float32Array(DIM);
    for (let j = 0; j < DIM; j++) v[j] = random.normal();
    rows.push([`noise${i}`, v]);
  }
  const words = rows.map(([word]) => word);
  const vectors = new Float32Array(rows.length * DIM);
  rows.forEach(([, v], i) => {
    vectors.set(v, i * DIM);
  });
  const counts = Float64Array.from(rows, (_, i) => 1000 - i * 10);
  return new KeyedVectors(words, vectors, DIM, counts);
}

async function* repeatLines(lines: string[], times: number): AsyncGenerator<string> {
  for (let i = 0; i < times; i++) for (const line of lines) yield line;
}

export const LM_LINES = ['the cat sat on the mat', 'the dog sat on the rug', 'to be or not to be'];

/** A one-layer LSTM trained briefly on LM_LINES (whitespace tokens). */
export async function tinyLanguageModel(): Promise<LanguageModel> {
  const text = { level: 'word' as const, prep: 'none' as const, lang: 'en' as const };
  const tokenize = createLmTokenizer(text);
  const vocab = await buildLmVocabulary(repeatLines(LM_LINES, 1), tokenize);
  const model = new LanguageModel(vocab, {
    ...text,
    cell: 'lstm',
    embed: 16,
    hidden: 24,
    layers: 1,
    seed: 3,
  });
  const { ids } = await encodeLines(repeatLines(LM_LINES, 40), tokenize, vocab);
  await trainLanguageModel(model, ids, {
    bptt: 8,
    batch: 4,
    epochs: 6,
    optimizer: 'adam',
    learningRate: 0.02,
    seed: 1,
  });
  return model;
}
