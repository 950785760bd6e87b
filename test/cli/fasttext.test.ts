// Subword (fastText) models through the CLI (runs dist/, which test/global-setup.ts rebuilds when src is newer): `train --model fasttext`,
// queries that name words outside the vocabulary and say so, `export --format fasttext-bin`, `eval` with
// n-gram vectors, clean one-line errors; and interop both ways with the Debian fastText CLI
// (print-word-vectors, nn) and gensim's load_facebook_model — skipped, loudly, when they are absent.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/embeddings/model-dir.js';
import { SubwordVectors } from '../../src/embeddings/subword-vectors.js';
import { packagePath } from '../../src/util/paths.js';
import { Random } from '../../src/util/random.js';

const cli = packagePath('dist', 'cli', 'main.js');
const fastTextCli = ['/usr/bin/fasttext', '/usr/local/bin/fasttext'].find((path) => existsSync(path));
if (fastTextCli === undefined)
  console.warn(
    'test/cli/fasttext.test.ts: the fastText CLI is not installed (apt-get install fasttext): interop tests with it are SKIPPED.',
  );
const python = '/usr/bin/python3';
const gensim =
  existsSync(python) && spawnSync(python, ['-c', 'import gensim'], { encoding: 'utf8' }).status === 0;
if (!gensim)
  console.warn(
    'test/cli/fasttext.test.ts: python3-gensim is not installed (apt-get install python3-gensim): gensim interop tests are SKIPPED.',
  );

const dir = mkdtempSync(join(tmpdir(), 'verbo-cli-fasttext-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });

const SUFFIXES = ['a', 'ão', 'ões', 'inho', 'inha', 'ar', 'ou', 'ava'];
const corpus = join(dir, 'corpus.txt');
const random = new Random(3);
const lines: string[] = [];
for (let s = 0; s < 1200; s++) {
  const stem = ['cant', 'fal', 'corr'][random.int(3)]!;
  lines.push(
    Array.from({ length: 8 + random.int(6) }, () => stem + SUFFIXES[random.int(SUFFIXES.length)]).join(' '),
  );
}
writeFileSync(corpus, `${lines.join('\n')}\n`);
const model = join(dir, 'model');
const common = [
  '--prep',
  'none',
  '--dim',
  '16',
  '--window',
  '3',
  '--min-count',
  '2',
  '--threads',
  '1',
  '--quiet',
];
const trainArgs = [
  corpus,
  '--out',
  model,
  '--model',
  'fasttext',
  '--bucket',
  '5003',
  '--epochs',
  '5',
  ...common,
];
/** Words outside the vocabulary whose n-grams the model knows, and vocabulary words. */
const UNSEEN = ['cantinhos', 'falaria', 'corrinhos', 'cantavam'];
const KNOWN = ['canta', 'falou', 'corrão'];
/** Unseen words with accented n-grams: their rows depend on fastText's sign extension of bytes ≥ 0x80. */
const UNSEEN_ACCENTED = ['falãozinho', 'corrõezinhas'];

describe('verbo with --model fasttext', () => {
  beforeAll(() => {
    const result = run(['train', ...trainArgs, '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('writes a model directory with model.bin beside vectors.bin, loaded as SubwordVectors', async () => {
    expect(existsSync(join(model, 'model.bin'))).toBe(true);
    expect(existsSync(join(model, 'vectors.bin'))).toBe(true);
    const loaded = await loadModel(model);
    expect(loaded.vectors).toBeInstanceOf(SubwordVectors);
    expect(loaded.config).toMatchObject({
      model: 'fasttext',
      minn: 3,
      maxn: 6,
      bucket: 5003,
      cbow: false,
      alpha: 0.05,
    });
    for (const word of UNSEEN) expect(loaded.vectors.vectorSource(word)).toBe('ngrams');
  });

  it('similar and analogy answer for unseen words and say their vectors come from n-grams', () => {
    const text = run(['similar', model, 'cantinhos', 'canta', '--top', '3']);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(
      'cantinhos  (not in the vocabulary: its vector is built from its character n-grams)',
    );
    expect(text.stdout).toMatch(/^canta$/m);
    const json = JSON.parse(run(['similar', model, ...UNSEEN, 'canta', '--json']).stdout);
    expect(json.results.map((r: { builtFromNgrams: boolean }) => r.builtFromNgrams)).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    // Each unseen word's nearest neighbour shares its stem.
    for (const r of json.results as { word: string; neighbors: { word: string }[] }[]) {
      expect(r.neighbors[0]!.word.slice(0, 2), r.word).toBe(r.word.slice(0, 2));
    }
    const analogy = JSON.parse(run(['analogy', model, 'canta', 'cantinhos', 'falaria', '--json']).stdout);
    expect(analogy.builtFromNgrams).toEqual(['cantinhos', 'falaria']);
    expect(analogy.neighbors).toHaveLength(5);
    const query = run(['query', model], 'falaria\n{"similarity": ["canta", "corrinhos"]}\n');
    const answers = query.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(answers[0].builtFromNgrams).toEqual(['falaria']);
    expect(answers[1].builtFromNgrams).toEqual(['corrinhos']);
    expect(typeof answers[1].similarity).toBe('number');
  });

  it('eval scores unseen words with their n-gram vectors unless --no-ngrams', () => {
    const pairs = join(dir, 'pairs.tsv');
    writeFileSync(
      pairs,
      'canta\tcantinhos\t9\nfala\tfalaria\t8\ncanta\tfalou\t2\ncorrão\tfalaria\t1\nzzzz\tcanta\t5\n',
    );
    const withNgrams = JSON.parse(run(['eval', model, '--pairs', pairs, '--json']).stdout);
    // Every word has n-grams (even zzzz), so every pair is scored.
    expect(withNgrams.pairs).toMatchObject({ pairs: 5, oov: 0, builtFromNgrams: 4 });
    const without = JSON.parse(run(['eval', model, '--pairs', pairs, '--json', '--no-ngrams']).stdout);
    expect(without.pairs).toMatchObject({ pairs: 1, oov: 4, builtFromNgrams: 0 });
  });

  it('exports the model as a fastText .bin, and plain word2vec vectors as one without n-grams', async () => {
    const out = join(dir, 'export.bin');
    expect(run(['export', model, '--format', 'fasttext-bin', '--out', out]).status).toBe(0);
    expect(readFileSync(out).equals(readFileSync(join(model, 'model.bin')))).toBe(true);
    const w2v = join(dir, 'w2v');
    expect(run(['train', corpus, '--out', w2v, ...common, '--epochs', '1']).status).toBe(0);
    const plain = join(dir, 'plain.bin');
    expect(run(['export', w2v, '--format', 'fasttext-bin', '--out', plain]).status).toBe(0);
    const loaded = await loadModel(plain);
    const original = await loadModel(w2v);
    expect(loaded.config.format).toBe('fasttext-bin');
    expect(Array.from(loaded.vectors.vectors)).toEqual(Array.from(original.vectors.vectors));
  });

  it('says before training how much memory the n-gram buckets take, and --bucket lowers it', () => {
    const loud = common.filter((flag) => flag !== '--quiet');
    const memoryLine = (bucket: number) => {
      const out = join(dir, `memory-${bucket}`);
      const result = run([
        'train',
        corpus,
        '--out',
        out,
        ...loud,
        '--model',
        'fasttext',
        '--bucket',
        String(bucket),
        '--epochs',
        '1',
      ]);
      expect(result.status).toBe(0);
      const lines = result.stderr.split('\n');
      const at = lines.findIndex((line) => line.includes('memory '));
      // Printed before the first progress or epoch line.
      expect(at).toBeGreaterThanOrEqual(0);
      expect(lines.slice(0, at).some((line) => /epoch 1:|\d+(\.\d+)?%/.test(line))).toBe(false);
      return lines[at]!;
    };
    // bucket × dim × 4 bytes: 5003 × 16 × 4 = 320,192 bytes = 313 KiB; 200,003 × 16 × 4 = 12.2 MiB.
    expect(memoryLine(5003)).toMatch(/of which n-gram buckets 313 KiB: --bucket lowers it\)/);
    expect(memoryLine(200_003)).toMatch(/of which n-gram buckets 12\.2 MiB: --bucket lowers it\)/);
    // Plain word2vec has no buckets and says nothing of them.
    const w2v = run(['train', corpus, '--out', join(dir, 'memory-w2v'), ...loud, '--epochs', '1']);
    expect(w2v.stderr).toMatch(/memory .*\(weights [\d.]+ [KM]iB\)/);
    expect(w2v.stderr).not.toMatch(/n-gram buckets/);
  });

  it('a fastText .bin given where word2vec vectors are expected (lm train --vectors) says how to load it', () => {
    const result = run([
      'lm',
      'train',
      corpus,
      '--out',
      join(dir, 'lm'),
      '--vectors',
      join(model, 'model.bin'),
      '--quiet',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /model\.bin is a fastText \.bin model, not word2vec vectors: load it with loadModel/,
    );
    expect(result.stderr).toMatch(/--format word2vec-bin/);
    expect(result.stderr).not.toMatch(/GloVe|not a word2vec file/);
  });

  it.each([
    [['--minn', '2'], /--minn is a setting of --model fasttext/],
    [['--model', 'fasttext', '--minn', '7'], /minn \(7\) is larger than maxn \(6\)/],
    [['--model', 'fasttext', '--bucket', '-3'], /--bucket/],
  ])('train %j fails with one line and exit code 1', (extra, message) => {
    const result = run(['train', corpus, '--out', join(dir, 'bad'), ...common, ...extra]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('a binary file that is not a model, or a cut fastText .bin, gives one clean line', () => {
    const garbage = join(dir, 'garbage.bin');
    writeFileSync(garbage, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0xff, 0xfe, 10, 3, 4]));
    const result = run(['similar', garbage, 'canta']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('starts with binary data (bytes 7f 45 4c 46 02 01 01 00)');
    const cut = join(dir, 'cut.bin');
    writeFileSync(cut, readFileSync(join(model, 'model.bin')).subarray(0, 5000));
    const truncated = run(['similar', cut, 'canta']);
    expect(truncated.status).toBe(1);
    expect(truncated.stderr.trim().split('\n')).toHaveLength(1);
    expect(truncated.stderr).toMatch(/truncated/);
  });
});

/** Parses "word v1 v2 ..." lines as printed by the fastText CLI. */
function printedVectors(text: string, dim: number): Map<string, number[]> {
  const vectors = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts.length === dim + 1) vectors.set(parts[0]!, parts.slice(1).map(Number));
  }
  return vectors;
}

/** Equal at the 5 significant digits fastText prints. */
function expectPrinted(received: ArrayLike<number>, printed: number[], what: string): void {
  for (let j = 0; j < printed.length; j++) {
    const p = printed[j]!;
    const unit = p === 0 ? 1e-30 : 10 ** (Math.floor(Math.log10(Math.abs(p))) - 4);
    expect(Math.abs(received[j]! - p), `${what}[${j}]`).toBeLessThanOrEqual(unit * 0.5 * (1 + 1e-6));
  }
}

describe.skipIf(fastTextCli === undefined)('interop with the fastText CLI', () => {
  it('`fasttext print-word-vectors` and `fasttext nn` on our model.bin give our vectors and neighbours', async () => {
    const bin = join(model, 'model.bin');
    const ours = (await loadModel(model)).vectors;
    const words = [...KNOWN, ...UNSEEN, ...UNSEEN_ACCENTED];
    const printed = spawnSync(fastTextCli!, ['print-word-vectors', bin], {
      input: `${words.join('\n')}\n`,
      encoding: 'utf8',
    });
    expect(printed.status).toBe(0);
    const vectors = printedVectors(printed.stdout, 16);
    expect(vectors.size).toBe(words.length);
    for (const word of words) expectPrinted(ours.vector(word), vectors.get(word)!, word);
    const nn = spawnSync(fastTextCli!, ['nn', bin, '4'], { input: 'cantinhos\n', encoding: 'utf8' });
    const theirs = [...nn.stdout.replaceAll('Query word? ', '\n').matchAll(/^(\S+) (-?[\d.e+-]+)$/gm)];
    const found = ours.mostSimilar({ positive: ['cantinhos'], topN: 4 });
    expect(theirs.map((m) => m[1])).toEqual(found.map((n) => n.word));
    expect(theirs.map((m) => Number(m[2]))).toBeAllClose(
      found.map((n) => n.similarity),
      { rtol: 0, atol: 2e-6 },
    );
  });

  it('loads a model the fastText CLI trains, with the vectors it prints in and out of the vocabulary', async () => {
    const prefix = join(dir, 'theirs');
    const trained = spawnSync(
      fastTextCli!,
      [
        'skipgram',
        '-input',
        corpus,
        '-output',
        prefix,
        '-dim',
        '7',
        '-bucket',
        '2003',
        '-minCount',
        '2',
        '-epoch',
        '2',
        '-thread',
        '1',
        '-minn',
        '2',
        '-maxn',
        '5',
      ],
      { encoding: 'utf8' },
    );
    expect(trained.status).toBe(0);
    const { vectors, config } = await loadModel(`${prefix}.bin`);
    expect(config.subword).toEqual({ minn: 2, maxn: 5, bucket: 2003 });
    const words = [...KNOWN, ...UNSEEN, ...UNSEEN_ACCENTED, '</s>'];
    const printed = spawnSync(fastTextCli!, ['print-word-vectors', `${prefix}.bin`], {
      input: `${words.join('\n')}\n`,
      encoding: 'utf8',
    });
    const theirs = printedVectors(printed.stdout, 7);
    for (const word of words) expectPrinted(vectors.vector(word), theirs.get(word)!, word);
  });
});

describe.skipIf(!gensim)("interop with gensim's load_facebook_model", () => {
  it('loads our model.bin with our vectors for vocabulary and unseen words', async () => {
    const ours = (await loadModel(model)).vectors;
    const words = [...KNOWN, ...UNSEEN, ...UNSEEN_ACCENTED];
    const script = [
      'import json, sys',
      'from gensim.models.fasttext import load_facebook_model',
      'm = load_facebook_model(sys.argv[1])',
      'words = json.loads(sys.argv[2])',
      'print(json.dumps({w: [float(x) for x in m.wv[w]] for w in words}))',
    ].join('\n');
    const result = spawnSync(python, ['-c', script, join(model, 'model.bin'), JSON.stringify(words)], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined },
    });
    expect(result.status, result.stderr).toBe(0);
    const theirs = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, number[]>;
    for (const word of words)
      expect(Array.from(ours.vector(word)), word).toBeAllClose(theirs[word]!, { rtol: 1e-5, atol: 1e-7 });
  });
});
