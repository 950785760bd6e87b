// The output layer and its loss as one kernel: loss_r = lse_r − z[r, t_r] with z = x · W + b and
// lse_r = log Σ_c e^z[r, c], and its gradients, for a language model's [rows, k] · [k, n] output layer
// (700 × 200 · 200 × 10 000 per PTB window). On the native path (native/softmax.cc):
//   forward:  Z = X · W (the native GEMM), then per row: add b, e^(z − max) in place, (lse, 1/Σ) and
//             the row loss; the [rows, n] block of exponentials is kept for backward;
//   backward: the block turns in place into G = g · (softmax − onehot) (a multiply per entry), with its
//             column sums (db); dX = G · Wᵀ and dW = Xᵀ · G on the GEMM.
// So the 28 MB of logits are written once and read twice, and never become a tensor. The block comes
// from a one-slot spare kept here: backward hands its buffer back, the next forward takes it, so a
// training loop does not allocate 28 MB per window. A second backward through a retained graph (the
// block was consumed) recomputes the forward first.
// Without the addon the same contract runs on the plain kernels: matmul, logSumExpRows,
// sparseCrossEntropyBackward, sumAxis (the oracle of the native path).
import { nativeKernels, threadCount } from '../../native/index.js';
import { type MatmulOptions, matmul } from './matmul.js';
import { sumAxis } from './reduce.js';
import { logSumExpRows, sparseCrossEntropyBackward, sparseCrossEntropyRows } from './softmax.js';

/** One problem: x [rows, k] and W [k, n] (stored as [n, k] when wTransposed), b [n], a target per row. */
export interface LinearCrossEntropyProblem {
  x: Float32Array;
  w: Float32Array;
  wTransposed: boolean;
  bias: Float32Array;
  targets: Int32Array;
  rows: number;
  k: number;
  n: number;
}

/** What forward keeps for backward (opaque to callers). */
export type LinearCrossEntropySaved = NativeState | PlainState;

interface NativeState {
  readonly kind: 'native';
  readonly problem: LinearCrossEntropyProblem;
  /** [rows, n]: e^(z − max) per row after forward, G after backward (then `consumed`). */
  block: Float32Array;
  /** [rows, 2]: lse and 1/Σ per row. */
  readonly stats: Float64Array;
  consumed: boolean;
}

interface PlainState {
  readonly kind: 'plain';
  readonly problem: LinearCrossEntropyProblem;
  readonly logits: Float32Array;
  readonly lse: Float64Array;
}

/** The block buffer backward gave back, for the next forward (one slot: see the file header). */
let spareBlock: Float32Array | undefined;

function takeBlock(size: number): Float32Array {
  const spare = spareBlock;
  if (spare !== undefined && spare.length === size) {
    spareBlock = undefined;
    return spare;
  }
  return new Float32Array(size);
}

/** Runs the native forward for `problem` into `state`'s block and stats; returns Σ_r loss_r. */
function nativeForward(problem: LinearCrossEntropyProblem, block: Float32Array, stats: Float64Array): number {
  const { x, w, wTransposed, bias, targets, rows, k, n } = problem;
  const losses = new Float64Array(rows);
  nativeKernels()!.linearCrossEntropyForward(
    x.subarray(0, rows * k),
    w.subarray(0, k * n),
    wTransposed,
    bias.subarray(0, n),
    targets.subarray(0, rows),
    block,
    stats,
    losses,
    rows,
    k,
    n,
    threadCount(),
  );
  let total = 0;
  for (let r = 0; r < rows; r++) total += losses[r]!;
  return total;
}

/**
 * Σ_r loss_r for the problem (float64), and the state for backward when `keep` (else null). Runs on the
 * native kernel when the addon is available, else on the plain kernels.
 */
export function linearCrossEntropyForward(
  problem: LinearCrossEntropyProblem,
  keep: boolean,
): { total: number; saved: LinearCrossEntropySaved | null } {
  const { rows, n } = problem;
  if (nativeKernels() === null) return plainForward(problem, keep);
  const block = takeBlock(rows * n);
  const stats = new Float64Array(2 * rows);
  const total = nativeForward(problem, block, stats);
  if (!keep) {
    spareBlock = block;
    return { total, saved: null };
  }
  return { total, saved: { kind: 'native', problem, block, stats, consumed: false } };
}

function plainForward(
  problem: LinearCrossEntropyProblem,
  keep: boolean,
): { total: number; saved: PlainState | null } {
  const { x, w, wTransposed, bias, targets, rows, k, n } = problem;
  const logits = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) logits.set(bias.subarray(0, n), r * n);
  matmul(x, w, logits, rows, n, k, { transB: wTransposed, accumulate: true });
  const lse = new Float64Array(rows);
  const losses = new Float64Array(rows);
  logSumExpRows(logits, 0, rows, n, lse);
  sparseCrossEntropyRows(logits, 0, rows, n, targets, lse, losses);
  let total = 0;
  for (let r = 0; r < rows; r++) total += losses[r]!;
  return { total, saved: keep ? { kind: 'plain', problem, logits, lse } : null };
}

/** Where backward writes: each buffer null when that gradient is not wanted. */
export interface LinearCrossEntropyGradients {
  /** [rows, k]; added into when accumulateX. */
  dx: Float32Array | null;
  accumulateX: boolean;
  /** [k, n] (W's logical shape, even when W is a transposed view); added into when accumulateW. */
  dw: Float32Array | null;
  accumulateW: boolean;
  /** [n], overwritten. */
  db: Float32Array | null;
}

/**
 * Backward with the same upstream gradient `rowGradient` for every row's loss (mean: g / rows, sum: g):
 * G = rowGradient · (softmax(z) − onehot), dX = G · Wᵀ, dW = Xᵀ · G, db = Σ_rows G.
 */
export function linearCrossEntropyBackward(
  saved: LinearCrossEntropySaved,
  rowGradient: number,
  out: LinearCrossEntropyGradients,
): void {
  if (saved.kind === 'plain') {
    plainBackward(saved, rowGradient, out);
    return;
  }
  const native = nativeKernels();
  const { problem } = saved;
  const { x, w, wTransposed, targets, rows, k, n } = problem;
  if (native === null) {
    plainBackward(plainForward(problem, true).saved!, rowGradient, out);
    return;
  }
  if (saved.consumed) {
    // A second backward through a retained graph: the block already became G; recompute it.
    saved.block = takeBlock(rows * n);
    nativeForward(problem, saved.block, saved.stats);
  }
  native.linearCrossEntropyBackward(
    x.subarray(0, rows * k),
    w.subarray(0, k * n),
    wTransposed,
    targets.subarray(0, rows),
    saved.block,
    saved.stats,
    rowGradient,
    out.dx === null ? null : out.dx.subarray(0, rows * k),
    out.accumulateX,
    out.dw === null ? null : out.dw.subarray(0, k * n),
    out.accumulateW,
    out.db === null ? null : out.db.subarray(0, n),
    rows,
    k,
    n,
    threadCount(),
  );
  saved.consumed = true;
  spareBlock = saved.block;
}

function plainBackward(saved: PlainState, rowGradient: number, out: LinearCrossEntropyGradients): void {
  const { problem, logits, lse } = saved;
  const { x, w, wTransposed, targets, rows, k, n } = problem;
  const G = new Float32Array(rows * n);
  sparseCrossEntropyBackward(logits, 0, rows, n, targets, lse, new Float64Array(rows).fill(rowGradient), G);
  if (out.dx !== null) {
    const options: MatmulOptions = { transB: !wTransposed, accumulate: out.accumulateX };
    matmul(G, w, out.dx, rows, k, n, options);
  }
  if (out.dw !== null) matmul(x, G, out.dw, k, n, rows, { transA: true, accumulate: out.accumulateW });
  if (out.db !== null) sumAxis(G, 0, 1, rows, n, out.db, 0);
}
