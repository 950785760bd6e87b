// The tensor core's public API: the Tensor class, creation functions, ops (each differentiable),
// autograd controls and gradCheck. See README.md in this folder for the model and a usage example.
export {
  Tensor,
  zeros,
  ones,
  full,
  scalar,
  arange,
  randn,
  uniform,
  fromArray,
  tensor,
  type NestedArray,
  type TensorLike,
  type TensorOptions,
} from './tensor.js';
export {
  noGrad,
  isGradEnabled,
  recycleGradient,
  type BackwardOptions,
  type OpName,
  type Reduction,
} from './autograd.js';
export {
  add,
  sub,
  mul,
  div,
  pow,
  sqrt,
  square,
  maximum,
  minimum,
  neg,
  exp,
  log,
  abs,
  clamp,
  where,
  eq,
  gt,
  ge,
  lt,
  le,
} from './ops/elementwise.js';
export { sigmoid, tanh, relu, leakyRelu, elu, softmax, logSoftmax, dropout } from './ops/activation.js';
export { linear, matmul } from './ops/linalg.js';
export {
  reshape,
  permute,
  transpose,
  expand,
  slice,
  narrow,
  concat,
  stack,
  unsqueeze,
  squeeze,
  flatten,
  gather,
  scatterAdd,
} from './ops/movement.js';
export { sum, mean, max, min, argmax, logsumexp, type Axes } from './ops/reduce.js';
export {
  softmaxCrossEntropy,
  sparseSoftmaxCrossEntropy,
  linearSparseSoftmaxCrossEntropy,
  type CrossEntropyOptions,
} from './ops/loss.js';
export { lstmSequence, lstmOutputs, gruSequence, lstmCell, gruCell } from './ops/recurrent.js';
export {
  conv2d,
  maxPool2d,
  windowOutput,
  type Conv2dOptions,
  type MaxPool2dOptions,
  type Padding,
  type Pair,
} from './ops/conv.js';
export {
  gradCheck,
  type GradCheckOptions,
  type GradCheckResult,
  type GradCheckMismatch,
} from './gradcheck.js';
export { primitives } from './primitives.js';
export { formatShape, broadcastShapes, type Shape } from './shape.js';
