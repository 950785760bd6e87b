// Shared runner for the worked examples: parses --seed / --epochs, shows one line per epoch on stderr,
// prints the example's summary and details on stdout.
import { nn } from '../dist/index.js';

export async function runExample(name) {
  const args = process.argv.slice(2);
  const option = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const progress = {
    onEpochEnd: (epoch, logs) => {
      const parts = Object.entries(logs).map(([k, v]) => `${k} ${v.toFixed(4)}`);
      process.stderr.write(`epoch ${epoch + 1}: ${parts.join(', ')}\n`);
    },
  };
  const start = performance.now();
  const result = await nn.examples[name]({
    seed: option('--seed'),
    epochs: option('--epochs'),
    callbacks: [progress],
  });
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${name}: ${JSON.stringify(result.summary)} (stated accuracy ${result.statedAccuracy}; ${seconds.toFixed(1)} s)`,
  );
  for (const [key, value] of Object.entries(result.details)) {
    if (typeof value === 'string') console.log(`\n${key}:\n${value}`);
    else if (key === 'lossCurves') {
      console.log('\nloss per epoch (every 10th):');
      for (const [opt, curve] of Object.entries(value)) {
        console.log(
          `  ${opt.padEnd(9)} ${curve
            .filter((_, i) => i % 10 === 0 || i === curve.length - 1)
            .map((v) => v.toFixed(3))
            .join(' ')}`,
        );
      }
    } else console.log(`\n${key}: ${JSON.stringify(value)}`);
  }
}
