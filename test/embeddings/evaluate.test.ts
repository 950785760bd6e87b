// Evaluation: analogy counts on a hand-made file with answers known by construction, Spearman's rho on
// hand-ranked data (with ties), and agreement with gensim 4.2 on the golden fixtures.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  KeyedVectors,
  averageRanks,
  evaluateAnalogies,
  evaluateAnalogiesFile,
  evaluateWordPairs,
  evaluateWordPairsFile,
  readWord2Vec,
  spearman,
} from '../../src/embeddings/index.js';
import { FormatError } from '../../src/util/errors.js';
import { packagePath, sharedDataPath } from '../../src/util/paths.js';

describe('analogy evaluation on a hand-made file', () => {
  // dim 4; the answers follow from b̂ + ĉ − â (see the comments on each question).
  const rows: [string, number[]][] = [
    ['a', [1, 0, 0, 0]],
    ['b', [0, 1, 0, 0]],
    ['c', [0, 0, 1, 0]],
    ['d', [-1, 1, 1, 0]],
    ['e', [0, 0, 0, 1]],
    ['f', [1, -1, 1, 0.2]],
    ['y', [-1, 2, 0, 0.5]],
    ['D', [-1, 1, 1, 0.1]], // a case variant of d: folds to d's (more frequent) row
    ['late', [-1, 1, 1, 0.01]], // row 8, outside restrictVocab 8
  ];
  const vectors = new KeyedVectors(
    rows.map(([w]) => w),
    Float32Array.from(rows.flatMap(([, v]) => v)),
    4,
  );
  const questions = [
    ': first',
    'a b c d', // query ∝ (−1, 1, 1, 0) = d exactly: correct
    'A B C D', // upper-cased, same rows: correct
    'a b c e', // predicted d: incorrect
    'a b c zzz', // zzz unknown: skipped
    'a b c', // three words: invalid, ignored
    '',
    ': second',
    'a b b y', // query ∝ (−1, 2, 0, 0): b itself scores 0.894 but is excluded; y (0.976) wins: correct
    'b a c f', // query ∝ (1, −1, 1, 0): f scores 0.993: correct
    'a b c late', // restrictVocab 8: skipped; otherwise d (cos 1) beats late: incorrect
  ].join('\n');

  it('counts correct, total, skipped and invalid per section (restrictVocab 8)', () => {
    const result = evaluateAnalogies(vectors, questions, { restrictVocab: 8 });
    expect(result.sections).toEqual({
      first: { correct: 2, total: 3, skipped: 1, builtFromNgrams: 0 },
      second: { correct: 2, total: 2, skipped: 1, builtFromNgrams: 0 },
    });
    expect([result.correct, result.total, result.skipped, result.invalid]).toEqual([4, 5, 2, 1]);
    expect(result.accuracy).toBeCloseTo(0.8, 12);
  });

  it('with the whole vocabulary the late word is scored (and missed)', () => {
    const result = evaluateAnalogies(vectors, questions);
    expect(result.sections.second).toEqual({ correct: 2, total: 3, skipped: 0, builtFromNgrams: 0 });
    expect([result.correct, result.total, result.skipped]).toEqual([4, 6, 1]);
  });

  it('the same result for any block size (batched scan)', () => {
    const reference = evaluateAnalogies(vectors, questions, { restrictVocab: 8 });
    for (const blockSize of [1, 2, 3, 5, 64]) {
      expect(evaluateAnalogies(vectors, questions, { restrictVocab: 8, blockSize })).toEqual(reference);
    }
  });

  it('case-sensitive evaluation treats A, B, C, D as unknown', () => {
    const result = evaluateAnalogies(vectors, questions, { restrictVocab: 8, caseInsensitive: false });
    // 'A B C D': A, B, C are not words (only D is): skipped.
    expect(result.sections.first).toEqual({ correct: 1, total: 2, skipped: 2, builtFromNgrams: 0 });
  });

  it('refuses questions before any section line', () => {
    expect(() => evaluateAnalogies(vectors, 'a b c d\n')).toThrow(FormatError);
    expect(() => evaluateAnalogies(vectors, 'a b c d\n')).toThrow(/before any ": section" line/);
  });
});

describe("Spearman's rho", () => {
  it('averages the ranks of ties', () => {
    expect(Array.from(averageRanks([10, 30, 20, 30, 30, 5]))).toEqual([2, 5, 3, 5, 5, 1]);
  });

  it('matches hand-computed values', () => {
    // ranks x = [1, 2.5, 2.5, 4], y = [1, 2, 3.5, 3.5]; deviations from 2.5: [−1.5, 0, 0, 1.5] and
    // [−1.5, −0.5, 1, 1]; covariance 3.75, variances 4.5 and 4.5 → rho = 5/6.
    expect(spearman([1, 2, 2, 3], [10, 20, 30, 30])).toBeCloseTo(5 / 6, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('word pairs: cosines of in-vocabulary pairs against the gold scores, OOV pairs counted', () => {
    // Unit vectors at 0°, 20°, 50° and 90°: cosines cos 20°, cos 50°, 0, cos 70°, cos 40°.
    const angles = [0, 20, 50, 90].map((deg) => (deg * Math.PI) / 180);
    const vectors = new KeyedVectors(
      ['w0', 'w1', 'w2', 'w3'],
      Float32Array.from(angles.flatMap((t) => [Math.cos(t), Math.sin(t)])),
      2,
    );
    const pairs = [
      '# comment line',
      'w0\tw1\t8',
      'W0\tw2\t6', // case-insensitive
      'w0\tw3\t1',
      'w1\tw3\t6',
      'w2\tW3\t3',
      'w0\tnope\t3', // out of vocabulary
      'w0 w1 5', // not tab-separated: invalid
      '',
    ].join('\n');
    // Gold ranks [5, 3.5, 1, 3.5, 2]; model ranks (0.940, 0.643, 0, 0.342, 0.766) → [5, 3, 1, 2, 4].
    // Deviations from 3: [2, .5, −2, .5, −1] and [2, 0, −2, −1, 1]: covariance 6.5, variances 9.5 and 10.
    const result = evaluateWordPairs(vectors, pairs);
    expect(result.spearman).toBeCloseTo(6.5 / Math.sqrt(95), 10);
    expect([result.pairs, result.oov, result.invalid]).toEqual([5, 1, 1]);
  });
});

describe('evaluation against gensim 4.2 (golden)', async () => {
  const golden = JSON.parse(readFileSync(packagePath('test', 'golden', 'w2v', 'gensim_golden.json'), 'utf8'));
  const { vectors } = await readWord2Vec(packagePath('test', 'golden', 'w2v', 'gensim.txt'));

  it('evaluate_word_analogies: per-section counts and accuracy', async () => {
    for (const expected of golden.analogies) {
      const result = await evaluateAnalogiesFile(
        vectors,
        packagePath('test', 'golden', 'w2v', 'analogies.txt'),
        {
          restrictVocab: expected.restrict_vocab,
        },
      );
      for (const [name, counts] of Object.entries(expected.sections) as [
        string,
        { correct: number; incorrect: number },
      ][]) {
        const actual = name === 'Total accuracy' ? result : result.sections[name]!;
        expect([actual.correct, actual.total]).toEqual([counts.correct, counts.correct + counts.incorrect]);
      }
      expect(result.accuracy).toBeCloseTo(expected.score, 12);
    }
  });

  it('evaluate_word_pairs: Spearman, Pearson and the OOV ratio', async () => {
    const result = await evaluateWordPairsFile(vectors, packagePath('test', 'golden', 'w2v', 'pairs.tsv'));
    expect(result.spearman).toBeAllClose(golden.pairs.spearman, { atol: 1e-9 });
    expect(result.pearson).toBeAllClose(golden.pairs.pearson, { atol: 1e-6 });
    expect((100 * result.oov) / (result.oov + result.pairs)).toBeAllClose(golden.pairs.oov_ratio, {
      atol: 1e-9,
    });
  });
});

describe('shared evaluation sets', () => {
  const files = [
    sharedDataPath('eval', 'questions-words.txt'),
    sharedDataPath('eval', 'pt', 'LX-4WAnalogies_v2.txt'),
    sharedDataPath('eval', 'pt', 'LX-4WAnalogiesBr.txt'),
  ];
  const present = files.every((f) => existsSync(f));
  if (!present) console.warn(`SKIPPED: shared evaluation files missing (${files.join(', ')})`);

  it.skipIf(!present)('parse in full: every question is scored or skipped, none invalid', async () => {
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const sectionCount = lines.filter((l) => l.startsWith(':')).length;
      // The first question of the file uses four words; a model knowing just them scores that one question.
      const firstQuestion = lines.find((l) => !l.startsWith(':'))!.split(' ');
      const vectors = new KeyedVectors(
        firstQuestion,
        Float32Array.from({ length: 16 }, (_, i) => (i % 5) - 2),
        4,
      );
      const result = await evaluateAnalogiesFile(vectors, path);
      expect(Object.keys(result.sections)).toHaveLength(sectionCount);
      expect(result.invalid).toBe(0);
      expect(result.total + result.skipped).toBe(lines.length - sectionCount);
      expect(result.total).toBeGreaterThanOrEqual(1);
    }
  });

  const pairsPath = packagePath('data', 'eval', 'wordsim353.tsv'); // shipped with the package
  it('WordSim-353 reads 353 pairs (all OOV for an empty-ish model)', async () => {
    const vectors = new KeyedVectors(['tiger', 'cat'], Float32Array.from([1, 0, 0.6, 0.8]), 2);
    const result = await evaluateWordPairsFile(vectors, pairsPath);
    expect(result.pairs + result.oov).toBe(353);
    expect(result.invalid).toBe(0);
  });
});
