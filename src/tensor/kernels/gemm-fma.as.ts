// asc-flags: --importMemory --sharedMemory --initialMemory 64 --maximumMemory 32768 --enable threads --enable relaxed-simd
// The WebAssembly GEMM built with relaxed SIMD, whose f32x4.relaxed_madd compiles to one fused
// multiply-add on x64 with FMA3: about 20% faster here than gemm.as.ts. Runtimes without relaxed SIMD
// (Node 20 unless started with --experimental-wasm-relaxed-simd) reject the module, and matmul-wasm.ts
// then loads gemm.wasm. The code lives in gemm.as-lib.ts.
export { gemm, workspaceBytes } from './gemm.as-lib';
export { crossEntropyForwardRows, crossEntropyBackwardRows } from './cross-entropy.as-lib';
