// The language-model directory: the one weight format (weights.json + weights.bin, by name), and the
// version 1 layout (weights.bin alone, listed in config.json) that older directories — the committed
// models/demo-lm among them — still use: read as they are, and re-saved in the current format.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWeightFile } from '../../src/nn/index.js';
import {
  EOS,
  LanguageModel,
  LM_FORMAT_VERSION,
  loadLanguageModel,
  saveLanguageModel,
  UNK,
} from '../../src/seq/index.js';
import { Vocabulary } from '../../src/vocab/index.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-seq-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vocab = new Vocabulary([UNK, EOS, 'a', 'b', 'c'], [1, 1, 1, 1, 1], [UNK, EOS]);

/** Writes `model` as a version 1 directory: weights back to back, their names and shapes in config.json. */
function saveVersion1(model: LanguageModel, path: string): void {
  saveLanguageModel(model, path);
  const parameters = model.parameters();
  const total = parameters.reduce((n, p) => n + p.tensor.size, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const p of parameters) {
    data.set(p.tensor.toFloat32Array(), offset);
    offset += p.tensor.size;
  }
  const config = JSON.parse(readFileSync(join(path, 'config.json'), 'utf8'));
  config.version = 1;
  delete config.files; // version 1 folders had no manifest
  config.parameters = parameters.map((p) => ({ name: p.name, shape: [...p.tensor.shape] }));
  config.weightsBytes = data.byteLength;
  writeFileSync(join(path, 'weights.bin'), new Uint8Array(data.buffer));
  rmSync(join(path, 'weights.json'));
  writeFileSync(join(path, 'config.json'), JSON.stringify(config));
}

describe('language-model directory', () => {
  it('saves the parameters by name in the one weight format', () => {
    const model = new LanguageModel(vocab, { embed: 4, hidden: 3, layers: 2, seed: 2 });
    const path = join(dir, 'v2');
    saveLanguageModel(model, path);
    const config = JSON.parse(readFileSync(join(path, 'config.json'), 'utf8'));
    expect(config.version).toBe(LM_FORMAT_VERSION);
    const weights = readWeightFile(path);
    expect([...weights.keys()]).toEqual(model.parameters().map((p) => p.name));
    expect(Array.from(weights.get('rnn1/kernel')!.values)).toEqual(
      Array.from(model.recurrentLayers[1]!.cell.kernel.value.toFloat32Array()),
    );
  });

  it('reads a version 1 directory and re-saves it in the current format, predicting the same', () => {
    const model = new LanguageModel(vocab, { embed: 4, hidden: 4, layers: 1, tieWeights: true, seed: 5 });
    const path = join(dir, 'v1');
    saveVersion1(model, path);
    expect(existsSync(join(path, 'weights.json'))).toBe(false);
    const old = loadLanguageModel(path);
    expect(old.parameters().map((p) => Array.from(p.tensor.toFloat32Array()))).toEqual(
      model.parameters().map((p) => Array.from(p.tensor.toFloat32Array())),
    );
    saveLanguageModel(old, join(dir, 'v1-resaved'));
    const again = loadLanguageModel(join(dir, 'v1-resaved'));
    expect(again.predict('a b').next).toEqual(model.predict('a b').next);
    // a version 1 weights.bin cut short is refused
    writeFileSync(join(path, 'weights.bin'), new Uint8Array(12));
    expect(() => loadLanguageModel(path)).toThrow(
      /12 bytes but config\.json says \d+; the file is truncated/,
    );
  });

  it('the committed demo model (version 1) still loads and predicts words', () => {
    const demo = join(import.meta.dirname, '../../models/demo-lm');
    const model = loadLanguageModel(demo);
    const prediction = model.predict('the', { topK: 5 });
    expect(prediction.next).toHaveLength(5);
    const total = prediction.next.reduce((n, p) => n + p.probability, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(1);
  });

  it('a weights.json that does not fit the architecture names the weight', () => {
    const path = join(dir, 'mismatch');
    saveLanguageModel(new LanguageModel(vocab, { embed: 4, hidden: 3, layers: 1 }), path);
    const config = JSON.parse(readFileSync(join(path, 'config.json'), 'utf8'));
    config.config.hidden = 5;
    writeFileSync(join(path, 'config.json'), JSON.stringify(config));
    expect(() => loadLanguageModel(path)).toThrow(
      /weight 'rnn0\/kernel' has shape \(4, 20\) in the model but \(4, 12\)/,
    );
  });
});
