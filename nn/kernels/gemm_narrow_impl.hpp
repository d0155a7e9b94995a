// gemm's narrow route, written once for every vector instruction set: products whose output has
// a few columns (n at most half a register: a 3-action head).
//
// Not a standalone header: gemm_impl.hpp includes it inside an ISA file's namespace, after the
// vocabulary (simd_<isa>.hpp, whose register lane moves it uses; its SSE loads are on both sets)
// and the tile helpers.

// Narrow outputs (a few columns, many rows, e.g. a layer with 3 outputs) compute the transpose
// C^T [n x m] = op(B)^T [n x k] * op(A)^T [k x m] instead, in registers: one accumulator per
// column j of C holds kRegLanes consecutive rows of that column, so vectors run along m and are
// full. Each element is still fma(op(A)[i][p], op(B)[p][j], acc) over p in order (the two factors
// of a product commute exactly), so the bits are the same as on the direct path.
//
// A column of op(A) across kRegLanes rows is what each step of p needs. With trans_a it is a row
// of the stored A (one load); otherwise it comes out of an in-register transpose of 4 columns at
// a time, fed straight to the FMAs: nothing is copied to scratch, and C is written once, its
// transposition done by lane permutes on its way out.

// Columns p .. p+3 of kRegLanes consecutive rows of a row-major A (a points at row 0, column p),
// as col[t] = column p+t, lane r = row r. Rows past `rows` (when !kFullRows) read as zero; columns
// past `cols` (when !kFullCols) are not read and their registers are zero. Register x[s] holds
// row s + 4L, columns p..p+3, in its 128-bit lane L; a 4x4 transpose inside each lane (two
// unpacks, then shuffles) leaves lane L of col[t] with rows 4L .. 4L+3 of column p+t.
template <bool kFullRows, bool kFullCols>
__attribute__((always_inline)) inline void load_columns4(const float* a, int lda, int rows,
                                                         int cols, Reg col[4]) {
  constexpr int kQuads = kRegLanes / 4;
  Reg x[4];
#pragma GCC unroll 4
  for (int s = 0; s < 4; ++s) {
    Quad q[4];
#pragma GCC unroll 4
    for (int l = 0; l < kQuads; ++l) {
      const int r = s + 4 * l;
      const float* src = a + static_cast<std::ptrdiff_t>(r) * lda;
      if (!kFullRows && r >= rows) {
        q[l] = _mm_setzero_ps();
      } else if (kFullCols) {
        q[l] = _mm_loadu_ps(src);
      } else {
        q[l] = quad_load_first(src, cols);
      }
    }
    x[s] = reg_from_quads(q);
  }
  const Reg t0 = reg_unpacklo_in_lanes(x[0], x[1]), t1 = reg_unpackhi_in_lanes(x[0], x[1]);
  const Reg t2 = reg_unpacklo_in_lanes(x[2], x[3]), t3 = reg_unpackhi_in_lanes(x[2], x[3]);
  col[0] = reg_shuffle_in_lanes<0x44>(t0, t2);
  col[1] = reg_shuffle_in_lanes<0xEE>(t0, t2);
  col[2] = reg_shuffle_in_lanes<0x44>(t1, t3);
  col[3] = reg_shuffle_in_lanes<0xEE>(t1, t3);
}

// Lane moves between the NC accumulators of a C^T block (lane r = row r of column j) and C's
// rows stored contiguously (ldc == NC: kRegLanes rows are NC registers, flat index f = r*NC + j).
// For each flat register o, `to_flat` gives the lane index of the accumulator each lane takes and
// which lanes come from accumulator j; `from_flat` the same for accumulator j gathering from the
// flat registers.
template <int NC>
struct LaneMoves {
  int to_flat_idx[NC][kRegLanes];
  int to_flat_sel[NC][NC][kRegLanes];  // [o][j][l]: -1 where flat lane l of o comes from acc j
  unsigned to_flat_bits[NC][NC];       // the same as a bit mask (bit l), for AVX-512's masks
  int from_flat_idx[NC][kRegLanes];
  int from_flat_sel[NC][NC][kRegLanes];  // [j][o][r]: -1 where acc lane r of j comes from flat o
  unsigned from_flat_bits[NC][NC];
};
template <int NC>
constexpr LaneMoves<NC> make_lane_moves() {
  LaneMoves<NC> t{};
  for (int o = 0; o < NC; ++o) {
    for (int l = 0; l < kRegLanes; ++l) {
      const int f = o * kRegLanes + l;
      t.to_flat_idx[o][l] = f / NC;
      for (int j = 0; j < NC; ++j) {
        t.to_flat_sel[o][j][l] = f % NC == j ? -1 : 0;
        if (f % NC == j) t.to_flat_bits[o][j] |= 1u << l;
      }
    }
  }
  for (int j = 0; j < NC; ++j) {
    for (int r = 0; r < kRegLanes; ++r) {
      const int f = r * NC + j;
      t.from_flat_idx[j][r] = f % kRegLanes;
      for (int o = 0; o < NC; ++o) {
        t.from_flat_sel[j][o][r] = f / kRegLanes == o ? -1 : 0;
        if (f / kRegLanes == o) t.from_flat_bits[j][o] |= 1u << r;
      }
    }
  }
  return t;
}
// acc[j] (lane r) = C[r][j] for the block's `rows` rows (lanes past them: zero when masked).
template <int NC, bool kFullRows>
__attribute__((always_inline)) inline void narrow_load_c(const float* c, int ldc, int rows,
                                                         Reg acc[NC]) {
  if (ldc == NC) {
    static constexpr LaneMoves<NC> kMoves = make_lane_moves<NC>();
    Reg flat[NC];
#pragma GCC unroll 8
    for (int o = 0; o < NC; ++o) {
      const int valid = rows * NC - o * kRegLanes;  // flat lanes of register o inside C
      flat[o] = kFullRows ? reg_load(c + o * kRegLanes)
                          : reg_load_masked(c + o * kRegLanes,
                                            reg_first_lanes(valid < 0           ? 0
                                                            : valid > kRegLanes ? kRegLanes
                                                                                : valid));
    }
#pragma GCC unroll 8
    for (int j = 0; j < NC; ++j) {
      acc[j] = reg_zero();
#pragma GCC unroll 8
      for (int o = 0; o < NC; ++o) {
        acc[j] = reg_permute_into(acc[j], flat[o], kMoves.from_flat_idx[j],
                                  kMoves.from_flat_sel[j][o], kMoves.from_flat_bits[j][o]);
      }
    }
    return;
  }
  alignas(64) float t[NC * kRegLanes] = {};
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < NC; ++j) t[j * kRegLanes + r] = c[static_cast<std::ptrdiff_t>(r) * ldc + j];
  }
#pragma GCC unroll 8
  for (int j = 0; j < NC; ++j) acc[j] = reg_load(t + j * kRegLanes);
}

// C[r][j] = acc[j] (lane r) for the block's `rows` rows; nothing else in C is written.
template <int NC, bool kFullRows>
__attribute__((always_inline)) inline void narrow_store_c(const Reg acc[NC], float* c, int ldc,
                                                          int rows) {
  if (ldc == NC) {
    static constexpr LaneMoves<NC> kMoves = make_lane_moves<NC>();
#pragma GCC unroll 8
    for (int o = 0; o < NC; ++o) {
      Reg flat = reg_zero();
#pragma GCC unroll 8
      for (int j = 0; j < NC; ++j) {
        flat = reg_permute_into(flat, acc[j], kMoves.to_flat_idx[o], kMoves.to_flat_sel[o][j],
                                kMoves.to_flat_bits[o][j]);
      }
      const int valid = rows * NC - o * kRegLanes;
      if (kFullRows) {
        reg_store(c + o * kRegLanes, flat);
      } else if (valid > 0) {
        reg_store_masked(c + o * kRegLanes, reg_first_lanes(valid > kRegLanes ? kRegLanes : valid),
                         flat);
      }
    }
    return;
  }
  alignas(64) float t[NC * kRegLanes];
#pragma GCC unroll 8
  for (int j = 0; j < NC; ++j) reg_store(t + j * kRegLanes, acc[j]);
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < NC; ++j) c[static_cast<std::ptrdiff_t>(r) * ldc + j] = t[j * kRegLanes + r];
  }
}

// G blocks of kRegLanes rows each (G == 1 when !kFullRows: one block of `rows` rows) of
// C [. x NC]: op(B) element (p, j) at b[p * bp + j * bj]. The G blocks go through k together, so
// G * NC FMA chains run side by side.
template <int NC, int G, bool kTransA, bool kFullRows>
__attribute__((noinline)) void narrow_block(int k, const float* a, int lda, const float* b,
                                            std::ptrdiff_t bp, std::ptrdiff_t bj, float* c, int ldc,
                                            int rows, bool accumulate) {
  Reg acc[G][NC];
#pragma GCC unroll 4
  for (int g = 0; g < G; ++g) {
    const float* c_g = c + static_cast<std::ptrdiff_t>(g) * kRegLanes * ldc;
    if (accumulate) {
      narrow_load_c<NC, kFullRows>(c_g, ldc, rows, acc[g]);
    } else {
#pragma GCC unroll 8
      for (int j = 0; j < NC; ++j) acc[g][j] = reg_zero();
    }
  }
  if constexpr (kTransA) {
    // op(A) column p of these rows is row p of the stored A.
    const RegMask keep = reg_first_lanes(kFullRows ? kRegLanes : rows);
#pragma GCC unroll 2
    for (int p = 0; p < k; ++p) {
      const float* a_p = a + static_cast<std::ptrdiff_t>(p) * lda;
      const float* b_p = b + p * bp;
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        const Reg col = kFullRows ? reg_load(a_p + g * kRegLanes) : reg_load_masked(a_p, keep);
#pragma GCC unroll 8
        for (int j = 0; j < NC; ++j) acc[g][j] = reg_fma(col, reg_set1(b_p[j * bj]), acc[g][j]);
      }
    }
  } else {
    int p = 0;
    for (; p + 4 <= k; p += 4) {
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        Reg col[4];
        load_columns4<kFullRows, true>(a + static_cast<std::ptrdiff_t>(g) * kRegLanes * lda + p,
                                       lda, rows, 4, col);
#pragma GCC unroll 4
        for (int t = 0; t < 4; ++t) {
          const float* b_p = b + (p + t) * bp;
#pragma GCC unroll 8
          for (int j = 0; j < NC; ++j)
            acc[g][j] = reg_fma(col[t], reg_set1(b_p[j * bj]), acc[g][j]);
        }
      }
    }
    if (p < k) {
      const int cols = k - p;
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        Reg col[4];
        load_columns4<kFullRows, false>(a + static_cast<std::ptrdiff_t>(g) * kRegLanes * lda + p,
                                        lda, rows, cols, col);
        for (int t = 0; t < cols; ++t) {
          const float* b_p = b + (p + t) * bp;
#pragma GCC unroll 8
          for (int j = 0; j < NC; ++j)
            acc[g][j] = reg_fma(col[t], reg_set1(b_p[j * bj]), acc[g][j]);
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int g = 0; g < G; ++g) {
    narrow_store_c<NC, kFullRows>(acc[g], c + static_cast<std::ptrdiff_t>(g) * kRegLanes * ldc, ldc,
                                  rows);
  }
}

// C [m x NC]: groups of G full blocks (enough FMA chains to keep the FMA units busy with half the
// registers as accumulators), then single full blocks, then the last rows.
template <int NC, bool kTransA>
void narrow_columns(int m, int k, const float* a, int lda, const float* b, std::ptrdiff_t bp,
                    std::ptrdiff_t bj, float* c, int ldc, bool accumulate) {
  // 7 or 8 outputs (AVX-512) take one block at a time: two blocks' 14-16 accumulators next to the
  // transpose's registers made GCC spill, and one block measured 7% faster at 64 x 64 x 8.
  constexpr int kChains = NC > 6 ? 1 : kRegCount / 2 / NC;
  constexpr int G = kChains > 4 ? 4 : kChains;
  const auto at = [&](int i) { return kTransA ? a + i : a + static_cast<std::ptrdiff_t>(i) * lda; };
  int i = 0;
  for (; i + G * kRegLanes <= m; i += G * kRegLanes) {
    narrow_block<NC, G, kTransA, true>(k, at(i), lda, b, bp, bj,
                                       c + static_cast<std::ptrdiff_t>(i) * ldc, ldc, kRegLanes,
                                       accumulate);
  }
  for (; i + kRegLanes <= m; i += kRegLanes) {
    narrow_block<NC, 1, kTransA, true>(k, at(i), lda, b, bp, bj,
                                       c + static_cast<std::ptrdiff_t>(i) * ldc, ldc, kRegLanes,
                                       accumulate);
  }
  if (i < m) {
    narrow_block<NC, 1, kTransA, false>(
        k, at(i), lda, b, bp, bj, c + static_cast<std::ptrdiff_t>(i) * ldc, ldc, m - i, accumulate);
  }
}

// C [m x n] for n in 1..kRegLanes/2 (see narrow_block).
void narrow(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
            const float* b, int ldb, float* c, int ldc, bool accumulate) {
  // op(B) element (p, j): b[p * ldb + j], or b[j * ldb + p] when B is stored transposed.
  const std::ptrdiff_t bp = trans_b ? 1 : ldb;
  const std::ptrdiff_t bj = trans_b ? ldb : 1;
  switch (n) {
#define PH_NARROW_CASE(N)                                                      \
  case N:                                                                      \
    if constexpr (N <= kRegLanes / 2) {                                        \
      if (trans_a) {                                                           \
        narrow_columns<N, true>(m, k, a, lda, b, bp, bj, c, ldc, accumulate);  \
      } else {                                                                 \
        narrow_columns<N, false>(m, k, a, lda, b, bp, bj, c, ldc, accumulate); \
      }                                                                        \
    }                                                                          \
    break;
    PH_NARROW_CASE(1)
    PH_NARROW_CASE(2)
    PH_NARROW_CASE(3)
    PH_NARROW_CASE(4)
    PH_NARROW_CASE(5)
    PH_NARROW_CASE(6)
    PH_NARROW_CASE(7)
    PH_NARROW_CASE(8)
#undef PH_NARROW_CASE
    default:
      break;
  }
}
