// gemm on AVX2 + FMA (compiled with -mavx2 -mfma; only called when the CPU has them).
//
// The same design as gemm_avx512.cpp, scaled to 16 ymm registers of 8 floats: a register-blocked
// tile kernel of at most 12 accumulators (6 rows x 16 columns), run straight on the caller's
// matrices for small and medium products and on packed 16-column B panels for large ones.
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

using gemm_detail::kScratchB;
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
//  b: row-major, element (p, j) at b[p * ldb + j]; the last vector keeps only the lanes in
//     `last` (the n tail), so nothing past the tile's columns is read or written.
// The k loop is outermost: each accumulator lane is one output's FMA chain, fed in increasing p.
template <int MR, int NV, bool kTransA>
void tile(int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, bool load_c,
          __m256i last) {
  __m256 acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    const float* c_r = c + static_cast<std::ptrdiff_t>(r) * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      if (!load_c) {
        acc[r][v] = _mm256_setzero_ps();
      } else if (v + 1 < NV) {
        acc[r][v] = _mm256_loadu_ps(c_r + v * kLanes);
      } else {
        acc[r][v] = _mm256_maskload_ps(c_r + v * kLanes, last);
      }
    }
  }

  for (int p = 0; p < k; ++p) {
    const float* b_p = b + static_cast<std::ptrdiff_t>(p) * ldb;
    __m256 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      bv[v] = v + 1 < NV ? _mm256_loadu_ps(b_p + v * kLanes)
                         : _mm256_maskload_ps(b_p + v * kLanes, last);
      keep_in_register(bv[v]);
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const float a_rp = kTransA ? a[static_cast<std::ptrdiff_t>(p) * lda + r]
                                 : a[static_cast<std::ptrdiff_t>(r) * lda + p];
      const __m256 av = _mm256_set1_ps(a_rp);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }

#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    float* c_r = c + static_cast<std::ptrdiff_t>(r) * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      if (v + 1 < NV) {
        _mm256_storeu_ps(c_r + v * kLanes, acc[r][v]);
      } else {
        _mm256_maskstore_ps(c_r + v * kLanes, last, acc[r][v]);
      }
    }
  }
}

using TileFn = void (*)(int, const float*, int, const float*, int, float*, int, bool, __m256i);

// The tile kernel for `rows` rows (1..tile_rows(NV)).
template <int NV, bool kTransA>
TileFn tile_for_rows(int rows) {
  constexpr int kMax = tile_rows(NV);
  switch (rows) {
#define PH_TILE_CASE(R) \
  case R:               \
    if constexpr (R <= kMax) return &tile<R, NV, kTransA>;
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
  return &tile<kMax, NV, kTransA>;
}

// C [m x NV*8 (last vector masked)] over all rows, in tiles of tile_rows(NV) rows.
template <int NV, bool kTransA>
void tile_column(int m, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc,
                 bool load_c, __m256i last) {
  constexpr int kRows = tile_rows(NV);
  int i = 0;
  for (; i + kRows <= m; i += kRows) {
    const float* a_i = kTransA ? a + i : a + static_cast<std::ptrdiff_t>(i) * lda;
    tile<kRows, NV, kTransA>(k, a_i, lda, b, ldb, c + static_cast<std::ptrdiff_t>(i) * ldc, ldc,
                             load_c, last);
  }
  if (i < m) {
    const float* a_i = kTransA ? a + i : a + static_cast<std::ptrdiff_t>(i) * lda;
    tile_for_rows<NV, kTransA>(m - i)(k, a_i, lda, b, ldb, c + static_cast<std::ptrdiff_t>(i) * ldc,
                                      ldc, load_c, last);
  }
}

// ---------------------------------------------------------------------------------------------
// Transposing copy (op(B) must be row-major for the tile kernel)
// ---------------------------------------------------------------------------------------------

// dst[8 x 8] = transpose(src[8 x 8]) with the classic unpack / shuffle / lane-permute sequence.
inline void transpose8x8(const float* src, int lds, float* dst, int ldd) {
  __m256 r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + static_cast<std::ptrdiff_t>(i) * lds);
  // t: pairs of rows interleaved; u: quadruples of rows; each 128-bit half then holds four
  // consecutive elements of one column, and the lane permute joins the two halves.
  __m256 t[8], u[8];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    const int o = 4 * h;
    u[o + 0] = _mm256_shuffle_ps(t[o + 0], t[o + 2], 0x44);
    u[o + 1] = _mm256_shuffle_ps(t[o + 0], t[o + 2], 0xEE);
    u[o + 2] = _mm256_shuffle_ps(t[o + 1], t[o + 3], 0x44);
    u[o + 3] = _mm256_shuffle_ps(t[o + 1], t[o + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + static_cast<std::ptrdiff_t>(i) * ldd,
                     _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    _mm256_storeu_ps(dst + static_cast<std::ptrdiff_t>(i + 4) * ldd,
                     _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
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

// C [m x n] with B row-major [k x n]: column blocks of 16 (a narrow tail of 8), each swept by
// row tiles; that block of B is reused by every row tile while it is hot in L1.
void direct(bool trans_a, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
            float* c, int ldc, bool load_c) {
  for (int j = 0; j < n; j += 2 * kLanes) {
    const int width = imin(2 * kLanes, n - j);
    const int nv = (width + kLanes - 1) / kLanes;
    const __m256i last = first_lanes(width - (nv - 1) * kLanes);
    if (nv == 2) {
      if (trans_a) {
        tile_column<2, true>(m, k, a, lda, b + j, ldb, c + j, ldc, load_c, last);
      } else {
        tile_column<2, false>(m, k, a, lda, b + j, ldb, c + j, ldc, load_c, last);
      }
    } else if (trans_a) {
      tile_column<1, true>(m, k, a, lda, b + j, ldb, c + j, ldc, load_c, last);
    } else {
      tile_column<1, false>(m, k, a, lda, b + j, ldb, c + j, ldc, load_c, last);
    }
  }
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

template <bool kTransA>
void packed(bool trans_b, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
            float* c, int ldc, bool accumulate) {
  constexpr int kRows = tile_rows(2);
  float* bp = scratch(kScratchB, static_cast<std::size_t>(kKc) * round_up(imin(n, kNc), kPanel));
  for (int j0 = 0; j0 < n; j0 += kNc) {
    const int nc = imin(kNc, n - j0);
    for (int p0 = 0; p0 < k; p0 += kKc) {
      const int kc = imin(kKc, k - p0);
      // The first k block starts from C or from zero; later ones continue from the stored
      // partial sums, which keeps every element's FMA chain in order.
      const bool load_c = accumulate || p0 > 0;
      pack_b(trans_b, b, ldb, p0, j0, kc, nc, bp);
      for (int i = 0; i < m; i += kRows) {
        const int rows = imin(kRows, m - i);
        const float* a_ip = kTransA ? a + static_cast<std::ptrdiff_t>(p0) * lda + i
                                    : a + static_cast<std::ptrdiff_t>(i) * lda + p0;
        float* c_i = c + static_cast<std::ptrdiff_t>(i) * ldc + j0;
        for (int q = 0; q * kPanel < nc; ++q) {
          const int width = imin(kPanel, nc - q * kPanel);
          const float* panel = bp + static_cast<std::ptrdiff_t>(q) * kc * kPanel;
          if (rows == kRows && width == kPanel) {
            tile<kRows, 2, kTransA>(kc, a_ip, lda, panel, kPanel, c_i + q * kPanel, ldc, load_c,
                                    first_lanes(kLanes));
          } else if (width > kLanes) {
            tile_for_rows<2, kTransA>(rows)(kc, a_ip, lda, panel, kPanel, c_i + q * kPanel, ldc,
                                            load_c, first_lanes(width - kLanes));
          } else {
            // A narrow last panel: one vector wide, so the 12-row tile covers two 6-row steps.
            tile_for_rows<1, kTransA>(rows)(kc, a_ip, lda, panel, kPanel, c_i + q * kPanel, ldc,
                                            load_c, first_lanes(width));
          }
        }
      }
    }
  }
}

// Below this many multiply-adds (or with a small B), the direct path wins: there is nothing to
// amortise a packing pass over.
bool use_packed(int m, int n, int k) {
  const std::int64_t b_floats = static_cast<std::int64_t>(k) * n;
  return static_cast<std::int64_t>(m) * n * k >= (std::int64_t{1} << 24) && b_floats > 64 * 1024;
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
    if (trans_a) {
      packed<true>(trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    } else {
      packed<false>(trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    }
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
