// The exact cosine scan (compiled once per ISA; see isa.h): for each query, the k rows of a row-major
// matrix with the highest dot product, skipping masked rows and each query's excluded groups, best first
// (ScanArgs in kernels.h). The TypeScript oracle is scanTopKReference in src/search/kernels/scan.ts.
//
//   one query, or a few:  every row's dot product with the query (vec::dot), rows split between
//                         threads, each with its own top-k, merged at the end; the rows 12 KiB
//                         ahead are asked for while a row is scored
//   a batch:              the queries are copied into panels of QW transposed queries; a register tile
//                         (scan_tile.h) scores R rows × QW queries at once, straight from the row-major
//                         matrix, and only scores at or above a query's current k-th best leave the
//                         registers' neighbourhood (almost none once the top-k have filled). Threads take
//                         groups of panels (and split the rows when there are fewer groups than threads);
//                         rows are visited in blocks that stay in L2 while every panel of the group passes.
//
// The top-k order is total — higher score first, then lower row — so the answer is the same whichever
// thread saw which row: results do not depend on the thread count. Each score is summed in a fixed order
// per path (vec::dot's lanes for one query, a chain over d in the tile), so the single and batched
// paths agree to float rounding, not bit for bit.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "isa.h"
#include "kernels.h"
#include "pool.h"
#include "scan_tile.h"
#include "vector.h"

namespace verbo {
namespace VERBO_NS {
namespace {

using scantile::kRows;
using scantile::QW;

/** pool.h scratch slot of the calling thread: panels and the per-split heaps. */
constexpr int kScratchSlot = 3;
/** Fewer queries than this are scanned one at a time (a panel would mostly hold padding: a panel of QW
 *  lanes costs about as much as QW / 8 queries scanned one at a time). */
constexpr int kMinBatch = QW / 8 > 4 ? QW / 8 : 4;
/** Panels a batch task takes: its queries share every row block read into L2. */
constexpr int kGroupPanels = 4;
/** Bytes of a row block (kept in L2 while the group's panels pass over it). */
constexpr int kBlockBytes = 128 * 1024;
/** Below this many multiply-adds a scan stays on the calling thread. */
constexpr double kParallelMinWork = 1 << 20;
/** Fewest rows a thread's share of one query's scan should have. */
constexpr int kMinSplitRows = 4096;
/** How far ahead of the row being scored one query's scan asks for rows (bytes): ~31 rows of dim 100.
 * The hardware's own prefetch left the scan waiting on memory: on Zen 5 (99,485 × 100, 1 thread, runs
 * two each) 450-470 q/s without, 1,120-1,170 with 32 rows (12.8 KB) ahead; 8 rows gave 920-980, 16
 * rows 840-1,010, 64 and 128 rows 780-960. */
constexpr size_t kPrefetchBytes = 12 * 1024;

inline int imin(int a, int b) { return a < b ? a : b; }
inline int imax(int a, int b) { return a > b ? a : b; }
inline int ceil_div(int a, int b) { return (a + b - 1) / b; }

/** (sa, ia) ranks below (sb, ib): a lower score, or the same score and a higher row. */
inline bool worse(float sa, int32_t ia, float sb, int32_t ib) { return sa < sb || (sa == sb && ia > ib); }

/** A bounded min-heap of the k best (score, row) pairs seen, its worst at the root. */
struct TopK {
  float* scores;
  int32_t* ids;
  int k;
  int size;

  /** The score a row must reach to be looked at (−inf until the heap is full). */
  float threshold() const { return size < k ? -INFINITY : scores[0]; }

  void push(float score, int32_t id) {
    if (!(score > -INFINITY)) return;  // NaN and −inf never enter, as in the oracle
    if (size < k) {
      int pos = size++;
      while (pos > 0) {
        int parent = (pos - 1) >> 1;
        if (!worse(score, id, scores[parent], ids[parent])) break;
        scores[pos] = scores[parent];
        ids[pos] = ids[parent];
        pos = parent;
      }
      scores[pos] = score;
      ids[pos] = id;
      return;
    }
    if (!worse(scores[0], ids[0], score, id)) return;
    sift_down(0, size, score, id);
  }

  void sift_down(int pos, int n, float score, int32_t id) {
    for (;;) {
      int left = 2 * pos + 1;
      if (left >= n) break;
      int child = left;
      if (left + 1 < n && worse(scores[left + 1], ids[left + 1], scores[left], ids[left])) child = left + 1;
      if (!worse(scores[child], ids[child], score, id)) break;
      scores[pos] = scores[child];
      ids[pos] = ids[child];
      pos = child;
    }
    scores[pos] = score;
    ids[pos] = id;
  }

  /** Turns the heap into the list best first (in place), the slots past `size` empty (−inf, −1). */
  void sort() {
    for (int n = size; n > 1; n--) {
      float score = scores[n - 1];
      int32_t id = ids[n - 1];
      scores[n - 1] = scores[0];
      ids[n - 1] = ids[0];
      sift_down(0, n - 1, score, id);
    }
    for (int i = size; i < k; i++) {
      scores[i] = -INFINITY;
      ids[i] = -1;
    }
  }
};

/** Whether query q may return row r (the mask and its excluded groups). */
inline bool allowed(const ScanArgs& a, int q, int row) {
  if (a.mask != nullptr && a.mask[row] == 0) return false;
  if (a.excluded != nullptr) {
    int32_t g = a.group[row];
    const int32_t* e = a.excluded + 3 * q;
    if (g == e[0] || g == e[1] || g == e[2]) return false;
  }
  return true;
}

/** The work of one scan: how it is cut into tasks, and where each task keeps its heaps. */
struct Plan {
  const ScanArgs* a;
  bool batched;
  const float* panels;  // batched: [panelCount][dim][QW]
  int panelCount;
  int groups;           // batched: groups of kGroupPanels panels; else one per query
  int splits;           // row ranges per group (or query)
  int splitRows;
  float* extraScores;   // heaps of splits 1 …: [splits − 1][queryCount][k]
  int32_t* extraIds;
  int32_t* sizes;       // [splits][queryCount] heap sizes
};

TopK heap_of(const Plan& plan, int split, int q) {
  const ScanArgs& a = *plan.a;
  size_t at = static_cast<size_t>(q) * a.k;
  if (split == 0) return TopK{a.scores + at, a.ids + at, a.k, 0};
  size_t extra = (static_cast<size_t>(split - 1) * a.queryCount) * a.k + at;
  return TopK{plan.extraScores + extra, plan.extraIds + extra, a.k, 0};
}

void scan_rows_task(void* context, int task) {
  const Plan& plan = *static_cast<const Plan*>(context);
  const ScanArgs& a = *plan.a;
  int q = task / plan.splits, split = task % plan.splits;
  int from = split * plan.splitRows, to = imin(a.rowCount, from + plan.splitRows);
  TopK heap = heap_of(plan, split, q);
  const float* query = a.queries + static_cast<size_t>(q) * a.dim;
  float threshold = heap.threshold();
  const size_t rowBytes = sizeof(float) * static_cast<size_t>(a.dim);
  const char* end = reinterpret_cast<const char*>(a.rows + static_cast<size_t>(to) * a.dim);
  for (int row = from; row < to; row++) {
    const float* values = a.rows + static_cast<size_t>(row) * a.dim;
    const char* ahead = reinterpret_cast<const char*>(values) + kPrefetchBytes;
    if (ahead + rowBytes <= end) vec::prefetch(ahead, static_cast<int>(rowBytes));
    float score = vec::dot(values, query, a.dim);
    if (!(score >= threshold) || !allowed(a, q, row)) continue;
    heap.push(score, row);
    threshold = heap.threshold();
  }
  plan.sizes[split * a.queryCount + q] = heap.size;
}

/** The tile for R = rows (≤ kRows) rows. */
inline void tile_rows(int rows, const float* matrix, int dim, const float* panel, float* out) {
  switch (rows) {
#define VERBO_TILE_CASE(R) \
  case R:                  \
    scantile::tile<(R <= kRows ? R : kRows)>(matrix, dim, panel, out); \
    break;
    VERBO_TILE_CASE(1)
    VERBO_TILE_CASE(2)
    VERBO_TILE_CASE(3)
    VERBO_TILE_CASE(4)
    VERBO_TILE_CASE(5)
    VERBO_TILE_CASE(6)
    VERBO_TILE_CASE(7)
    VERBO_TILE_CASE(8)
    VERBO_TILE_CASE(9)
    VERBO_TILE_CASE(10)
    VERBO_TILE_CASE(11)
    VERBO_TILE_CASE(12)
#undef VERBO_TILE_CASE
    default:
      break;
  }
}

void scan_batch_task(void* context, int task) {
  const Plan& plan = *static_cast<const Plan*>(context);
  const ScanArgs& a = *plan.a;
  int group = task / plan.splits, split = task % plan.splits;
  int firstPanel = group * kGroupPanels, panels = imin(kGroupPanels, plan.panelCount - firstPanel);
  int from = split * plan.splitRows, to = imin(a.rowCount, from + plan.splitRows);
  TopK heaps[kGroupPanels * QW];
  alignas(64) float threshold[kGroupPanels * QW];
  for (int lane = 0; lane < panels * QW; lane++) {
    int q = firstPanel * QW + lane;
    if (q < a.queryCount) {
      heaps[lane] = heap_of(plan, split, q);
      threshold[lane] = -INFINITY;
    } else {
      threshold[lane] = INFINITY;  // padding: never passes
    }
  }
  alignas(64) float out[kRows * QW];
  const size_t panelFloats = static_cast<size_t>(a.dim) * QW;
  int blockRows = imax(kRows, kBlockBytes / (a.dim * 4) / kRows * kRows);
  for (int blockStart = from; blockStart < to; blockStart += blockRows) {
    int blockEnd = imin(to, blockStart + blockRows);
    for (int p = 0; p < panels; p++) {
      const float* panel = plan.panels + (firstPanel + p) * panelFloats;
      float* thresholds = threshold + p * QW;
      TopK* panelHeaps = heaps + p * QW;
      for (int r0 = blockStart; r0 < blockEnd; r0 += kRows) {
        int rows = imin(kRows, blockEnd - r0);
        tile_rows(rows, a.rows + static_cast<size_t>(r0) * a.dim, a.dim, panel, out);
        for (int r = 0; r < rows; r++) {
          uint64_t bits = scantile::passing(out + r * QW, thresholds);
          while (bits != 0) {
            int lane = __builtin_ctzll(bits);
            bits &= bits - 1;
            int row = r0 + r;
            int q = (firstPanel + p) * QW + lane;
            if (!allowed(a, q, row)) continue;
            panelHeaps[lane].push(out[r * QW + lane], row);
            thresholds[lane] = panelHeaps[lane].threshold();
          }
        }
      }
    }
  }
  for (int lane = 0; lane < panels * QW; lane++) {
    int q = firstPanel * QW + lane;
    if (q < a.queryCount) plan.sizes[split * a.queryCount + q] = heaps[lane].size;
  }
}

/** Query q's heaps of every split merged into its output slots, best first. */
void merge_task(void* context, int q) {
  const Plan& plan = *static_cast<const Plan*>(context);
  const ScanArgs& a = *plan.a;
  TopK out = heap_of(plan, 0, q);
  out.size = plan.sizes[q];
  for (int split = 1; split < plan.splits; split++) {
    TopK part = heap_of(plan, split, q);
    int n = plan.sizes[split * a.queryCount + q];
    for (int i = 0; i < n; i++) out.push(part.scores[i], part.ids[i]);
  }
  out.sort();
}

}  // namespace

void scan_top_k(const ScanArgs& a) {
  if (a.queryCount <= 0 || a.k <= 0) return;
  const double work = static_cast<double>(a.rowCount) * a.queryCount * a.dim;
  const int threads = work < kParallelMinWork ? 1 : imax(1, a.threads);
  Plan plan{};
  plan.a = &a;
  plan.batched = a.queryCount >= kMinBatch;
  plan.panelCount = ceil_div(a.queryCount, QW);
  plan.groups = plan.batched ? ceil_div(plan.panelCount, kGroupPanels) : a.queryCount;
  // Rows are split when there are fewer groups (or queries) than threads.
  plan.splits = 1;
  if (plan.groups < threads) plan.splits = imax(1, imin(ceil_div(threads, plan.groups), a.rowCount / kMinSplitRows));
  plan.splitRows = ceil_div(imax(a.rowCount, 1), plan.splits);
  if (plan.batched) plan.splitRows = ceil_div(plan.splitRows, kRows) * kRows;

  size_t heapValues = static_cast<size_t>(plan.splits - 1) * a.queryCount * a.k;
  size_t panelValues = plan.batched ? static_cast<size_t>(plan.panelCount) * a.dim * QW : 0;
  size_t sizeValues = static_cast<size_t>(plan.splits) * a.queryCount;
  char* scratch = reinterpret_cast<char*>(
      thread_scratch(kScratchSlot, 4 * (panelValues + 2 * heapValues + sizeValues) + 3 * 64));
  auto take = [&scratch](size_t bytes) {
    char* at = scratch;
    scratch += (bytes + 63) / 64 * 64;
    return at;
  };
  float* panels = reinterpret_cast<float*>(take(4 * panelValues));
  plan.extraScores = reinterpret_cast<float*>(take(4 * heapValues));
  plan.extraIds = reinterpret_cast<int32_t*>(take(4 * heapValues));
  plan.sizes = reinterpret_cast<int32_t*>(take(4 * sizeValues));
  if (plan.batched) {
    // panel p, dimension d, lane j ← query p·QW + j (zeros past the last query)
    for (int p = 0; p < plan.panelCount; p++) {
      float* panel = panels + static_cast<size_t>(p) * a.dim * QW;
      for (int j = 0; j < QW; j++) {
        int q = p * QW + j;
        const float* query = a.queries + static_cast<size_t>(q) * a.dim;
        for (int d = 0; d < a.dim; d++) panel[d * QW + j] = q < a.queryCount ? query[d] : 0.0f;
      }
    }
  }
  plan.panels = panels;
  parallel_for(plan.groups * plan.splits, threads, plan.batched ? scan_batch_task : scan_rows_task, &plan);
  parallel_for(a.queryCount, plan.splits > 1 ? threads : 1, merge_task, &plan);
}

}  // namespace VERBO_NS
}  // namespace verbo
