// verbo's small Keras: layers, losses, optimizers, metrics, callbacks and the functional Model API on
// the tensor core. Names follow Keras / tfjs-layers.
export { SymbolicTensor, Node, formatSymbolicShape, type SymbolicShape } from './symbolic.js';
export { Layer, Weight, type LayerOptions, type CallContext, type InputSpec } from './layers/layer.js';
export {
  input,
  dense,
  embedding,
  dropout,
  flatten,
  InputLayer,
  Dense,
  Embedding,
  Dropout,
  Flatten,
  type InputOptions,
  type DenseOptions,
  type EmbeddingOptions,
  type DropoutOptions,
} from './layers/core.js';
export {
  RNN,
  lstm,
  gru,
  simpleRNN,
  type RecurrentOptions,
  type SimpleRNNOptions,
} from './layers/recurrent.js';
export { RNNCell, LSTMCell, GRUCell, SimpleRNNCell, type CellOptions } from './layers/cells.js';
export {
  conv2d,
  maxPooling2d,
  Conv2D,
  MaxPooling2D,
  type Conv2DOptions,
  type MaxPooling2DOptions,
  type Padding,
} from './layers/conv.js';
export { add, concatenate, Add, Concatenate, type ConcatenateOptions } from './layers/merge.js';
export { getActivation, type ActivationName } from './activations.js';
export {
  getInitializer,
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
  orthogonal,
  type Initializer,
  type InitializerFn,
  type InitializerName,
} from './initializers.js';
export {
  meanSquaredError,
  meanAbsoluteError,
  binaryCrossEntropy,
  categoricalCrossEntropy,
  sparseCategoricalCrossEntropy,
  getLoss,
  type LossFn,
  type LossName,
  type CrossEntropyLossOptions,
  type GetLossOptions,
} from './losses.js';
export {
  Optimizer,
  SGD,
  Adagrad,
  RMSprop,
  Adam,
  AdamW,
  sgd,
  adagrad,
  rmsprop,
  adam,
  adamw,
  getOptimizer,
  clipByGlobalNorm,
  clipByValue,
  stepDecay,
  exponentialDecay,
  linearDecay,
  type OptimizerName,
  type OptimizerOptions,
  type SGDOptions,
  type AdagradOptions,
  type RMSpropOptions,
  type AdamOptions,
  type AdamWOptions,
  type LearningRateSchedule,
} from './optimizers.js';
export {
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  sparseTopKCategoricalAccuracy,
  argmaxClasses,
  confusionMatrix,
  precisionRecallF1,
  classificationReport,
  rocAuc,
  getMetric,
  type MetricFn,
  type MetricName,
  type ClassScores,
  type ClassificationScores,
} from './metrics.js';
export {
  earlyStopping,
  modelCheckpoint,
  reduceLROnPlateau,
  EarlyStopping,
  ModelCheckpoint,
  ReduceLROnPlateau,
  type Callback,
  type CallbackModel,
  type Logs,
  type History,
  type EarlyStoppingOptions,
  type ModelCheckpointOptions,
  type ReduceLROnPlateauOptions,
} from './callbacks.js';
export {
  Model,
  model,
  takeRows,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelOptions,
  type CompileOptions,
  type FitOptions,
  type EvaluateOptions,
  type PredictOptions,
  type SummaryOptions,
  type LossSpec,
} from './model.js';
export {
  setLogger,
  getLogger,
  silentLogger,
  ProgbarLogger,
  type Logger,
  type Verbose,
  type ProgbarOptions,
} from './logger.js';
export { Sequential, sequential, type SequentialOptions } from './sequential.js';
export { loadModel, modelFromJSON } from './serialization.js';
export {
  parseIdx,
  readIdx,
  loadFashionMnist,
  hasFashionMnist,
  FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  type IdxArray,
  type IdxDtype,
  type ImageSplit,
  type FashionMnist,
  type LoadFashionMnistOptions,
} from './datasets.js';
