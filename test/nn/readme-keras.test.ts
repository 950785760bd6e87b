// The README's "From Keras" section as a learner runs it: its verbo snippet executed as written (its
// `import … from 'verbo'` bound to the source), with what it prints captured. The Keras habits it shows
// must hold: per-epoch progress, `(None, 20)` shapes, `evaluate` → [loss, accuracy], the metrics.
// (test/package/types.test.ts type-checks the same snippet against the built declarations.)
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import * as verbo from '../../src/index.js';
import { setLogger, type Logger } from '../../src/nn/logger.js';
import { packagePath } from '../../src/util/paths.js';

const readme = readFileSync(packagePath('README.md'), 'utf8');

/** The text of the README's "### From Keras" subsection. */
function fromKerasSection(): string {
  const start = readme.indexOf('\n### From Keras');
  expect(start, 'README has a "### From Keras" section').toBeGreaterThan(0);
  const end = readme.slice(start + 1).search(/\n##/);
  return readme.slice(start, end < 0 ? undefined : start + 1 + end);
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<unknown>;

/** Runs a ```js snippet: its one `import { … } from 'verbo'` line becomes parameters bound to the source. */
async function runSnippet(snippet: string, log: (text: string) => void, returned: string[]) {
  const lines = snippet.split('\n');
  const imported = /^import \{ (.+) \} from 'verbo';$/.exec(lines[0]!);
  expect(imported, 'the snippet starts with its import from verbo').not.toBeNull();
  const bindings = imported![1]!.split(',').map((spec) => {
    const [name, local] = spec.trim().split(/\s+as\s+/);
    expect(name! in verbo, `verbo exports ${name}`).toBe(true);
    return { local: local ?? name!, value: (verbo as Record<string, unknown>)[name!] };
  });
  const body = `${lines.slice(1).join('\n')}\nreturn { ${returned.join(', ')} };`;
  const run = new AsyncFunction(...bindings.map((b) => b.local), 'console', body);
  const fakeConsole = { log: (...values: unknown[]) => log(values.map(String).join(' ')) };
  return (await run(...bindings.map((b) => b.value), fakeConsole)) as Record<string, unknown>;
}

let previous: Logger | null = null;
afterEach(() => {
  setLogger(previous);
});

describe('the README’s "From Keras" section', () => {
  it('pairs a Keras snippet with a verbo snippet', () => {
    const section = fromKerasSection();
    expect(section).toMatch(/```python\n[\s\S]*keras\.Model\(inputs=inputs, outputs=outputs\)/);
    expect([...section.matchAll(/```js\n/g)]).toHaveLength(1);
  });

  it('runs the verbo snippet as written, printing and scoring as Keras does', async () => {
    const snippet = /```js\n([\s\S]*?)```/.exec(fromKerasSection())![1]!;
    let printed = '';
    previous = setLogger({ write: (text: string) => void (printed += text) });
    const printedByConsole: string[] = [];
    const result = await runSnippet(snippet, (text) => printedByConsole.push(text), [
      'scores',
      'classifier',
      'yTrue',
      'yPred',
    ]);

    // summary() and fit({ verbose: 1 }) went through the logger, as Keras prints them.
    expect(printed).toContain('(None, 20)');
    expect(printed).toContain('(None, 64)');
    expect(printed).toMatch(/Epoch 1\/10\n/);
    expect(printed).toMatch(/Epoch 10\/10\n/);
    expect(printed).toMatch(/25\/25 .*loss: \d\.\d{4} - accuracy: \d\.\d{4}/);

    // evaluate → [loss, accuracy]; the held-out 200 rows are learnt well above the majority class.
    const scores = result.scores as number[];
    expect(Array.isArray(scores)).toBe(true);
    expect(scores).toHaveLength(2);
    const yTrue = Array.from(result.yTrue as Float32Array);
    const majority = Math.max(...[0, 1].map((c) => yTrue.filter((v) => v === c).length)) / yTrue.length;
    expect(scores[1]!).toBeGreaterThan(Math.max(0.85, majority + 0.2));
    expect(scores[0]!).toBeLessThan(0.4);

    // The three metrics printed: a report, the 2×2 matrix counting all 200, an AUC near the accuracy.
    expect(printedByConsole).toHaveLength(3);
    expect(printedByConsole[0]).toMatch(/precision\s+recall\s+f1-score\s+support/);
    const yPred = result.yPred as number[];
    const matrix = verbo.nn.confusionMatrix(yTrue, yPred);
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(200);
    expect((matrix[0]![0]! + matrix[1]![1]!) / 200).toBeCloseTo(scores[1]!, 5);
    expect(Number(printedByConsole[2])).toBeGreaterThan(0.9);
  }, 60_000);
});
