// Losses (Keras names), each (yTrue, yPred) → a scalar mean over the batch (and any other axes).
//   mse:  mean (y − ŷ)²                       mae: mean |y − ŷ|
//   binaryCrossEntropy (probabilities): −mean [y·log p + (1 − y)·log(1 − p)], p clipped to [ε, 1 − ε]
//   binaryCrossEntropy (fromLogits):    mean [max(z, 0) − z·y + log(1 + e^−|z|)]  (stable for any z)
//   categoricalCrossEntropy (fromLogits): −mean Σ_c y_c · log softmax(z)_c  (fused op of the tensor core)
//     from probabilities: −mean Σ_c y_c · log clip(p_c)
//   sparseCategoricalCrossEntropy: integer class targets; the fused sparse op on logits
// The string aliases follow Keras ('mse', 'meanSquaredError', 'binaryCrossentropy', …). The
// probability forms exist because Keras models often end in sigmoid/softmax; from logits is the
// stable choice and the default here for the categorical losses when the model ends in a linear layer.
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
import { formatSymbolicShape } from './symbolic.js';

/** A loss: targets and predictions in, a scalar tensor out (mean over the batch). */
export type LossFn = ((yTrue: Tensor, yPred: Tensor) => Tensor) & { lossName?: string; sparse?: boolean };

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

export type LossName =
  | 'mse'
  | 'meanSquaredError'
  | 'mae'
  | 'meanAbsoluteError'
  | 'binaryCrossentropy'
  | 'binaryCrossEntropy'
  | 'categoricalCrossentropy'
  | 'categoricalCrossEntropy'
  | 'sparseCategoricalCrossentropy'
  | 'sparseCategoricalCrossEntropy';

function named(fn: (yTrue: Tensor, yPred: Tensor) => Tensor, lossName: string, sparse = false): LossFn {
  const loss = ((yTrue: Tensor, yPred: Tensor) => fn(yTrue, yPred)) as LossFn;
  loss.lossName = lossName;
  loss.sparse = sparse;
  return loss;
}

// Aliases. The string forms of the cross-entropies assume what Keras' strings assume, except that the
// categorical ones read logits (our models end in a linear layer; add fromLogits: false through
// the function form for softmax outputs). 'binaryCrossentropy' reads probabilities, as in Keras.
const aliases: Record<LossName, LossFn> = {
  mse: named(meanSquaredError, 'meanSquaredError'),
  meanSquaredError: named(meanSquaredError, 'meanSquaredError'),
  mae: named(meanAbsoluteError, 'meanAbsoluteError'),
  meanAbsoluteError: named(meanAbsoluteError, 'meanAbsoluteError'),
  binaryCrossentropy: named((t, p) => binaryCrossEntropy(t, p), 'binaryCrossentropy'),
  binaryCrossEntropy: named((t, p) => binaryCrossEntropy(t, p), 'binaryCrossentropy'),
  categoricalCrossentropy: named((t, p) => categoricalCrossEntropy(t, p), 'categoricalCrossentropy'),
  categoricalCrossEntropy: named((t, p) => categoricalCrossEntropy(t, p), 'categoricalCrossentropy'),
  sparseCategoricalCrossentropy: named(
    (t, p) => sparseCategoricalCrossEntropy(t, p),
    'sparseCategoricalCrossentropy',
    true,
  ),
  sparseCategoricalCrossEntropy: named(
    (t, p) => sparseCategoricalCrossEntropy(t, p),
    'sparseCategoricalCrossentropy',
    true,
  ),
};

/** A loss by name or function (functions are returned as they are). */
export function getLoss(loss: LossName | LossFn | ((yTrue: Tensor, yPred: Tensor) => Tensor)): LossFn {
  if (typeof loss === 'function') return loss as LossFn;
  const fn = aliases[loss];
  if (fn === undefined) {
    throw new VerboError(
      `unknown loss '${String(loss)}'; use one of ${Object.keys(aliases).join(', ')} or a function`,
    );
  }
  return fn;
}
