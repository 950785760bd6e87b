// A saved HNSW index that does not belong to its vectors never answers: a sidecar whose words by label
// were edited is rebuilt (not served with wrong neighbours), a graph whose stored vectors were changed is
// refused by its sha256, and sidecar fields beyond their bounds (ef 10⁹) are a one-line FormatError
// before they size any allocation or search.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIndexFiles, HnswIndex, loadIndexFiles, readSidecar } from '../../src/search/index.js';
import { FormatError } from '../../src/util/errors.js';
import { gaussianMixture, wordList } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-sidecar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dim = 12;
const words = wordList(300);
const vectors = gaussianMixture(300, dim, 6, 0.1, 5);

function saved(name: string): string {
  const path = join(dir, name);
  buildIndexFiles(path, words, vectors, dim, { M: 8, efConstruction: 40 });
  return path;
}

describe('saved HNSW indexes', () => {
  it('rebuilds an index whose sidecar labels were edited instead of answering with the wrong words', () => {
    const path = saved('labels.hnsw');
    const sidecar = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
    [sidecar.labels[0], sidecar.labels[7]] = [sidecar.labels[7], sidecar.labels[0]];
    writeFileSync(`${path}.json`, JSON.stringify(sidecar));
    const notices: string[] = [];
    const index = loadIndexFiles(path, words, vectors, dim, {
      kind: 'hnsw',
      saveRebuilt: false,
      onNotice: (m) => notices.push(m),
    });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/the sidecar's words by label are not the vectors' .*rebuilding it/);
    // w0's nearest stored vector is its own: found under its own name.
    expect(index.search(vectors.subarray(0, dim), 1)[0]!.word).toBe('w0');
  });

  it('refuses a graph whose stored vectors were changed (same size), naming the file', () => {
    const path = saved('vectors.hnsw');
    const bytes = readFileSync(path);
    bytes[bytes.length - 100]! ^= 0x40;
    writeFileSync(path, bytes);
    expect(() => HnswIndex.load(path)).toThrow(
      /vectors\.hnsw does not have the contents its sidecar recorded \(sha256\)/,
    );
  });

  it.each([
    ['ef', 1e9, /"ef" must be a whole number from 1 to 100000, got 1000000000/],
    ['M', 0, /"M" must be a whole number from 1 to 2048/],
    ['dim', 1e7, /"dim" must be a whole number from 1 to 65536/],
    ['indexSha256', 'zz', /"indexSha256" is malformed/],
    ['counts', [1, 2], /"counts" must give a count ≥ 0 per label/],
  ])('refuses a sidecar with %s %j in one line', (key, value, message) => {
    const path = saved(`field-${key}.hnsw`);
    const sidecar = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
    sidecar[key] = value;
    writeFileSync(`${path}.json`, JSON.stringify(sidecar));
    const error = (() => {
      try {
        readSidecar(path);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/\n/);
  });

  it('refuses labels that repeat a word', () => {
    const path = saved('twice.hnsw');
    const sidecar = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
    sidecar.labels[3] = sidecar.labels[4];
    writeFileSync(`${path}.json`, JSON.stringify(sidecar));
    expect(() => readSidecar(path)).toThrow(/'w4' has two labels/);
  });

  it('bounds ef when it is set in code', () => {
    expect(() => new HnswIndex(dim, { ef: 1e9 })).toThrow(
      /ef 1000000000 is above the largest accepted, 100000/,
    );
  });
});
