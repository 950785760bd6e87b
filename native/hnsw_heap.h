// The (score, id) heap of the HNSW walk (hnsw.cc) and builder (hnsw_build.cc), compiled into each ISA's
// namespace with the file that includes it.
#pragma once
#include <cstdint>

#include "isa.h"

namespace verbo {
namespace VERBO_NS {
namespace {

/** A heap of (score, id) pairs in two arrays: a min-heap (the worst at the root) or, negated, a max-heap. */
struct Heap {
  float* scores;
  int32_t* ids;
  int size;

  void push(float score, int32_t id) {
    int pos = size++;
    while (pos > 0) {
      int parent = (pos - 1) >> 1;
      if (!(score < scores[parent])) break;
      scores[pos] = scores[parent];
      ids[pos] = ids[parent];
      pos = parent;
    }
    scores[pos] = score;
    ids[pos] = id;
  }

  /** Puts (score, id) at `pos` and moves it down to where it belongs among `size` entries. */
  void sift_down(int pos, float score, int32_t id) {
    for (;;) {
      int left = 2 * pos + 1;
      if (left >= size) break;
      int child = left;
      if (left + 1 < size && scores[left + 1] < scores[left]) child = left + 1;
      if (!(scores[child] < score)) break;
      scores[pos] = scores[child];
      ids[pos] = ids[child];
      pos = child;
    }
    scores[pos] = score;
    ids[pos] = id;
  }

  void replace_root(float score, int32_t id) { sift_down(0, score, id); }

  void pop() {
    size--;
    if (size > 0) sift_down(0, scores[size], ids[size]);
  }

  /** Makes the `size` pairs a heap (Floyd's bottom-up construction). */
  void heapify() {
    for (int start = (size >> 1) - 1; start >= 0; start--) sift_down(start, scores[start], ids[start]);
  }
};

}  // namespace
}  // namespace VERBO_NS
}  // namespace verbo
