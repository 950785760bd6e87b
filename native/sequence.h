// Helpers the recurrent layers (lstm.cc, gru.cc) share: how a time step's gate arithmetic is cut into
// pool tasks by rows of the batch, and the transposed copy of the recurrent kernel their backward passes
// read in place. Inline, in the ISA's namespace (see isa.h).
#pragma once
#include <cstddef>

#include "isa.h"

namespace verbo {
namespace VERBO_NS {
namespace sequence {

/** Below this many state values per step the gate arithmetic stays on the calling thread. */
constexpr int kParallelMinState = 2048;

/** Tasks for one step: one per batch row when the step is big enough and threads are allowed. */
inline int row_tasks(int batch, int units, int threads) {
  return batch * units >= kParallelMinState && threads > 1 ? batch : 1;
}

/** Batch rows per group of a fused step (lstm.cc): the step's product and its gate arithmetic for a group
 * of rows run as one task, so a step costs one pass through the pool, not two. */
constexpr int kGroupRows = 10;

/** Groups of rows of a fused step: fixed by the batch alone (never by the thread count), so each row's
 * product is computed the same way whatever the count; a single group up to kGroupRows rows. */
inline int row_groups(int batch) { return (batch + kGroupRows - 1) / kGroupRows; }

/** The rows [first, last) of the batch that task `task` of `tasks` handles. */
inline void rows_of(int batch, int task, int tasks, int* first, int* last) {
  int per = (batch + tasks - 1) / tasks;
  *first = task * per;
  *last = (task + 1) * per < batch ? (task + 1) * per : batch;
}

/** dst[j, p] = src[p, j] for a row-major src of `rows` × `cols`. */
inline void transpose(const float* src, int rows, int cols, float* dst) {
  for (int p = 0; p < rows; p++)
    for (int j = 0; j < cols; j++) dst[static_cast<ptrdiff_t>(j) * rows + p] = src[static_cast<ptrdiff_t>(p) * cols + j];
}

}  // namespace sequence
}  // namespace VERBO_NS
}  // namespace verbo
