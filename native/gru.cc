// A whole GRU layer over a sequence, forward and backward (compiled once per ISA; see GruArgs in
// kernels.h), the same way as lstm.cc: one call runs every time step, the per-step products h·U and
// dhu·Uᵀ on gemm.cc (Uᵀ formed once per backward call), the gate arithmetic split across the pool by
// rows of the batch (each element computed by one thread: results never depend on the count).
#include "families.h"
#include "pool.h"
#include "sequence.h"
#include "vecmath.h"

namespace verbo {
namespace VERBO_NS {
namespace {

struct Step {
  const GruArgs* args;
  int t;
  const float* hu;  // forward: [batch, 3·units], h_{t−1}·U
};

/** One batch row of a forward step (see kernels.h). */
void forward_row(ptrdiff_t H, const float* __restrict huZ, const float* __restrict huR, const float* __restrict huN,
                 const float* __restrict xZ, const float* __restrict xR, const float* __restrict xN,
                 const float* __restrict rbZ, const float* __restrict rbR, const float* __restrict rbN,
                 const float* __restrict hPrev, float* __restrict h, float* __restrict sZ, float* __restrict sR,
                 float* __restrict sN, float* __restrict sHn) {
  for (ptrdiff_t j = 0; j < H; j++) {
    float z = vecmath::sigmoid(xZ[j] + huZ[j] + rbZ[j]);
    float r = vecmath::sigmoid(xR[j] + huR[j] + rbR[j]);
    float hn = huN[j] + rbN[j];
    float n = vecmath::tanh(xN[j] + r * hn);
    sZ[j] = z;
    sR[j] = r;
    sN[j] = n;
    sHn[j] = hn;
    h[j] = z * hPrev[j] + (1.0f - z) * n;
  }
}

void forward_rows(void* context, int task) {
  const Step& step = *static_cast<const Step*>(context);
  const GruArgs& a = *step.args;
  const ptrdiff_t H = a.units, B = a.batch, t = step.t, width = 3 * H, state = B * H;
  int first, last;
  sequence::rows_of(a.batch, task, sequence::row_tasks(a.batch, a.units, a.threads), &first, &last);
  for (ptrdiff_t b = first; b < last; b++) {
    const float* hu = step.hu + b * width;
    const float* x = a.xProj + (b * a.steps + t) * width;
    float* s = a.saved + (t * B + b) * 4 * H;
    forward_row(H, hu, hu + H, hu + 2 * H, x, x + H, x + 2 * H, a.recurrentBias, a.recurrentBias + H,
                a.recurrentBias + 2 * H, a.hs + t * state + b * H, a.hs + (t + 1) * state + b * H, s, s + H,
                s + 2 * H, s + 3 * H);
  }
}

/** One batch row of a backward step: dh (+ the step's output gradient) → dx, dhu; dh ← dh·z. */
void backward_row(ptrdiff_t H, const float* __restrict sZ, const float* __restrict sR, const float* __restrict sN,
                  const float* __restrict sHn, const float* __restrict hPrev, const float* __restrict up,
                  float* __restrict dh, float* __restrict dxZ, float* __restrict dxR, float* __restrict dxN,
                  float* __restrict duZ, float* __restrict duR, float* __restrict duN) {
  for (ptrdiff_t j = 0; j < H; j++) {
    float z = sZ[j], r = sR[j], n = sN[j], hn = sHn[j];
    float d = dh[j] + up[j];
    float dzPre = d * (hPrev[j] - n) * z * (1.0f - z);
    float dnPre = d * (1.0f - z) * (1.0f - n * n);
    float drPre = dnPre * hn * r * (1.0f - r);
    dxZ[j] = dzPre;
    dxR[j] = drPre;
    dxN[j] = dnPre;
    duZ[j] = dzPre;
    duR[j] = drPre;
    duN[j] = dnPre * r;
    dh[j] = d * z;
  }
}

void backward_rows(void* context, int task) {
  const Step& step = *static_cast<const Step*>(context);
  const GruArgs& a = *step.args;
  const ptrdiff_t H = a.units, B = a.batch, t = step.t, width = 3 * H, state = B * H;
  int first, last;
  sequence::rows_of(a.batch, task, sequence::row_tasks(a.batch, a.units, a.threads), &first, &last);
  for (ptrdiff_t b = first; b < last; b++) {
    const float* s = a.saved + (t * B + b) * 4 * H;
    float* dx = a.dx + (t * B + b) * width;
    float* du = a.dhu + (t * B + b) * width;
    backward_row(H, s, s + H, s + 2 * H, s + 3 * H, a.hs + t * state + b * H, a.gradOut + (b * a.steps + t) * H,
                 a.dh + b * H, dx, dx + H, dx + 2 * H, du, du + H, du + 2 * H);
  }
}

}  // namespace

void gru_forward(const GruArgs& a) {
  const int H = a.units, B = a.batch, width = 3 * H;
  const ptrdiff_t state = static_cast<ptrdiff_t>(B) * H;
  float* hu = thread_scratch(3, sizeof(float) * static_cast<size_t>(B) * width);
  for (int t = 0; t < a.steps; t++) {
    GemmArgs product{B, width, H, a.hs + t * state, H, 1, a.recurrent, width, 1, hu, width, false, a.threads};
    gemm(product);
    Step step{&a, t, hu};
    parallel_for(sequence::row_tasks(a.batch, a.units, a.threads), a.threads, forward_rows, &step);
  }
}

void gru_backward(const GruArgs& a) {
  const int H = a.units, B = a.batch, width = 3 * H;
  // Uᵀ [3H, H], row-major, so dhu·Uᵀ reads it in place.
  float* transposed = thread_scratch(2, sizeof(float) * static_cast<size_t>(width) * H);
  sequence::transpose(a.recurrent, H, width, transposed);
  for (ptrdiff_t i = 0; i < static_cast<ptrdiff_t>(B) * H; i++) a.dh[i] = 0.0f;
  for (int t = a.steps - 1; t >= 0; t--) {
    Step step{&a, t, nullptr};
    parallel_for(sequence::row_tasks(a.batch, a.units, a.threads), a.threads, backward_rows, &step);
    if (t > 0 || a.wantH0) {
      GemmArgs product{B, H, width, a.dhu + static_cast<ptrdiff_t>(t) * B * width, width, 1, transposed, H, 1,
                       a.dh, H, true, a.threads};
      gemm(product);
    }
  }
}

}  // namespace VERBO_NS
}  // namespace verbo
