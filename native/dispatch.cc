// CPU detection and the choice of kernel table (see dispatch.h), the way hnswlib's space_ip.h picks its
// distance function: ask cpuid what the processor has and xgetbv what the OS saves on a context switch
// (an AVX-512 CPU under an OS that does not save the zmm registers must not run AVX-512 code).
#include "dispatch.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace verbo {

#if defined(__x86_64__)
namespace avx512 { const KernelTable& table(); }
namespace avx2 { const KernelTable& table(); }
#elif defined(__aarch64__)
namespace neon { const KernelTable& table(); }
#endif
namespace portable { const KernelTable& table(); }

namespace {

#if defined(__x86_64__)
unsigned long long xgetbv0() {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

CpuFeatures detect() {
  CpuFeatures f{};
#if defined(__x86_64__)
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  f.fma = (ecx >> 12) & 1;
  bool osxsave = (ecx >> 27) & 1;
  bool avx = (ecx >> 28) & 1;
  unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
  // XMM and YMM state (bits 1, 2); opmask, upper ZMM and high ZMM state (bits 5, 6, 7).
  f.osAvx = avx && (xcr0 & 0x6) == 0x6;
  f.osAvx512 = f.osAvx && (xcr0 & 0xe0) == 0xe0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    f.avx2 = (ebx >> 5) & 1;
    f.avx512f = (ebx >> 16) & 1;
    f.avx512dq = (ebx >> 17) & 1;
    f.avx512bw = (ebx >> 30) & 1;
    f.avx512vl = (ebx >> 31) & 1;
  }
#elif defined(__aarch64__)
  f.neon = true;  // Advanced SIMD is part of the AArch64 base architecture.
#endif
  return f;
}

struct Choice {
  const KernelTable* tables[4];
  int count = 0;
  const KernelTable* active = nullptr;
  const char* reason = "";
};

Choice choose() {
  Choice choice;
  const CpuFeatures& f = cpu_features();
#if defined(__x86_64__)
  if (f.osAvx512 && f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.avx2 && f.fma)
    choice.tables[choice.count++] = &avx512::table();
  if (f.osAvx && f.avx2 && f.fma) choice.tables[choice.count++] = &avx2::table();
#elif defined(__aarch64__)
  if (f.neon) choice.tables[choice.count++] = &neon::table();
#endif
  choice.tables[choice.count++] = &portable::table();
  choice.active = choice.tables[0];
  // VERBO_ISA names a ceiling: the best supported table at or below it. (src/native/index.ts rejects
  // unknown names before the addon loads.)
  const char* wanted = std::getenv("VERBO_ISA");
  if (wanted != nullptr && *wanted != '\0') {
    static const char* const order[] = {"avx512", "avx2", "neon", "portable"};
    int ceiling = -1;
    for (int i = 0; i < 4; i++)
      if (std::strcmp(wanted, order[i]) == 0) ceiling = i;
    if (ceiling >= 0) {
      for (int t = 0; t < choice.count; t++) {
        int rank = -1;
        for (int i = 0; i < 4; i++)
          if (std::strcmp(choice.tables[t]->isa, order[i]) == 0) rank = i;
        if (rank >= ceiling) {
          choice.active = choice.tables[t];
          break;
        }
      }
      if (choice.active != choice.tables[0]) choice.reason = "VERBO_ISA";
    }
  }
  return choice;
}

const Choice& chosen() {
  static const Choice choice = choose();
  return choice;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

const KernelTable* const* supported_tables(int* count) {
  *count = chosen().count;
  return chosen().tables;
}

const KernelTable& active_table() { return *chosen().active; }

const char* active_reason() { return chosen().reason; }

}  // namespace verbo
