// The model-folder machinery: atomic replacement (the previous folder survives a failed build and a
// kill between the swap's renames), the manifest (a changed, truncated, foreign or unlisted file is
// refused naming it), kinds (never one kind over another, never over a folder that is no model), the
// lock (a second writer refused, a dead writer's lock taken over) and the file-system error wording.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSystemError, shown, VerboError } from '../../src/util/errors.js';
import { fileError } from '../../src/util/files.js';
import {
  checkReplaceable,
  firstNonFinite,
  lockOutput,
  type ModelConfigFile,
  openModelDir,
  readModelConfig,
  recoverModelDir,
  settleModelDir,
  verifyBytes,
  verifyFiles,
  writeModelDir,
} from '../../src/util/model-files.js';

const root = mkdtempSync(join(tmpdir(), 'verbo-model-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => join(root, `${name}-${++counter}`);

async function writeW2v(target: string, vectors: string, extra: Record<string, string> = {}): Promise<void> {
  await writeModelDir(target, { format: 'verbo-word2vec' }, async (staging) => {
    writeFileSync(join(staging, 'vectors.bin'), vectors);
    for (const [name, text] of Object.entries(extra)) {
      mkdirSync(join(staging, name, '..'), { recursive: true });
      writeFileSync(join(staging, name), text);
    }
    return { format: 'verbo-word2vec', version: 2, dim: 3 };
  });
}

/** A pid that no process has (a child that has exited). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('firstNonFinite', () => {
  it.each([
    [[1, 2, 3], -1],
    [[1, Number.NaN, 3], 1],
    [[0, 0, Number.POSITIVE_INFINITY], 2],
    [Float32Array.of(-Infinity), 0],
    [new Float32Array(0), -1],
  ])('%j → %i', (values, expected) => {
    expect(firstNonFinite(values)).toBe(expected);
  });
});

describe('writeModelDir and the manifest', () => {
  it('writes config.json with the kind, version and size + sha256 of every file, and leaves nothing beside', async () => {
    const target = fresh('model');
    await writeW2v(target, 'abc', { 'checkpoint/state.json': '{}' });
    const config = readModelConfig(target)!;
    expect(config.format).toBe('verbo-word2vec');
    expect(config.version).toBe(2);
    expect(config.files).toEqual({
      'checkpoint/state.json': {
        bytes: 2,
        sha256: '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      },
      'vectors.bin': { bytes: 3, sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
    });
    verifyFiles(target, config, ['vectors.bin', 'checkpoint/state.json']);
    expect(readdirSync(root).filter((name) => name.startsWith(`${target.split('/').pop()}.`))).toEqual([]);
  });

  it('refuses a changed, truncated, missing or unlisted file, naming it', async () => {
    const target = fresh('model');
    await writeW2v(target, 'abcdef', { 'vocab.txt': 'a 1\n' });
    const config = readModelConfig(target)!;
    writeFileSync(join(target, 'vectors.bin'), 'abcdeX');
    expect(() => verifyFiles(target, config, ['vectors.bin'])).toThrow(
      /vectors\.bin: sha256 [0-9a-f]{12}…, but the model's config\.json records sha256 [0-9a-f]{12}…: the file was changed/,
    );
    writeFileSync(join(target, 'vectors.bin'), 'abc');
    expect(() => verifyFiles(target, config, ['vectors.bin'])).toThrow(
      /vectors\.bin: 3 bytes, but the model's config\.json records 6:/,
    );
    rmSync(join(target, 'vectors.bin'));
    expect(() => verifyFiles(target, config, ['vectors.bin'])).toThrow(/vectors\.bin is missing/);
    writeFileSync(join(target, 'extra.bin'), 'x');
    expect(() => verifyFiles(target, config, ['extra.bin'])).toThrow(/extra\.bin is not listed/);
    expect(() => verifyBytes(target, config, 'vocab.txt', Buffer.from('b 1\n'))).toThrow(
      /vocab\.txt: sha256/,
    );
    expect(() => verifyBytes(target, config, 'vocab.txt', Buffer.from('a 1\n'))).not.toThrow();
  });

  it('checks only byte sizes in a folder written before the manifest', async () => {
    const target = fresh('legacy');
    mkdirSync(target);
    writeFileSync(join(target, 'vectors.bin'), 'abc');
    const config: ModelConfigFile = { format: 'verbo-word2vec', version: 1, files: { 'vectors.bin': 4 } };
    expect(() => verifyFiles(target, config, ['vectors.bin'])).toThrow(
      /3 bytes, but the model's config\.json records 4/,
    );
    verifyFiles(target, { format: 'verbo-word2vec', version: 1 }, ['vectors.bin']);
  });

  it('keeps the previous folder, whole, when the build fails', async () => {
    const target = fresh('model');
    await writeW2v(target, 'old');
    const before = readFileSync(join(target, CONFIG), 'utf8');
    await expect(
      writeModelDir(target, { format: 'verbo-word2vec' }, async (staging) => {
        writeFileSync(join(staging, 'vectors.bin'), 'new, half written');
        throw new VerboError('disk trouble');
      }),
    ).rejects.toThrow(/disk trouble/);
    expect(readFileSync(join(target, 'vectors.bin'), 'utf8')).toBe('old');
    expect(readFileSync(join(target, CONFIG), 'utf8')).toBe(before);
    expect(readdirSync(root).filter((name) => name.startsWith(`${target.split('/').pop()}.`))).toEqual([]);
    await writeW2v(target, 'new');
    expect(readFileSync(join(target, 'vectors.bin'), 'utf8')).toBe('new');
  });

  it("keeps a training run's .partial folder for --resume, or clears it when asked", async () => {
    const target = fresh('run');
    const first = openModelDir(target, { format: 'verbo-word2vec', partial: 'fresh' });
    expect(first.staging).toBe(`${target}.partial`);
    writeFileSync(join(first.staging, 'checkpoint.bin'), 'epoch 1');
    writeFileSync(join(first.staging, 'weights.bin.tmp-123-abc'), 'crashed write');
    first.close({ keepStaging: true });
    const resumed = openModelDir(target, { format: 'verbo-word2vec', partial: 'keep' });
    expect(readdirSync(resumed.staging)).toEqual(['checkpoint.bin']);
    resumed.close({ keepStaging: true });
    const restarted = openModelDir(target, { format: 'verbo-word2vec', partial: 'fresh' });
    expect(readdirSync(restarted.staging)).toEqual([]);
    restarted.close();
    expect(existsSync(`${target}.partial`)).toBe(false);
  });
});

const CONFIG = 'config.json';

describe('kinds', () => {
  it('refuses one kind over another, a non-model folder and a file; accepts new, empty and same-kind', async () => {
    const w2v = fresh('w2v');
    await writeW2v(w2v, 'v');
    expect(() => checkReplaceable(w2v, 'verbo-lm')).toThrow(
      /holds a word2vec model \(verbo train\); writing a language model \(verbo lm train\) there would destroy it/,
    );
    await expect(
      writeModelDir(w2v, { format: 'verbo-lm' }, async () => ({ format: 'verbo-lm', version: 1 })),
    ).rejects.toMatchObject({ code: 'MISMATCH' });
    expect(readFileSync(join(w2v, 'vectors.bin'), 'utf8')).toBe('v');

    const photos = fresh('photos');
    mkdirSync(photos);
    writeFileSync(join(photos, 'holiday.jpg'), 'x');
    expect(() => checkReplaceable(photos, 'verbo-demo')).toThrow(
      /is not empty \('holiday\.jpg'\) and holds no demo/,
    );
    expect(() => checkReplaceable(photos, 'verbo-demo', { recognise: () => true })).not.toThrow();
    expect(() => checkReplaceable(join(photos, 'holiday.jpg'), 'verbo-lm')).toThrow(
      /is a file, not a folder/,
    );

    const empty = fresh('empty');
    mkdirSync(empty);
    expect(() => checkReplaceable(empty, 'verbo-lm')).not.toThrow();
    expect(() => checkReplaceable(fresh('absent'), 'verbo-lm')).not.toThrow();
    expect(() => checkReplaceable(w2v, 'verbo-word2vec')).not.toThrow();
    await writeW2v(empty, 'into an empty folder');
    expect(readFileSync(join(empty, 'vectors.bin'), 'utf8')).toBe('into an empty folder');
  });
});

describe('the lock', () => {
  it('refuses a second writer of the same folder and frees it on release', () => {
    const target = fresh('locked');
    const lock = lockOutput(target);
    expect(existsSync(`${target}.lock`)).toBe(true);
    expect(() => lockOutput(target)).toThrow(/already being written by this process/);
    expect(() => openModelDir(target, { format: 'verbo-lm' })).toThrow(/already being written/);
    lock.release();
    expect(existsSync(`${target}.lock`)).toBe(false);
    lockOutput(target).release();
  });

  it('refuses while another live process holds the lock, naming it', async () => {
    const target = fresh('busy');
    const child = spawn('sleep', ['30']);
    try {
      const info = { pid: child.pid, host: hostname(), start: null, since: 'now', command: 'verbo train' };
      writeFileSync(`${target}.lock`, JSON.stringify(info));
      expect(() => lockOutput(target)).toThrow(
        new RegExp(`being written by another verbo process \\(pid ${child.pid}, 'verbo train'`),
      );
      try {
        lockOutput(target);
      } catch (error) {
        expect((error as VerboError).code).toBe('LOCKED');
      }
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that died (kill -9 leaves it behind)', () => {
    const target = fresh('stale');
    const info = { pid: deadPid(), host: hostname(), start: '1', since: 'then', command: 'verbo train' };
    writeFileSync(`${target}.lock`, JSON.stringify(info));
    const lock = lockOutput(target);
    expect(JSON.parse(readFileSync(`${target}.lock`, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});

describe('recovery of an interrupted swap', () => {
  it('finishes the swap when the new folder is complete', async () => {
    const target = fresh('swap');
    await writeW2v(target, 'new');
    const pid = deadPid();
    // As a kill between "DIR → DIR.old" and "staging → DIR" leaves it:
    const { renameSync } = await import('node:fs');
    renameSync(target, `${target}.new-${pid}-1`);
    mkdirSync(`${target}.old-${pid}`);
    writeFileSync(join(`${target}.old-${pid}`, 'vectors.bin'), 'old');
    expect(settleModelDir(target)).toBe(true);
    expect(readFileSync(join(target, 'vectors.bin'), 'utf8')).toBe('new');
    expect(existsSync(`${target}.old-${pid}`)).toBe(false);
    expect(existsSync(`${target}.new-${pid}-1`)).toBe(false);
  });

  it("puts the previous folder back when the new one is incomplete, and clears dead writers' staging", () => {
    const target = fresh('swap');
    const pid = deadPid();
    mkdirSync(`${target}.old-${pid}`);
    writeFileSync(join(`${target}.old-${pid}`, 'vectors.bin'), 'old');
    mkdirSync(`${target}.new-${pid}-7`);
    writeFileSync(join(`${target}.new-${pid}-7`, 'vectors.bin'), 'half');
    recoverModelDir(target);
    expect(readFileSync(join(target, 'vectors.bin'), 'utf8')).toBe('old');
    expect(existsSync(`${target}.new-${pid}-7`)).toBe(false);
  });
});

describe('file-system errors', () => {
  it('say what failed, the path and the likely cause in one line', () => {
    const error = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
    });
    const described = fileError(error, 'write', '/data/model/vectors.bin') as FileSystemError;
    expect(described).toBeInstanceOf(FileSystemError);
    expect(described.message).toBe(
      'cannot write /data/model/vectors.bin: no space left on the device; free some space or choose a folder on another disk (ENOSPC).',
    );
    expect(described.errno).toBe('ENOSPC');
    const plain = new VerboError('already clear');
    expect(fileError(plain, 'write', 'x')).toBe(plain);
  });

  it('writing under a file names the path and says "not a folder"', async () => {
    const file = fresh('file');
    writeFileSync(file, 'x');
    await expect(writeW2v(join(file, 'model'), 'v')).rejects.toThrow(
      /cannot create the folder .*file-\d+: a part of the path is a file, not a folder \(E(NOTDIR|EXIST)\)/,
    );
  });

  it('shown() escapes control characters and cuts long words', () => {
    expect(shown('\u001b[31mred\n')).toBe('\\u001b[31mred\\u000a');
    expect(shown('x'.repeat(10_000))).toHaveLength(60);
  });
});
