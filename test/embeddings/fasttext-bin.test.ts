// fastText's .bin format: the model the fastText CLI wrote (test/golden/fasttext/cli.bin) read with the
// vectors the CLI and gensim print for vocabulary and out-of-vocabulary words, the CLI's `nn` answers
// reproduced, a byte-identical round trip, and clean errors for truncated, corrupt or foreign files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FASTTEXT_MAGIC,
  isFastTextBin,
  readFastTextBin,
  writeFastTextBin,
} from '../../src/embeddings/fasttext-bin.js';
import { KeyedVectors } from '../../src/embeddings/keyed-vectors.js';
import { fastTextWriteData, SubwordVectors } from '../../src/embeddings/subword-vectors.js';
import { ngramBuckets } from '../../src/embeddings/subword.js';
import { FormatError } from '../../src/util/errors.js';

const golden = join(import.meta.dirname, '..', 'golden', 'fasttext');
const cliBin = join(golden, 'cli.bin');
interface Golden {
  settings: {
    dim: number;
    minn: number;
    maxn: number;
    bucket: number;
    ws: number;
    neg: number;
    epoch: number;
    minCount: number;
  };
  ngrams: Record<string, [string, number[]][]>;
  vectors: Record<string, number[]>;
  nn: Record<string, [string, number][]>;
  gensim: { vectors: Record<string, number[]> };
}
const cli = JSON.parse(readFileSync(join(golden, 'cli.json'), 'utf8')) as Golden;
const scratch = mkdtempSync(join(tmpdir(), 'verbo-ftbin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Equal at the 5 significant digits the fastText CLI prints (half a unit of the last digit). */
function expectPrinted(received: ArrayLike<number>, printed: number[], what: string): void {
  expect(received.length, what).toBe(printed.length);
  for (let j = 0; j < printed.length; j++) {
    const p = printed[j]!;
    const unit = p === 0 ? 1e-30 : 10 ** (Math.floor(Math.log10(Math.abs(p))) - 4);
    expect(Math.abs(received[j]! - p), `${what}[${j}]: ${received[j]} vs printed ${p}`).toBeLessThanOrEqual(
      unit * 0.5 * (1 + 1e-6),
    );
  }
}

describe('readFastTextBin on the CLI model', () => {
  it('reads the header, dictionary and matrices', async () => {
    const model = await readFastTextBin(cliBin, { readOutput: true });
    const s = cli.settings;
    expect(model.version).toBe(12);
    expect(model.args).toMatchObject({
      dim: s.dim,
      minn: s.minn,
      maxn: s.maxn,
      bucket: s.bucket,
      ws: s.ws,
      neg: s.neg,
      epoch: s.epoch,
      minCount: s.minCount,
      loss: 'ns',
      model: 'skipgram',
      wordNgrams: 1,
    });
    expect(model.words).toContain('</s>');
    expect(model.words).toContain('ação');
    expect(model.labels).toEqual([]);
    expect(model.input.length).toBe((model.words.length + s.bucket) * s.dim);
    expect(model.output!.length).toBe(model.words.length * s.dim);
    // Counts come most frequent first, and the tokens include one "</s>" per line.
    for (let i = 1; i < model.counts.length; i++)
      expect(model.counts[i]!).toBeLessThanOrEqual(model.counts[i - 1]!);
    expect(model.ntokens).toBe(Array.from(model.counts).reduce((a, b) => a + b, 0));
  });

  it('gives every word the vector `fasttext print-word-vectors` prints, in and out of the vocabulary', async () => {
    const vectors = SubwordVectors.fromFastText(await readFastTextBin(cliBin));
    let outside = 0;
    for (const [word, printed] of Object.entries(cli.vectors)) {
      if (vectors.vectorSource(word) === 'ngrams') outside++;
      expectPrinted(vectors.vector(word), printed, word);
      expect(Array.from(vectors.vector(word))).toBeAllClose(cli.gensim.vectors[word]!, {
        rtol: 1e-5,
        atol: 1e-7,
      });
    }
    expect(outside).toBeGreaterThanOrEqual(8);
  });

  it('holds each n-gram in the row `fasttext print-ngrams` prints for it', async () => {
    const model = await readFastTextBin(cliBin);
    const { dim } = model.args;
    const nwords = model.words.length;
    for (const [word, printed] of Object.entries(cli.ngrams)) {
      const buckets = ngramBuckets(word, model.args);
      const lines = printed.slice(printed.length - buckets.length);
      expect(printed.length - buckets.length, word).toBe(model.words.includes(word) ? 1 : 0);
      buckets.forEach((b, k) => {
        expectPrinted(
          model.input.subarray((nwords + b) * dim, (nwords + b + 1) * dim),
          lines[k]![1],
          `${word}/${lines[k]![0]}`,
        );
      });
    }
  });

  it('finds the neighbours `fasttext nn` finds, for an out-of-vocabulary word too', async () => {
    const vectors = SubwordVectors.fromFastText(await readFastTextBin(cliBin));
    expect(vectors.vectorSource('corações')).toBe('ngrams');
    for (const [word, expected] of Object.entries(cli.nn)) {
      const found = vectors.mostSimilar({ positive: [word], topN: expected.length });
      expect(
        found.map((n) => n.word),
        word,
      ).toEqual(expected.map(([w]) => w));
      expect(found.map((n) => n.similarity)).toBeAllClose(
        expected.map(([, s]) => s),
        { rtol: 0, atol: 2e-6 },
      );
    }
  });

  it('writes the model back byte for byte', async () => {
    const model = await readFastTextBin(cliBin, { readOutput: true });
    const out = join(scratch, 'again.bin');
    await writeFastTextBin(out, {
      args: model.args,
      words: model.words,
      counts: model.counts,
      ntokens: model.ntokens,
      input: model.input,
      output: model.output!,
    });
    expect(readFileSync(out).equals(readFileSync(cliBin))).toBe(true);
  });
});

describe('writeFastTextBin', () => {
  it('round-trips subword vectors, and plain vectors as a model without n-grams', async () => {
    const vectors = SubwordVectors.fromFastText(await readFastTextBin(cliBin));
    const path = join(scratch, 'round.bin');
    await writeFastTextBin(path, fastTextWriteData(vectors, { args: { epoch: 3 } }));
    const again = SubwordVectors.fromFastText(await readFastTextBin(path));
    expect(again.words).toEqual(vectors.words);
    expect(Array.from(again.inputMatrix)).toEqual(Array.from(vectors.inputMatrix));
    expect(Array.from(again.vector('pãozinho'))).toEqual(Array.from(vectors.vector('pãozinho')));

    const plain = new KeyedVectors(
      ['a', 'b', 'c'],
      Float32Array.of(1, 0, 0, 1, 0.5, 0.5),
      2,
      Float64Array.of(3, 2, 1),
    );
    const plainPath = join(scratch, 'plain.bin');
    await writeFastTextBin(plainPath, fastTextWriteData(plain));
    const read = await readFastTextBin(plainPath);
    expect(read.args).toMatchObject({ dim: 2, bucket: 0, maxn: 0 });
    const loaded = SubwordVectors.fromFastText(read);
    expect(Array.from(loaded.vectors)).toEqual(Array.from(plain.vectors));
    expect(loaded.vectorSource('zzz')).toBeUndefined();
    expect(() => loaded.vector('zzz')).toThrow(/not in the vocabulary/);
  });

  it('refuses words fastText could not read back', async () => {
    const bad = new KeyedVectors(['a b'], Float32Array.of(1), 1);
    await expect(writeFastTextBin(join(scratch, 'bad.bin'), fastTextWriteData(bad))).rejects.toThrow(
      /no spaces/,
    );
  });
});

describe('readFastTextBin on wrong files', () => {
  const original = readFileSync(cliBin);
  const write = (name: string, bytes: Uint8Array) => {
    const path = join(scratch, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('knows its magic number', () => {
    expect(isFastTextBin(original)).toBe(true);
    expect(isFastTextBin(Buffer.from('3 100\n'))).toBe(false);
    expect(new DataView(original.buffer, original.byteOffset).getInt32(0, true)).toBe(FASTTEXT_MAGIC);
  });

  it.each([10, 40, 80, 200, 2000, original.length - 4000, original.length - 1])(
    'a copy cut at byte %i is refused as truncated',
    async (cut) => {
      const path = write(`cut-${cut}.bin`, original.subarray(0, cut));
      await expect(readFastTextBin(path)).rejects.toThrow(FormatError);
      await expect(readFastTextBin(path)).rejects.toThrow(/truncated|ends inside|remain/);
    },
  );

  it('refuses trailing data, a dictionary larger than the file, a quantized model, another version', async () => {
    await expect(
      readFastTextBin(write('trail.bin', Buffer.concat([original, Buffer.from([1, 2, 3, 4])]))),
    ).rejects.toThrow(/unexpected data/);

    const huge = Buffer.from(original);
    huge.writeInt32LE(2 ** 30, 64); // dictionary size
    huge.writeInt32LE(2 ** 30, 68); // words
    await expect(readFastTextBin(write('huge.bin', huge))).rejects.toThrow(/claims 1073741824 entries/);

    const model = await readFastTextBin(cliBin);
    const dictionaryEnd = 64 + 28 + model.words.reduce((n, w) => n + Buffer.byteLength(w) + 10, 0);
    const quantized = Buffer.from(original);
    expect(quantized[dictionaryEnd]).toBe(0);
    quantized[dictionaryEnd] = 1;
    await expect(readFastTextBin(write('q.bin', quantized))).rejects.toThrow(
      /quantized fastText model \(\.ftz\)/,
    );

    const wrongRows = Buffer.from(original);
    wrongRows.writeBigInt64LE(5n, dictionaryEnd + 1);
    await expect(readFastTextBin(write('rows.bin', wrongRows))).rejects.toThrow(/input matrix is 5 × 5/);

    // A header claiming 2^31 − 1 buckets (matrix header to match: 800 GB of rows at dim 100) is
    // refused from the bytes that remain, before anything of that size is allocated.
    const buckets = Buffer.from(original);
    const hugeBucket = 2 ** 31 - 1;
    buckets.writeInt32LE(hugeBucket, 40);
    buckets.writeBigInt64LE(BigInt(model.words.length + hugeBucket), dictionaryEnd + 1);
    await expect(readFastTextBin(write('buckets.bin', buckets))).rejects.toThrow(
      new RegExp(
        `needs ${(model.words.length + hugeBucket) * model.args.dim * 4} bytes but only \\d+ remain`,
      ),
    );

    const version = Buffer.from(original);
    version.writeInt32LE(13, 4);
    await expect(readFastTextBin(write('v13.bin', version))).rejects.toThrow(/version 13 is not supported/);

    const nan = Buffer.from(original);
    nan.writeFloatLE(Number.NaN, dictionaryEnd + 17 + 4 * 7);
    await expect(readFastTextBin(write('nan.bin', nan))).rejects.toThrow(/holds NaN in row 1/);
  });

  it('refuses a file that is not fastText at all', async () => {
    await expect(readFastTextBin(write('text.bin', Buffer.from('2 3\na 1 2 3\nb 4 5 6\n')))).rejects.toThrow(
      /not a fastText model/,
    );
  });
});
