// Elementwise ops with NumPy broadcasting. Primitives (forward + backward): add, mul, pow, maximum,
// where, neg, exp, log, abs, clamp. Built from them, with no rule of their own: sub, div, sqrt,
// square, minimum. Comparisons (eq, gt, ge, lt, le) return 0/1 tensors and carry no gradient.
//
// Gradients of a broadcast operand are summed back to its shape (sumToShape). Per-op rules, with
// y the output and g the incoming gradient:
//   add: g, g          mul: g·b, g·a          pow: g·b·a^(b−1), g·y·ln a
//   maximum: g where a ≥ b (ties go to a), else to b          where: g split by the condition
//   neg: −g   exp: g·y   log: g/x   abs: g·sign(x)   clamp: g where low ≤ x ≤ high
import { ShapeError } from '../../util/errors.js';
import { apply, type Primitive } from '../autograd.js';
import { select, unary, unaryBackward, type UnaryOp } from '../kernels/index.js';
import { broadcastShapes, formatShape, sizeOf } from '../shape.js';
import { asTensor, Tensor, type TensorLike } from '../tensor.js';
import { broadcastBinary, broadcastData, dense, sumToShape } from './broadcast.js';

const addOp: Primitive<'add'> = {
  name: 'add',
  forward: ([a, b]) => ({ output: broadcastBinary('add', 'add', a!, b!), saved: undefined }),
  backward: (g, { inputs: [a, b] }) => [sumToShape(g, a!.shape), sumToShape(g, b!.shape)],
};

const mulOp: Primitive<'mul'> = {
  name: 'mul',
  forward: ([a, b]) => ({ output: broadcastBinary('mul', 'mul', a!, b!), saved: undefined }),
  backward: (g, { inputs: [a, b] }) => [
    a!.requiresGrad ? sumToShape(broadcastBinary('mul', 'mul', g, b!), a!.shape) : null,
    b!.requiresGrad ? sumToShape(broadcastBinary('mul', 'mul', g, a!), b!.shape) : null,
  ],
};

const powOp: Primitive<'pow', Tensor> = {
  name: 'pow',
  forward: ([a, b]) => {
    const output = broadcastBinary('pow', 'pow', a!, b!);
    return { output, saved: output };
  },
  backward: (g, { inputs: [a, b], saved: y }) => [
    a!.requiresGrad ? sumToShape(mul(g, mul(b!, pow(a!, add(b!, -1)))), a!.shape) : null,
    // At a = 0 the term y·ln a is 0·(−∞); its limit (for b > 0) is 0, as in PyTorch.
    b!.requiresGrad ? sumToShape(mul(g, where(eq(a!, 0), 0, mul(y, log(a!)))), b!.shape) : null,
  ],
};

const maximumOp: Primitive<'maximum'> = {
  name: 'maximum',
  forward: ([a, b]) => ({ output: broadcastBinary('maximum', 'maximum', a!, b!), saved: undefined }),
  backward: (g, { inputs: [a, b] }) => {
    const aWins = ge(a!, b!);
    return [
      a!.requiresGrad ? sumToShape(mul(g, aWins), a!.shape) : null,
      b!.requiresGrad ? sumToShape(mul(g, add(neg(aWins), 1)), b!.shape) : null,
    ];
  },
};

const whereOp: Primitive<'where'> = {
  name: 'where',
  forward: ([condition, a, b]) => {
    const shape = broadcastShapes('where', condition!.shape, a!.shape, b!.shape);
    const out = new Tensor(new Float32Array(sizeOf(shape)), shape);
    select(
      broadcastData(condition!, shape),
      0,
      broadcastData(a!, shape),
      0,
      broadcastData(b!, shape),
      0,
      out.data,
      0,
      out.size,
    );
    return { output: out, saved: undefined };
  },
  backward: (g, { inputs: [condition, a, b] }) => {
    const zero = new Tensor(new Float32Array(1), []);
    return [
      null,
      a!.requiresGrad ? sumToShape(where(condition!, g, zero), a!.shape) : null,
      b!.requiresGrad ? sumToShape(where(condition!, zero, g), b!.shape) : null,
    ];
  },
};

/** A unary primitive over one of the elementwise kernels; the output is saved for exp's rule. */
function unaryPrimitive<K extends 'neg' | 'exp' | 'log' | 'abs' | 'clamp'>(
  name: K & UnaryOp,
): Primitive<K, Tensor> {
  return {
    name,
    forward: ([input], params) => {
      const x = dense(input!);
      const out = new Float32Array(x.size);
      const bounds = params as { low: number; high: number } | undefined;
      unary(name, x.data, x.offset, out, 0, x.size, bounds?.low, bounds?.high);
      const output = new Tensor(out, x.shape);
      return { output, saved: output };
    },
    backward: (grad, { inputs: [input], saved: y, params }) => {
      const x = dense(input!);
      const g = dense(grad);
      const dx = new Float32Array(x.size);
      const bounds = params as { low: number; high: number } | undefined;
      unaryBackward(
        name,
        x.data,
        x.offset,
        y.data,
        y.offset,
        g.data,
        g.offset,
        dx,
        0,
        x.size,
        bounds?.low,
        bounds?.high,
      );
      return [new Tensor(dx, x.shape)];
    },
  };
}

const negOp = unaryPrimitive('neg');
const expOp = unaryPrimitive('exp');
const logOp = unaryPrimitive('log');
const absOp = unaryPrimitive('abs');
const clampOp = unaryPrimitive('clamp');

/** The primitives defined in this file (see primitives.ts). */
export const elementwisePrimitives = {
  add: addOp,
  mul: mulOp,
  pow: powOp,
  maximum: maximumOp,
  where: whereOp,
  neg: negOp,
  exp: expOp,
  log: logOp,
  abs: absOp,
  clamp: clampOp,
};

// ---- public ops --------------------------------------------------------------------------------

/** a + b (broadcasting). */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return apply(addOp, [asTensor(a), asTensor(b)], undefined);
}

/** a − b = a + (−b). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return add(a, neg(asTensor(b)));
}

/** a · b elementwise (broadcasting). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return apply(mulOp, [asTensor(a), asTensor(b)], undefined);
}

/** a / b = a · b^(−1). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number') return mul(a, 1 / b);
  return mul(a, pow(b, -1));
}

/** a^b elementwise; b may be a number or a tensor (broadcasting). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return apply(powOp, [asTensor(a), asTensor(b)], undefined);
}

/** √x = x^0.5. */
export function sqrt(x: Tensor): Tensor {
  return pow(x, 0.5);
}

/** x² = x · x. */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}

/** The larger of a and b elementwise (NaN propagates). */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return apply(maximumOp, [asTensor(a), asTensor(b)], undefined);
}

/** The smaller of a and b: −max(−a, −b). */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return neg(maximum(neg(asTensor(a)), neg(asTensor(b))));
}

/** −x. */
export function neg(x: Tensor): Tensor {
  return apply(negOp, [x], undefined);
}

/** eˣ. */
export function exp(x: Tensor): Tensor {
  return apply(expOp, [x], undefined);
}

/** Natural logarithm (−Infinity at 0, NaN below). */
export function log(x: Tensor): Tensor {
  return apply(logOp, [x], undefined);
}

/** |x| (gradient 0 at 0). */
export function abs(x: Tensor): Tensor {
  return apply(absOp, [x], undefined);
}

/** x clipped to [low, high]; the gradient passes where low ≤ x ≤ high. */
export function clamp(x: Tensor, low: number, high: number): Tensor {
  if (Number.isNaN(low) || Number.isNaN(high) || low > high) {
    throw new ShapeError(`clamp: need low ≤ high (both numbers), got low=${low}, high=${high}`);
  }
  return apply(clampOp, [x], { low, high });
}

/** Picks a where condition ≠ 0, else b (all three broadcast); no gradient flows to the condition. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return apply(whereOp, [condition, asTensor(a), asTensor(b)], undefined);
}

function compare(op: 'eq' | 'gt' | 'ge' | 'lt' | 'le', a: TensorLike, b: TensorLike): Tensor {
  return broadcastBinary(op, op, asTensor(a), asTensor(b));
}

/** 1 where a = b, else 0 (no gradient). */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare('eq', a, b);
}
/** 1 where a > b, else 0 (no gradient). */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare('gt', a, b);
}
/** 1 where a ≥ b, else 0 (no gradient). */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare('ge', a, b);
}
/** 1 where a < b, else 0 (no gradient). */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare('lt', a, b);
}
/** 1 where a ≤ b, else 0 (no gradient). */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare('le', a, b);
}

/** Throws a ShapeError naming the op when the tensor holds a NaN. */
export function assertNoNaN(op: string, name: string, x: Tensor): void {
  const values = dense(x);
  for (let i = 0; i < values.size; i++) {
    if (Number.isNaN(values.data[values.offset + i]!)) {
      throw new ShapeError(`${op}: ${name} (shape ${formatShape(x.shape)}) contains NaN at flat index ${i}`);
    }
  }
}
