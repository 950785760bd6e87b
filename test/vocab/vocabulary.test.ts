// Vocabulary building: counts, min-count, max-size, specials, ordering, extend, and pruning while counting.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';
import {
  TokenCounter,
  Vocabulary,
  buildVocabulary,
  countTokens,
  estimateVocabularyMemory,
} from '../../src/vocab/index.js';

// 13 tokens: "the" 4, "cat" 3, "sat" 2 and "mat" 2 (sat seen first), "on" 1 and "a" 1 (on first).
const corpus = [
  ['the', 'cat', 'sat'],
  ['on', 'the', 'mat'],
  ['the', 'cat', 'sat', 'a'],
  ['the', 'mat', 'cat'],
];

/** Independent reference: counts and first-occurrence order computed by hand-rolled loops. */
function referenceCounts(sentences: string[][]): { counts: Record<string, number>; order: string[] } {
  const counts: Record<string, number> = {};
  const order: string[] = [];
  for (const s of sentences)
    for (const w of s) {
      if (!(w in counts)) {
        counts[w] = 0;
        order.push(w);
      }
      counts[w]!++;
    }
  return { counts, order };
}

describe('buildVocabulary', () => {
  const cases: {
    name: string;
    options: { minCount?: number; maxSize?: number; specials?: string[] };
    words: string[];
    counts: number[];
  }[] = [
    {
      name: 'all words, most frequent first, ties by first occurrence',
      options: {},
      words: ['the', 'cat', 'sat', 'mat', 'on', 'a'],
      counts: [4, 3, 2, 2, 1, 1],
    },
    {
      name: 'min-count 2',
      options: { minCount: 2 },
      words: ['the', 'cat', 'sat', 'mat'],
      counts: [4, 3, 2, 2],
    },
    { name: 'min-count 4', options: { minCount: 4 }, words: ['the'], counts: [4] },
    { name: 'min-count 5 leaves nothing', options: { minCount: 5 }, words: [], counts: [] },
    { name: 'max-size 3', options: { maxSize: 3 }, words: ['the', 'cat', 'sat'], counts: [4, 3, 2] },
    {
      name: 'specials first with count 0',
      options: { specials: ['<unk>', '<pad>'], minCount: 2 },
      words: ['<unk>', '<pad>', 'the', 'cat', 'sat', 'mat'],
      counts: [0, 0, 4, 3, 2, 2],
    },
    {
      name: 'max-size counts the specials',
      options: { specials: ['<unk>', '<pad>'], maxSize: 3 },
      words: ['<unk>', '<pad>', 'the'],
      counts: [0, 0, 4],
    },
    {
      name: 'a special found in the corpus keeps its id and its count',
      options: { specials: ['<unk>', 'cat'] },
      words: ['<unk>', 'cat', 'the', 'sat', 'mat', 'on', 'a'],
      counts: [0, 3, 4, 2, 2, 1, 1],
    },
  ];

  for (const row of cases) {
    it(row.name, async () => {
      const vocab = await buildVocabulary(corpus, row.options);
      expect(vocab.words).toEqual(row.words);
      expect(Array.from(vocab.counts)).toEqual(row.counts);
      expect(vocab.size).toBe(row.words.length);
      expect(vocab.tokensSeen).toBe(13);
      expect(vocab.totalCount).toBe(row.counts.reduce((a, b) => a + b, 0));
      row.words.forEach((word, id) => {
        expect(vocab.id(word)).toBe(id);
        expect(vocab.word(id)).toBe(word);
        expect(vocab.count(id)).toBe(row.counts[id]);
        expect(vocab.has(word)).toBe(true);
      });
    });
  }

  it('agrees with a reference count on a random corpus (sync and async sources)', async () => {
    const random = new Random(7);
    const types = Array.from({ length: 50 }, (_, i) => `w${i}`);
    const sentences = Array.from({ length: 300 }, () =>
      Array.from({ length: 1 + random.int(12) }, () => types[Math.floor(types.length * random.next() ** 2)]!),
    );
    const { counts, order } = referenceCounts(sentences);
    async function* stream() {
      for (const s of sentences) yield s;
    }
    for (const source of [sentences, stream()]) {
      const vocab = await buildVocabulary(source, { minCount: 3 });
      const expected = order.filter((w) => counts[w]! >= 3).sort((a, b) => counts[b]! - counts[a]!);
      expect(vocab.words).toEqual(expected);
      expect(Array.from(vocab.counts)).toEqual(expected.map((w) => counts[w]!));
    }
  });

  it('answers -1 for absent words and throws on bad ids', async () => {
    const vocab = await buildVocabulary(corpus);
    expect(vocab.id('dog')).toBe(-1);
    expect(vocab.has('dog')).toBe(false);
    expect(() => vocab.word(99)).toThrow(/out of range/);
    expect(() => vocab.count(-1)).toThrow(/out of range/);
  });

  it('rejects bad options with clear messages', () => {
    expect(() => Vocabulary.fromCounts([['a', 1]], { minCount: -1 })).toThrow(/minCount/);
    expect(() => Vocabulary.fromCounts([['a', 1]], { specials: ['<unk>', '<unk>'] })).toThrow(/twice/);
    expect(() => Vocabulary.fromCounts([['a', 1]], { specials: ['<a>', '<b>'], maxSize: 1 })).toThrow(
      /maxSize/,
    );
    expect(() => Vocabulary.fromCounts([['a', Number.NaN]])).toThrow(/count of 'a'/);
    expect(() => Vocabulary.fromCounts([['', 1]])).toThrow(/non-empty/);
  });

  it('reports progress with token and type counts', async () => {
    const events: { tokens: number; types: number }[] = [];
    await countTokens(corpus, { onProgress: (e) => events.push(e), progressEvery: 5 });
    expect(events.at(-1)).toEqual({ tokens: 13, types: 6 });
    expect(events.length).toBeGreaterThan(1);
  });
});

describe('Vocabulary.extend', () => {
  it('keeps old ids, adds counts, appends new words by count', () => {
    const old = Vocabulary.fromCounts(
      [
        ['the', 5],
        ['cat', 3],
        ['dog', 1],
      ],
      { specials: ['<unk>'], minCount: 2 },
    );
    expect(old.words).toEqual(['<unk>', 'the', 'cat']);
    const grown = old.extend(
      new Map([
        ['zebra', 2],
        ['cat', 4],
        ['yak', 7],
        ['dog', 1],
        ['ox', 2],
      ]),
    );
    expect(grown.words).toEqual(['<unk>', 'the', 'cat', 'yak', 'zebra', 'ox']);
    expect(Array.from(grown.counts)).toEqual([0, 5, 7, 7, 2, 2]);
    for (const [id, w] of old.words.entries()) expect(grown.id(w)).toBe(id);
    expect(grown.tokensSeen).toBe(old.tokensSeen + 16);
    expect(grown.specials).toEqual(['<unk>']);
    // The old vocabulary is untouched.
    expect(Array.from(old.counts)).toEqual([0, 5, 3]);
    // minCount override: 'dog' (1) now qualifies.
    expect(old.extend(new Map([['dog', 1]]), { minCount: 1 }).words).toEqual(['<unk>', 'the', 'cat', 'dog']);
  });
});

describe('pruning while counting', () => {
  // A Zipf-like stream: a few frequent words and a long tail of rare ones.
  function zipfStream(seed: number, tokens: number, types: number): string[][] {
    const random = new Random(seed);
    const sentences: string[][] = [];
    let sentence: string[] = [];
    for (let i = 0; i < tokens; i++) {
      // rank ~ floor(types^u): heavy head, long tail.
      const rank = Math.floor(types ** random.next()) - 1;
      sentence.push(`t${rank}`);
      if (sentence.length === 20) {
        sentences.push(sentence);
        sentence = [];
      }
    }
    if (sentence.length > 0) sentences.push(sentence);
    return sentences;
  }

  const rows = [
    { seed: 1, tokens: 20_000, types: 5_000, maxTypes: 300 },
    { seed: 2, tokens: 20_000, types: 20_000, maxTypes: 1_000 },
    { seed: 3, tokens: 5_000, types: 100, maxTypes: 50 },
  ];

  for (const row of rows) {
    it(`keeps at most ${row.maxTypes} types and undercounts by at most the sum of levels (seed ${row.seed})`, () => {
      const sentences = zipfStream(row.seed, row.tokens, row.types);
      const { counts: truth } = referenceCounts(sentences);
      const counter = new TokenCounter({ maxTypes: row.maxTypes });
      let peak = 0;
      for (const s of sentences) {
        // Feed word by word so the bound is checked after every single token.
        for (const w of s) {
          counter.add([w]);
          peak = Math.max(peak, counter.types);
        }
      }
      expect(peak).toBeLessThanOrEqual(row.maxTypes);
      expect(counter.pruneLevel).toBeGreaterThan(0);
      expect(counter.tokens).toBe(row.tokens);
      // Every lost occurrence is accounted for.
      let kept = 0;
      for (const c of counter.counts.values()) kept += c;
      expect(kept + counter.prunedTokens).toBe(row.tokens);
      // Counts never exceed the truth and fall short by at most 1 + 2 + ... + pruneLevel.
      const maxLoss = (counter.pruneLevel * (counter.pruneLevel + 1)) / 2;
      for (const [word, count] of counter.counts) {
        expect(count).toBeLessThanOrEqual(truth[word]!);
        expect(truth[word]! - count).toBeLessThanOrEqual(maxLoss);
      }
      // The most frequent word is counted exactly (its running count outruns every level).
      const top = Object.keys(truth).sort((a, b) => truth[b]! - truth[a]!)[0]!;
      expect(counter.counts.get(top)).toBe(truth[top]);
    });
  }

  it('without pruning, counts are exact and the vocabulary says so', async () => {
    const sentences = zipfStream(4, 5_000, 500);
    const vocab = await buildVocabulary(sentences);
    expect(vocab.pruneLevel).toBe(0);
    expect(vocab.prunedTokens).toBe(0);
    expect(vocab.totalCount).toBe(5_000);
  });

  it('carries pruning facts into the vocabulary', async () => {
    const sentences = zipfStream(5, 10_000, 5_000);
    const vocab = await buildVocabulary(sentences, { maxTypesWhileCounting: 200 });
    expect(vocab.pruneLevel).toBeGreaterThan(0);
    expect(vocab.size).toBeLessThanOrEqual(200);
    expect(vocab.tokensSeen).toBe(10_000);
    expect(vocab.totalCount + vocab.prunedTokens).toBe(10_000);
  });

  it('rejects a bound below 1', () => {
    expect(() => new TokenCounter({ maxTypes: 0 })).toThrow(/at least 1/);
  });
});

describe('estimateVocabularyMemory', () => {
  it('grows linearly with types and word length', () => {
    expect(estimateVocabularyMemory(0)).toBe(0);
    const base = estimateVocabularyMemory(1000, 8);
    expect(estimateVocabularyMemory(2000, 8)).toBe(2 * base);
    expect(estimateVocabularyMemory(1000, 20)).toBeGreaterThan(base);
    expect(() => estimateVocabularyMemory(-1)).toThrow();
  });
});

describe('counting memory', () => {
  it('a counted word does not keep its (long) input line alive', () => {
    // gc() on demand, without a node flag: expose it to a fresh context.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const counter = new TokenCounter();
    gc();
    const before = process.memoryUsage().heapUsed;
    const lineLength = 50_000;
    for (let i = 0; i < 1000; i++) {
      // Each line holds one distinct long word (≥ 13 characters: V8 would make it a view into the line).
      const line = `${'x'.repeat(lineLength)} distinctword${i}abcdef ${'y'.repeat(lineLength)}`;
      counter.add(line.split(' '));
    }
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    expect(counter.types).toBe(1002);
    // 1000 lines of 100 KB would be ~100 MB if the words kept them; the words themselves need well under 1 MB.
    expect(retained).toBeLessThan(10 * 1024 * 1024);
  });
});
