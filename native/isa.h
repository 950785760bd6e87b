// Names the instruction-set namespace of the kernel sources being compiled. binding.gyp compiles every
// kernel family (gemm.cc, table.cc, ...) once per ISA, each time with that ISA's compiler flags and with
// VERBO_ISA_NAME set to avx512, avx2, portable or neon; the code lands in namespace verbo::<name>, so
// the copies never collide and dispatch.cc can pick one table at load.
//
// Rule for kernel sources: inside namespace verbo::VERBO_ISA_NAME use no C++ standard-library template
// that the compiler might emit out of line (std::vector, std::function, std::min on floats is fine only
// because it is inlined, prefer the helpers below): such a function is shared by name between the ISA
// copies, and the linker could keep the AVX-512 build of it for every caller.
#pragma once

#ifndef VERBO_ISA_NAME
#error "VERBO_ISA_NAME must be defined by the build (binding.gyp)"
#endif

#define VERBO_STRINGIFY2(x) #x
#define VERBO_STRINGIFY(x) VERBO_STRINGIFY2(x)
#define VERBO_ISA_STRING VERBO_STRINGIFY(VERBO_ISA_NAME)
#define VERBO_NS VERBO_ISA_NAME
