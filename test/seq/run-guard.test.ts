// Language-model runs and folders that must not lose a model or answer wrongly: divergence stops before
// anything is saved (the previous model and the last good checkpoint stay), a failed or interrupted run
// never touches OUT, resume refuses another text or other settings, a damaged or mixed folder is refused
// naming the file, non-finite weights never load, sizes are refused before allocating, generate is capped
// and streams.
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EOS,
  LanguageModel,
  loadLanguageModel,
  partialLmCheckpointDir,
  saveLanguageModel,
  trainLanguageModel,
  UNK,
} from '../../src/seq/index.js';
import type { DivergedError } from '../../src/util/errors.js';
import { Vocabulary } from '../../src/vocab/index.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-seq-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vocab = new Vocabulary([UNK, EOS, 'a', 'b', 'c', 'd'], [1, 1, 1, 1, 1, 1], [UNK, EOS]);
const ids = Int32Array.from({ length: 400 }, (_, i) => [2, 3, 4, 5, 1][i % 5]!);
const architecture = { embed: 6, hidden: 6, layers: 1, seed: 2 };
const settings = { batch: 2, bptt: 5, epochs: 2 };

function bytes(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A copy of the model folder `from` with config.json's manifest entry of `name` made to match. */
function rewriteWithManifest(from: string, to: string, name: string, contents: Uint8Array | string): void {
  cpSync(from, to, { recursive: true });
  writeFileSync(join(to, name), contents);
  const config = JSON.parse(readFileSync(join(to, 'config.json'), 'utf8'));
  config.files[name] = { bytes: readFileSync(join(to, name)).length, sha256: bytes(join(to, name)) };
  writeFileSync(join(to, 'config.json'), JSON.stringify(config));
}

describe('language-model training runs', () => {
  it('a diverging run stops before saving: OUT keeps the previous model, the last good checkpoint stays', async () => {
    const out = join(dir, 'diverge');
    await trainLanguageModel(new LanguageModel(vocab, architecture), ids, { ...settings, outDir: out });
    const before = bytes(join(out, 'weights.bin'));
    // The issue's case: --lr 1e6 without clipping, over a good model.
    const exploded = await trainLanguageModel(new LanguageModel(vocab, architecture), ids, {
      ...settings,
      learningRate: 1e6,
      clip: 0,
      outDir: out,
    }).catch((e: unknown) => e);
    expect((exploded as DivergedError).code).toBe('DIVERGED');
    expect(bytes(join(out, 'weights.bin'))).toBe(before);
    // One good epoch, then weights that go bad: epoch 1's checkpoint stays for a resume.
    const model = new LanguageModel(vocab, architecture);
    const error = await trainLanguageModel(model, ids, {
      ...settings,
      epochs: 3,
      outDir: out,
      onProgress: (event) => {
        if (event.phase === 'epoch' && event.epoch === 1) model.parameters()[0]!.tensor.data[0] = Number.NaN;
      },
    }).catch((e: unknown) => e);
    expect((error as DivergedError).code).toBe('DIVERGED');
    expect((error as Error).message).toMatch(/epoch 2/);
    expect(bytes(join(out, 'weights.bin'))).toBe(before);
    expect(loadLanguageModel(out).parameters().length).toBeGreaterThan(0);
    const state = JSON.parse(readFileSync(join(partialLmCheckpointDir(out), 'state.json'), 'utf8'));
    expect(state.epoch).toBe(1);
  });

  it('an interrupted run leaves OUT as it was; resume checks the text and the settings', async () => {
    const out = join(dir, 'interrupted');
    await trainLanguageModel(new LanguageModel(vocab, architecture), ids, { ...settings, outDir: out });
    const before = bytes(join(out, 'weights.bin'));
    const stop = (event: { phase: string; epoch: number }) => {
      if (event.phase === 'epoch' && event.epoch === 1) throw new Error('killed');
    };
    const fresh = new LanguageModel(vocab, { ...architecture, seed: 9 });
    await expect(
      trainLanguageModel(fresh, ids, { ...settings, epochs: 3, outDir: out, onProgress: stop }),
    ).rejects.toThrow(/killed/);
    expect(bytes(join(out, 'weights.bin'))).toBe(before);

    const resumed = () => loadLanguageModel(partialLmCheckpointDir(out));
    const other = ids.slice(0, 300);
    await expect(
      trainLanguageModel(resumed(), other, { ...settings, epochs: 3, outDir: out, resume: true }),
    ).rejects.toThrow(/resume: this run has a training text of 300 tokens \(the checkpoint's had 400\)/);
    await expect(
      trainLanguageModel(resumed(), ids, { ...settings, bptt: 4, epochs: 3, outDir: out, resume: true }),
    ).rejects.toMatchObject({
      code: 'MISMATCH',
      message: expect.stringMatching(/bptt 4 \(the checkpoint has 5\)/),
    });
    // Settings left out are the checkpoint's: the resumed run ends where an uninterrupted one does.
    const straight = new LanguageModel(vocab, { ...architecture, seed: 9 });
    await trainLanguageModel(straight, ids, { ...settings, epochs: 3 });
    const model = resumed();
    const result = await trainLanguageModel(model, ids, { epochs: 3, outDir: out, resume: true });
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(model.outputBias.toFloat32Array()).toBeAllClose(straight.outputBias.toFloat32Array(), {
      atol: 1e-6,
    });
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(bytes(join(out, 'weights.bin'))).not.toBe(before);
  });

  it('refuses a model too large for the machine before allocating it', () => {
    expect(() => new LanguageModel(vocab, { embed: 8, hidden: 60_000, layers: 2 })).toThrow(
      /lstm language model of 2 layer\(s\) × 60000 units.* needs about [\d.]+ GiB, more than this machine's/,
    );
    expect(() => new LanguageModel(vocab, { embed: 100_000, hidden: 8 })).toThrow(
      /embed 100000 is above the largest accepted, 65536/,
    );
  });

  it('generate is capped and streams each token as it is drawn', () => {
    const model = new LanguageModel(vocab, architecture);
    expect(() => model.generate('a', { tokens: 1e9 })).toThrow(/at most 100000/);
    const pieces: string[] = [];
    const generation = model.generate('a', {
      tokens: 30,
      seed: 4,
      onToken: (_, piece) => pieces.push(piece),
    });
    expect(pieces).toHaveLength(30);
    expect(pieces.join('')).toBe(generation.text);
  });
});

describe('language-model folders', () => {
  const good = join(dir, 'good');
  const model = new LanguageModel(vocab, architecture);
  saveLanguageModel(model, good);

  it('refuses a vocabulary from another model of the same size, naming the file', () => {
    const shuffled = join(dir, 'shuffled');
    cpSync(good, shuffled, { recursive: true });
    const vocabulary = JSON.parse(readFileSync(join(shuffled, 'vocab.json'), 'utf8'));
    [vocabulary.words[2], vocabulary.words[3]] = [vocabulary.words[3], vocabulary.words[2]];
    writeFileSync(join(shuffled, 'vocab.json'), JSON.stringify(vocabulary));
    expect(() => loadLanguageModel(shuffled)).toThrow(
      /shuffled\/vocab\.json: .* but the model's config\.json records .*: the file was changed, truncated or comes from another model/,
    );
  });

  it('refuses non-finite weights even under a matching manifest', () => {
    const nan = join(dir, 'nan');
    const weights = Buffer.from(readFileSync(join(good, 'weights.bin')));
    weights.writeFloatLE(Number.NaN, 4);
    rewriteWithManifest(good, nan, 'weights.bin', weights);
    expect(() => loadLanguageModel(nan)).toThrow(
      /weight '.*' holds NaN at index 1; the weights must be finite/,
    );
  });

  it('names a truncated optimizer file of a checkpoint as truncated, not as a NaN loss', async () => {
    const out = join(dir, 'truncated');
    const stop = (event: { phase: string; epoch: number }) => {
      if (event.phase === 'epoch' && event.epoch === 1) throw new Error('killed');
    };
    await expect(
      trainLanguageModel(new LanguageModel(vocab, architecture), ids, {
        ...settings,
        optimizer: 'adam',
        outDir: out,
        onProgress: stop,
      }),
    ).rejects.toThrow(/killed/);
    const checkpoint = partialLmCheckpointDir(out);
    const resume = () =>
      trainLanguageModel(loadLanguageModel(checkpoint), ids, { ...settings, outDir: out, resume: true });
    const optimizer = join(checkpoint, 'optimizer.bin');
    const good = readFileSync(optimizer);
    truncateSync(optimizer, 8);
    await expect(resume()).rejects.toThrow(
      /optimizer\.bin: 8 bytes, but .*state\.json records \d+: the checkpoint is corrupt/,
    );
    // Same size, one bit changed: named by its checksum.
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 1;
    writeFileSync(optimizer, flipped);
    await expect(resume()).rejects.toThrow(/optimizer\.bin: sha256 .* the checkpoint is corrupt/);
    writeFileSync(optimizer, good);
    // Every file of the checkpoint is in state.json's manifest, and a missing one is named.
    const state = JSON.parse(readFileSync(join(checkpoint, 'state.json'), 'utf8'));
    expect(Object.keys(state.files).sort()).toEqual(
      readdirSync(checkpoint)
        .filter((name) => name !== 'state.json')
        .sort(),
    );
    rmSync(join(checkpoint, 'callback-arrays.bin'), { force: true });
    await expect(resume()).rejects.toThrow(/callback-arrays\.bin is missing; the checkpoint is corrupt/);
    // Without the manifest (a checkpoint of an older verbo) the reader still names the short file.
    writeFileSync(join(checkpoint, 'state.json'), JSON.stringify({ ...state, files: undefined }));
    truncateSync(optimizer, 8);
    await expect(resume()).rejects.toThrow(/optimizer\.bin (is truncated|has \d+ values)/);
  });
});
