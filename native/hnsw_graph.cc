// See hnsw_graph.h. Huge pages matter here: a walk reads ~1,700 rows and ~100 lists at random places of
// 25 MB (100,000 words, dim 100), which with 4 KiB pages is a TLB miss and a page walk for most of them.
#include "hnsw_graph.h"

#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace verbo {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t round_up(size_t bytes, size_t to) { return (bytes + to - 1) / to * to; }

}  // namespace

void* huge_alloc(size_t bytes) {
  size_t size = round_up(bytes > 0 ? bytes : 1, kHugePage);
  void* memory = nullptr;
  if (posix_memalign(&memory, kHugePage, size) != 0) return nullptr;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  madvise(memory, size, MADV_HUGEPAGE);  // a hint: refused, the pages are ordinary ones
#endif
  std::memset(memory, 0, size);
  return memory;
}

void huge_free(void* memory) { std::free(memory); }

HnswCopy::HnswCopy(const HnswGraph& source) : graph_(source) {
  const size_t count = static_cast<size_t>(source.count);
  const int linkStride = (source.maxM0 + 15) / 16 * 16;
  const size_t linkBytes = round_up(count * linkStride * sizeof(int32_t), 64);
  const size_t rowBytes = round_up(count * static_cast<size_t>(source.stride8), 64);
  const size_t startBytes = round_up(count * sizeof(int32_t), 64);
  const size_t upperBytes = source.upperLinkInts * sizeof(int32_t);
  block_ = huge_alloc(linkBytes + rowBytes + startBytes + upperBytes);
  if (block_ == nullptr) throw std::bad_alloc();
  int32_t* links = static_cast<int32_t*>(block_);
  int8_t* rows = static_cast<int8_t*>(block_) + linkBytes;
  int32_t* upperStart = reinterpret_cast<int32_t*>(static_cast<char*>(block_) + linkBytes + rowBytes);
  int32_t* upperLinks = reinterpret_cast<int32_t*>(static_cast<char*>(block_) + linkBytes + rowBytes + startBytes);
  for (size_t node = 0; node < count; node++) {
    const int32_t* from = source.links0 + node * (source.maxM0 + 1);
    int32_t* to = links + node * linkStride;
    int degree = from[0] & 0xffff;
    for (int j = 0; j < linkStride; j++) to[j] = j < degree ? from[1 + j] : -1;
  }
  std::memcpy(rows, source.rows8, count * static_cast<size_t>(source.stride8));
  std::memcpy(upperStart, source.upperStart, count * sizeof(int32_t));
  std::memcpy(upperLinks, source.upperLinks, upperBytes);
  graph_.links0 = links;
  graph_.linkStride = linkStride;
  graph_.rows8 = rows;
  graph_.upperStart = upperStart;
  graph_.upperLinks = upperLinks;
}

HnswCopy::~HnswCopy() { huge_free(block_); }

}  // namespace verbo
