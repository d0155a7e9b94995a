// Tests of phantom samplers: the distribution of every sampler, bounds and clipping, the
// inclusive UniformIntSampler, determinism and fixed draw counts, array shapes, reading before
// the first sample, to_string, identity, and every ConfigError with its message.
//
// Statistical tests use fixed seeds (deterministic); their tolerances are 5 standard errors, so
// a correct sampler passes for almost any seed while a wrong mean or spread fails clearly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/sampler.hpp"

namespace {

using phantom::ConfigError;
using phantom::Sampler;
using phantom::ValueError;

constexpr int kDraws = 10000;

// The message of the exception of type E thrown by f (a test failure if none is thrown).
template <class E, class F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception thrown";
  return "";
}

struct Moments {
  double mean = 0.0, var = 0.0;
};

Moments moments(const std::vector<double>& xs) {
  Moments m;
  for (double x : xs) m.mean += x;
  m.mean /= static_cast<double>(xs.size());
  for (double x : xs) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(xs.size() - 1);
  return m;
}

// Checks the sample mean and variance of xs against a distribution with the given mean,
// variance and fourth central moment, within 5 standard errors.
void expect_moments(const std::vector<double>& xs, double mean, double var, double mu4) {
  Moments m = moments(xs);
  double n = static_cast<double>(xs.size());
  EXPECT_NEAR(m.mean, mean, 5.0 * std::sqrt(var / n));
  EXPECT_NEAR(m.var, var, 5.0 * std::sqrt((mu4 - var * var) / n));
}

std::vector<double> draw(Sampler& s, nn::Rng& rng, int n) {
  std::vector<double> xs(n);
  for (auto& x : xs) {
    s.sample(rng);
    x = s.value();
  }
  return xs;
}

// Advances `rng` by n 32-bit words.
void skip_words(nn::Rng& rng, int n) {
  for (int i = 0; i < n; ++i) rng.next_u32();
}

// True if the two generators are at the same point of the same stream.
bool same_position(const nn::Rng& a, const nn::Rng& b) {
  nn::Rng x = a, y = b;
  for (int i = 0; i < 8; ++i) {
    if (x.next_u32() != y.next_u32()) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// UniformFloatSampler

TEST(SamplerUniformFloat, MeanVarianceAndBounds) {
  phantom::UniformFloatSampler s(2.0f, 5.0f);
  nn::Rng rng(11);
  std::vector<double> xs = draw(s, rng, kDraws);
  for (double x : xs) {
    ASSERT_GE(x, 2.0);
    ASSERT_LT(x, 5.0);
  }
  double w = 3.0;  // uniform on an interval of width w: var w^2/12, mu4 w^4/80
  expect_moments(xs, 3.5, w * w / 12.0, w * w * w * w / 80.0);
}

// test_samplers.py's test_comparison_with_float: Python compared a sampler with numbers through
// its last value. Here callers read value(): it is the drawn number, in [0, 1) for the defaults,
// and it stays put until the next sample().
TEST(SamplerUniformFloat, ValueIsTheDrawnNumber) {
  phantom::UniformFloatSampler s;
  nn::Rng rng(12);
  s.sample(rng);
  float v = s.value();
  EXPECT_GE(v, 0.0f);
  EXPECT_LE(v, 1.0f);
  EXPECT_EQ(s.value(), v);
  EXPECT_NE(s.value(), v + 0.1f);
  EXPECT_EQ(s.values(), std::vector<float>{v});
  s.sample(rng);
  EXPECT_NE(s.value(), v);  // a new draw (equal only with probability ~2^-24)
}

TEST(SamplerUniformFloat, DefaultsAreUnitInterval) {
  phantom::UniformFloatSampler s;
  EXPECT_EQ(s.low(), 0.0f);
  EXPECT_EQ(s.high(), 1.0f);
  nn::Rng rng(3);
  for (int i = 0; i < 1000; ++i) {
    s.sample(rng);
    ASSERT_GE(s.value(), 0.0f);
    ASSERT_LT(s.value(), 1.0f);
  }
}

TEST(SamplerUniformFloat, LowEqualHighGivesLow) {
  phantom::UniformFloatSampler s(1.5f, 1.5f);
  nn::Rng rng(1);
  for (int i = 0; i < 10; ++i) {
    s.sample(rng);
    EXPECT_EQ(s.value(), 1.5f);
  }
}

TEST(SamplerUniformFloat, HugeBoundsDoNotOverflow) {
  // high - low overflows a float; the sampler works in double and stays within [low, high).
  phantom::UniformFloatSampler s(-3e38f, 3e38f);
  nn::Rng rng(5);
  for (int i = 0; i < 1000; ++i) {
    s.sample(rng);
    ASSERT_TRUE(std::isfinite(s.value()));
    ASSERT_GE(s.value(), -3e38f);
    ASSERT_LT(s.value(), 3e38f);
  }
}

TEST(SamplerUniformFloat, ClipBothSides) {
  phantom::UniformFloatSampler s(0.0f, 1.0f, 0.25f, 0.75f);
  nn::Rng rng(7);
  int at_low = 0, at_high = 0;
  for (int i = 0; i < kDraws; ++i) {
    s.sample(rng);
    float x = s.value();
    ASSERT_GE(x, 0.25f);
    ASSERT_LE(x, 0.75f);
    at_low += x == 0.25f;
    at_high += x == 0.75f;
  }
  // A quarter of the mass piles up on each bound: binomial(1e4, 0.25), sd ~43.
  EXPECT_NEAR(at_low, 2500, 5 * 43.3);
  EXPECT_NEAR(at_high, 2500, 5 * 43.3);
}

TEST(SamplerUniformFloat, ClipOneSided) {
  nn::Rng rng(8);
  phantom::UniformFloatSampler high_only(0.0f, 1.0f, std::nullopt, 0.5f);
  phantom::UniformFloatSampler low_only(0.0f, 1.0f, 0.5f);
  int high_hits = 0, low_hits = 0;
  float min_high_only = 1.0f, max_low_only = 0.0f;
  for (int i = 0; i < kDraws; ++i) {
    high_only.sample(rng);
    low_only.sample(rng);
    ASSERT_LE(high_only.value(), 0.5f);
    ASSERT_GE(low_only.value(), 0.5f);
    ASSERT_LT(low_only.value(), 1.0f);
    high_hits += high_only.value() == 0.5f;
    low_hits += low_only.value() == 0.5f;
    min_high_only = std::min(min_high_only, high_only.value());
    max_low_only = std::max(max_low_only, low_only.value());
  }
  EXPECT_NEAR(high_hits, 5000, 5 * 50);  // binomial(1e4, 0.5), sd 50
  EXPECT_NEAR(low_hits, 5000, 5 * 50);
  EXPECT_LT(min_high_only, 0.01f);  // the unclipped side is untouched
  EXPECT_GT(max_low_only, 0.99f);
  EXPECT_FALSE(high_only.clip().low.has_value());
  EXPECT_EQ(*high_only.clip().high, 0.5f);
}

// ---------------------------------------------------------------------------------------------
// UniformIntSampler

// test_comparison_with_int: a default UniformIntSampler gives 0 or 1. Python's always gave 0
// (numpy's randint excludes high); here high is included.
TEST(SamplerUniformInt, DefaultsGiveZeroAndOne) {
  phantom::UniformIntSampler s;
  nn::Rng rng(21);
  int ones = 0;
  for (int i = 0; i < kDraws; ++i) {
    s.sample(rng);
    ASSERT_TRUE(s.value() == 0.0f || s.value() == 1.0f) << s.value();
    ones += s.value() == 1.0f;
  }
  EXPECT_NEAR(ones, 5000, 5 * 50);
}

TEST(SamplerUniformInt, InclusiveCountsAreUniform) {
  phantom::UniformIntSampler s(-3, 2);  // six values, -3..2
  nn::Rng rng(22);
  std::map<int64_t, int> counts;
  std::vector<double> xs(kDraws);
  for (auto& x : xs) {
    s.sample(rng);
    float v = s.value();
    ASSERT_EQ(v, std::floor(v));  // an exact integer
    ASSERT_EQ(static_cast<int64_t>(v), s.int_value());
    counts[s.int_value()]++;
    x = v;
  }
  ASSERT_EQ(counts.size(), 6u);
  EXPECT_EQ(counts.begin()->first, -3);
  EXPECT_EQ(counts.rbegin()->first, 2);
  // Each count is binomial(1e4, 1/6): sd ~37.3.
  for (auto& [value, count] : counts) EXPECT_NEAR(count, kDraws / 6.0, 5 * 37.3) << value;
  // Discrete uniform on k = 6 values: var (k^2 - 1)/12, mu4 (k^2 - 1)(3k^2 - 7)/240.
  double k = 6.0;
  expect_moments(xs, -0.5, (k * k - 1) / 12.0, (k * k - 1) * (3 * k * k - 7) / 240.0);
}

TEST(SamplerUniformInt, LowEqualHighGivesThatValue) {
  nn::Rng rng(23);
  for (int64_t v : {int64_t{0}, int64_t{7}, int64_t{-4}}) {
    phantom::UniformIntSampler s(v, v);
    for (int i = 0; i < 20; ++i) {
      s.sample(rng);
      EXPECT_EQ(s.int_value(), v);
    }
  }
}

TEST(SamplerUniformInt, NegativeRange) {
  phantom::UniformIntSampler s(-10, -7);
  nn::Rng rng(24);
  std::set<int64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    s.sample(rng);
    ASSERT_GE(s.int_value(), -10);
    ASSERT_LE(s.int_value(), -7);
    seen.insert(s.int_value());
  }
  EXPECT_EQ(seen, (std::set<int64_t>{-10, -9, -8, -7}));
}

TEST(SamplerUniformInt, ExtremeBoundsAreExact) {
  const int64_t m = phantom::UniformIntSampler::kMaxAbs;
  phantom::UniformIntSampler s(-m, m);
  nn::Rng rng(25);
  for (int i = 0; i < 1000; ++i) {
    s.sample(rng);
    ASSERT_GE(s.int_value(), -m);
    ASSERT_LE(s.int_value(), m);
    ASSERT_EQ(static_cast<float>(s.int_value()), s.value());
  }
  phantom::UniformIntSampler top(m, m);
  top.sample(rng);
  EXPECT_EQ(top.int_value(), m);
}

TEST(SamplerUniformInt, Clipping) {
  nn::Rng rng(26);
  phantom::UniformIntSampler both(0, 9, 3, 6);
  phantom::UniformIntSampler low_only(0, 9, 5);
  phantom::UniformIntSampler high_only(0, 9, std::nullopt, 2);
  std::set<int64_t> seen_both, seen_low, seen_high;
  for (int i = 0; i < 2000; ++i) {
    both.sample(rng);
    low_only.sample(rng);
    high_only.sample(rng);
    seen_both.insert(both.int_value());
    seen_low.insert(low_only.int_value());
    seen_high.insert(high_only.int_value());
  }
  EXPECT_EQ(seen_both, (std::set<int64_t>{3, 4, 5, 6}));
  EXPECT_EQ(seen_low, (std::set<int64_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(seen_high, (std::set<int64_t>{0, 1, 2}));
  EXPECT_EQ(*high_only.clip_high(), 2);
  EXPECT_FALSE(high_only.clip_low().has_value());
}

// ---------------------------------------------------------------------------------------------
// NormalSampler

TEST(SamplerNormal, MeanAndVariance) {
  phantom::NormalSampler s(-1.5f, 2.0f);
  nn::Rng rng(31);
  std::vector<double> xs = draw(s, rng, kDraws);
  double var = 4.0;
  expect_moments(xs, -1.5, var, 3.0 * var * var);
}

TEST(SamplerNormal, ZeroSigmaGivesMu) {
  phantom::NormalSampler s(0.75f, 0.0f);
  nn::Rng rng(32);
  for (int i = 0; i < 10; ++i) {
    s.sample(rng);
    EXPECT_EQ(s.value(), 0.75f);
  }
}

TEST(SamplerNormal, Clipping) {
  nn::Rng rng(33);
  phantom::NormalSampler both(0.0f, 1.0f, -0.5f, 0.5f);
  phantom::NormalSampler low_only(0.0f, 1.0f, 0.0f);
  phantom::NormalSampler high_only(0.0f, 1.0f, std::nullopt, 0.0f);
  int low_hits = 0;
  float low_only_max = 0.0f, high_only_min = 0.0f;
  for (int i = 0; i < kDraws; ++i) {
    both.sample(rng);
    low_only.sample(rng);
    high_only.sample(rng);
    ASSERT_GE(both.value(), -0.5f);
    ASSERT_LE(both.value(), 0.5f);
    ASSERT_GE(low_only.value(), 0.0f);
    ASSERT_LE(high_only.value(), 0.0f);
    low_hits += low_only.value() == 0.0f;
    low_only_max = std::max(low_only_max, low_only.value());
    high_only_min = std::min(high_only_min, high_only.value());
  }
  EXPECT_NEAR(low_hits, 5000, 5 * 50);  // half the mass is below 0
  EXPECT_GT(low_only_max, 2.0f);        // the unclipped tail is untouched
  EXPECT_LT(high_only_min, -2.0f);
}

// ---------------------------------------------------------------------------------------------
// LambdaSampler

TEST(SamplerLambda, ReceivesTheCallersRng) {
  nn::Rng rng(41), twin(41);
  const nn::Rng* seen = nullptr;
  phantom::LambdaSampler s([&](nn::Rng& r) {
    seen = &r;
    return r.uniform();
  });
  for (int i = 0; i < 5; ++i) {
    s.sample(rng);
    EXPECT_EQ(seen, &rng);
    EXPECT_EQ(s.value(), twin.uniform());
  }
  EXPECT_TRUE(same_position(rng, twin));
}

// test_lambda_sampler: Python's LambdaSampler(f, 5, b_=1) becomes a capturing lambda.
TEST(SamplerLambda, CapturedArguments) {
  auto f = [](float a, float b) { return a + b; };
  auto with_b = phantom::lambda_sampler([&](nn::Rng&) { return f(5.0f, 1.0f); });
  auto without_b = phantom::lambda_sampler([&](nn::Rng&) { return f(5.0f, 0.0f); });
  nn::Rng rng(42);
  for (int i = 0; i < 2; ++i) {
    with_b->sample(rng);
    without_b->sample(rng);
    EXPECT_EQ(with_b->value(), 6.0f);
    EXPECT_EQ(without_b->value(), 5.0f);
  }
}

TEST(SamplerLambda, ThrowingFunctionKeepsThePreviousValue) {
  bool fail = false;
  phantom::LambdaSampler s([&](nn::Rng&) -> float {
    if (fail) throw std::runtime_error("boom");
    return 3.0f;
  });
  nn::Rng rng(43);
  s.sample(rng);
  fail = true;
  EXPECT_THROW(s.sample(rng), std::runtime_error);
  EXPECT_EQ(s.value(), 3.0f);

  phantom::LambdaSampler never([](nn::Rng&) -> float { throw std::runtime_error("boom"); });
  EXPECT_THROW(never.sample(rng), std::runtime_error);
  EXPECT_FALSE(never.has_value());
}

// ---------------------------------------------------------------------------------------------
// Array samplers

TEST(SamplerArray, ShapesAndFlatSize) {
  phantom::UniformArraySampler a(0.0f, 1.0f, {2, 3});
  EXPECT_EQ(a.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.flat_size(), 6u);
  nn::Rng rng(51);
  a.sample(rng);
  EXPECT_EQ(a.values().size(), 6u);
  EXPECT_EQ(error_message<ValueError>([&] { a.value(); }),
            "UniformArraySampler: value() needs a single value, but shape (2, 3) has 6; use "
            "values()");

  phantom::NormalArraySampler one(0.0f, 1.0f, {1});
  EXPECT_EQ(one.flat_size(), 1u);
  one.sample(rng);
  EXPECT_EQ(one.value(), one.values()[0]);  // a one-element array reads as a scalar too

  phantom::UniformArraySampler empty(0.0f, 1.0f, {3, 0});
  EXPECT_EQ(empty.flat_size(), 0u);
  empty.sample(rng);
  EXPECT_TRUE(empty.values().empty());

  phantom::UniformFloatSampler scalar;
  EXPECT_TRUE(scalar.shape().empty());
  EXPECT_EQ(scalar.flat_size(), 1u);
}

TEST(SamplerArray, UniformArrayDistribution) {
  phantom::UniformArraySampler s(-1.0f, 3.0f, {100, 100}, std::nullopt, std::nullopt);
  nn::Rng rng(52);
  s.sample(rng);
  std::vector<double> xs(s.values().begin(), s.values().end());
  for (double x : xs) {
    ASSERT_GE(x, -1.0);
    ASSERT_LT(x, 3.0);
  }
  double w = 4.0;
  expect_moments(xs, 1.0, w * w / 12.0, w * w * w * w / 80.0);
}

TEST(SamplerArray, NormalArrayDistribution) {
  phantom::NormalArraySampler s(2.0f, 0.5f, {10000});
  nn::Rng rng(53);
  s.sample(rng);
  std::vector<double> xs(s.values().begin(), s.values().end());
  double var = 0.25;
  expect_moments(xs, 2.0, var, 3.0 * var * var);
}

TEST(SamplerArray, Clipping) {
  nn::Rng rng(54);
  phantom::UniformArraySampler u(0.0f, 1.0f, {1000}, 0.2f, 0.8f);
  phantom::NormalArraySampler n(0.0f, 1.0f, {1000}, std::nullopt, 0.0f);
  u.sample(rng);
  n.sample(rng);
  for (float x : u.values()) {
    ASSERT_GE(x, 0.2f);
    ASSERT_LE(x, 0.8f);
  }
  for (float x : n.values()) ASSERT_LE(x, 0.0f);
}

TEST(SamplerArray, ElementsMatchScalarDrawsInRowMajorOrder) {
  // Element i of an array draw is the i-th scalar draw from the same stream.
  nn::Rng a(55), b(55);
  phantom::UniformArraySampler arr(0.0f, 2.0f, {2, 2});
  phantom::UniformFloatSampler one(0.0f, 2.0f);
  arr.sample(a);
  for (int i = 0; i < 4; ++i) {
    one.sample(b);
    EXPECT_EQ(arr.values()[i], one.value());
  }
  nn::Rng c(56), d(56);
  phantom::NormalArraySampler narr(1.0f, 3.0f, {3});
  phantom::NormalSampler nor(1.0f, 3.0f);
  narr.sample(c);
  for (int i = 0; i < 3; ++i) {
    nor.sample(d);
    EXPECT_EQ(narr.values()[i], nor.value());
  }
}

// ---------------------------------------------------------------------------------------------
// Determinism and draw counts

TEST(SamplerDeterminism, SameRngStateGivesSameValues) {
  std::vector<std::shared_ptr<Sampler>> first = {
      phantom::uniform(0.0f, 1.0f),
      phantom::uniform_int(-5, 5),
      phantom::normal(0.0f, 1.0f),
      phantom::uniform_array(0.0f, 1.0f, {3}),
      phantom::normal_array(0.0f, 1.0f, {2, 2}),
      phantom::lambda_sampler([](nn::Rng& r) { return r.normal(); })};
  std::vector<std::shared_ptr<Sampler>> second = {
      phantom::uniform(0.0f, 1.0f),
      phantom::uniform_int(-5, 5),
      phantom::normal(0.0f, 1.0f),
      phantom::uniform_array(0.0f, 1.0f, {3}),
      phantom::normal_array(0.0f, 1.0f, {2, 2}),
      phantom::lambda_sampler([](nn::Rng& r) { return r.normal(); })};
  nn::Rng a(61, 3), b(61, 3);
  for (int round = 0; round < 20; ++round) {
    for (std::size_t i = 0; i < first.size(); ++i) {
      first[i]->sample(a);
      second[i]->sample(b);
      EXPECT_EQ(first[i]->values(), second[i]->values()) << first[i]->kind();
    }
  }
  // A different seed gives different values.
  nn::Rng c(62, 3);
  auto other = phantom::uniform(0.0f, 1.0f);
  other->sample(c);
  first[0]->sample(a);
  EXPECT_NE(other->value(), first[0]->value());
}

TEST(SamplerDeterminism, FixedDrawCounts) {
  // Each sample() takes a fixed number of words from the stream: after it, the Rng is exactly
  // where a twin Rng is after skipping that many words.
  struct Case {
    std::shared_ptr<Sampler> sampler;
    int words;
  };
  const int64_t m = phantom::UniformIntSampler::kMaxAbs;
  std::vector<Case> cases = {
      {phantom::uniform(0.0f, 1.0f), 1},
      {phantom::uniform(2.0f, 2.0f), 1},
      {phantom::uniform(0.0f, 1.0f, 0.4f, 0.6f), 1},
      {phantom::uniform_int(0, 1), 2},
      {phantom::uniform_int(3, 3), 2},
      // 2^25 + 1 values: about 0.8% of raw draws are rejected, which must not show outside.
      {phantom::uniform_int(-m, m), 2},
      {phantom::normal(0.0f, 1.0f), 4},
      {phantom::normal(1.0f, 0.0f), 4},
      {phantom::uniform_array(0.0f, 1.0f, {2, 3}), 6},
      {phantom::normal_array(0.0f, 1.0f, {5}), 20},
      {phantom::lambda_sampler([](nn::Rng& r) { return r.uniform() + r.uniform(); }), 2},
  };
  for (const Case& c : cases) {
    nn::Rng rng(71), twin(71);
    for (int i = 0; i < 2000; ++i) {
      c.sampler->sample(rng);
      skip_words(twin, c.words);
    }
    EXPECT_TRUE(same_position(rng, twin)) << c.sampler->to_string();
  }
}

TEST(SamplerDeterminism, LockstepAcrossParameters) {
  // Two UniformIntSamplers with very different ranges, fed from twin Rngs, stay in lockstep,
  // so a sampler's parameters never shift the values of the samplers drawn after it.
  const int64_t m = phantom::UniformIntSampler::kMaxAbs;
  phantom::UniformIntSampler narrow(0, 1), wide(-m, m);
  nn::Rng a(72), b(72);
  for (int i = 0; i < 5000; ++i) {
    narrow.sample(a);
    wide.sample(b);
  }
  EXPECT_TRUE(same_position(a, b));
  phantom::UniformFloatSampler after_a, after_b;
  after_a.sample(a);
  after_b.sample(b);
  EXPECT_EQ(after_a.value(), after_b.value());
}

// ---------------------------------------------------------------------------------------------
// Values, identity, to_string

TEST(SamplerValue, ReadBeforeSampleThrows) {
  std::vector<std::shared_ptr<Sampler>> all = {
      phantom::uniform(0.0f, 1.0f),
      phantom::uniform_int(0, 1),
      phantom::normal(0.0f, 1.0f),
      phantom::lambda_sampler([](nn::Rng&) { return 1.0f; }),
      phantom::uniform_array(0.0f, 1.0f, {2}),
      phantom::normal_array(0.0f, 1.0f, {1})};
  nn::Rng rng(81);
  for (auto& s : all) {
    EXPECT_FALSE(s->has_value());
    std::string expected = std::string(s->kind()) +
                           ": value read before the first sample(); the env samples its managed "
                           "samplers at reset, or call sample(rng)";
    EXPECT_EQ(error_message<ValueError>([&] { s->values(); }), expected);
    if (s->flat_size() == 1) {
      EXPECT_EQ(error_message<ValueError>([&] { s->value(); }), expected);
    }
    s->sample(rng);
    EXPECT_TRUE(s->has_value());
    EXPECT_NO_THROW(s->values());
  }
  phantom::UniformIntSampler i;
  EXPECT_THROW(i.int_value(), ValueError);
}

TEST(SamplerValue, IdentityIsThePointer) {
  auto a = phantom::uniform(0.0f, 1.0f);
  auto b = phantom::uniform(0.0f, 1.0f);
  std::shared_ptr<Sampler> a_again = a;
  std::set<std::shared_ptr<Sampler>> unique = {a, b, a_again};
  EXPECT_EQ(unique.size(), 2u);  // the env collects unique samplers this way
  nn::Rng rng(82);
  a->sample(rng);
  EXPECT_EQ(a_again->value(), a->value());  // one sampler, one value
  EXPECT_FALSE(b->has_value());
}

// test_comparison_with_sampler: two samplers holding the same value are still two samplers
// (Python compared samplers by identity).
TEST(SamplerValue, EqualValuesAreStillDistinctSamplers) {
  std::shared_ptr<Sampler> s1 = phantom::uniform(0.5f, 0.5f);
  std::shared_ptr<Sampler> s2 = phantom::uniform(0.5f, 0.5f);
  nn::Rng rng(84);
  s1->sample(rng);
  s2->sample(rng);
  EXPECT_EQ(s1->value(), s2->value());
  EXPECT_NE(s1, s2);
  EXPECT_EQ(std::set<std::shared_ptr<Sampler>>({s1, s2}).size(), 2u);
}

// test_iterable: looking a sampler up in a list finds it by identity, not by value.
TEST(SamplerValue, LookupIsByIdentity) {
  nn::Rng rng(85);
  std::vector<std::shared_ptr<Sampler>> samplers;
  for (int i = 0; i < 3; ++i) {
    samplers.push_back(phantom::uniform(0.5f, 0.5f));
    samplers.back()->sample(rng);
  }
  std::vector<std::shared_ptr<Sampler>> first_two(samplers.begin(), samplers.begin() + 2);
  EXPECT_EQ(std::find(first_two.begin(), first_two.end(), samplers[2]), first_two.end());
  EXPECT_NE(std::find(first_two.begin(), first_two.end(), samplers[1]), first_two.end());
}

TEST(SamplerValue, ToString) {
  nn::Rng rng(83);
  phantom::UniformFloatSampler u(0.0f, 1.0f);
  EXPECT_EQ(u.to_string(), "<UniformFloatSampler low=0 high=1 value=none>");
  phantom::UniformFloatSampler clipped(0.0f, 2.5f, std::nullopt, 0.1f);
  EXPECT_EQ(clipped.to_string(), "<UniformFloatSampler low=0 high=2.5 clip_high=0.1 value=none>");
  phantom::UniformFloatSampler fixed(0.25f, 0.25f);
  fixed.sample(rng);
  EXPECT_EQ(fixed.to_string(), "<UniformFloatSampler low=0.25 high=0.25 value=0.25>");

  phantom::UniformIntSampler i(-2, 2, -1);
  EXPECT_EQ(i.to_string(), "<UniformIntSampler low=-2 high=2 clip_low=-1 value=none>");
  phantom::UniformIntSampler seven(7, 7);
  seven.sample(rng);
  EXPECT_EQ(seven.to_string(), "<UniformIntSampler low=7 high=7 value=7>");

  phantom::NormalSampler n(1.0f, 0.0f, -3.0f, 3.0f);
  n.sample(rng);
  EXPECT_EQ(n.to_string(), "<NormalSampler mu=1 sigma=0 clip_low=-3 clip_high=3 value=1>");

  phantom::LambdaSampler l([](nn::Rng&) { return 6.0f; });
  EXPECT_EQ(l.to_string(), "<LambdaSampler value=none>");
  l.sample(rng);
  EXPECT_EQ(l.to_string(), "<LambdaSampler value=6>");

  EXPECT_EQ(phantom::UniformArraySampler(0.0f, 1.0f, {2, 3}).to_string(),
            "<UniformArraySampler low=0 high=1 shape=(2, 3)>");
  EXPECT_EQ(phantom::NormalArraySampler(0.0f, 0.5f, {4}, 0.0f).to_string(),
            "<NormalArraySampler mu=0 sigma=0.5 shape=(4,) clip_low=0>");
}

// ---------------------------------------------------------------------------------------------
// Configuration errors

// test_asserts: low > high is rejected by the Float, Int and Array samplers (Python asserted).
TEST(SamplerConfig, LowGreaterThanHigh) {
  EXPECT_EQ(error_message<ConfigError>([] { phantom::UniformFloatSampler(2.0f, 1.0f); }),
            "UniformFloatSampler: low = 2 is greater than high = 1");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::UniformIntSampler(3, 2); }),
            "UniformIntSampler: low = 3 is greater than high = 2 (the range [low, high] "
            "includes high)");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::UniformArraySampler(1.5f, 0.5f, {2}); }),
            "UniformArraySampler: low = 1.5 is greater than high = 0.5");
  EXPECT_THROW(phantom::uniform(1.0f, 0.0f), ConfigError);
  EXPECT_THROW(phantom::uniform_int(1, 0), ConfigError);
}

TEST(SamplerConfig, NonFiniteParameters) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UniformFloatSampler(0.0f, inf); }),
            "UniformFloatSampler: high = inf, expected a finite number");
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UniformArraySampler(nan, 1.0f, {1}); }),
            "UniformArraySampler: low = nan, expected a finite number");
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::NormalSampler(nan, 1.0f); }),
            "NormalSampler: mu = nan, expected a finite number");
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::NormalArraySampler(0.0f, inf, {1}); }),
            "NormalArraySampler: sigma = inf, expected a finite number");
}

TEST(SamplerConfig, NegativeSigma) {
  EXPECT_EQ(error_message<ConfigError>([] { phantom::NormalSampler(0.0f, -1.0f); }),
            "NormalSampler: sigma = -1, expected sigma >= 0");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::NormalArraySampler(0.0f, -0.5f, {2}); }),
            "NormalArraySampler: sigma = -0.5, expected sigma >= 0");
  EXPECT_THROW(phantom::normal(0.0f, -1.0f), ConfigError);
}

TEST(SamplerConfig, BadClips) {
  EXPECT_EQ(
      error_message<ConfigError>([] { phantom::UniformFloatSampler(0.0f, 1.0f, 0.6f, 0.4f); }),
      "UniformFloatSampler: clip_low = 0.6 is greater than clip_high = 0.4");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::NormalSampler(0.0f, 1.0f, 1.0f, -1.0f); }),
            "NormalSampler: clip_low = 1 is greater than clip_high = -1");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::UniformIntSampler(0, 9, 5, 4); }),
            "UniformIntSampler: clip_low = 5 is greater than clip_high = 4");
  EXPECT_EQ(error_message<ConfigError>([] {
              phantom::UniformArraySampler(0.0f, 1.0f, {1}, std::nullopt,
                                           std::numeric_limits<float>::quiet_NaN());
            }),
            "UniformArraySampler: a clip bound is NaN");
  // Equal or infinite clip bounds are fine.
  EXPECT_NO_THROW(phantom::UniformFloatSampler(0.0f, 1.0f, 0.5f, 0.5f));
  EXPECT_NO_THROW(phantom::NormalSampler(0.0f, 1.0f, -std::numeric_limits<float>::infinity()));
}

TEST(SamplerConfig, IntBoundsOutsideFloatExactRange) {
  const int64_t m = phantom::UniformIntSampler::kMaxAbs;
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UniformIntSampler(0, m + 1); }),
            "UniformIntSampler: high = 16777217 is outside [-2^24, 2^24], the integers a float "
            "holds exactly");
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UniformIntSampler(-m - 1, 0); }),
            "UniformIntSampler: low = -16777217 is outside [-2^24, 2^24], the integers a float "
            "holds exactly");
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UniformIntSampler(0, 1, INT64_MIN); }),
            "UniformIntSampler: clip_low = -9223372036854775808 is outside [-2^24, 2^24], the "
            "integers a float holds exactly");
}

TEST(SamplerConfig, BadShapeAndEmptyFunction) {
  EXPECT_EQ(error_message<ConfigError>([] {
              phantom::UniformArraySampler(0.0f, 1.0f, {2, -1});
            }),
            "UniformArraySampler: shape (2, -1) has a negative dimension");
  EXPECT_EQ(error_message<ConfigError>([] {
              phantom::NormalArraySampler(0.0f, 1.0f, {INT64_MAX, 4});
            }),
            "NormalArraySampler: shape (9223372036854775807, 4) is too large");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::LambdaSampler(nullptr); }),
            "LambdaSampler: the function is empty");
}

}  // namespace
