// The subword (fastText) chunk loop (compiled once per ISA; see isa.h): the native twin of
// src/embeddings/kernels/subword-reference.ts, which is its test oracle and documents the method. A
// word's input is the mean of its rows (its own row, then its character n-gram rows); every row of the
// list receives the whole gradient, as in fastText. Skip-gram forms the center's mean once and adds its
// gradient, summed over the center's contexts, after the last context; CBOW averages the rows of all
// context words. Negative sampling (an alias table, redrawing a negative equal to the target) and/or
// hierarchical softmax; fastText's sigmoid table; the C tool's 64-bit LCG, drawn in the oracle's order.
//
// One chunk is one task on the pool: subword_train runs `count` chunks at once, each with its own RNG
// state, all updating the shared matrices lock-free (Hogwild, as fastText and gensim). With one thread
// and one chunk at a time a run is reproducible. The vector loops are plain code the compiler vectorises
// for each ISA's flags; dot products keep 16 partial sums so they vectorise without -ffast-math.
#include <cmath>
#include <cstdint>

#include "isa.h"
#include "kernels.h"
#include "pool.h"

namespace verbo {
namespace VERBO_NS {
namespace {

constexpr int kSigmoidTableSize = 512;
constexpr double kMaxSigmoid = 8;
constexpr double kSigmoidScale = kSigmoidTableSize / kMaxSigmoid / 2;
constexpr int kMaxRedraws = 64;
constexpr int kLanes = 16;

inline uint32_t next_random(uint64_t& state) {
  state = state * 25214903917ULL + 11ULL;
  return static_cast<uint32_t>(state >> 32);
}

inline float dot(const float* __restrict a, const float* __restrict b, int n) {
  float partial[kLanes] = {0};
  int j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; l++) partial[l] += a[j + l] * b[j + l];
  float sum = 0;
  for (int l = 0; l < kLanes; l++) sum += partial[l];
  for (; j < n; j++) sum += a[j] * b[j];
  return sum;
}

/** y += a·x */
inline void axpy(float a, const float* __restrict x, float* __restrict y, int n) {
  for (int j = 0; j < n; j++) y[j] += a * x[j];
}

/** y += x */
inline void add(const float* __restrict x, float* __restrict y, int n) {
  for (int j = 0; j < n; j++) y[j] += x[j];
}

struct Worker {
  const SubwordModel& m;
  float* __restrict hidden;
  float* __restrict gradient;
  uint64_t rng;
  double loss;

  /** One logistic step of `hidden` against `row`: gradient += g·row, then row += g·hidden. */
  void step(float* __restrict row, bool positive, float alpha) {
    const int dim = m.dim;
    const float f = dot(hidden, row, dim);
    float score;
    if (f < -kMaxSigmoid)
      score = 0;
    else if (f > kMaxSigmoid)
      score = 1;
    else  // The index in double, as the oracle computes it, so both read the same entry.
      score = m.sigmoid[static_cast<int>((static_cast<double>(f) + kMaxSigmoid) * kSigmoidScale)];
    const float g = alpha * ((positive ? 1.0f : 0.0f) - score);
    axpy(g, row, gradient, dim);
    axpy(g, hidden, row, dim);
    loss += positive ? -std::log(static_cast<double>(score) + 1e-5) : -std::log(1.0 - score + 1e-5);
  }

  void predict(int word, float alpha) {
    const size_t dim = static_cast<size_t>(m.dim);
    if (m.hs) {
      const int start = m.codeStart[word], length = m.codeLength[word];
      for (int k = 0; k < length; k++)
        step(m.hsWeights + static_cast<size_t>(m.points[start + k]) * dim, m.codes[start + k] == 0, alpha);
    }
    if (m.negative > 0) {
      step(m.output + static_cast<size_t>(word) * dim, true, alpha);
      if (m.noiseBins < 2) return;
      for (int d = 0; d < m.negative; d++) {
        int target = word;
        for (int attempt = 0; target == word && attempt < kMaxRedraws; attempt++) {
          const uint64_t product = static_cast<uint64_t>(next_random(rng)) * m.noiseBins;
          const uint32_t bin = static_cast<uint32_t>(product >> 32);
          const uint32_t coin = static_cast<uint32_t>(product);
          target = coin < m.noise[2 * bin] ? static_cast<int>(bin) : static_cast<int>(m.noise[2 * bin + 1]);
        }
        if (target == word) continue;
        step(m.output + static_cast<size_t>(target) * dim, false, alpha);
      }
    }
  }

  /** hidden += the rows of `word` (its own and its n-grams); returns how many. */
  int add_rows(int word) {
    const int from = m.subwordStart[word], to = m.subwordStart[word + 1];
    for (int k = from; k < to; k++) add(m.input + static_cast<size_t>(m.subwordRows[k]) * m.dim, hidden, m.dim);
    return to - from;
  }

  void spread_gradient(int word) {
    const int from = m.subwordStart[word], to = m.subwordStart[word + 1];
    for (int k = from; k < to; k++) add(gradient, m.input + static_cast<size_t>(m.subwordRows[k]) * m.dim, m.dim);
  }

  void zero(float* v) {
    for (int j = 0; j < m.dim; j++) v[j] = 0;
  }

  void scale(float* v, float s) {
    for (int j = 0; j < m.dim; j++) v[j] *= s;
  }

  void sentence(const int32_t* words, int length, float alpha, double& examples) {
    for (int position = 0; position < length; position++) {
      const int boundary = 1 + static_cast<int>(next_random(rng) % static_cast<uint32_t>(m.window));
      const int from = position - boundary < 0 ? 0 : position - boundary;
      const int to = position + boundary + 1 > length ? length : position + boundary + 1;
      zero(hidden);
      zero(gradient);
      if (m.cbow) {
        int rows = 0;
        for (int c = from; c < to; c++)
          if (c != position) rows += add_rows(words[c]);
        scale(hidden, 1.0f / static_cast<float>(rows));
        examples += 1;
        predict(words[position], alpha);
        for (int c = from; c < to; c++)
          if (c != position) spread_gradient(words[c]);
      } else {
        const int center = words[position];
        scale(hidden, 1.0f / static_cast<float>(add_rows(center)));
        for (int c = from; c < to; c++) {
          if (c == position) continue;
          examples += 1;
          predict(words[c], alpha);
        }
        spread_gradient(center);
      }
    }
  }
};

void train_chunk(const SubwordModel& model, SubwordChunk& chunk) {
  const size_t dim = static_cast<size_t>(model.dim);
  float* scratch = thread_scratch(0, (2 * dim + 16) * sizeof(float) + static_cast<size_t>(chunk.words) * 4);
  float* hidden = scratch;
  float* gradient = scratch + dim;
  int32_t* kept = reinterpret_cast<int32_t*>(scratch + 2 * dim + 16);
  Worker worker{model, hidden, gradient, chunk.rng, 0};
  double examples = 0;
  int total = 0;
  int start = 0;
  for (int s = 0; s < chunk.sentences; s++) {
    const int end = chunk.ends[s] < chunk.words ? chunk.ends[s] : chunk.words;
    int length = 0;
    for (int k = start; k < end; k++) {
      const int word = chunk.ids[k];
      const float keep = model.keep[word];
      if (keep < 1) {
        const float draw = static_cast<float>(next_random(worker.rng) >> 8) * (1.0f / 16777216.0f);
        if (draw >= keep) continue;
      }
      kept[length++] = word;
    }
    start = end;
    total += length;
    if (length >= 2) worker.sentence(kept, length, chunk.alpha, examples);
  }
  chunk.rng = worker.rng;
  chunk.kept = total;
  chunk.lossSum = worker.loss;
  chunk.examples = examples;
}

void chunk_task(void* context, int task) {
  const SubwordArgs& args = *static_cast<const SubwordArgs*>(context);
  train_chunk(*args.model, args.chunks[task]);
}

}  // namespace

void subword_train(const SubwordArgs& args) {
  parallel_for(args.count, args.threads, &chunk_task, const_cast<SubwordArgs*>(&args));
}

}  // namespace VERBO_NS
}  // namespace verbo
