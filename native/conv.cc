// 2-D convolution and max pooling on channels-last images (compiled once per ISA; see WindowArgs in
// kernels.h; src/tensor/kernels/conv.ts holds the plain loops these replace, the oracle).
// A convolution is im2col + GEMM, but the whole im2col matrix is never built: forward cuts the output
// rows into chunks of about 64 KiB of windows, and each task forms its chunk's windows in its own scratch
// and multiplies them by the kernel at once (gemm.cc on one thread), bias and relu included. Backward
// works per image: its dy (masked by relu's derivative when fused), its windows again, its share of the
// kernel and bias gradients (partials summed in image order at the end), and dx = col2im(dy·Kᵀ), which
// only that task writes. Channels-last makes each window row one contiguous run of (columns inside the
// image) × channels values. Pooling splits forward by output rows and backward by images. Every output
// value is computed by one task in a fixed order: results never depend on the thread count.
#include <cmath>
#include <cstring>

#include "families.h"
#include "pool.h"

namespace verbo {
namespace VERBO_NS {
namespace {

/** Below this many values moved the work stays on the calling thread. */
constexpr ptrdiff_t kParallelMinValues = 1 << 15;

struct Span {
  int first, last;  // window offsets [first, last) that land inside the image
};

/** The offsets k of a window starting at `start` (k in [0, size)) with start + k in [0, extent). */
inline Span inside(int start, int size, int extent) {
  int first = start < 0 ? -start : 0;
  int last = extent - start < size ? extent - start : size;
  if (last < first) last = first;
  return {first, last};
}

inline int tasks_for(const WindowArgs& a, ptrdiff_t values, int units) {
  if (a.threads <= 1 || values < kParallelMinValues) return 1;
  int tasks = 4 * a.threads;
  return tasks < units ? tasks : units;
}

/** Units [first, last) of `units` when cut into `tasks` equal tasks. */
inline void share(int units, int task, int tasks, int* first, int* last) {
  *first = static_cast<int>(static_cast<int64_t>(units) * task / tasks);
  *last = static_cast<int>(static_cast<int64_t>(units) * (task + 1) / tasks);
}

struct Job {
  const WindowArgs* args;
  int tasks;
  float* partials;       // conv backward: per image, [patch, filters] of the kernel gradient, then [filters]
  ptrdiff_t partialSize;
};

ptrdiff_t image_size(const WindowArgs& a) { return static_cast<ptrdiff_t>(a.height) * a.width * a.channels; }

// ---- convolution -----------------------------------------------------------------------------------

/** cols[r − first, :] = the window of output position r (flattened over batch, outH, outW), r in [first, last). */
void im2col_range(const WindowArgs& a, ptrdiff_t first, ptrdiff_t last, float* __restrict cols) {
  const ptrdiff_t C = a.channels, rowRun = static_cast<ptrdiff_t>(a.kernelW) * C, patch = a.kernelH * rowRun;
  const ptrdiff_t perImage = static_cast<ptrdiff_t>(a.outH) * a.outW;
  // Runs are short (a 3×3 window over one channel copies 3 values per row): plain loops, not memcpy calls.
  for (ptrdiff_t r = first; r < last; r++) {
    const ptrdiff_t b = r / perImage, oy = (r % perImage) / a.outW, ox = r % a.outW;
    const float* __restrict image = a.x + b * image_size(a);
    const int y0 = static_cast<int>(oy) * a.strideH - a.padTop, x0 = static_cast<int>(ox) * a.strideW - a.padLeft;
    const Span ys = inside(y0, a.kernelH, a.height), xs = inside(x0, a.kernelW, a.width);
    const ptrdiff_t before = xs.first * C, end = xs.last * C;
    float* __restrict out = cols + (r - first) * patch;
    for (int ky = 0; ky < a.kernelH; ky++) {
      float* __restrict dst = out + ky * rowRun;
      if (ky < ys.first || ky >= ys.last) {
        for (ptrdiff_t i = 0; i < rowRun; i++) dst[i] = 0.0f;
        continue;
      }
      const float* __restrict src = image + (static_cast<ptrdiff_t>(y0 + ky) * a.width + x0 + xs.first) * C;
      for (ptrdiff_t i = 0; i < before; i++) dst[i] = 0.0f;
      for (ptrdiff_t i = before; i < end; i++) dst[i] = src[i - before];
      for (ptrdiff_t i = end; i < rowRun; i++) dst[i] = 0.0f;
    }
  }
}

/** dx of image b = the adjoint of im2col of its windows: each cols value added to the pixel it was read from. */
void col2im_image(const WindowArgs& a, const float* __restrict cols, float* __restrict image) {
  const ptrdiff_t C = a.channels, rowRun = static_cast<ptrdiff_t>(a.kernelW) * C, patch = a.kernelH * rowRun;
  std::memset(image, 0, sizeof(float) * image_size(a));
  for (int oy = 0; oy < a.outH; oy++) {
    const int y0 = oy * a.strideH - a.padTop;
    const Span ys = inside(y0, a.kernelH, a.height);
    for (int ox = 0; ox < a.outW; ox++) {
      const float* in = cols + (static_cast<ptrdiff_t>(oy) * a.outW + ox) * patch;
      const int x0 = ox * a.strideW - a.padLeft;
      const Span xs = inside(x0, a.kernelW, a.width);
      const ptrdiff_t run = (xs.last - xs.first) * C;
      for (int ky = ys.first; ky < ys.last; ky++) {
        const float* __restrict src = in + ky * rowRun + xs.first * C;
        float* __restrict dst = image + (static_cast<ptrdiff_t>(y0 + ky) * a.width + x0 + xs.first) * C;
        for (ptrdiff_t i = 0; i < run; i++) dst[i] += src[i];
      }
    }
  }
}

inline ptrdiff_t patch_of(const WindowArgs& a) { return static_cast<ptrdiff_t>(a.kernelH) * a.kernelW * a.channels; }
inline ptrdiff_t rows_of(const WindowArgs& a) { return static_cast<ptrdiff_t>(a.batch) * a.outH * a.outW; }

/** Output rows per forward task: about 64 KiB of cols, so a task's cols stay in L2 for its product. */
inline ptrdiff_t forward_chunk(const WindowArgs& a) {
  ptrdiff_t rows = (ptrdiff_t{1} << 14) / patch_of(a);
  return rows < 64 ? 64 : rows;
}

/** y rows of chunk `task`: the bias, then + cols · kernel (one product over the whole patch), then relu. */
void conv_forward_chunk(void* context, int task) {
  const WindowArgs& a = *static_cast<const Job*>(context)->args;
  const ptrdiff_t patch = patch_of(a), chunk = forward_chunk(a), F = a.filters;
  const ptrdiff_t first = task * chunk, last = first + chunk < rows_of(a) ? first + chunk : rows_of(a);
  float* y = a.y + first * F;
  float* cols = thread_scratch(2, sizeof(float) * chunk * patch);
  im2col_range(a, first, last, cols);
  if (a.bias != nullptr)
    for (ptrdiff_t r = 0; r < last - first; r++) std::memcpy(y + r * F, a.bias, sizeof(float) * F);
  GemmArgs product{static_cast<int>(last - first), a.filters, static_cast<int>(patch), cols, patch, 1, a.kernel,
                   F, 1, y, F, a.bias != nullptr, 1};
  gemm(product);
  if (a.relu) {
    float* __restrict v = y;
    // NaN stays NaN (as Math.max(v, 0) and the unary relu kernel do).
    for (ptrdiff_t i = 0, n = (last - first) * F; i < n; i++) v[i] = v[i] > 0.0f ? v[i] : (v[i] != v[i] ? v[i] : 0.0f);
  }
}

/**
 * Image `task` of the backward pass: its dy (times relu's derivative, read from y, when fused), its
 * windows' share of the kernel and bias gradients (partials, summed in image order afterwards) and its
 * input gradient (dy·Kᵀ, then col2im).
 */
void conv_backward_image(void* context, int task) {
  const Job& job = *static_cast<const Job*>(context);
  const WindowArgs& a = *job.args;
  const ptrdiff_t patch = patch_of(a), F = a.filters, P = static_cast<ptrdiff_t>(a.outH) * a.outW;
  // One scratch block: the image's windows (or their gradient), then its dy masked by relu's derivative.
  const ptrdiff_t colsSize = P * patch;
  float* cols = thread_scratch(2, sizeof(float) * (colsSize + (a.relu ? P * F : 0)));
  const float* dy = a.dy + task * P * F;
  if (a.relu) {
    const float* __restrict y = a.y + task * P * F;
    const float* __restrict g = dy;
    float* __restrict masked = cols + colsSize;
    for (ptrdiff_t i = 0; i < P * F; i++) masked[i] = y[i] > 0.0f ? g[i] : 0.0f;
    dy = masked;
  }
  if (a.dkernel != nullptr) {
    im2col_range(a, task * P, (task + 1) * P, cols);
    GemmArgs product{static_cast<int>(patch), a.filters, static_cast<int>(P), cols, 1, patch, dy, F, 1,
                     job.partials + task * job.partialSize, F, false, 1};
    gemm(product);
  }
  if (a.dbias != nullptr) {
    float* __restrict db = job.partials + task * job.partialSize + (a.dkernel != nullptr ? patch * F : 0);
    for (ptrdiff_t f = 0; f < F; f++) db[f] = 0.0f;
    for (ptrdiff_t r = 0; r < P; r++)
      for (ptrdiff_t f = 0; f < F; f++) db[f] += dy[r * F + f];
  }
  if (a.dx != nullptr) {
    GemmArgs product{static_cast<int>(P), static_cast<int>(patch), a.filters, dy, F, 1, a.kernel, 1, F, cols,
                     patch, false, 1};
    gemm(product);
    col2im_image(a, cols, a.dx + task * image_size(a));
  }
}

// ---- max pooling -----------------------------------------------------------------------------------

/** y and argmax of output rows [first, last) of the flattened (batch, outH) axis. */
void max_pool_rows(void* context, int task) {
  const Job& job = *static_cast<const Job*>(context);
  const WindowArgs& a = *job.args;
  const int C = a.channels;
  int first, last;
  share(a.batch * a.outH, task, job.tasks, &first, &last);
  for (int row = first; row < last; row++) {
    const int b = row / a.outH, oy = row % a.outH;
    const float* image = a.x + b * image_size(a);
    const int y0 = oy * a.strideH - a.padTop;
    const Span ys = inside(y0, a.kernelH, a.height);
    for (int ox = 0; ox < a.outW; ox++) {
      float* __restrict best = a.y + (static_cast<ptrdiff_t>(row) * a.outW + ox) * C;
      int32_t* __restrict where = a.argmax + (static_cast<ptrdiff_t>(row) * a.outW + ox) * C;
      const int x0 = ox * a.strideW - a.padLeft;
      const Span xs = inside(x0, a.kernelW, a.width);
      if (ys.first == ys.last || xs.first == xs.last) {  // a window with no pixel (not reachable by 'same')
        for (int c = 0; c < C; c++) {
          best[c] = -INFINITY;
          where[c] = -1;
        }
        continue;
      }
      bool started = false;
      for (int ky = ys.first; ky < ys.last; ky++) {
        for (int kx = xs.first; kx < xs.last; kx++) {
          const int32_t pixel = ((y0 + ky) * a.width + x0 + kx) * C;
          const float* __restrict v = image + pixel;
          if (!started) {
            for (int c = 0; c < C; c++) {
              best[c] = v[c];
              where[c] = pixel + c;
            }
            started = true;
            continue;
          }
          // The first maximum in window order wins; so does the first NaN (and nothing after it).
          for (int c = 0; c < C; c++) {
            const float current = best[c], value = v[c];
            const bool take = value > current || (value != value && current == current);
            best[c] = take ? value : current;
            where[c] = take ? pixel + c : where[c];
          }
        }
      }
    }
  }
}

/** dx of images [first, last): each dy value added to the input its window's maximum came from. */
void max_pool_backward_images(void* context, int task) {
  const Job& job = *static_cast<const Job*>(context);
  const WindowArgs& a = *job.args;
  const ptrdiff_t perImage = static_cast<ptrdiff_t>(a.outH) * a.outW * a.channels;
  int first, last;
  share(a.batch, task, job.tasks, &first, &last);
  for (int b = first; b < last; b++) {
    float* image = a.dx + b * image_size(a);
    std::memset(image, 0, sizeof(float) * image_size(a));
    const float* dy = a.dy + b * perImage;
    const int32_t* where = a.argmax + b * perImage;
    for (ptrdiff_t i = 0; i < perImage; i++)
      if (where[i] >= 0) image[where[i]] += dy[i];
  }
}

}  // namespace

void conv2d_forward(const WindowArgs& a) {
  const ptrdiff_t rows = rows_of(a), chunk = forward_chunk(a);
  Job job{&a, static_cast<int>((rows + chunk - 1) / chunk), nullptr, 0};
  if (job.tasks > 0) parallel_for(job.tasks, rows * patch_of(a) * a.filters < (1 << 18) ? 1 : a.threads, conv_forward_chunk, &job);
}

void conv2d_backward(const WindowArgs& a) {
  const ptrdiff_t patch = patch_of(a), F = a.filters;
  Job job{&a, a.batch, nullptr, (a.dkernel != nullptr ? patch * F : 0) + (a.dbias != nullptr ? F : 0)};
  if (a.batch == 0) {  // gradients of an empty batch are zero
    if (a.dkernel != nullptr) std::memset(a.dkernel, 0, sizeof(float) * patch * F);
    if (a.dbias != nullptr) std::memset(a.dbias, 0, sizeof(float) * F);
    return;
  }
  if (job.partialSize > 0) job.partials = thread_scratch(3, sizeof(float) * a.batch * job.partialSize);
  parallel_for(a.batch, rows_of(a) * patch * F < (1 << 18) ? 1 : a.threads, conv_backward_image, &job);
  // The images' partial gradients, summed in image order (the same bits whatever the thread count).
  float* total = job.partials;
  for (int b = 1; b < a.batch; b++) {
    const float* __restrict part = job.partials + b * job.partialSize;
    for (ptrdiff_t i = 0; i < job.partialSize; i++) total[i] += part[i];
  }
  const ptrdiff_t kernelSize = a.dkernel != nullptr ? patch * F : 0;
  if (a.dkernel != nullptr) std::memcpy(a.dkernel, total, sizeof(float) * kernelSize);
  if (a.dbias != nullptr) std::memcpy(a.dbias, total + kernelSize, sizeof(float) * F);
}

void max_pool_forward(const WindowArgs& a) {
  const ptrdiff_t values = static_cast<ptrdiff_t>(a.batch) * a.outH * a.outW * a.kernelH * a.kernelW * a.channels;
  Job job{&a, tasks_for(a, values, a.batch * a.outH), nullptr, 0};
  if (job.tasks > 0) parallel_for(job.tasks, a.threads, max_pool_rows, &job);
}

void max_pool_backward(const WindowArgs& a) {
  Job job{&a, tasks_for(a, a.batch * image_size(a), a.batch), nullptr, 0};
  if (job.tasks > 0) parallel_for(job.tasks, a.threads, max_pool_backward_images, &job);
}

}  // namespace VERBO_NS
}  // namespace verbo
