// Shared bits of the worked examples: reading --flags, knowing whether a file was run directly, and
// printing an example's result. The examples import verbo by its package name, as a user would (the
// package resolves to its own dist/ build; the tests map the name to src/).
import { pathToFileURL } from 'node:url';

/** Whether the module at `url` is the script node was started with. */
export function isMain(url) {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/** The value after `--flag` on the command line (a string), or undefined. */
export function flag(name) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** --seed / --epochs / --verbose as numbers for the run functions. */
export function commonOptions() {
  const number = (name) => (flag(name) === undefined ? undefined : Number(flag(name)));
  return { seed: number('seed'), epochs: number('epochs'), verbose: number('verbose') };
}

/** Runs `run(options)` and prints its headline numbers, stated accuracy, time and details. */
export async function runExample(name, run) {
  const start = performance.now();
  const result = await run(commonOptions());
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `\n${name}: ${JSON.stringify(result.summary)} (stated accuracy ${result.statedAccuracy}; ${seconds.toFixed(1)} s)`,
  );
  for (const [key, value] of Object.entries(result.details ?? {})) {
    if (typeof value === 'string') console.log(`\n${key}:\n${value}`);
    else if (key === 'lossCurves') {
      console.log('\nloss per epoch (every 10th):');
      for (const [optimizer, curve] of Object.entries(value)) {
        const shown = curve.filter((_, i) => i % 10 === 0 || i === curve.length - 1);
        console.log(`  ${optimizer.padEnd(9)} ${shown.map((v) => v.toFixed(3)).join(' ')}`);
      }
    } else console.log(`\n${key}: ${JSON.stringify(value)}`);
  }
}
