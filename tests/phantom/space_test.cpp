// Tests of the Space family: flat layout, membership, sampling (rules, determinism and a fixed
// number of random words per space), equality, formatting, Dict keys and every ConfigError.
//
// Statistical checks use fixed seeds, so they are deterministic; their tolerances are ~5 standard
// errors, so a correct sampler passes for any seed while a wrong rule fails clearly.
#include "phantom/space.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "nn/rng.hpp"

namespace {

using nn::Rng;
using phantom::ConfigError;
using phantom::Kind;
using phantom::Space;
using phantom::SpacePtr;
using phantom::ValueError;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Expects `fn` to throw E with every one of `parts` in its message.
template <class E, class Fn>
void expect_throw_with(Fn fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected an exception mentioning '" << parts[0] << "'";
  } catch (const E& e) {
    std::string msg = e.what();
    for (const std::string& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' is missing from: " << msg;
  }
}

// Expects sampling `space` to draw exactly `words` 32-bit words, whatever the seed: after one
// sample, a generator advanced by hand by `words` words is in the same state.
void expect_words(const Space& space, uint64_t words) {
  for (uint64_t seed : {1u, 2u, 3u, 99u}) {
    Rng sampled(seed), by_hand(seed);
    std::vector<float> v(static_cast<size_t>(space.flat_size()));
    space.sample(sampled, v.data());
    for (uint64_t i = 0; i < words; ++i) by_hand.next_u32();
    EXPECT_EQ(sampled.state().block, by_hand.state().block) << space.to_string();
    EXPECT_EQ(sampled.state().used, by_hand.state().used) << space.to_string();
    EXPECT_EQ(sampled.next_u32(), by_hand.next_u32()) << space.to_string();
  }
}

// Expects `n` samples to all be contained, and two generators with the same seed to give the
// same samples.
void expect_samples_contained(const Space& space, int n, uint64_t seed = 7) {
  Rng a(seed), b(seed);
  std::vector<float> va(static_cast<size_t>(space.flat_size()));
  std::vector<float> vb(va.size());
  for (int i = 0; i < n; ++i) {
    space.sample(a, va.data());
    space.sample(b, vb.data());
    ASSERT_TRUE(space.contains(va)) << space.to_string() << " " << space.value_to_string(va.data());
    // Compared bitwise-equal as floats (samples are never NaN).
    ASSERT_EQ(va, vb) << space.to_string();
  }
}

// Mean and variance of element `at` of `n` samples.
void sample_moments(const Space& space, int n, size_t at, double& mean, double& var,
                    uint64_t seed = 11) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(space.flat_size()));
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; ++i) {
    space.sample(rng, v.data());
    sum += v[at];
    sum2 += static_cast<double>(v[at]) * v[at];
  }
  mean = sum / n;
  var = sum2 / n - mean * mean;
}

// Upper critical value of the chi-square distribution with `df` degrees of freedom at z = 5
// standard deviations, by the Wilson-Hilferty approximation.
double chi_square_critical(int df) {
  double k = df, z = 5.0;
  double t = 1.0 - 2.0 / (9.0 * k) + z * std::sqrt(2.0 / (9.0 * k));
  return k * t * t * t;
}

// Chi-square statistic of counts against equal expected counts.
double chi_square_uniform(const std::vector<int64_t>& counts) {
  double total = 0.0;
  for (int64_t c : counts) total += static_cast<double>(c);
  double expected = total / static_cast<double>(counts.size());
  double chi2 = 0.0;
  for (int64_t c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

// ---------------------------------------------------------------------------------------------
// Discrete
// ---------------------------------------------------------------------------------------------

TEST(SpaceDiscrete, FlatSizeKindAndGetters) {
  SpacePtr s = phantom::discrete(3);
  EXPECT_EQ(s->kind(), Kind::discrete);
  EXPECT_EQ(s->flat_size(), 1);
  EXPECT_EQ(s->as_discrete().n(), 3);
  EXPECT_EQ(s->as_discrete().start(), 0);
  EXPECT_EQ(phantom::discrete(4, -2)->as_discrete().start(), -2);
}

TEST(SpaceDiscrete, ContainsExactIntegersInRange) {
  SpacePtr s = phantom::discrete(3);
  EXPECT_TRUE(s->contains(std::vector<float>{0}));
  EXPECT_TRUE(s->contains(std::vector<float>{2}));
  EXPECT_FALSE(s->contains(std::vector<float>{3}));
  EXPECT_FALSE(s->contains(std::vector<float>{-1}));
  EXPECT_FALSE(s->contains(std::vector<float>{0.5f}));
  EXPECT_FALSE(s->contains(std::vector<float>{1.0f + 1e-6f}));
  EXPECT_FALSE(s->contains(std::vector<float>{kNaN}));
  EXPECT_FALSE(s->contains(std::vector<float>{kInf}));
  EXPECT_FALSE(s->contains(std::vector<float>{-kInf}));
  // Wrong sizes are never contained.
  EXPECT_FALSE(s->contains(std::vector<float>{}));
  EXPECT_FALSE(s->contains(std::vector<float>{0, 0}));
  // The pointer form reads exactly flat_size() floats.
  const float v[] = {1.0f, 99.0f};
  EXPECT_TRUE(s->contains(v));
}

TEST(SpaceDiscrete, StartShiftsTheRange) {
  SpacePtr s = phantom::discrete(3, 1);
  EXPECT_FALSE(s->contains(std::vector<float>{0}));
  EXPECT_TRUE(s->contains(std::vector<float>{1}));
  EXPECT_TRUE(s->contains(std::vector<float>{3}));
  EXPECT_FALSE(s->contains(std::vector<float>{4}));
  SpacePtr neg = phantom::discrete(2, -5);
  EXPECT_TRUE(neg->contains(std::vector<float>{-5}));
  EXPECT_TRUE(neg->contains(std::vector<float>{-4}));
  EXPECT_FALSE(neg->contains(std::vector<float>{-3}));
  // Samples cover exactly start .. start + n - 1.
  Rng rng(3);
  std::vector<int> seen(3, 0);
  for (int i = 0; i < 300; ++i) {
    float x = s->sample(rng)[0];
    ASSERT_TRUE(x >= 1 && x <= 3) << x;
    seen[static_cast<int>(x) - 1]++;
  }
  for (int c : seen) EXPECT_GT(c, 0);
}

TEST(SpaceDiscrete, SamplesAreContainedDeterministicAndUniform) {
  SpacePtr s = phantom::discrete(5, -2);
  expect_samples_contained(*s, 2000);
  Rng rng(5);
  std::vector<int64_t> counts(5, 0);
  const int n = 50000;
  for (int i = 0; i < n; ++i) counts[static_cast<size_t>(s->sample(rng)[0] + 2)]++;
  EXPECT_LT(chi_square_uniform(counts), chi_square_critical(4));
}

TEST(SpaceDiscrete, SampleIsMultiplyShiftOfTwoWords) {
  // The documented rule: start + floor(x * n / 2^64) for the next 64-bit word pair x. Checked
  // against 128-bit arithmetic for a few n, including one that is not a power of two and large.
  __extension__ typedef unsigned __int128 u128;
  for (int64_t n : {1, 2, 3, 7, 1000, 16777216}) {
    SpacePtr s = phantom::discrete(n, -10);
    Rng sampled(42), by_hand(42);
    for (int i = 0; i < 100; ++i) {
      float got = s->sample(sampled)[0];
      uint64_t x = by_hand.next_u64();
      auto want = static_cast<int64_t>((static_cast<u128>(x) * static_cast<u128>(n)) >> 64);
      ASSERT_EQ(got, static_cast<float>(-10 + want)) << "n = " << n;
    }
  }
}

TEST(SpaceDiscrete, DrawsTwoWords) {
  expect_words(*phantom::discrete(1), 2);
  expect_words(*phantom::discrete(7, 3), 2);
}

TEST(SpaceDiscrete, ReadAndWrite) {
  SpacePtr s = phantom::discrete(4, 2);  // keep the space alive while `d` refers to it
  const auto& d = s->as_discrete();
  float v = 0.0f;
  d.write(5, &v);
  EXPECT_EQ(v, 5.0f);
  EXPECT_EQ(d.read(&v), 5);
  expect_throw_with<ValueError>([&] { d.write(6, &v); },
                                {"Discrete::write", "6", "Discrete(4, start=2)"});
  expect_throw_with<ValueError>([&] { d.write(1, &v); }, {"1"});
  expect_throw_with<ValueError>([&] { d.write(INT64_MAX, &v); }, {"9223372036854775807"});
  expect_throw_with<ValueError>([&] { d.write(INT64_MIN, &v); }, {"-9223372036854775808"});
  EXPECT_EQ(v, 5.0f);  // untouched by the failed writes
  float bad = 2.5f;
  expect_throw_with<ValueError>([&] { d.read(&bad); }, {"Discrete::read", "2.5"});
}

TEST(SpaceDiscrete, LargestExactRangeIsAllowed) {
  const int64_t m = phantom::kMaxExactFloatInt;
  SpacePtr s = phantom::discrete(2 * m + 1, -m);  // every integer a float holds exactly
  EXPECT_TRUE(s->contains(std::vector<float>{static_cast<float>(m)}));
  EXPECT_TRUE(s->contains(std::vector<float>{static_cast<float>(-m)}));
  expect_samples_contained(*s, 200);
}

// ---------------------------------------------------------------------------------------------
// Box
// ---------------------------------------------------------------------------------------------

TEST(SpaceBox, FlatSizeIsElementCount) {
  EXPECT_EQ(phantom::box(0, 1, {3})->flat_size(), 3);
  EXPECT_EQ(phantom::box(0, 1, {2, 3})->flat_size(), 6);
  EXPECT_EQ(phantom::box(0, 1, {2, 1, 3, 2})->flat_size(), 12);
  EXPECT_EQ(phantom::box(0, 1, {})->flat_size(), 1);  // a scalar
  EXPECT_EQ(phantom::box(-kInf, kInf, {0})->flat_size(), 0);
  EXPECT_EQ(phantom::box(0, 1, {4, 0})->flat_size(), 0);
  SpacePtr s = phantom::box({0, -1}, {1, kInf}, {2});
  const auto& b = s->as_box();
  EXPECT_EQ(b.kind(), Kind::box);
  EXPECT_EQ(b.low(), (std::vector<float>{0, -1}));
  EXPECT_EQ(b.high(), (std::vector<float>{1, kInf}));
  EXPECT_EQ(b.shape(), (std::vector<int64_t>{2}));
  EXPECT_EQ(phantom::box(2, 3, {2})->as_box().low(), (std::vector<float>{2, 2}));
}

TEST(SpaceBox, ContainsIsClosedAndRejectsNaN) {
  SpacePtr s = phantom::box({0, -1}, {1, 1}, {2});
  EXPECT_TRUE(s->contains(std::vector<float>{0, -1}));  // both ends are inside
  EXPECT_TRUE(s->contains(std::vector<float>{1, 1}));
  EXPECT_TRUE(s->contains(std::vector<float>{0.5f, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{-1e-7f, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{0.5f, 1.0001f}));
  EXPECT_FALSE(s->contains(std::vector<float>{kNaN, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{0.5f, kNaN}));
  EXPECT_FALSE(s->contains(std::vector<float>{0.5f}));
  EXPECT_FALSE(s->contains(std::vector<float>{0.5f, 0, 0}));
  SpacePtr open = phantom::box(-kInf, kInf, {2});
  EXPECT_TRUE(open->contains(std::vector<float>{kInf, -kInf}));
  EXPECT_TRUE(open->contains(std::vector<float>{-3e38f, 1e-30f}));
  EXPECT_FALSE(open->contains(std::vector<float>{kNaN, 0}));
  SpacePtr empty = phantom::box(-kInf, kInf, {0});
  EXPECT_TRUE(empty->contains(std::vector<float>{}));
  EXPECT_FALSE(empty->contains(std::vector<float>{0}));
}

TEST(SpaceBox, BoundedSamplesAreUniform) {
  SpacePtr s = phantom::box(-2, 3, {2});
  expect_samples_contained(*s, 2000);
  double mean = 0, var = 0;
  const int n = 40000;
  sample_moments(*s, n, 1, mean, var);
  // Uniform on [-2, 3]: mean 0.5, variance 25 / 12.
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(25.0 / 12.0 / n));
  EXPECT_NEAR(var, 25.0 / 12.0, 0.05);
}

TEST(SpaceBox, DegenerateBoundsGiveTheBound) {
  SpacePtr s = phantom::box(1.5f, 1.5f, {3});
  Rng rng(1);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(s->sample(rng), (std::vector<float>{1.5f, 1.5f, 1.5f}));
  expect_words(*s, 3);
}

TEST(SpaceBox, BoundedBelowIsLowPlusExponential) {
  SpacePtr s = phantom::box(1, kInf, {1});
  expect_samples_contained(*s, 2000);
  double mean = 0, var = 0;
  const int n = 40000;
  sample_moments(*s, n, 0, mean, var);
  // Exp(1): mean 1, variance 1.
  EXPECT_NEAR(mean, 2.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 0.1);
  Rng rng(4);
  for (int i = 0; i < 2000; ++i) ASSERT_GE(s->sample(rng)[0], 1.0f);
}

TEST(SpaceBox, BoundedAboveIsHighMinusExponential) {
  SpacePtr s = phantom::box(-kInf, -1, {1});
  expect_samples_contained(*s, 2000);
  double mean = 0, var = 0;
  const int n = 40000;
  sample_moments(*s, n, 0, mean, var);
  EXPECT_NEAR(mean, -2.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 0.1);
  Rng rng(4);
  for (int i = 0; i < 2000; ++i) ASSERT_LE(s->sample(rng)[0], -1.0f);
}

TEST(SpaceBox, UnboundedIsStandardNormal) {
  SpacePtr s = phantom::box(-kInf, kInf, {1});
  expect_samples_contained(*s, 2000);
  double mean = 0, var = 0;
  const int n = 40000;
  sample_moments(*s, n, 0, mean, var);
  EXPECT_NEAR(mean, 0.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 0.05);
  // Some samples fall below zero, unlike the one-sided rules.
  Rng rng(2);
  int negative = 0;
  for (int i = 0; i < 100; ++i) negative += s->sample(rng)[0] < 0.0f;
  EXPECT_GT(negative, 20);
}

TEST(SpaceBox, MixedBoundsDrawAFixedNumberOfWords) {
  // Per element: both bounds 1 word, one bound 2 words (Exp(1)), none 4 words (normal).
  SpacePtr s = phantom::box({0, 1, -kInf, -kInf}, {1, kInf, 5, kInf}, {4});
  expect_words(*s, 1 + 2 + 2 + 4);
  expect_samples_contained(*s, 2000);
  expect_words(*phantom::box(0, 1, {2, 3}), 6);
  expect_words(*phantom::box(-kInf, kInf, {3}), 12);
  expect_words(*phantom::box(0, kInf, {3}), 6);
  expect_words(*phantom::box(-kInf, kInf, {0}), 0);
}

TEST(SpaceBox, ExtremeBoundsStayFiniteAndContained) {
  const float big = std::numeric_limits<float>::max();
  expect_samples_contained(*phantom::box(-big, big, {4}), 500);  // hi - lo overflows in float
  expect_samples_contained(*phantom::box(big, kInf, {4}), 500);  // low + Exp(1) rounds to big
  expect_samples_contained(*phantom::box(-kInf, -big, {4}), 500);
  Rng rng(1);
  for (int i = 0; i < 100; ++i) {
    for (float x : phantom::box(-big, big, {4})->sample(rng)) ASSERT_TRUE(std::isfinite(x));
  }
}

TEST(SpaceBox, ShapeIsRowMajorUpToRankFour) {
  SpacePtr s = phantom::box(0, 1, {2, 1, 2, 1});
  EXPECT_EQ(s->as_box().shape(), (std::vector<int64_t>{2, 1, 2, 1}));
  std::vector<float> v = {1, 2, 3, 4};
  EXPECT_EQ(phantom::box(0, 9, {2, 2})->value_to_string(v.data()), "[[1, 2], [3, 4]]");
  EXPECT_EQ(phantom::box(0, 9, {2, 1, 2})->value_to_string(v.data()), "[[[1, 2]], [[3, 4]]]");
}

// ---------------------------------------------------------------------------------------------
// MultiDiscrete
// ---------------------------------------------------------------------------------------------

TEST(SpaceMultiDiscrete, FlatSizeAndContains) {
  SpacePtr s = phantom::multi_discrete({3, 4});
  EXPECT_EQ(s->kind(), Kind::multi_discrete);
  EXPECT_EQ(s->flat_size(), 2);
  EXPECT_EQ(s->as_multi_discrete().nvec(), (std::vector<int64_t>{3, 4}));
  EXPECT_TRUE(s->contains(std::vector<float>{0, 0}));
  EXPECT_TRUE(s->contains(std::vector<float>{2, 3}));
  EXPECT_FALSE(s->contains(std::vector<float>{3, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{0, 4}));
  EXPECT_FALSE(s->contains(std::vector<float>{-1, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{0.5f, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{0, kNaN}));
  EXPECT_FALSE(s->contains(std::vector<float>{0, kInf}));
  EXPECT_FALSE(s->contains(std::vector<float>{0}));
  EXPECT_FALSE(s->contains(std::vector<float>{0, 0, 0}));
}

TEST(SpaceMultiDiscrete, SamplesCoverEveryValueAndDrawTwoWordsEach) {
  SpacePtr s = phantom::multi_discrete({3, 1, 5});
  expect_samples_contained(*s, 2000);
  expect_words(*s, 6);
  Rng rng(8);
  std::vector<int64_t> counts(5, 0);
  for (int i = 0; i < 20000; ++i) {
    std::vector<float> v = s->sample(rng);
    ASSERT_EQ(v[1], 0.0f);
    counts[static_cast<size_t>(v[2])]++;
  }
  EXPECT_LT(chi_square_uniform(counts), chi_square_critical(4));
}

// ---------------------------------------------------------------------------------------------
// MultiBinary
// ---------------------------------------------------------------------------------------------

TEST(SpaceMultiBinary, FlatSizeAndContains) {
  SpacePtr s = phantom::multi_binary(3);
  EXPECT_EQ(s->kind(), Kind::multi_binary);
  EXPECT_EQ(s->flat_size(), 3);
  EXPECT_EQ(s->as_multi_binary().n(), 3);
  EXPECT_TRUE(s->contains(std::vector<float>{0, 1, 1}));
  EXPECT_TRUE(s->contains(std::vector<float>{-0.0f, 0, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{0, 2, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{0, 0.5f, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{-1, 0, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{kNaN, 0, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{0, 1}));
}

TEST(SpaceMultiBinary, SamplesAreFairBitsOneWordEach) {
  SpacePtr s = phantom::multi_binary(4);
  expect_samples_contained(*s, 2000);
  expect_words(*s, 4);
  double mean = 0, var = 0;
  const int n = 40000;
  sample_moments(*s, n, 2, mean, var);
  EXPECT_NEAR(mean, 0.5, 5 * 0.5 / std::sqrt(n));
}

// ---------------------------------------------------------------------------------------------
// Tuple and Dict
// ---------------------------------------------------------------------------------------------

TEST(SpaceTuple, LayoutIsChildrenConcatenated) {
  SpacePtr s = phantom::tuple_space({phantom::discrete(3), phantom::box(0, 1, {2})});
  EXPECT_EQ(s->kind(), Kind::tuple);
  EXPECT_EQ(s->flat_size(), 3);
  const auto& t = s->as_tuple();
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.offset_of(0), 0);
  EXPECT_EQ(t.offset_of(1), 1);
  EXPECT_EQ(t.child(1), *phantom::box(0, 1, {2}));
  EXPECT_TRUE(s->contains(std::vector<float>{2, 0.5f, 1}));
  EXPECT_FALSE(s->contains(std::vector<float>{3, 0.5f, 1}));
  EXPECT_FALSE(s->contains(std::vector<float>{2, 0.5f, 1.5f}));
  EXPECT_FALSE(s->contains(std::vector<float>{2, 0.5f}));
  expect_throw_with<ValueError>([&] { t.child(2); }, {"Tuple::child", "2"});
  expect_throw_with<ValueError>([&] { t.offset_of(5); }, {"Tuple::offset_of", "5"});
}

TEST(SpaceTuple, SamplesChildrenInOrderFromOneStream) {
  SpacePtr a = phantom::discrete(3), b = phantom::box(-kInf, kInf, {2}),
           c = phantom::multi_binary(2);
  SpacePtr s = phantom::tuple_space({a, b, c});
  Rng r1(21), r2(21);
  for (int i = 0; i < 50; ++i) {
    std::vector<float> whole = s->sample(r1);
    std::vector<float> parts = a->sample(r2);
    for (const SpacePtr& child : {b, c}) {
      std::vector<float> p = child->sample(r2);
      parts.insert(parts.end(), p.begin(), p.end());
    }
    ASSERT_EQ(whole, parts);
  }
  expect_words(*s, 2 + 8 + 2);
  expect_samples_contained(*s, 1000);
}

TEST(SpaceTuple, NestedAndEmpty) {
  SpacePtr inner = phantom::tuple_space({phantom::discrete(2), phantom::multi_discrete({2, 2})});
  SpacePtr s = phantom::tuple_space({inner, phantom::box(0, 1, {2, 2}), inner});
  EXPECT_EQ(s->flat_size(), 3 + 4 + 3);
  EXPECT_EQ(s->as_tuple().offset_of(2), 7);
  expect_samples_contained(*s, 1000);
  expect_words(*s, 6 + 4 + 6);
  SpacePtr empty = phantom::tuple_space({});
  EXPECT_EQ(empty->flat_size(), 0);
  EXPECT_TRUE(empty->contains(std::vector<float>{}));
  EXPECT_EQ(empty->to_string(), "Tuple()");
  EXPECT_EQ(empty->value_to_string(nullptr), "()");
}

TEST(SpaceDict, KeepsInsertionOrderAndOffsets) {
  SpacePtr s = phantom::dict_space({{"b", phantom::discrete(2)},
                                    {"a", phantom::box(5, 6, {2})},
                                    {"c", phantom::multi_binary(3)}});
  EXPECT_EQ(s->kind(), Kind::dict);
  EXPECT_EQ(s->flat_size(), 6);
  const auto& d = s->as_dict();
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.offset_of("b"), 0);
  EXPECT_EQ(d.offset_of("a"), 1);
  EXPECT_EQ(d.offset_of("c"), 3);
  EXPECT_TRUE(d.has_key("a"));
  EXPECT_FALSE(d.has_key("z"));
  EXPECT_EQ(d.child("a"), *phantom::box(5, 6, {2}));
  EXPECT_EQ(*d.children()[0], *phantom::discrete(2));
  Rng rng(6);
  for (int i = 0; i < 200; ++i) {
    std::vector<float> v = s->sample(rng);
    ASSERT_TRUE(v[0] == 0 || v[0] == 1);
    ASSERT_TRUE(v[1] >= 5 && v[1] <= 6 && v[2] >= 5 && v[2] <= 6);
    ASSERT_TRUE(v[3] == 0 || v[3] == 1);
  }
  expect_samples_contained(*s, 1000);
  expect_words(*s, 2 + 2 + 3);
  EXPECT_TRUE(s->contains(std::vector<float>{1, 5.5f, 6, 0, 1, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{1, 4.5f, 6, 0, 1, 0}));
  EXPECT_FALSE(s->contains(std::vector<float>{1, 5.5f, 6, 0, 1, 2}));
}

TEST(SpaceDict, UnknownKeyNamesItAndListsTheKeys) {
  SpacePtr s = phantom::dict_space({{"b", phantom::discrete(2)}, {"a", phantom::discrete(3)}});
  expect_throw_with<ConfigError>([&] { s->as_dict().offset_of("zz"); }, {"'zz'", "keys: b, a"});
  expect_throw_with<ConfigError>([&] { s->as_dict().child("zz"); }, {"'zz'", "keys: b, a"});
}

// ---------------------------------------------------------------------------------------------
// Equality
// ---------------------------------------------------------------------------------------------

TEST(SpaceEquality, ComparesKindAndParameters) {
  using namespace phantom;
  EXPECT_EQ(*discrete(3), *discrete(3));
  EXPECT_NE(*discrete(3), *discrete(4));
  EXPECT_NE(*discrete(3), *discrete(3, 1));
  EXPECT_EQ(*discrete(3, 1), *discrete(3, 1));
  // Same flat size, different kinds.
  EXPECT_NE(*discrete(2), *multi_discrete({2}));
  EXPECT_NE(*multi_binary(1), *box(0, 1, {1}));
  EXPECT_EQ(*box(0, 1, {2}), *box({0, 0}, {1, 1}, {2}));
  EXPECT_NE(*box(0, 1, {2}), *box({0, 0}, {1, 2}, {2}));
  EXPECT_NE(*box(0, 1, {2, 3}), *box(0, 1, {3, 2}));
  EXPECT_NE(*box(0, 1, {6}), *box(0, 1, {6, 1}));
  EXPECT_EQ(*box(-kInf, kInf, {0}), *box(0, 1, {0}));  // no elements, no bounds to differ
  EXPECT_EQ(*multi_discrete({3, 4}), *multi_discrete({3, 4}));
  EXPECT_NE(*multi_discrete({3, 4}), *multi_discrete({4, 3}));
  EXPECT_EQ(*multi_binary(4), *multi_binary(4));
  EXPECT_NE(*multi_binary(4), *multi_binary(5));
  SpacePtr s = discrete(2);
  EXPECT_EQ(*s, *s);
}

TEST(SpaceEquality, NestedSpacesCompareChildrenAndKeysInOrder) {
  using namespace phantom;
  auto make = [](int64_t n) {
    return tuple_space({discrete(n), dict_space({{"x", box(0, 1, {2})}, {"y", multi_binary(2)}})});
  };
  EXPECT_EQ(*make(3), *make(3));
  EXPECT_NE(*make(3), *make(4));
  EXPECT_NE(*tuple_space({discrete(2), discrete(3)}), *tuple_space({discrete(3), discrete(2)}));
  EXPECT_NE(*tuple_space({discrete(2)}), *tuple_space({discrete(2), tuple_space({})}));
  // Keys in another order make another layout, so another space.
  EXPECT_NE(*dict_space({{"a", discrete(2)}, {"b", discrete(2)}}),
            *dict_space({{"b", discrete(2)}, {"a", discrete(2)}}));
  EXPECT_NE(*dict_space({{"a", discrete(2)}}), *dict_space({{"b", discrete(2)}}));
  EXPECT_NE(*dict_space({{"a", discrete(2)}}), *tuple_space({discrete(2)}));
  EXPECT_EQ(*dict_space({}), *dict_space({}));
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

TEST(SpaceToString, ExactStrings) {
  using namespace phantom;
  EXPECT_EQ(discrete(3)->to_string(), "Discrete(3)");
  EXPECT_EQ(discrete(3, 1)->to_string(), "Discrete(3, start=1)");
  EXPECT_EQ(discrete(3, -1)->to_string(), "Discrete(3, start=-1)");
  EXPECT_EQ(box(0, 1, {3})->to_string(), "Box(0, 1, (3,))");
  EXPECT_EQ(box(-kInf, kInf, {2, 3})->to_string(), "Box(-inf, inf, (2, 3))");
  EXPECT_EQ(box(0.5f, 1.25f, {})->to_string(), "Box(0.5, 1.25, ())");
  EXPECT_EQ(box(0.1f, 3e38f, {1})->to_string(), "Box(0.1, 3e+38, (1,))");
  EXPECT_EQ(box(-1e-7f, 1e7f, {1})->to_string(), "Box(-1e-07, 10000000, (1,))");
  EXPECT_EQ(box(-1e-7f, 3e7f, {1})->to_string(), "Box(-1e-07, 3e+07, (1,))");
  // Each bound is one number when it is the same for every element (as gymnasium prints it).
  EXPECT_EQ(box({0, 0}, {kInf, 1}, {2})->to_string(), "Box(0, [inf, 1], (2,))");
  EXPECT_EQ(box({0, -1}, {kInf, 1}, {2})->to_string(), "Box([0, -1], [inf, 1], (2,))");
  EXPECT_EQ(box({0, 1, 2, 3}, {5, 5, 5, 5}, {2, 2})->to_string(),
            "Box([[0, 1], [2, 3]], 5, (2, 2))");
  EXPECT_EQ(box(-kInf, kInf, {0})->to_string(), "Box([], [], (0,))");
  EXPECT_EQ(multi_discrete({3, 4})->to_string(), "MultiDiscrete([3, 4])");
  EXPECT_EQ(multi_binary(5)->to_string(), "MultiBinary(5)");
  EXPECT_EQ(tuple_space({discrete(3), box(0, 1, {2})})->to_string(),
            "Tuple(Discrete(3), Box(0, 1, (2,)))");
  EXPECT_EQ(dict_space({{"a", discrete(2)}, {"b", multi_binary(3)}})->to_string(),
            "Dict(a: Discrete(2), b: MultiBinary(3))");
  EXPECT_EQ(dict_space({{"x", tuple_space({discrete(2)})},
                        {"y", dict_space({{"z", multi_discrete({2})}})}})
                ->to_string(),
            "Dict(x: Tuple(Discrete(2)), y: Dict(z: MultiDiscrete([2])))");
  EXPECT_EQ(dict_space({})->to_string(), "Dict()");
  std::ostringstream os;
  os << *discrete(2);
  EXPECT_EQ(os.str(), "Discrete(2)");
}

TEST(SpaceToString, Values) {
  using namespace phantom;
  const float two = 2;
  EXPECT_EQ(discrete(3)->value_to_string(&two), "2");
  const float box_v[] = {0.5f, 0.25f};
  EXPECT_EQ(box(0, 1, {2})->value_to_string(box_v), "[0.5, 0.25]");
  EXPECT_EQ(box(0, 1, {})->value_to_string(box_v), "0.5");
  const float tup_v[] = {2, 0.5f};
  EXPECT_EQ(tuple_space({discrete(3), box(0, 1, {1})})->value_to_string(tup_v), "(2, [0.5])");
  EXPECT_EQ(tuple_space({discrete(3)})->value_to_string(tup_v), "(2,)");
  const float dict_v[] = {1, 0, 1};
  EXPECT_EQ(dict_space({{"a", discrete(2)}, {"b", multi_binary(2)}})->value_to_string(dict_v),
            "{a: 1, b: [0, 1]}");
  EXPECT_EQ(dict_space({})->value_to_string(nullptr), "{}");
  const float md_v[] = {1, 2};
  EXPECT_EQ(multi_discrete({3, 3})->value_to_string(md_v), "[1, 2]");
  // Values outside the space still print (telemetry must not throw).
  const float odd[] = {kNaN, -kInf, 0.1f, -0.0f};
  EXPECT_EQ(discrete(2)->value_to_string(odd), "nan");
  EXPECT_EQ(box(0, 1, {4})->value_to_string(odd), "[nan, -inf, 0.1, -0]");
}

TEST(SpaceAccessors, WrongKindNamesTheActualKind) {
  using namespace phantom;
  SpacePtr d = discrete(3);
  expect_throw_with<ConfigError>([&] { d->as_box(); },
                                 {"as_box", "Discrete(3) is a Discrete space, not a Box"});
  expect_throw_with<ConfigError>([&] { box(0, 1, {1})->as_discrete(); },
                                 {"as_discrete", "is a Box space, not a Discrete"});
  expect_throw_with<ConfigError>([&] { d->as_multi_discrete(); }, {"not a MultiDiscrete"});
  expect_throw_with<ConfigError>([&] { d->as_multi_binary(); }, {"not a MultiBinary"});
  expect_throw_with<ConfigError>([&] { d->as_tuple(); }, {"not a Tuple"});
  expect_throw_with<ConfigError>([&] { d->as_dict(); }, {"not a Dict"});
  EXPECT_STREQ(kind_name(Kind::multi_binary), "MultiBinary");
}

// ---------------------------------------------------------------------------------------------
// Every composite sample is contained; one stream, many kinds
// ---------------------------------------------------------------------------------------------

TEST(SpaceSample, EveryKindTogetherIsContainedAndDeterministic) {
  using namespace phantom;
  SpacePtr s = dict_space({
      {"d", discrete(4, -1)},
      {"b", box({0, -kInf, 2, -kInf}, {1, 0, kInf, kInf}, {2, 2})},
      {"md", multi_discrete({2, 7, 1})},
      {"mb", multi_binary(3)},
      {"t", tuple_space({discrete(1), box(-3, -2, {})})},
  });
  expect_samples_contained(*s, 3000);
  expect_words(*s, 2 + (1 + 2 + 2 + 4) + 6 + 3 + (2 + 1));
  // Different seeds give different samples.
  Rng a(1), b(2);
  EXPECT_NE(s->sample(a), s->sample(b));
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

TEST(SpaceErrors, Discrete) {
  expect_throw_with<ConfigError>([] { phantom::discrete(0); }, {"Discrete", "n = 0"});
  expect_throw_with<ConfigError>([] { phantom::discrete(-3); }, {"Discrete", "n = -3"});
  const int64_t m = phantom::kMaxExactFloatInt;
  expect_throw_with<ConfigError>([&] { phantom::discrete(2, m); },
                                 {"Discrete(2, start=16777216)", "exactly"});
  expect_throw_with<ConfigError>([&] { phantom::discrete(2, -m - 1); }, {"start=-16777217"});
  expect_throw_with<ConfigError>([&] { phantom::discrete(INT64_MAX, 5); }, {"Discrete("});
  EXPECT_NO_THROW(phantom::discrete(1, m));
}

TEST(SpaceErrors, Box) {
  using phantom::box;
  expect_throw_with<ConfigError>([] { box(1, 0, {2}); }, {"Box", "low = 1 > high = 0"});
  expect_throw_with<ConfigError>([] { box(kNaN, 1, {2}); }, {"Box", "NaN", "low = nan"});
  expect_throw_with<ConfigError>([] { box(0, kNaN, {2}); }, {"Box", "NaN", "high = nan"});
  expect_throw_with<ConfigError>(
      [] {
        box({0, 2}, {1, 1}, {2});
      },
      {"Box", "low[1] = 2 > high[1] = 1"});
  expect_throw_with<ConfigError>([] { box({0, kNaN}, {1, 1}, {2}); }, {"Box", "NaN", "element 1"});
  expect_throw_with<ConfigError>([] { box(0, 1, {2, -1}); }, {"Box", "(2, -1)", "negative"});
  expect_throw_with<ConfigError>(
      [] {
        box(0, 1, {1, 1, 1, 1, 1});
      },
      {"Box", "rank 5", "at most 4"});
  expect_throw_with<ConfigError>(
      [] {
        box({0, 0, 0}, {1, 1, 1}, {2});
      },
      {"Box", "low has 3", "shape (2,) has 2"});
  expect_throw_with<ConfigError>([] { box({0, 0}, {1}, {2}); }, {"high has 1"});
  EXPECT_NO_THROW(box({0}, {1}, {}));  // a scalar box has one element
  expect_throw_with<ConfigError>([] { box(kInf, kInf, {1}); }, {"Box", "low[0] = inf"});
  expect_throw_with<ConfigError>([] { box(-kInf, -kInf, {1}); }, {"Box", "high[0] = -inf"});
  expect_throw_with<ConfigError>(
      [] {
        box(0, 1, {1 << 20, 1 << 20});
      },
      {"Box", "(1048576, 1048576)", "more than"});
}

TEST(SpaceErrors, MultiDiscreteAndMultiBinary) {
  expect_throw_with<ConfigError>([] { phantom::multi_discrete({}); }, {"MultiDiscrete", "empty"});
  expect_throw_with<ConfigError>(
      [] {
        phantom::multi_discrete({3, 0});
      },
      {"MultiDiscrete", "nvec[1] = 0"});
  expect_throw_with<ConfigError>([] { phantom::multi_discrete({-2}); }, {"nvec[0] = -2"});
  expect_throw_with<ConfigError>([] { phantom::multi_discrete({phantom::kMaxExactFloatInt + 2}); },
                                 {"nvec[0] = 16777218", "at most 16777217"});
  expect_throw_with<ConfigError>([] { phantom::multi_binary(0); }, {"MultiBinary", "n = 0"});
  expect_throw_with<ConfigError>([] { phantom::multi_binary(-4); }, {"MultiBinary", "n = -4"});
}

TEST(SpaceErrors, TupleAndDict) {
  using namespace phantom;
  expect_throw_with<ConfigError>(
      [] {
        tuple_space({discrete(2), nullptr});
      },
      {"Tuple", "child 1", "null"});
  expect_throw_with<ConfigError>(
      [] {
        dict_space({{"a", discrete(2)}, {"b", discrete(2)}, {"a", discrete(3)}});
      },
      {"Dict", "key 'a'", "twice"});
  expect_throw_with<ConfigError>([] { dict_space({{"a", nullptr}}); }, {"Dict", "'a'", "null"});
}

}  // namespace
