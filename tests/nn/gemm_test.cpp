// Tests for kernels::gemm: every SIMD path this CPU can run must give results bitwise equal to
// gemm_reference (the readable triple loop) for every shape, transpose combination, leading
// dimension, accumulate flag and thread count. Bitwise, not "close": the project's determinism
// contract is that each C element is the same FMA chain over k on every path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "nn/kernels/kernels.hpp"
#include "nn/thread_pool.hpp"

namespace {

using nn::kernels::Isa;

// Restores the active SIMD path when a test ends (even on failure).
class IsaGuard {
 public:
  IsaGuard() : saved_(nn::kernels::active_isa()) {}
  ~IsaGuard() { nn::kernels::set_active_isa(saved_); }
  IsaGuard(const IsaGuard&) = delete;
  IsaGuard& operator=(const IsaGuard&) = delete;

 private:
  Isa saved_;
};

std::vector<Isa> available_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (nn::kernels::cpu_supports(isa)) isas.push_back(isa);
  }
  return isas;
}

// A small deterministic generator (xorshift64*) so failures reproduce exactly.
class TestRng {
 public:
  explicit TestRng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  int uniform_int(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  // Values in +-[2^-4, 2^5) with full 24-bit mantissas, so products and sums round a lot and
  // any change in operation order shows up in the bits. Built from the bit pattern directly
  // (sign, exponent 2^-4..2^4, random mantissa), which keeps generating test data cheap.
  float value() {
    const std::uint64_t r = next();
    const std::uint32_t sign = static_cast<std::uint32_t>(r & 1) << 31;
    const std::uint32_t exponent = static_cast<std::uint32_t>(127 - 4 + (r >> 1) % 9) << 23;
    const std::uint32_t mantissa = static_cast<std::uint32_t>(r >> 40) & 0x7FFFFF;
    const std::uint32_t bits = sign | exponent | mantissa;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }

 private:
  std::uint64_t state_;
};

std::vector<float> random_matrix(TestRng& rng, std::size_t count) {
  std::vector<float> v(count);
  for (float& x : v) x = rng.value();
  return v;
}

struct Shape {
  bool trans_a, trans_b;
  int m, n, k;
  int pad_a = 0, pad_b = 0, pad_c = 0;  // leading dimension minus the stored row width
  bool accumulate;
};

std::string describe(const Shape& s) {
  return std::string(s.trans_a ? "T" : "N") + (s.trans_b ? "T" : "N") +
         " m=" + std::to_string(s.m) + " n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) +
         " pads=" + std::to_string(s.pad_a) + "," + std::to_string(s.pad_b) + "," +
         std::to_string(s.pad_c) + (s.accumulate ? " accumulate" : " overwrite");
}

// Runs gemm on every path in `isas` and compares the whole C buffer (including the padding
// between rows, which must stay untouched) bitwise with gemm_reference. Returns false (after
// recording a failure) on the first mismatch.
bool check_shape(const Shape& s, const std::vector<Isa>& isas, std::uint64_t seed) {
  TestRng rng(seed);
  // Stored shapes: A is m x k (k x m if transposed), B is k x n (n x k if transposed).
  const int a_rows = s.trans_a ? s.k : s.m, a_cols = s.trans_a ? s.m : s.k;
  const int b_rows = s.trans_b ? s.n : s.k, b_cols = s.trans_b ? s.k : s.n;
  const int lda = a_cols + s.pad_a, ldb = b_cols + s.pad_b, ldc = s.n + s.pad_c;
  // Exact footprints (the last row has no padding), so a read or write past the end of any
  // matrix is caught by AddressSanitizer.
  const auto footprint = [](int rows, int cols, int ld) {
    return rows == 0 ? std::size_t{0} : static_cast<std::size_t>(rows - 1) * ld + cols;
  };
  const auto a = random_matrix(rng, footprint(a_rows, a_cols, lda));
  const auto b = random_matrix(rng, footprint(b_rows, b_cols, ldb));
  std::vector<float> c0 = random_matrix(rng, footprint(s.m, s.n, ldc));
  if (!s.accumulate) {
    // Overwrite mode must not read C: NaNs there would leak into the result.
    for (int i = 0; i < s.m; ++i) {
      for (int j = 0; j < s.n; ++j) c0[i * ldc + j] = std::numeric_limits<float>::quiet_NaN();
    }
  }
  std::vector<float> expected = c0;
  nn::kernels::gemm_reference(s.trans_a, s.trans_b, s.m, s.n, s.k, a.data(), lda, b.data(), ldb,
                              expected.data(), ldc, s.accumulate);
  for (Isa isa : isas) {
    nn::kernels::set_active_isa(isa);
    std::vector<float> got = c0;
    nn::kernels::gemm(s.trans_a, s.trans_b, s.m, s.n, s.k, a.data(), lda, b.data(), ldb, got.data(),
                      ldc, s.accumulate);
    if (std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) != 0) {
      std::size_t at = 0;
      while (std::memcmp(&got[at], &expected[at], sizeof(float)) == 0) ++at;
      ADD_FAILURE() << nn::kernels::isa_name(isa) << " " << describe(s)
                    << ": first difference at C[" << at / ldc << "][" << at % ldc << "]: got "
                    << got[at] << ", expected " << expected[at];
      return false;
    }
  }
  return true;
}

TEST(GemmReference, SmallProductByHand) {
  // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50], and accumulate adds onto C.
  const float a[] = {1, 2, 3, 4}, b[] = {5, 6, 7, 8};
  float c[] = {1, 1, 1, 1};
  nn::kernels::gemm_reference(false, false, 2, 2, 2, a, 2, b, 2, c, 2, true);
  EXPECT_EQ(c[0], 20.0f);
  EXPECT_EQ(c[1], 23.0f);
  EXPECT_EQ(c[2], 44.0f);
  EXPECT_EQ(c[3], 51.0f);
  // A^T * B^T with A, B as stored above: A^T = [1 3; 2 4], B^T = [5 7; 6 8].
  nn::kernels::gemm_reference(true, true, 2, 2, 2, a, 2, b, 2, c, 2, false);
  EXPECT_EQ(c[0], 23.0f);
  EXPECT_EQ(c[1], 31.0f);
  EXPECT_EQ(c[2], 34.0f);
  EXPECT_EQ(c[3], 46.0f);
}

TEST(Gemm, OrderOfOperationsIsVisible) {
  // Guards the tests themselves: with these values a different summation order (or a plain
  // multiply-then-add instead of FMA) changes the bits, so a reordering path would fail.
  const float a[] = {1.0f, 1e8f, -1e8f, 3.0f};
  const float b[] = {1.0f, 1.0f, 1.0f, 1.0f};
  float c = 0.0f;
  nn::kernels::gemm_reference(false, false, 1, 1, 4, a, 4, b, 1, &c, 1, false);
  EXPECT_EQ(c, 3.0f);  // ((1 + 1e8) - 1e8) + 3: the 1 is lost to rounding in this order
}

// The SIMD paths only; the portable scalar path has no size-dependent logic, and running it
// (like the reference, one libm fmaf call per multiply-add) on big shapes would be slow.
std::vector<Isa> simd_isas() {
  std::vector<Isa> isas;
  for (Isa isa : available_isas()) {
    if (isa != Isa::scalar) isas.push_back(isa);
  }
  if (isas.empty()) isas.push_back(Isa::scalar);
  return isas;
}

TEST(Gemm, AllPathsMatchReferenceOnSmallShapes) {
  // Every (m, n) in 1..67 covers every row and column tail of every tile size (row tiles of 1..12,
  // column blocks of 8..64, the narrow path for few columns). k cycles through small values here;
  // the next test covers long k.
  IsaGuard guard;
  const auto isas = available_isas();
  const int ks[] = {1, 2, 3, 7};
  int cases = 0;
  for (int combo = 0; combo < 8 && !HasFailure(); ++combo) {
    const bool trans_a = combo & 1, trans_b = combo & 2, accumulate = combo & 4;
    for (int m = 1; m <= 67 && !HasFailure(); ++m) {
      for (int n = 1; n <= 67; ++n) {
        Shape s{trans_a, trans_b, m, n, ks[(m + n + combo) % 4], 0, 0, 0, accumulate};
        if (!check_shape(s, isas, 1000u * m + n)) break;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 8 * 67 * 67);
}

TEST(Gemm, AllPathsMatchReferenceOnSmallShapesWithLongK) {
  // A random subset of (m, n) in 1..67 with k in {16, 31, 64, 67}.
  IsaGuard guard;
  const auto isas = available_isas();
  const int ks[] = {16, 31, 64, 67};
  TestRng rng(3);
  for (int t = 0; t < 2400 && !HasFailure(); ++t) {
    Shape s{(t & 1) != 0,
            (t & 2) != 0,
            rng.uniform_int(1, 67),
            rng.uniform_int(1, 67),
            ks[(t >> 3) % 4],
            0,
            0,
            0,
            (t & 4) != 0};
    check_shape(s, isas, 3000u + t);
  }
}

TEST(Gemm, AllPathsMatchReferenceWithPaddedLeadingDims) {
  IsaGuard guard;
  const auto isas = available_isas();
  TestRng rng(7);
  for (int t = 0; t < 400 && !HasFailure(); ++t) {
    Shape s{(t & 1) != 0,
            (t & 2) != 0,
            rng.uniform_int(1, 80),
            rng.uniform_int(1, 150),
            rng.uniform_int(1, 100),
            rng.uniform_int(1, 19),
            rng.uniform_int(1, 19),
            rng.uniform_int(1, 19),
            (t & 4) != 0};
    check_shape(s, isas, 5000u + t);
  }
}

TEST(Gemm, AllPathsMatchReferenceOnSingleRowsWithWideOutputs) {
  // Bands of a single row (m = 1, or one row left over after bands of 12) use one wide tile of
  // up to 16 vectors: cover several such blocks and their tails.
  IsaGuard guard;
  const auto isas = available_isas();
  int seed = 0;
  for (int m : {1, 13, 25}) {
    for (int n : {255, 256, 257, 300, 520}) {
      for (int k : {1, 5, 33}) {
        for (int combo = 0; combo < 8; ++combo) {
          Shape s{(combo & 1) != 0, (combo & 2) != 0, m, n, k, 0, 0, 0, (combo & 4) != 0};
          check_shape(s, isas, 9000u + seed++);
          if (HasFailure()) return;
        }
      }
    }
  }
}

TEST(Gemm, FewRowsMatchReference) {
  // Batches of 1 to 8 rows have their own route (tiles called straight from the entry point);
  // 9 rows is the first shape past it. Column counts straddle every block width (8, 16, 32, 64
  // floats) so full blocks, masked tails and one-register tails all run, with and without
  // transposes, accumulate and padded leading dimensions.
  IsaGuard guard;
  const auto isas = available_isas();
  const int ns[] = {1, 5, 8, 9, 16, 17, 31, 47, 48, 49, 64, 65, 100, 257};
  const int ks[] = {0, 1, 5, 64};
  int seed = 0;
  for (int m = 1; m <= 9; ++m) {
    for (int n : ns) {
      for (int k : ks) {
        for (int combo = 0; combo < 8; ++combo) {
          const int pad = (combo + n) % 3 == 0 ? 3 : 0;
          Shape s{(combo & 1) != 0, (combo & 2) != 0, m, n, k, pad, pad, pad, (combo & 4) != 0};
          if (!check_shape(s, isas, 20000u + seed++)) return;
        }
      }
    }
  }
}

TEST(Gemm, FewRowsMatchReferenceWithLongKAndLargeB) {
  // Long FMA chains, and B over 1 MB with enough work that more rows would take the packed
  // route: a few rows stream B once instead.
  IsaGuard guard;
  const auto isas = simd_isas();
  struct Case {
    int m, n, k;
  };
  const Case cases[] = {{1, 70, 300}, {3, 33, 257}, {7, 130, 200}, {8, 1100, 600}, {5, 1030, 1000}};
  int seed = 0;
  for (const Case& c : cases) {
    for (int combo = 0; combo < 8; ++combo) {
      Shape s{(combo & 1) != 0, (combo & 2) != 0, c.m, c.n, c.k, 1, 2, 3, (combo & 4) != 0};
      if (!check_shape(s, isas, 30000u + seed++)) return;
    }
  }
}

TEST(Gemm, FewRowsMatchReferenceOnEveryRowCountAndOddSizes) {
  // The few-rows route serves every transposition (a transposed B through a row-major copy):
  // every row count it takes (1..8), each with sizes on both sides of a register (4, 8 or 16
  // lanes), of the widest tile (48, 64 columns) and odd ones, in both modes, on every path.
  IsaGuard guard;
  const auto isas = available_isas();
  const int ns[] = {1, 2, 3, 4, 5, 15, 16, 17, 48, 49, 63, 64, 65};
  const int ks[] = {1, 3, 4, 5, 63, 64, 65};
  std::uint64_t seed = 40000;
  for (int m = 1; m <= 8; ++m) {
    for (int n : ns) {
      for (int k : ks) {
        for (int combo = 0; combo < 8; ++combo) {
          Shape s{(combo & 1) != 0, (combo & 2) != 0, m, n, k, 0, 0, 0, (combo & 4) != 0};
          if (!check_shape(s, isas, seed++)) return;
        }
      }
    }
  }
}

// Bitwise equal, except that any NaN matches any NaN: which NaN an operation with two NaN
// inputs (or an invalid one, inf * 0) returns is the hardware's choice, not the summation order.
bool same_bits_or_both_nan(float got, float expected) {
  if (expected != expected) return got != got;
  return std::memcmp(&got, &expected, sizeof(float)) == 0;
}

TEST(Gemm, FewRowsPropagateNanInfinityAndSignedZeroLikeTheReference) {
  // A NaN or an infinity in A, B or C reaches exactly the outputs whose chain it enters (inf * 0
  // makes a NaN, inf - inf too), and zeros keep the sign the reference's chain gives them: an
  // overwrite starts from +0, so +0 + (-0 * x) is +0, while accumulating onto a -0 keeps -0.
  IsaGuard guard;
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float specials[] = {inf, -inf, nan, -0.0f, 0.0f};
  TestRng rng(11);
  for (int m = 1; m <= 8; ++m) {
    for (int n : {3, 17, 64}) {
      for (int k : {1, 4, 64}) {
        for (int combo = 0; combo < 8; ++combo) {
          const bool trans_a = combo & 1, trans_b = combo & 2, accumulate = combo & 4;
          auto a = random_matrix(rng, static_cast<std::size_t>(m) * k);
          auto b = random_matrix(rng, static_cast<std::size_t>(k) * n);
          auto c0 = random_matrix(rng, static_cast<std::size_t>(m) * n);
          // A few specials in each operand, and a row of A and of C all negative zeros: that
          // row's products are signed zeros (or NaN where B holds an infinity).
          for (auto* v : {&a, &b, &c0}) {
            for (int t = 0; t < 3; ++t) {
              (*v)[rng.uniform_int(0, static_cast<int>(v->size()) - 1)] =
                  specials[rng.uniform_int(0, 4)];
            }
          }
          const int zero_row = rng.uniform_int(0, m - 1);
          for (int p = 0; p < k; ++p) a[trans_a ? p * m + zero_row : zero_row * k + p] = -0.0f;
          for (int j = 0; j < n; ++j) c0[static_cast<std::size_t>(zero_row) * n + j] = -0.0f;
          const int lda = trans_a ? m : k, ldb = trans_b ? k : n;
          std::vector<float> expected = c0;
          nn::kernels::gemm_reference(trans_a, trans_b, m, n, k, a.data(), lda, b.data(), ldb,
                                      expected.data(), n, accumulate);
          for (Isa isa : available_isas()) {
            nn::kernels::set_active_isa(isa);
            std::vector<float> got = c0;
            nn::kernels::gemm(trans_a, trans_b, m, n, k, a.data(), lda, b.data(), ldb, got.data(),
                              n, accumulate);
            for (std::size_t i = 0; i < got.size(); ++i) {
              if (!same_bits_or_both_nan(got[i], expected[i])) {
                ADD_FAILURE() << nn::kernels::isa_name(isa) << " " << (trans_a ? "T" : "N")
                              << (trans_b ? "T" : "N") << " m=" << m << " n=" << n << " k=" << k
                              << (accumulate ? " accumulate" : " overwrite") << ": C[" << i / n
                              << "][" << i % n << "] is " << got[i] << ", expected " << expected[i];
                return;
              }
            }
          }
        }
      }
    }
  }
}

TEST(Gemm, FewRowsSignedZeroByHand) {
  // The rule the previous test checks at random, on one case worked out by hand: every product
  // is -0 * 1 = -0; from an overwrite the chain starts at +0 and stays +0, onto a C of -0 it
  // stays -0. (A path that started from C's zeros, or skipped the FMAs when k = 0, would differ.)
  IsaGuard guard;
  const std::vector<float> a(8 * 5, -0.0f), b(5 * 3, 1.0f);
  for (Isa isa : available_isas()) {
    nn::kernels::set_active_isa(isa);
    for (int m = 1; m <= 8; ++m) {
      for (bool accumulate : {false, true}) {
        std::vector<float> c(static_cast<std::size_t>(m) * 3, -0.0f);
        nn::kernels::gemm(false, false, m, 3, 5, a.data(), 5, b.data(), 3, c.data(), 3, accumulate);
        for (float x : c) {
          EXPECT_EQ(x, 0.0f);
          EXPECT_EQ(std::signbit(x), accumulate)
              << nn::kernels::isa_name(isa) << " m=" << m
              << (accumulate ? " accumulate: -0 expected" : " overwrite: +0 expected");
        }
      }
    }
  }
}

TEST(Gemm, NarrowRouteMatchesReference) {
  // Outputs with a few columns (n <= half a register) and many rows compute C^T in registers:
  // row counts around the blocks of 8 or 16 rows and the groups of up to 64, k with and without a
  // tail of 1..3 columns past a multiple of 4, C contiguous (its rows interleaved by lane permutes)
  // or padded.
  IsaGuard guard;
  const auto isas = available_isas();
  const int ms[] = {8, 16, 17, 31, 32, 33, 47, 63, 64, 65, 79, 100, 130};
  const int ks[] = {1, 2, 3, 4, 5, 8, 13, 64};
  std::uint64_t seed = 50000;
  for (int m : ms) {
    for (int n = 1; n <= 8; ++n) {
      for (int k : ks) {
        for (int combo = 0; combo < 8; ++combo) {
          const int pad_c = (m + n + combo) % 2 == 0 ? 0 : 2;
          const int pad_ab = combo % 3 == 0 ? 1 : 0;
          Shape s{(combo & 1) != 0, (combo & 2) != 0, m, n, k, pad_ab, pad_ab, pad_c,
                  (combo & 4) != 0};
          if (!check_shape(s, isas, seed++)) return;
        }
      }
    }
  }
}

TEST(Gemm, TinyKMatchesReference) {
  // k of 1..4 past the few-rows route holds B's column block in registers and streams the rows
  // past it: blocks of every width (full, masked, one register), k = 5 as the first shape past it.
  IsaGuard guard;
  const auto isas = available_isas();
  const int ms[] = {9, 12, 13, 24, 64, 100};
  const int ns[] = {1, 3, 8, 15, 16, 17, 33, 63, 64, 65, 80, 130};
  std::uint64_t seed = 60000;
  for (int m : ms) {
    for (int n : ns) {
      for (int k = 1; k <= 5; ++k) {
        for (int combo = 0; combo < 8; ++combo) {
          const int pad = (m + n + k + combo) % 3 == 0 ? 3 : 0;
          Shape s{(combo & 1) != 0, (combo & 2) != 0, m, n, k, pad, pad, pad, (combo & 4) != 0};
          if (!check_shape(s, isas, seed++)) return;
        }
      }
    }
  }
}

TEST(Gemm, NarrowAndTinyKSignedZeroByHand) {
  // FewRowsSignedZeroByHand's rule on the narrow and tiny-k routes: every product is -0 * 1, so
  // an overwrite gives +0 (each chain starts from +0) and accumulating onto -0 keeps -0. A route
  // that began its chains with a plain product would give -0 on overwrite.
  IsaGuard guard;
  struct Case {
    int m, n, k;
  };
  const Case cases[] = {{64, 3, 64}, {33, 3, 5}, {100, 8, 2}, {64, 64, 4}, {13, 17, 1}};
  for (Isa isa : available_isas()) {
    nn::kernels::set_active_isa(isa);
    for (const Case& t : cases) {
      const std::vector<float> a(static_cast<std::size_t>(t.m) * t.k, -0.0f);
      const std::vector<float> b(static_cast<std::size_t>(t.k) * t.n, 1.0f);
      for (bool accumulate : {false, true}) {
        std::vector<float> c(static_cast<std::size_t>(t.m) * t.n, -0.0f);
        nn::kernels::gemm(false, false, t.m, t.n, t.k, a.data(), t.k, b.data(), t.n, c.data(), t.n,
                          accumulate);
        for (float x : c) {
          EXPECT_EQ(x, 0.0f);
          EXPECT_EQ(std::signbit(x), accumulate)
              << nn::kernels::isa_name(isa) << " m=" << t.m << " n=" << t.n << " k=" << t.k
              << (accumulate ? " accumulate: -0 expected" : " overwrite: +0 expected");
        }
      }
    }
  }
}

TEST(Gemm, EmptyK) {
  // k == 0: C becomes 0 (overwrite) or stays as it is (accumulate).
  IsaGuard guard;
  for (Isa isa : available_isas()) {
    nn::kernels::set_active_isa(isa);
    for (bool accumulate : {false, true}) {
      std::vector<float> c(6 * 5, 2.5f);
      nn::kernels::gemm(false, false, 6, 5, 0, nullptr, 1, nullptr, 5, c.data(), 5, accumulate);
      for (float x : c) EXPECT_EQ(x, accumulate ? 2.5f : 0.0f) << nn::kernels::isa_name(isa);
    }
  }
}

TEST(Gemm, AllPathsMatchReferenceOnLargeShapes) {
  IsaGuard guard;
  const auto isas = simd_isas();
  // Direct paths with long k and many row bands, and packed paths (B over 1 MB): k blocks with a
  // tail, several n blocks, full, masked and one-vector panels, row tails, padded leading dims.
  struct Case {
    int m, n, k, pad;
    bool accumulate;
    int combos;  // bit c set: run transpose combination c (bit 0: trans_a, bit 1: trans_b)
  };
  const Case cases[] = {
      {257, 129, 300, 0, false, 0xF},   // direct: long k, 21 bands and a 5-row band
      {1024, 1024, 64, 0, true, 0x1},   // direct: many bands, 16 column blocks
      {77, 520, 420, 0, true, 0x6},     // direct (B^T copied when trans_b), 11 column blocks
      {13, 1100, 1200, 3, false, 0xF},  // packed: two n blocks, k tail, padded leading dims
      {50, 600, 700, 0, true, 0xF},     // packed: k tail, masked last panel, row tails
      {320, 316, 900, 1, false, 0x5},   // packed: last panel 60 columns wide
      {372, 360, 800, 0, true, 0xA},    // packed: last panel 40 columns wide
  };
  for (const Case& c : cases) {
    for (int combo = 0; combo < 4; ++combo) {
      if (!(c.combos & (1 << combo))) continue;
      Shape s{};
      s.trans_a = (combo & 1) != 0;
      s.trans_b = (combo & 2) != 0;
      s.m = c.m;
      s.n = c.n;
      s.k = c.k;
      s.pad_a = c.pad;
      s.pad_b = c.pad + 2;
      s.pad_c = c.pad + 4;
      s.accumulate = c.accumulate;
      check_shape(s, isas, 77u + combo);
      if (HasFailure()) return;
    }
  }
}

TEST(GemmParallel, ResultsDoNotDependOnThreadCount) {
  IsaGuard guard;
  // Big enough to be split over every thread (work per thread well above the threshold); the
  // second shape is wide and short, so it is split by columns instead of rows.
  for (int combo : {0, 3, 5, 6}) {
    const bool trans_a = combo & 1, trans_b = combo & 2;
    const int m = combo & 4 ? 40 : 300, n = combo & 4 ? 900 : 260, k = combo & 4 ? 300 : 520;
    TestRng rng(11 + combo);
    const auto a = random_matrix(rng, static_cast<std::size_t>(m) * k);
    const auto b = random_matrix(rng, static_cast<std::size_t>(k) * n);
    const auto c0 = random_matrix(rng, static_cast<std::size_t>(m) * n);
    const int lda = trans_a ? m : k, ldb = trans_b ? k : n;
    std::vector<float> expected = c0;
    nn::kernels::gemm_reference(trans_a, trans_b, m, n, k, a.data(), lda, b.data(), ldb,
                                expected.data(), n, true);
    for (Isa isa : simd_isas()) {
      nn::kernels::set_active_isa(isa);
      for (int threads : {1, 2, 3}) {
        nn::set_num_threads(threads);
        std::vector<float> got = c0;
        nn::kernels::gemm(trans_a, trans_b, m, n, k, a.data(), lda, b.data(), ldb, got.data(), n,
                          true);
        EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0)
            << nn::kernels::isa_name(isa) << " combo " << combo << " threads " << threads;
      }
    }
  }
  nn::set_num_threads(0);
}

}  // namespace
