// The worked examples, each a function returning its metrics (the runner scripts in examples/ print
// them; test/nn/examples.test.ts asserts the stated accuracy with a fixed seed).
import { runDigits } from './digits.js';
import { runSpirals } from './spirals.js';
import { runTwoTower } from './twoTower.js';
import type { ExampleOptions, ExampleResult } from './types.js';
import { runXor } from './xor.js';

export { runXor, runSpirals, runDigits, runTwoTower };
export { makeSpirals } from './spirals.js';
export { makeDigits } from './digits.js';
export type { ExampleOptions, ExampleResult } from './types.js';

/** Every example by name. */
export const examples: Record<string, (options?: ExampleOptions) => Promise<ExampleResult>> = {
  xor: runXor,
  spirals: runSpirals,
  digits: runDigits,
  twoTower: runTwoTower,
};
