// Host side of the WebAssembly exact scan (scan.as.ts): keeps the unit-length rows in WebAssembly memory
// in the kernel's 8-row panel layout (copied in once when rows are added, never per query), runs single
// queries and blocked batches, and splits large scans with one persistent worker thread that shares the
// same WebAssembly.Memory (shared: true). A single query stays synchronous: the worker scans the second
// half of the panels while this thread scans the first, then this thread Atomics.wait's for it and merges
// the two heaps. A batch gives each thread half of every chunk of queries.
//
// Memory layout (bytes): [0, 64K) left to AssemblyScript | control block (256) | panels (grows in place)
// | scratch, recomputed per call: mask, queries, heaps of this thread, heaps of the worker.
import { availableParallelism } from 'node:os';
import { wasmModule } from '../../util/wasm.js';
import { DONE, KernelWorker, SCAN_SLOTS } from './kernel-worker.js';
import { heapPush } from './scan.js';

const PAGE = 65536;
const CONTROL = 65536;
const PANELS = CONTROL + 4096;
/** Queries per chunk given to the kernel (each thread takes half of a chunk). */
const CHUNK = 256;
/** Bytes of panels scanned by a group of queries before moving on (about an L2 cache's worth). */
const BLOCK_BYTES = 192 * 1024;
/** Longest wait for the worker before its share is done here instead (ms). */
const WORKER_TIMEOUT_MS = 20_000;

const { PARAMS, OP, RESULT, BATCH, HALF } = SCAN_SLOTS;
/** 2u + rounding slack: u = 2^-8 bounds |bfloat16 score − float score| for unit vectors (scan.as.ts). */
const HALF_MARGIN = 2 / 256 + 1e-4;

interface ScanExports {
  scanOne(...args: number[]): void;
  scanBatch(...args: number[]): void;
  scanOneHalf(...args: number[]): number;
}

export interface WasmScanOptions {
  /** Threads to scan with: 1 or 2 (default: 2 when the machine has 2 or more cores). */
  threads?: number;
  /** Scans smaller than this many multiply-adds (queries × rows × dim) stay on one thread (default 2^20). */
  parallelThreshold?: number;
  /**
   * Single queries first scan a bfloat16 copy of the matrix (half the memory traffic) and rescore the
   * few rows that can still be in the top k exactly (default true; results are exact either way).
   */
  halfPrecisionFilter?: boolean;
}

export class WasmScanner {
  readonly dim: number;
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: ScanExports;
  private readonly threads: number;
  private readonly parallelThreshold: number;
  private readonly halfPrecisionFilter: boolean;
  private halves!: Uint16Array;
  private candidateCapacity = 4096;
  private rowCount = 0;
  private panelCapacity = 0;
  private readonly worker: KernelWorker;
  private floats!: Float32Array;
  private ints!: Int32Array;
  private bytes!: Uint8Array;
  private control: Int32Array;

  constructor(dim: number, options: WasmScanOptions = {}) {
    this.dim = dim;
    this.threads = Math.max(1, Math.min(2, options.threads ?? Math.min(2, availableParallelism())));
    this.parallelThreshold = options.parallelThreshold ?? 1 << 20;
    this.halfPrecisionFilter = options.halfPrecisionFilter ?? true;
    this.memory = new WebAssembly.Memory({
      initial: Math.ceil(PANELS / PAGE) + 1,
      maximum: 65536,
      shared: true,
    });
    const instance = new WebAssembly.Instance(wasmModule('scan'), { env: { memory: this.memory } });
    this.kernel = instance.exports as unknown as ScanExports;
    this.worker = new KernelWorker('search/kernels/scan-worker.js', 'scan', this.memory, CONTROL);
    this.control = this.worker.control;
    this.refreshViews();
  }

  get rows(): number {
    return this.rowCount;
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    if (this.floats === undefined || this.floats.buffer.byteLength !== buffer.byteLength) {
      this.floats = new Float32Array(buffer);
      this.ints = new Int32Array(buffer);
      this.bytes = new Uint8Array(buffer);
      this.halves = new Uint16Array(buffer);
    }
  }

  private ensureBytes(total: number): void {
    const have = this.memory.buffer.byteLength;
    if (total > have) {
      const pages = Math.ceil((total - have) / PAGE);
      if (have / PAGE + pages > 65536) {
        throw new RangeError(`WasmScanner: ${total} bytes exceed WebAssembly's 4 GiB memory`);
      }
      this.memory.grow(pages);
    }
    this.refreshViews();
  }

  private get panelBytes(): number {
    return this.dim * 32;
  }

  /** Where the bfloat16 panels start: right after the float panels. */
  private get halfPanels(): number {
    return PANELS + this.panelCapacity * this.panelBytes;
  }

  /** Makes room for `count` rows: float panels, then bfloat16 panels (moved up when the float ones grow). */
  reserve(count: number): void {
    const panels = Math.ceil(count / 8);
    if (panels <= this.panelCapacity) return;
    const capacity = Math.max(panels, Math.ceil(this.panelCapacity * 1.5));
    const halfBytes = this.dim * 16;
    this.ensureBytes(PANELS + capacity * (this.panelBytes + halfBytes));
    const oldHalf = this.halfPanels;
    const oldCapacity = this.panelCapacity;
    this.panelCapacity = capacity;
    const newHalf = this.halfPanels;
    this.bytes.copyWithin(newHalf, oldHalf, oldHalf + oldCapacity * halfBytes);
    // new panels read as zeros (their padding lanes are scored and then ignored)
    this.bytes.fill(0, PANELS + oldCapacity * this.panelBytes, newHalf);
    this.bytes.fill(0, newHalf + oldCapacity * halfBytes, newHalf + capacity * halfBytes);
  }

  /** Copies rows [from, to) of a row-major matrix into the panels; the scanner then holds max(rows, to) rows. */
  writeRows(rows: Float32Array, from: number, to: number): void {
    this.reserve(to);
    const dim = this.dim;
    const floats = this.floats;
    const halves = this.halves;
    const base = PANELS >> 2;
    const halfBase = this.halfPanels >>> 1;
    for (let row = from; row < to; row++) {
      const offset = (row >> 3) * dim * 8 + (row & 7);
      const source = row * dim;
      for (let d = 0; d < dim; d++) {
        const value = rows[source + d]!;
        floats[base + offset + d * 8] = value;
        halves[halfBase + offset + d * 8] = toBfloat16(value);
      }
    }
    if (to > this.rowCount) this.rowCount = to;
  }

  /** Replaces all rows (after removals). */
  setRows(rows: Float32Array, count: number): void {
    this.reserve(count);
    this.bytes.fill(0, PANELS, this.halfPanels + this.panelCapacity * this.dim * 16);
    this.rowCount = 0;
    this.writeRows(rows, 0, count);
    this.rowCount = count;
  }

  /**
   * Top-k of each query (row-major, queryCount × dim, unit length) over all rows, optionally masked
   * (mask[id] = 0 skips a row). Returns heaps: k (score, id) slots per query, unsorted; id -1 = empty slot.
   */
  scan(
    queries: Float32Array,
    queryCount: number,
    k: number,
    mask: Uint8Array | undefined,
  ): { scores: Float32Array; ids: Int32Array } {
    const dim = this.dim;
    const scores = new Float32Array(queryCount * k);
    const ids = new Int32Array(queryCount * k);
    const chunk = Math.min(CHUNK, queryCount);
    // scratch layout after the panels
    const panelsEnd = this.halfPanels + this.panelCapacity * this.dim * 16;
    const maskAt = align(panelsEnd);
    const queriesAt = align(maskAt + (mask === undefined ? 0 : this.rowCount));
    const heapBytes = chunk * k * 4;
    const scoresAt = align(queriesAt + chunk * dim * 4);
    const idsAt = align(scoresAt + heapBytes);
    // the worker's heaps for a single query split by rows
    const workerScoresAt = align(idsAt + heapBytes);
    const workerIdsAt = align(workerScoresAt + k * 4);
    // candidate lists of the bfloat16 filter, one per thread
    const candidates = Math.max(this.candidateCapacity, 64 * k);
    const candidatesAt = align(workerIdsAt + k * 4);
    this.ensureBytes(candidatesAt + candidates * 16);
    if (mask !== undefined) this.bytes.set(mask.subarray(0, this.rowCount), maskAt);
    const maskArg = mask === undefined ? 0 : maskAt;
    const panelCount = Math.ceil(this.rowCount / 8);
    const panelBlock = Math.max(1, Math.floor(BLOCK_BYTES / this.panelBytes));
    const parallel = this.useWorker(queryCount * this.rowCount * dim);

    for (let start = 0; start < queryCount; start += chunk) {
      const count = Math.min(chunk, queryCount - start);
      this.floats.set(queries.subarray(start * dim, (start + count) * dim), queriesAt >>> 2);
      this.floats.fill(Number.NEGATIVE_INFINITY, scoresAt >>> 2, (scoresAt >>> 2) + count * k);
      this.ints.fill(-1, idsAt >>> 2, (idsAt >>> 2) + count * k);
      if (count === 1 && this.halfPrecisionFilter) {
        const scratch = {
          scoresAt,
          idsAt,
          workerScoresAt,
          workerIdsAt,
          candidatesAt,
          candidates,
          maskArg,
          queriesAt,
        };
        if (!this.scanHalf(k, panelCount, parallel, scratch)) {
          // too many candidates (near-duplicate rows): the float scan, on this thread
          this.floats.fill(Number.NEGATIVE_INFINITY, scoresAt >>> 2, (scoresAt >>> 2) + k);
          this.ints.fill(-1, idsAt >>> 2, (idsAt >>> 2) + k);
          this.kernel.scanOne(
            PANELS,
            this.rowCount,
            dim,
            queriesAt,
            k,
            scoresAt,
            idsAt,
            maskArg,
            0,
            panelCount,
          );
          this.candidateCapacity = Math.min(1 << 20, this.candidateCapacity * 4);
        }
      } else if (count === 1) {
        if (parallel) {
          const half = Math.ceil(panelCount / 16) * 8; // split on a multiple of 8 panels
          this.floats.fill(Number.NEGATIVE_INFINITY, workerScoresAt >>> 2, (workerScoresAt >>> 2) + k);
          this.ints.fill(-1, workerIdsAt >>> 2, (workerIdsAt >>> 2) + k);
          const request = this.post([
            PANELS,
            this.rowCount,
            dim,
            queriesAt,
            1,
            k,
            workerScoresAt,
            workerIdsAt,
            maskArg,
            half,
            panelCount,
            panelBlock,
          ]);
          this.kernel.scanOne(PANELS, this.rowCount, dim, queriesAt, k, scoresAt, idsAt, maskArg, 0, half);
          if (this.awaitWorker(request)) {
            for (let i = 0; i < k; i++) {
              const id = this.ints[(workerIdsAt >>> 2) + i]!;
              if (id >= 0)
                heapPush(
                  this.floats,
                  this.ints,
                  scoresAt >>> 2,
                  k,
                  this.floats[(workerScoresAt >>> 2) + i]!,
                  id,
                  idsAt >>> 2,
                );
            }
          } else {
            this.kernel.scanOne(
              PANELS,
              this.rowCount,
              dim,
              queriesAt,
              k,
              scoresAt,
              idsAt,
              maskArg,
              half,
              panelCount,
            );
          }
        } else {
          this.kernel.scanOne(
            PANELS,
            this.rowCount,
            dim,
            queriesAt,
            k,
            scoresAt,
            idsAt,
            maskArg,
            0,
            panelCount,
          );
        }
      } else if (parallel) {
        const mine = count >> 1;
        const theirs = count - mine;
        const request = this.post([
          PANELS,
          this.rowCount,
          dim,
          queriesAt + mine * dim * 4,
          theirs,
          k,
          scoresAt + mine * k * 4,
          idsAt + mine * k * 4,
          maskArg,
          0,
          panelCount,
          panelBlock,
        ]);
        this.kernel.scanBatch(
          PANELS,
          this.rowCount,
          dim,
          queriesAt,
          mine,
          k,
          scoresAt,
          idsAt,
          maskArg,
          0,
          panelCount,
          panelBlock,
        );
        if (!this.awaitWorker(request)) {
          this.floats.fill(
            Number.NEGATIVE_INFINITY,
            (scoresAt >>> 2) + mine * k,
            (scoresAt >>> 2) + count * k,
          );
          this.ints.fill(-1, (idsAt >>> 2) + mine * k, (idsAt >>> 2) + count * k);
          this.kernel.scanBatch(
            PANELS,
            this.rowCount,
            dim,
            queriesAt + mine * dim * 4,
            theirs,
            k,
            scoresAt + mine * k * 4,
            idsAt + mine * k * 4,
            maskArg,
            0,
            panelCount,
            panelBlock,
          );
        }
      } else {
        this.kernel.scanBatch(
          PANELS,
          this.rowCount,
          dim,
          queriesAt,
          count,
          k,
          scoresAt,
          idsAt,
          maskArg,
          0,
          panelCount,
          panelBlock,
        );
      }
      scores.set(this.floats.subarray(scoresAt >>> 2, (scoresAt >>> 2) + count * k), start * k);
      ids.set(this.ints.subarray(idsAt >>> 2, (idsAt >>> 2) + count * k), start * k);
    }
    return { scores, ids };
  }

  /**
   * One query through the bfloat16 filter: both threads (or this one) collect candidates and a heap of
   * bfloat16 scores; the k-th best of the merged heaps sets the final cut; candidates above it minus
   * the margin are rescored from the float panels into this thread's heap. False when a list overflowed.
   */
  private scanHalf(
    k: number,
    panelCount: number,
    parallel: boolean,
    at: {
      scoresAt: number;
      idsAt: number;
      workerScoresAt: number;
      workerIdsAt: number;
      candidatesAt: number;
      candidates: number;
      maskArg: number;
      queriesAt: number;
    },
  ): boolean {
    const dim = this.dim;
    const capacity = at.candidates;
    const mineScores = at.candidatesAt;
    const mineIds = mineScores + capacity * 4;
    const theirScores = mineIds + capacity * 4;
    const theirIds = theirScores + capacity * 4;
    let split = panelCount;
    let request = -1;
    if (parallel) {
      split = Math.ceil(panelCount / 16) * 8;
      this.floats.fill(Number.NEGATIVE_INFINITY, at.workerScoresAt >>> 2, (at.workerScoresAt >>> 2) + k);
      this.ints.fill(-1, at.workerIdsAt >>> 2, (at.workerIdsAt >>> 2) + k);
      request = this.post(
        [
          this.halfPanels,
          this.rowCount,
          dim,
          at.queriesAt,
          k,
          at.workerScoresAt,
          at.workerIdsAt,
          at.maskArg,
          split,
          panelCount,
          HALF_MARGIN,
          theirScores,
          theirIds,
          capacity,
        ],
        HALF,
      );
    }
    const mine = this.kernel.scanOneHalf(
      this.halfPanels,
      this.rowCount,
      dim,
      at.queriesAt,
      k,
      at.scoresAt,
      at.idsAt,
      at.maskArg,
      0,
      split,
      HALF_MARGIN,
      mineScores,
      mineIds,
      capacity,
    );
    let theirs = 0;
    if (parallel) {
      if (this.awaitWorker(request)) {
        theirs = Atomics.load(this.control, RESULT);
        for (let i = 0; i < k; i++) {
          const id = this.ints[(at.workerIdsAt >>> 2) + i]!;
          if (id >= 0)
            heapPush(
              this.floats,
              this.ints,
              at.scoresAt >>> 2,
              k,
              this.floats[(at.workerScoresAt >>> 2) + i]!,
              id,
              at.idsAt >>> 2,
            );
        }
      } else {
        theirs = this.kernel.scanOneHalf(
          this.halfPanels,
          this.rowCount,
          dim,
          at.queriesAt,
          k,
          at.scoresAt,
          at.idsAt,
          at.maskArg,
          split,
          panelCount,
          HALF_MARGIN,
          theirScores,
          theirIds,
          capacity,
        );
      }
    }
    if (mine < 0 || theirs < 0) return false;
    // the final cut: k-th best bfloat16 score (−inf when fewer than k rows qualified)
    const cut = this.floats[at.scoresAt >>> 2]! - HALF_MARGIN;
    this.floats.fill(Number.NEGATIVE_INFINITY, at.scoresAt >>> 2, (at.scoresAt >>> 2) + k);
    this.ints.fill(-1, at.idsAt >>> 2, (at.idsAt >>> 2) + k);
    const floats = this.floats;
    const ints = this.ints;
    const query = at.queriesAt >>> 2;
    const panels = PANELS >> 2;
    for (let list = 0; list < 2; list++) {
      const scoresAt = (list === 0 ? mineScores : theirScores) >>> 2;
      const idsAt = (list === 0 ? mineIds : theirIds) >>> 2;
      const length = list === 0 ? mine : theirs;
      for (let i = 0; i < length; i++) {
        if (!(floats[scoresAt + i]! >= cut)) continue;
        const id = ints[idsAt + i]!;
        const row = panels + (id >> 3) * dim * 8 + (id & 7);
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += floats[query + d]! * floats[row + d * 8]!;
        heapPush(floats, ints, at.scoresAt >>> 2, k, dot, id, at.idsAt >>> 2);
      }
    }
    return true;
  }

  /** Whether this scan should be shared with the worker; starts it (lazily) the first time. */
  private useWorker(work: number): boolean {
    if (this.threads < 2 || work < this.parallelThreshold) return false;
    return this.worker.available();
  }

  private post(params: number[], op: number = BATCH): number {
    const words = new Uint32Array(this.memory.buffer, CONTROL, 64);
    for (let i = 0; i < params.length; i++) words[PARAMS + i] = params[i]!;
    if (op === HALF) new Float32Array(this.memory.buffer, CONTROL, 64)[PARAMS + 10] = params[10]!;
    words[OP] = op;
    return this.worker.post();
  }

  /** Waits for the worker to finish `request`; false (and the worker is retired) if it did not in time. */
  private awaitWorker(request: number): boolean {
    const started = Date.now();
    for (;;) {
      const done = Atomics.load(this.control, DONE);
      if (done === request) return true;
      const left = WORKER_TIMEOUT_MS - (Date.now() - started);
      if (left <= 0) break;
      Atomics.wait(this.control, DONE, done, left);
    }
    this.worker.stop();
    return false;
  }

  /**
   * Starts the worker now (instead of at the first large scan) and resolves once it is ready; resolves
   * false when this scanner runs on one thread (threads 1, worker script not built, or worker failed).
   */
  async warmUp(timeoutMs = 10_000): Promise<boolean> {
    return this.threads >= 2 && this.worker.warmUp(timeoutMs);
  }

  /** Whether scans may currently be shared with a ready worker. */
  get parallelReady(): boolean {
    return this.threads >= 2 && this.worker.ready;
  }

  /** Stops the worker thread (it is unref'd, so this is only needed to free it early). */
  close(): void {
    this.worker.stop();
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

const bitsOfFloat = new Float32Array(1);
const bitsOfFloatAsInt = new Uint32Array(bitsOfFloat.buffer);

/** float32 → bfloat16 bits, rounding to nearest even (inputs are finite). */
function toBfloat16(value: number): number {
  bitsOfFloat[0] = value;
  const bits = bitsOfFloatAsInt[0]!;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}
