// Fault suite, corrupt files: every file of a word2vec model folder, a language-model folder and their
// training checkpoints, damaged in each way a disk, a copy or a hand edit damages a file (deleted, emptied,
// cut in half, one byte more, one byte changed in the middle, overwritten with other bytes). Each load or
// resume must refuse with a VerboError whose one-line message names the damaged file — never load, never
// throw anything else. Byte changes inside JSON files are left to the fuzz tests (a changed digit can be a
// valid value).
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/embeddings/checkpoint.js';
import { loadModel, saveModel } from '../../src/embeddings/model-dir.js';
import { trainWord2Vec } from '../../src/embeddings/trainer.js';
import {
  EOS,
  LanguageModel,
  loadLanguageModel,
  partialLmCheckpointDir,
  saveLanguageModel,
  trainLanguageModel,
  UNK,
} from '../../src/seq/index.js';
import { VerboError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';
import { Vocabulary } from '../../src/vocab/index.js';
import { clusterText, verbo } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-fault-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const random = new Random(21);
let cases = 0;

type Damage = (bytes: Buffer) => Buffer | null;
const DAMAGES: Record<string, { damage: Damage; json: boolean }> = {
  deleted: { damage: () => null, json: true },
  emptied: { damage: () => Buffer.alloc(0), json: true },
  'cut in half': { damage: (b) => b.subarray(0, Math.floor(b.length / 2)), json: true },
  'one byte more': { damage: (b) => Buffer.concat([b, Buffer.from([0x7b])]), json: true },
  'one byte changed': {
    damage: (b) => {
      const out = Buffer.from(b);
      const at = Math.floor(out.length / 2);
      out[at] = out[at]! ^ (1 + random.int(255));
      return out;
    },
    json: false,
  },
  'other bytes': {
    damage: (b) => Buffer.from(Array.from({ length: Math.max(8, b.length) }, () => random.int(256))),
    json: true,
  },
};

/** Every file under `root` (relative paths). */
function filesOf(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    return entry.isDirectory() ? filesOf(root, name) : [name];
  });
}

/**
 * For each file of the pristine folder `pristine` (those `only` keeps) and each damage: a fresh copy at
 * `target` with that file damaged, then `load()` must reject with a VerboError naming the file.
 */
async function sweep(
  pristine: string,
  target: string,
  load: () => Promise<unknown> | unknown,
  only: (name: string) => boolean = () => true,
): Promise<number> {
  const names = filesOf(pristine).filter(only);
  expect(names.length).toBeGreaterThan(1);
  let count = 0;
  for (const name of names) {
    const json = name.endsWith('.json');
    for (const [what, { damage, json: forJson }] of Object.entries(DAMAGES)) {
      if (json && !forJson) continue;
      rmSync(target, { recursive: true, force: true });
      cpSync(pristine, target, { recursive: true });
      const path = join(target, name);
      const original = readFileSync(path);
      const damaged = damage(original);
      if (damaged?.equals(original)) continue; // an empty file emptied is no damage
      if (damaged === null) rmSync(path);
      else writeFileSync(path, damaged);
      let error: unknown;
      try {
        await load();
      } catch (caught) {
        error = caught;
      }
      const label = `${name} ${what}`;
      expect(error, `${label}: loaded`).toBeInstanceOf(VerboError);
      const message = (error as Error).message;
      expect(message.includes('\n'), `${label}: ${message}`).toBe(false);
      expect(message, `${label}: the message does not name the file`).toContain(name.split('/').pop());
      count++;
    }
  }
  cases += count;
  return count;
}

describe('a word2vec model folder', () => {
  it('refuses each damaged file, naming it (the model and its final checkpoint)', async () => {
    const checkpoint = join(dir, 'w2v-run');
    const result = await trainWord2Vec(
      clusterText(1, 200)
        .trim()
        .split('\n')
        .map((line) => line.split(' ')),
      {
        dim: 8,
        window: 3,
        minCount: 1,
        epochs: 2,
        threads: 1,
        seed: 3,
        checkpointDir: checkpoint,
      },
    );
    const pristine = join(dir, 'w2v');
    await saveModel(pristine, { vectors: result.keyedVectors, config: { epochsDone: 2 }, history: [] });
    const target = join(dir, 'w2v-damaged');
    const n = await sweep(pristine, target, () => loadModel(target));
    const m = await sweep(checkpoint, join(dir, 'w2v-checkpoint-damaged'), () =>
      loadCheckpoint(join(dir, 'w2v-checkpoint-damaged')),
    );
    expect(n + m).toBeGreaterThan(20);
  });
});

describe('a language-model folder', () => {
  const vocab = new Vocabulary([UNK, EOS, 'a', 'b', 'c', 'd'], [1, 1, 1, 1, 1, 1], [UNK, EOS]);
  const ids = Int32Array.from({ length: 400 }, (_, i) => [2, 3, 4, 5, 1][i % 5]!);
  const architecture = { embed: 6, hidden: 6, layers: 1, seed: 2 };
  const settings = { batch: 2, bptt: 5, epochs: 3, optimizer: 'adam' as const };

  it('refuses each damaged file, naming it', async () => {
    const pristine = join(dir, 'lm');
    saveLanguageModel(new LanguageModel(vocab, architecture), pristine);
    const target = join(dir, 'lm-damaged');
    expect(await sweep(pristine, target, () => loadLanguageModel(target))).toBeGreaterThan(15);
  });

  it("refuses to resume from each damaged file of a run's checkpoint, naming it", async () => {
    const out = join(dir, 'lm-run');
    await expect(
      trainLanguageModel(new LanguageModel(vocab, architecture), ids, {
        ...settings,
        outDir: out,
        onProgress: (event) => {
          if (event.phase === 'epoch' && event.epoch === 1) throw new Error('stopped');
        },
      }),
    ).rejects.toThrow(/stopped/);
    const checkpoint = partialLmCheckpointDir(out);
    const pristine = join(dir, 'lm-checkpoint');
    cpSync(checkpoint, pristine, { recursive: true });
    const resume = async () =>
      trainLanguageModel(loadLanguageModel(checkpoint), ids, { ...settings, outDir: out, resume: true });
    // The pristine checkpoint resumes (the sweep's refusals are the damage's doing).
    expect(existsSync(join(pristine, 'state.json'))).toBe(true);
    expect(await sweep(pristine, checkpoint, resume)).toBeGreaterThan(20);
    rmSync(checkpoint, { recursive: true, force: true });
    cpSync(pristine, checkpoint, { recursive: true });
    const resumed = await trainLanguageModel(loadLanguageModel(checkpoint), ids, {
      ...settings,
      outDir: out,
      resume: true,
    });
    expect(resumed.tokens).toBeGreaterThan(0);
    expect(statSync(join(out, 'weights.bin')).size).toBeGreaterThan(0);
  });
});

describe('readers given a folder or nothing', () => {
  it('refuse with a VerboError naming the path (a folder raised a bare EISDIR)', async () => {
    const { loadPhrases, loadVocabulary } = await import('../../src/vocab/index.js');
    for (const path of [dir, join(dir, 'nothing.json')]) {
      for (const read of [() => loadVocabulary(path), () => loadPhrases(path)]) {
        let error: unknown;
        try {
          read();
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(VerboError);
        expect((error as Error).message).toContain(path);
        cases++;
      }
    }
  });
});

describe('the CLI on a damaged model', () => {
  it('one line naming the file, exit code 1, for each command that loads it', async () => {
    const pristine = join(dir, 'w2v');
    const target = join(dir, 'w2v-cli');
    cpSync(pristine, target, { recursive: true });
    const vectors = join(target, 'vectors.bin');
    writeFileSync(vectors, readFileSync(vectors).subarray(0, 100));
    for (const args of [
      ['similar', target, 'a1'],
      ['analogy', target, 'a1', 'a2', 'b1'],
      ['export', target, '--format', 'word2vec-txt', '--out', join(dir, 'out.txt')],
      ['eval', target],
    ]) {
      const result = verbo(args);
      expect(result.status, `${args[0]}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toMatch(
        /^verbo: .*vectors\.bin: \d+ bytes, but the model's config\.json records \d+.*\n$/,
      );
      cases++;
    }
  });
});

afterAll(() => {
  console.info(`fault suite (corrupt files): ${cases} damaged-file cases refused`);
});
