// Activations. Primitives (stable formulas and their derivatives in kernels/activations.ts):
// sigmoid, tanh, relu, leakyRelu(alpha), elu(alpha). Built from primitives: softmax and logSoftmax
// (shifted by the detached row maximum, so e^(x − max) ≤ 1 never overflows; the shift does not
// change the value, so holding it constant leaves the gradient exact), and dropout (a
// multiplication by a fixed mask scaled by 1 / (1 − rate), "inverted dropout", so evaluation needs
// no rescaling).
import { ShapeError } from '../../util/errors.js';
import type { Random } from '../../util/random.js';
import { apply, type Primitive } from '../autograd.js';
import { type ActivationOp, activation, activationBackward } from '../kernels/index.js';
import { normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { dense } from './broadcast.js';
import { exp, log, mul, sub } from './elementwise.js';
import { stableShift, sum } from './reduce.js';

type ActivationName = 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu';

/** A primitive over one activation kernel; the output is saved for the y-based derivatives. */
function activationPrimitive<K extends ActivationName>(name: K & ActivationOp): Primitive<K, Tensor> {
  return {
    name,
    forward: ([input], params) => {
      const x = dense(input!);
      const out = new Float32Array(x.size);
      const alpha = (params as { alpha: number } | undefined)?.alpha;
      activation(name, x.data, x.offset, out, 0, x.size, alpha);
      const output = new Tensor(out, x.shape);
      return { output, saved: output };
    },
    backward: (grad, { inputs: [input], saved: y, params }) => {
      const x = dense(input!);
      const g = dense(grad);
      const dx = new Float32Array(x.size);
      const alpha = (params as { alpha: number } | undefined)?.alpha;
      activationBackward(name, x.data, x.offset, y.data, y.offset, g.data, g.offset, dx, 0, x.size, alpha);
      return [new Tensor(dx, x.shape)];
    },
  };
}

const sigmoidOp = activationPrimitive('sigmoid');
const tanhOp = activationPrimitive('tanh');
const reluOp = activationPrimitive('relu');
const leakyReluOp = activationPrimitive('leakyRelu');
const eluOp = activationPrimitive('elu');

/** The primitives defined in this file (see primitives.ts). */
export const activationPrimitives = {
  sigmoid: sigmoidOp,
  tanh: tanhOp,
  relu: reluOp,
  leakyRelu: leakyReluOp,
  elu: eluOp,
};

function checkParameter(op: string, name: string, value: number): void {
  if (!Number.isFinite(value)) throw new ShapeError(`${op}: ${name} must be a finite number, got ${value}`);
}

/** 1 / (1 + e^−x). */
export function sigmoid(x: Tensor): Tensor {
  return apply(sigmoidOp, [x], undefined);
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return apply(tanhOp, [x], undefined);
}

/** max(x, 0) (gradient 0 at 0). */
export function relu(x: Tensor): Tensor {
  return apply(reluOp, [x], undefined);
}

/** x for x > 0, alpha·x otherwise (alpha defaults to 0.01). */
export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  checkParameter('leakyRelu', 'alpha', alpha);
  return apply(leakyReluOp, [x], { alpha });
}

/** x for x > 0, alpha·(eˣ − 1) otherwise (alpha defaults to 1). */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkParameter('elu', 'alpha', alpha);
  return apply(eluOp, [x], { alpha });
}

/** e^(x − logsumexp(x)) along `axis` (default the last): each slice sums to 1. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const resolved = normalizeAxis('softmax', axis, x.rank);
  return exp(logSoftmax(x, resolved));
}

/**
 * x − logsumexp(x) along `axis` (default the last): log-probabilities, stable for large |x|.
 * Written as (x − m) − log Σ e^(x − m) with m the detached maximum, so the large common part cancels
 * exactly in x − m before anything is rounded (x − logsumexp(x) would lose float32 digits at |x| ~ 1000).
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const resolved = normalizeAxis('logSoftmax', axis, x.rank);
  const shifted = sub(x, stableShift(x, [resolved]));
  return sub(shifted, log(sum(exp(shifted), resolved, true)));
}

/**
 * Inverted dropout: in training, zeroes each entry with probability `rate` (drawn from `random`)
 * and scales the survivors by 1 / (1 − rate); outside training (or at rate 0) returns x unchanged.
 */
export function dropout(x: Tensor, rate: number, random: Random, training: boolean): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new ShapeError(`dropout: rate must be in [0, 1), got ${rate}`);
  if (!training || rate === 0) return x;
  const keep = 1 / (1 - rate);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = random.next() < rate ? 0 : keep;
  return mul(x, new Tensor(mask, x.shape));
}
