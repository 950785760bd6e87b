// Subsampling keep-probabilities, noise weights and the alias sampler's draw frequencies (seeded).
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';
import { AliasSampler, Vocabulary, keepProbabilities, noiseWeights } from '../../src/vocab/index.js';

const counts: [string, number][] = [
  ['the', 50_000],
  ['of', 20_000],
  ['cat', 300],
  ['zebra', 2],
];
const total = 50_000 + 20_000 + 300 + 2;

describe('keepProbabilities', () => {
  const vocab = Vocabulary.fromCounts(counts, { specials: ['<unk>'] });

  const rows = [1e-3, 1e-4, 1e-5, 0.5];
  for (const sample of rows) {
    it(`matches (sqrt(f/t)+1)·t/f clipped to 1 for sample=${sample}`, () => {
      const keep = keepProbabilities(vocab, sample);
      const t = sample * total;
      // ids: <unk>, the, of, cat, zebra
      const expected = [1, ...counts.map(([, f]) => Math.min(1, Math.sqrt(t / f) + t / f))];
      expect(keep).toBeAllClose(expected, { rtol: 1e-6, atol: 0 });
    });
  }

  it('spot values computed by hand', () => {
    // sample 1e-3: t = 70.302; for "the": sqrt(70.302/50000) + 70.302/50000 = 0.037497 + 0.001406 = 0.038903
    const keep = keepProbabilities(vocab, 1e-3);
    expect(keep[1]).toBeCloseTo(0.038903, 5);
    expect(keep[4]).toBe(1); // zebra is rare: always kept
  });

  it('sample 0 keeps everything; a negative sample is an error', () => {
    expect(Array.from(keepProbabilities(vocab, 0))).toEqual([1, 1, 1, 1, 1]);
    expect(() => keepProbabilities(vocab, -1e-3)).toThrow(/sample/);
  });
});

describe('noiseWeights', () => {
  it('is count^power with zeros for unseen specials', () => {
    const vocab = Vocabulary.fromCounts(counts, { specials: ['<pad>'] });
    for (const power of [0.75, 1, 0]) {
      const weights = noiseWeights(vocab, power);
      expect(weights).toBeAllClose([0, ...counts.map(([, c]) => c ** power)], { rtol: 1e-12 });
    }
    expect(noiseWeights(vocab)[1]).toBeCloseTo(50_000 ** 0.75, 6);
  });
});

describe('AliasSampler', () => {
  const draws = 200_000;

  function frequencies(weights: number[], seed: number): number[] {
    const sampler = new AliasSampler(weights);
    const random = new Random(seed);
    const seen = new Array(weights.length).fill(0);
    for (let i = 0; i < draws; i++) seen[sampler.sample(random)]++;
    return seen;
  }

  /** Pearson's chi-square statistic against the normalised weights (zero-weight bins excluded). */
  function chiSquare(observed: number[], weights: number[]): { statistic: number; dof: number } {
    const sum = weights.reduce((a, b) => a + b, 0);
    let statistic = 0;
    let dof = -1;
    weights.forEach((w, i) => {
      if (w === 0) return;
      const expected = (draws * w) / sum;
      statistic += (observed[i]! - expected) ** 2 / expected;
      dof++;
    });
    return { statistic, dof };
  }

  const rows: { name: string; weights: number[] }[] = [
    { name: 'uniform', weights: [1, 1, 1, 1, 1, 1, 1, 1] },
    { name: 'skewed', weights: [100, 10, 1, 0.5, 30, 3] },
    { name: 'with zero weights', weights: [0, 5, 0, 1, 2, 0] },
    {
      name: 'unigram^0.75 of Zipf counts',
      weights: Array.from({ length: 50 }, (_, r) => (1000 / (r + 1)) ** 0.75),
    },
    { name: 'one tiny weight among big ones', weights: [1e6, 1, 1e6] },
  ];

  for (const [k, row] of rows.entries()) {
    it(`draws ${row.name} in proportion to the weights`, () => {
      const observed = frequencies(row.weights, 100 + k);
      const sum = row.weights.reduce((a, b) => a + b, 0);
      row.weights.forEach((w, i) => {
        if (w === 0) expect(observed[i]).toBe(0);
        // Per-bin tolerance: 5 binomial standard deviations (plus 1 for tiny bins).
        const p = w / sum;
        const sd = Math.sqrt(draws * p * (1 - p));
        expect(Math.abs(observed[i]! - draws * p)).toBeLessThanOrEqual(5 * sd + 1);
      });
      // Chi-square below the 99.9% quantile (Wilson–Hilferty approximation).
      const { statistic, dof } = chiSquare(observed, row.weights);
      if (dof > 0) {
        const z = 3.09;
        const quantile = dof * (1 - 2 / (9 * dof) + z * Math.sqrt(2 / (9 * dof))) ** 3;
        expect(statistic).toBeLessThan(quantile);
      }
    });
  }

  it('a single weight always draws 0', () => {
    const sampler = new AliasSampler([3.5]);
    const random = new Random(1);
    expect(sampler.size).toBe(1);
    for (let i = 0; i < 1000; i++) expect(sampler.sample(random)).toBe(0);
  });

  it('tables are a valid alias decomposition', () => {
    const weights = [0, 4, 1, 0, 7, 2, 2];
    const sampler = new AliasSampler(weights);
    // Reassemble the probability of each outcome from the tables: (1/n)·(p_i + Σ_{j: alias_j = i} (1 − p_j)).
    const n = weights.length;
    const mass = new Array(n).fill(0);
    for (let j = 0; j < n; j++) {
      mass[j] += sampler.probabilities[j]! / n;
      mass[sampler.aliases[j]!] += (1 - sampler.probabilities[j]!) / n;
    }
    const sum = weights.reduce((a, b) => a + b, 0);
    expect(mass).toBeAllClose(
      weights.map((w) => w / sum),
      { atol: 1e-12 },
    );
  });

  it('same seed, same draws', () => {
    const sampler = new AliasSampler([1, 2, 3]);
    const a = sampler.sampleInto(new Random(9), new Int32Array(100));
    const b = sampler.sampleInto(new Random(9), new Int32Array(100));
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('rejects empty, all-zero, negative and non-finite weights', () => {
    expect(() => new AliasSampler([])).toThrow(/no weights/);
    expect(() => new AliasSampler([0, 0])).toThrow(/all weights are zero/);
    expect(() => new AliasSampler([1, -1])).toThrow(/weight 1 is -1/);
    expect(() => new AliasSampler([1, Number.POSITIVE_INFINITY])).toThrow(/finite/);
  });
});
