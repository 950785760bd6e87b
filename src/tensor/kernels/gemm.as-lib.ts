// The single-precision GEMM shared by gemm.as.ts (plain SIMD) and gemm-fma.as.ts (relaxed SIMD: the
// multiply-add of the micro-kernel becomes one fused f32x4.relaxed_madd; chosen at compile time through
// ASC_FEATURE_RELAXED_SIMD). WebAssembly SIMD (f32x4), BLIS-style: C[m, n] (+)= op(A)[m, k] · op(B)[k, n].
// The operands live in an imported (shared) memory laid out by the TypeScript side
// (src/tensor/kernels/matmul-wasm.ts); this module owns no memory and keeps no state, so the same
// compiled module runs on the main thread and on the helper worker over one shared memory.
//
// Every operand is addressed by strides in floats: A(i, p) = a[i·rsA + p·csA], B(p, j) = b[p·rsB + j·csB],
// C(i, j) = c[i·ldc + j]. A transposed operand is just another pair of strides, absorbed by the packing.
//
// Blocking (Zen: 32 KiB L1d and 512 KiB L2 per core, 8 MiB shared L3):
//   jc loop over NC columns of B  — the packed B block (KC × NC) stays in L2/L3;
//   pc loop over KC of the depth  — one rank-KC update of C;
//   ic loop over MC rows of A     — the packed A block (MC × KC) stays in L2;
//   jr, ir loops over NR × MR tiles; the micro-kernel keeps an MR × NR tile of C in registers while it
//   streams one MR-tall sliver of packed A and one NR-wide sliver of packed B (KC × NR, in L1).
// Packing pads the last sliver with zeros, so the micro-kernel always runs full tiles; a tile that
// hangs over the edge of C is computed into a scratch tile and only its valid part is added to C.

const MR: i32 = 4; // rows of the register tile
const NR: i32 = 8; // columns of the register tile (two f32x4 per row)
const KC: i32 = 256;
const MC: i32 = 128; // multiple of MR
const NC: i32 = 4096; // multiple of NR
const DIRECT_B_MAX_ROWS: i32 = 32;

/** Bytes of scratch one thread needs at `work` (edge tile + packed A block + packed B block). */
export function workspaceBytes(): i32 {
  return (MR * NR + MC * KC + KC * NC) << 2;
}

// Packs op(A)[0:mc, 0:kc] (starting at a) into MR-tall slivers: sliver s holds, for each p, the MR
// values A(s·MR + r, p) contiguously. Rows past mc are zero.
function packA(a: usize, rsA: i32, csA: i32, mc: i32, kc: i32, dst: usize): void {
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    if (csA == 1 && rows == MR && MR == 4) {
      // A row-major: take 4 values of p from each of the 4 rows and transpose them in registers.
      const row = a + (<usize>(i * rsA) << 2);
      const rowStride = <usize>rsA << 2;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const src = row + (<usize>p << 2);
        transposeStore(
          v128.load(src),
          v128.load(src + rowStride),
          v128.load(src + 2 * rowStride),
          v128.load(src + 3 * rowStride),
          dst + (<usize>(p * MR) << 2),
          MR << 2,
        );
      }
      for (; p < kc; p++) {
        const d = dst + (<usize>(p * MR) << 2);
        for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), load<f32>(row + <usize>r * rowStride + (<usize>p << 2)));
      }
    } else if (csA == 1) {
      // A row-major: read each row contiguously, write with stride MR.
      for (let r = 0; r < rows; r++) {
        let src = a + (<usize>((i + r) * rsA) << 2);
        let d = dst + (<usize>r << 2);
        for (let p = 0; p < kc; p++) {
          store<f32>(d, load<f32>(src));
          src += 4;
          d += MR << 2;
        }
      }
    } else {
      // A stored transposed: the MR values of one p are (nearly) contiguous.
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>(p * csA + i * rsA) << 2);
        const d = dst + (<usize>(p * MR) << 2);
        if (rsA == 1 && rows == MR) {
          v128.store(d, v128.load(src));
          for (let r = 4; r < MR; r++) store<f32>(d + (<usize>r << 2), load<f32>(src + (<usize>r << 2)));
        } else {
          for (let r = 0; r < rows; r++) store<f32>(d + (<usize>r << 2), load<f32>(src + (<usize>(r * rsA) << 2)));
        }
      }
    }
    if (rows < MR) {
      for (let p = 0; p < kc; p++) {
        for (let r = rows; r < MR; r++) store<f32>(dst + (<usize>(p * MR + r) << 2), 0);
      }
    }
    dst += <usize>(MR * kc) << 2;
  }
}

// Given four vectors c0..c3 (each 4 consecutive values along p of one row of A or column of B), stores
// the four vectors of p, p+1, p+2, p+3 (each the 4 lines' values) at d, d + stride, d + 2·stride,
// d + 3·stride: a 4 × 4 transpose in two rounds of shuffles.
// @ts-ignore: decorator
@inline
function transposeStore(c0: v128, c1: v128, c2: v128, c3: v128, d: usize, stride: usize): void {
  const t0 = i32x4.shuffle(c0, c1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(c2, c3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(c0, c1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(c2, c3, 2, 6, 3, 7);
  v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(d + stride, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(d + 2 * stride, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(d + 3 * stride, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

// Packs op(B)[0:kc, 0:nc] (starting at b) into NR-wide slivers: sliver s holds, for each p, the NR
// values B(p, s·NR + c) contiguously. Columns past nc are zero.
function packB(b: usize, rsB: i32, csB: i32, kc: i32, nc: i32, dst: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    if (csB == 1 && cols == NR) {
      let src = b + (<usize>j << 2);
      let d = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += <usize>rsB << 2;
        d += NR << 2;
      }
    } else if (csB == 1) {
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>(p * rsB + j) << 2);
        const d = dst + (<usize>(p * NR) << 2);
        for (let c = 0; c < cols; c++) store<f32>(d + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
        for (let c = cols; c < NR; c++) store<f32>(d + (<usize>c << 2), 0);
      }
    } else if (rsB == 1 && cols == NR) {
      // B stored transposed ([n, k]): each column of op(B) is contiguous along p. Take 4 values of p from
      // each of the 8 columns and transpose the two 4 × 4 blocks in registers.
      const col = b + (<usize>(j * csB) << 2);
      const colStride = <usize>csB << 2;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const src = col + (<usize>p << 2);
        const d = dst + (<usize>(p * NR) << 2);
        transposeStore(
          v128.load(src),
          v128.load(src + colStride),
          v128.load(src + 2 * colStride),
          v128.load(src + 3 * colStride),
          d,
          NR << 2,
        );
        transposeStore(
          v128.load(src + 4 * colStride),
          v128.load(src + 5 * colStride),
          v128.load(src + 6 * colStride),
          v128.load(src + 7 * colStride),
          d + 16,
          NR << 2,
        );
      }
      for (; p < kc; p++) {
        const d = dst + (<usize>(p * NR) << 2);
        for (let c = 0; c < NR; c++) store<f32>(d + (<usize>c << 2), load<f32>(col + <usize>c * colStride + (<usize>p << 2)));
      }
    } else {
      // B strided otherwise (or a partial sliver): read each column contiguously along p.
      for (let c = 0; c < cols; c++) {
        let src = b + (<usize>((j + c) * csB) << 2);
        let d = dst + (<usize>c << 2);
        for (let p = 0; p < kc; p++) {
          store<f32>(d, load<f32>(src));
          src += <usize>rsB << 2;
          d += NR << 2;
        }
      }
      if (cols < NR) {
        for (let p = 0; p < kc; p++) {
          for (let c = cols; c < NR; c++) store<f32>(dst + (<usize>(p * NR + c) << 2), 0);
        }
      }
    }
    dst += <usize>(NR * kc) << 2;
  }
}

// a · b + c, fused where the module is built with relaxed SIMD (one instruction, one rounding).
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// The 4 × 8 micro-kernel: eight f32x4 accumulators, four broadcasts of A and two vectors of B per
// step of p. With `add` the tile is added to C, otherwise it overwrites C. ldc is in bytes.
// Why not a bigger tile: x64 has 16 xmm registers and V8 keeps one as scratch; V8 schedules all of a
// step's loads before its arithmetic, so accumulators + loaded values + one product must fit in 15.
// 4 × 8 (and 2 × 16) fit; 6 × 8, 5 × 8 and 3 × 12 spill and measured 30-50% slower. With the fused
// multiply-add 3 × 12 would fit too, but measured no faster than 4 × 8.
// @ts-ignore: decorator
@inline
function kernel(kc: i32, pa: usize, pb: usize, bStep: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const paEnd = pa + (<usize>(kc * MR) << 2);
  while (pa < paEnd) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += MR << 2;
    pb += bStep;
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc));
    c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc));
    c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc));
    c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

/**
 * C[0:m, 0:n] (+)= op(A) · op(B) with the strides above (in floats; pointers in bytes). `work` is a
 * private scratch area of workspaceBytes() bytes. With accumulate = 0, C is overwritten (and need not
 * be initialised).
 */
export function gemm(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  rsA: i32,
  csA: i32,
  b: usize,
  rsB: i32,
  csB: i32,
  c: usize,
  ldc: i32,
  accumulate: i32,
  work: usize,
): void {
  const edge = work;
  const packedA = work + (<usize>(MR * NR) << 2);
  const packedB = packedA + (<usize>(MC * KC) << 2);
  const ldcBytes = <usize>ldc << 2;
  // With few rows of A, each sliver of B serves only a few register tiles, so packing B (a full pass
  // over it) costs more than it saves: a row-major B is then read where it lies.
  const direct = csB == 1 && m <= DIRECT_B_MAX_ROWS;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      if (!direct) packB(b + (<usize>(pc * rsB + jc * csB) << 2), rsB, csB, kc, nc, packedB);
      const add = accumulate != 0 || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + (<usize>(ic * rsA + pc * csA) << 2), rsA, csA, mc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          let pb = packedB + (<usize>(jr * kc) << 2);
          let bStep: usize = NR << 2;
          if (direct) {
            // Read the sliver in place (rows of B, rsB apart); only a partial last sliver is packed.
            pb = b + (<usize>(pc * rsB + jc + jr) << 2);
            if (cols == NR) {
              bStep = <usize>rsB << 2;
            } else {
              packB(pb, rsB, csB, kc, cols, packedB);
              pb = packedB;
            }
          }
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const pa = packedA + (<usize>(ir * kc) << 2);
            const cTile = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            if (rows == MR && cols == NR) {
              kernel(kc, pa, pb, bStep, cTile, ldcBytes, add);
            } else {
              kernel(kc, pa, pb, bStep, edge, NR << 2, false);
              for (let r = 0; r < rows; r++) {
                const cRow = cTile + (<usize>r * ldcBytes);
                const eRow = edge + (<usize>(r * NR) << 2);
                for (let q = 0; q < cols; q++) {
                  const value = load<f32>(eRow + (<usize>q << 2));
                  const at = cRow + (<usize>q << 2);
                  store<f32>(at, add ? load<f32>(at) + value : value);
                }
              }
            }
          }
        }
      }
    }
  }
}
