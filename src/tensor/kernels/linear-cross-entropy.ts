// The output layer and its loss as one kernel: loss_r = lse_r − z[r, t_r] with z = x · W + b and
// lse_r = log Σ_c e^z[r, c], and its gradients, for a language model's [rows, k] · [k, n] output layer
// (700 × 200 · 200 × 10 000 per PTB window). Everything big stays in the WebAssembly GEMM's shared memory:
//   forward:  X and W are copied in; Z = X · W (threaded GEMM); one row kernel adds b and computes the
//             row losses, leaving e^(z − max) in place and (lse, 1/Σ) per row (cross-entropy.as-lib.ts,
//             rows split across both threads). The result stays where it is: this state becomes the
//             memory's resident (matmul-wasm.ts).
//   backward: a second row kernel turns it in place into G = g · (softmax − onehot) (a multiply per entry)
//             and its column sums per chunk; dX = G · Wᵀ and dW = Xᵀ · G run on G where it lies;
//             db = Σ_chunks of the sums.
// So the 28 MB of logits are never copied out or back in. If anything else uses the memory in between,
// the state is evicted first (the block and row stats copied out) and copied back for backward; a
// second backward through a retained graph (the block was consumed) recomputes it from the inputs.
// Where the WebAssembly GEMM is unavailable (or the problem is tiny) the same contract runs on the
// plain kernels: matmul, logSumExpRows, sparseCrossEntropyBackward, sumAxis.
import { type MatmulOptions, matmul, THREADS_MIN_WORK, WASM_MIN_WORK } from './matmul.js';
import {
  claimGemmMemory,
  type GemmKernel,
  type GemmResident,
  gemmInMemory,
  gemmOperandBase,
  isGemmResident,
  releaseGemmMemory,
  reserve,
  rowsInMemory,
  wasmGemmAvailable,
} from './matmul-wasm.js';
import { sumAxis } from './reduce.js';
import { logSumExpRows, sparseCrossEntropyBackward, sparseCrossEntropyRows } from './softmax.js';
import { getMatmulThreads } from './threads.js';

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
export type LinearCrossEntropySaved = WasmState | PlainState;

/** The rows are cut into this many chunks (at most), whatever the thread count, so db sums alike. */
const ROW_CHUNKS = 8;

/** Where the operands and the row work of one problem sit in the GEMM's shared memory (bytes). */
export interface Layout {
  threads: number;
  x: number;
  w: number;
  /** [rows, n]: the logits, then e^(z − max) per row, then G. */
  block: number;
  bias: number;
  targets: number;
  stats: number;
  losses: number;
  gradient: number;
  partials: number;
  dx: number;
  dw: number;
  end: number;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

export function layoutFor(
  gemmKernel: GemmKernel,
  threads: number,
  rows: number,
  k: number,
  n: number,
): Layout {
  let at = gemmOperandBase(gemmKernel, threads);
  const take = (bytes: number): number => {
    const start = at;
    at += align(bytes);
    return start;
  };
  const x = take(rows * k * 4);
  const w = take(k * n * 4);
  const block = take(rows * n * 4);
  const bias = take(n * 4);
  const targets = take(rows * 4);
  const stats = take(rows * 16);
  const losses = take(rows * 8);
  const gradient = take(8);
  const partials = take(ROW_CHUNKS * n * 4);
  const dx = take(rows * k * 4);
  const dw = take(k * n * 4);
  return { threads, x, w, block, bias, targets, stats, losses, gradient, partials, dx, dw, end: at };
}

class WasmState implements GemmResident {
  readonly kind = 'wasm';
  /** The block (e^(z − max) per row) and row stats copied out when another user of the memory evicted this state. */
  evicted: { block: Float32Array; stats: Float64Array } | null = null;
  /** Set once backward has turned the block in the memory into G. */
  consumed = false;

  constructor(
    readonly problem: LinearCrossEntropyProblem,
    public gemmKernel: GemmKernel,
    public layout: Layout,
  ) {}

  evict(): void {
    if (this.consumed || this.evicted !== null) return;
    const { rows, n } = this.problem;
    const floats = this.gemmKernel.floats;
    const block = floats.slice(this.layout.block >> 2, (this.layout.block >> 2) + rows * n);
    const stats = new Float64Array(2 * rows);
    stats.set(new Float64Array(this.gemmKernel.memory.buffer, this.layout.stats, 2 * rows));
    this.evicted = { block, stats };
  }
}

interface PlainState {
  readonly kind: 'plain';
  readonly problem: LinearCrossEntropyProblem;
  readonly logits: Float32Array;
  readonly lse: Float64Array;
}

/** Threads for a product of this size (as matmul decides: several only for large work). */
function threadsFor(problem: LinearCrossEntropyProblem): number {
  const { rows, k, n } = problem;
  return rows * k * n >= THREADS_MIN_WORK ? getMatmulThreads() : 1;
}

/** Copies X, W (and b, targets) in, Z = X · W, then the forward row kernel: row stats and losses in memory. */
function forwardInMemory(problem: LinearCrossEntropyProblem, gemmKernel: GemmKernel, layout: Layout): void {
  const { x, w, wTransposed, bias, targets, rows, k, n } = problem;
  const floats = gemmKernel.floats;
  floats.set(x.subarray(0, rows * k), layout.x >> 2);
  floats.set(w.subarray(0, k * n), layout.w >> 2);
  floats.set(bias.subarray(0, n), layout.bias >> 2);
  new Int32Array(gemmKernel.memory.buffer, layout.targets, rows).set(targets.subarray(0, rows));
  // W(p, j) = w[p·rs + j·cs]
  const rs = wTransposed ? 1 : n;
  const cs = wTransposed ? k : 1;
  gemmInMemory(
    gemmKernel,
    [rows, n, k, layout.x, k, 1, layout.w, rs, cs, layout.block, n, 0],
    layout.threads,
  );
  rowsInMemory(
    gemmKernel,
    'crossEntropyForwardRows',
    rows,
    Math.ceil(rows / ROW_CHUNKS),
    [layout.block, n, layout.bias, layout.targets, layout.stats, layout.losses],
    layout.threads,
  );
}

/**
 * Σ_r loss_r for the problem (float64), and the state for backward when `keep` (else null: nothing
 * stays resident). Runs in the WebAssembly memory when possible, else on the plain kernels.
 */
export function linearCrossEntropyForward(
  problem: LinearCrossEntropyProblem,
  keep: boolean,
): { total: number; saved: LinearCrossEntropySaved | null } {
  const { rows, k, n } = problem;
  if (rows * k * n >= WASM_MIN_WORK && wasmGemmAvailable()) {
    const gemmKernel = claimGemmMemory(undefined);
    if (gemmKernel !== undefined) {
      const layout = layoutFor(gemmKernel, threadsFor(problem), rows, k, n);
      if (reserve(gemmKernel, layout.end)) {
        forwardInMemory(problem, gemmKernel, layout);
        const losses = new Float64Array(gemmKernel.memory.buffer, layout.losses, rows);
        let total = 0;
        for (let r = 0; r < rows; r++) total += losses[r]!;
        let saved: WasmState | null = null;
        if (keep) {
          saved = new WasmState(problem, gemmKernel, layout);
          claimGemmMemory(saved);
        }
        return { total, saved };
      }
    }
  }
  return plainForward(problem, keep);
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
  /** [k, n] (W's own shape, even when W is a transposed view); added into when accumulateW. */
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
  const { problem } = saved;
  const { x, w, wTransposed, targets, rows, k, n } = problem;
  let gemmKernel = saved.gemmKernel;
  if (!isGemmResident(saved) || saved.consumed) {
    // Evicted (or consumed by an earlier backward): put the problem back into the memory.
    const current = claimGemmMemory(saved);
    if (current === undefined) {
      plainBackward(plainStateOf(saved), rowGradient, out);
      return;
    }
    gemmKernel = current;
    const layout = layoutFor(gemmKernel, threadsFor(problem), rows, k, n);
    if (!reserve(gemmKernel, layout.end)) {
      releaseGemmMemory(saved);
      plainBackward(plainStateOf(saved), rowGradient, out);
      return;
    }
    saved.gemmKernel = gemmKernel;
    saved.layout = layout;
    if (saved.evicted !== null) {
      const floats = gemmKernel.floats;
      floats.set(x.subarray(0, rows * k), layout.x >> 2);
      floats.set(w.subarray(0, k * n), layout.w >> 2);
      floats.set(saved.evicted.block, layout.block >> 2);
      new Int32Array(gemmKernel.memory.buffer, layout.targets, rows).set(targets.subarray(0, rows));
      new Float64Array(gemmKernel.memory.buffer, layout.stats, 2 * rows).set(saved.evicted.stats);
    } else {
      forwardInMemory(problem, gemmKernel, layout);
    }
    saved.consumed = false;
  }
  const layout = saved.layout;
  const threads = layout.threads;
  const memory = gemmKernel.memory;
  new Float64Array(memory.buffer, layout.gradient, 1)[0] = rowGradient;
  const step = Math.ceil(rows / ROW_CHUNKS);
  rowsInMemory(
    gemmKernel,
    'crossEntropyBackwardRows',
    rows,
    step,
    [layout.block, n, layout.targets, layout.stats, layout.gradient, layout.partials],
    threads,
  );
  saved.consumed = true;
  const floats = gemmKernel.floats;
  const rs = wTransposed ? 1 : n;
  const cs = wTransposed ? k : 1;
  if (out.dx !== null) {
    // dX[rows, k] = G[rows, n] · Wᵀ[n, k]: Wᵀ(j, p) = W(p, j) swaps W's strides.
    if (out.accumulateX) floats.set(out.dx.subarray(0, rows * k), layout.dx >> 2);
    const restore = (): void => {
      if (out.accumulateX && out.dx !== null) floats.set(out.dx.subarray(0, rows * k), layout.dx >> 2);
    };
    gemmInMemory(
      gemmKernel,
      [rows, k, n, layout.block, n, 1, layout.w, cs, rs, layout.dx, k, out.accumulateX ? 1 : 0],
      threads,
      restore,
    );
    out.dx.set(floats.subarray(layout.dx >> 2, (layout.dx >> 2) + rows * k));
  }
  if (out.dw !== null) {
    // dW[k, n] = Xᵀ[k, rows] · G[rows, n].
    if (out.accumulateW) floats.set(out.dw.subarray(0, k * n), layout.dw >> 2);
    const restore = (): void => {
      if (out.accumulateW && out.dw !== null) floats.set(out.dw.subarray(0, k * n), layout.dw >> 2);
    };
    gemmInMemory(
      gemmKernel,
      [k, n, rows, layout.x, 1, k, layout.block, n, 1, layout.dw, n, out.accumulateW ? 1 : 0],
      threads,
      restore,
    );
    out.dw.set(floats.subarray(layout.dw >> 2, (layout.dw >> 2) + k * n));
  }
  if (out.db !== null) {
    const db = out.db;
    const chunks = Math.ceil(rows / step);
    const base = layout.partials >> 2;
    db.set(floats.subarray(base, base + n));
    for (let chunk = 1; chunk < chunks; chunk++) {
      const from = base + chunk * n;
      for (let c = 0; c < n; c++) db[c]! += floats[from + c]!;
    }
  }
  releaseGemmMemory(saved);
}

/** A plain state for a WebAssembly state whose memory is gone (it never should be): recomputed. */
function plainStateOf(saved: WasmState): PlainState {
  return plainForward(saved.problem, true).saved!;
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
