// This ISA's kernel table (compiled once per ISA, like the kernels it lists).
#include "families.h"
#include "microkernel.h"

namespace verbo {
namespace VERBO_NS {

const KernelTable& table() {
  static const KernelTable entries = {
      VERBO_ISA_STRING,
      micro::MR,
      micro::NR,
      &gemm,
      &unary,
      &log_sum_exp_rows,
      &sparse_cross_entropy_backward,
      &linear_cross_entropy_forward,
      &linear_cross_entropy_backward,
      &lstm_forward,
      &lstm_backward,
      &gru_forward,
      &gru_backward,
      &word2vec_train,
      &subword_train,
      &scan_top_k,
      &hnsw_search,
      &hnsw_build_batch,
      &conv2d_forward,
      &conv2d_backward,
      &max_pool_forward,
      &max_pool_backward,
      &sgd_update,
      &sum_of_squares,
  };
  return entries;
}

}  // namespace VERBO_NS
}  // namespace verbo
