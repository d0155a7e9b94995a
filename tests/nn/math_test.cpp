// Accuracy and special values of our exp / log / tanh / sigmoid / softplus kernels.
//
// Dense sweeps (every 97th float bit pattern over the whole range, about 44 million inputs per
// function) against the double-precision C library, asserting a bound in ulps of the exact
// result. The sweep runs on the best path this CPU has; elementwise_test.cpp proves every other
// path bit-identical to it, so the bounds hold for all of them. Measured maxima (this design,
// any path) are noted next to each bound.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "nn/kernels/elementwise_paths.hpp"
#include "nn/kernels/kernels.hpp"

namespace {

namespace k = nn::kernels;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr double kFltMax = 3.4028234663852886e38;

constexpr uint32_t kStride = 97;  // about 44 million inputs per function

/// The spacing of floats at the magnitude of the exact value v (2^-149 in the subnormal range).
double ulp_at(double v) {
  v = std::fabs(v);
  if (v < 1.17549435082228750797e-38) return std::ldexp(1.0, -149);
  int e;
  std::frexp(v, &e);  // v = f * 2^e, f in [0.5, 1)
  return std::ldexp(1.0, e - 24);
}

struct SweepResult {
  double max_ulp = 0.0;
  float worst_x = 0.0f;
  int64_t checked = 0;
  int64_t bad_specials = 0;  // NaN / inf / overflow mismatches
  float first_bad = 0.0f;
};

/// Runs `kernel` on every kStride-th float bit pattern and compares with `exact` (double).
template <class Exact>
SweepResult sweep(void (*kernel)(const float*, float*, int64_t), Exact exact) {
  SweepResult res;
  constexpr int kBatch = 8192;
  std::vector<float> xs(kBatch), ys(kBatch);
  uint64_t bits = 0;
  while (bits < (uint64_t{1} << 32)) {
    int m = 0;
    for (; m < kBatch && bits < (uint64_t{1} << 32); bits += kStride, ++m) {
      const uint32_t b = static_cast<uint32_t>(bits);
      std::memcpy(&xs[m], &b, sizeof b);
    }
    kernel(xs.data(), ys.data(), m);
    for (int i = 0; i < m; ++i) {
      const double want = exact(static_cast<double>(xs[i]));
      const float got = ys[i];
      ++res.checked;
      const bool want_overflows = std::fabs(want) > kFltMax;  // the float result must be inf
      if (std::isnan(want) || std::isnan(got) || std::isinf(got) || want_overflows) {
        // Beyond FLT_MAX the correctly rounded float is inf unless within half an ulp of MAX.
        const bool ok = (std::isnan(want) && std::isnan(got)) ||
                        (std::isinf(got) && want_overflows && (got > 0) == (want > 0)) ||
                        (!std::isinf(got) && !std::isnan(got) && !std::isnan(want) &&
                         std::fabs(got - want) <= ulp_at(kFltMax));
        if (!ok && res.bad_specials++ == 0) res.first_bad = xs[i];
        continue;
      }
      const double err = std::fabs(static_cast<double>(got) - want) / ulp_at(want);
      if (err > res.max_ulp) {
        res.max_ulp = err;
        res.worst_x = xs[i];
      }
    }
  }
  return res;
}

void expect_sweep(const char* name, const SweepResult& r, double bound) {
  EXPECT_EQ(r.bad_specials, 0) << name << ": wrong NaN/inf, first at x = " << r.first_bad;
  EXPECT_LE(r.max_ulp, bound) << name << ": worst at x = " << r.worst_x;
  std::printf("[   info   ] %-8s on %-6s max error %.3f ulp (x = %.9g), %lld inputs\n", name,
              k::isa_name(k::active_isa()), r.max_ulp, static_cast<double>(r.worst_x),
              static_cast<long long>(r.checked));
}

double exact_sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
double exact_softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// Bounds: exp and log must be within 2 ulp (measured ~1.0 and ~0.8). tanh: expm1(2|x|) /
// (expm1(2|x|) + 2) has three roundings after the polynomial, measured 2.5 ulp (at
// x ~ -3.6); bound 3. sigmoid: exp, 1 + e and the division, measured 2.3; bound 3.
// softplus: measured 1.6; bound 2.
TEST(MathAccuracy, ExpWithinTwoUlp) {
  expect_sweep("exp", sweep(k::exp, [](double x) { return std::exp(x); }), 2.0);
}
TEST(MathAccuracy, LogWithinTwoUlp) {
  expect_sweep("log", sweep(k::log, [](double x) { return std::log(x); }), 2.0);
}
TEST(MathAccuracy, TanhWithinThreeUlp) {
  expect_sweep("tanh", sweep(k::tanh, [](double x) { return std::tanh(x); }), 3.0);
}
TEST(MathAccuracy, SigmoidWithinThreeUlp) {
  expect_sweep("sigmoid", sweep(k::sigmoid, exact_sigmoid), 3.0);
}
TEST(MathAccuracy, SoftplusWithinTwoUlp) {
  expect_sweep("softplus", sweep(k::softplus, exact_softplus), 2.0);
}

/// Dense sweep of the ranges where the interesting things happen, with a finer stride.
TEST(MathAccuracy, DenseAroundZeroAndOverflow) {
  std::vector<float> xs;
  for (float x = -110.0f; x <= 100.0f; x += 0.0037f) xs.push_back(x);
  for (float x = -1e-3f; x <= 1e-3f; x += 3.1e-7f) xs.push_back(x);
  for (float x = 88.0f; x <= 89.0f; x = std::nextafter(x, 100.0f) + 1e-6f) xs.push_back(x);
  std::vector<float> ys(xs.size());
  const int64_t n = static_cast<int64_t>(xs.size());
  k::exp(xs.data(), ys.data(), n);
  for (size_t i = 0; i < xs.size(); ++i) {
    const double want = std::exp(static_cast<double>(xs[i]));
    if (want > kFltMax) {
      EXPECT_EQ(ys[i], kInf) << xs[i];
      continue;
    }
    ASSERT_LE(std::fabs(ys[i] - want) / ulp_at(want), 2.0) << "exp(" << xs[i] << ")";
  }
  k::tanh(xs.data(), ys.data(), n);
  for (size_t i = 0; i < xs.size(); ++i) {
    const double want = std::tanh(static_cast<double>(xs[i]));
    ASSERT_LE(std::fabs(ys[i] - want) / ulp_at(want), 3.0) << "tanh(" << xs[i] << ")";
  }
}

/// Every path against the scalar reference over a sparser sweep of all bit patterns (the
/// elementwise tests cover random inputs; this covers every binade and every special value).
TEST(MathPaths, EveryPathMatchesTheScalarReferenceBitForBit) {
  using Kernel = void (*)(const float*, float*, int64_t);
  struct Case {
    const char* name;
    Kernel kernel, reference;
  };
  const Case cases[] = {{"exp", k::exp, k::scalar::exp},
                        {"log", k::log, k::scalar::log},
                        {"tanh", k::tanh, k::scalar::tanh},
                        {"sigmoid", k::sigmoid, k::scalar::sigmoid},
                        {"softplus", k::softplus, k::scalar::softplus}};
  std::vector<float> xs;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 4999) {
    const uint32_t b = static_cast<uint32_t>(bits);
    float x;
    std::memcpy(&x, &b, sizeof x);
    xs.push_back(x);
  }
  const int64_t n = static_cast<int64_t>(xs.size());
  std::vector<float> want(xs.size()), got(xs.size());
  const k::Isa saved = k::active_isa();
  for (const Case& c : cases) {
    c.reference(xs.data(), want.data(), n);
    for (k::Isa isa : {k::Isa::scalar, k::Isa::avx2, k::Isa::avx512}) {
      if (!k::cpu_supports(isa)) continue;
      k::set_active_isa(isa);
      c.kernel(xs.data(), got.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        const bool same = std::memcmp(&got[i], &want[i], sizeof(float)) == 0 ||
                          (std::isnan(got[i]) && std::isnan(want[i]));
        if (!same) {
          ADD_FAILURE() << c.name << " on " << k::isa_name(isa) << "(" << xs[i] << ") = " << got[i]
                        << ", scalar reference " << want[i];
          break;
        }
      }
    }
  }
  k::set_active_isa(saved);
}

float apply(void (*kernel)(const float*, float*, int64_t), float x) {
  float y;
  kernel(&x, &y, 1);
  return y;
}

TEST(MathSpecialValues, Exp) {
  EXPECT_EQ(apply(k::exp, 0.0f), 1.0f);
  EXPECT_EQ(apply(k::exp, -0.0f), 1.0f);
  EXPECT_EQ(apply(k::exp, kInf), kInf);
  EXPECT_EQ(apply(k::exp, 89.0f), kInf);
  EXPECT_EQ(apply(k::exp, 1000.0f), kInf);
  EXPECT_EQ(apply(k::exp, std::numeric_limits<float>::max()), kInf);
  const float below_overflow = 88.7228f;  // exp is just under FLT_MAX
  EXPECT_TRUE(std::isfinite(apply(k::exp, below_overflow)));
  EXPECT_EQ(apply(k::exp, -kInf), 0.0f);
  EXPECT_EQ(apply(k::exp, -104.0f), 0.0f);
  EXPECT_EQ(apply(k::exp, -1000.0f), 0.0f);
  EXPECT_TRUE(std::isnan(apply(k::exp, kNaN)));
  // Subnormal results are produced (gradual underflow), not flushed.
  const float sub = apply(k::exp, -100.0f);
  EXPECT_GT(sub, 0.0f);
  EXPECT_LT(sub, std::numeric_limits<float>::min());
  EXPECT_NEAR(sub, std::exp(-100.0), std::ldexp(1.0, -149));
  EXPECT_NEAR(apply(k::exp, 1.0f), 2.71828182845904523536, 2.4e-7);  // 1 ulp
}

TEST(MathSpecialValues, Log) {
  EXPECT_EQ(apply(k::log, 1.0f), 0.0f);
  EXPECT_EQ(apply(k::log, 0.0f), -kInf);
  EXPECT_EQ(apply(k::log, -0.0f), -kInf);
  EXPECT_EQ(apply(k::log, kInf), kInf);
  EXPECT_TRUE(std::isnan(apply(k::log, -1.0f)));
  EXPECT_TRUE(std::isnan(apply(k::log, -kInf)));
  EXPECT_TRUE(std::isnan(apply(k::log, -std::numeric_limits<float>::denorm_min())));
  EXPECT_TRUE(std::isnan(apply(k::log, kNaN)));
  EXPECT_NEAR(apply(k::log, std::numeric_limits<float>::denorm_min()), -103.27893f, 1e-5);
  EXPECT_NEAR(apply(k::log, std::numeric_limits<float>::max()), 88.7228391f, 1e-5);
  EXPECT_NEAR(apply(k::log, 2.71828182845904523536f), 1.0, 6e-8);
}

TEST(MathSpecialValues, Tanh) {
  EXPECT_EQ(apply(k::tanh, kInf), 1.0f);
  EXPECT_EQ(apply(k::tanh, -kInf), -1.0f);
  EXPECT_EQ(apply(k::tanh, 9.5f), 1.0f);
  EXPECT_EQ(apply(k::tanh, -30.0f), -1.0f);
  EXPECT_TRUE(std::isnan(apply(k::tanh, kNaN)));
  EXPECT_EQ(apply(k::tanh, 0.0f), 0.0f);
  EXPECT_EQ(apply(k::tanh, -0.0f), 0.0f);  // documented: the sign of a zero is not kept
  const float tiny = 1e-30f;
  EXPECT_EQ(apply(k::tanh, tiny), tiny);
  EXPECT_EQ(apply(k::tanh, std::numeric_limits<float>::denorm_min()),
            std::numeric_limits<float>::denorm_min());
  EXPECT_EQ(apply(k::tanh, -1e-30f), -1e-30f);
  // Odd symmetry holds to within an ulp.
  for (float x = 0.001f; x < 12.0f; x *= 1.37f) {
    const float pos = apply(k::tanh, x), neg = apply(k::tanh, -x);
    EXPECT_LE(std::fabs(pos + neg), std::nextafter(pos, 2.0f) - pos) << x;
  }
}

TEST(MathSpecialValues, SigmoidAndSoftplus) {
  EXPECT_EQ(apply(k::sigmoid, kInf), 1.0f);
  EXPECT_EQ(apply(k::sigmoid, -kInf), 0.0f);
  EXPECT_EQ(apply(k::sigmoid, 200.0f), 1.0f);
  EXPECT_EQ(apply(k::sigmoid, -200.0f), 0.0f);
  EXPECT_EQ(apply(k::sigmoid, 0.0f), 0.5f);
  EXPECT_TRUE(std::isnan(apply(k::sigmoid, kNaN)));
  EXPECT_NEAR(apply(k::sigmoid, -90.0f), std::exp(-90.0), std::ldexp(1.0, -148));  // subnormal
  EXPECT_EQ(apply(k::softplus, kInf), kInf);
  EXPECT_EQ(apply(k::softplus, -kInf), 0.0f);
  EXPECT_EQ(apply(k::softplus, 100.0f), 100.0f);
  EXPECT_EQ(apply(k::softplus, 0.0f), 0.693147180559945309f);
  EXPECT_TRUE(std::isnan(apply(k::softplus, kNaN)));
  EXPECT_NEAR(apply(k::softplus, -20.0f), 2.0611536e-9f, 1e-15);  // ~exp(x), not 0
  EXPECT_GT(apply(k::softplus, -100.0f), 0.0f);
}

}  // namespace
