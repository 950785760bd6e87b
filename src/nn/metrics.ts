// Metrics: accuracies (binary, categorical, sparse categorical, sparse top-k), the confusion matrix,
// per-class precision / recall / F1 with a printable report (laid out like scikit-learn's
// classification_report), and ROC AUC. They read plain numbers (no gradients) and return numbers.
//
// ROC AUC is the probability that a random positive scores above a random negative, ties counting
// one half: AUC = (Σ ranks of positives − P(P + 1)/2) / (P·N) with average ranks for tied scores
// (the Mann–Whitney U statistic), which equals the area under the ROC curve with ties as diagonal steps.
import type { Tensor } from '../tensor/index.js';
import { ShapeError, VerboError } from '../util/errors.js';
import { nameKey } from './names.js';
import { formatSymbolicShape } from './symbolic.js';

type Values = Tensor | ArrayLike<number>;

function valuesOf(x: Values): ArrayLike<number> {
  return 'toFloat32Array' in x ? x.toFloat32Array() : x;
}

function lastAxis(x: Tensor, metric: string): number {
  if (x.rank < 1)
    throw new ShapeError(`${metric}: predictions need a class axis, got ${formatSymbolicShape(x.shape)}`);
  return x.shape[x.rank - 1]!;
}

/** Index of the largest value in row r of a [rows, classes] array (first on ties). */
function argmaxRow(values: ArrayLike<number>, r: number, classes: number): number {
  let best = 0;
  let bestValue = values[r * classes]!;
  for (let c = 1; c < classes; c++) {
    const v = values[r * classes + c]!;
    if (v > bestValue) {
      bestValue = v;
      best = c;
    }
  }
  return best;
}

/** Fraction of entries where (yPred > threshold) equals yTrue (0/1). Use threshold 0 for logits. */
export function binaryAccuracy(yTrue: Values, yPred: Values, threshold = 0.5): number {
  const t = valuesOf(yTrue);
  const p = valuesOf(yPred);
  if (t.length !== p.length)
    throw new ShapeError(`binaryAccuracy: ${t.length} targets but ${p.length} predictions`);
  let correct = 0;
  for (let i = 0; i < t.length; i++) if ((p[i]! > threshold ? 1 : 0) === (t[i]! > 0.5 ? 1 : 0)) correct++;
  return t.length === 0 ? 0 : correct / t.length;
}

/** Fraction of rows whose predicted class (argmax) is the argmax of the one-hot target. */
export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): number {
  const classes = lastAxis(yPred, 'categoricalAccuracy');
  if (yTrue.size !== yPred.size) {
    throw new ShapeError(
      `categoricalAccuracy: targets ${formatSymbolicShape(yTrue.shape)} and predictions ${formatSymbolicShape(yPred.shape)} differ`,
    );
  }
  const t = yTrue.toFloat32Array();
  const p = yPred.toFloat32Array();
  const rows = p.length / classes;
  let correct = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(p, r, classes) === argmaxRow(t, r, classes)) correct++;
  return rows === 0 ? 0 : correct / rows;
}

/** Fraction of rows whose target class id is among the k highest predictions (k = 1: argmax). */
export function sparseTopKCategoricalAccuracy(yTrue: Values, yPred: Tensor, k = 5): number {
  const classes = lastAxis(yPred, 'sparseTopKCategoricalAccuracy');
  const t = valuesOf(yTrue);
  const p = yPred.toFloat32Array();
  const rows = p.length / classes;
  if (t.length !== rows) {
    throw new ShapeError(
      `sparse accuracy: ${t.length} targets for predictions ${formatSymbolicShape(yPred.shape)} (${rows} rows); give one class id per row`,
    );
  }
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const target = t[r]!;
    const score = p[r * classes + target]!;
    // The target is in the top k when fewer than k classes score strictly higher.
    let higher = 0;
    for (let c = 0; c < classes && higher < k; c++) if (p[r * classes + c]! > score) higher++;
    if (higher < k) correct++;
  }
  return rows === 0 ? 0 : correct / rows;
}

/** Fraction of rows whose argmax is the target class id. */
export function sparseCategoricalAccuracy(yTrue: Values, yPred: Tensor): number {
  const classes = lastAxis(yPred, 'sparseCategoricalAccuracy');
  const t = valuesOf(yTrue);
  const p = yPred.toFloat32Array();
  const rows = p.length / classes;
  if (t.length !== rows) {
    throw new ShapeError(
      `sparseCategoricalAccuracy: ${t.length} targets for predictions ${formatSymbolicShape(yPred.shape)} (${rows} rows)`,
    );
  }
  let correct = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(p, r, classes) === t[r]) correct++;
  return rows === 0 ? 0 : correct / rows;
}

/** Class ids from scores: argmax over the last axis. */
export function argmaxClasses(scores: Tensor): Int32Array {
  const classes = lastAxis(scores, 'argmaxClasses');
  const p = scores.toFloat32Array();
  const rows = p.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = argmaxRow(p, r, classes);
  return out;
}

function checkLabels(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
  who: string,
): void {
  if (yTrue.length !== yPred.length) {
    throw new ShapeError(`${who}: ${yTrue.length} true labels but ${yPred.length} predicted labels`);
  }
  for (const [name, labels] of [
    ['true', yTrue],
    ['predicted', yPred],
  ] as const) {
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      if (!(Number.isInteger(l) && l >= 0 && l < numClasses)) {
        throw new VerboError(
          `${who}: ${name} label ${l} at index ${i} is not a class id in 0…${numClasses - 1}`,
        );
      }
    }
  }
}

/** counts[t][p]: how many examples of true class t were predicted as p (rows: truth, as scikit-learn). */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses?: number,
): number[][] {
  let classes = numClasses ?? 0;
  if (numClasses === undefined)
    for (let i = 0; i < yTrue.length; i++) classes = Math.max(classes, yTrue[i]! + 1, yPred[i]! + 1);
  checkLabels(yTrue, yPred, classes, 'confusionMatrix');
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < yTrue.length; i++) matrix[yTrue[i]!]![yPred[i]!]!++;
  return matrix;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Number of true examples of the class. */
  support: number;
}

export interface ClassificationScores {
  perClass: ClassScores[];
  accuracy: number;
  macro: ClassScores;
  weighted: ClassScores;
}

/** Precision, recall and F1 per class (0 where undefined, as scikit-learn's zero_division=0), and averages. */
export function precisionRecallF1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses?: number,
): ClassificationScores {
  const matrix = confusionMatrix(yTrue, yPred, numClasses);
  const classes = matrix.length;
  const perClass: ClassScores[] = [];
  let correct = 0;
  for (let c = 0; c < classes; c++) {
    const tp = matrix[c]![c]!;
    correct += tp;
    let predicted = 0;
    let support = 0;
    for (let k = 0; k < classes; k++) {
      predicted += matrix[k]![c]!;
      support += matrix[c]![k]!;
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass.push({ precision, recall, f1, support });
  }
  const total = yTrue.length;
  const average = (weight: (s: ClassScores) => number, norm: number): ClassScores => ({
    precision: perClass.reduce((a, s) => a + weight(s) * s.precision, 0) / norm,
    recall: perClass.reduce((a, s) => a + weight(s) * s.recall, 0) / norm,
    f1: perClass.reduce((a, s) => a + weight(s) * s.f1, 0) / norm,
    support: total,
  });
  return {
    perClass,
    accuracy: total === 0 ? 0 : correct / total,
    macro: average(() => 1, Math.max(classes, 1)),
    weighted: average((s) => s.support, Math.max(total, 1)),
  };
}

/**
 * The text of a classification report: one row per class (precision, recall, f1-score, support),
 * then accuracy, macro avg and weighted avg — the layout of scikit-learn's classification_report.
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: { labels?: readonly string[]; digits?: number; numClasses?: number } = {},
): string {
  const digits = options.digits ?? 2;
  const scores = precisionRecallF1(yTrue, yPred, options.numClasses ?? options.labels?.length);
  const names = scores.perClass.map((_, c) => options.labels?.[c] ?? String(c));
  const width = Math.max(12, ...names.map((n) => n.length));
  const col = (text: string) => text.padStart(10);
  const num = (x: number) => col(x.toFixed(digits));
  const lines = [
    `${''.padStart(width)}${col('precision')}${col('recall')}${col('f1-score')}${col('support')}`,
    '',
  ];
  scores.perClass.forEach((s, c) => {
    lines.push(
      `${names[c]!.padStart(width)}${num(s.precision)}${num(s.recall)}${num(s.f1)}${col(String(s.support))}`,
    );
  });
  lines.push('');
  lines.push(
    `${'accuracy'.padStart(width)}${col('')}${col('')}${num(scores.accuracy)}${col(String(yTrue.length))}`,
  );
  for (const [name, s] of [
    ['macro avg', scores.macro],
    ['weighted avg', scores.weighted],
  ] as const) {
    lines.push(
      `${name.padStart(width)}${num(s.precision)}${num(s.recall)}${num(s.f1)}${col(String(s.support))}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Area under the ROC curve for binary labels (0/1) and scores; ties count one half. */
export function rocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = yTrue.length;
  if (scores.length !== n) throw new ShapeError(`rocAuc: ${n} labels but ${scores.length} scores`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    const averageRank = (start + 1 + end) / 2; // ranks start..end−1 are 1-based start+1 … end
    for (let j = start; j < end; j++) ranks[order[j]!] = averageRank;
    start = end;
  }
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    const label = yTrue[i]!;
    if (label !== 0 && label !== 1)
      throw new VerboError(`rocAuc: labels must be 0 or 1, got ${label} at index ${i}`);
    if (label === 1) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new VerboError(`rocAuc: needs both classes, got ${positives} positives and ${negatives} negatives`);
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

// ---- metrics by name, for compile({ metrics }) ------------------------------------------------------

/** A batch metric: the mean over the batch's rows (fit averages batches weighted by their size). */
export type MetricFn = ((yTrue: Tensor, yPred: Tensor) => number) & { metricName?: string };

/** Metric names: ours (camelCase) and Keras' snake_case strings. */
export type MetricName =
  | 'accuracy'
  | 'acc'
  | 'binaryAccuracy'
  | 'binary_accuracy'
  | 'categoricalAccuracy'
  | 'categorical_accuracy'
  | 'sparseCategoricalAccuracy'
  | 'sparse_categorical_accuracy'
  | 'sparseTopKCategoricalAccuracy'
  | 'sparse_top_k_categorical_accuracy'
  | 'mse'
  | 'meanSquaredError'
  | 'mean_squared_error'
  | 'mae'
  | 'meanAbsoluteError'
  | 'mean_absolute_error';

function metric(name: string, fn: (yTrue: Tensor, yPred: Tensor) => number): MetricFn {
  const m = fn as MetricFn;
  m.metricName = name;
  return m;
}

/**
 * A metric by name, logged under the name given (as Keras does: 'acc' logs `acc`, 'binary_accuracy'
 * logs `binary_accuracy`). 'accuracy' picks the right accuracy from the loss, as Keras does: sparse
 * categorical for sparse losses, categorical for categorical ones, binary otherwise (threshold 0
 * when the loss reads logits, 0.5 for probabilities).
 */
export function getMetric(
  name: MetricName | MetricFn,
  lossName: string | undefined,
  fromLogits = false,
): MetricFn {
  if (typeof name === 'function') return name;
  const threshold = fromLogits ? 0 : 0.5;
  switch (typeof name === 'string' ? nameKey(name) : '') {
    case 'accuracy':
    case 'acc': {
      if (lossName?.startsWith('sparseCategorical'))
        return metric(name, (t, p) => sparseCategoricalAccuracy(t, p));
      if (lossName?.startsWith('categorical')) return metric(name, categoricalAccuracy);
      return metric(name, (t, p) => binaryAccuracy(t, p, threshold));
    }
    case 'binaryaccuracy':
      return metric(name, (t, p) => binaryAccuracy(t, p, threshold));
    case 'categoricalaccuracy':
      return metric(name, categoricalAccuracy);
    case 'sparsecategoricalaccuracy':
      return metric(name, (t, p) => sparseCategoricalAccuracy(t, p));
    case 'sparsetopkcategoricalaccuracy':
      return metric(name, (t, p) => sparseTopKCategoricalAccuracy(t, p, 5));
    case 'mse':
    case 'meansquarederror':
      return metric(name, (t, p) => meanOf(t, p, (d) => d * d));
    case 'mae':
    case 'meanabsoluteerror':
      return metric(name, (t, p) => meanOf(t, p, Math.abs));
    default:
      throw new VerboError(
        `unknown metric '${String(name)}'; use accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, ` +
          'sparse_top_k_categorical_accuracy, mse, mae (or their camelCase names) or a function',
      );
  }
}

function meanOf(t: Tensor, p: Tensor, f: (d: number) => number): number {
  const a = t.toFloat32Array();
  const b = p.toFloat32Array();
  let total = 0;
  for (let i = 0; i < a.length; i++) total += f(b[i]! - a[i]!);
  return a.length === 0 ? 0 : total / a.length;
}
