// Tests of the elementwise / reduction / softmax / Adam kernels on every SIMD path.
//
// Two kinds of checks:
//  * KernelPaths*: each public kernel, run on every path this CPU supports (set_active_isa), is
//    compared bit for bit (memcmp) with the scalar reference called directly
//    (nn::kernels::scalar::..., not through the dispatch), for n = 0..67 and a few large n, with
//    inputs that hit every branch (signs, huge and subnormal magnitudes, +-0, +-inf, NaN, ties),
//    unaligned starts, guard words after the end (masked tails must not write past n), and
//    out aliasing an input.
//  * KernelSemantics*: the public kernels against formulas written out here, so a kernel that
//    is wrong in the same way on every path (or a mixed-up dispatch table) still fails.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "nn/kernels/elementwise_paths.hpp"
#include "nn/kernels/kernels.hpp"

namespace {

namespace k = nn::kernels;
using k::Isa;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kGuard = -12345.678f;  // written after every output buffer
constexpr int kGuardWords = 17;

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512})
    if (k::cpu_supports(isa)) out.push_back(isa);
  return out;
}

/// Sets the active path for a scope, restoring the previous one afterwards.
class IsaScope {
 public:
  explicit IsaScope(Isa isa) : saved_(k::active_isa()) { k::set_active_isa(isa); }
  ~IsaScope() { k::set_active_isa(saved_); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;

 private:
  Isa saved_;
};

/// A small deterministic generator (xorshift64*), so failures reproduce.
class Gen {
 public:
  explicit Gen(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1Dull;
  }
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>((next() >> 40) * (1.0 / 16777216.0));
  }
  /// A value from a mixture that exercises every branch of every kernel.
  float wild() {
    switch (next() % 10) {
      case 0:
      case 1:
      case 2:
        return uniform(-4.0f, 4.0f);
      case 3:
        return uniform(-120.0f, 120.0f);
      case 4: {  // any magnitude, subnormal to huge
        float m = std::ldexp(1.0f + uniform(0.0f, 1.0f), static_cast<int>(next() % 277) - 150);
        return next() % 2 ? m : -m;
      }
      case 5:
        return static_cast<float>(static_cast<int>(next() % 7) - 3);  // ties
      case 6: {
        const float specials[] = {0.0f,
                                  -0.0f,
                                  kInf,
                                  -kInf,
                                  kNaN,
                                  std::numeric_limits<float>::min(),
                                  std::numeric_limits<float>::max(),
                                  -std::numeric_limits<float>::max(),
                                  std::numeric_limits<float>::denorm_min(),
                                  88.72283f,
                                  -103.97f,
                                  9.3f};
        return specials[next() % (sizeof specials / sizeof specials[0])];
      }
      case 7:
        return uniform(0.0f, 1e-3f);
      default:
        return uniform(-20.0f, 20.0f);
    }
  }
  /// Finite, moderate values (softmax rows, Adam).
  float moderate() { return next() % 8 == 0 ? uniform(-80.0f, 80.0f) : uniform(-6.0f, 6.0f); }

 private:
  uint64_t s_;
};

std::vector<float> wild_values(Gen& g, int64_t n) {
  std::vector<float> v(n);
  for (auto& x : v) x = g.wild();
  return v;
}

/// Equal bit for bit. NaN payloads are the one liberty: when both operands of an operation are
/// NaN, IEEE lets the hardware pick either payload, and a compiler may swap the operands of a
/// commutative operation. So two NaNs count as equal; everything else must match exactly.
bool same_bits(float a, float b) {
  if (std::memcmp(&a, &b, sizeof a) == 0) return true;
  return std::isnan(a) && std::isnan(b);
}

std::string hex_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", u);
  return buf;
}

/// An output buffer: n values (filled from `init`) followed by guard words.
struct OutBuf {
  std::vector<float> data;
  int64_t n;
  OutBuf(const std::vector<float>& init, int64_t count) : data(init), n(count) {
    data.resize(n);
    data.insert(data.end(), kGuardWords, kGuard);
  }
  float* ptr() { return data.data(); }
};

::testing::AssertionResult same_output(const OutBuf& got, const OutBuf& want, const char* kernel,
                                       Isa isa) {
  if (std::memcmp(got.data.data(), want.data.data(), got.data.size() * sizeof(float)) == 0)
    return ::testing::AssertionSuccess();
  for (size_t i = 0; i < got.data.size(); ++i) {
    if (same_bits(got.data[i], want.data[i])) continue;
    return ::testing::AssertionFailure()
           << kernel << " on " << k::isa_name(isa) << ", n = " << got.n << ": element " << i
           << (static_cast<int64_t>(i) >= got.n ? " (guard word past the end)" : "") << " is "
           << got.data[i] << " (" << hex_bits(got.data[i]) << "), reference " << want.data[i]
           << " (" << hex_bits(want.data[i]) << ")";
  }
  return ::testing::AssertionSuccess();
}

std::vector<int64_t> test_sizes() {
  std::vector<int64_t> sizes;
  for (int64_t n = 0; n <= 67; ++n) sizes.push_back(n);
  for (int64_t n : {1000, 4099, 65539}) sizes.push_back(n);
  return sizes;
}

using Map2 = void (*)(const float*, const float*, float*, int64_t);
using Map1 = void (*)(const float*, float*, int64_t);
using MapS = void (*)(const float*, float, float*, int64_t);

struct Map2Case {
  const char* name;
  Map2 kernel, reference;
  bool accumulates;  // out is read as well as written
};
struct Map1Case {
  const char* name;
  Map1 kernel, reference;
  bool accumulates;
};

// Inputs start one float past an aligned allocation, so loads are unaligned.
constexpr int64_t kOffset = 1;

// ---------------------------------------------------------------------------------------------

TEST(KernelPaths, BinaryMapsMatchScalarReference) {
  const Map2Case cases[] = {
      {"add", k::add, k::scalar::add, false},
      {"sub", k::sub, k::scalar::sub, false},
      {"mul", k::mul, k::scalar::mul, false},
      {"div", k::div, k::scalar::div, false},
      {"minimum", k::minimum, k::scalar::minimum, false},
      {"maximum", k::maximum, k::scalar::maximum, false},
      {"acc_mul", k::acc_mul, k::scalar::acc_mul, true},
      {"acc_div", k::acc_div, k::scalar::acc_div, true},
      {"tanh_backward", k::tanh_backward, k::scalar::tanh_backward, true},
      {"sigmoid_backward", k::sigmoid_backward, k::scalar::sigmoid_backward, true},
      {"relu_backward", k::relu_backward, k::scalar::relu_backward, true},
  };
  Gen g(1);
  for (const auto& c : cases) {
    for (int64_t n : test_sizes()) {
      std::vector<float> a = wild_values(g, n + kOffset), b = wild_values(g, n + kOffset);
      // Ties and +-0 pairs for minimum / maximum.
      for (int64_t i = 0; i < n + kOffset; i += 3) b[i] = (i % 2) ? a[i] : -a[i];
      const std::vector<float> init = wild_values(g, n);
      OutBuf want(init, n);
      c.reference(a.data() + kOffset, b.data() + kOffset, want.ptr(), n);
      for (Isa isa : supported_isas()) {
        IsaScope scope(isa);
        OutBuf got(init, n);
        c.kernel(a.data() + kOffset, b.data() + kOffset, got.ptr(), n);
        ASSERT_TRUE(same_output(got, want, c.name, isa));
        if (!c.accumulates) {  // out aliasing either input
          std::vector<float> a2 = a, b2 = b;
          c.kernel(a2.data() + kOffset, b2.data() + kOffset, a2.data() + kOffset, n);
          c.kernel(a.data() + kOffset, b2.data() + kOffset, b2.data() + kOffset, n);
          OutBuf ga(std::vector<float>(a2.begin() + kOffset, a2.end()), n);
          OutBuf gb(std::vector<float>(b2.begin() + kOffset, b2.end()), n);
          ASSERT_TRUE(same_output(ga, want, c.name, isa)) << " (out == a)";
          ASSERT_TRUE(same_output(gb, want, c.name, isa)) << " (out == b)";
        }
      }
    }
  }
}

TEST(KernelPaths, UnaryMapsMatchScalarReference) {
  const Map1Case cases[] = {
      {"square", k::square, k::scalar::square, false},
      {"sqrt", k::sqrt, k::scalar::sqrt, false},
      {"relu", k::relu, k::scalar::relu, false},
      {"exp", k::exp, k::scalar::exp, false},
      {"log", k::log, k::scalar::log, false},
      {"tanh", k::tanh, k::scalar::tanh, false},
      {"sigmoid", k::sigmoid, k::scalar::sigmoid, false},
      {"softplus", k::softplus, k::scalar::softplus, false},
      {"acc", k::acc, k::scalar::acc, true},
  };
  Gen g(2);
  for (const auto& c : cases) {
    for (int64_t n : test_sizes()) {
      std::vector<float> x = wild_values(g, n + kOffset);
      const std::vector<float> init = wild_values(g, n);
      OutBuf want(init, n);
      c.reference(x.data() + kOffset, want.ptr(), n);
      for (Isa isa : supported_isas()) {
        IsaScope scope(isa);
        OutBuf got(init, n);
        c.kernel(x.data() + kOffset, got.ptr(), n);
        ASSERT_TRUE(same_output(got, want, c.name, isa));
        if (!c.accumulates) {
          std::vector<float> x2 = x;
          c.kernel(x2.data() + kOffset, x2.data() + kOffset, n);
          OutBuf gx(std::vector<float>(x2.begin() + kOffset, x2.end()), n);
          ASSERT_TRUE(same_output(gx, want, c.name, isa)) << " (out == x)";
        }
      }
    }
  }
}

TEST(KernelPaths, ScalarArgumentMapsMatchScalarReference) {
  struct Case {
    const char* name;
    MapS kernel, reference;
  };
  const Case cases[] = {{"add_scalar", k::add_scalar, k::scalar::add_scalar},
                        {"mul_scalar", k::mul_scalar, k::scalar::mul_scalar},
                        {"acc_scaled", k::acc_scaled, k::scalar::acc_scaled}};
  Gen g(3);
  for (const auto& c : cases) {
    for (int64_t n : test_sizes()) {
      std::vector<float> x = wild_values(g, n + kOffset);
      const float s = n % 5 == 0 ? -0.0f : g.wild();
      const std::vector<float> init = wild_values(g, n);
      OutBuf want(init, n);
      c.reference(x.data() + kOffset, s, want.ptr(), n);
      for (Isa isa : supported_isas()) {
        IsaScope scope(isa);
        OutBuf got(init, n);
        c.kernel(x.data() + kOffset, s, got.ptr(), n);
        ASSERT_TRUE(same_output(got, want, c.name, isa)) << " s = " << s;
      }
    }
  }
}

TEST(KernelPaths, ClampMatchesScalarReference) {
  Gen g(4);
  for (int64_t n : test_sizes()) {
    std::vector<float> x = wild_values(g, n + kOffset);
    const float lo = -1.5f - static_cast<float>(n % 3), hi = 2.0f + static_cast<float>(n % 4);
    OutBuf want({}, n);
    k::scalar::clamp(x.data() + kOffset, lo, hi, want.ptr(), n);
    for (Isa isa : supported_isas()) {
      IsaScope scope(isa);
      OutBuf got({}, n);
      k::clamp(x.data() + kOffset, lo, hi, got.ptr(), n);
      ASSERT_TRUE(same_output(got, want, "clamp", isa));
      std::vector<float> x2 = x;
      k::clamp(x2.data() + kOffset, lo, hi, x2.data() + kOffset, n);
      OutBuf gx(std::vector<float>(x2.begin() + kOffset, x2.end()), n);
      ASSERT_TRUE(same_output(gx, want, "clamp", isa)) << " (out == x)";
    }
  }
}

TEST(KernelPaths, ReductionsMatchScalarReference) {
  Gen g(5);
  for (int64_t n : test_sizes()) {
    for (int variant = 0; variant < 3; ++variant) {
      std::vector<float> x(n + kOffset);
      for (auto& v : x) {
        if (variant == 0) v = g.uniform(-3.0f, 3.0f);         // ordinary
        if (variant == 1) v = g.wild();                       // specials, NaN (ignored by max)
        if (variant == 2) v = (g.next() % 2) ? 0.0f : -0.0f;  // +-0 ties for max
      }
      const float* p = x.data() + kOffset;
      const float want_sum = k::scalar::sum(p, n);
      const float want_sq = k::scalar::sum_squares(p, n);
      const float want_max = k::scalar::max(p, n);
      for (Isa isa : supported_isas()) {
        IsaScope scope(isa);
        const float got_sum = k::sum(p, n), got_sq = k::sum_squares(p, n), got_max = k::max(p, n);
        ASSERT_TRUE(same_bits(got_sum, want_sum))
            << "sum on " << k::isa_name(isa) << " n=" << n << ": " << got_sum << " vs " << want_sum;
        ASSERT_TRUE(same_bits(got_sq, want_sq))
            << "sum_squares on " << k::isa_name(isa) << " n=" << n << ": " << got_sq << " vs "
            << want_sq;
        ASSERT_TRUE(same_bits(got_max, want_max))
            << "max on " << k::isa_name(isa) << " n=" << n << " variant " << variant << ": "
            << got_max << " vs " << want_max;
      }
    }
  }
}

TEST(KernelPaths, ColSumAccMatchesScalarReference) {
  Gen g(6);
  for (int64_t rows : {0, 1, 2, 5, 33}) {
    for (int64_t cols = 0; cols <= 67; cols += (cols < 20 ? 1 : 7)) {
      for (int64_t c2 : {cols, cols + 128 + 64 + 3}) {  // also exercise the 64-column strips
        std::vector<float> x = wild_values(g, rows * c2 + kOffset);
        const std::vector<float> init = wild_values(g, c2);
        OutBuf want(init, c2);
        k::scalar::col_sum_acc(x.data() + kOffset, rows, c2, want.ptr());
        for (Isa isa : supported_isas()) {
          IsaScope scope(isa);
          OutBuf got(init, c2);
          k::col_sum_acc(x.data() + kOffset, rows, c2, got.ptr());
          ASSERT_TRUE(same_output(got, want, "col_sum_acc", isa)) << " rows = " << rows;
        }
      }
    }
  }
}

// Short rows full of special values (NaN, +-inf, +-0, whole rows of -inf) still match the
// reference bit for bit on the 16-rows-at-once path, and in a zero-padded tail block.
TEST(KernelPaths, SoftmaxShortRowsWithSpecialValuesMatchScalarReference) {
  const float specials[] = {0.0f,  -0.0f,  kInf, -kInf, std::nanf(""),
                            1e30f, -1e30f, 3.5f, -2.0f, 1e-40f};
  Gen g(11);
  for (int64_t cols : {1, 2, 3, 5, 16}) {
    const int64_t rows = cols == 3 ? 45 : 48;  // 45: two blocks and a padded tail of 13
    std::vector<float> x(rows * cols);
    for (std::size_t i = 0; i < x.size(); ++i) {
      x[i] = (i % 3 == 0) ? specials[(i / 3) % 10] : g.moderate();
    }
    for (int64_t c = 0; c < cols; ++c) x[5 * cols + c] = -kInf;  // a row of only -inf
    OutBuf want_sm({}, rows * cols), want_lsm({}, rows * cols);
    k::scalar::softmax_rows(x.data(), rows, cols, want_sm.ptr());
    k::scalar::log_softmax_rows(x.data(), rows, cols, want_lsm.ptr());
    for (Isa isa : supported_isas()) {
      IsaScope scope(isa);
      OutBuf sm({}, rows * cols), lsm({}, rows * cols);
      k::softmax_rows(x.data(), rows, cols, sm.ptr());
      k::log_softmax_rows(x.data(), rows, cols, lsm.ptr());
      ASSERT_TRUE(same_output(sm, want_sm, "softmax_rows", isa)) << " cols = " << cols;
      ASSERT_TRUE(same_output(lsm, want_lsm, "log_softmax_rows", isa)) << " cols = " << cols;
    }
  }
}

TEST(KernelPaths, SoftmaxRowsMatchScalarReference) {
  Gen g(7);
  // 16+ rows take the 16-rows-at-once path for short rows (37 = two blocks + a remainder).
  for (int64_t rows : {1, 3, 7, 16, 37}) {
    for (int64_t cols : {1, 2, 3, 15, 16, 17, 31, 64, 100, 1000}) {
      std::vector<float> x(rows * cols + kOffset);
      for (auto& v : x) v = g.moderate();
      x[kOffset + (rows * cols) / 2] = -kInf;  // a masked-out logit
      const float* p = x.data() + kOffset;
      OutBuf want_sm({}, rows * cols), want_lsm({}, rows * cols);
      k::scalar::softmax_rows(p, rows, cols, want_sm.ptr());
      k::scalar::log_softmax_rows(p, rows, cols, want_lsm.ptr());
      for (Isa isa : supported_isas()) {
        IsaScope scope(isa);
        OutBuf sm({}, rows * cols), lsm({}, rows * cols);
        k::softmax_rows(p, rows, cols, sm.ptr());
        k::log_softmax_rows(p, rows, cols, lsm.ptr());
        ASSERT_TRUE(same_output(sm, want_sm, "softmax_rows", isa)) << " cols = " << cols;
        ASSERT_TRUE(same_output(lsm, want_lsm, "log_softmax_rows", isa)) << " cols = " << cols;
        // In place.
        std::vector<float> a = x, b = x;
        k::softmax_rows(a.data() + kOffset, rows, cols, a.data() + kOffset);
        k::log_softmax_rows(b.data() + kOffset, rows, cols, b.data() + kOffset);
        OutBuf ga(std::vector<float>(a.begin() + kOffset, a.end()), rows * cols);
        OutBuf gb(std::vector<float>(b.begin() + kOffset, b.end()), rows * cols);
        ASSERT_TRUE(same_output(ga, want_sm, "softmax_rows in place", isa)) << " cols = " << cols;
        ASSERT_TRUE(same_output(gb, want_lsm, "log_softmax_rows in place", isa))
            << " cols = " << cols;
      }
    }
  }
}

// The backward pass of log_softmax_rows: every path equals the scalar reference bit for bit, for
// short rows (a policy head's 2-3 actions) and long ones, -0 / inf / NaN gradients included.
TEST(KernelPaths, LogSoftmaxBackwardRowsMatchScalarReference) {
  Gen g(11);
  for (int64_t rows : {1, 3, 16, 37}) {
    for (int64_t cols : {1, 2, 3, 15, 16, 17, 64, 100}) {
      const int64_t n = rows * cols;
      std::vector<float> grad = wild_values(g, n), y(n), dx0(n);
      for (auto& v : y) v = -std::fabs(g.moderate());  // log-probabilities
      for (auto& v : dx0) v = g.moderate();
      dx0[0] = -0.0f;
      OutBuf want(dx0, n);
      k::scalar::log_softmax_backward_rows(grad.data(), y.data(), rows, cols, want.ptr());
      for (Isa isa : supported_isas()) {
        IsaScope scope(isa);
        OutBuf got(dx0, n);
        k::log_softmax_backward_rows(grad.data(), y.data(), rows, cols, got.ptr());
        ASSERT_TRUE(same_output(got, want, "log_softmax_backward_rows", isa))
            << " rows = " << rows << ", cols = " << cols;
      }
    }
  }
}

// ... and is the sequence of kernels it replaces, row by row: dx += g, then
// dx = fma(exp(y), -sum(g), dx).
TEST(KernelSemantics, LogSoftmaxBackwardRowsIsAccThenScaledExp) {
  Gen g(12);
  for (int64_t cols : {2, 3, 40}) {
    const int64_t rows = 21, n = rows * cols;
    std::vector<float> grad(n), y(n), dx(n);
    for (auto& v : grad) v = g.moderate();
    for (auto& v : y) v = -std::fabs(g.moderate());
    for (auto& v : dx) v = g.moderate();
    std::vector<float> want = dx, p(cols);
    for (int64_t r = 0; r < rows; ++r) {
      const float total = k::sum(grad.data() + r * cols, cols);
      k::exp(y.data() + r * cols, p.data(), cols);
      k::acc(grad.data() + r * cols, want.data() + r * cols, cols);
      k::acc_scaled(p.data(), -total, want.data() + r * cols, cols);
    }
    k::log_softmax_backward_rows(grad.data(), y.data(), rows, cols, dx.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_TRUE(same_bits(dx[i], want[i]))
          << "cols " << cols << ", element " << i << ": " << dx[i] << " vs " << want[i];
    }
  }
}

TEST(KernelPaths, AdamUpdateMatchesScalarReference) {
  Gen g(8);
  const float lr = 3e-4f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  const int t = 7;
  const float c1 = 1.0f - std::pow(b1, static_cast<float>(t));
  const float c2 = 1.0f - std::pow(b2, static_cast<float>(t));
  for (int64_t n : test_sizes()) {
    std::vector<float> p0(n), gr(n), m0(n), v0(n);
    for (int64_t i = 0; i < n; ++i) {
      p0[i] = g.moderate();
      gr[i] = i % 11 == 0 ? 0.0f : g.moderate() * 0.1f;
      m0[i] = g.uniform(-0.5f, 0.5f);
      v0[i] = g.uniform(0.0f, 0.3f);
    }
    OutBuf wp(p0, n), wm(m0, n), wv(v0, n);
    k::scalar::adam_update(wp.ptr(), gr.data(), wm.ptr(), wv.ptr(), n, lr, b1, b2, eps, c1, c2);
    for (Isa isa : supported_isas()) {
      IsaScope scope(isa);
      OutBuf pp(p0, n), mm(m0, n), vv(v0, n);
      k::adam_update(pp.ptr(), gr.data(), mm.ptr(), vv.ptr(), n, lr, b1, b2, eps, c1, c2);
      ASSERT_TRUE(same_output(pp, wp, "adam_update p", isa));
      ASSERT_TRUE(same_output(mm, wm, "adam_update m", isa));
      ASSERT_TRUE(same_output(vv, wv, "adam_update v", isa));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Semantics: the public kernels against formulas written out in this file.
// ---------------------------------------------------------------------------------------------

TEST(KernelSemantics, MapsComputeTheirDocumentedFormula) {
  Gen g(9);
  const int64_t n = 37;
  std::vector<float> a = wild_values(g, n), b = wild_values(g, n), o0 = wild_values(g, n);
  for (int64_t i = 0; i < n; i += 4) b[i] = -a[i];
  const float s = 1.75f, lo = -2.0f, hi = 3.0f;
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    std::vector<float> out(n);
    auto expect_each = [&](const char* name, auto formula) {
      for (int64_t i = 0; i < n; ++i) {
        const float want = formula(i);
        ASSERT_TRUE(same_bits(out[i], want))
            << name << " on " << k::isa_name(isa) << " at " << i << ": " << out[i] << " vs " << want
            << " (a=" << a[i] << ", b=" << b[i] << ")";
      }
    };
    k::add(a.data(), b.data(), out.data(), n);
    expect_each("add", [&](int64_t i) { return a[i] + b[i]; });
    k::sub(a.data(), b.data(), out.data(), n);
    expect_each("sub", [&](int64_t i) { return a[i] - b[i]; });
    k::mul(a.data(), b.data(), out.data(), n);
    expect_each("mul", [&](int64_t i) { return a[i] * b[i]; });
    k::div(a.data(), b.data(), out.data(), n);
    expect_each("div", [&](int64_t i) { return a[i] / b[i]; });
    k::minimum(a.data(), b.data(), out.data(), n);
    expect_each("minimum", [&](int64_t i) { return b[i] < a[i] ? b[i] : a[i]; });
    k::maximum(a.data(), b.data(), out.data(), n);
    expect_each("maximum", [&](int64_t i) { return b[i] > a[i] ? b[i] : a[i]; });
    k::add_scalar(a.data(), s, out.data(), n);
    expect_each("add_scalar", [&](int64_t i) { return a[i] + s; });
    k::mul_scalar(a.data(), s, out.data(), n);
    expect_each("mul_scalar", [&](int64_t i) { return a[i] * s; });
    k::clamp(a.data(), lo, hi, out.data(), n);
    expect_each("clamp", [&](int64_t i) {
      return std::isnan(a[i]) ? a[i] : (a[i] < lo ? lo : (a[i] > hi ? hi : a[i]));
    });
    k::square(a.data(), out.data(), n);
    expect_each("square", [&](int64_t i) { return a[i] * a[i]; });
    k::sqrt(a.data(), out.data(), n);
    expect_each("sqrt", [&](int64_t i) { return std::sqrt(a[i]); });
    k::relu(a.data(), out.data(), n);
    expect_each("relu", [&](int64_t i) { return a[i] > 0.0f ? a[i] : 0.0f; });

    out = o0;
    k::acc(a.data(), out.data(), n);
    expect_each("acc", [&](int64_t i) { return o0[i] + a[i]; });
    out = o0;
    k::acc_scaled(a.data(), s, out.data(), n);
    expect_each("acc_scaled", [&](int64_t i) { return std::fma(a[i], s, o0[i]); });
    out = o0;
    k::acc_mul(a.data(), b.data(), out.data(), n);
    expect_each("acc_mul", [&](int64_t i) { return std::fma(a[i], b[i], o0[i]); });
    out = o0;
    k::acc_div(a.data(), b.data(), out.data(), n);
    expect_each("acc_div", [&](int64_t i) { return o0[i] + a[i] / b[i]; });
    out = o0;
    k::tanh_backward(a.data(), b.data(), out.data(), n);
    expect_each("tanh_backward", [&](int64_t i) { return o0[i] + a[i] * (1.0f - b[i] * b[i]); });
    out = o0;
    k::sigmoid_backward(a.data(), b.data(), out.data(), n);
    expect_each("sigmoid_backward",
                [&](int64_t i) { return o0[i] + a[i] * (b[i] * (1.0f - b[i])); });
    out = o0;
    k::relu_backward(a.data(), b.data(), out.data(), n);
    expect_each("relu_backward", [&](int64_t i) { return o0[i] + (b[i] > 0.0f ? a[i] : 0.0f); });
  }
}

TEST(KernelSemantics, ReductionsFollowTheDocumentedOrder) {
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    EXPECT_EQ(k::sum(nullptr, 0), 0.0f);
    EXPECT_EQ(k::sum_squares(nullptr, 0), 0.0f);
    EXPECT_EQ(k::max(nullptr, 0), -kInf);
    // Small integers: every order gives the exact sum.
    std::vector<float> x(1001);
    double exact = 0.0, exact_sq = 0.0;
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] = static_cast<float>(static_cast<int>(i % 23) - 11);
      exact += x[i];
      exact_sq += static_cast<double>(x[i]) * x[i];
    }
    EXPECT_EQ(k::sum(x.data(), 1001), static_cast<float>(exact));
    EXPECT_EQ(k::sum_squares(x.data(), 1001), static_cast<float>(exact_sq));
    EXPECT_EQ(k::max(x.data(), 1001), 11.0f);
    // The 16-lane order is observable: in {2^24, 1, 0, 1} the two ones sit in lanes 1 and 3,
    // which the tree adds to each other (w = 2) before lane 1 meets lane 0 (w = 1), so the sum
    // is 2^24 + 2. A left-to-right loop would round both ones away (2^24 + 1 ties to 2^24).
    const float big[4] = {16777216.0f, 1.0f, 0.0f, 1.0f};
    EXPECT_EQ(k::sum(big, 4), 16777218.0f) << k::isa_name(isa);
    // NaN is ignored by max; -0 vs +0 ties keep the earlier lane's value.
    const float with_nan[5] = {1.0f, kNaN, 3.0f, -2.0f, kNaN};
    EXPECT_EQ(k::max(with_nan, 5), 3.0f);
  }
}

TEST(KernelSemantics, ColSumAccAddsRowsInOrder) {
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    const int64_t rows = 4, cols = 19;
    std::vector<float> x(rows * cols), out(cols, 0.5f);
    for (int64_t i = 0; i < rows * cols; ++i) x[i] = static_cast<float>(i);
    k::col_sum_acc(x.data(), rows, cols, out.data());
    for (int64_t c = 0; c < cols; ++c) {
      float want = 0.5f;
      for (int64_t r = 0; r < rows; ++r) want += x[r * cols + c];
      EXPECT_EQ(out[c], want) << "column " << c << " on " << k::isa_name(isa);
    }
  }
}

TEST(KernelSemantics, SoftmaxRowsSumToOne) {
  Gen g(10);
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (int64_t cols : {1, 2, 3, 17, 64, 1000}) {
      const int64_t rows = 5;
      std::vector<float> x(rows * cols), sm(rows * cols), lsm(rows * cols);
      for (auto& v : x) v = g.moderate();
      k::softmax_rows(x.data(), rows, cols, sm.data());
      k::log_softmax_rows(x.data(), rows, cols, lsm.data());
      for (int64_t r = 0; r < rows; ++r) {
        double total = 0.0, max_x = -1e30;
        for (int64_t c = 0; c < cols; ++c) max_x = std::fmax(max_x, x[r * cols + c]);
        double denom = 0.0;
        for (int64_t c = 0; c < cols; ++c) denom += std::exp(x[r * cols + c] - max_x);
        for (int64_t c = 0; c < cols; ++c) {
          const int64_t i = r * cols + c;
          total += sm[i];
          const double d = x[i] - max_x;
          const double want = std::exp(d) / denom;
          // Float rounding of x - max alone costs |x - max| * 2^-24 relative error in exp.
          EXPECT_NEAR(sm[i], want, (4e-7 + std::fabs(d) * 1.2e-7) * want + 1e-37)
              << "softmax cols=" << cols;
          EXPECT_NEAR(lsm[i], std::log(want), 3e-7 * (1.0 + std::fabs(d) + std::log(denom)))
              << "log_softmax cols=" << cols;
        }
        EXPECT_NEAR(total, 1.0, 1e-6)
            << "row " << r << ", cols=" << cols << " on " << k::isa_name(isa);
      }
    }
  }
}

TEST(KernelSemantics, AdamUpdateIsTheDocumentedFormula) {
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    const int64_t n = 21;
    std::vector<float> p(n), g(n), m(n), v(n);
    for (int64_t i = 0; i < n; ++i) {
      p[i] = 0.1f * static_cast<float>(i) - 1.0f;
      g[i] = 0.05f * static_cast<float>(i % 7) - 0.15f;
      m[i] = 0.01f * static_cast<float>(i % 3);
      v[i] = 0.001f * static_cast<float>(i % 5);
    }
    const std::vector<float> p0 = p, m0 = m, v0 = v;
    const float lr = 0.01f, b1 = 0.9f, b2 = 0.99f, eps = 1e-8f, c1 = 0.19f, c2 = 0.0199f;
    k::adam_update(p.data(), g.data(), m.data(), v.data(), n, lr, b1, b2, eps, c1, c2);
    for (int64_t i = 0; i < n; ++i) {
      const float mm = b1 * m0[i] + (1.0f - b1) * g[i];
      const float vv = b2 * v0[i] + (1.0f - b2) * (g[i] * g[i]);
      const float step_size = lr / c1, inv_sqrt_c2 = 1.0f / std::sqrt(c2);
      const float pp = p0[i] - (step_size * mm) / (std::sqrt(vv) * inv_sqrt_c2 + eps);
      EXPECT_EQ(m[i], mm) << i;
      EXPECT_EQ(v[i], vv) << i;
      EXPECT_EQ(p[i], pp) << i;
    }
  }
}

TEST(KernelSemantics, ActiveIsaIsRestoredAndSwitchable) {
  const Isa before = k::active_isa();
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    EXPECT_EQ(k::active_isa(), isa);
  }
  EXPECT_EQ(k::active_isa(), before);
}

}  // namespace
