// Reverse-mode automatic differentiation.
//
// Every differentiable op is a Primitive: its forward and its backward side by side in one object
// (see ops/*.ts), listed in the table in primitives.ts, which is typed over the OpName union below so
// that an op without a gradient rule does not compile. Composite ops (sub, div, mean, softmax, …) are
// written with primitives and need no rule of their own.
//
// The tape. `apply` runs a primitive's forward; when gradients are enabled and an input requires
// them, the output records a GraphNode (primitive, inputs, params, values saved for backward). The
// tape is this graph hanging off the output: nothing global holds it, so a result that is dropped
// without calling backward is simply garbage-collected. `backward(root)` orders the graph
// topologically (depth-first post-order from the root), runs each rule once with the summed gradient
// of its output, and ADDS each leaf's gradient into `leaf.grad` (accumulation across backward calls,
// as in PyTorch: call zeroGrad() — or let the optimizer do it — between steps). Then it frees the
// graph: every visited node is dropped, so the inputs, saved values and intermediate gradients it
// referenced can be collected even while the caller still holds the loss. `retainGraph: true` keeps
// it for a second backward. Rules run under noGrad (no higher-order gradients).
import { InternalError, ShapeError, VerboError } from '../util/errors.js';
import { binary, copyStrided, type WindowGeometry } from './kernels/index.js';
import { contiguousStrides, formatShape, sameShape } from './shape.js';
import { Tensor } from './tensor.js';

/** Every primitive and its parameters. Adding a name here forces a rule into primitives.ts. */
export interface OpParams {
  // elementwise (broadcasting)
  add: undefined;
  mul: undefined;
  pow: undefined;
  maximum: undefined;
  where: undefined;
  neg: undefined;
  exp: undefined;
  log: undefined;
  abs: undefined;
  clamp: { low: number; high: number };
  // activations
  sigmoid: undefined;
  tanh: undefined;
  relu: undefined;
  leakyRelu: { alpha: number };
  elu: { alpha: number };
  // linear algebra
  matmul: undefined;
  linear: undefined;
  // movement (views and copies)
  contiguous: undefined;
  reshape: { shape: readonly number[] };
  permute: { axes: readonly number[] };
  expand: { shape: readonly number[] };
  slice: { starts: readonly number[]; ends: readonly number[] };
  concat: { axis: number };
  gather: { indices: Int32Array; axis: number };
  scatterAdd: { indices: Int32Array; axis: number };
  // reductions
  sum: { axes: readonly number[]; keepdims: boolean };
  max: { axis: number; keepdims: boolean };
  // fused losses
  softmaxCrossEntropy: { reduction: Reduction };
  sparseSoftmaxCrossEntropy: { targets: Int32Array; reduction: Reduction };
  linearSparseSoftmaxCrossEntropy: { targets: Int32Array; reduction: 'mean' | 'sum' };
  // fused recurrent loops (ops/recurrent.ts)
  lstmSequence: undefined;
  gruSequence: undefined;
  // images (ops/conv.ts)
  conv2d: { geometry: WindowGeometry; relu: boolean };
  maxPool2d: { geometry: WindowGeometry };
}

export type OpName = keyof OpParams;

/** How a per-example loss is reduced to the result. */
export type Reduction = 'mean' | 'sum' | 'none';

/** What backward sees of the op that made a tensor. */
export interface GraphNode<K extends OpName = OpName, S = unknown> {
  readonly primitive: Primitive<K, S>;
  readonly inputs: readonly Tensor[];
  readonly params: OpParams[K];
  /** Whatever forward kept for backward (e.g. the output, argmax indices, row log-sum-exps). */
  readonly saved: S;
}

/** One differentiable op: forward and backward in one place. */
export interface Primitive<K extends OpName, S = undefined> {
  readonly name: K;
  /** Computes the output from the inputs' values (never records, never mutates inputs). */
  forward(inputs: readonly Tensor[], params: OpParams[K]): { output: Tensor; saved: S };
  /**
   * Given the gradient of the output (same shape as the output, maybe a strided view), returns
   * the gradient of each input (its shape exactly, or a RegionGrad), or null where an input gets none.
   */
  backward(
    grad: Tensor,
    node: GraphNode<K, S>,
    accumulators: readonly (Float32Array | null)[],
  ): (Tensor | RegionGrad | typeof ACCUMULATED | null)[];
  /**
   * Set when backward can add an input's gradient straight into `accumulators[i]` — a contiguous
   * buffer of the input's shape already holding its gradient from other uses — and then returns
   * ACCUMULATED for it. matmul does, so a weight used at every step of an unrolled RNN gets one
   * gradient buffer instead of one per step. Other rules get nulls and may ignore the argument.
   */
  readonly acceptsAccumulators?: boolean;
}

/** Returned by a backward rule for an input whose gradient it added into the given accumulator. */
export const ACCUMULATED: unique symbol = Symbol('accumulated');

/**
 * A gradient that is zero outside one block: `values` placed at `starts` in a tensor of `shape`.
 * Slicing returns this, so that T slices of one tensor (an RNN unrolled over time) add their
 * gradients into one buffer in O(slice) each instead of materialising T full-size tensors.
 */
export class RegionGrad {
  constructor(
    readonly shape: readonly number[],
    readonly starts: readonly number[],
    readonly values: Tensor,
  ) {}
}

let gradEnabled = true;

/** Whether ops currently record the graph (false inside noGrad). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording the graph (inference, optimizer updates, metrics). `fn` must be
 * synchronous: the mode is restored as soon as it returns, before any promise it made settles.
 */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Runs a primitive and, when gradients are on and an input needs them, records its node. */
export function apply<K extends OpName, S>(
  primitive: Primitive<K, S>,
  inputs: readonly Tensor[],
  params: OpParams[K],
): Tensor {
  const { output, saved } = primitive.forward(inputs, params);
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    if (inputs.includes(output))
      throw new InternalError(`${primitive.name}: forward must return a new Tensor object`);
    output.requiresGrad = true;
    output.node = { primitive, inputs, params, saved } as GraphNode;
  }
  return output;
}

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (default false: it is freed). */
  retainGraph?: boolean;
}

/** See the file header. `seed` is dL/d(root); it may be omitted only for a one-element root. */
export function backward(root: Tensor, seed: Tensor | undefined, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new VerboError(
      'backward: this tensor does not require gradients; create the parameters with { requiresGrad: true } ' +
        'and compute the loss outside noGrad()',
    );
  }
  if (seed === undefined) {
    if (root.size !== 1) {
      throw new ShapeError(
        `backward: the output has shape ${formatShape(root.shape)}, not a single value; pass the gradient ` +
          `of the loss with respect to it, e.g. y.backward(ones(${formatShape(root.shape)})), or reduce it first (sum, mean)`,
      );
    }
    seed = new Tensor(Float32Array.of(1), root.shape);
  } else if (!sameShape(seed.shape, root.shape)) {
    throw new ShapeError(
      `backward: seed gradient shape ${formatShape(seed.shape)} differs from the output shape ${formatShape(root.shape)}`,
    );
  }

  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  // Gradient buffers the pass allocated itself, which later contributions may add into in place
  // (a rule may hand back its incoming gradient, or a view of it, so other buffers are never written).
  const owned = new Set<Tensor>();
  // How many gradient entries of this pass were handed each storage buffer as it is (not copied). A
  // leaf takes a buffer held once, and never the caller's seed, as its .grad without a copy: nothing
  // else can see it (a large model's weight gradients then cost no allocation and copy per step).
  const holders = new Map<ArrayBufferLike, number>([[seed.data.buffer, 2]]);
  const retainGraph = options.retainGraph ?? false;
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const tensor = order[i]!;
      const grad = grads.get(tensor);
      grads.delete(tensor);
      if (grad !== undefined) owned.delete(grad);
      const node = tensor.node;
      if (node === null) {
        if (tensor.graphFreed) {
          throw new VerboError(
            'backward: part of this graph was already freed by an earlier backward(); pass { retainGraph: true } ' +
              'to the first call to backpropagate through it twice, or recompute the forward pass',
          );
        }
        if (grad !== undefined && tensor.requiresGrad)
          accumulateGrad(tensor, grad, holders.get(grad.data.buffer) === 1);
        continue;
      }
      if (grad !== undefined) {
        if (tensor.retainsGrad) accumulateGrad(tensor, grad);
        const accumulators = node.inputs.map((input) =>
          node.primitive.acceptsAccumulators && input.requiresGrad
            ? ownedBuffer(grads, owned, holders, input)
            : null,
        );
        const inputGrads = node.primitive.backward(grad, node, accumulators);
        for (let j = 0; j < node.inputs.length; j++) {
          const input = node.inputs[j]!;
          const inputGrad = inputGrads[j];
          if (!input.requiresGrad || inputGrad === null || inputGrad === undefined) continue;
          if (inputGrad === ACCUMULATED) {
            if (accumulators[j] === null)
              throw new InternalError(`${node.primitive.name} backward: accumulated without a buffer`);
            continue;
          }
          if (!sameShape(inputGrad.shape, input.shape)) {
            throw new InternalError(
              `${node.primitive.name} backward: gradient shape ${formatShape(inputGrad.shape)} ≠ input shape ${formatShape(input.shape)}`,
            );
          }
          addGradient(grads, owned, holders, input, inputGrad);
        }
      }
      if (!retainGraph) {
        tensor.node = null;
        tensor.graphFreed = true;
      }
    }
  } finally {
    gradEnabled = previous;
  }
}

/** Depth-first post-order of the tensors reachable from `root` through recorded nodes. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  // Iterative DFS (a deep RNN unroll would overflow the call stack recursively).
  const stack: { tensor: Tensor; next: number }[] = [{ tensor: root, next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const inputs = frame.tensor.node?.inputs ?? [];
    if (frame.next < inputs.length) {
      const input = inputs[frame.next++]!;
      if (input.requiresGrad && !visited.has(input)) {
        visited.add(input);
        stack.push({ tensor: input, next: 0 });
      }
    } else {
      order.push(frame.tensor);
      stack.pop();
    }
  }
  return order;
}

/**
 * Gradient buffers an optimizer handed back after its update (`recycleGradients`), by parameter: the next
 * backward that reaches the parameter through an op that accumulates gradients in place starts from this
 * buffer, zeroed, instead of allocating one (a language model's 8 MB embedding and output gradients per
 * step; fewer allocations, fewer garbage collections).
 */
const spareGradients = new WeakMap<Tensor, Float32Array>();

/**
 * Gives `param`'s consumed gradient buffer back for its next backward pass (see spareGradients). Only for
 * a buffer nothing else refers to: the next backward overwrites it.
 */
export function recycleGradient(param: Tensor, buffer: Float32Array): void {
  if (
    buffer.length === param.size &&
    buffer.byteOffset === 0 &&
    buffer.byteLength === buffer.buffer.byteLength
  )
    spareGradients.set(param, buffer);
}

/**
 * The owned buffer holding input's gradient so far (copied into one if needed); for a leaf without a
 * gradient yet, its recycled buffer zeroed (recycleGradient); else null.
 */
function ownedBuffer(
  grads: Map<Tensor, Tensor>,
  owned: Set<Tensor>,
  holders: Map<ArrayBufferLike, number>,
  input: Tensor,
): Float32Array | null {
  let target = grads.get(input);
  if (target === undefined) {
    const spare = input.node === null && input.grad === null ? spareGradients.get(input) : undefined;
    if (spare === undefined) return null;
    spareGradients.delete(input);
    spare.fill(0);
    target = new Tensor(spare, input.shape);
    owned.add(target);
    holders.set(spare.buffer, 1);
    grads.set(input, target);
    return spare;
  }
  if (!owned.has(target)) {
    target = new Tensor(target.toFloat32Array(), input.shape);
    owned.add(target);
    holders.set(target.data.buffer, 1);
    grads.set(input, target);
  }
  return target.data;
}

/** grads[input] += contribution, adding in place into a buffer this pass owns. */
function addGradient(
  grads: Map<Tensor, Tensor>,
  owned: Set<Tensor>,
  holders: Map<ArrayBufferLike, number>,
  input: Tensor,
  contribution: Tensor | RegionGrad,
): void {
  let target = grads.get(input);
  if (target === undefined && !(contribution instanceof RegionGrad)) {
    grads.set(input, contribution);
    const buffer = contribution.data.buffer;
    holders.set(buffer, (holders.get(buffer) ?? 0) + 1);
    return;
  }
  if (target === undefined) {
    target = new Tensor(new Float32Array(input.size), input.shape);
    owned.add(target);
    holders.set(target.data.buffer, 1);
    grads.set(input, target);
  } else if (!owned.has(target)) {
    target = new Tensor(target.toFloat32Array(), input.shape);
    owned.add(target);
    holders.set(target.data.buffer, 1);
    grads.set(input, target);
  }
  const strides = target.strides;
  if (contribution instanceof RegionGrad) {
    const values = contribution.values;
    let offset = 0;
    for (let axis = 0; axis < strides.length; axis++) offset += contribution.starts[axis]! * strides[axis]!;
    copyStrided(values.data, values.offset, values.strides, target.data, offset, strides, values.shape, true);
  } else addInto(target, contribution);
}

/** target += source for same-shaped tensors; the common (contiguous) case is one kernel call. */
function addInto(target: Tensor, source: Tensor): void {
  if (source.isContiguous && target.isContiguous) {
    binary(
      'add',
      target.data,
      target.offset,
      1,
      source.data,
      source.offset,
      1,
      target.data,
      target.offset,
      target.size,
    );
  } else {
    copyStrided(
      source.data,
      source.offset,
      source.strides,
      target.data,
      target.offset,
      target.strides,
      source.shape,
      true,
    );
  }
}

/**
 * tensor.grad += grad, into storage owned by `.grad`: the first time a copy, or grad itself when
 * `exclusive` (no one else holds its buffer) and it covers its whole buffer, contiguous; in place after.
 */
function accumulateGrad(tensor: Tensor, grad: Tensor, exclusive = false): void {
  const strides = contiguousStrides(tensor.shape);
  const data = grad.data;
  if (
    tensor.grad === null &&
    exclusive &&
    grad.isContiguous &&
    grad.offset === 0 &&
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength &&
    data.length === tensor.size
  ) {
    tensor.grad = sameShape(grad.shape, tensor.shape) ? grad : new Tensor(data, tensor.shape);
    return;
  }
  if (tensor.grad === null) {
    const out = new Float32Array(tensor.size);
    copyStrided(grad.data, grad.offset, grad.strides, out, 0, strides, grad.shape);
    tensor.grad = new Tensor(out, tensor.shape);
  } else addInto(tensor.grad, grad);
}
