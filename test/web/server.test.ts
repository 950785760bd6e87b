// Loading what `verbo serve` shows: language-model histories (history.json, or the training summary in
// config.json) and progress curves (progress.json; malformed or absent files give an empty curve).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLmHistory, readProgress } from '../../src/web/index.js';

const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'verbo-web-'));
  mkdirSync(dir, { recursive: true });
  return dir;
};

describe('readLmHistory', () => {
  it('prefers history.json', () => {
    const dir = folder();
    writeFileSync(join(dir, 'history.json'), JSON.stringify([{ epoch: 1, trainPerplexity: 5 }]));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ training: { epoch: 9 } }));
    expect(readLmHistory(dir)).toEqual([{ epoch: 1, trainPerplexity: 5 }]);
  });
  it('falls back to the training summary in config.json, then to nothing', () => {
    const dir = folder();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ training: { epoch: 3, validPerplexity: 80 } }));
    expect(readLmHistory(dir)).toEqual([{ epoch: 3, validPerplexity: 80 }]);
    expect(readLmHistory(folder())).toEqual([]);
  });
  it('names a corrupt file', () => {
    const dir = folder();
    writeFileSync(join(dir, 'history.json'), '[{');
    expect(() => readLmHistory(dir)).toThrow(`${join(dir, 'history.json')}: not valid JSON`);
  });
});

describe('readProgress', () => {
  it('keeps only [number, number] points', () => {
    const dir = folder();
    writeFileSync(join(dir, 'progress.json'), JSON.stringify([[1, 2], [3, 'x'], [4], [5, 6], null]));
    expect(readProgress(dir)).toEqual([
      [1, 2],
      [5, 6],
    ]);
  });
  it('gives [] for a missing folder, a missing file or bad JSON', () => {
    expect(readProgress(undefined)).toEqual([]);
    expect(readProgress(folder())).toEqual([]);
    const dir = folder();
    writeFileSync(join(dir, 'progress.json'), '{oops');
    expect(readProgress(dir)).toEqual([]);
  });
});
