// The table of every primitive, typed over the OpName union in autograd.ts: an op named there
// without a forward/backward pair here is a compile error. Backward itself does not look ops up here
// (each recorded node carries its primitive); the table is the checked inventory, and the tests use
// it to make sure every primitive has a gradient check.
import type { OpName, Primitive } from './autograd.js';
import { activationPrimitives } from './ops/activation.js';
import { convPrimitives } from './ops/conv.js';
import { elementwisePrimitives } from './ops/elementwise.js';
import { linalgPrimitives } from './ops/linalg.js';
import { lossPrimitives } from './ops/loss.js';
import { movementPrimitives } from './ops/movement.js';
import { recurrentPrimitives } from './ops/recurrent.js';
import { reducePrimitives } from './ops/reduce.js';
import { tensorPrimitives } from './tensor.js';

export const primitives: { readonly [K in OpName]: Primitive<K, unknown> } = {
  ...tensorPrimitives,
  ...elementwisePrimitives,
  ...activationPrimitives,
  ...linalgPrimitives,
  ...movementPrimitives,
  ...reducePrimitives,
  ...lossPrimitives,
  ...recurrentPrimitives,
  ...convPrimitives,
};
