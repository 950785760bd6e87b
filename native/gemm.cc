// Single-precision GEMM the BLIS way (compiled once per ISA; see isa.h):
//   for each k block of KC     pack op(A)[all rows, block] into MR-row micro-panels (shared)
//     for each column block NC   pack op(B)[block, columns] into NR-column micro-panels (shared)
//       tiles of (MC rows × some columns), one task each on the pool:
//         for each B micro-panel (stays in L1)  for each A micro-panel (streams from L2)  micro-kernel
// Packing turns any strides (both transposes) into the unit-stride panels the micro-kernel reads, so
// the micro-kernel (microkernel.h) is the only ISA-specific code. When op(B) is row-major and A has few
// rows, B is read in place (its rows already hold NR consecutive values per k), since packing it would
// cost as much as the product; only a last, partial micro-panel is packed (reading NR values there would
// run past the matrix). Likewise a row-major A is read in place when C has few columns (dX = G·Wᵀ of the
// output layer: 700 × 200 from k = 10 000): each A panel meets few B panels, so packing it costs a pass
// over A for little reuse (that product measured ~12% faster without it, 1 thread). When op(B) is a transposed row-major matrix (its columns contiguous) and A has
// one to a few contiguous rows — a next-word prediction's output layer — C is a set of dot products
// and is computed as such (dot_task), again without packing. One row of A against a row-major B (a
// batch-1 recurrent step, 1 × 200 · 200 × 800) is C's row built from B's rows in order (row_task): B
// streams once in its own order, where the tile path read it as strided 32-column strips (measured
// 11.1 → 6.7 µs a call on Zen 5, and a next-word prediction 1.43 → ~1.3 ms). Every C element sums its k blocks in order, on one thread: results do
// not depend on the thread count.
#include <cstring>

#include "isa.h"
#include "kernels.h"
#include "microkernel.h"
#include "pool.h"
#include "vector.h"

namespace verbo {
namespace VERBO_NS {
namespace {

using micro::MR;
using micro::NR;

/** Deepest k block: a B micro-panel (KC × NR floats) should stay near the 32-48 KiB L1. k is cut into
 * equal blocks of at most KC (k = 300 is two blocks of 150, not 256 + 44). 256 on every ISA: the
 * language models' k = 200 products (output layer, input projections) then run as one block, so C is
 * written once; AVX-512 with 192 took two blocks there and lost 10-20% on Zen 4. */
#ifndef VERBO_KC
constexpr int KC = 256;
#else
constexpr int KC = VERBO_KC;
#endif
/** Rows of a task's tile: its A block (MC × KC) stays in L2. */
constexpr int MC = MR * (NR >= 32 ? 16 : 32);
/** Columns packed at once (KC × NC floats of B, shared by the threads, in L3). */
constexpr int NC = 4096;
/** Below this many multiply-adds a product runs on the calling thread alone. */
constexpr double kParallelMinWork = 1 << 18;
/** A's rows up to which a row-major B is read in place instead of packed. */
#ifndef VERBO_DIRECT_ROWS
constexpr int kDirectBRows = 4 * MR;
#else
constexpr int kDirectBRows = VERBO_DIRECT_ROWS;
#endif
/** C's columns up to which a row-major A is read in place instead of packed: with few columns each A
 * panel meets few B panels, and packing A (700 × 10 000 for the output layer's dX = G·Wᵀ) would cost a
 * pass over it for little reuse. */
constexpr int kDirectAColumns = 256;
/** A's rows up to which a product with a transposed B is computed as dot products. */
constexpr int kDotRows = 8;
/** Partial sums per dot product: a multiple of every vector width, summed in a fixed order. */
constexpr int kDotLanes = 16;
/** Columns of C per task of the dot-product path. */
constexpr int kDotColumns = 256;
/** Columns of C per block (and per task) of a one-row product with a row-major B: 2,048 floats of C
 * (8 KiB) stay in L1 while B's rows stream past. */
constexpr int kRowColumns = 2048;

inline int imin(int x, int y) { return x < y ? x : y; }
inline int ceil_div(int x, int y) { return (x + y - 1) / y; }

/**
 * dst[p·width + i] = src[i·ld + p] for i < count, p < kc: `count` contiguous runs (rows of A, or columns
 * of op(B) when B is stored transposed) dealt out across a micro-panel, by 8 × 8 register blocks.
 */
void pack_transposed(const float* src, ptrdiff_t ld, int count, int kc, float* __restrict dst, int width) {
  const int full = kc - kc % 8;
  for (int i0 = 0; i0 < count; i0 += 8) {
    const float* block = src + i0 * ld;
    const int runs = imin(8, count - i0);
    for (int p = 0; p < full; p += 8) micro::transpose8(block + p, ld, runs, dst + p * width + i0, width);
    for (int i = 0; i < runs; i++)
      for (int p = full; p < kc; p++) dst[p * width + i0 + i] = block[i * ld + p];
  }
}

/** dst[p·MR + r] = op(A)(i0 + r, p0 + p) for r < rows, 0 for rows ≤ r < MR. */
void pack_a(const GemmArgs& g, int i0, int rows, int p0, int kc, float* __restrict dst) {
  const float* a = g.a;
  if (g.csA == 1) {
    pack_transposed(a + i0 * g.rsA + p0, g.rsA, rows, kc, dst, MR);
  } else if (g.rsA == 1) {
    for (int p = 0; p < kc; p++) {
      const float* src = a + (p0 + p) * g.csA + i0;
      for (int r = 0; r < rows; r++) dst[p * MR + r] = src[r];
    }
  } else {
    for (int p = 0; p < kc; p++)
      for (int r = 0; r < rows; r++) dst[p * MR + r] = a[(i0 + r) * g.rsA + (p0 + p) * g.csA];
  }
  if (rows < MR)
    for (int p = 0; p < kc; p++)
      for (int r = rows; r < MR; r++) dst[p * MR + r] = 0.0f;
}

/** dst[p·NR + j] = op(B)(p0 + p, j0 + j) for j < cols, 0 for cols ≤ j < NR. */
void pack_b(const GemmArgs& g, int j0, int cols, int p0, int kc, float* __restrict dst) {
  const float* b = g.b;
  if (g.csB == 1) {
    for (int p = 0; p < kc; p++) {
      const float* src = b + (p0 + p) * g.rsB + j0;
      float* out = dst + p * NR;
      for (int j = 0; j < cols; j++) out[j] = src[j];
      for (int j = cols; j < NR; j++) out[j] = 0.0f;
    }
    return;
  }
  if (g.rsB == 1) {
    pack_transposed(b + j0 * g.csB + p0, g.csB, cols, kc, dst, NR);
  } else {
    for (int j = 0; j < cols; j++)
      for (int p = 0; p < kc; p++) dst[p * NR + j] = b[(p0 + p) * g.rsB + (j0 + j) * g.csB];
  }
  if (cols < NR)
    for (int p = 0; p < kc; p++)
      for (int j = cols; j < NR; j++) dst[p * NR + j] = 0.0f;
}

/** One k block × column block of the product, cut into tasks. */
struct Block {
  const GemmArgs* g;
  int p0, kc;          // k block
  int j0, nc;          // column block
  bool add;            // add into C (accumulate, or a later k block)
  float* packedA;      // ceil(m / MR) panels of kc × MR
  float* packedB;      // ceil(nc / NR) panels of kc × NR; with directB only the last, partial one
  bool directB;        // full micro-panels of B are read in place
  bool directA;        // A is read in place (row-major), not packed
  int aPanels, bPanels;
  int packTasks;       // tasks of the packing step: A panel groups, then B panel groups
  int aGroups;
  int panelsPerGroup;
  int rowTiles, panelsPerRowTile, colTiles, panelsPerColTile;
};

void pack_task(void* context, int task) {
  const Block& blk = *static_cast<const Block*>(context);
  const GemmArgs& g = *blk.g;
  if (task < blk.aGroups) {
    int first = task * blk.panelsPerGroup;
    int last = imin(first + blk.panelsPerGroup, blk.aPanels);
    for (int panel = first; panel < last; panel++) {
      int i0 = panel * MR;
      pack_a(g, i0, imin(MR, g.m - i0), blk.p0, blk.kc, blk.packedA + static_cast<size_t>(panel) * blk.kc * MR);
    }
    return;
  }
  if (blk.directB) {
    int panel = blk.bPanels - 1;
    int j = panel * NR;
    pack_b(g, blk.j0 + j, blk.nc - j, blk.p0, blk.kc, blk.packedB);
    return;
  }
  int first = (task - blk.aGroups) * blk.panelsPerGroup;
  int last = imin(first + blk.panelsPerGroup, blk.bPanels);
  if (g.csB == 1) {
    // Row-major B: walk each row of the group's columns once (contiguous reads), dealing its values out
    // to the panels, rather than one panel at a time (a strided walk down B per panel).
    // Each row's NR-value pieces are whole vector copies (the compiler's), not one index computation
    // per value.
    const int j0 = first * NR, cols = imin(last * NR, blk.nc) - j0;
    const int fullPanels = cols / NR, tail = cols % NR;
    const size_t panelSize = static_cast<size_t>(blk.kc) * NR;
    float* base = blk.packedB + static_cast<size_t>(first) * panelSize;
    for (int p = 0; p < blk.kc; p++) {
      const float* __restrict src = g.b + (blk.p0 + p) * g.rsB + blk.j0 + j0;
      float* __restrict out = base + p * NR;
      for (int q = 0; q < fullPanels; q++)
        for (int j = 0; j < NR; j++) out[q * panelSize + j] = src[q * NR + j];
      if (tail != 0) {
        float* __restrict last = out + fullPanels * panelSize;
        for (int j = 0; j < tail; j++) last[j] = src[fullPanels * NR + j];
        for (int j = tail; j < NR; j++) last[j] = 0.0f;
      }
    }
    return;
  }
  for (int panel = first; panel < last; panel++) {
    int j = panel * NR;
    pack_b(g, blk.j0 + j, imin(NR, blk.nc - j), blk.p0, blk.kc,
           blk.packedB + static_cast<size_t>(panel) * blk.kc * NR);
  }
}

void compute_task(void* context, int task) {
  const Block& blk = *static_cast<const Block*>(context);
  const GemmArgs& g = *blk.g;
  int rowTile = task % blk.rowTiles;
  int colTile = task / blk.rowTiles;
  int firstA = rowTile * blk.panelsPerRowTile;
  int lastA = imin(firstA + blk.panelsPerRowTile, blk.aPanels);
  int firstB = colTile * blk.panelsPerColTile;
  int lastB = imin(firstB + blk.panelsPerColTile, blk.bPanels);
  for (int jp = firstB; jp < lastB; jp++) {
    int j = jp * NR;
    int cols = imin(NR, blk.nc - j);
    const float* b;
    ptrdiff_t bStride;
    if (blk.directB && cols == NR) {
      b = g.b + blk.p0 * g.rsB + blk.j0 + j;
      bStride = g.rsB;
    } else {
      b = blk.packedB + (blk.directB ? 0 : static_cast<size_t>(jp) * blk.kc * NR);
      bStride = NR;
    }
    float* cColumn = g.c + blk.j0 + j;
    for (int ip = firstA; ip < lastA; ip++) {
      int i0 = ip * MR;
      if (blk.directA)
        micro::tile_rows<true>(imin(MR, g.m - i0), blk.kc, g.a + i0 * g.rsA + blk.p0, g.rsA, b, bStride,
                               cColumn + i0 * g.ldc, g.ldc, cols, blk.add);
      else
        micro::tile_rows<false>(imin(MR, g.m - i0), blk.kc, blk.packedA + static_cast<size_t>(ip) * blk.kc * MR, 0,
                                b, bStride, cColumn + i0 * g.ldc, g.ldc, cols, blk.add);
    }
  }
}

/**
 * c[i, j] (+)= Σ_p a[i, p] · bt[j, p] for one row i and four columns j..j+3 (bt = B stored transposed:
 * row j of bt is column j of op(B)). kDotLanes interleaved partial sums per column, added up in a fixed
 * order, so the compiler can vectorise without reassociating.
 */
void dot4(int k, const float* __restrict a, const float* __restrict b0, const float* __restrict b1,
          const float* __restrict b2, const float* __restrict b3, float* sums) {
  float l0[kDotLanes], l1[kDotLanes], l2[kDotLanes], l3[kDotLanes];
  for (int l = 0; l < kDotLanes; l++) l0[l] = l1[l] = l2[l] = l3[l] = 0.0f;
  int p = 0;
  for (; p + kDotLanes <= k; p += kDotLanes) {
    for (int l = 0; l < kDotLanes; l++) {
      float x = a[p + l];
      l0[l] += x * b0[p + l];
      l1[l] += x * b1[p + l];
      l2[l] += x * b2[p + l];
      l3[l] += x * b3[p + l];
    }
  }
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int l = 0; l < kDotLanes; l++) {
    s0 += l0[l];
    s1 += l1[l];
    s2 += l2[l];
    s3 += l3[l];
  }
  for (; p < k; p++) {
    s0 += a[p] * b0[p];
    s1 += a[p] * b1[p];
    s2 += a[p] * b2[p];
    s3 += a[p] * b3[p];
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
  sums[3] = s3;
}

void dot_task(void* context, int task) {
  const GemmArgs& g = *static_cast<const GemmArgs*>(context);
  const int first = task * kDotColumns;
  const int last = imin(first + kDotColumns, g.n);
  for (int j = first; j < last; j += 4) {
    // Past the last column, repeat it (its sums are computed and dropped) rather than branch.
    const float* rows[4];
    for (int r = 0; r < 4; r++) rows[r] = g.b + imin(j + r, g.n - 1) * g.csB;
    // The four columns of B stay in L1 while every row of A (at most kDotRows) meets them.
    for (int i = 0; i < g.m; i++) {
      float sums[4];
      dot4(g.k, g.a + i * g.rsA, rows[0], rows[1], rows[2], rows[3], sums);
      float* c = g.c + i * g.ldc;
      for (int r = 0; r < 4 && j + r < last; r++) c[j + r] = g.accumulate ? c[j + r] + sums[r] : sums[r];
    }
  }
}

/**
 * One row of A times a row-major B (a batch-1 recurrent step, a next-word output layer): C's row is
 * built as Σ_p a[p] · B[p, :] over B's rows in order, a block of kRowColumns columns at a time, so B is
 * read in its own order (one stream the prefetchers follow) and each column's sum is formed in the same
 * order whatever the task count. The tile path reads such a B as narrow strided columns instead.
 */
void row_task(void* context, int task) {
  const GemmArgs& g = *static_cast<const GemmArgs*>(context);
  const int first = task * kRowColumns;
  const int width = imin(kRowColumns, g.n - first);
  float* __restrict c = g.c + first;
  if (!g.accumulate)
    for (int j = 0; j < width; j++) c[j] = 0.0f;
  // Four rows of B per pass over C's block (a quarter of the loads and stores of C), each column's
  // additions still in row order.
  int p = 0;
  for (; p + 4 <= g.k; p += 4) {
    const float a0 = g.a[p * g.csA], a1 = g.a[(p + 1) * g.csA], a2 = g.a[(p + 2) * g.csA], a3 = g.a[(p + 3) * g.csA];
    const float* __restrict b0 = g.b + p * g.rsB + first;
    const float* __restrict b1 = b0 + g.rsB;
    const float* __restrict b2 = b1 + g.rsB;
    const float* __restrict b3 = b2 + g.rsB;
    for (int j = 0; j < width; j++) {
      float sum = c[j];
      sum += a0 * b0[j];
      sum += a1 * b1[j];
      sum += a2 * b2[j];
      sum += a3 * b3[j];
      c[j] = sum;
    }
  }
  for (; p < g.k; p++) vec::axpy(g.a[p * g.csA], g.b + p * g.rsB + first, c, width);
}

}  // namespace

void gemm(const GemmArgs& g) {
  if (g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0) {
    if (!g.accumulate)
      for (int i = 0; i < g.m; i++) std::memset(g.c + i * g.ldc, 0, sizeof(float) * g.n);
    return;
  }
  double work = static_cast<double>(g.m) * g.n * g.k;
  int threads = work < kParallelMinWork ? 1 : g.threads;
  if (g.m == 1 && g.csB == 1) {
    parallel_for(ceil_div(g.n, kRowColumns), threads, row_task, const_cast<GemmArgs*>(&g));
    return;
  }
  if (g.m <= kDotRows && g.rsB == 1 && g.csA == 1) {
    parallel_for(ceil_div(g.n, kDotColumns), threads, dot_task, const_cast<GemmArgs*>(&g));
    return;
  }
  const int aPanels = ceil_div(g.m, MR);
  // A row-major B is read in place when A has few rows.
  const bool directB = g.csB == 1 && g.m <= kDirectBRows;
  // A row-major A is read in place when C has few columns.
  const bool directA = g.csA == 1 && g.n <= kDirectAColumns;
  const int kBlocks = ceil_div(g.k, KC);
  const int kcMax = ceil_div(g.k, kBlocks);
  float* packedA = thread_scratch(0, sizeof(float) * static_cast<size_t>(aPanels) * kcMax * MR);
  const size_t bPanelsMax = directB ? 1 : ceil_div(imin(NC, g.n), NR);
  float* packedB = thread_scratch(1, sizeof(float) * bPanelsMax * kcMax * NR);
  for (int p0 = 0; p0 < g.k; p0 += kcMax) {
    const int kc = imin(kcMax, g.k - p0);
    for (int j0 = 0; j0 < g.n; j0 += NC) {
      Block blk;
      blk.g = &g;
      blk.p0 = p0;
      blk.kc = kc;
      blk.j0 = j0;
      blk.nc = imin(NC, g.n - j0);
      blk.add = g.accumulate || p0 > 0;
      blk.packedA = packedA;
      blk.packedB = packedB;
      blk.directB = directB;
      blk.directA = directA;
      blk.aPanels = aPanels;
      blk.bPanels = ceil_div(blk.nc, NR);
      // A is packed once per k block (with the first column block); B once per column block.
      blk.panelsPerGroup = 8;
      blk.aGroups = j0 == 0 && !directA ? ceil_div(aPanels, blk.panelsPerGroup) : 0;
      int bGroups = directB ? (blk.nc % NR != 0 ? 1 : 0) : ceil_div(blk.bPanels, blk.panelsPerGroup);
      blk.packTasks = blk.aGroups + bGroups;
      parallel_for(blk.packTasks, threads, pack_task, &blk);
      // Tiles: at most MC rows, the A panels dealt out evenly (200 rows are two tiles of 108 and 96, not
      // 192 and 8: tiles of equal work keep both threads busy to the end), by enough columns to give each
      // thread about three tasks.
      blk.rowTiles = ceil_div(aPanels, MC / MR);
      blk.panelsPerRowTile = ceil_div(aPanels, blk.rowTiles);
      int wantColTiles = ceil_div(3 * threads, blk.rowTiles);
      blk.panelsPerColTile = ceil_div(blk.bPanels, wantColTiles);
      blk.colTiles = ceil_div(blk.bPanels, blk.panelsPerColTile);
      parallel_for(blk.rowTiles * blk.colTiles, threads, compute_task, &blk);
    }
  }
}

}  // namespace VERBO_NS
}  // namespace verbo
