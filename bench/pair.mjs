// Paired, interleaved runs of two benchmark commands (ours A, theirs B: A B A B …), comparing a figure
// each prints in the JSON object on its last stdout line. This machine's speed drifts by up to 2× within
// minutes, so ratios are taken pair by pair and the median of the pair ratios is the figure to quote.
//
//   node bench/pair.mjs --runs 3 --field-a trainTokensPerSecond --field-b torch.best.trainTokensPerSecond \
//     --a 'node bench/lm.mjs --only ours --measure 60' \
//     --b 'node bench/lm.mjs --only torch --threads 1 --torch-measure 60'
//
// Fields are dotted paths into each JSON (array items by index: matmul.0.threads1.gflops.best); several,
// comma-separated, are paired by position (one run of each command gives them all). Each command is
// split on spaces (no shell); --env-a / --env-b add NAME=VALUE pairs (comma-separated) to its
// environment, e.g. --env-a VERBO_ISA=avx2. Prints one line per pair and, last, one JSON object: every
// value, every ratio A/B, and their min / median / max, per field.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    'field-a': { type: 'string' },
    'field-b': { type: 'string' },
    'env-a': { type: 'string', default: '' },
    'env-b': { type: 'string', default: '' },
    runs: { type: 'string', default: '3' },
  },
});
if (!args.a || !args.b || !args['field-a']) {
  console.error("usage: node bench/pair.mjs --a 'CMD' --b 'CMD' --field-a PATH [--field-b PATH] [--runs 3]");
  process.exit(1);
}

const environment = (list) => ({
  ...process.env,
  ...Object.fromEntries(
    list
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=')),
  ),
});

/** Runs `command` once and reads each dotted path of `paths` from its last JSON line. */
function figures(command, paths, env) {
  const [program, ...rest] = command.split(' ').filter(Boolean);
  const run = spawnSync(program, rest, {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'ignore'],
    env,
  });
  if (run.status !== 0) throw new Error(`${command} exited with ${run.status}`);
  const json = JSON.parse(run.stdout.trim().split('\n').at(-1));
  return paths.map((path) => {
    let value = json;
    for (const key of path.split('.')) value = value?.[key];
    if (typeof value !== 'number') throw new Error(`${command}: no number at ${path}`);
    return value;
  });
}

const stats = (xs) => {
  const sorted = [...xs].sort((x, y) => x - y);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) };
};

const fieldsA = args['field-a'].split(',');
const fieldsB = (args['field-b'] ?? args['field-a']).split(',');
if (fieldsA.length !== fieldsB.length) throw new Error('--field-a and --field-b need as many fields each');
const pairs = fieldsA.map(() => []);
for (let i = 0; i < Number(args.runs); i++) {
  const a = figures(args.a, fieldsA, environment(args['env-a']));
  const b = figures(args.b, fieldsB, environment(args['env-b']));
  fieldsA.forEach((field, f) => {
    pairs[f].push({ a: a[f], b: b[f], ratio: a[f] / b[f] });
    console.error(
      `pair ${i + 1} ${field}: A ${a[f].toFixed(3)}, B ${b[f].toFixed(3)}, A/B ${(a[f] / b[f]).toFixed(3)}`,
    );
  });
}
// A quotable summary on stderr: per field, the median pair ratio with its spread and each side's median.
const spread = fieldsA.map((field, f) => {
  const ratio = stats(pairs[f].map((p) => p.ratio));
  const a = stats(pairs[f].map((p) => p.a)).median;
  const b = stats(pairs[f].map((p) => p.b)).median;
  return `  ${field}: A/B ${ratio.median.toFixed(3)} median of ${pairs[f].length} pairs (min ${ratio.min.toFixed(3)}, max ${ratio.max.toFixed(3)}); A ${a.toFixed(2)}, B ${b.toFixed(2)} (medians)`;
});
console.error(
  `summary (whole-process, paired runs; A: ${args.a}${args['env-a'] ? ` [${args['env-a']}]` : ''}; B: ${args.b}${args['env-b'] ? ` [${args['env-b']}]` : ''}):\n${spread.join('\n')}`,
);
console.log(
  JSON.stringify({
    a: args.a,
    b: args.b,
    envA: args['env-a'],
    envB: args['env-b'],
    fields: fieldsA.map((field, f) => ({
      fieldA: field,
      fieldB: fieldsB[f],
      pairs: pairs[f],
      a: stats(pairs[f].map((p) => p.a)),
      b: stats(pairs[f].map((p) => p.b)),
      ratio: stats(pairs[f].map((p) => p.ratio)),
    })),
  }),
);
