// The kernels the tensor core calls. Only this file is imported from outside kernels/.
export { matmul, matmulReference, matmulPath, type MatmulOptions } from './matmul.js';
export {
  binary,
  unary,
  unaryBackward,
  select,
  type BinaryOp,
  type UnaryOp,
} from './elementwise.js';
export { activation, activationBackward, type ActivationOp } from './activations.js';
export { sumAxis, maxAxis, maxAxisBackward } from './reduce.js';
export {
  logSumExpRows,
  sparseCrossEntropyRows,
  sparseCrossEntropyBackward,
  denseCrossEntropyRows,
  denseCrossEntropyBackward,
} from './softmax.js';
export { gatherAxis, scatterAddAxis } from './gather.js';
export { copyStrided } from './strided.js';
export {
  conv2dForward,
  conv2dBackward,
  maxPoolForward,
  maxPoolBackward,
  type WindowGeometry,
} from './conv.js';
export {
  lstmStepForward,
  lstmStepBackward,
  lstmSequenceForward,
  lstmSequenceBackward,
  gruStepForward,
  gruStepBackward,
  gruSequenceForward,
  gruSequenceBackward,
} from './recurrent.js';
export {
  linearCrossEntropyForward,
  linearCrossEntropyBackward,
  type LinearCrossEntropyProblem,
  type LinearCrossEntropySaved,
  type LinearCrossEntropyGradients,
} from './linear-cross-entropy.js';
