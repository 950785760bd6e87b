// HNSW search (compiled once per ISA; see isa.h) over a graph built by hnswlib, laid out by
// src/search/kernels/hnsw.ts and copied by hnsw_graph.cc (HnswGraph in kernels.h: the level-0 lists and
// int8 rows on huge pages). Similarity is the inner product of unit vectors
// (hnswlib's cosine space): "better" means a larger score throughout. The TypeScript oracle is hnswlib's
// own searchKnn on the same graph (and hnswSearchReference in hnsw.ts for the int8 walk).
//
// A search is hnswlib's: greedy descent from the entry point through the upper levels (each list scored
// at once, then a move to its best node while that beats the current one) — skipped when the caller names
// a node to start from (a query that is a word of the index starts at its own node, the best start there
// is) — then the beam search on level 0 with a result list of ef (a min-heap, its root the worst kept
// score `lower`) and a candidate queue (a max-heap). A node is expanded while the best candidate still
// beats `lower` or the results hold fewer than ef; its unvisited neighbours are scored together (their
// rows asked for first, so the loads overlap; int8 rows four per pass), queued when they beat `lower`,
// and kept as results unless deleted (deleted nodes still route). The nodes reached are a bit per node (Visited), cleared per query: 12.5 KB for 100,000 nodes
// stays in the first-level caches, where the 16-bit query number per node used before (200 KB) missed.
//
// Traversal scores come from the float32 rows (hnswlib's arithmetic up to summation order) or from int8
// codes of x − mean with a scale per row (a quarter of the memory traffic; see hnsw.ts for why the mean
// is taken out): the query, normalised, is rounded to int16 and a node's score is scale_x · Σ q16·x8,
// which orders nodes as q·x does up to rounding (the q·mean term and the query's scale are the same for
// every node). The best `rerank` results of an int8 walk are scored again in float32.
//
// Threads: a batch of queries is cut into one range per thread, each with its own visited set — the
// answers are those of one thread. One query may instead be walked by two walkers (opt-in): after a few
// expansions the candidate queue is dealt out between them (by heap position: each level of the heap is
// halved), both walk at once with their own lists of about 0.55 ef and the SAME visited set (bits set by
// an atomic or: a node one walker took, the other skips), then the two lists are merged. Two lists of
// 0.55 ef find about what one list of ef finds, each in little more than half the time — but which
// walker reaches a node first varies from run to run, so the answers may too.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "hnsw_heap.h"
#include "isa.h"
#include "kernels.h"
#include "pool.h"
#include "vector.h"

namespace verbo {
namespace VERBO_NS {
namespace {

/** pool.h scratch slot: a walker's lists (thread-local), and the two walkers' lists (the caller's). */
constexpr int kScratchSlot = 3;
/** Expansions made by one walker before the queue is split between two. */
constexpr int kSeedSteps = 3;

/** Where touched values go, so that their loads are kept. */
volatile int32_t sink_ = 0;

inline int imax(int a, int b) { return a > b ? a : b; }
inline int imin(int a, int b) { return a < b ? a : b; }
inline size_t round64(size_t bytes) { return (bytes + 63) / 64 * 64; }

/**
 * The nodes one query has reached: a bit per node, cleared per query (12.5 KB for 100,000 nodes: it stays
 * in the first-level caches, where a mark per node would not). Two walkers share one set through an
 * atomic or, so that a node is taken by one of them only.
 */
struct Visited {
  uint64_t* words;
  bool shared;

  static size_t bytes(int count) { return round64(sizeof(uint64_t) * ((static_cast<size_t>(count) + 63) / 64)); }
  void clear(int count) { std::memset(words, 0, bytes(count)); }

  /** Marks node; true when it was not marked before. */
  bool mark(int node) {
    const uint64_t bit = uint64_t{1} << (node & 63);
    if (shared) {
      // the plain read first: most nodes already taken cost no locked instruction
      if (__atomic_load_n(words + (node >> 6), __ATOMIC_RELAXED) & bit) return false;
      return (__atomic_fetch_or(words + (node >> 6), bit, __ATOMIC_RELAXED) & bit) == 0;
    }
    const uint64_t word = words[node >> 6];
    words[node >> 6] = word | bit;
    return (word & bit) == 0;
  }
};

/** The query as the walk scores it: unit float32 values and, for int8 walks, int16 codes. */
struct Query {
  const float* f;  // dim values, unit length
  const int16_t* q16;  // width8 values (zeros past dim)
};

/** Per-query constants of a search. */
struct Search {
  const HnswGraph* g;
  const HnswSearchArgs* a;
  Query query;
  bool int8;
  bool anyDeleted;
};

float score_float(const HnswGraph& g, const float* query, int node) {
  return vec::dot(g.rowsF + static_cast<size_t>(node) * g.dim, query, g.dim);
}

float score_int8(const HnswGraph& g, const int16_t* query, int node) {
  const int8_t* row = g.rows8 + static_cast<size_t>(node) * g.stride8;
  float scale;
  std::memcpy(&scale, row + g.width8, sizeof(float));
  return static_cast<float>(vec::dot_i8_i16(row, query, g.width8)) * scale;
}

inline float score(const Search& s, int node) {
  return s.int8 ? score_int8(*s.g, s.query.q16, node) : score_float(*s.g, s.query.f, node);
}

inline void prefetch_row(const Search& s, int node) {
  const HnswGraph& g = *s.g;
  if (s.int8)
    vec::prefetch(g.rows8 + static_cast<size_t>(node) * g.stride8, g.width8 + 4);
  else
    vec::prefetch(g.rowsF + static_cast<size_t>(node) * g.dim, g.dim * 4);
}

/**
 * Reads a word of each cache line of the n nodes' rows in a tight loop: the loads are then in flight
 * together instead of one after another inside the scoring.
 */
void touch_rows(const Search& s, const int32_t* ids, int n) {
  const HnswGraph& g = *s.g;
  int32_t touched = 0;
  if (s.int8) {
    for (int j = 0; j < n; j++) {
      const int8_t* row = g.rows8 + static_cast<size_t>(ids[j]) * g.stride8;
      touched += row[0] + row[g.width8 + 3];
    }
  } else {
    for (int j = 0; j < n; j++) {
      const float* row = g.rowsF + static_cast<size_t>(ids[j]) * g.dim;
      for (int d = 0; d < g.dim; d += 16) touched += static_cast<int32_t>(row[d]);
    }
  }
  sink_ += touched;
}

/**
 * Scores the n nodes at ids into scores; int8 rows four at a time (vec::dot4_i8_i16: one reduction for
 * four sums), with the same integer sums and float rounding as score_int8.
 */
void score_list(const Search& s, const int32_t* ids, float* scores, int n) {
  if (!s.int8) {
    for (int j = 0; j < n; j++) scores[j] = score_float(*s.g, s.query.f, ids[j]);
    return;
  }
  const HnswGraph& g = *s.g;
  const size_t stride = static_cast<size_t>(g.stride8);
  for (int j = 0; j < n; j += 4) {
    const int8_t* rows[4];
    for (int t = 0; t < 4; t++) rows[t] = g.rows8 + static_cast<size_t>(ids[imin(j + t, n - 1)]) * stride;  // the last row again past n
    int32_t sums[4];
    vec::dot4_i8_i16(rows[0], rows[1], rows[2], rows[3], s.query.q16, g.width8, sums);
    for (int t = 0; t < 4 && j + t < n; t++) {
      float scale;
      std::memcpy(&scale, rows[t] + g.width8, sizeof(float));
      scores[j + t] = static_cast<float>(sums[t]) * scale;
    }
  }
}

/** One walker's lists: results (min-heap of scores), candidates (min-heap of negated scores), scratch. */
struct Walker {
  Heap results;
  Heap candidates;
  int32_t* neighborIds;
  float* neighborScores;

  static size_t bytes(const HnswGraph& g, int efCapacity) {
    size_t links = static_cast<size_t>(imax(g.maxM0, g.maxM));
    return 2 * round64(4 * static_cast<size_t>(efCapacity + 1)) + 2 * round64(4 * static_cast<size_t>(g.count + 1)) +
           2 * round64(4 * links);
  }

  static Walker at(char* memory, const HnswGraph& g, int efCapacity) {
    size_t res = round64(4 * static_cast<size_t>(efCapacity + 1));
    size_t cand = round64(4 * static_cast<size_t>(g.count + 1));
    size_t links = round64(4 * static_cast<size_t>(imax(g.maxM0, g.maxM)));
    Walker w{};
    w.results = Heap{reinterpret_cast<float*>(memory), reinterpret_cast<int32_t*>(memory + res), 0};
    w.candidates = Heap{reinterpret_cast<float*>(memory + 2 * res), reinterpret_cast<int32_t*>(memory + 2 * res + cand), 0};
    w.neighborIds = reinterpret_cast<int32_t*>(memory + 2 * res + 2 * cand);
    w.neighborScores = reinterpret_cast<float*>(memory + 2 * res + 2 * cand + links);
    return w;
  }

  /**
   * Descends the upper levels from the entry point — or takes `start` (≥ 0: a node of the graph, e.g. the
   * query's own word) — and puts the node reached in the lists, marked with visited. Returns false for an
   * empty graph.
   */
  bool begin(const Search& s, Visited& visited, int start) {
    const HnswGraph& g = *s.g;
    results.size = candidates.size = 0;
    if (g.count == 0) return false;
    int current = start >= 0 ? start : g.entryPoint;
    float currentScore = score(s, current);
    for (int level = start >= 0 ? 0 : g.maxLevel; level > 0; level--) {
      for (bool changed = true; changed;) {
        changed = false;
        // (the addon checked the layout; a node without this level would end the descent here)
        int32_t start = g.upperStart[current];
        size_t at = static_cast<size_t>(start) + static_cast<size_t>(level - 1) * (g.maxM + 1);
        if (start < 0 || at + g.maxM + 1 > g.upperLinkInts) break;
        const int32_t* list = g.upperLinks + at;
        int count = list[0] & 0xffff;
        touch_rows(s, list + 1, count);
        score_list(s, list + 1, neighborScores, count);
        int next = current;
        for (int j = 0; j < count; j++) {
          if (neighborScores[j] > currentScore) {
            currentScore = neighborScores[j];
            next = list[1 + j];
            changed = true;
          }
        }
        current = next;
      }
    }
    visited.mark(current);
    if (g.deleted[current] == 0) {
      results.push(currentScore, current);
      candidates.push(-currentScore, current);
    } else {
      candidates.push(INFINITY, current);  // routes, never returned: expanded last
    }
    return true;
  }

  /** The beam search on level 0 with a result list of ef, for at most `steps` expansions (−1: no limit). */
  void walk(const Search& s, Visited& visited, int ef, int steps) {
    const HnswGraph& g = *s.g;
    const size_t stride = static_cast<size_t>(g.linkStride);
    float lower = results.size > 0 ? results.scores[0] : -INFINITY;
    for (int done = 0; candidates.size > 0 && done != steps; done++) {
      float best = -candidates.scores[0];
      if (best < lower && results.size >= ef) break;
      int node = candidates.ids[0];
      candidates.pop();
      const int32_t* list = g.links0 + static_cast<size_t>(node) * stride;
      int fresh = 0;
      for (int j = 0; j < g.maxM0; j++) {
        int neighbor = list[j];
        if (neighbor < 0) break;
        neighborIds[fresh] = neighbor;
        fresh += visited.mark(neighbor) ? 1 : 0;
      }
      touch_rows(s, neighborIds, fresh);
      // the next candidate's list is likely read next: its loads go in flight with the rows'
      if (candidates.size > 0) vec::prefetch(g.links0 + static_cast<size_t>(candidates.ids[0]) * stride, 4 * g.maxM0);
      score_list(s, neighborIds, neighborScores, fresh);
      for (int j = 0; j < fresh; j++) {
        float sc = neighborScores[j];
        if (results.size < ef || sc > lower) {
          int neighbor = neighborIds[j];
          candidates.push(-sc, neighbor);
          if (!s.anyDeleted || g.deleted[neighbor] == 0) {
            if (results.size < ef)
              results.push(sc, neighbor);
            else
              results.replace_root(sc, neighbor);
          }
          if (results.size > 0) lower = results.scores[0];
        }
      }
    }
  }

  /**
   * int8 walks: keeps the best `keep` results by their int8 scores and scores them again in float32
   * (the lists are no longer heaps afterwards; the candidates' arrays serve as scratch).
   */
  void rescore(const Search& s, int keep) {
    int n = results.size;
    if (n > keep) {
      std::memcpy(candidates.scores, results.scores, sizeof(float) * n);
      std::memcpy(candidates.ids, results.ids, sizeof(int32_t) * n);
      results.size = 0;
      for (int i = 0; i < n; i++) {
        float sc = candidates.scores[i];
        if (results.size < keep)
          results.push(sc, candidates.ids[i]);
        else if (sc > results.scores[0])
          results.replace_root(sc, candidates.ids[i]);
      }
      n = results.size;
    }
    for (int i = 0; i < n; i++) vec::prefetch(s.g->rowsF + static_cast<size_t>(results.ids[i]) * s.g->dim, s.g->dim * 4);
    for (int i = 0; i < n; i++) results.scores[i] = score_float(*s.g, s.query.f, results.ids[i]);
  }
};

/** The query q, normalised (as hnswlib-node does: divided by its float norm), and its int16 codes. */
void prepare_query(const HnswGraph& g, const float* raw, float* unit, int16_t* q16, bool int8) {
  float sum = 0;
  for (int d = 0; d < g.dim; d++) sum += raw[d] * raw[d];
  float norm = std::sqrt(sum);
  for (int d = 0; d < g.dim; d++) unit[d] = norm > 0 ? raw[d] / norm : raw[d];
  if (!int8) return;
  float largest = 0;
  for (int d = 0; d < g.dim; d++) largest = std::fabs(unit[d]) > largest ? std::fabs(unit[d]) : largest;
  float scale = largest > 0 ? 32767.0f / largest : 0.0f;
  for (int d = 0; d < g.width8; d++) q16[d] = d < g.dim ? static_cast<int16_t>(std::nearbyint(unit[d] * scale)) : 0;
}

/** Writes the best k of `lists` (merged, each node once) to the output slots, best first; returns how many. */
int output(const HnswSearchArgs& a, int q, Walker* walkers, int count, Heap final) {
  final.size = 0;
  const int k = a.k;
  for (int w = 0; w < count; w++) {
    const Heap& r = walkers[w].results;
    for (int i = 0; i < r.size; i++) {
      float sc = r.scores[i];
      int32_t id = r.ids[i];
      if (final.size == k && !(sc > final.scores[0])) continue;
      if (w > 0) {
        // a node in both lists (the results held at the split went to both walkers) is taken once
        bool held = false;
        for (int j = 0; j < final.size && !held; j++) held = final.ids[j] == id;
        if (held) continue;
      }
      if (final.size < k)
        final.push(sc, id);
      else
        final.replace_root(sc, id);
    }
  }
  int found = final.size;
  float* scores = a.scores + static_cast<size_t>(q) * k;
  int32_t* ids = a.ids + static_cast<size_t>(q) * k;
  for (int i = found; i < k; i++) {
    scores[i] = -INFINITY;
    ids[i] = -1;
  }
  while (final.size > 0) {
    scores[final.size - 1] = final.scores[0];
    ids[final.size - 1] = final.ids[0];
    final.pop();
  }
  a.found[q] = found;
  return found;
}

struct Batch {
  const HnswSearchArgs* a;
  int ranges;
};

/** Queries of range t, one walker each, with its own visited set. */
void search_range(void* context, int t) {
  const Batch& batch = *static_cast<const Batch*>(context);
  const HnswSearchArgs& a = *batch.a;
  const HnswGraph& g = *a.graph;
  int per = (a.queryCount + batch.ranges - 1) / batch.ranges;
  int from = t * per, to = imin(a.queryCount, from + per);
  if (from >= to) return;
  const int beam = imax(a.ef, a.int8 ? 2 * a.k : a.k);
  size_t walkerBytes = round64(Walker::bytes(g, beam));
  size_t finalBytes = round64(4 * static_cast<size_t>(a.k + 1));
  size_t queryBytes = round64(4 * static_cast<size_t>(g.dim)) + round64(2 * static_cast<size_t>(g.width8));
  char* memory = reinterpret_cast<char*>(thread_scratch(kScratchSlot, walkerBytes + 2 * finalBytes + queryBytes + Visited::bytes(g.count)));
  Walker walker = Walker::at(memory, g, beam);
  Heap final{reinterpret_cast<float*>(memory + walkerBytes), reinterpret_cast<int32_t*>(memory + walkerBytes + finalBytes), 0};
  float* unit = reinterpret_cast<float*>(memory + walkerBytes + 2 * finalBytes);
  int16_t* q16 = reinterpret_cast<int16_t*>(memory + walkerBytes + 2 * finalBytes + round64(4 * static_cast<size_t>(g.dim)));
  Visited visited{reinterpret_cast<uint64_t*>(memory + walkerBytes + 2 * finalBytes + queryBytes), false};
  Search s{&g, &a, Query{unit, q16}, a.int8, a.deletedCount > 0};
  for (int q = from; q < to; q++) {
    prepare_query(g, a.queries + static_cast<size_t>(q) * g.dim, unit, q16, a.int8);
    visited.clear(g.count);
    if (walker.begin(s, visited, a.starts != nullptr ? a.starts[q] : -1)) {
      walker.walk(s, visited, beam, -1);
      if (a.int8) walker.rescore(s, imax(a.rerank, a.k));
    }
    output(a, q, &walker, 1, final);
  }
}

/** Two walkers on one query (see the header): their shared state. */
struct Pair {
  const Search* s;
  Walker walkers[2];
  Visited visited;
  int ef;
  int keep;
};

void walk_one_of_two(void* context, int w) {
  Pair& pair = *static_cast<Pair*>(context);
  pair.walkers[w].walk(*pair.s, pair.visited, pair.ef, -1);
  if (pair.s->int8) pair.walkers[w].rescore(*pair.s, pair.keep);
}

/** Deals the first walker's candidates out between the two (even heap positions stay) and copies its results. */
void split(Walker& mine, Walker& theirs) {
  Heap& from = mine.candidates;
  int kept = 0;
  theirs.candidates.size = 0;
  for (int i = 0; i < from.size; i++) {
    if ((i & 1) == 0) {
      from.scores[kept] = from.scores[i];
      from.ids[kept++] = from.ids[i];
    } else {
      theirs.candidates.scores[theirs.candidates.size] = from.scores[i];
      theirs.candidates.ids[theirs.candidates.size++] = from.ids[i];
    }
  }
  from.size = kept;
  from.heapify();
  theirs.candidates.heapify();
  std::memcpy(theirs.results.scores, mine.results.scores, sizeof(float) * mine.results.size);
  std::memcpy(theirs.results.ids, mine.results.ids, sizeof(int32_t) * mine.results.size);
  theirs.results.size = mine.results.size;
}

void search_two_walkers(const HnswSearchArgs& a) {
  const HnswGraph& g = *a.graph;
  const int least = a.int8 ? 2 * a.k : a.k;
  const int beam = imax(a.ef, least);
  const int share = imax(static_cast<int>(std::ceil(a.ef * 0.55)), least);
  const int capacity = imax(beam, share);
  size_t walkerBytes = round64(Walker::bytes(g, capacity));
  size_t finalBytes = round64(4 * static_cast<size_t>(a.k + 1));
  size_t queryBytes = round64(4 * static_cast<size_t>(g.dim)) + round64(2 * static_cast<size_t>(g.width8));
  char* memory = reinterpret_cast<char*>(thread_scratch(kScratchSlot, 2 * walkerBytes + 2 * finalBytes + queryBytes + Visited::bytes(g.count)));
  Pair pair{};
  pair.walkers[0] = Walker::at(memory, g, capacity);
  pair.walkers[1] = Walker::at(memory + walkerBytes, g, capacity);
  Heap final{reinterpret_cast<float*>(memory + 2 * walkerBytes),
             reinterpret_cast<int32_t*>(memory + 2 * walkerBytes + finalBytes), 0};
  float* unit = reinterpret_cast<float*>(memory + 2 * walkerBytes + 2 * finalBytes);
  int16_t* q16 = reinterpret_cast<int16_t*>(memory + 2 * walkerBytes + 2 * finalBytes + round64(4 * static_cast<size_t>(g.dim)));
  Search s{&g, &a, Query{unit, q16}, a.int8, a.deletedCount > 0};
  pair.s = &s;
  pair.visited = Visited{reinterpret_cast<uint64_t*>(memory + 2 * walkerBytes + 2 * finalBytes + queryBytes), true};
  pair.ef = share;
  pair.keep = imax(a.rerank, a.k);
  for (int q = 0; q < a.queryCount; q++) {
    prepare_query(g, a.queries + static_cast<size_t>(q) * g.dim, unit, q16, a.int8);
    pair.visited.clear(g.count);
    Walker& first = pair.walkers[0];
    pair.walkers[1].results.size = pair.walkers[1].candidates.size = 0;
    int walkers = 1;
    if (first.begin(s, pair.visited, a.starts != nullptr ? a.starts[q] : -1)) {
      first.walk(s, pair.visited, share, kSeedSteps);
      if (first.candidates.size >= 2) {
        split(first, pair.walkers[1]);
        parallel_for(2, 2, walk_one_of_two, &pair);
        walkers = 2;
      } else {
        walk_one_of_two(&pair, 0);
      }
    }
    output(a, q, pair.walkers, walkers, final);
  }
}

}  // namespace

void hnsw_search(const HnswSearchArgs& a) {
  if (a.queryCount <= 0 || a.k <= 0) return;
  if (a.walkers >= 2) {
    search_two_walkers(a);
    return;
  }
  Batch batch{&a, imax(1, imin(a.threads, a.queryCount))};
  parallel_for(batch.ranges, batch.ranges, search_range, &batch);
}

}  // namespace VERBO_NS
}  // namespace verbo
