// This ISA's kernel table (compiled once per ISA, like the kernels it lists).
#include "isa.h"
#include "kernels.h"
#include "microkernel.h"

namespace verbo {
namespace VERBO_NS {

void gemm(const GemmArgs& args);
void subword_train(const SubwordArgs& args);

const KernelTable& table() {
  static const KernelTable entries = {
      VERBO_ISA_STRING,
      micro::MR,
      micro::NR,
      &gemm,
      &subword_train,
  };
  return entries;
}

}  // namespace VERBO_NS
}  // namespace verbo
