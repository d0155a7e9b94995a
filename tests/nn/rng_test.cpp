// Tests of nn::Rng: the Philox block function against the published Random123 known answers,
// the stream layout, determinism and independence of streams, exact resumption from a saved
// state, and the statistics of every distribution it draws from.
//
// Statistical tests use fixed seeds, so they are deterministic; their tolerances are ~5 standard
// errors, so a correct generator passes with overwhelming probability for any seed, while a
// biased one (e.g. modulo reduction, an off-by-one in a shuffle) fails clearly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include "nn/error.hpp"
#include "nn/rng.hpp"

namespace {

using nn::Rng;

std::vector<uint32_t> draw_words(Rng& rng, int n) {
  std::vector<uint32_t> out(n);
  for (auto& w : out) w = rng.next_u32();
  return out;
}

// Pearson's chi-square statistic of observed counts against equal expected counts.
double chi_square_uniform(const std::vector<int64_t>& counts) {
  double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  double expected = total / static_cast<double>(counts.size());
  double chi2 = 0.0;
  for (int64_t c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

// Upper critical value of the chi-square distribution with `df` degrees of freedom at z = 5
// standard deviations (tail probability ~3e-7), by the Wilson-Hilferty approximation.
double chi_square_critical(int df) {
  double k = df, z = 5.0;
  double t = 1.0 - 2.0 / (9.0 * k) + z * std::sqrt(2.0 / (9.0 * k));
  return k * t * t * t;
}

// A generator whose next four words are exactly `words` (to reach edge cases on purpose).
Rng rng_with_words(uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3) {
  Rng::State s;
  s.buffer[0] = w0;
  s.buffer[1] = w1;
  s.buffer[2] = w2;
  s.buffer[3] = w3;
  s.used = 0;
  Rng rng;
  rng.set_state(s);
  return rng;
}

// ---- The block function -------------------------------------------------------------------

// Known-answer vectors for philox4x32 with 10 rounds from Random123's tests/kat_vectors
// (counter words, key words, expected output words).
TEST(RngPhilox, KnownAnswerZeros) {
  const uint32_t ctr[4] = {0, 0, 0, 0}, key[2] = {0, 0};
  uint32_t out[4];
  Rng::philox4x32_10(ctr, key, out);
  EXPECT_EQ(out[0], 0x6627e8d5u);
  EXPECT_EQ(out[1], 0xe169c58du);
  EXPECT_EQ(out[2], 0xbc57ac4cu);
  EXPECT_EQ(out[3], 0x9b00dbd8u);
}

TEST(RngPhilox, KnownAnswerAllOnes) {
  const uint32_t ctr[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
  const uint32_t key[2] = {0xffffffffu, 0xffffffffu};
  uint32_t out[4];
  Rng::philox4x32_10(ctr, key, out);
  EXPECT_EQ(out[0], 0x408f276du);
  EXPECT_EQ(out[1], 0x41c83b0eu);
  EXPECT_EQ(out[2], 0xa20bc7c6u);
  EXPECT_EQ(out[3], 0x6d5451fdu);
}

TEST(RngPhilox, KnownAnswerPiDigits) {
  const uint32_t ctr[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
  const uint32_t key[2] = {0xa4093822u, 0x299f31d0u};
  uint32_t out[4];
  Rng::philox4x32_10(ctr, key, out);
  EXPECT_EQ(out[0], 0xd16cfe09u);
  EXPECT_EQ(out[1], 0x94fdccebu);
  EXPECT_EQ(out[2], 0x5001e420u);
  EXPECT_EQ(out[3], 0x24126ea1u);
}

// The generator's words are the Philox blocks of counter (block lo, block hi, stream lo,
// stream hi) under key (seed lo, seed hi), in order. This pins the stream layout, so a change to
// it (which would change every experiment's numbers) cannot go unnoticed.
TEST(RngStream, WordsAreConsecutivePhiloxBlocks) {
  const uint64_t seed = 0x0123456789abcdefull, stream = 0xfedcba9876543210ull;
  Rng rng(seed, stream);
  const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  for (uint32_t block = 0; block < 3; ++block) {
    const uint32_t ctr[4] = {block, 0, static_cast<uint32_t>(stream),
                             static_cast<uint32_t>(stream >> 32)};
    uint32_t expected[4];
    Rng::philox4x32_10(ctr, key, expected);
    for (uint32_t w : expected) EXPECT_EQ(rng.next_u32(), w) << "block " << block;
  }
  EXPECT_EQ(rng.state().block, 3u);
}

TEST(RngStream, NextU64IsTwoWordsHighFirst) {
  Rng a(9), b(9);
  uint64_t hi = a.next_u32(), lo = a.next_u32();
  EXPECT_EQ(b.next_u64(), (hi << 32) | lo);
}

// ---- Determinism, independence, resumption ------------------------------------------------

TEST(RngStream, SameSeedAndStreamGiveSameSequence) {
  Rng a(42, 7), b(42, 7);
  EXPECT_EQ(draw_words(a, 1000), draw_words(b, 1000));
  Rng c(42, 7), d(42, 7);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(c.uniform(), d.uniform());
    EXPECT_EQ(c.normal(), d.normal());
    EXPECT_EQ(c.uniform_int(0, 1000), d.uniform_int(0, 1000));
  }
}

TEST(RngStream, DifferentSeedsAndStreamsDiffer) {
  std::set<std::vector<uint32_t>> seen;
  for (uint64_t seed : {0ull, 1ull, 2ull, 1ull << 32, ~0ull}) {
    for (uint64_t stream : {0ull, 1ull, 2ull, 1ull << 32, ~0ull}) {
      Rng rng(seed, stream);
      EXPECT_TRUE(seen.insert(draw_words(rng, 8)).second) << seed << "/" << stream;
    }
  }
}

TEST(RngDerive, DependsOnlyOnSeedStreamAndId) {
  Rng parent(123, 4);
  Rng before = parent.derive(9);
  for (int i = 0; i < 37; ++i) parent.next_u32();  // draws must not change the child
  Rng after = parent.derive(9);
  EXPECT_EQ(before.state().seed, after.state().seed);
  EXPECT_EQ(before.state().stream, after.state().stream);
  EXPECT_EQ(draw_words(before, 100), draw_words(after, 100));
  // A child starts at block 0 of its own stream.
  EXPECT_EQ(after.state().block, 25u);
  EXPECT_EQ(Rng(123, 4).derive(9).state().block, 0u);
}

TEST(RngDerive, DifferentIdsParentsAndSeedsGiveDifferentStreams) {
  std::set<std::vector<uint32_t>> seen;
  Rng root(5);
  std::vector<Rng> parents = {root, Rng(5, 1), Rng(6), root.derive(0), root.derive(1)};
  for (const Rng& p : parents) {
    for (uint64_t id = 0; id < 50; ++id) {
      Rng child = p.derive(id);
      EXPECT_TRUE(seen.insert(draw_words(child, 8)).second) << "id " << id;
    }
  }
  // Children also differ from their parent, and derivation is not commutative.
  Rng a = root.derive(1).derive(2), b = root.derive(2).derive(1), r = root;
  EXPECT_NE(draw_words(a, 8), draw_words(b, 8));
  EXPECT_NE(draw_words(r, 8), draw_words(a, 8));
}

// Regression value: the stream id of derive() is part of every experiment's results and of
// checkpoints. If you change mix() on purpose, update this constant.
TEST(RngDerive, StreamIdIsStable) {
  EXPECT_EQ(Rng(1, 0).derive(2).state().stream, Rng(99, 0).derive(2).state().stream);
  EXPECT_EQ(Rng(1, 0).derive(2).state().stream, 0x975835de1c9756ceull);
}

TEST(RngState, RoundTripResumesExactlyMidBuffer) {
  for (int consumed = 0; consumed < 9; ++consumed) {
    Rng rng(77, 3);
    for (int i = 0; i < consumed; ++i) rng.next_u32();
    Rng::State saved = rng.state();
    EXPECT_EQ(saved.used, consumed == 0 ? 4u : static_cast<uint32_t>((consumed - 1) % 4 + 1));
    std::vector<uint32_t> expected = draw_words(rng, 50);

    Rng resumed(0, 0);  // a different generator, overwritten completely by set_state
    resumed.set_state(saved);
    EXPECT_EQ(draw_words(resumed, 50), expected) << "after " << consumed << " words";
  }
}

TEST(RngState, RejectsCorruptedUsedCount) {
  Rng::State s;
  s.used = 5;
  Rng rng;
  EXPECT_THROW(rng.set_state(s), phantom::ValueError);
  s.used = 4;
  EXPECT_NO_THROW(rng.set_state(s));
}

// ---- Uniform floats -----------------------------------------------------------------------

TEST(RngUniform, FloatInUnitIntervalWithCorrectMean) {
  Rng rng(2024);
  const int n = 100000;
  double sum = 0.0;
  float lo = 1.0f, hi = 0.0f;
  for (int i = 0; i < n; ++i) {
    float u = rng.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  // Var of U(0,1) is 1/12; 5 standard errors of the mean.
  EXPECT_NEAR(sum / n, 0.5, 5.0 * std::sqrt(1.0 / 12.0 / n));
  EXPECT_LT(lo, 1e-3f);
  EXPECT_GT(hi, 1.0f - 1e-3f);
}

TEST(RngUniform, ExtremeWordsStayInsideTheInterval) {
  Rng top = rng_with_words(~0u, ~0u, ~0u, ~0u);
  EXPECT_EQ(top.uniform(), 1.0f - 1.0f / 16777216.0f);
  Rng top2 = rng_with_words(~0u, ~0u, ~0u, ~0u);
  EXPECT_LT(top2.uniform_double(), 1.0);
  Rng zero = rng_with_words(0, 0, 0, 0);
  EXPECT_EQ(zero.uniform(), 0.0f);
  EXPECT_EQ(zero.uniform_double(), 0.0);
  // lo + (hi - lo) * (1 - 2^-24) rounds to exactly 2.0f; the result must still be < hi.
  Rng top3 = rng_with_words(~0u, ~0u, ~0u, ~0u);
  float x = top3.uniform(1.0f, 2.0f);
  EXPECT_LT(x, 2.0f);
  EXPECT_GE(x, 1.0f);
}

TEST(RngUniform, RangeMapsIntoLoHi) {
  Rng rng(8);
  const int n = 100000;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    float x = rng.uniform(-3.0f, 5.0f);
    ASSERT_GE(x, -3.0f);
    ASSERT_LT(x, 5.0f);
    sum += x;
  }
  EXPECT_NEAR(sum / n, 1.0, 5.0 * 8.0 * std::sqrt(1.0 / 12.0 / n));
}

TEST(RngUniform, DoubleHasFullResolution) {
  Rng rng(31);
  const int n = 100000;
  double sum = 0.0;
  int below_2_24 = 0;  // values a float-resolution generator could not tell from 0
  bool fractional_beyond_float = false;
  for (int i = 0; i < n; ++i) {
    double u = rng.uniform_double();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    if (u < 1.0 / 16777216.0) ++below_2_24;
    if (u * 16777216.0 != std::floor(u * 16777216.0)) fractional_beyond_float = true;
  }
  EXPECT_NEAR(sum / n, 0.5, 5.0 * std::sqrt(1.0 / 12.0 / n));
  EXPECT_TRUE(fractional_beyond_float);
  EXPECT_LE(below_2_24, 2);
}

// ---- Normal -------------------------------------------------------------------------------

TEST(RngNormal, MomentsMatchStandardNormal) {
  Rng rng(1234, 5);
  const int n = 100000;
  double sum = 0.0, sum2 = 0.0, sum3 = 0.0, sum4 = 0.0;
  int beyond_1_96 = 0;
  for (int i = 0; i < n; ++i) {
    double x = rng.normal();
    ASSERT_TRUE(std::isfinite(x));
    sum += x;
    sum2 += x * x;
    sum3 += x * x * x;
    sum4 += x * x * x * x;
    if (std::fabs(x) > 1.959964) ++beyond_1_96;
  }
  double mean = sum / n, var = sum2 / n - mean * mean;
  // Standard errors: mean 1/sqrt(n), variance sqrt(2/n), skewness sqrt(6/n), E[x^4] sqrt(96/n).
  EXPECT_NEAR(mean, 0.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / n));
  EXPECT_NEAR(sum3 / n, 0.0, 5.0 * std::sqrt(15.0 / n));
  EXPECT_NEAR(sum4 / n, 3.0, 5.0 * std::sqrt(96.0 / n));
  // Two-sided 5% tail: a binomial proportion with standard error sqrt(0.05 * 0.95 / n).
  EXPECT_NEAR(beyond_1_96 / static_cast<double>(n), 0.05, 5.0 * std::sqrt(0.05 * 0.95 / n));
}

TEST(RngNormal, MeanAndStddevAreApplied) {
  Rng rng(99);
  const int n = 100000;
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; ++i) {
    double x = rng.normal(10.0f, 0.5f);
    sum += x;
    sum2 += x * x;
  }
  double mean = sum / n, var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, 10.0, 5.0 * 0.5 / std::sqrt(n));
  EXPECT_NEAR(var, 0.25, 5.0 * 0.25 * std::sqrt(2.0 / n));
}

TEST(RngNormal, ExtremeUniformsGiveFiniteValues) {
  Rng zero = rng_with_words(0, 0, 0, 0);  // u1 = 1 - 0 = 1: log(1) = 0
  EXPECT_EQ(zero.normal(), 0.0f);
  Rng top = rng_with_words(~0u, ~0u, 0, 0);  // u1 = 2^-53: the largest possible magnitude
  float x = top.normal();
  EXPECT_TRUE(std::isfinite(x));
  EXPECT_NEAR(x, std::sqrt(2.0 * 53.0 * std::log(2.0)), 1e-5);
}

// ---- Integers -----------------------------------------------------------------------------

void expect_uniform_counts(int64_t range, uint64_t seed) {
  Rng rng(seed);
  const int64_t per_bucket = 10000;
  std::vector<int64_t> counts(range, 0);
  for (int64_t i = 0; i < range * per_bucket; ++i) {
    int64_t v = rng.uniform_int(0, range);
    ASSERT_GE(v, 0);
    ASSERT_LT(v, range);
    ++counts[v];
  }
  EXPECT_LT(chi_square_uniform(counts), chi_square_critical(static_cast<int>(range - 1)))
      << "range " << range;
}

TEST(RngUniformInt, ChiSquareSmallRanges) {
  expect_uniform_counts(2, 1);
  expect_uniform_counts(7, 2);
  expect_uniform_counts(10, 3);
  expect_uniform_counts(100, 4);
}

TEST(RngUniformInt, OffsetAndSingleValueRanges) {
  Rng rng(17);
  std::set<int64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    int64_t v = rng.uniform_int(-5, 5);
    ASSERT_GE(v, -5);
    ASSERT_LT(v, 5);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rng.uniform_int(41, 42), 41);
  for (int i = 0; i < 100; ++i) {
    int64_t v = rng.uniform_int(3);
    EXPECT_TRUE(v >= 0 && v < 3);
  }
}

// A range of 3 * 2^30 is where modulo reduction of a 32-bit word is most biased: values below
// 2^30 would come up half of the time instead of a third. Likewise 3 * 2^62 for 64-bit words.
TEST(RngUniformInt, HugeRangesAreUnbiased) {
  const int n = 60000;
  const double tolerance = 5.0 * std::sqrt((1.0 / 3.0) * (2.0 / 3.0) / n);
  Rng rng(55);
  int low = 0;
  for (int i = 0; i < n; ++i) {
    int64_t v = rng.uniform_int(0, int64_t{3} << 30);
    ASSERT_TRUE(v >= 0 && v < (int64_t{3} << 30));
    if (v < (int64_t{1} << 30)) ++low;
  }
  EXPECT_NEAR(low / static_cast<double>(n), 1.0 / 3.0, tolerance);

  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t max = std::numeric_limits<int64_t>::max();
  // [min, min + 3 * 2^62) = [-2^63, 2^62); its lowest third is [-2^63, -2^62).
  const int64_t hi = int64_t{1} << 62, third = -(int64_t{1} << 62);
  low = 0;
  for (int i = 0; i < n; ++i) {
    int64_t v = rng.uniform_int(min, hi);
    ASSERT_TRUE(v >= min && v < hi);
    if (v < third) ++low;
  }
  EXPECT_NEAR(low / static_cast<double>(n), 1.0 / 3.0, tolerance);

  // The whole int64 range minus one value: both halves appear about equally.
  int negative = 0;
  for (int i = 0; i < n; ++i) {
    int64_t v = rng.uniform_int(min, max);
    ASSERT_LT(v, max);
    if (v < 0) ++negative;
  }
  EXPECT_NEAR(negative / static_cast<double>(n), 0.5, 5.0 * std::sqrt(0.25 / n));
}

TEST(RngUniformInt, RangesAroundTheWordBoundary) {
  Rng rng(3);
  for (int64_t range : {int64_t{0xFFFFFFFF}, int64_t{1} << 32, (int64_t{1} << 32) + 1}) {
    for (int i = 0; i < 1000; ++i) {
      int64_t v = rng.uniform_int(0, range);
      ASSERT_TRUE(v >= 0 && v < range) << range;
    }
  }
}

TEST(RngUniformInt, EmptyRangeThrows) {
  Rng rng;
  EXPECT_THROW(rng.uniform_int(5, 5), phantom::ValueError);
  EXPECT_THROW(rng.uniform_int(6, 5), phantom::ValueError);
  EXPECT_THROW(rng.uniform_int(0), phantom::ValueError);
  EXPECT_THROW(rng.uniform_int(-3), phantom::ValueError);
  try {
    rng.uniform_int(6, 5);
  } catch (const phantom::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("[6, 5)"), std::string::npos) << e.what();
  }
}

// ---- Bernoulli, shuffle, categorical ------------------------------------------------------

TEST(RngBernoulli, ProportionsAndEdgeCases) {
  Rng rng(12);
  const int n = 100000;
  int hits = 0;
  for (int i = 0; i < n; ++i) hits += rng.bernoulli(0.3) ? 1 : 0;
  EXPECT_NEAR(hits / static_cast<double>(n), 0.3, 5.0 * std::sqrt(0.3 * 0.7 / n));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(rng.bernoulli(0.0));
    EXPECT_TRUE(rng.bernoulli(1.0));
  }
  EXPECT_THROW(rng.bernoulli(-0.1), phantom::ValueError);
  EXPECT_THROW(rng.bernoulli(1.5), phantom::ValueError);
  EXPECT_THROW(rng.bernoulli(std::nan("")), phantom::ValueError);
}

TEST(RngShuffle, IsAPermutation) {
  Rng rng(4);
  for (int n : {0, 1, 2, 5, 100}) {
    std::vector<int> v(n);
    std::iota(v.begin(), v.end(), 0);
    rng.shuffle(v.begin(), v.end());
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < n; ++i) EXPECT_EQ(sorted[i], i);
  }
}

TEST(RngShuffle, EveryPositionIsUniform) {
  Rng rng(6);
  const int n = 10, trials = 20000;
  std::vector<std::vector<int64_t>> where(n, std::vector<int64_t>(n, 0));  // [element][position]
  for (int t = 0; t < trials; ++t) {
    std::vector<int> v(n);
    std::iota(v.begin(), v.end(), 0);
    rng.shuffle(v.begin(), v.end());
    for (int pos = 0; pos < n; ++pos) ++where[v[pos]][pos];
  }
  for (int e = 0; e < n; ++e) {
    EXPECT_LT(chi_square_uniform(where[e]), chi_square_critical(n - 1)) << "element " << e;
  }
}

TEST(RngShuffle, AllPermutationsOfThreeEquallyLikely) {
  Rng rng(10);
  std::vector<int64_t> counts(6, 0);
  std::vector<std::vector<int>> perms;
  std::vector<int> p = {0, 1, 2};
  do perms.push_back(p);
  while (std::next_permutation(p.begin(), p.end()));
  for (int t = 0; t < 60000; ++t) {
    std::vector<int> v = {0, 1, 2};
    rng.shuffle(v.begin(), v.end());
    ++counts[std::find(perms.begin(), perms.end(), v) - perms.begin()];
  }
  EXPECT_LT(chi_square_uniform(counts), chi_square_critical(5));
}

TEST(RngCategorical, ProportionsFollowWeightsAndZerosAreNeverChosen) {
  Rng rng(21);
  const std::vector<float> weights = {1.0f, 0.0f, 2.0f, 3.0f, 0.0f};
  const int n = 60000;
  std::vector<int> counts(weights.size(), 0);
  for (int i = 0; i < n; ++i) ++counts[rng.categorical(weights)];
  EXPECT_EQ(counts[1], 0);
  EXPECT_EQ(counts[4], 0);
  for (int i : {0, 2, 3}) {
    double p = weights[i] / 6.0;
    EXPECT_NEAR(counts[i] / static_cast<double>(n), p, 5.0 * std::sqrt(p * (1 - p) / n)) << i;
  }
  // A single positive weight is always chosen, wherever it is.
  const float one[4] = {0.0f, 0.0f, 0.0f, 0.5f};
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.categorical(one, 4), 3);
}

TEST(RngCategorical, InvalidWeightsThrow) {
  Rng rng;
  const float zeros[3] = {0.0f, 0.0f, 0.0f};
  EXPECT_THROW(rng.categorical(zeros, 3), phantom::ValueError);
  EXPECT_THROW(rng.categorical(zeros, 0), phantom::ValueError);
  const float negative[3] = {1.0f, -0.5f, 1.0f};
  EXPECT_THROW(rng.categorical(negative, 3), phantom::ValueError);
  const float nan[2] = {1.0f, std::nanf("")};
  EXPECT_THROW(rng.categorical(nan, 2), phantom::ValueError);
  const float inf[2] = {1.0f, std::numeric_limits<float>::infinity()};
  EXPECT_THROW(rng.categorical(inf, 2), phantom::ValueError);
}

}  // namespace
