// Runs the 'twoTower' worked example (src/nn/examples/) against dist/ and prints its results.
// npm run build first. Usage: node examples/twoTower.mjs [--seed N] [--epochs N]
import { runExample } from './run.mjs';

await runExample('twoTower');
