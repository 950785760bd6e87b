// Picks the kernel table once, at load: the best instruction set this CPU and OS support, or a lower
// one named by VERBO_ISA (avx512 > avx2 > portable on x86-64; neon > portable on arm64).
#pragma once
#include "kernels.h"

namespace verbo {

/** Every table this machine can run, best first; `count` receives how many (≤ 4). */
const KernelTable* const* supported_tables(int* count);

/** The table chosen at load (honours VERBO_ISA). */
const KernelTable& active_table();

/** Why the active table is not the best supported one ("" when it is), e.g. "VERBO_ISA=avx2". */
const char* active_reason();

/** CPU features as detected (x86-64: cpuid + xgetbv), for diagnostics. */
struct CpuFeatures {
  bool avx2, fma, avx512f, avx512bw, avx512dq, avx512vl, osAvx, osAvx512, neon;
};
const CpuFeatures& cpu_features();

}  // namespace verbo
