// The one door to verbo's native kernel addon (native/, built at install into build/Release/verbo.node).
// The tensor, embeddings and search kernels (and nn's optimizer passes) all ask here: `nativeKernels()` gives the kernel table chosen
// for this CPU, or null when the addon is disabled (VERBO_NATIVE=0) or could not be built or loaded, in
// which case callers run their plain TypeScript loops. The first time a caller gets null for a reason
// other than VERBO_NATIVE=0, one process warning (code VERBO_NATIVE_UNAVAILABLE) says why and how to fix
// it; the library prints nothing itself.
//
// Kernel tables are explicit objects: `nativeKernels()` is the one the product uses; `nativeTables()`
// lists every table this CPU can run (AVX-512, AVX2, portable...) so tests and benchmarks can compare
// them. Neither is re-exported from the package root.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { VerboError } from '../util/errors.js';
import { packagePath } from '../util/paths.js';
import type { EmbeddingKernels } from './embedding-kernels.js';

/** Instruction sets a kernel table can be built for. */
export type Isa = 'avx512' | 'avx2' | 'neon' | 'portable';
const ISAS: readonly Isa[] = ['avx512', 'avx2', 'neon', 'portable'];

/** gemm flags: use A transposed (A stored [k, m]), B transposed (B stored [n, k]), add into C. */
export const GEMM_TRANS_A = 1;
export const GEMM_TRANS_B = 2;
export const GEMM_ACCUMULATE = 4;

/** unary() ops. */
export const UNARY_EXP = 0;
export const UNARY_SIGMOID = 1;
export const UNARY_TANH = 2;
export const UNARY_RELU = 3;

/**
 * One instruction set's kernels. Every function reads and writes the arrays it is given (no copies; pass
 * a subarray for an offset); `threads` is the most threads a call may use (the calling one included);
 * no result depends on it. The TypeScript loop each one replaces, named in its comment, is its oracle.
 */
export interface NativeKernels extends EmbeddingKernels {
  readonly isa: Isa;
  /**
   * c[m, n] (+)= op(a)[m, k] · op(b)[k, n], row-major; `flags` combines GEMM_TRANS_A, GEMM_TRANS_B,
   * GEMM_ACCUMULATE. Results do not depend on `threads`.
   */
  gemm(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    n: number,
    k: number,
    flags: number,
    threads: number,
  ): void;
  /**
   * gemm on a libuv thread (plus the pool), settling when done, so JavaScript can prepare the next piece
   * of work meanwhile. Do not touch the three arrays until the promise settles. While it runs, other
   * native calls find the pool busy and run on their own thread alone. Bad arguments throw at once.
   */
  gemmAsync(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    n: number,
    k: number,
    flags: number,
    threads: number,
  ): Promise<void>;
  /** out[i] = f(x[i]) for i < x.length, f by UNARY_* (out may be x): activations.ts / elementwise.ts. */
  unary(op: number, x: Float32Array, out: Float32Array, threads: number): void;
  /** param[i] = f32(param[i] − learningRate·grad[i]), equal lengths: nn/kernels/optimizers.ts sgdUpdate. */
  sgdUpdate(param: Float32Array, grad: Float32Array, learningRate: number, threads: number): void;
  /** Σ x[i]² in float64: nn/kernels/optimizers.ts sumOfSquares. */
  sumOfSquares(x: Float32Array, threads: number): number;
  /** lse[r] = log Σ_c e^x[r, c] over [rows, cols]: softmax.ts logSumExpRows. */
  logSumExpRows(x: Float32Array, rows: number, cols: number, lse: Float64Array, threads: number): void;
  /** dx[r, c] = rowGrad[r] · (e^(x[r, c] − lse[r]) − [c = targets[r]]): softmax.ts sparseCrossEntropyBackward. */
  sparseCrossEntropyBackward(
    x: Float32Array,
    rows: number,
    cols: number,
    targets: Int32Array,
    lse: Float64Array,
    rowGrad: Float64Array,
    dx: Float32Array,
    threads: number,
  ): void;
  /**
   * The fused output layer + loss, forward (linear-cross-entropy.ts): logits [rows, n] ← e^(z − max_r)
   * with z = x·W + b (W [k, n], or stored [n, k] when wTransposed; bias may be null); stats [rows, 2]
   * ← (lse_r, 1/Σ_r) (NaN for a non-finite row, which keeps z); losses[r] ← lse_r − z[r, targets[r]].
   */
  linearCrossEntropyForward(
    x: Float32Array,
    w: Float32Array,
    wTransposed: boolean,
    bias: Float32Array | null,
    targets: Int32Array,
    logits: Float32Array,
    stats: Float64Array,
    losses: Float64Array,
    rows: number,
    k: number,
    n: number,
    threads: number,
  ): void;
  /**
   * Its backward: logits ← G = rowGradient · (softmax − onehot) in place; dx [rows, k] (+)= G·Wᵀ,
   * dw [k, n] (+)= xᵀ·G, db [n] = Σ_rows G; each output skipped when null.
   */
  linearCrossEntropyBackward(
    x: Float32Array,
    w: Float32Array,
    wTransposed: boolean,
    targets: Int32Array,
    logits: Float32Array,
    stats: Float64Array,
    rowGradient: number,
    dx: Float32Array | null,
    accumulateX: boolean,
    dw: Float32Array | null,
    accumulateW: boolean,
    db: Float32Array | null,
    rows: number,
    k: number,
    n: number,
    threads: number,
  ): void;
  /**
   * A whole LSTM layer forward (kernels/recurrent.ts lstmSequenceForwardLoop): xProj [batch, steps, 4H],
   * recurrent [H, 4H]; hs, cs [steps + 1, batch, H] hold h0, c0 first and receive every step's state;
   * tanhCells [steps, batch, H] and gates [steps, batch, 4H] (activated) are kept for backward.
   */
  lstmForward(
    xProj: Float32Array,
    recurrent: Float32Array,
    hs: Float32Array,
    cs: Float32Array,
    tanhCells: Float32Array,
    gates: Float32Array,
    batch: number,
    steps: number,
    units: number,
    threads: number,
  ): void;
  /**
   * Its backward (lstmSequenceBackwardLoop): gradOut [batch, steps + 1, H] (dL/dh_t, then dL/dc_last)
   * → dz [steps, batch, 4H], dh = dL/dh0 (when wantH0), dc = dL/dc0.
   */
  lstmBackward(
    recurrent: Float32Array,
    gates: Float32Array,
    cs: Float32Array,
    tanhCells: Float32Array,
    gradOut: Float32Array,
    dz: Float32Array,
    dh: Float32Array,
    dc: Float32Array,
    wantH0: boolean,
    batch: number,
    steps: number,
    units: number,
    threads: number,
  ): void;
  /**
   * A whole GRU layer forward (kernels/recurrent.ts gruSequenceForwardLoop): xProj [batch, steps, 3H],
   * recurrent [H, 3H], recurrentBias [3H]; hs [steps + 1, batch, H] holds h0 first and receives every
   * h_t; saved [steps, batch, 4H] receives [z | r | n | hn] per row.
   */
  gruForward(
    xProj: Float32Array,
    recurrent: Float32Array,
    recurrentBias: Float32Array,
    hs: Float32Array,
    saved: Float32Array,
    batch: number,
    steps: number,
    units: number,
    threads: number,
  ): void;
  /**
   * Its backward (gruSequenceBackwardLoop): gradOut [batch, steps, H] → dx and dhu [steps, batch, 3H]
   * (gradients of the input projection and of h·U + rb), dh = dL/dh0 (when wantH0).
   */
  gruBackward(
    recurrent: Float32Array,
    saved: Float32Array,
    hs: Float32Array,
    gradOut: Float32Array,
    dx: Float32Array,
    dhu: Float32Array,
    dh: Float32Array,
    wantH0: boolean,
    batch: number,
    steps: number,
    units: number,
    threads: number,
  ): void;
  /**
   * Convolution on channels-last images (kernels/conv.ts conv2dForwardLoop): geometry is [batch, height,
   * width, channels, kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW, filters];
   * y [batch, outH, outW, filters] ← im2col(x) · kernel [kernelH·kernelW·channels, filters] (+ bias), then
   * max(y, 0) when relu.
   */
  conv2dForward(
    geometry: Int32Array,
    x: Float32Array,
    kernel: Float32Array,
    bias: Float32Array | null,
    relu: boolean,
    y: Float32Array,
    threads: number,
  ): void;
  /**
   * Its backward (conv2dBackwardLoop): dx, dkernel, dbias from dy (masked by y > 0 when relu; y may be
   * null otherwise), each skipped when null.
   */
  conv2dBackward(
    geometry: Int32Array,
    x: Float32Array,
    kernel: Float32Array,
    relu: boolean,
    y: Float32Array | null,
    dy: Float32Array,
    dx: Float32Array | null,
    dkernel: Float32Array | null,
    dbias: Float32Array | null,
    threads: number,
  ): void;
  /**
   * Max pooling (maxPoolForwardLoop): geometry as above without filters; y [batch, outH, outW, channels]
   * ← each window's maximum over its pixels inside the image (the first maximum wins, a NaN wins), argmax
   * ← its index within the image.
   */
  maxPoolForward(
    geometry: Int32Array,
    x: Float32Array,
    y: Float32Array,
    argmax: Int32Array,
    threads: number,
  ): void;
  /** Its backward (maxPoolBackwardLoop): dx ← dy scattered to argmax (−1 skipped). */
  maxPoolBackward(
    geometry: Int32Array,
    dy: Float32Array,
    argmax: Int32Array,
    dx: Float32Array,
    threads: number,
  ): void;
}

interface Addon {
  info(): {
    isa: Isa;
    reason: string;
    supported: Isa[];
    threads: number;
    gemmTile: [number, number];
    cpu: Record<string, boolean>;
  };
  setThreads(threads: number): number;
  kernels: NativeKernels;
  tables: Partial<Record<Isa, NativeKernels>>;
}

/** What `verbo --version` reports: the path kernels take in this process, and why. */
export interface NativeStatus {
  /** 'native' when the addon is loaded, else 'typescript' (the plain loops). */
  path: 'native' | 'typescript';
  /** The instruction set in use (native only). */
  isa?: Isa;
  /** Every instruction set this CPU can run (native only), best first. */
  supported?: Isa[];
  /** Threads parallel kernels use. */
  threads: number;
  /** Why this path (and not a faster one), e.g. 'VERBO_ISA=avx2' or 'VERBO_NATIVE=0'; '' when best. */
  reason: string;
  /** CPU features the addon detected (native only). */
  cpu?: Record<string, boolean>;
}

/** The most threads verbo's kernels use. */
export const MAX_THREADS = 64;

interface Loaded {
  addon: Addon | null;
  reason: string;
  warned: boolean;
}

let loaded: Loaded | undefined;
let configuredThreads: number | undefined;

/** Where the addon is built (node-gyp's Release folder under the package root). */
export function addonPath(): string {
  return packagePath('build', 'Release', 'verbo.node');
}

function checkIsa(): void {
  const wanted = process.env.VERBO_ISA;
  if (wanted !== undefined && wanted !== '' && !ISAS.includes(wanted as Isa)) {
    throw new VerboError(
      `VERBO_ISA must be one of ${ISAS.join(', ')} (a ceiling on the kernels' instruction set), got '${wanted}'`,
      'BAD_ARGUMENT',
    );
  }
}

function load(): Loaded {
  if (loaded !== undefined) return loaded;
  checkIsa();
  if (process.env.VERBO_NATIVE === '0') {
    loaded = { addon: null, reason: 'VERBO_NATIVE=0', warned: true };
    return loaded;
  }
  const path = addonPath();
  if (!existsSync(path)) {
    const errorFile = packagePath('build', 'native-build-error.txt');
    const reason = existsSync(errorFile)
      ? `the build failed at install: ${readFileSync(errorFile, 'utf8').trim()}`
      : `${path} is missing (the install script did not run: e.g. npm's allowScripts policy or --ignore-scripts)`;
    loaded = { addon: null, reason, warned: false };
    return loaded;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as Addon;
    loaded = {
      addon,
      reason: addon.info().reason === 'VERBO_ISA' ? `VERBO_ISA=${process.env.VERBO_ISA}` : '',
      warned: true,
    };
  } catch (error) {
    loaded = { addon: null, reason: `loading ${path} failed: ${(error as Error).message}`, warned: false };
  }
  return loaded;
}

/**
 * The kernel table for this CPU (VERBO_ISA may name a lower one), or null when the addon is disabled or
 * unavailable. The first null for a reason other than VERBO_NATIVE=0 raises one process warning.
 */
export function nativeKernels(): NativeKernels | null {
  const state = load();
  if (state.addon === null && !state.warned) {
    state.warned = true;
    process.emitWarning(
      `verbo: the native kernels are not available (${state.reason}); running the slower TypeScript loops. ` +
        'To fix: install a C++ compiler, make and python3 (Debian/Ubuntu: apt-get install g++ make python3) ' +
        'and run `npm rebuild verbo`; VERBO_NATIVE=0 silences this.',
      { code: 'VERBO_NATIVE_UNAVAILABLE' },
    );
  }
  return state.addon?.kernels ?? null;
}

/** Every kernel table this CPU can run, by ISA, best first (empty when the addon is unavailable). */
export function nativeTables(): NativeKernels[] {
  const addon = load().addon;
  if (addon === null) return [];
  return addon
    .info()
    .supported.map((isa) => addon.tables[isa])
    .filter((table): table is NativeKernels => table !== undefined);
}

function checkThreads(count: number, source: string): number {
  if (!Number.isInteger(count) || count < 1) {
    throw new VerboError(
      `${source} must be a whole number of threads from 1 to ${MAX_THREADS}, got ${count}; e.g. VERBO_THREADS=2`,
      'BAD_ARGUMENT',
    );
  }
  return Math.min(count, MAX_THREADS);
}

/** VERBO_THREADS when set, else the number of cores this process may use. */
function defaultThreads(): number {
  const fromEnv = process.env.VERBO_THREADS;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return checkThreads(Number(fromEnv), 'VERBO_THREADS');
  return Math.min(availableParallelism(), MAX_THREADS);
}

/** The number of threads verbo's parallel kernels use (1 = the calling thread only). */
export function threadCount(): number {
  if (configuredThreads === undefined) configuredThreads = defaultThreads();
  return configuredThreads;
}

/** Sets the number of threads parallel kernels use; undefined goes back to VERBO_THREADS / the core count. */
export function setThreadCount(count: number | undefined): void {
  configuredThreads = count === undefined ? undefined : checkThreads(count, 'setThreadCount(count)');
  // The pool's own default (kernels are always passed a count; this keeps info() in step).
  if (configuredThreads !== undefined) loaded?.addon?.setThreads(configuredThreads);
}

/** The path kernels take in this process and why (for `verbo --version`). Loads the addon if needed. */
export function nativeStatus(): NativeStatus {
  const state = load();
  if (state.addon === null) return { path: 'typescript', threads: threadCount(), reason: state.reason };
  const info = state.addon.info();
  return {
    path: 'native',
    isa: info.isa,
    supported: info.supported,
    threads: threadCount(),
    reason: state.reason,
    cpu: info.cpu,
  };
}
