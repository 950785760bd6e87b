// HNSW construction (compiled once per ISA; see isa.h), one batch of nodes per call: the graph hnswlib's
// addPoint would grow, but built by several threads with the same links whatever their number. Similarity
// is the inner product of unit rows (hnswlib's cosine space, distance 1 − dot), float32 throughout.
// src/search/kernels/hnsw-build.ts draws the levels, picks the batches and writes hnswlib's file.
//
// A batch [begin, end) is joined in two phases, each split between the pool's threads:
//  (a) every new node searches the graph as it stood at the batch's start (nodes < begin; nothing of the
//      batch is reachable yet, since no old node links to it before phase b): hnswlib's greedy descent
//      from the entry point down to its own top level, then on each of its levels a beam search of
//      efConstruction whose best node starts the next level down. To those candidates it adds the nodes
//      of its batch that come before it (that reach the level and beat the worst of a full beam's
//      results: hnswlib chooses among the efConstruction best it found), then keeps up to M with hnswlib's
//      heuristic (best first; a candidate is kept only if it is closer to the new node than to every one
//      kept) and writes that list as its own (its own lists are read by no other task).
//  (b) the reverse links: every (target, level, new node) pair of the batch, sorted, so that each target's
//      list is rewritten by one task only, from its pairs in new-node order: the new nodes are appended
//      while the list has room (maxM0 on level 0, M above); when it would overflow, the list and the new
//      nodes are pruned together to maxM0 / M with the same heuristic (hnswlib prunes one arrival at a
//      time; here all of a batch's arrivals at once).
// Every node's work reads only the frozen graph, the rows and its own lists, so any thread can do it: the
// result is the same for 1 or 64 threads (for one ISA: the dot products' rounding differs between ISAs).
#include <algorithm>
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

/** pool.h scratch slot of a builder task (hnsw.cc, the walk, uses 3). */
constexpr int kScratchSlot = 2;
/** The calling thread's slot for a batch's link pairs (held while its tasks use kScratchSlot). */
constexpr int kPairSlot = 3;

inline size_t round64(size_t bytes) { return (bytes + 63) / 64 * 64; }

/** Asks for every cache line of a row (400 bytes at dim 100), so that a list's loads overlap. */
inline void prefetch_row(const float* row, int dim) {
  const char* p = reinterpret_cast<const char*>(row);
  for (int offset = 0; offset < dim * 4; offset += 64) __builtin_prefetch(p + offset);
  __builtin_prefetch(p + dim * 4 - 1);
}

/** A candidate neighbour: its similarity to the node being linked, and its id. */
struct Candidate {
  float score;
  int32_t id;
};

/** Best first; equal scores by the lower id, so that the order is total. */
struct BetterFirst {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
  }
};

/** (target, level, new node − begin) packed so that sorting groups a target's pairs, level by level. */
struct KeyLess {
  bool operator()(uint64_t a, uint64_t b) const { return a < b; }
};

struct Build {
  const HnswBuildArgs* a;

  const float* row(int node) const { return a->rows + static_cast<size_t>(node) * a->dim; }

  /** A node of the frozen graph that has a list on `level` (guards against a corrupted list). */
  bool usable(int node, int level) const {
    return static_cast<unsigned>(node) < static_cast<unsigned>(a->begin) && (level == 0 || a->levels[node] >= level);
  }

  /** A list's length, never more than its slots. */
  int length(const int32_t* list, int level) const {
    const int limit = level == 0 ? a->maxM0 : a->M;
    return list[0] < 0 ? 0 : list[0] > limit ? limit : list[0];
  }

  /** A node's list on `level`: a count, then the ids. */
  int32_t* list(int node, int level) const {
    if (level == 0) return a->links0 + static_cast<size_t>(node) * (a->maxM0 + 1);
    return a->upperLinks + a->upperStart[node] + static_cast<size_t>(level - 1) * (a->M + 1);
  }
};

/**
 * hnswlib's neighbour heuristic over candidates sorted best first: keeps a candidate only if it is more
 * similar to the node than to every candidate already kept, up to `limit` (fewer than `limit` candidates:
 * all kept, as hnswlib). Writes the kept ids to out; returns their number.
 */
int select_neighbours(const Build& b, const Candidate* candidates, int count, int limit, int32_t* out) {
  if (count < limit) {
    for (int i = 0; i < count; i++) out[i] = candidates[i].id;
    return count;
  }
  int kept = 0;
  for (int i = 0; i < count && kept < limit; i++) {
    const float* x = b.row(candidates[i].id);
    bool good = true;
    for (int r = 0; r < kept; r++) {
      if (vec::dot(x, b.row(out[r]), b.a->dim) > candidates[i].score) {
        good = false;
        break;
      }
    }
    if (good) out[kept++] = candidates[i].id;
  }
  return kept;
}

/** The nodes a search reached: a bit per node, cleared per search. */
struct Visited {
  uint64_t* words;
  size_t bytes;
  void clear() { std::memset(words, 0, bytes); }
  bool mark(int node) {
    const uint64_t bit = uint64_t{1} << (node & 63);
    const uint64_t word = words[node >> 6];
    words[node >> 6] = word | bit;
    return (word & bit) == 0;
  }
};

/** One task's scratch, carved from its thread's slot. */
struct Scratch {
  Visited visited;
  Heap results;     // min-heap: the worst kept at the root
  Heap candidates;  // scores negated: the best at the root
  Candidate* pool;  // a level's candidates, sorted before the heuristic
  float* mateScores;
  int32_t* unvisited;

  static size_t bytes(const HnswBuildArgs& a) {
    size_t batch = static_cast<size_t>(a.end - a.begin);
    size_t ef = static_cast<size_t>(a.efConstruction) + 1;
    size_t reach = static_cast<size_t>(a.begin) + 1;
    size_t links = static_cast<size_t>(a.maxM0) + 1;
    return round64(sizeof(uint64_t) * ((static_cast<size_t>(a.count) + 63) / 64)) + 2 * round64(ef * 4) +
           2 * round64(reach * 4) + round64((ef + batch + links) * sizeof(Candidate)) + round64(batch * 4) +
           round64(links * 4);
  }

  Scratch(const HnswBuildArgs& a) {
    char* at = reinterpret_cast<char*>(thread_scratch(kScratchSlot, bytes(a)));
    auto take = [&at](size_t size) {
      char* p = at;
      at += round64(size);
      return p;
    };
    size_t batch = static_cast<size_t>(a.end - a.begin);
    size_t ef = static_cast<size_t>(a.efConstruction) + 1;
    size_t reach = static_cast<size_t>(a.begin) + 1;
    size_t links = static_cast<size_t>(a.maxM0) + 1;
    visited.bytes = round64(sizeof(uint64_t) * ((static_cast<size_t>(a.count) + 63) / 64));
    visited.words = reinterpret_cast<uint64_t*>(take(visited.bytes));
    results = Heap{reinterpret_cast<float*>(take(ef * 4)), reinterpret_cast<int32_t*>(take(ef * 4)), 0};
    candidates = Heap{reinterpret_cast<float*>(take(reach * 4)), reinterpret_cast<int32_t*>(take(reach * 4)), 0};
    pool = reinterpret_cast<Candidate*>(take((ef + batch + links) * sizeof(Candidate)));
    mateScores = reinterpret_cast<float*>(take(batch * 4));
    unvisited = reinterpret_cast<int32_t*>(take(links * 4));
  }
};

/** hnswlib's greedy step on one level: move to the best neighbour while it beats the current node. */
void greedy(const Build& b, const float* q, int level, int& node, float& score) {
  for (bool moved = true; moved;) {
    moved = false;
    const int32_t* list = b.list(node, level);
    const int links = b.length(list, level);
    for (int j = 1; j <= links; j++) {
      const int next = list[j];
      if (!b.usable(next, level)) continue;
      const float s = vec::dot(q, b.row(next), b.a->dim);
      if (s > score) {
        score = s;
        node = next;
        moved = true;
      }
    }
  }
}

/** Beam search of efConstruction on `level` from `start`; leaves the best nodes in s.results. */
void beam(const Build& b, Scratch& s, const float* q, int level, int start, float startScore) {
  const int ef = b.a->efConstruction;
  const int dim = b.a->dim;
  s.visited.clear();
  s.results.size = 0;
  s.candidates.size = 0;
  s.visited.mark(start);
  s.results.push(startScore, start);
  s.candidates.push(-startScore, start);
  while (s.candidates.size > 0) {
    const float best = -s.candidates.scores[0];
    if (s.results.size >= ef && best < s.results.scores[0]) break;
    const int node = s.candidates.ids[0];
    s.candidates.pop();
    const int32_t* list = b.list(node, level);
    const int links = b.length(list, level);
    int fresh = 0;
    for (int j = 1; j <= links; j++) {
      const int next = list[j];
      if (!b.usable(next, level)) continue;
      if (!s.visited.mark(next)) continue;
      prefetch_row(b.row(next), b.a->dim);
      s.unvisited[fresh++] = next;
    }
    for (int j = 0; j < fresh; j++) {
      const int next = s.unvisited[j];
      const float score = vec::dot(q, b.row(next), dim);
      if (s.results.size < ef || score > s.results.scores[0]) {
        if (s.results.size < ef)
          s.results.push(score, next);
        else
          s.results.replace_root(score, next);
        s.candidates.push(-score, next);
        // a candidate's list is read when it is expanded: ask for it now (hnswlib keeps it beside the row)
        const char* links = reinterpret_cast<const char*>(b.list(next, level));
        __builtin_prefetch(links);
        __builtin_prefetch(links + 64);
      }
    }
  }
}

/** Phase a for new node `node`: search the frozen graph, pick and write its own lists. */
void link_new_node(const Build& b, Scratch& s, int node) {
  const HnswBuildArgs& a = *b.a;
  const float* q = b.row(node);
  const int top = a.levels[node];
  const int mates = a.batchMates ? node - a.begin : 0;
  for (int m = 0; m < mates; m++) s.mateScores[m] = vec::dot(q, b.row(a.begin + m), a.dim);
  int current = a.entryPoint;
  float currentScore = current >= 0 ? vec::dot(q, b.row(current), a.dim) : 0.0f;
  if (current >= 0)
    for (int level = a.maxLevel; level > top; level--) greedy(b, q, level, current, currentScore);
  for (int level = top; level >= 0; level--) {
    int count = 0;
    if (current >= 0 && level <= a.maxLevel) {
      beam(b, s, q, level, current, currentScore);
      for (int r = 0; r < s.results.size; r++) s.pool[count++] = Candidate{s.results.scores[r], s.results.ids[r]};
    }
    // batch-mates worse than every one of a full beam's results are left out, as hnswlib would never have
    // seen them among its efConstruction best (and they would only lengthen the sort)
    const float worst = s.results.size >= a.efConstruction && count > 0 ? s.results.scores[0] : -INFINITY;
    for (int m = 0; m < mates; m++)
      if (a.levels[a.begin + m] >= level && s.mateScores[m] > worst)
        s.pool[count++] = Candidate{s.mateScores[m], a.begin + m};
    std::sort(s.pool, s.pool + count, BetterFirst());
    // the next level down starts from the best node of the graph found here (not a batch-mate: its
    // lists are not part of the frozen graph)
    for (int r = 0; r < count; r++) {
      if (s.pool[r].id < a.begin) {
        current = s.pool[r].id;
        currentScore = s.pool[r].score;
        break;
      }
    }
    int32_t* list = b.list(node, level);
    list[0] = select_neighbours(b, s.pool, count, a.M, list + 1);
  }
}

struct PhaseA {
  const Build* b;
  static void run(void* context, int task) {
    const Build& b = *static_cast<PhaseA*>(context)->b;
    Scratch s(*b.a);
    link_new_node(b, s, b.a->begin + task);
  }
};

/** Phase b: the pairs of groups [groupStart[g], groupStart[g + 1]) of task t's share. */
struct PhaseB {
  const Build* b;
  const uint64_t* keys;
  const int* groupStart;
  int groups, tasks;

  static void run(void* context, int task) {
    const PhaseB& p = *static_cast<PhaseB*>(context);
    const Build& b = *p.b;
    const HnswBuildArgs& a = *b.a;
    Scratch s(a);
    const int first = static_cast<int>(static_cast<int64_t>(p.groups) * task / p.tasks);
    const int last = static_cast<int>(static_cast<int64_t>(p.groups) * (task + 1) / p.tasks);
    for (int g = first; g < last; g++) {
      const uint64_t head = p.keys[p.groupStart[g]];
      const int target = static_cast<int>(head >> 32);
      const int level = static_cast<int>((head >> 24) & 0xff);
      const int limit = level == 0 ? a.maxM0 : a.M;
      int32_t* list = b.list(target, level);
      const int size = b.length(list, level);
      // the arrivals not already linked (a batch-mate's own list may hold them)
      int arrivals = 0;
      for (int k = p.groupStart[g]; k < p.groupStart[g + 1]; k++) {
        const int source = a.begin + static_cast<int>(p.keys[k] & 0xffffff);
        bool known = false;
        for (int j = 1; j <= size && !known; j++) known = list[j] == source;
        if (!known) s.unvisited[arrivals++] = source;
        if (arrivals == limit + 1) break;  // it overflows already (s.unvisited holds maxM0 + 1): pruned below
      }
      if (size + arrivals <= limit) {
        for (int j = 0; j < arrivals; j++) list[1 + size + j] = s.unvisited[j];
        list[0] = size + arrivals;
        continue;
      }
      // overflow: prune the old list and every arrival together
      const float* t = b.row(target);
      int count = 0;
      for (int j = 1; j <= size; j++) {
        const int id = list[j];
        if (static_cast<unsigned>(id) >= static_cast<unsigned>(a.end)) continue;
        s.pool[count++] = Candidate{vec::dot(t, b.row(id), a.dim), id};
      }
      for (int k = p.groupStart[g]; k < p.groupStart[g + 1]; k++) {
        const int source = a.begin + static_cast<int>(p.keys[k] & 0xffffff);
        bool known = false;
        for (int j = 1; j <= size && !known; j++) known = list[j] == source;
        if (!known) s.pool[count++] = Candidate{vec::dot(t, b.row(source), a.dim), source};
      }
      std::sort(s.pool, s.pool + count, BetterFirst());
      list[0] = select_neighbours(b, s.pool, count, limit, list + 1);
    }
  }
};

}  // namespace

void hnsw_build_batch(const HnswBuildArgs& a) {
  if (a.end <= a.begin) return;
  Build b{&a};
  const int batch = a.end - a.begin;
  PhaseA phaseA{&b};
  parallel_for(batch, a.threads, &PhaseA::run, &phaseA);

  // the pairs (target, level, source) in a fixed order, sorted: each target's pairs become one group
  size_t pairs = 0;
  for (int node = a.begin; node < a.end; node++)
    for (int level = 0; level <= a.levels[node]; level++) pairs += b.list(node, level)[0];
  if (pairs == 0) return;
  // the caller's slot kPairSlot (its tasks use kScratchSlot)
  char* pairMemory = reinterpret_cast<char*>(thread_scratch(kPairSlot, round64(pairs * 8) + (pairs + 1) * 4));
  uint64_t* keys = reinterpret_cast<uint64_t*>(pairMemory);
  int* groupStart = reinterpret_cast<int*>(pairMemory + round64(pairs * 8));
  size_t at = 0;
  for (int node = a.begin; node < a.end; node++)
    for (int level = 0; level <= a.levels[node]; level++) {
      const int32_t* list = b.list(node, level);
      for (int j = 1; j <= list[0]; j++)
        keys[at++] = (static_cast<uint64_t>(list[j]) << 32) | (static_cast<uint64_t>(level) << 24) |
                     static_cast<uint64_t>(node - a.begin);
    }
  std::sort(keys, keys + pairs, KeyLess());
  int groups = 0;
  for (size_t k = 0; k < pairs; k++)
    if (k == 0 || (keys[k] >> 24) != (keys[k - 1] >> 24)) groupStart[groups++] = static_cast<int>(k);
  groupStart[groups] = static_cast<int>(pairs);
  const int tasks = std::min(groups, 8 * (a.threads < 1 ? 1 : a.threads));
  PhaseB phaseB{&b, keys, groupStart, groups, tasks};
  parallel_for(tasks, a.threads, &PhaseB::run, &phaseB);
}

}  // namespace VERBO_NS
}  // namespace verbo
