// The entry points each ISA build defines (one per kernel family file), declared once for table.cc and
// for families that call each other (the fused cross-entropy and the LSTM run their products on gemm).
#pragma once
#include "isa.h"
#include "kernels.h"

namespace verbo {
namespace VERBO_NS {

void gemm(const GemmArgs& args);
void unary(const UnaryArgs& args);
void sgd_update(const ParameterArgs& args);
double sum_of_squares(const ParameterArgs& args);
void log_sum_exp_rows(const RowsArgs& args);
void sparse_cross_entropy_backward(const RowsArgs& args);
void linear_cross_entropy_forward(const LinearCrossEntropyArgs& args);
void linear_cross_entropy_backward(const LinearCrossEntropyArgs& args);
void lstm_forward(const LstmArgs& args);
void lstm_backward(const LstmArgs& args);
void gru_forward(const GruArgs& args);
void gru_backward(const GruArgs& args);
void word2vec_train(const Word2VecJob& job);
void scan_top_k(const ScanArgs& args);
void hnsw_search(const HnswSearchArgs& args);
void hnsw_build_batch(const HnswBuildArgs& args);
void subword_train(const SubwordJob& job);
void conv2d_forward(const WindowArgs& args);
void conv2d_backward(const WindowArgs& args);
void max_pool_forward(const WindowArgs& args);
void max_pool_backward(const WindowArgs& args);

}  // namespace VERBO_NS
}  // namespace verbo
