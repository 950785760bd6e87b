// Runs the 'spirals' worked example (src/nn/examples/) against dist/ and prints its results.
// npm run build first. Usage: node examples/spirals.mjs [--seed N] [--epochs N]
import { runExample } from './run.mjs';

await runExample('spirals');
