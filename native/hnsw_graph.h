// The HNSW walk's own copy of a graph's hot parts (hnsw_graph.cc, compiled once, not per ISA): the level-0
// lists and the int8 rows that every step of a walk reads, and the upper levels' lists of every descent,
// copied out of JavaScript's memory into one block that Linux is asked to back with 2 MiB pages.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace verbo {

/** `bytes` zeroed bytes, 2 MiB-aligned, on huge pages where the OS grants them (Linux: madvise); null on failure. */
void* huge_alloc(size_t bytes);
void huge_free(void* memory);

/**
 * A checked graph (HnswGraph laid out by src/search/kernels/hnsw.ts) with what every walk reads re-laid
 * for it in one block: links0 becomes count × linkStride ids (linkStride a multiple of 16, so a list
 * starts on a cache line; −1 past a node's degree), and rows8, upperStart and upperLinks are copies. The
 * other arrays (float rows, deletion flags) stay JavaScript's (the caller keeps them alive).
 */
class HnswCopy {
 public:
  /** Copies from `source` (already checked); throws std::bad_alloc when memory runs out. */
  explicit HnswCopy(const HnswGraph& source);
  ~HnswCopy();
  HnswCopy(const HnswCopy&) = delete;
  HnswCopy& operator=(const HnswCopy&) = delete;

  const HnswGraph& graph() const { return graph_; }

 private:
  HnswGraph graph_;
  void* block_ = nullptr;
};

}  // namespace verbo
