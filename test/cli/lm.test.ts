// `verbo lm` end to end (runs dist/, which test/global-setup.ts rebuilds when src is newer): the --json shapes of train, eval and
// predict, generate, char level, and bad input ending with one line on stderr and exit code 1.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../src/util/paths.js';

const cli = packagePath('dist', 'cli', 'main.js');

const dir = mkdtempSync(join(tmpdir(), 'verbo-cli-lm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = join(dir, 'train.txt');
const valid = join(dir, 'valid.txt');
const lines = ['the cat sat on the mat', 'the dog sat on the log', 'a cat and a dog'];
writeFileSync(train, `${Array.from({ length: 30 }, (_, i) => lines[i % 3]).join('\n')}\n`);
writeFileSync(valid, `${lines.join('\n')}\n`);
const model = join(dir, 'model');
const small = [
  '--embed',
  '8',
  '--hidden',
  '8',
  '--layers',
  '1',
  '--bptt',
  '5',
  '--batch',
  '4',
  '--prep',
  'none',
];

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, 'lm', ...args], { encoding: 'utf8' });
}

describe('verbo lm', () => {
  it('train --json prints exactly the contract fields and writes a model', () => {
    const result = run([
      'train',
      train,
      '--out',
      model,
      '--valid',
      valid,
      '--epochs',
      '2',
      '--lr',
      '0.5',
      ...small,
      '--json',
      '--quiet',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual([
      'tokens',
      'seconds',
      'tokensPerSecond',
      'trainPerplexity',
      'validPerplexity',
    ]);
    // 30 lines of 6, 6 and 5 words + <eos> = 200 tokens → 4 streams of 50 → 9 windows of 5 steps per epoch
    expect(output.tokens).toBe(2 * 9 * 5 * 4);
    expect(output.validPerplexity).toBeGreaterThan(1);
    expect(existsSync(join(model, 'config.json'))).toBe(true);
    expect(existsSync(join(model, 'checkpoint', 'state.json'))).toBe(true);
  });

  it('--max-tokens runs only the epochs it needs and says so ("epoch 1/1", not "1/2")', () => {
    // 180 tokens per epoch (see above): 100 tokens end inside the first epoch, 300 inside the second.
    for (const [maxTokens, epochs, tokens] of [
      [100, 1, 100],
      [300, 2, 300],
    ] as const) {
      const result = run([
        'train',
        train,
        '--out',
        join(dir, `max-${maxTokens}`),
        '--max-tokens',
        String(maxTokens),
        ...small,
        '--batch',
        '4',
      ]);
      expect(result.status).toBe(0);
      const notes = result.stderr.match(/^epoch \d+\/\d+:/gm);
      expect(notes).toEqual(Array.from({ length: epochs }, (_, i) => `epoch ${i + 1}/${epochs}:`));
      expect(result.stdout).toMatch(new RegExp(`trained on ${tokens} tokens`));
      // The curves beside the model (for plot --lm, report, the page): per epoch, and per window.
      const out = join(dir, `max-${maxTokens}`);
      const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
      expect(history.map((r: { epoch: number }) => r.epoch)).toEqual(
        Array.from({ length: epochs }, (_, i) => i + 1),
      );
      const curve: [number, number][] = JSON.parse(readFileSync(join(out, 'progress.json'), 'utf8'));
      expect(curve.map(([x]) => x)).toEqual(Array.from({ length: tokens / 20 }, (_, i) => 20 * (i + 1)));
      for (const [, perplexity] of curve) expect(perplexity).toBeGreaterThan(1);
    }
  });

  it('a usage error points to the command’s own help', () => {
    const result = run(['predict', model, 'the cat', '--lang', 'pt']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("verbo: unknown option '--lang' (see verbo lm predict --help)\n");
  });

  it('eval --json prints {tokens, perplexity}', () => {
    const result = run(['eval', model, valid, '--json']);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual(['tokens', 'perplexity']);
    expect(output.perplexity).toBeGreaterThan(1);
  });

  it('predict --json prints {context, next: [{word, probability}]}', () => {
    const result = run(['predict', model, 'the cat', '--top', '3', '--json']);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.context).toBe('the cat');
    expect(output.next).toHaveLength(3);
    for (const entry of output.next) {
      expect(Object.keys(entry)).toEqual(['word', 'probability']);
      expect(entry.probability).toBeGreaterThan(0);
    }
  });

  it('predict and generate show words only; --specials shows <eos> and <unk> too', () => {
    const words = (args: string[]) =>
      JSON.parse(
        run(['predict', model, 'the cat sat on the mat', '--top', '11', '--json', ...args]).stdout,
      ).next.map((n: { word: string }) => n.word);
    expect(words([])).toHaveLength(9); // the 9 words of the vocabulary, no special
    expect(words([]).filter((w: string) => w.startsWith('<'))).toEqual([]);
    expect(words(['--specials']).sort()).toEqual([...words([]), '<eos>', '<unk>'].sort());
    const generated = run(['generate', model, 'the', '--tokens', '60', '--seed', '2']);
    expect(generated.stdout).not.toMatch(/<unk>|<eos>/);
  });

  it('predict warns about unknown words on stderr, keeping stdout clean', () => {
    const result = run(['predict', model, 'the zebra', '--json']);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/zebra/);
    expect(() => JSON.parse(result.stdout)).not.toThrow();
  });

  it('generate prints the prompt and a seeded continuation', () => {
    const a = run(['generate', model, 'the', '--tokens', '6', '--seed', '3']);
    const b = run(['generate', model, 'the', '--tokens', '6', '--seed', '3']);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.startsWith('the ')).toBe(true);
  });

  it('--vectors starts the embedding from word2vec vectors and reports the coverage', () => {
    const vectors = join(dir, 'vectors.txt');
    const rows = ['cat', 'dog', 'zebra'].map(
      (w, i) => `${w} ${Array.from({ length: 8 }, (_, d) => ((i + d) % 5) / 10).join(' ')}`,
    );
    writeFileSync(vectors, `3 8\n${rows.join('\n')}\n`);
    const result = run([
      'train',
      train,
      '--out',
      join(dir, 'with-vectors'),
      '--vectors',
      vectors,
      '--freeze-vectors',
      ...small,
    ]);
    expect(result.status).toBe(0);
    // 9 words besides <unk> and <eos> (the cat sat on mat dog log a and); cat and dog have vectors.
    expect(result.stderr).toMatch(/vectors: 2 of 9 vocabulary words \(22\.2%\).*\(frozen\)/);
  });

  it('--resume continues from the checkpoint in --out', () => {
    const out = join(dir, 'resumable');
    const first = run(['train', train, '--out', out, '--epochs', '1', ...small, '--json', '--quiet']);
    expect(first.status).toBe(0);
    const resumed = run([
      'train',
      train,
      '--out',
      out,
      '--epochs',
      '2',
      '--resume',
      ...small,
      '--json',
      '--quiet',
    ]);
    expect(resumed.status).toBe(0);
    // Only the second epoch is trained in the resumed run.
    expect(JSON.parse(resumed.stdout).tokens).toBe(JSON.parse(first.stdout).tokens);
    const nothing = run(['train', train, '--out', join(dir, 'never-trained'), '--resume', ...small]);
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toMatch(/nothing to resume: .* holds no checkpoint; train without --resume first/);
  });

  it('a diverging run (--lr 1e6) exits 1 in one line and leaves the model in --out as it was', () => {
    const out = join(dir, 'kept');
    expect(run(['train', train, '--out', out, '--epochs', '1', ...small, '--quiet']).status).toBe(0);
    const before = readFileSync(join(out, 'weights.bin'));
    const result = run(['train', train, '--out', out, '--lr', '1e6', '--clip', '0', ...small, '--quiet']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^verbo: .*(diverged|the loss is (NaN|-?Infinity)).* was left as it was/);
    expect(readFileSync(join(out, 'weights.bin')).equals(before)).toBe(true);
    expect(run(['eval', out, valid, '--json']).status).toBe(0);
  });

  it('refuses to write a language model over a word2vec model or a folder that is no model', () => {
    const w2v = join(dir, 'w2v');
    mkdirSync(w2v);
    writeFileSync(join(w2v, 'config.json'), JSON.stringify({ format: 'verbo-word2vec', version: 2 }));
    writeFileSync(join(w2v, 'vectors.bin'), 'precious');
    const result = run(['train', train, '--out', w2v, ...small]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /w2v holds a word2vec model \(verbo train\); writing a language model \(verbo lm train\) there would destroy it/,
    );
    expect(readFileSync(join(w2v, 'vectors.bin'), 'utf8')).toBe('precious');
  });

  it("--resume refuses architecture flags other than the checkpoint's", () => {
    const out = join(dir, 'resume-arch');
    expect(run(['train', train, '--out', out, '--epochs', '1', ...small, '--quiet']).status).toBe(0);
    const result = run([
      'train',
      train,
      '--out',
      out,
      '--resume',
      '--epochs',
      '2',
      ...small,
      '--hidden',
      '12',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /--resume: --hidden 12 \(the checkpoint has 8\); the checkpoint in .* fixes the architecture/,
    );
  });

  it('generate caps --tokens and streams the same text it would print at once', () => {
    const capped = run(['generate', model, 'the', '--tokens', '1000000000']);
    expect(capped.status).toBe(1);
    expect(capped.stderr).toMatch(/expected a whole number from 0 to 100000/);
    const streamed = run(['generate', model, 'the cat', '--tokens', '40', '--seed', '5']);
    const json = JSON.parse(
      run(['generate', model, 'the cat', '--tokens', '40', '--seed', '5', '--json']).stdout,
    );
    expect(streamed.stdout).toBe(`the cat ${json.text}\n`);
  });

  it('character level trains and generates', () => {
    const charModel = join(dir, 'chars');
    const result = run([
      'train',
      train,
      '--out',
      charModel,
      '--level',
      'char',
      ...small.slice(0, -2),
      '--json',
    ]);
    expect(result.status).toBe(0);
    const generated = run(['generate', charModel, 'the c', '--tokens', '10', '--json']);
    expect(generated.status).toBe(0);
    expect(JSON.parse(generated.stdout).tokens).toHaveLength(10);
  });

  it.each([
    [['train', join(dir, 'missing.txt'), '--out', join(dir, 'x')], /does not exist/],
    [['eval', join(dir, 'no-model'), valid], /not a language-model directory/],
    [['predict', model, 'zebra giraffe'], /none of the prompt's words/],
    [['train', train, '--out', join(dir, 'y'), '--cell', 'transformer'], /expected one of lstm, gru, rnn/],
    [['train', train, '--out', join(dir, 'z'), '--embed', '8', '--hidden', '6', '--tie'], /tied weights/],
  ])('bad input %j exits 1 with one line', (args, message) => {
    const result = run(args as string[]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message as RegExp);
  });

  it('an empty training file is a clear error', () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '\n\n');
    const result = run(['train', empty, '--out', join(dir, 'e')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/empty|no tokens/);
  });
});
