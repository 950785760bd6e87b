// asc-flags: --importMemory --sharedMemory --initialMemory 64 --maximumMemory 32768 --enable threads
// The WebAssembly SIMD GEMM without fused multiply-add, for every runtime with SIMD (Node 20). The code
// lives in gemm.as-lib.ts; gemm-fma.as.ts is the same kernel built with relaxed SIMD.
export { gemm, workspaceBytes } from './gemm.as-lib';
export { crossEntropyForwardRows, crossEntropyBackwardRows } from './cross-entropy.as-lib';
