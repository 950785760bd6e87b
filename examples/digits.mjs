// Runs the 'digits' worked example (src/nn/examples/) against dist/ and prints its results.
// npm run build first. Usage: node examples/digits.mjs [--seed N] [--epochs N]
import { runExample } from './run.mjs';

await runExample('digits');
