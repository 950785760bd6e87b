// The subword (fastText) chunk loop (compiled once per ISA; see isa.h): the native twin of
// src/embeddings/kernels/subword-reference.ts, its test oracle, which documents the method. A word's
// input is the mean of its rows (its own row, then its character n-gram rows); every row of the list
// receives the whole gradient, as in fastText. Skip-gram forms the center's mean once and adds its
// gradient, summed over the center's contexts, after the last context; CBOW averages the rows of all
// context words. Negative sampling (an alias table; a negative equal to the target is drawn again) and/or
// hierarchical softmax; fastText's σ table (512 steps over [−8, 8], 0 or 1 beyond, every step applied);
// the C tool's 64-bit LCG, drawn in the oracle's order.
//
// The job is word2vec's (Word2VecJob in kernels.h, plus each word's rows): each piece is trained by one
// pool thread with its own random stream, all threads updating the matrices without locks (Hogwild).
// Row operations come from vector.h. The next center's rows are prefetched while the current one trains:
// in a model of 2 million n-gram rows they are rarely in cache.
#include <cmath>
#include <cstdint>

#include "isa.h"
#include "kernels.h"
#include "pieces.h"
#include "pool.h"
#include "vector.h"

namespace verbo {
namespace VERBO_NS {
namespace {

constexpr double kMaxSigmoid = 8;
constexpr double kSigmoidScale = 512 / kMaxSigmoid / 2;
/** Draws of a negative that keeps hitting the target before it is given up (a 1-word vocabulary). */
constexpr int kMaxRedraws = 64;
/** pool.h scratch slot (the same as word2vec's: one job runs on a thread at a time). */
constexpr int kScratchSlot = 3;

/** One thread's pass over one piece. */
class PieceTrainer {
 public:
  PieceTrainer(const SubwordJob& job, uint64_t rng, float* hidden, float* gradient, uint32_t* negatives)
      : m_(job.job.model), start_(job.subwordStart), rows_(job.subwordRows), sigmoid_(job.fastTextSigmoid),
        dim_(m_.dim), rng_(rng), hidden_(hidden), gradient_(gradient), negatives_(negatives) {}

  uint64_t rng() const { return rng_; }
  double loss_sum() const { return lossSum_; }
  double examples() const { return examples_; }

  /** Subsamples sentence [from, to) of ids into `sentence`, trains it, returns the words kept. */
  int train_sentence(const int32_t* ids, int from, int to, int32_t* sentence, float alpha) {
    int length = subsample(ids, from, to, m_.keep, sentence, [this] { return next(); });
    if (length >= 2) train(sentence, length, alpha);
    return length;
  }

 private:
  uint32_t next() {
    rng_ = rng_ * 25214903917ULL + 11ULL;
    return static_cast<uint32_t>(rng_ >> 32);
  }

  float* row(int32_t r) const { return m_.input + static_cast<size_t>(r) * dim_; }

  /** One logistic step of hidden_ against `target`: gradient_ += g·target, then target += g·hidden_. */
  void step(float* target, bool positive, float alpha) {
    float f = vec::dot(hidden_, target, dim_);
    float score;
    if (f < -kMaxSigmoid)
      score = 0.0f;
    else if (f > kMaxSigmoid)
      score = 1.0f;
    else  // The index in double, as the oracle computes it, so both read the same entry.
      score = sigmoid_[static_cast<int>((static_cast<double>(f) + kMaxSigmoid) * kSigmoidScale)];
    float g = alpha * ((positive ? 1.0f : 0.0f) - score);
    lossSum_ += positive ? -std::log(static_cast<double>(score) + 1e-5) : -std::log(1.0 - score + 1e-5);
    vec::step(g, hidden_, target, gradient_, dim_);
  }

  /** Trains hidden_ to predict `word`: the HS path, then the word and its negatives. */
  void predict(int word, float alpha) {
    if (m_.hs) {
      int start = m_.codeStart[word], length = m_.codeLength[word];
      for (int k = 0; k < length; k++)
        step(m_.hsWeights + static_cast<size_t>(m_.points[start + k]) * dim_, m_.codes[start + k] == 0, alpha);
    }
    if (m_.negative <= 0) return;
    // The negatives are drawn first (nothing else draws in between, so the order is the oracle's) and
    // their rows asked for, so the loads overlap the true target's step.
    int count = 0;
    if (m_.noiseSize >= 2) {
      for (int d = 0; d < m_.negative; d++) {
        int target = word;
        for (int attempt = 0; target == word && attempt < kMaxRedraws; attempt++) {
          uint64_t product = static_cast<uint64_t>(next()) * m_.noiseSize;
          uint32_t bin = static_cast<uint32_t>(product >> 32);
          target = static_cast<uint32_t>(product) < m_.noise[2 * bin] ? static_cast<int>(bin)
                                                                       : static_cast<int>(m_.noise[2 * bin + 1]);
        }
        if (target == word) continue;
        negatives_[count++] = static_cast<uint32_t>(target);
        vec::prefetch(m_.output + static_cast<size_t>(target) * dim_, dim_ * static_cast<int>(sizeof(float)));
      }
    }
    step(m_.output + static_cast<size_t>(word) * dim_, true, alpha);
    for (int d = 0; d < count; d++) step(m_.output + static_cast<size_t>(negatives_[d]) * dim_, false, alpha);
  }

  /** hidden_ += every row of `word`; returns how many. */
  int add_rows(int word) {
    for (int k = start_[word]; k < start_[word + 1]; k++) vec::add(row(rows_[k]), hidden_, dim_);
    return start_[word + 1] - start_[word];
  }

  void spread_gradient(int word) {
    for (int k = start_[word]; k < start_[word + 1]; k++) vec::add(gradient_, row(rows_[k]), dim_);
  }

  void prefetch_rows(int word) {
    const int bytes = dim_ * static_cast<int>(sizeof(float));
    for (int k = start_[word]; k < start_[word + 1]; k++) vec::prefetch(row(rows_[k]), bytes);
  }

  void train(const int32_t* sentence, int length, float alpha) {
    const int window = m_.window;
    for (int position = 0; position < length; position++) {
      int boundary = 1 + static_cast<int>(next() % static_cast<uint32_t>(window));
      int from = position - boundary < 0 ? 0 : position - boundary;
      int to = position + boundary + 1 > length ? length : position + boundary + 1;
      vec::zero(hidden_, dim_);
      vec::zero(gradient_, dim_);
      if (m_.cbow) {
        int rows = 0;
        for (int c = from; c < to; c++)
          if (c != position) rows += add_rows(sentence[c]);
        if (to < length) prefetch_rows(sentence[to]);
        vec::scale(1.0f / static_cast<float>(rows), hidden_, dim_);
        examples_ += 1;
        predict(sentence[position], alpha);
        for (int c = from; c < to; c++)
          if (c != position) spread_gradient(sentence[c]);
      } else {
        int center = sentence[position];
        vec::scale(1.0f / static_cast<float>(add_rows(center)), hidden_, dim_);
        if (position + 1 < length) prefetch_rows(sentence[position + 1]);
        for (int c = from; c < to; c++) {
          if (c == position) continue;
          examples_ += 1;
          predict(sentence[c], alpha);
        }
        spread_gradient(center);
      }
    }
  }

  const Word2VecModel& m_;
  const int32_t* start_;
  const int32_t* rows_;
  const float* sigmoid_;
  const int dim_;
  uint64_t rng_;
  float* hidden_;
  float* gradient_;
  uint32_t* negatives_;
  double lossSum_ = 0;
  double examples_ = 0;
};

void train_piece(void* context, int piece) {
  const SubwordJob& job = *static_cast<const SubwordJob*>(context);
  train_job_piece(job.job, piece, kScratchSlot, [&job](const PieceBuffers& b, uint64_t rng) {
    return PieceTrainer(job, rng, b.hidden, b.error, b.negatives);
  });
}

}  // namespace

void subword_train(const SubwordJob& job) {
  parallel_for(job.job.pieces, job.job.threads, train_piece, const_cast<SubwordJob*>(&job));
}

}  // namespace VERBO_NS
}  // namespace verbo
