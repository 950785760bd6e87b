// `verbo query`: one JSON line per input line (words or JSON requests); errors as {"error"} lines.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readWord2Vec } from '../../src/embeddings/index.js';
import { packagePath } from '../../src/util/paths.js';

const cli = packagePath('dist', 'cli', 'main.js');
const model = packagePath('test', 'golden', 'w2v', 'gensim.bin');

describe('verbo query', () => {
  it('answers every line with one JSON line and keeps going after errors', async () => {
    const input = [
      'paris',
      '',
      '{"similar": "rome", "top": 2}',
      '{"analogy": ["paris", "paris_s", "rome"], "top": 3}',
      '{"similarity": ["paris", "rome"]}',
      '{"doesntMatch": ["paris", "paris_s", "paris_x", "spain_y"]}',
      '{"similar": "pariss"}',
      '{"similar": ',
      '{"translate": "x"}',
      '{"analogy": ["a", "b"]}',
      'rome italy',
    ].join('\n');
    const result = spawnSync(process.execPath, [cli, 'query', model, '--top', '4'], {
      input,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const answers = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answers).toHaveLength(10);
    const { vectors } = await readWord2Vec(model);
    const words = (neighbors: { word: string }[]) => neighbors.map((n) => n.word);

    expect(answers[0].word).toBe('paris');
    expect(words(answers[0].neighbors)).toEqual(words(vectors.mostSimilar({ positive: ['paris'], topN: 4 })));
    expect(answers[1].word).toBe('rome');
    expect(answers[1].neighbors).toHaveLength(2);
    expect(answers[2].analogy).toEqual(['paris', 'paris_s', 'rome']);
    expect(words(answers[2].neighbors)).toEqual(words(vectors.analogy('paris', 'paris_s', 'rome', 3)));
    expect(answers[3].similarity).toBeAllClose(vectors.similarity('paris', 'rome'), { atol: 1e-6 });
    expect(answers[4].doesntMatch).toBe(vectors.doesntMatch(['paris', 'paris_s', 'paris_x', 'spain_y']));
    expect(answers[5]).toMatchObject({
      word: 'pariss',
      suggestions: ['paris', 'paris_s', 'PARIS', 'PARIS_s', 'paris_x'],
    });
    expect(answers[5].error).toMatch(/'pariss' is not in the vocabulary/);
    expect(answers[6].error).toMatch(/not valid JSON/);
    expect(answers[7].error).toMatch(/unknown request/);
    expect(answers[8].error).toMatch(/"analogy" must be a list of 3 words/);
    expect(answers[9].words).toEqual(['rome', 'italy']);
    expect(words(answers[9].neighbors)).toEqual(
      words(vectors.mostSimilar({ positive: ['rome', 'italy'], topN: 4 })),
    );
  });

  it('a request too large or too odd gets its own error line and the loop goes on', () => {
    const long = 'x'.repeat(10_000);
    const input = [
      '{"similar": "paris", "top": 1e308}',
      '{"similar": "paris", "top": 100001}',
      `{"similar": "${long}\\u001b[31m"}`,
      '{"doesntMatch": "paris"}',
      '"paris"',
      'paris',
    ].join('\n');
    const result = spawnSync(process.execPath, [cli, 'query', model, '--top', '2'], {
      input,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const answers = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answers).toHaveLength(6);
    expect(answers[0]).toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(answers[0].error).toMatch(/"top" must be a whole number from 1 to 100000, got 1e\+308/);
    expect(answers[1].error).toMatch(/from 1 to 100000, got 100001/);
    // The unknown word is shown cut and with its escape made visible, not echoed raw.
    expect(answers[2].code).toBe('UNKNOWN_WORD');
    expect(answers[2].error.length).toBeLessThan(200);
    expect(answers[2].error).not.toMatch(/\u001b/);
    expect(answers[3].error).toMatch(/"doesntMatch" must be a list of words/);
    expect(answers[4].error).toBeDefined();
    expect(answers[5].word).toBe('paris');
    expect(answers[5].neighbors).toHaveLength(2);
  });

  it('answers a word found only in another case, with a warning in the answer', () => {
    const input = ['Rome', '{"similarity": ["Paris", "ROME"]}', '{"similar": "PARIS", "top": 1}'].join('\n');
    const result = spawnSync(process.execPath, [cli, 'query', model, '--top', '2'], {
      input,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const [word, pair, exact] = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(word.word).toBe('rome');
    expect(word.warnings).toEqual(["'Rome' is not in the vocabulary; using 'rome'."]);
    expect(pair.words).toEqual(['paris', 'rome']);
    expect(pair.warnings).toHaveLength(2);
    expect(exact.word).toBe('PARIS');
    expect(exact.warnings).toBeUndefined();
  });

  it('a corrupt model: one line on stderr, exit 1', () => {
    const result = spawnSync(
      process.execPath,
      [cli, 'query', packagePath('test', 'golden', 'w2v', 'analogies.txt')],
      {
        input: 'paris\n',
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^verbo: .*not a word2vec file/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
