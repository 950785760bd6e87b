// Phrase detection on a hand-made corpus: "new york" must merge, a frequent random pair must not, and a
// second model learned on merged text finds the trigram "new_york_times".
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';
import { Phrases } from '../../src/vocab/index.js';

const fillers = 'the a of and to in is was for on that with as by at from it his her be'.split(' ');

/** 300 seeded sentences of filler words; some carry "new york", some "new york times", some "new" alone. */
function makeCorpus(seed: number): string[][] {
  const random = new Random(seed);
  const sentences: string[][] = [];
  for (let i = 0; i < 300; i++) {
    const sentence = Array.from({ length: 6 + random.int(6) }, () => fillers[random.int(fillers.length)]!);
    const at = random.int(sentence.length);
    if (i % 5 === 0) sentence.splice(at, 0, 'new', 'york');
    else if (i % 5 === 1) sentence.splice(at, 0, 'new', 'york', 'times');
    else if (i % 10 === 2) sentence.splice(at, 0, 'new');
    sentences.push(sentence);
  }
  return sentences;
}

/** Independent counts: unigrams, adjacent pairs, tokens. */
function countAll(sentences: string[][]) {
  const words = new Map<string, number>();
  const pairs = new Map<string, number>();
  let tokens = 0;
  for (const s of sentences) {
    s.forEach((w, i) => {
      words.set(w, (words.get(w) ?? 0) + 1);
      if (i > 0) pairs.set(`${s[i - 1]} ${w}`, (pairs.get(`${s[i - 1]} ${w}`) ?? 0) + 1);
    });
    tokens += s.length;
  }
  return { words, pairs, tokens };
}

describe('Phrases', () => {
  const corpus = makeCorpus(11);
  const { words, pairs, tokens } = countAll(corpus);
  // The most frequent pair of filler words: frequent, but not a collocation.
  const [randomPair] = [...pairs.entries()]
    .filter(([k]) => !k.includes('new') && !k.includes('york') && !k.includes('times'))
    .sort((x, y) => y[1] - x[1])[0]!;
  const [first, second] = randomPair.split(' ') as [string, string];

  it('default scoring equals (AB − minCount) / (A·B) · V with V = distinct words + pairs', async () => {
    const minCount = 5;
    const phrases = await Phrases.learn(corpus, { minCount, threshold: 1 });
    const v = words.size + pairs.size;
    expect(phrases.vocabSize).toBe(v);
    for (const [a, b] of [
      ['new', 'york'],
      ['york', 'times'],
      [first, second],
    ] as const) {
      const ab = pairs.get(`${a} ${b}`)!;
      const expected = ((ab - minCount) / (words.get(a)! * words.get(b)!)) * v;
      expect(phrases.score(a, b)).toBeCloseTo(expected, 10);
    }
    expect(phrases.score('york', 'new')).toBe(Number.NEGATIVE_INFINITY); // never adjacent in that order
  });

  it('npmi scoring equals ln(p(ab)/(p(a)p(b))) / −ln p(ab) and ignores pairs below min-count', async () => {
    const phrases = await Phrases.learn(corpus, { minCount: 5, threshold: 0.5, scoring: 'npmi' });
    const p = (c: number) => c / tokens;
    const ab = pairs.get('new york')!;
    const expected = Math.log(p(ab) / (p(words.get('new')!) * p(words.get('york')!))) / -Math.log(p(ab));
    expect(phrases.score('new', 'york')).toBeCloseTo(expected, 10);
    expect(phrases.score('new', 'york')).toBeLessThanOrEqual(1);
    const rare = [...pairs.entries()].find(([, c]) => c < 5)![0].split(' ') as [string, string];
    expect(phrases.score(...rare)).toBe(Number.NEGATIVE_INFINITY);
  });

  const settings = [
    { scoring: 'default' as const, threshold: 1 },
    { scoring: 'npmi' as const, threshold: 0.5 },
  ];
  for (const { scoring, threshold } of settings) {
    it(`merges "new york" but not "${first} ${second}" (${scoring})`, async () => {
      const phrases = await Phrases.learn(corpus, { minCount: 5, threshold, scoring });
      expect(pairs.get(randomPair)).toBeGreaterThanOrEqual(10); // frequent enough to be a candidate
      expect(phrases.isPhrase('new', 'york')).toBe(true);
      expect(phrases.isPhrase(first, second)).toBe(false);
      expect(phrases.apply(['i', 'love', 'new', 'york'])).toEqual(['i', 'love', 'new_york']);
      expect(phrases.apply([first, second, 'new', 'york'])).toEqual([first, second, 'new_york']);
      const found = phrases.phrases().map((p) => p.phrase);
      expect(found).toContain('new_york');
      expect(found).not.toContain(`${first}_${second}`);
    });
  }

  it('finds the trigram with a second model learned on merged text', async () => {
    const bigrams = await Phrases.learn(corpus, { minCount: 5, threshold: 1 });
    const merged: string[][] = [];
    for await (const s of bigrams.applyAll(corpus)) merged.push(s);
    const trigrams = await Phrases.learn(merged, { minCount: 5, threshold: 1 });
    const sentence = ['the', 'new', 'york', 'times', 'of', 'the'];
    expect(bigrams.apply(sentence)).toEqual(['the', 'new_york', 'times', 'of', 'the']);
    expect(trigrams.apply(bigrams.apply(sentence))).toEqual(['the', 'new_york_times', 'of', 'the']);
  });

  it('glues greedily left to right and honours the delimiter', async () => {
    const phrases = await Phrases.learn(corpus, { minCount: 5, threshold: 1, delimiter: '+' });
    // "new york times": "new york" is taken first, so "york times" cannot glue.
    expect(phrases.apply(['new', 'york', 'times'])).toEqual(['new+york', 'times']);
    expect(phrases.apply([])).toEqual([]);
    expect(phrases.apply(['new'])).toEqual(['new']);
  });

  it('bounds its counting tables and rejects bad options', async () => {
    const bounded = await Phrases.learn(corpus, { minCount: 5, threshold: 1, maxVocabSize: 100 });
    expect(bounded.vocabSize).toBeLessThanOrEqual(100);
    expect(bounded.pruneLevel).toBeGreaterThan(0);
    await expect(Phrases.learn(corpus, { scoring: 'pmi' as 'npmi' })).rejects.toThrow(/scoring/);
    await expect(Phrases.learn(corpus, { scoring: 'npmi', threshold: 3 })).rejects.toThrow(/\[-1, 1\]/);
    await expect(Phrases.learn(corpus, { minCount: -1 })).rejects.toThrow(/minCount/);
  });

  it('counted words and pairs do not keep their (long) input lines alive', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    function* lines() {
      for (let i = 0; i < 1000; i++) {
        // Two distinct long words cut from a 100 KB line (V8 makes them views into the line unless copied).
        yield `${'x'.repeat(100_000)} distinctleft${i}abcdef distinctright${i}abcdef`.split(' ').slice(1);
      }
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    const phrases = await Phrases.learn(lines(), { minCount: 1 });
    gc();
    expect(phrases.vocabSize).toBe(2000 + 1000); // 2000 words, 1000 pairs
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(10 * 1024 * 1024);
  });
});
