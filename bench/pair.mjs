// Paired, interleaved runs of two benchmark commands (ours A, theirs B: A B A B …), comparing a figure
// each prints in the JSON object on its last stdout line. This machine's speed drifts by up to 2× within
// minutes, so ratios are taken pair by pair and the median of the pair ratios is the figure to quote.
//
//   node bench/pair.mjs --runs 3 --field-a trainTokensPerSecond --field-b torch.best.trainTokensPerSecond \
//     --a 'node bench/lm.mjs --only ours --measure 60' \
//     --b 'node bench/lm.mjs --only torch --threads 1 --torch-measure 60'
//
// Fields are dotted paths into each JSON (array items by index: matmul.0.threads1.gflops.best). Each
// command is split on spaces (no shell); put environment variables before `node bench/pair.mjs`.
// Prints one line per pair and, last, one JSON object: every value, every ratio A/B, and their
// min / median / max.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    'field-a': { type: 'string' },
    'field-b': { type: 'string' },
    runs: { type: 'string', default: '3' },
  },
});
if (!args.a || !args.b || !args['field-a']) {
  console.error("usage: node bench/pair.mjs --a 'CMD' --b 'CMD' --field-a PATH [--field-b PATH] [--runs 3]");
  process.exit(1);
}

function figure(command, path) {
  const [program, ...rest] = command.split(' ').filter(Boolean);
  const run = spawnSync(program, rest, {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (run.status !== 0) throw new Error(`${command} exited with ${run.status}`);
  let value = JSON.parse(run.stdout.trim().split('\n').at(-1));
  for (const key of path.split('.')) value = value?.[key];
  if (typeof value !== 'number') throw new Error(`${command}: no number at ${path}`);
  return value;
}

const stats = (xs) => {
  const sorted = [...xs].sort((x, y) => x - y);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) };
};

const pairs = [];
for (let i = 0; i < Number(args.runs); i++) {
  const a = figure(args.a, args['field-a']);
  const b = figure(args.b, args['field-b'] ?? args['field-a']);
  pairs.push({ a, b, ratio: a / b });
  console.error(`pair ${i + 1}: A ${a.toFixed(3)}, B ${b.toFixed(3)}, A/B ${(a / b).toFixed(3)}`);
}
console.log(
  JSON.stringify({
    a: args.a,
    b: args.b,
    fieldA: args['field-a'],
    fieldB: args['field-b'] ?? args['field-a'],
    pairs,
    a_stats: stats(pairs.map((p) => p.a)),
    b_stats: stats(pairs.map((p) => p.b)),
    ratio: stats(pairs.map((p) => p.ratio)),
  }),
);
