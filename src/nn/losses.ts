// Losses (Keras names), each (yTrue, yPred) → a scalar mean over the batch (and any other axes).
//   mse:  mean (y − ŷ)²                       mae: mean |y − ŷ|
//   binaryCrossEntropy (probabilities): −mean [y·log p + (1 − y)·log(1 − p)], p clipped to [ε, 1 − ε]
//   binaryCrossEntropy (fromLogits):    mean [max(z, 0) − z·y + log(1 + e^−|z|)]  (stable for any z)
//   categoricalCrossEntropy (fromLogits): −mean Σ_c y_c · log softmax(z)_c  (fused op of the tensor core)
//     from probabilities: −mean Σ_c y_c · log clip(p_c)
//   sparseCategoricalCrossEntropy: integer class targets; the fused sparse op on logits
// The string aliases follow Keras ('mse', 'meanSquaredError', 'binaryCrossentropy', …). In a model,
// compile reads a cross-entropy name by the output layer: after a sigmoid / softmax activation the
// predictions are probabilities (as Keras assumes), after a linear layer they are logits (the stable,
// fused path — end a classifier in a linear layer to use it). As functions, the categorical losses
// default to logits and binaryCrossEntropy to probabilities.
import {
  abs,
  add,
  clamp,
  exp,
  log,
  maximum,
  mean,
  mul,
  neg,
  reshape,
  softmaxCrossEntropy,
  sparseSoftmaxCrossEntropy,
  square,
  sub,
  sum,
  Tensor,
} from '../tensor/index.js';
import { ShapeError, VerboError } from '../util/errors.js';
import { nameKey } from './names.js';
import { formatSymbolicShape } from './symbolic.js';

/** A loss: targets and predictions in, a scalar tensor out (mean over the batch). */
export type LossFn = ((yTrue: Tensor, yPred: Tensor) => Tensor) & {
  lossName?: string;
  /** Targets are class ids (one per row of predictions). */
  sparse?: boolean;
  /** The predictions are read as logits (cross-entropies). */
  fromLogits?: boolean;
};

export interface CrossEntropyLossOptions {
  /** Whether yPred holds logits (default) or probabilities. */
  fromLogits?: boolean;
  /** Clipping of probabilities away from 0 and 1 (default 1e-7, Keras' epsilon). */
  epsilon?: number;
}

function sameShape(loss: string, yTrue: Tensor, yPred: Tensor): void {
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new ShapeError(
      `${loss}: targets ${formatSymbolicShape(yTrue.shape)} and predictions ${formatSymbolicShape(yPred.shape)} must have the same shape`,
    );
  }
}

/** Mean squared error. */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('meanSquaredError', yTrue, yPred);
  return mean(square(sub(yPred, yTrue)));
}

/** Mean absolute error. */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('meanAbsoluteError', yTrue, yPred);
  return mean(abs(sub(yPred, yTrue)));
}

/** Binary cross-entropy; yPred are probabilities (clipped) unless fromLogits. */
export function binaryCrossEntropy(
  yTrue: Tensor,
  yPred: Tensor,
  options: CrossEntropyLossOptions = {},
): Tensor {
  sameShape('binaryCrossEntropy', yTrue, yPred);
  if (options.fromLogits) {
    // max(z, 0) − z·y + log(1 + e^−|z|)
    const z = yPred;
    return mean(add(sub(maximum(z, 0), mul(z, yTrue)), log(add(exp(neg(abs(z))), 1))));
  }
  const epsilon = options.epsilon ?? 1e-7;
  const p = clamp(yPred, epsilon, 1 - epsilon);
  const terms = add(mul(yTrue, log(p)), mul(sub(1, yTrue), log(sub(1, p))));
  return neg(mean(terms));
}

/** Categorical cross-entropy against one-hot (or soft) targets; yPred are logits unless fromLogits is false. */
export function categoricalCrossEntropy(
  yTrue: Tensor,
  yPred: Tensor,
  options: CrossEntropyLossOptions = {},
): Tensor {
  sameShape('categoricalCrossEntropy', yTrue, yPred);
  if (options.fromLogits ?? true) return softmaxCrossEntropy(yPred, yTrue);
  const epsilon = options.epsilon ?? 1e-7;
  return neg(mean(sum(mul(yTrue, log(clamp(yPred, epsilon, 1 - epsilon))), -1)));
}

/**
 * Cross-entropy against integer class targets: yTrue [batch, …] (class ids stored as numbers) and
 * yPred [batch, …, classes] logits (or probabilities with fromLogits: false). Uses the fused sparse op.
 */
export function sparseCategoricalCrossEntropy(
  yTrue: Tensor,
  yPred: Tensor,
  options: CrossEntropyLossOptions = {},
): Tensor {
  const classes = yPred.shape[yPred.rank - 1]!;
  const rows = yPred.size / classes;
  const expected = yPred.shape.slice(0, -1);
  const trailingOne = yTrue.rank === expected.length + 1 && yTrue.shape[yTrue.rank - 1] === 1;
  const fits =
    expected.length === (trailingOne ? yTrue.rank - 1 : yTrue.rank) &&
    expected.every((d, i) => d === yTrue.shape[i]);
  if (!fits) {
    throw new ShapeError(
      `sparseCategoricalCrossEntropy: targets ${formatSymbolicShape(yTrue.shape)} should be ${formatSymbolicShape(expected)} ` +
        `(one class id per row of predictions ${formatSymbolicShape(yPred.shape)})`,
    );
  }
  const values = yTrue.toFloat32Array();
  const targets = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const t = values[r]!;
    if (!(Number.isInteger(t) && t >= 0 && t < classes)) {
      throw new ShapeError(
        `sparseCategoricalCrossEntropy: target ${t} at row ${r} is not a class id in 0…${classes - 1}`,
      );
    }
    targets[r] = t;
  }
  if (options.fromLogits ?? true) return sparseSoftmaxCrossEntropy(yPred, targets);
  const epsilon = options.epsilon ?? 1e-7;
  // −mean log p[r, t_r], with p clipped: the target probabilities picked by a constant one-hot mask.
  const oneHot = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) oneHot[r * classes + targets[r]!] = 1;
  const logp = log(clamp(reshape(yPred, [rows, classes]), epsilon, 1 - epsilon));
  return neg(mul(sum(mul(logp, new Tensor(oneHot, [rows, classes]))), 1 / rows));
}

/** Loss names: ours (camelCase), Keras' snake_case strings and class names are all accepted. */
export type LossName =
  | 'mse'
  | 'meanSquaredError'
  | 'mean_squared_error'
  | 'mae'
  | 'meanAbsoluteError'
  | 'mean_absolute_error'
  | 'binaryCrossentropy'
  | 'binaryCrossEntropy'
  | 'binary_crossentropy'
  | 'categoricalCrossentropy'
  | 'categoricalCrossEntropy'
  | 'categorical_crossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'sparseCategoricalCrossEntropy'
  | 'sparse_categorical_crossentropy';

function named(
  fn: (yTrue: Tensor, yPred: Tensor) => Tensor,
  lossName: string,
  extra: { sparse?: boolean; fromLogits?: boolean } = {},
): LossFn {
  const loss = ((yTrue: Tensor, yPred: Tensor) => fn(yTrue, yPred)) as LossFn;
  loss.lossName = lossName;
  loss.sparse = extra.sparse ?? false;
  if (extra.fromLogits !== undefined) loss.fromLogits = extra.fromLogits;
  return loss;
}

/** The canonical loss name per spelling key (camelCase, snake_case and Keras class names). */
const canonical: Record<string, string> = {
  mse: 'meanSquaredError',
  meansquarederror: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  meanabsoluteerror: 'meanAbsoluteError',
  binarycrossentropy: 'binaryCrossentropy',
  categoricalcrossentropy: 'categoricalCrossentropy',
  sparsecategoricalcrossentropy: 'sparseCategoricalCrossentropy',
};

export interface GetLossOptions {
  /**
   * For the cross-entropy names: whether predictions are logits. Default: probabilities for
   * 'binaryCrossentropy' (as Keras), logits for the categorical ones. Model.compile decides from the
   * output layer instead: a sigmoid or softmax output means probabilities, anything else logits.
   */
  fromLogits?: boolean;
}

/** A loss by name (Keras aliases) or function (functions are returned as they are). */
export function getLoss(
  loss: LossName | LossFn | ((yTrue: Tensor, yPred: Tensor) => Tensor),
  options: GetLossOptions = {},
): LossFn {
  if (typeof loss === 'function') return loss as LossFn;
  const name = typeof loss === 'string' ? canonical[nameKey(loss)] : undefined;
  if (name === undefined) {
    throw new VerboError(
      `unknown loss '${String(loss)}'; use one of mse, mae, binary_crossentropy, categorical_crossentropy, ` +
        'sparse_categorical_crossentropy (or their camelCase names) or a function',
    );
  }
  switch (name) {
    case 'meanSquaredError':
      return named(meanSquaredError, name);
    case 'meanAbsoluteError':
      return named(meanAbsoluteError, name);
    case 'binaryCrossentropy': {
      const fromLogits = options.fromLogits ?? false;
      return named((t, p) => binaryCrossEntropy(t, p, { fromLogits }), name, { fromLogits });
    }
    case 'categoricalCrossentropy': {
      const fromLogits = options.fromLogits ?? true;
      return named((t, p) => categoricalCrossEntropy(t, p, { fromLogits }), name, { fromLogits });
    }
    default: {
      const fromLogits = options.fromLogits ?? true;
      return named((t, p) => sparseCategoricalCrossEntropy(t, p, { fromLogits }), name, {
        sparse: true,
        fromLogits,
      });
    }
  }
}
