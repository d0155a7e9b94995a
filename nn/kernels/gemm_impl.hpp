// The SIMD gemm, written once for every vector instruction set.
//
// Not a standalone header: gemm_avx2.cpp and gemm_avx512.cpp include it inside their own
// `namespace nn::kernels::<isa> { namespace {`, after their vocabulary header (simd_<isa>.hpp),
// gemm_internal.hpp and math_impl.hpp (for the activation of dense_row). The body is written over
// the vocabulary's whole-register names (Reg, kRegLanes, kRegCount, RegMask, reg_load, reg_fma,
// ...); every tile size below follows from kRegLanes and kRegCount, so AVX2 (16 registers of 8
// floats) and AVX-512 (32 of 16) get the shapes each was tuned for from the same lines.
//
// Every C element is one FMA chain over k in increasing order, started from C (accumulate) or
// +0, exactly as in gemm_reference: vectors run across output columns j, never across k, so each
// lane performs the reference's scalar sequence of roundings and the result is bit-identical to
// the scalar path and to the other instruction set. Splitting k into blocks stores the partial
// sum to C and reloads it, which is exact for floats, so blocking does not change results either.
//
// Three routes share one register-blocked "tile" kernel (up to 3/4 of the registers as
// accumulators: 24 zmm, e.g. 6 rows x 64 columns or 12 x 32; 12 ymm, e.g. 6 rows x 16 columns),
// fed by one broadcast of A and a few vector loads of B per step of k:
//  * direct: small and medium products (RL layers) run the tile straight on the caller's
//    matrices in bands of 12 rows, no packing, so a 64x64x64 product has almost no set-up cost;
//    a transposed B is first copied into a row-major scratch buffer (the tile needs rows of op(B));
//  * few rows (batches of 1 to 8): kernels::gemm jumps straight to small_gemm, whose tiles run
//    without the general route's set-up; up to 6 rows (8 when that makes one pass) are one tile
//    per column block, so B is streamed once; a single row (batch-1 inference) gets one wide
//    tile, expanded in place, so its k-long FMA chains run side by side;
//  * packed (BLIS-style): when B exceeds L2, a kc x nc block of op(B) is copied into panels as
//    wide as the widest tile, which stay in L2, and micro-panels of A, copied so the tile reads
//    them contiguously from L1, sweep over them.
// Two routes have kernels of their own, for shapes where the tile would mostly wait or idle:
//  * tiny k (1..4, the first layer of a small observation): B's column block stays in registers
//    and the rows of C stream past it (a tile would do 4 steps of k between set-up and stores);
//  * narrow: outputs with a few columns (a 3-action head) compute C^T instead, in registers, so
//    the vectors run along m and are full; A's columns come out of in-register transposes
//    (gemm_narrow_impl.hpp).
//
// One more route is not a gemm: dense_row, a whole dense layer for a single row (acting), with the
// bias and the activation applied to the accumulators (see kernels::dense).
//
// Nothing here calls an inline function of the standard library: such a function compiled here
// with AVX2 or AVX-512 enabled could be picked by the linker for a caller on a CPU without them.

using gemm_detail::kScratchA;
using gemm_detail::kScratchB;
using gemm_detail::scratch;

inline int imin(int a, int b) {
  return a < b ? a : b;
}
inline int round_up(int x, int multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

// Accumulators a tile may hold: 3/4 of the registers, leaving the rest for the loaded B vectors
// and the broadcast A value.
constexpr int kTileAccumulators = kRegCount * 3 / 4;
// Rows per tile for a tile `nv` registers wide (rows * nv <= kTileAccumulators, at most 12).
constexpr int tile_rows(int nv) {
  return kTileAccumulators / nv < 12 ? kTileAccumulators / nv : 12;
}
// The widest tile the direct path uses: 6 rows of it still fit (4 zmm or 2 ymm).
constexpr int kMaxTileVectors = kTileAccumulators / 6;

// ---------------------------------------------------------------------------------------------
// The tile kernel
// ---------------------------------------------------------------------------------------------

// C tile [MR x NV*kRegLanes] = (load_c ? C : 0) + op(A) tile [MR x k] * B tile [k x NV*kRegLanes].
//  a: kTransA ? element (r, p) at a[p * lda + r] : at a[r * lda + p]
//  b: row-major, element (p, j) at b[p * ldb + j]; if kMasked, the last register keeps only the
//     lanes in `last` (the n tail), so nothing past the tile's columns is read or written.
// The k loop is the outermost loop of the tile: each accumulator lane is one output's FMA
// chain, fed in increasing p, so the k order of the reference is kept.
//
// tile_body is always inlined: a single row (batch-1 acting) expands it in place, so a product of
// a few dozen nanoseconds pays no call, no argument passing and no function-pointer dispatch on
// its way to the FMAs. tile (below) is the same body as an out-of-line function, for tiles of
// several rows, whose work per call makes the call negligible (and which would make the code
// several times larger if each were expanded at each of its call sites). The k loop is unrolled
// by 4, which removes three quarters of its counter and pointer updates.
template <int MR, int NV, bool kTransA, bool kMasked>
__attribute__((always_inline)) inline void tile_body(int k, const float* a, int lda, const float* b,
                                                     int ldb, float* c, int ldc, bool load_c,
                                                     RegMask last) {
  Reg acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    const float* c_r = c + static_cast<std::ptrdiff_t>(r) * ldc;
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      if (!load_c) {
        acc[r][v] = reg_zero();
      } else if (v + 1 < NV || !kMasked) {
        acc[r][v] = reg_load(c_r + v * kRegLanes);
      } else {
        acc[r][v] = reg_load_masked(c_r + v * kRegLanes, last);
      }
    }
  }

#pragma GCC unroll 4
  for (int p = 0; p < k; ++p) {
    const float* b_p = b + static_cast<std::ptrdiff_t>(p) * ldb;
    Reg bv[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      bv[v] = v + 1 < NV || !kMasked ? reg_load(b_p + v * kRegLanes)
                                     : reg_load_masked(b_p + v * kRegLanes, last);
      // With several rows each B register feeds several FMAs: keep it in a register instead of
      // letting the compiler fold the load into each of them (GCC does that for short tiles, and
      // when B rows are not aligned each folded load straddles two cache lines, which made a
      // 3-row AVX-512 tile twice as slow). With one row the folded load is the better code.
      if constexpr (MR > 1) reg_keep(bv[v]);
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const float a_rp = kTransA ? a[static_cast<std::ptrdiff_t>(p) * lda + r]
                                 : a[static_cast<std::ptrdiff_t>(r) * lda + p];
      const Reg av = reg_set1(a_rp);
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[r][v] = reg_fma(av, bv[v], acc[r][v]);
    }
  }

#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    float* c_r = c + static_cast<std::ptrdiff_t>(r) * ldc;
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      if (v + 1 < NV || !kMasked) {
        reg_store(c_r + v * kRegLanes, acc[r][v]);
      } else {
        reg_store_masked(c_r + v * kRegLanes, last, acc[r][v]);
      }
    }
  }
}

// tile_body as an out-of-line function (see above).
template <int MR, int NV, bool kTransA, bool kMasked>
__attribute__((noinline)) void tile(int k, const float* a, int lda, const float* b, int ldb,
                                    float* c, int ldc, bool load_c, RegMask last) {
  tile_body<MR, NV, kTransA, kMasked>(k, a, lda, b, ldb, c, ldc, load_c, last);
}

using TileFn = void (*)(int, const float*, int, const float*, int, float*, int, bool, RegMask);

// The masked or unmasked variant of a tile. Where masks are free only the masked one exists
// (one copy of the code instead of two); otherwise full-width tiles take the unmasked one.
template <int MR, int NV, bool kTransA>
TileFn tile_variant(bool masked) {
  if constexpr (kRegMasksAreFree) {
    (void)masked;
    return &tile<MR, NV, kTransA, true>;
  } else {
    return masked ? &tile<MR, NV, kTransA, true> : &tile<MR, NV, kTransA, false>;
  }
}

// tile_body, masked or not, expanded in place (see tile_variant for which variants exist).
template <int MR, int NV, bool kTransA>
__attribute__((always_inline)) inline void tile_inline(bool masked, int k, const float* a, int lda,
                                                       const float* b, int ldb, float* c, int ldc,
                                                       bool load_c, RegMask last) {
  if constexpr (kRegMasksAreFree) {
    (void)masked;
    tile_body<MR, NV, kTransA, true>(k, a, lda, b, ldb, c, ldc, load_c, last);
  } else if (masked) {
    tile_body<MR, NV, kTransA, true>(k, a, lda, b, ldb, c, ldc, load_c, last);
  } else {
    tile_body<MR, NV, kTransA, false>(k, a, lda, b, ldb, c, ldc, load_c, last);
  }
}

// The out-of-line tile, masked or not, called directly (no function pointer).
template <int MR, int NV, bool kTransA>
inline void tile_call(bool masked, int k, const float* a, int lda, const float* b, int ldb,
                      float* c, int ldc, bool load_c, RegMask last) {
  if constexpr (kRegMasksAreFree) {
    (void)masked;
    tile<MR, NV, kTransA, true>(k, a, lda, b, ldb, c, ldc, load_c, last);
  } else if (masked) {
    tile<MR, NV, kTransA, true>(k, a, lda, b, ldb, c, ldc, load_c, last);
  } else {
    tile<MR, NV, kTransA, false>(k, a, lda, b, ldb, c, ldc, load_c, last);
  }
}

// The tile kernel for `rows` rows (1..tile_rows(NV)).
template <int NV, bool kTransA>
TileFn tile_for_rows(int rows, bool masked) {
  constexpr int kMax = tile_rows(NV);
  switch (rows) {
#define PH_TILE_CASE(R) \
  case R:               \
    if constexpr (R <= kMax) return tile_variant<R, NV, kTransA>(masked);
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
  return tile_variant<kMax, NV, kTransA>(masked);
}

// C [m x NV registers (last one masked if kMasked)] over all rows, in tiles of tile_rows(NV)
// rows.
template <int NV, bool kTransA, bool kMasked>
void tile_column(int m, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc,
                 bool load_c, RegMask last) {
  constexpr int kRows = tile_rows(NV);
  int i = 0;
  for (; i + kRows <= m; i += kRows) {
    const float* a_i = kTransA ? a + i : a + static_cast<std::ptrdiff_t>(i) * lda;
    tile<kRows, NV, kTransA, kMasked>(k, a_i, lda, b, ldb, c + static_cast<std::ptrdiff_t>(i) * ldc,
                                      ldc, load_c, last);
  }
  if (i < m) {
    const float* a_i = kTransA ? a + i : a + static_cast<std::ptrdiff_t>(i) * lda;
    tile_for_rows<NV, kTransA>(m - i, kMasked)(
        k, a_i, lda, b, ldb, c + static_cast<std::ptrdiff_t>(i) * ldc, ldc, load_c, last);
  }
}

// tile_column for a block NV registers wide, masked or not (see tile_variant).
template <int NV, bool kTransA>
void tile_column_variant(bool masked, int m, int k, const float* a, int lda, const float* b,
                         int ldb, float* c, int ldc, bool load_c, RegMask last) {
  if constexpr (kRegMasksAreFree) {
    (void)masked;
    tile_column<NV, kTransA, true>(m, k, a, lda, b, ldb, c, ldc, load_c, last);
  } else if (masked) {
    tile_column<NV, kTransA, true>(m, k, a, lda, b, ldb, c, ldc, load_c, last);
  } else {
    tile_column<NV, kTransA, false>(m, k, a, lda, b, ldb, c, ldc, load_c, last);
  }
}

// tile_column for a block `nv` registers wide (1..kMaxTileVectors).
template <bool kTransA>
void tile_column_any(int nv, bool masked, int m, int k, const float* a, int lda, const float* b,
                     int ldb, float* c, int ldc, bool load_c, RegMask last) {
  switch (nv) {
#define PH_COLUMN_CASE(NV)                                                                  \
  case NV:                                                                                  \
    if constexpr (NV <= kMaxTileVectors) {                                                  \
      tile_column_variant<NV, kTransA>(masked, m, k, a, lda, b, ldb, c, ldc, load_c, last); \
    }                                                                                       \
    break;
    PH_COLUMN_CASE(1)
    PH_COLUMN_CASE(2)
    PH_COLUMN_CASE(3)
    PH_COLUMN_CASE(4)
#undef PH_COLUMN_CASE
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Transposing copies (op(B) must be row-major for the tile kernel)
// ---------------------------------------------------------------------------------------------

// dst[8 x rows] = transpose(src[rows x 8]), in 256-bit registers on both instruction sets; rows is
// 8 when kAllRows, else 1..7 (the last rows of a matrix: the missing rows read as zero and only the
// first `rows` lanes of each destination row are written, so nothing outside either matrix is
// touched). Each ymm register is loaded with 4 columns of row i in its low half and of row i+4 in
// its high half, so a 4x4 transpose inside each 128-bit half (unpack, then shuffle) finishes the
// job: 16 shuffles per block instead of 24 for the version with a final lane permute (shuffles all
// compete for one port).
template <bool kAllRows>
inline void transpose8_block(const float* src, int lds, int rows, float* dst, int ldd) {
  const auto load4 = [&](int i, int col) {
    return kAllRows || i < rows ? _mm_loadu_ps(src + static_cast<std::ptrdiff_t>(i) * lds + col)
                                : _mm_setzero_ps();
  };
  __m256 lo[4], hi[4];  // lo: columns 0..3, hi: columns 4..7
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    lo[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(load4(i, 0)), load4(i + 4, 0), 1);
    hi[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(load4(i, 4)), load4(i + 4, 4), 1);
  }
  // Lane l of a destination row is written when l < rows.
  const __m256i keep =
      _mm256_cmpgt_epi32(_mm256_set1_epi32(rows), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const auto store = [&](float* d, __m256 v) {
    if constexpr (kAllRows) {
      _mm256_storeu_ps(d, v);
    } else {
      _mm256_maskstore_ps(d, keep, v);
    }
  };
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    const __m256* r = h == 0 ? lo : hi;
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    float* d = dst + static_cast<std::ptrdiff_t>(4 * h) * ldd;
    store(d, _mm256_shuffle_ps(t0, t2, 0x44));
    store(d + ldd, _mm256_shuffle_ps(t0, t2, 0xEE));
    store(d + static_cast<std::ptrdiff_t>(2) * ldd, _mm256_shuffle_ps(t1, t3, 0x44));
    store(d + static_cast<std::ptrdiff_t>(3) * ldd, _mm256_shuffle_ps(t1, t3, 0xEE));
  }
}

// dst[cols x rows] = transpose(src[rows x cols]): blocks of 8 rows x 8 columns (the last rows in
// one partial block), scalar column edges.
void transpose(const float* src, int lds, int rows, int cols, float* dst, int ldd) {
  const int cols8 = cols / 8 * 8;
  for (int i = 0; i < rows; i += 8) {
    const int block_rows = imin(8, rows - i);
    const float* s = src + static_cast<std::ptrdiff_t>(i) * lds;
    for (int j = 0; j < cols8; j += 8) {
      float* d = dst + static_cast<std::ptrdiff_t>(j) * ldd + i;
      if (block_rows == 8) {
        transpose8_block<true>(s + j, lds, 8, d, ldd);
      } else {
        transpose8_block<false>(s + j, lds, block_rows, d, ldd);
      }
    }
    for (int j = cols8; j < cols; ++j) {
      for (int ii = 0; ii < block_rows; ++ii) {
        dst[static_cast<std::ptrdiff_t>(j) * ldd + i + ii] =
            s[static_cast<std::ptrdiff_t>(ii) * lds + j];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Direct path
// ---------------------------------------------------------------------------------------------

// A single row (batch-1 inference): each output is a chain of k dependent FMAs, so a tile takes
// k FMA latencies however few columns it has. One wide tile (up to half the registers, one chain
// per register) runs all those chains side by side instead of one narrow tile after another.
// With one row each B register is used once, so the tile lets the compiler fold its load into
// the FMA.
template <bool kTransA>
__attribute__((always_inline)) inline void single_row(int n, int k, const float* a, int lda,
                                                      const float* b, int ldb, float* c,
                                                      bool load_c) {
  constexpr int kMaxVectors = kRegCount / 2;
  for (int j = 0; j < n; j += kMaxVectors * kRegLanes) {
    const int width = imin(kMaxVectors * kRegLanes, n - j);
    const int nv = (width + kRegLanes - 1) / kRegLanes;
    const RegMask last = reg_first_lanes(width - (nv - 1) * kRegLanes);
    const bool masked = width < nv * kRegLanes;
    switch (nv) {
#define PH_ROW_CASE(NV)                                                                   \
  case NV:                                                                                \
    if constexpr (NV <= kMaxVectors) {                                                    \
      tile_inline<1, NV, kTransA>(masked, k, a, lda, b + j, ldb, c + j, 0, load_c, last); \
    }                                                                                     \
    break;
      PH_ROW_CASE(1)
      PH_ROW_CASE(2)
      PH_ROW_CASE(3)
      PH_ROW_CASE(4)
      PH_ROW_CASE(5)
      PH_ROW_CASE(6)
      PH_ROW_CASE(7)
      PH_ROW_CASE(8)
      PH_ROW_CASE(9)
      PH_ROW_CASE(10)
      PH_ROW_CASE(11)
      PH_ROW_CASE(12)
      PH_ROW_CASE(13)
      PH_ROW_CASE(14)
      PH_ROW_CASE(15)
      PH_ROW_CASE(16)
#undef PH_ROW_CASE
      default:
        break;
    }
  }
}

// A band of at most kFewRows rows (batch 1 to 8: acting, small minibatches, and the C^T of the
// narrow route) goes through few_rows_any (small_gemm): the tiles are called straight from the
// entry point, one per column block of the direct path's width, without the direct path's band
// loop and set-up.
using gemm_detail::kFewRows;

// C [MR x n], B row-major [k x n], in one pass of MR-row tiles: full blocks of kNv registers,
// then one narrower (masked) block for the tail.
template <int MR, int kNv, bool kTransA>
__attribute__((always_inline)) inline void row_blocks(int n, int k, const float* a, int lda,
                                                      const float* b, int ldb, float* c, int ldc,
                                                      bool load_c) {
  static_assert(MR * kNv <= kTileAccumulators, "the tile must fit in the accumulator registers");
  constexpr int kBlock = kNv * kRegLanes;
  int j = 0;
  for (; j + kBlock <= n; j += kBlock) {
    tile<MR, kNv, kTransA, kRegMasksAreFree>(k, a, lda, b + j, ldb, c + j, ldc, load_c,
                                             reg_first_lanes(kRegLanes));
  }
  if (j == n) return;
  const int width = n - j;
  const int nv = (width + kRegLanes - 1) / kRegLanes;
  const RegMask last = reg_first_lanes(width - (nv - 1) * kRegLanes);
  const bool masked = width < nv * kRegLanes;
  // nv is 1..kNv; the cases past kNv are never taken, and only name existing tiles.
  switch (nv) {
#define PH_FEW_CASE(NV)                                                                      \
  case NV:                                                                                   \
    tile_call<MR, (NV < kNv ? NV : kNv), kTransA>(masked, k, a, lda, b + j, ldb, c + j, ldc, \
                                                  load_c, last);                             \
    break;
    PH_FEW_CASE(1)
    PH_FEW_CASE(2)
    PH_FEW_CASE(3)
    PH_FEW_CASE(4)
#undef PH_FEW_CASE
    default:
      break;
  }
}

// C [MR x n], MR in 2..kFewRows, B row-major [k x n]. Up to tile_rows(kMaxTileVectors) rows (6)
// are one pass of the widest tiles. More rows share a tile only when it is narrower (3 zmm or 1 ymm
// for 8 rows), which costs more broadcasts per multiply-add: they take that one pass when it covers
// all of n (a head with a few outputs, where two passes would mean two k-long FMA chains one after
// the other) or, with AVX-512's 3-register tile, when B is too large for L1 (two passes would
// stream it twice from L2; AVX2's 1-register tile, one broadcast per multiply-add, took 18%
// more instructions than two passes); otherwise they are 6 rows, then the rest.
template <int MR, bool kTransA>
__attribute__((always_inline)) inline void few_rows(int n, int k, const float* a, int lda,
                                                    const float* b, int ldb, float* c, int ldc,
                                                    bool load_c) {
  constexpr int kNv = kMaxTileVectors;
  constexpr int kTileRows = tile_rows(kNv);
  if constexpr (MR > kTileRows) {
    constexpr int kTallNv = kTileAccumulators / MR;
    constexpr std::int64_t kL1Floats = 8 * 1024;  // 32 KB: B beyond this is read from L2
    if (n <= kTallNv * kRegLanes || (kTallNv > 1 && static_cast<std::int64_t>(k) * n > kL1Floats)) {
      row_blocks<MR, kTallNv, kTransA>(n, k, a, lda, b, ldb, c, ldc, load_c);
      return;
    }
    const float* a_rest =
        kTransA ? a + kTileRows : a + static_cast<std::ptrdiff_t>(kTileRows) * lda;
    row_blocks<kTileRows, kNv, kTransA>(n, k, a, lda, b, ldb, c, ldc, load_c);
    few_rows<MR - kTileRows, kTransA>(
        n, k, a_rest, lda, b, ldb, c + static_cast<std::ptrdiff_t>(kTileRows) * ldc, ldc, load_c);
  } else {
    row_blocks<MR, kNv, kTransA>(n, k, a, lda, b, ldb, c, ldc, load_c);
  }
}

// C [rows x n] for rows in 1..kFewRows.
template <bool kTransA>
__attribute__((always_inline)) inline void few_rows_any(int rows, int n, int k, const float* a,
                                                        int lda, const float* b, int ldb, float* c,
                                                        int ldc, bool load_c) {
  switch (rows) {
    case 1:
      single_row<kTransA>(n, k, a, lda, b, ldb, c, load_c);
      break;
#define PH_ROWS_CASE(R)                                         \
  case R:                                                       \
    few_rows<R, kTransA>(n, k, a, lda, b, ldb, c, ldc, load_c); \
    break;
      PH_ROWS_CASE(2)
      PH_ROWS_CASE(3)
      PH_ROWS_CASE(4)
      PH_ROWS_CASE(5)
      PH_ROWS_CASE(6)
      PH_ROWS_CASE(7)
      PH_ROWS_CASE(8)
#undef PH_ROWS_CASE
    default:
      break;
  }
}

// Tiny k (an observation of a few features entering the first layer): with k = 4 a tile does
// only 4 steps of k between zeroing its accumulators and storing them, so reloading B and
// walking the tile machinery weigh as much as the FMAs. Instead a column block of B (K rows of
// NV registers) is loaded into registers once and every row of C streams past it: per row, K
// broadcasts of A, K * NV FMAs (one chain of K per register, in increasing p) and NV stores.
constexpr int kTinyK = 4;

// C [m x NV registers], the last one masked to `last` when kMasked, for a compile-time k = K.
template <int K, int NV, bool kTransA, bool kMasked>
__attribute__((noinline)) void tiny_k_block(int m, const float* a, int lda, const float* b, int ldb,
                                            float* c, int ldc, bool load_c, RegMask last) {
  Reg bv[K][NV];
#pragma GCC unroll 4
  for (int p = 0; p < K; ++p) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const float* b_pv = b + static_cast<std::ptrdiff_t>(p) * ldb + v * kRegLanes;
      bv[p][v] = v + 1 < NV || !kMasked ? reg_load(b_pv) : reg_load_masked(b_pv, last);
    }
  }
#pragma GCC unroll 2
  for (int i = 0; i < m; ++i) {
    float* c_i = c + static_cast<std::ptrdiff_t>(i) * ldc;
    Reg acc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      if (!load_c) {
        acc[v] = reg_zero();
      } else if (v + 1 < NV || !kMasked) {
        acc[v] = reg_load(c_i + v * kRegLanes);
      } else {
        acc[v] = reg_load_masked(c_i + v * kRegLanes, last);
      }
    }
#pragma GCC unroll 4
    for (int p = 0; p < K; ++p) {
      const Reg av = reg_set1(kTransA ? a[static_cast<std::ptrdiff_t>(p) * lda + i]
                                      : a[static_cast<std::ptrdiff_t>(i) * lda + p]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[v] = reg_fma(av, bv[p][v], acc[v]);
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      if (v + 1 < NV || !kMasked) {
        reg_store(c_i + v * kRegLanes, acc[v]);
      } else {
        reg_store_masked(c_i + v * kRegLanes, last, acc[v]);
      }
    }
  }
}

// C [m x n] with B row-major [K x n]: column blocks as wide as half the registers hold for K rows
// of B (at most the direct path's widest tile), the last one narrower and masked.
template <int K, bool kTransA>
void tiny_k(int m, int n, const float* a, int lda, const float* b, int ldb, float* c, int ldc,
            bool load_c) {
  constexpr int kNv = kRegCount / 2 / K < kMaxTileVectors ? kRegCount / 2 / K : kMaxTileVectors;
  constexpr int kBlock = kNv * kRegLanes;
  int j = 0;
  for (; j + kBlock <= n; j += kBlock) {
    tiny_k_block<K, kNv, kTransA, false>(m, a, lda, b + j, ldb, c + j, ldc, load_c,
                                         reg_first_lanes(kRegLanes));
  }
  if (j == n) return;
  const int width = n - j;
  const int nv = (width + kRegLanes - 1) / kRegLanes;
  const RegMask last = reg_first_lanes(width - (nv - 1) * kRegLanes);
  switch (nv) {
#define PH_TINY_CASE(NV)                                                                   \
  case NV:                                                                                 \
    if constexpr (NV <= kNv) {                                                             \
      tiny_k_block<K, NV, kTransA, true>(m, a, lda, b + j, ldb, c + j, ldc, load_c, last); \
    }                                                                                      \
    break;
    PH_TINY_CASE(1)
    PH_TINY_CASE(2)
    PH_TINY_CASE(3)
    PH_TINY_CASE(4)
#undef PH_TINY_CASE
    default:
      break;
  }
}

// tiny_k for k in 1..kTinyK.
void tiny_k_any(bool trans_a, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                float* c, int ldc, bool load_c) {
  switch (k) {
#define PH_TINY_K_CASE(K)                                     \
  case K:                                                     \
    if (trans_a) {                                            \
      tiny_k<K, true>(m, n, a, lda, b, ldb, c, ldc, load_c);  \
    } else {                                                  \
      tiny_k<K, false>(m, n, a, lda, b, ldb, c, ldc, load_c); \
    }                                                         \
    break;
    PH_TINY_K_CASE(1)
    PH_TINY_K_CASE(2)
    PH_TINY_K_CASE(3)
    PH_TINY_K_CASE(4)
#undef PH_TINY_K_CASE
    default:
      break;
  }
}

// C [m x n] with B row-major [k x n], in bands of 12 rows: a band of A (12 x k) stays in L1
// while the band sweeps all column blocks of up to kMaxTileVectors registers (a narrower tail is
// masked); B is read from L1 or L2. A band of at most kFewRows rows goes to few_rows_any; a k of
// 1..kTinyK goes to tiny_k_any as a whole.
void direct(bool trans_a, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
            float* c, int ldc, bool load_c) {
  if (k >= 1 && k <= kTinyK) {
    tiny_k_any(trans_a, m, n, k, a, lda, b, ldb, c, ldc, load_c);
    return;
  }
  constexpr int kBand = 12;
  constexpr int kBlock = kMaxTileVectors * kRegLanes;
  for (int i = 0; i < m; i += kBand) {
    const int rows = imin(kBand, m - i);
    const float* a_i = trans_a ? a + i : a + static_cast<std::ptrdiff_t>(i) * lda;
    float* c_i = c + static_cast<std::ptrdiff_t>(i) * ldc;
    if (rows <= kFewRows) {
      small_gemm(trans_a, false, rows, n, k, a_i, lda, b, ldb, c_i, ldc, load_c);
      continue;
    }
    for (int j = 0; j < n; j += kBlock) {
      const int width = imin(kBlock, n - j);
      const int nv = (width + kRegLanes - 1) / kRegLanes;
      const RegMask last = reg_first_lanes(width - (nv - 1) * kRegLanes);
      const bool masked = width < nv * kRegLanes;
      if (trans_a) {
        tile_column_any<true>(nv, masked, rows, k, a_i, lda, b + j, ldb, c_i + j, ldc, load_c,
                              last);
      } else {
        tile_column_any<false>(nv, masked, rows, k, a_i, lda, b + j, ldb, c_i + j, ldc, load_c,
                               last);
      }
    }
  }
}

#include "gemm_narrow_impl.hpp"

// ---------------------------------------------------------------------------------------------
// Packed path
// ---------------------------------------------------------------------------------------------

// The packed path runs the direct path's widest tile (6 rows x 4 zmm, or 6 x 2 ymm): per step of
// k it broadcasts 6 values of A for 24 multiply-adds. A 12 x 2 zmm tile needs 12 broadcasts for
// the same work, and the route built on it measured slower on Zen 5 (bench/README.md, "The packed
// route on Zen 5").
constexpr int kPanelVectors = kMaxTileVectors;  // registers per packed B panel (the tile's width)
constexpr int kPanel = kPanelVectors * kRegLanes;  // columns per packed B panel
constexpr int kMr = tile_rows(kPanelVectors);      // rows per A micro-panel (6)
// Block sizes for a 48 KB L1 and a 1 MB L2 (Zen 5; Sapphire Rapids has 2 MB): a 6 x 512 A
// micro-panel is 12 KB and stays in L1 while the tile streams a 512 x 64 B panel from L2; a packed
// 512 x 256 B block is 512 KB, half of L2, so the next panel is still there.
constexpr int kKc = 512;  // k block
constexpr int kNc = 256;  // n block

// Packs op(B)[p0 : p0+kc, j0 : j0+nc] into panels of kPanel columns: panel q holds rows p of
// columns j0 + q*kPanel ... contiguously (kc x kPanel), zero-padded past n.
void pack_b(bool trans_b, const float* b, int ldb, int p0, int j0, int kc, int nc, float* bp) {
  for (int q = 0; q * kPanel < nc; ++q) {
    float* panel = bp + static_cast<std::ptrdiff_t>(q) * kc * kPanel;
    const int j = j0 + q * kPanel;
    const int width = imin(kPanel, nc - q * kPanel);
    if (!trans_b) {
      RegMask keep[kPanelVectors];
      for (int v = 0; v < kPanelVectors; ++v) {
        const int lanes = width - v * kRegLanes;
        keep[v] = reg_first_lanes(lanes < 0 ? 0 : imin(lanes, kRegLanes));
      }
      if (!kRegMasksAreFree && width == kPanel) {
        for (int p = 0; p < kc; ++p) {
          const float* src = b + static_cast<std::ptrdiff_t>(p0 + p) * ldb + j;
          for (int v = 0; v < kPanelVectors; ++v) {
            reg_store(panel + p * kPanel + v * kRegLanes, reg_load(src + v * kRegLanes));
          }
        }
      } else {
        for (int p = 0; p < kc; ++p) {
          const float* src = b + static_cast<std::ptrdiff_t>(p0 + p) * ldb + j;
          for (int v = 0; v < kPanelVectors; ++v) {
            reg_store(panel + p * kPanel + v * kRegLanes,
                      reg_load_masked(src + v * kRegLanes, keep[v]));
          }
        }
      }
    } else {
      // op(B) column j is row j of the stored B: transpose a width x kc block.
      if (width < kPanel) {
        for (int p = 0; p < kc; ++p) {
          for (int v = 0; v < kPanelVectors; ++v) {
            reg_store(panel + p * kPanel + v * kRegLanes, reg_zero());
          }
        }
      }
      transpose(b + static_cast<std::ptrdiff_t>(j) * ldb + p0, ldb, width, kc, panel, kPanel);
    }
  }
}

// Packs op(A)[i0 : i0+rows, p0 : p0+kc] as a kc x kMr micro-panel: the kMr values the tile
// broadcasts at step p sit together at ap[p * kMr]. That makes the tile read one contiguous
// stream instead of kMr rows lda apart (which, for lda a multiple of 1024 floats, all fall in the
// same L1 set and evict each other). Rows past `rows` are zero (their results land in
// accumulators that are never stored; zeros keep them from being slow denormals or NaNs).
// `ap` needs kRegLanes floats of slack past kc * kMr.
void pack_a(bool trans_a, const float* a, int lda, int i0, int p0, int rows, int kc, float* ap) {
  if (trans_a) {
    // op(A) row i is column i of the stored A: each step p is already kMr consecutive floats.
    // Each store writes a whole register; the lanes past kMr are overwritten by the next step.
    const RegMask keep = reg_first_lanes(rows);
    for (int p = 0; p < kc; ++p) {
      const float* src = a + static_cast<std::ptrdiff_t>(p0 + p) * lda + i0;
      reg_store(ap + p * kMr, reg_load_masked(src, keep));
    }
    return;
  }
  if (rows < kMr) {
    for (int p = 0; p < kc; ++p) reg_store(ap + p * kMr, reg_zero());
  }
  transpose(a + static_cast<std::ptrdiff_t>(i0) * lda + p0, lda, rows, kc, ap, kMr);
}

// For each k block: all of op(A) is packed once into micro-panels (the tiles of every n block
// read them), then each n block of op(B) is packed and every micro-panel sweeps its panels.
void packed(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
            const float* b, int ldb, float* c, int ldc, bool accumulate) {
  float* bp = scratch(kScratchB, static_cast<std::size_t>(kKc) * round_up(imin(n, kNc), kPanel));
  // Micro-panels lie back to back, kKc * kMr floats apart: the whole-register stores of pack_a
  // that run past one land at the start of the next, which is packed afterwards; the last one
  // gets the kRegLanes floats of slack.
  const std::size_t panel_floats = static_cast<std::size_t>(kKc) * kMr;
  float* ap_all =
      scratch(kScratchA, panel_floats * static_cast<std::size_t>((m + kMr - 1) / kMr) + kRegLanes);
  for (int p0 = 0; p0 < k; p0 += kKc) {
    const int kc = imin(kKc, k - p0);
    // The first k block starts from C or from zero; later ones continue from the stored
    // partial sums, which keeps every element's FMA chain in order.
    const bool load_c = accumulate || p0 > 0;
    for (int i = 0; i < m; i += kMr) {
      pack_a(trans_a, a, lda, i, p0, imin(kMr, m - i), kc, ap_all + (i / kMr) * panel_floats);
    }
    for (int j0 = 0; j0 < n; j0 += kNc) {
      const int nc = imin(kNc, n - j0);
      pack_b(trans_b, b, ldb, p0, j0, kc, nc, bp);
      for (int i = 0; i < m; i += kMr) {
        const int rows = imin(kMr, m - i);
        const float* ap = ap_all + (i / kMr) * panel_floats;
        // The packed micro-panel is op(A) stored transposed: element (r, p) at ap[p * kMr + r].
        const TileFn full = tile_for_rows<kPanelVectors, true>(rows, false);
        float* c_i = c + static_cast<std::ptrdiff_t>(i) * ldc + j0;
        for (int q = 0; q * kPanel < nc; ++q) {
          const int width = imin(kPanel, nc - q * kPanel);
          const float* panel = bp + static_cast<std::ptrdiff_t>(q) * kc * kPanel;
          float* c_iq = c_i + q * kPanel;
          if (width == kPanel) {
            full(kc, ap, kMr, panel, kPanel, c_iq, ldc, load_c, reg_first_lanes(kRegLanes));
            continue;
          }
          // The last panel: as many registers as its columns need, the last one masked (one
          // tile: a micro-panel's rows never exceed a narrower tile's).
          const int nv = (width + kRegLanes - 1) / kRegLanes;
          tile_column_any<true>(nv, width < nv * kRegLanes, rows, kc, ap, kMr, panel, kPanel, c_iq,
                                ldc, load_c, reg_first_lanes(width - (nv - 1) * kRegLanes));
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

// ---------------------------------------------------------------------------------------------
// Dense layer, one row (acting): bias, product and activation in registers
// ---------------------------------------------------------------------------------------------

// y[0, NV registers) = act(b + x w) for one row of x (the last register masked if kMasked).
// Each accumulator starts from its bias (or +0), runs its FMA chain over k in increasing order
// as single_row does, and gets the activation (math_impl.hpp's vtanh or relu's max, lane for
// lane what the elementwise kernels compute) before its only store: the row never goes through
// memory between the three steps, and the next layer can start on the first registers stored.
// Expanded in place in dense_row_impl, like the few-rows tiles.
template <int NV, bool kMasked>
__attribute__((always_inline)) inline void dense_row_block(int k, const float* x, const float* w,
                                                           int ldw, const float* b, Activation act,
                                                           float* y, RegMask last) {
  // The activation works on whole Vecs (two registers on AVX2): an odd block gets one more
  // register, +0 and never stored.
  constexpr int kHeld = (NV + kRegsPerVec - 1) / kRegsPerVec * kRegsPerVec;
  Reg acc[kHeld];
#pragma GCC unroll 16
  for (int v = 0; v < kHeld; ++v) {
    if (v >= NV || b == nullptr) {
      acc[v] = reg_zero();
    } else if (v + 1 < NV || !kMasked) {
      acc[v] = reg_load(b + v * kRegLanes);
    } else {
      acc[v] = reg_load_masked(b + v * kRegLanes, last);
    }
  }
#pragma GCC unroll 4
  for (int p = 0; p < k; ++p) {
    const float* w_p = w + static_cast<std::ptrdiff_t>(p) * ldw;
    const Reg av = reg_set1(x[p]);
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      const Reg bv = v + 1 < NV || !kMasked ? reg_load(w_p + v * kRegLanes)
                                            : reg_load_masked(w_p + v * kRegLanes, last);
      acc[v] = reg_fma(av, bv, acc[v]);
    }
  }
  if (act != Activation::none) {
#pragma GCC unroll 16
    for (int v = 0; v < kHeld; v += kRegsPerVec) {
      Vec t = vec_from_regs(acc + v);
      t = act == Activation::tanh ? vtanh(t) : max_of(t, set1(0.0f));  // relu: x > 0 ? x : 0
      regs_from_vec(t, acc + v);
    }
  }
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) {
    if (v + 1 < NV || !kMasked) {
      reg_store(y + v * kRegLanes, acc[v]);
    } else {
      reg_store_masked(y + v * kRegLanes, last, acc[v]);
    }
  }
}

// dense_row_block, masked or not (see tile_variant for which variants exist).
template <int NV>
__attribute__((always_inline)) inline void dense_row_inline(bool masked, int k, const float* x,
                                                            const float* w, int ldw, const float* b,
                                                            Activation act, float* y,
                                                            RegMask last) {
  if constexpr (kRegMasksAreFree) {
    (void)masked;
    dense_row_block<NV, true>(k, x, w, ldw, b, act, y, last);
  } else if (masked) {
    dense_row_block<NV, true>(k, x, w, ldw, b, act, y, last);
  } else {
    dense_row_block<NV, false>(k, x, w, ldw, b, act, y, last);
  }
}

// y [n] = act(b + x [k] w [k x n]): blocks of up to half the registers, as single_row.
void dense_row_impl(int n, int k, const float* x, const float* w, const float* b, Activation act,
                    float* y) {
  constexpr int kMaxVectors = kRegCount / 2;
  for (int j = 0; j < n; j += kMaxVectors * kRegLanes) {
    const int width = imin(kMaxVectors * kRegLanes, n - j);
    const int nv = (width + kRegLanes - 1) / kRegLanes;
    const RegMask last = reg_first_lanes(width - (nv - 1) * kRegLanes);
    const bool masked = width < nv * kRegLanes;
    const float* b_j = b != nullptr ? b + j : nullptr;
    switch (nv) {
#define PH_DENSE_CASE(NV)                                                  \
  case NV:                                                                 \
    if constexpr (NV <= kMaxVectors) {                                     \
      dense_row_inline<NV>(masked, k, x, w + j, n, b_j, act, y + j, last); \
    }                                                                      \
    break;
      PH_DENSE_CASE(1)
      PH_DENSE_CASE(2)
      PH_DENSE_CASE(3)
      PH_DENSE_CASE(4)
      PH_DENSE_CASE(5)
      PH_DENSE_CASE(6)
      PH_DENSE_CASE(7)
      PH_DENSE_CASE(8)
      PH_DENSE_CASE(9)
      PH_DENSE_CASE(10)
      PH_DENSE_CASE(11)
      PH_DENSE_CASE(12)
      PH_DENSE_CASE(13)
      PH_DENSE_CASE(14)
      PH_DENSE_CASE(15)
      PH_DENSE_CASE(16)
#undef PH_DENSE_CASE
      default:
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

// Every product but the few-rows one without a transposed B. Kept out of line so that its
// set-up (a large stack frame, many saved registers) is not paid by the few-rows fast path.
__attribute__((noinline)) void gemm_general(bool trans_a, bool trans_b, int m, int n, int k,
                                            const float* a, int lda, const float* b, int ldb,
                                            float* c, int ldc, bool accumulate) {
  if (k == 0) {
    if (!accumulate) {
      for (int i = 0; i < m; ++i) {
        float* c_i = c + static_cast<std::ptrdiff_t>(i) * ldc;
        for (int j = 0; j < n; ++j) c_i[j] = 0.0f;
      }
    }
    return;
  }
  if (m > kFewRows && use_packed(m, n, k)) {
    packed(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  // Half a register of outputs or fewer: the transposed product has full vectors from one block
  // of kRegLanes rows on. With 5 to 8 outputs (AVX-512) the interleave of C costs more (n^2 lane
  // permutes per block), so those wait for two blocks (measured at 20 x 64 x 8: 10% slower than
  // the direct route with one block).
  if (n <= kRegLanes / 2 && m >= (n <= 4 ? kRegLanes : 2 * kRegLanes)) {
    narrow(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  if (trans_b) {
    // op(B) = B^T: copy it once into a row-major k x n buffer (rows padded to whole registers,
    // so they start aligned).
    const int ldt = round_up(n, kRegLanes);
    float* bt = scratch(kScratchB, static_cast<std::size_t>(k) * ldt);
    transpose(b, ldb, n, k, bt, ldt);
    direct(trans_a, m, n, k, a, lda, bt, ldt, c, ldc, accumulate);
    return;
  }
  direct(trans_a, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

// The body of the few-rows route (gemm_internal.hpp's small_gemm is this function, with the
// dispatch on the row count and, for a single row, the tiles expanded in place): m in
// 1..kFewRows, any k >= 0 (with k = 0 the tiles store C or zeros). A transposed B takes the
// general route, which copies it once into a row-major buffer for the tiles.
__attribute__((always_inline)) inline void small_gemm_body(bool trans_a, bool trans_b, int m, int n,
                                                           int k, const float* a, int lda,
                                                           const float* b, int ldb, float* c,
                                                           int ldc, bool accumulate) {
  if (trans_b) {
    gemm_general(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  } else if (trans_a) {
    few_rows_any<true>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  } else {
    few_rows_any<false>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  }
}

// kernels::gemm on this instruction set, single-threaded (see gemm_internal.hpp). A batch of at
// most kFewRows rows takes the few-rows route: those products take tens of nanoseconds, so the
// general route's checks and set-up would be a large share of them. B is streamed once even when
// it is large, which beats packing it for so few rows.
inline void gemm_body(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                      const float* b, int ldb, float* c, int ldc, bool accumulate) {
  if (m <= kFewRows) {
    small_gemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  gemm_general(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}
