// One piece of a word2vec or subword job (Word2VecJob in kernels.h), as one pool task runs it: its
// sentences, its scratch (two rows, the sentence after subsampling, the negatives of one example) from
// the calling thread's pool.h buffer, its random stream in and out, its results. The trainer itself —
// word2vec.cc's or fasttext.cc's — is made by the caller from the buffers and the stream.
#pragma once
#include <cstddef>
#include <cstdint>

#include "isa.h"
#include "kernels.h"
#include "pool.h"

namespace verbo {
namespace VERBO_NS {

/** The piece's scratch: hidden and error rows of dim floats, a sentence of its words, the negatives. */
struct PieceBuffers {
  float* hidden;
  float* error;
  int32_t* sentence;
  uint32_t* negatives;
};

inline size_t round_up64(size_t bytes) { return (bytes + 63) / 64 * 64; }

/**
 * word2vec's subsampling of one sentence: copies ids[from, to) into `sentence`, dropping word w unless a
 * draw from the trainer's stream (next(), 24 high bits) falls under keep[w]; returns the words kept.
 */
template <typename Next>
inline int subsample(const int32_t* ids, int from, int to, const float* keep, int32_t* sentence, Next&& next) {
  int length = 0;
  for (int k = from; k < to; k++) {
    int32_t word = ids[k];
    float chance = keep[word];
    if (chance < 1.0f) {
      float draw = static_cast<float>(next() >> 8) * (1.0f / 16777216.0f);
      if (draw >= chance) continue;
    }
    sentence[length++] = word;
  }
  return length;
}

/**
 * Trains piece `piece` of `job`: make(buffers, rng) gives a trainer with train_sentence(ids, from, to,
 * sentence, alpha) → words kept, and rng(), loss_sum(), examples(); the stream and the results go back
 * into the job.
 */
template <typename MakeTrainer>
void train_job_piece(const Word2VecJob& job, int piece, int scratchSlot, MakeTrainer make) {
  int firstSentence = piece == 0 ? 0 : job.pieceEnds[piece - 1];
  int lastSentence = job.pieceEnds[piece];
  int firstWord = firstSentence == 0 ? 0 : job.ends[firstSentence - 1];
  int lastWord = lastSentence == 0 ? 0 : job.ends[lastSentence - 1];
  int words = lastWord - firstWord > 1 ? lastWord - firstWord : 1;
  int negative = job.model.negative > 1 ? job.model.negative : 1;
  size_t rowBytes = round_up64(static_cast<size_t>(job.model.dim) * sizeof(float));
  size_t sentenceBytes = round_up64(static_cast<size_t>(words) * sizeof(int32_t));
  size_t negativeBytes = round_up64(static_cast<size_t>(negative) * sizeof(uint32_t));
  char* scratch = reinterpret_cast<char*>(thread_scratch(scratchSlot, 2 * rowBytes + sentenceBytes + negativeBytes));
  PieceBuffers buffers{reinterpret_cast<float*>(scratch), reinterpret_cast<float*>(scratch + rowBytes),
                       reinterpret_cast<int32_t*>(scratch + 2 * rowBytes),
                       reinterpret_cast<uint32_t*>(scratch + 2 * rowBytes + sentenceBytes)};
  auto trainer = make(buffers, job.rng[piece]);
  const float alpha = job.alphas[piece];
  double kept = 0;
  for (int s = firstSentence, start = firstWord; s < lastSentence; s++) {
    int end = job.ends[s];
    kept += trainer.train_sentence(job.ids, start, end, buffers.sentence, alpha);
    start = end;
  }
  job.rng[piece] = trainer.rng();
  job.results[3 * piece] = kept;
  job.results[3 * piece + 1] = trainer.loss_sum();
  job.results[3 * piece + 2] = trainer.examples();
}

}  // namespace VERBO_NS
}  // namespace verbo
