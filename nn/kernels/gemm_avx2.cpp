// gemm on AVX2 + FMA (compiled with -mavx2 -mfma; only called when the CPU has them).
//
// The same design as gemm_avx512.cpp (read that file first), scaled to 16 ymm registers of 8
// floats: a register-blocked tile kernel of at most 12 accumulators (6 rows x 16 columns), run
// straight on the caller's matrices for small and medium products (direct), on C^T for outputs
// with very few columns (narrow), and on packed 16-column B panels and 6-row A micro-panels
// when B exceeds L2 (packed).
// Every C element is one FMA chain over k in increasing order, started from C (accumulate) or
// +0, exactly as in gemm_reference: vectors run across output columns, never across k, so the
// result is bit-identical to the scalar and AVX-512 paths.
//
// Everything lives in nn::kernels::avx2_impl with internals in an anonymous namespace, and
// nothing here calls an inline function of the standard library (the linker could otherwise pick
// this file's AVX2 copy of it for a caller on a CPU without AVX2).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "nn/kernels/gemm_internal.hpp"

namespace nn::kernels::avx2_impl {
namespace {

using gemm_detail::kScratchA;
using gemm_detail::kScratchB;
using gemm_detail::kScratchC;
using gemm_detail::scratch;

constexpr int kLanes = 8;  // floats per ymm register

inline int imin(int a, int b) {
  return a < b ? a : b;
}
inline int round_up(int x, int multiple) {
  return (x + multiple - 1) / multiple * multiple;
}
// Lane mask (all bits set in each selected 32-bit lane) for the first `count` lanes, 1..8.
inline __m256i first_lanes(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// An empty asm statement that claims to modify `v`: the compiler must then keep the loaded B
// vector in a register instead of folding the load into every FMA that uses it (repeated loads
// that are slow when B rows straddle cache lines).
inline void keep_in_register(__m256& v) {
  __asm__("" : "+x"(v));
}

// Rows per tile for a tile `nv` vectors wide: rows * nv <= 12 accumulators, leaving registers
// for the loaded B vectors and the broadcast A value (16 ymm registers in all).
constexpr int tile_rows(int nv) {
  return nv == 2 ? 6 : 12;
}

// ---------------------------------------------------------------------------------------------
// The tile kernel
// ---------------------------------------------------------------------------------------------

// C tile [MR x NV*8] = (load_c ? C : 0) + op(A) tile [MR x k] * B tile [k x NV*8].
//  a: kTransA ? element (r, p) at a[p * lda + r] : at a[r * lda + p]
//  b: row-major, element (p, j) at b[p * ldb + j]; if kMasked, the last vector keeps only the
//     lanes in `last` (the n tail), so nothing past the tile's columns is read or written.
//     AVX2 masked loads and stores (vmaskmovps) are slow, so full tiles use the unmasked copy.
// The k loop is outermost: each accumulator lane is one output's FMA chain, fed in increasing p.
template <int MR, int NV, bool kTransA, bool kMasked>
void tile(int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, bool load_c,
          __m256i last) {
  __m256 acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    const float* c_r = c + static_cast<std::ptrdiff_t>(r) * ldc;
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      if (!load_c) {
        acc[r][v] = _mm256_setzero_ps();
      } else if (v + 1 < NV || !kMasked) {
        acc[r][v] = _mm256_loadu_ps(c_r + v * kLanes);
      } else {
        acc[r][v] = _mm256_maskload_ps(c_r + v * kLanes, last);
      }
    }
  }

  for (int p = 0; p < k; ++p) {
    const float* b_p = b + static_cast<std::ptrdiff_t>(p) * ldb;
    __m256 bv[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      bv[v] = v + 1 < NV || !kMasked ? _mm256_loadu_ps(b_p + v * kLanes)
                                     : _mm256_maskload_ps(b_p + v * kLanes, last);
      if constexpr (MR > 1) keep_in_register(bv[v]);
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const float a_rp = kTransA ? a[static_cast<std::ptrdiff_t>(p) * lda + r]
                                 : a[static_cast<std::ptrdiff_t>(r) * lda + p];
      const __m256 av = _mm256_set1_ps(a_rp);
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }

#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    float* c_r = c + static_cast<std::ptrdiff_t>(r) * ldc;
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      if (v + 1 < NV || !kMasked) {
        _mm256_storeu_ps(c_r + v * kLanes, acc[r][v]);
      } else {
        _mm256_maskstore_ps(c_r + v * kLanes, last, acc[r][v]);
      }
    }
  }
}

using TileFn = void (*)(int, const float*, int, const float*, int, float*, int, bool, __m256i);

// The tile kernel for `rows` rows (1..tile_rows(NV)), with or without a masked last vector.
template <int NV, bool kTransA>
TileFn tile_for_rows(int rows, bool masked) {
  constexpr int kMax = tile_rows(NV);
  switch (rows) {
#define PH_TILE_CASE(R)                                                           \
  case R:                                                                         \
    if constexpr (R <= kMax) {                                                    \
      return masked ? &tile<R, NV, kTransA, true> : &tile<R, NV, kTransA, false>; \
    }
    PH_TILE_CASE(1)
    PH_TILE_CASE(2)
    PH_TILE_CASE(3)
    PH_TILE_CASE(4)
    PH_TILE_CASE(5)
    PH_TILE_CASE(6)
    PH_TILE_CASE(7)
    PH_TILE_CASE(8)
    PH_TILE_CASE(9)
    PH_TILE_CASE(10)
    PH_TILE_CASE(11)
    PH_TILE_CASE(12)
#undef PH_TILE_CASE
    default:
      break;
  }
  return masked ? &tile<kMax, NV, kTransA, true> : &tile<kMax, NV, kTransA, false>;
}

// C [m x NV*8 (last vector masked if `masked`)] over all rows, in tiles of tile_rows(NV) rows.
template <int NV, bool kTransA>
void tile_column(int m, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc,
                 bool load_c, __m256i last, bool masked) {
  constexpr int kRows = tile_rows(NV);
  const TileFn full = tile_for_rows<NV, kTransA>(kRows, masked);
  int i = 0;
  for (; i + kRows <= m; i += kRows) {
    const float* a_i = kTransA ? a + i : a + static_cast<std::ptrdiff_t>(i) * lda;
    full(k, a_i, lda, b, ldb, c + static_cast<std::ptrdiff_t>(i) * ldc, ldc, load_c, last);
  }
  if (i < m) {
    const float* a_i = kTransA ? a + i : a + static_cast<std::ptrdiff_t>(i) * lda;
    tile_for_rows<NV, kTransA>(m - i, masked)(
        k, a_i, lda, b, ldb, c + static_cast<std::ptrdiff_t>(i) * ldc, ldc, load_c, last);
  }
}

// ---------------------------------------------------------------------------------------------
// Transposing copy (op(B) must be row-major for the tile kernel)
// ---------------------------------------------------------------------------------------------

// dst[8 x 8] = transpose(src[8 x 8]). Each ymm register is loaded with 4 columns of row i in its
// low half and of row i+4 in its high half, so a 4x4 transpose inside each 128-bit half (unpack,
// then shuffle) finishes the job: 16 shuffles per block instead of 24 for the version with a
// final lane permute (shuffles all compete for one port).
inline void transpose8x8(const float* src, int lds, float* dst, int ldd) {
  __m256 lo[4], hi[4];  // lo: columns 0..3, hi: columns 4..7
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    const float* row = src + static_cast<std::ptrdiff_t>(i) * lds;
    const float* row4 = row + static_cast<std::ptrdiff_t>(4) * lds;
    lo[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(row)), _mm_loadu_ps(row4), 1);
    hi[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(row + 4)),
                                 _mm_loadu_ps(row4 + 4), 1);
  }
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    const __m256* r = h == 0 ? lo : hi;
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    float* d = dst + static_cast<std::ptrdiff_t>(4 * h) * ldd;
    _mm256_storeu_ps(d, _mm256_shuffle_ps(t0, t2, 0x44));
    _mm256_storeu_ps(d + ldd, _mm256_shuffle_ps(t0, t2, 0xEE));
    _mm256_storeu_ps(d + static_cast<std::ptrdiff_t>(2) * ldd, _mm256_shuffle_ps(t1, t3, 0x44));
    _mm256_storeu_ps(d + static_cast<std::ptrdiff_t>(3) * ldd, _mm256_shuffle_ps(t1, t3, 0xEE));
  }
}

// dst[cols x rows] = transpose(src[rows x cols]); 8x8 blocks, scalar edges.
void transpose(const float* src, int lds, int rows, int cols, float* dst, int ldd) {
  const int rows8 = rows / 8 * 8, cols8 = cols / 8 * 8;
  for (int i = 0; i < rows8; i += 8) {
    const float* s = src + static_cast<std::ptrdiff_t>(i) * lds;
    for (int j = 0; j < cols8; j += 8) {
      transpose8x8(s + j, lds, dst + static_cast<std::ptrdiff_t>(j) * ldd + i, ldd);
    }
    for (int j = cols8; j < cols; ++j) {
      for (int ii = 0; ii < 8; ++ii) {
        dst[static_cast<std::ptrdiff_t>(j) * ldd + i + ii] =
            s[static_cast<std::ptrdiff_t>(ii) * lds + j];
      }
    }
  }
  for (int i = rows8; i < rows; ++i) {
    const float* s = src + static_cast<std::ptrdiff_t>(i) * lds;
    for (int j = 0; j < cols; ++j) dst[static_cast<std::ptrdiff_t>(j) * ldd + i] = s[j];
  }
}

// ---------------------------------------------------------------------------------------------
// Direct path
// ---------------------------------------------------------------------------------------------

// A single row (batch-1 inference): each output is a chain of k dependent FMAs, so a tile takes
// k FMA latencies however few columns it has. One wide tile (up to 8 vectors, one chain per
// vector) runs all those chains side by side instead of one narrow tile after another. With one
// row each B vector is used once, so the tile lets the compiler fold its load into the FMA.
template <bool kTransA>
void single_row(int n, int k, const float* a, int lda, const float* b, int ldb, float* c,
                bool load_c) {
  constexpr int kMaxVectors = 8;
  for (int j = 0; j < n; j += kMaxVectors * kLanes) {
    const int width = imin(kMaxVectors * kLanes, n - j);
    const int nv = (width + kLanes - 1) / kLanes;
    const __m256i last = first_lanes(width - (nv - 1) * kLanes);
    switch (nv) {
#define PH_ROW_CASE(NV)                                                           \
  case NV:                                                                        \
    if (width == NV * kLanes) {                                                   \
      tile<1, NV, kTransA, false>(k, a, lda, b + j, ldb, c + j, 0, load_c, last); \
    } else {                                                                      \
      tile<1, NV, kTransA, true>(k, a, lda, b + j, ldb, c + j, 0, load_c, last);  \
    }                                                                             \
    break;
      PH_ROW_CASE(1)
      PH_ROW_CASE(2)
      PH_ROW_CASE(3)
      PH_ROW_CASE(4)
      PH_ROW_CASE(5)
      PH_ROW_CASE(6)
      PH_ROW_CASE(7)
      PH_ROW_CASE(8)
#undef PH_ROW_CASE
      default:
        break;
    }
  }
}

// C [m x n] with B row-major [k x n], in bands of 12 rows: a band of A (12 x k) stays in L1
// while the band sweeps all column blocks of 16 (2 vectors; a narrower tail is masked); B is
// read from L1 or L2.
void direct(bool trans_a, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
            float* c, int ldc, bool load_c) {
  constexpr int kBand = 12;
  for (int i = 0; i < m; i += kBand) {
    const int rows = imin(kBand, m - i);
    const float* a_i = trans_a ? a + i : a + static_cast<std::ptrdiff_t>(i) * lda;
    float* c_i = c + static_cast<std::ptrdiff_t>(i) * ldc;
    if (rows == 1) {
      if (trans_a) {
        single_row<true>(n, k, a_i, lda, b, ldb, c_i, load_c);
      } else {
        single_row<false>(n, k, a_i, lda, b, ldb, c_i, load_c);
      }
      continue;
    }
    for (int j = 0; j < n; j += 2 * kLanes) {
      const int width = imin(2 * kLanes, n - j);
      const int nv = (width + kLanes - 1) / kLanes;
      const __m256i last = first_lanes(width - (nv - 1) * kLanes);
      const bool masked = width < nv * kLanes;
      const float* b_j = b + j;
      float* c_ij = c_i + j;
      if (nv == 2) {
        if (trans_a) {
          tile_column<2, true>(rows, k, a_i, lda, b_j, ldb, c_ij, ldc, load_c, last, masked);
        } else {
          tile_column<2, false>(rows, k, a_i, lda, b_j, ldb, c_ij, ldc, load_c, last, masked);
        }
      } else if (trans_a) {
        tile_column<1, true>(rows, k, a_i, lda, b_j, ldb, c_ij, ldc, load_c, last, masked);
      } else {
        tile_column<1, false>(rows, k, a_i, lda, b_j, ldb, c_ij, ldc, load_c, last, masked);
      }
    }
  }
}

// Narrow outputs (a few columns, many rows, e.g. a layer with 3 outputs): computes the transpose
// C^T [n x m] = op(B)^T [n x k] * op(A)^T [k x m] instead, so vectors run along m and are full.
// Each element is still fma(op(A)[i][p], op(B)[p][j], acc) over p in order (the two factors of
// a product commute exactly), so the bits are the same as on the direct path.
void narrow(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
            const float* b, int ldb, float* c, int ldc, bool accumulate) {
  // op(A)^T as a row-major k x m matrix: the stored A when trans_a, else a transposed copy.
  const float* at = a;
  int ldat = lda;
  if (!trans_a) {
    ldat = round_up(m, kLanes);
    float* buf = scratch(kScratchA, static_cast<std::size_t>(k) * ldat);
    transpose(a, lda, m, k, buf, ldat);
    at = buf;
  }
  const int ldct = round_up(m, kLanes);
  float* ct = scratch(kScratchC, static_cast<std::size_t>(n) * ldct);
  if (accumulate) transpose(c, ldc, m, n, ct, ldct);
  // op(B)^T element (j, p) is op(B)[p][j]: b[p * ldb + j] (a "transposed" operand) unless
  // trans_b, when it is b[j * ldb + p].
  direct(!trans_b, n, m, k, b, ldb, at, ldat, ct, ldct, accumulate);
  transpose(ct, ldct, n, m, c, ldc);
}

// ---------------------------------------------------------------------------------------------
// Packed path
// ---------------------------------------------------------------------------------------------

constexpr int kPanel = 2 * kLanes;  // columns per packed B panel (the tile is 6 x 16)
constexpr int kKc = 256;            // k block: a 6 x 256 A micro-panel is 6 KB (L1)
constexpr int kNc = 1024;           // n block: a packed 256 x 1024 B block is 1 MB (L2)

// Packs op(B)[p0 : p0+kc, j0 : j0+nc] into panels of 16 columns: panel q holds rows p of
// columns j0+16q .. j0+16q+15 contiguously (kc x 16), zero-padded past n.
void pack_b(bool trans_b, const float* b, int ldb, int p0, int j0, int kc, int nc, float* bp) {
  for (int q = 0; q * kPanel < nc; ++q) {
    float* panel = bp + static_cast<std::ptrdiff_t>(q) * kc * kPanel;
    const int j = j0 + q * kPanel;
    const int width = imin(kPanel, nc - q * kPanel);
    if (!trans_b) {
      if (width == kPanel) {
        for (int p = 0; p < kc; ++p) {
          const float* src = b + static_cast<std::ptrdiff_t>(p0 + p) * ldb + j;
          _mm256_store_ps(panel + p * kPanel, _mm256_loadu_ps(src));
          _mm256_store_ps(panel + p * kPanel + kLanes, _mm256_loadu_ps(src + kLanes));
        }
      } else {
        const __m256i lo = first_lanes(imin(width, kLanes));
        const __m256i hi = width > kLanes ? first_lanes(width - kLanes) : _mm256_setzero_si256();
        for (int p = 0; p < kc; ++p) {
          const float* src = b + static_cast<std::ptrdiff_t>(p0 + p) * ldb + j;
          _mm256_store_ps(panel + p * kPanel, _mm256_maskload_ps(src, lo));
          _mm256_store_ps(panel + p * kPanel + kLanes, _mm256_maskload_ps(src + kLanes, hi));
        }
      }
    } else {
      // op(B) column j is row j of the stored B: transpose a width x kc block.
      if (width < kPanel) {
        for (int p = 0; p < kc; ++p) {
          _mm256_store_ps(panel + p * kPanel, _mm256_setzero_ps());
          _mm256_store_ps(panel + p * kPanel + kLanes, _mm256_setzero_ps());
        }
      }
      transpose(b + static_cast<std::ptrdiff_t>(j) * ldb + p0, ldb, width, kc, panel, kPanel);
    }
  }
}

constexpr int kMr = tile_rows(2);  // rows per A micro-panel (6)

// Packs op(A)[i0 : i0+rows, p0 : p0+kc] as a kc x 6 micro-panel: the 6 values the tile
// broadcasts at step p sit together at ap[p * 6]. That makes the tile read one contiguous
// stream instead of 6 rows lda apart (which, for lda a multiple of 1024 floats, all fall in the
// same L1 set). Rows past `rows` are zero (their results land in accumulators that are never
// stored; zeros keep them from being slow denormals or NaNs). `ap` needs 8 floats of slack.
void pack_a(bool trans_a, const float* a, int lda, int i0, int p0, int rows, int kc, float* ap) {
  if (trans_a) {
    // op(A) row i is column i of the stored A: each step p is already 6 consecutive floats.
    // Each store writes 8 lanes; the 2 extra are overwritten by the next step.
    const __m256i keep = first_lanes(rows);
    for (int p = 0; p < kc; ++p) {
      const float* src = a + static_cast<std::ptrdiff_t>(p0 + p) * lda + i0;
      _mm256_storeu_ps(ap + p * kMr, _mm256_maskload_ps(src, keep));
    }
    return;
  }
  if (rows < kMr) {
    for (int p = 0; p < kc; ++p) _mm256_storeu_ps(ap + p * kMr, _mm256_setzero_ps());
  }
  transpose(a + static_cast<std::ptrdiff_t>(i0) * lda + p0, lda, rows, kc, ap, kMr);
}

void packed(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
            const float* b, int ldb, float* c, int ldc, bool accumulate) {
  float* bp = scratch(kScratchB, static_cast<std::size_t>(kKc) * round_up(imin(n, kNc), kPanel));
  float* ap = scratch(kScratchA, static_cast<std::size_t>(kKc) * kMr + kLanes);
  for (int j0 = 0; j0 < n; j0 += kNc) {
    const int nc = imin(kNc, n - j0);
    for (int p0 = 0; p0 < k; p0 += kKc) {
      const int kc = imin(kKc, k - p0);
      // The first k block starts from C or from zero; later ones continue from the stored
      // partial sums, which keeps every element's FMA chain in order.
      const bool load_c = accumulate || p0 > 0;
      pack_b(trans_b, b, ldb, p0, j0, kc, nc, bp);
      for (int i = 0; i < m; i += kMr) {
        const int rows = imin(kMr, m - i);
        pack_a(trans_a, a, lda, i, p0, rows, kc, ap);
        // The packed micro-panel is op(A) stored transposed: element (r, p) at ap[p * 6 + r].
        const TileFn fn = tile_for_rows<2, true>(rows, false);
        float* c_i = c + static_cast<std::ptrdiff_t>(i) * ldc + j0;
        for (int q = 0; q * kPanel < nc; ++q) {
          const int width = imin(kPanel, nc - q * kPanel);
          const float* panel = bp + static_cast<std::ptrdiff_t>(q) * kc * kPanel;
          float* c_iq = c_i + q * kPanel;
          if (width == kPanel) {
            fn(kc, ap, kMr, panel, kPanel, c_iq, ldc, load_c, first_lanes(kLanes));
          } else if (width > kLanes) {
            tile_for_rows<2, true>(rows, true)(kc, ap, kMr, panel, kPanel, c_iq, ldc, load_c,
                                               first_lanes(width - kLanes));
          } else {
            // A narrow last panel: one vector wide.
            tile_for_rows<1, true>(rows, width < kLanes)(kc, ap, kMr, panel, kPanel, c_iq, ldc,
                                                         load_c, first_lanes(width));
          }
        }
      }
    }
  }
}

// The direct path reads B straight from the caller's matrix (or one transposed copy), which
// works well while B (k x n) fits in L2; beyond 1 MB, packing B into L2-sized blocks pays, as
// long as there is enough work to amortise the packing.
bool use_packed(int m, int n, int k) {
  const std::int64_t b_floats = static_cast<std::int64_t>(k) * n;
  return static_cast<std::int64_t>(m) * n * k >= (std::int64_t{1} << 22) && b_floats > 256 * 1024;
}

}  // namespace

void gemm_serial(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                 const float* b, int ldb, float* c, int ldc, bool accumulate) {
  if (k == 0) {
    if (!accumulate) {
      for (int i = 0; i < m; ++i) {
        float* c_i = c + static_cast<std::ptrdiff_t>(i) * ldc;
        for (int j = 0; j < n; ++j) c_i[j] = 0.0f;
      }
    }
    return;
  }
  if (use_packed(m, n, k)) {
    packed(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  if (n <= 4 && m >= 32 && (trans_a || static_cast<std::int64_t>(m) * k <= 256 * 1024)) {
    narrow(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  if (trans_b) {
    // op(B) = B^T: copy it once into a row-major k x n buffer (rows padded to whole vectors).
    const int ldt = round_up(n, kLanes);
    float* bt = scratch(kScratchB, static_cast<std::size_t>(k) * ldt);
    transpose(b, ldb, n, k, bt, ldt);
    direct(trans_a, m, n, k, a, lda, bt, ldt, c, ldc, accumulate);
    return;
  }
  direct(trans_a, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

}  // namespace nn::kernels::avx2_impl
