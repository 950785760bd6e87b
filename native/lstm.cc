// A whole LSTM layer over a sequence, forward and backward (compiled once per ISA; see LstmArgs in
// kernels.h). One call runs every time step, so the per-step products h·U and dz·Uᵀ (gemm.cc, with a
// batch of rows few enough that U is read in place rather than packed) and the gate arithmetic stay in
// native code. Uᵀ is formed once per backward call. A batch of more than kGroupRows rows (sequence.h) runs
// each step as groups of rows, one pool task each doing its rows' product and then their gate arithmetic
// (forward: h_{t−1}·U, then the gates; backward: dz_t, then dz_t·Uᵀ), so a step is one pass through the
// pool; a smaller batch splits the product by columns, then the gate arithmetic by rows. Every element is
// computed by one thread, and the grouping depends on the batch alone, so results never depend on the
// thread count.
#include "families.h"
#include "pool.h"
#include "sequence.h"
#include "vecmath.h"

namespace verbo {
namespace VERBO_NS {
namespace {

struct Step {
  const LstmArgs* args;
  int t;
  const float* transposed;  // backward, grouped: Uᵀ [4·units, units]
};

/** One batch row of a forward step: z (h·U) += x, activated in place; c, tanh c and h written. */
void forward_row(ptrdiff_t H, float* __restrict zi, float* __restrict zf, float* __restrict zg, float* __restrict zo,
                 const float* __restrict xi, const float* __restrict xf, const float* __restrict xg,
                 const float* __restrict xo, const float* __restrict cPrev, float* __restrict c,
                 float* __restrict tc, float* __restrict h) {
  for (ptrdiff_t j = 0; j < H; j++) {
    float i = vecmath::sigmoid(zi[j] + xi[j]);
    float f = vecmath::sigmoid(zf[j] + xf[j]);
    float g = vecmath::tanh(zg[j] + xg[j]);
    float o = vecmath::sigmoid(zo[j] + xo[j]);
    zi[j] = i;
    zf[j] = f;
    zg[j] = g;
    zo[j] = o;
    float cell = f * cPrev[j] + i * g;
    c[j] = cell;
    float tanhCell = vecmath::tanh(cell);
    tc[j] = tanhCell;
    h[j] = o * tanhCell;
  }
}

/** Batch rows [first, last) of forward step t: z (h·U, already in the gate rows) += x, activated. */
void forward_range(const LstmArgs& a, ptrdiff_t t, int first, int last) {
  const ptrdiff_t H = a.units, B = a.batch, width = 4 * H;
  const ptrdiff_t state = B * H;
  for (ptrdiff_t b = first; b < last; b++) {
    float* z = a.gates + (t * B + b) * width;
    const float* x = a.xProj + (b * a.steps + t) * width;
    forward_row(H, z, z + H, z + 2 * H, z + 3 * H, x, x + H, x + 2 * H, x + 3 * H, a.cs + t * state + b * H,
                a.cs + (t + 1) * state + b * H, a.tanhCells + t * state + b * H, a.hs + (t + 1) * state + b * H);
  }
}

/** One batch row of a backward step (see kernels.h): dz from the gates; dc becomes dL/dc_{t−1}. */
void backward_row(ptrdiff_t H, const float* __restrict gi, const float* __restrict gf, const float* __restrict gg,
                  const float* __restrict go, const float* __restrict cPrev, const float* __restrict tc,
                  const float* __restrict up, const float* __restrict dhNext, float* __restrict dc,
                  float* __restrict dzi, float* __restrict dzf, float* __restrict dzg, float* __restrict dzo) {
  for (ptrdiff_t j = 0; j < H; j++) {
    float i = gi[j], f = gf[j], g = gg[j], o = go[j];
    float dh = dhNext[j] + up[j];
    float dct = dc[j] + dh * o * (1.0f - tc[j] * tc[j]);
    dzi[j] = dct * g * i * (1.0f - i);
    dzf[j] = dct * cPrev[j] * f * (1.0f - f);
    dzg[j] = dct * i * (1.0f - g * g);
    dzo[j] = dh * tc[j] * o * (1.0f - o);
    dc[j] = dct * f;
  }
}

/** Batch rows [first, last) of backward step t: their dz_t; dc becomes dL/dc_{t−1}. */
void backward_range(const LstmArgs& a, ptrdiff_t t, int first, int last) {
  const ptrdiff_t H = a.units, B = a.batch, width = 4 * H;
  const ptrdiff_t state = B * H;
  for (ptrdiff_t b = first; b < last; b++) {
    const float* gate = a.gates + (t * B + b) * width;
    float* dz = a.dz + (t * B + b) * width;
    backward_row(H, gate, gate + H, gate + 2 * H, gate + 3 * H, a.cs + t * state + b * H,
                 a.tanhCells + t * state + b * H, a.gradOut + (b * (a.steps + 1) + t) * H, a.dh + b * H, a.dc + b * H,
                 dz, dz + H, dz + 2 * H, dz + 3 * H);
  }
}

/** Task `task` of a step whose gate arithmetic is split by rows (row_tasks): `range` on its rows. */
template <void (*range)(const LstmArgs&, ptrdiff_t, int, int)>
void step_rows(void* context, int task) {
  const Step& step = *static_cast<const Step*>(context);
  const LstmArgs& a = *step.args;
  int first, last;
  sequence::rows_of(a.batch, task, sequence::row_tasks(a.batch, a.units, a.threads), &first, &last);
  range(a, step.t, first, last);
}

/** One group of batch rows of a forward step: z_t = h_{t−1}·U for its rows, then their gate arithmetic. */
void forward_group(void* context, int group) {
  const Step& step = *static_cast<const Step*>(context);
  const LstmArgs& a = *step.args;
  const int H = a.units, B = a.batch, width = 4 * H;
  int first, last;
  sequence::rows_of(B, group, sequence::row_groups(B), &first, &last);
  const ptrdiff_t t = step.t, state = static_cast<ptrdiff_t>(B) * H;
  GemmArgs product{last - first, width, H, a.hs + t * state + static_cast<ptrdiff_t>(first) * H, H, 1, a.recurrent,
                   width, 1, a.gates + (t * B + first) * width, width, false, 1};
  gemm(product);
  forward_range(a, t, first, last);
}

/** One group of batch rows of a backward step: their dz_t, then dh = dz_t·Uᵀ for those rows. */
void backward_group(void* context, int group) {
  const Step& step = *static_cast<const Step*>(context);
  const LstmArgs& a = *step.args;
  const int H = a.units, B = a.batch, width = 4 * H;
  int first, last;
  sequence::rows_of(B, group, sequence::row_groups(B), &first, &last);
  const ptrdiff_t t = step.t;
  backward_range(a, t, first, last);
  if (t > 0 || a.wantH0) {
    GemmArgs product{last - first, H, width, a.dz + (t * B + first) * width, width, 1, step.transposed, H, 1,
                     a.dh + static_cast<ptrdiff_t>(first) * H, H, false, 1};
    gemm(product);
  }
}

/** Whether a step runs as groups of rows, one task each (product and gates together), rather than a
 * product split by columns and then the gates split by rows. Fixed by the batch (see row_groups). */
inline bool grouped(const LstmArgs& a) { return sequence::row_groups(a.batch) > 1; }

/** Threads for the groups of one step: all when the step is big enough (as row_tasks). */
inline int group_threads(const LstmArgs& a) {
  return sequence::row_tasks(a.batch, a.units, a.threads) > 1 ? a.threads : 1;
}

}  // namespace

void lstm_forward(const LstmArgs& a) {
  const int H = a.units, B = a.batch, width = 4 * H;
  const ptrdiff_t state = static_cast<ptrdiff_t>(B) * H;
  if (grouped(a)) {
    for (int t = 0; t < a.steps; t++) {
      Step step{&a, t, nullptr};
      parallel_for(sequence::row_groups(B), group_threads(a), forward_group, &step);
    }
    return;
  }
  for (int t = 0; t < a.steps; t++) {
    // z_t = h_{t−1} · U, into the step's gate rows; step_rows<forward_range> adds the input projection.
    GemmArgs product{B, width, H, a.hs + t * state, H, 1, a.recurrent, width, 1,
                     a.gates + static_cast<ptrdiff_t>(t) * B * width, width, false, a.threads};
    gemm(product);
    Step step{&a, t, nullptr};
    parallel_for(sequence::row_tasks(a.batch, a.units, a.threads), a.threads, step_rows<forward_range>, &step);
  }
}

void lstm_backward(const LstmArgs& a) {
  const int H = a.units, B = a.batch, width = 4 * H;
  // Uᵀ [4H, H], row-major, so dz·Uᵀ reads it in place.
  float* transposed = thread_scratch(2, sizeof(float) * static_cast<size_t>(width) * H);
  sequence::transpose(a.recurrent, H, width, transposed);
  // dh carries dL/dh_t from step t + 1 (zero after the last step); dc starts as dL/dc_{T−1}.
  for (ptrdiff_t i = 0; i < static_cast<ptrdiff_t>(B) * H; i++) a.dh[i] = 0.0f;
  for (int b = 0; b < B; b++) {
    const float* from = a.gradOut + (static_cast<ptrdiff_t>(b) * (a.steps + 1) + a.steps) * H;
    for (int j = 0; j < H; j++) a.dc[static_cast<ptrdiff_t>(b) * H + j] = from[j];
  }
  if (grouped(a)) {
    for (int t = a.steps - 1; t >= 0; t--) {
      Step step{&a, t, transposed};
      parallel_for(sequence::row_groups(B), group_threads(a), backward_group, &step);
    }
    return;
  }
  for (int t = a.steps - 1; t >= 0; t--) {
    Step step{&a, t, nullptr};
    parallel_for(sequence::row_tasks(a.batch, a.units, a.threads), a.threads, step_rows<backward_range>, &step);
    if (t > 0 || a.wantH0) {
      GemmArgs product{B, H, width, a.dz + static_cast<ptrdiff_t>(t) * B * width, width, 1, transposed, H, 1,
                       a.dh, H, false, a.threads};
      gemm(product);
    }
  }
}

}  // namespace VERBO_NS
}  // namespace verbo
