// Convolution and max pooling over channels-last images x [batch, height, width, channels] (Keras'
// default layout). Window (oy, ox) covers rows oy·strideH − padTop + [0, kernelH) and columns
// ox·strideW − padLeft + [0, kernelW); positions outside the image read 0 (convolution) or are skipped
// (pooling). A convolution is im2col (every window as one row of `cols`) + one matmul with the kernel
// [kernelH·kernelW·channels, filters]; its input gradient is col2im (the adjoint) of dy·kernelᵀ, its kernel
// gradient colsᵀ·dy.
// The plain loops (`…Loop`) are the oracle and the fallback. `conv2dForward`, `conv2dBackward`,
// `maxPoolForward` and `maxPoolBackward` run the native kernels (native/conv.cc) when available: they
// never build the whole cols matrix — each task forms the windows of a chunk of rows (an image, in
// backward) and multiplies them at once — and run on the addon's threads.
import { nativeKernels, threadCount } from '../../native/index.js';
import { matmulReference } from './matmul.js';

/** The sizes of one windowed op; out sizes and padding are worked out by the op (ops/conv.ts). */
export interface WindowGeometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/** Below this many values moved the plain loop is as fast as a call into the addon. */
export const NATIVE_MIN_VALUES = 256;

/** The geometry as the native kernels take it (native/kernels.h WindowArgs order), then `filters`. */
export function packedGeometry(g: WindowGeometry, filters?: number): Int32Array {
  const values = [
    g.batch,
    g.height,
    g.width,
    g.channels,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padTop,
    g.padLeft,
    g.outH,
    g.outW,
  ];
  if (filters !== undefined) values.push(filters);
  return Int32Array.from(values);
}

/** Window offsets k in [first, last) for which start + k lies in [0, extent). */
function inside(start: number, size: number, extent: number): [number, number] {
  const first = start < 0 ? -start : 0;
  const last = Math.min(size, extent - start);
  return [first, Math.max(first, last)];
}

/** Values a windowed pass touches (the im2col matrix's size): decides native or plain. */
function windowValues(g: WindowGeometry): number {
  return g.batch * g.outH * g.outW * g.kernelH * g.kernelW * g.channels;
}

/** One window, as the loops below see it. */
interface Window {
  /** Output position, counted over (batch, outH, outW). */
  index: number;
  /** Where the image starts in x. */
  image: number;
  /** Top-left corner (may lie outside the image). */
  y0: number;
  x0: number;
  /** Window rows [yFirst, yLast) and columns [xFirst, xLast) that lie inside the image. */
  yFirst: number;
  yLast: number;
  xFirst: number;
  xLast: number;
}

/** Calls visit once per window, in output order (one reused object). */
function eachWindow(g: WindowGeometry, visit: (w: Window) => void): void {
  const w: Window = { index: 0, image: 0, y0: 0, x0: 0, yFirst: 0, yLast: 0, xFirst: 0, xLast: 0 };
  for (let b = 0; b < g.batch; b++) {
    w.image = b * g.height * g.width * g.channels;
    for (let oy = 0; oy < g.outH; oy++) {
      w.y0 = oy * g.strideH - g.padTop;
      [w.yFirst, w.yLast] = inside(w.y0, g.kernelH, g.height);
      for (let ox = 0; ox < g.outW; ox++, w.index++) {
        w.x0 = ox * g.strideW - g.padLeft;
        [w.xFirst, w.xLast] = inside(w.x0, g.kernelW, g.width);
        visit(w);
      }
    }
  }
}

/** cols[(b, oy, ox), (ky, kx, c)] = x[b, iy, ix, c], 0 outside the image. cols is overwritten. */
export function im2colLoop(g: WindowGeometry, x: Float32Array, cols: Float32Array): void {
  const C = g.channels;
  const rowRun = g.kernelW * C;
  cols.fill(0, 0, windowValues(g));
  eachWindow(g, (w) => {
    const run = (w.xLast - w.xFirst) * C;
    for (let ky = w.yFirst; ky < w.yLast; ky++) {
      const src = w.image + ((w.y0 + ky) * g.width + w.x0 + w.xFirst) * C;
      cols.set(x.subarray(src, src + run), (w.index * g.kernelH + ky) * rowRun + w.xFirst * C);
    }
  });
}

/** dx = the adjoint of im2col: every cols value added to the pixel it was read from. */
export function col2imLoop(g: WindowGeometry, cols: Float32Array, dx: Float32Array): void {
  const C = g.channels;
  const rowRun = g.kernelW * C;
  dx.fill(0, 0, g.batch * g.height * g.width * C);
  eachWindow(g, (w) => {
    const run = (w.xLast - w.xFirst) * C;
    for (let ky = w.yFirst; ky < w.yLast; ky++) {
      const src = (w.index * g.kernelH + ky) * rowRun + w.xFirst * C;
      const dst = w.image + ((w.y0 + ky) * g.width + w.x0 + w.xFirst) * C;
      for (let i = 0; i < run; i++) dx[dst + i]! += cols[src + i]!;
    }
  });
}

/**
 * y[b, oy, ox, c] = the maximum over the window's pixels inside the image (the first in window order;
 * a NaN wins, and nothing after it), argmax = its index (iy·width + ix)·channels + c within the image;
 * a window with no pixel gives −∞ and −1.
 */
export function maxPoolForwardLoop(
  g: WindowGeometry,
  x: Float32Array,
  y: Float32Array,
  argmax: Int32Array,
): void {
  const C = g.channels;
  eachWindow(g, (w) => {
    const out = w.index * C;
    for (let c = 0; c < C; c++) {
      let best = Number.NEGATIVE_INFINITY;
      let where = -1;
      for (let ky = w.yFirst; ky < w.yLast && !(where >= 0 && Number.isNaN(best)); ky++) {
        for (let kx = w.xFirst; kx < w.xLast; kx++) {
          const pixel = ((w.y0 + ky) * g.width + w.x0 + kx) * C + c;
          const v = x[w.image + pixel]!;
          if (where < 0 || v > best || Number.isNaN(v)) {
            best = v;
            where = pixel;
            if (Number.isNaN(v)) break;
          }
        }
      }
      y[out + c] = best;
      argmax[out + c] = where;
    }
  });
}

/** dx = dy scattered to argmax (within each image; −1 is skipped). */
export function maxPoolBackwardLoop(
  g: WindowGeometry,
  dy: Float32Array,
  argmax: Int32Array,
  dx: Float32Array,
): void {
  const imageSize = g.height * g.width * g.channels;
  const perImage = g.outH * g.outW * g.channels;
  dx.fill(0, 0, g.batch * imageSize);
  for (let b = 0; b < g.batch; b++) {
    for (let i = b * perImage; i < (b + 1) * perImage; i++) {
      const where = argmax[i]!;
      if (where >= 0) dx[b * imageSize + where]! += dy[i]!;
    }
  }
}

/**
 * y [batch·outH·outW, filters] = im2col(x) · kernel [kernelH·kernelW·channels, filters], plus bias per row
 * when given, then max(y, 0) when relu (NaN stays NaN).
 */
export function conv2dForwardLoop(
  g: WindowGeometry,
  x: Float32Array,
  kernel: Float32Array,
  bias: Float32Array | null,
  relu: boolean,
  y: Float32Array,
): void {
  const filters = kernel.length / (g.kernelH * g.kernelW * g.channels);
  const rows = g.batch * g.outH * g.outW;
  const patch = g.kernelH * g.kernelW * g.channels;
  const cols = new Float32Array(rows * patch);
  im2colLoop(g, x, cols);
  if (bias) for (let r = 0; r < rows; r++) y.set(bias.subarray(0, filters), r * filters);
  matmulReference(cols, kernel, y, rows, filters, patch, { accumulate: bias !== null });
  if (relu) for (let i = 0; i < rows * filters; i++) y[i] = Math.max(y[i]!, 0);
}

/**
 * From dy (times [y > 0] when relu, y the forward's output): dx = col2im(dy · kernelᵀ),
 * dkernel = im2col(x)ᵀ · dy, dbias = Σ_rows dy; each skipped when null.
 */
export function conv2dBackwardLoop(
  g: WindowGeometry,
  x: Float32Array,
  kernel: Float32Array,
  relu: boolean,
  y: Float32Array | null,
  gradient: Float32Array,
  dx: Float32Array | null,
  dkernel: Float32Array | null,
  dbias: Float32Array | null,
): void {
  const patch = g.kernelH * g.kernelW * g.channels;
  const filters = kernel.length / patch;
  const rows = g.batch * g.outH * g.outW;
  const dy = relu ? gradient.map((v, i) => (y![i]! > 0 ? v : 0)) : gradient;
  const cols = new Float32Array(rows * patch);
  if (dkernel) {
    im2colLoop(g, x, cols);
    matmulReference(cols, dy, dkernel, patch, filters, rows, { transA: true });
  }
  if (dbias) {
    dbias.fill(0, 0, filters);
    for (let r = 0; r < rows; r++) for (let f = 0; f < filters; f++) dbias[f]! += dy[r * filters + f]!;
  }
  if (dx) {
    matmulReference(dy, kernel, cols, rows, patch, filters, { transB: true });
    col2imLoop(g, cols, dx);
  }
}

// ---- the entry points the ops call --------------------------------------------------------------

export function conv2dForward(
  g: WindowGeometry,
  x: Float32Array,
  kernel: Float32Array,
  bias: Float32Array | null,
  relu: boolean,
  y: Float32Array,
): void {
  const native = windowValues(g) >= NATIVE_MIN_VALUES ? nativeKernels() : null;
  const filters = kernel.length / (g.kernelH * g.kernelW * g.channels);
  if (native !== null)
    native.conv2dForward(packedGeometry(g, filters), x, kernel, bias, relu, y, threadCount());
  else conv2dForwardLoop(g, x, kernel, bias, relu, y);
}

export function conv2dBackward(
  g: WindowGeometry,
  x: Float32Array,
  kernel: Float32Array,
  relu: boolean,
  y: Float32Array | null,
  dy: Float32Array,
  dx: Float32Array | null,
  dkernel: Float32Array | null,
  dbias: Float32Array | null,
): void {
  const native = windowValues(g) >= NATIVE_MIN_VALUES ? nativeKernels() : null;
  const filters = kernel.length / (g.kernelH * g.kernelW * g.channels);
  if (native !== null) {
    native.conv2dBackward(
      packedGeometry(g, filters),
      x,
      kernel,
      relu,
      y,
      dy,
      dx,
      dkernel,
      dbias,
      threadCount(),
    );
  } else conv2dBackwardLoop(g, x, kernel, relu, y, dy, dx, dkernel, dbias);
}

export function maxPoolForward(
  g: WindowGeometry,
  x: Float32Array,
  y: Float32Array,
  argmax: Int32Array,
): void {
  const native = windowValues(g) >= NATIVE_MIN_VALUES ? nativeKernels() : null;
  if (native !== null) native.maxPoolForward(packedGeometry(g), x, y, argmax, threadCount());
  else maxPoolForwardLoop(g, x, y, argmax);
}

export function maxPoolBackward(
  g: WindowGeometry,
  dy: Float32Array,
  argmax: Int32Array,
  dx: Float32Array,
): void {
  const native = windowValues(g) >= NATIVE_MIN_VALUES ? nativeKernels() : null;
  if (native !== null) native.maxPoolBackward(packedGeometry(g), dy, argmax, dx, threadCount());
  else maxPoolBackwardLoop(g, dy, argmax, dx);
}
