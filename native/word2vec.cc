// The word2vec chunk loop (compiled once per ISA; see isa.h): skip-gram or CBOW (mean of the context),
// negative sampling and/or hierarchical softmax, frequent-word subsampling and the C tool's dynamic
// window, over one job of chunks (Word2VecJob in kernels.h). Each chunk ("piece") is trained by one pool
// thread with its own random stream; all threads update the same matrices without locks (Hogwild), as
// the C tool and gensim do. The TypeScript oracle (and fallback) is src/embeddings/kernels/
// word2vec-reference.ts: same math, same order of random draws.
//
// Random numbers: the C tool's 64-bit linear congruential generator, each draw the high 32 bits.
// Negatives come from an alias table (8 bytes per word, small enough to stay in cache): one draw r,
// r·n picks the bin (high word) and the coin (low word).
//
// Sigmoid: by default the C tool's EXP_TABLE (1000 values of σ on [−6, 6)), read at index
// ⌊(x + 6)·83⌋ as the C tool and gensim compute it (83 = 1000 / 6 / 2 in integers); beyond ±6 negative
// sampling clips σ to 0 or 1 and hierarchical softmax skips the node. exactSigmoid computes 1/(1 + e^−x).
// Loss per example (a (context, center) pair for skip-gram, a center for CBOW): −log σ(x) for the true
// target, −log σ(−x) per negative (HS: −log σ(±x) per node of the path), summed in double; with the
// table, read from log σ on the same grid at the true scale (1000 / 12 per unit).
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

constexpr float kMaxExp = 6.0f;
constexpr int kExpTableSize = 1000;
constexpr float kTableScale = static_cast<float>(kExpTableSize / 6 / 2);
constexpr float kLossScale = 1000.0f / 6.0f / 2.0f;
/** pool.h scratch slot of the word2vec threads (the sentence after subsampling, two rows, negatives). */
constexpr int kScratchSlot = 3;

inline int imax(int a, int b) { return a > b ? a : b; }
inline int imin(int a, int b) { return a < b ? a : b; }

/** One thread's pass over one piece: the model, its random stream and loss sums, its scratch rows. */
class PieceTrainer {
 public:
  PieceTrainer(const Word2VecModel& model, uint64_t rng, float* hidden, float* error, uint32_t* negatives)
      : m_(model), dim_(model.dim), rng_(rng), hidden_(hidden), error_(error), negatives_(negatives) {}

  uint64_t rng() const { return rng_; }
  double loss_sum() const { return lossSum_; }
  double examples() const { return examples_; }

  /** Subsamples sentence [from, to) of ids into `sentence`, trains it, returns the words kept. */
  int train_sentence(const int32_t* ids, int from, int to, int32_t* sentence, float alpha) {
    int length = subsample(ids, from, to, m_.keep, sentence, [this] { return next(); });
    if (length >= 2) {
      if (m_.cbow)
        cbow(sentence, length, alpha);
      else
        skip_gram(sentence, length, alpha);
    }
    return length;
  }

 private:
  uint32_t next() {
    rng_ = rng_ * 25214903917ULL + 11ULL;
    return static_cast<uint32_t>(rng_ >> 32);
  }

  /** −log σ(x) when label is 1, −log σ(−x) when 0. */
  double loss_term(float x, int label) const {
    float z = label != 0 ? x : -x;
    if (m_.exactSigmoid) {
      double zz = z;
      return (zz < 0 ? -zz : 0.0) + std::log1p(std::exp(-std::fabs(zz)));
    }
    if (z >= kMaxExp) return 0.0;
    if (z <= -kMaxExp) return -static_cast<double>(z);
    if (std::isnan(z)) return z;  // diverged weights: no table entry to read (the oracle's loss is NaN too)
    int index = static_cast<int>((z + kMaxExp) * kLossScale);
    return -static_cast<double>(m_.logSigmoid[index]);
  }

  /** One logistic step of `input` against `target`: gradient into error_, target updated. */
  void logistic_step(const float* input, float* target, int label, float alpha, bool skipOutside) {
    float f = vec::dot(input, target, dim_);
    lossSum_ += loss_term(f, label);
    float g;
    if (m_.exactSigmoid) {
      g = (static_cast<float>(label) - static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(f))))) * alpha;
    } else if (f >= kMaxExp) {
      if (skipOutside) return;
      g = static_cast<float>(label - 1) * alpha;
    } else if (f <= -kMaxExp) {
      if (skipOutside) return;
      g = static_cast<float>(label) * alpha;
    } else if (std::isnan(f)) {
      g = f;  // diverged weights: never an index into the table (the oracle steps by NaN too)
    } else {
      g = (static_cast<float>(label) - m_.sigmoid[static_cast<int>((f + kMaxExp) * kTableScale)]) * alpha;
    }
    vec::step(g, input, target, error_, dim_);
  }

  /** Trains `input` (a context word's vector, or the CBOW mean) to predict `word`; gradient → error_. */
  void predict(const float* input, int word, float alpha) {
    examples_ += 1;
    if (m_.hs) {
      int start = m_.codeStart[word], length = m_.codeLength[word];
      for (int k = 0; k < length; k++) {
        float* node = m_.hsWeights + static_cast<size_t>(m_.points[start + k]) * dim_;
        logistic_step(input, node, 1 - m_.codes[start + k], alpha, true);
      }
    }
    if (m_.negative > 0) {
      // All negatives are drawn first (nothing else draws in between, so the stream's order is the
      // oracle's) and their rows asked for, so the loads overlap the true target's step.
      const size_t rowBytes = static_cast<size_t>(dim_) * sizeof(float);
      for (int d = 0; d < m_.negative; d++) {
        uint64_t product = static_cast<uint64_t>(next()) * m_.noiseSize;
        uint32_t bin = static_cast<uint32_t>(product >> 32);
        uint32_t target = static_cast<uint32_t>(product) < m_.noise[2 * bin] ? bin : m_.noise[2 * bin + 1];
        negatives_[d] = target;
        vec::prefetch(m_.output + static_cast<size_t>(target) * dim_, static_cast<int>(rowBytes));
      }
      logistic_step(input, m_.output + static_cast<size_t>(word) * dim_, 1, alpha, false);
      for (int d = 0; d < m_.negative; d++) {
        uint32_t target = negatives_[d];
        if (static_cast<int>(target) == word) continue;
        logistic_step(input, m_.output + static_cast<size_t>(target) * dim_, 0, alpha, false);
      }
    }
  }

  void skip_gram(const int32_t* sentence, int length, float alpha) {
    const int window = m_.window;
    for (int position = 0; position < length; position++) {
      int word = sentence[position];
      int shrink = static_cast<int>(next() % static_cast<uint32_t>(window));
      int from = imax(0, position - window + shrink);
      int to = imin(length, position + window - shrink + 1);
      for (int c = from; c < to; c++) {
        if (c == position) continue;
        float* input = m_.input + static_cast<size_t>(sentence[c]) * dim_;
        vec::zero(error_, dim_);
        predict(input, word, alpha);
        vec::add(error_, input, dim_);
      }
    }
  }

  void cbow(const int32_t* sentence, int length, float alpha) {
    const int window = m_.window;
    for (int position = 0; position < length; position++) {
      int word = sentence[position];
      int shrink = static_cast<int>(next() % static_cast<uint32_t>(window));
      int from = imax(0, position - window + shrink);
      int to = imin(length, position + window - shrink + 1);
      if (to - from <= 1) continue;
      vec::zero(hidden_, dim_);
      for (int c = from; c < to; c++)
        if (c != position) vec::add(m_.input + static_cast<size_t>(sentence[c]) * dim_, hidden_, dim_);
      vec::scale(1.0f / static_cast<float>(to - from - 1), hidden_, dim_);
      vec::zero(error_, dim_);
      predict(hidden_, word, alpha);
      // cbow_mean: the whole error goes to every context word (the C tool, gensim).
      for (int c = from; c < to; c++)
        if (c != position) vec::add(error_, m_.input + static_cast<size_t>(sentence[c]) * dim_, dim_);
    }
  }

  const Word2VecModel& m_;
  const int dim_;
  uint64_t rng_;
  float* hidden_;
  float* error_;
  uint32_t* negatives_;
  double lossSum_ = 0;
  double examples_ = 0;
};

void train_piece(void* context, int piece) {
  const Word2VecJob& job = *static_cast<const Word2VecJob*>(context);
  train_job_piece(job, piece, kScratchSlot, [&job](const PieceBuffers& b, uint64_t rng) {
    return PieceTrainer(job.model, rng, b.hidden, b.error, b.negatives);
  });
}

}  // namespace

void word2vec_train(const Word2VecJob& job) {
  parallel_for(job.pieces, job.threads, train_piece, const_cast<Word2VecJob*>(&job));
}

}  // namespace VERBO_NS
}  // namespace verbo
