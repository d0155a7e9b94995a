// Observation filters: RLlib's worked examples (standardising 1, 2, 3, 4; apply_changes;
// driver synchronisation; the factory's missing clip), plus clipping, passthrough elements,
// batching, checkpoints, error messages and concurrent updates.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include "support/error_message.hpp"
#include "trainers/sampling/filter_set.hpp"
#include "trainers/sampling/observation_filter.hpp"
#include "trainers/sampling/running_stat.hpp"

namespace {

using phantom::ConcurrentMeanStdFilter;
using phantom::FilterSet;
using phantom::MeanStdFilter;
using phantom::MeanStdOptions;
using phantom::NoFilter;
using phantom::ObservationFilter;
using phantom::RunningStat;
using test_support::message_of;

// Filters one observation of a size-1 filter and returns the result.
float filter_one(ObservationFilter& filter, float x, bool update = true) {
  filter.apply(&x, 1, update);
  return x;
}

const MeanStdFilter& as_mean_std(const ObservationFilter& filter) {
  return dynamic_cast<const MeanStdFilter&>(filter);
}

// True if the two statistics hold the same bits.
bool same_bits(const RunningStat& a, const RunningStat& b) {
  if (a.size() != b.size() || a.count() != b.count()) return false;
  for (int64_t i = 0; i < a.size(); ++i) {
    double values[4] = {a.mean(i), b.mean(i), a.sum_sq_dev(i), b.sum_sq_dev(i)};
    if (std::memcmp(&values[0], &values[1], 8) != 0) return false;
    if (std::memcmp(&values[2], &values[3], 8) != 0) return false;
  }
  return true;
}

TEST(MeanStdFilter, StandardisesOneTwoThreeFour) {
  MeanStdFilter filter(1);
  EXPECT_NEAR(filter_one(filter, 1), 0.0, 1e-6);  // one sample: std = |x| = 1
  EXPECT_NEAR(filter_one(filter, 2), 0.707106, 1e-6);
  EXPECT_NEAR(filter_one(filter, 3), 0.999999, 1e-6);
  EXPECT_NEAR(filter_one(filter, 4), 1.161894, 1e-6);
  EXPECT_EQ(filter.rs().count(), 4);
  EXPECT_DOUBLE_EQ(filter.rs().mean(0), 2.5);
  EXPECT_DOUBLE_EQ(filter.rs().sum_sq_dev(0), 5.0);
  EXPECT_NEAR(filter.rs().var(0), 1.666667, 1e-6);
  EXPECT_EQ(filter.buffer().count(), 4);
}

TEST(MeanStdFilter, ApplyChangesMergesTheOthersBuffer) {
  MeanStdFilter a(1), b(1);
  filter_one(a, 1);
  filter_one(a, 2);
  filter_one(b, 10);

  a.apply_changes(b, false);
  EXPECT_EQ(a.rs().count(), 3);
  EXPECT_NEAR(a.rs().mean(0), 4.333333, 1e-6);
  EXPECT_EQ(a.buffer().count(), 2);  // a's own delta is kept

  a.apply_changes(b, true);
  EXPECT_EQ(a.rs().count(), 4);
  EXPECT_DOUBLE_EQ(a.rs().mean(0), 5.75);
  EXPECT_EQ(a.buffer().count(), 1);  // now a copy of b's
  EXPECT_DOUBLE_EQ(a.buffer().mean(0), 10.0);
}

TEST(FilterSync, DriverMergesEachWorkersDeltaOnce) {
  FilterSet driver, w1, w2;
  driver.add("p", std::make_unique<MeanStdFilter>(1));
  w1.add("p", std::make_unique<MeanStdFilter>(1));
  w2.add("p", std::make_unique<MeanStdFilter>(1));
  filter_one(w1.get("p"), 1);
  filter_one(w1.get("p"), 2);
  filter_one(w2.get("p"), 10);

  phantom::synchronize_filters(driver, {&w1, &w2});
  const RunningStat& rs = as_mean_std(driver.get("p")).rs();
  EXPECT_EQ(rs.count(), 3);
  EXPECT_NEAR(rs.mean(0), 4.333333, 1e-6);
  EXPECT_NEAR(rs.sum_sq_dev(0), 48.666667, 1e-6);
  EXPECT_NEAR(rs.var(0), 24.333333, 1e-6);
  EXPECT_NEAR(rs.std(0), 4.932883, 1e-6);
  for (FilterSet* worker : {&w1, &w2}) {
    EXPECT_TRUE(same_bits(as_mean_std(worker->get("p")).rs(), rs));
    EXPECT_EQ(as_mean_std(worker->get("p")).buffer().count(), 0);
  }

  const RunningStat before = rs;
  phantom::synchronize_filters(driver, {&w1, &w2});  // no new data
  EXPECT_TRUE(same_bits(as_mean_std(driver.get("p")).rs(), before));
  EXPECT_TRUE(same_bits(as_mean_std(w1.get("p")).rs(), before));
  EXPECT_TRUE(same_bits(as_mean_std(w2.get("p")).rs(), before));
}

TEST(FilterSync, WithoutBroadcastWorkersKeepTheirOwnStatistics) {
  FilterSet driver, worker;
  driver.add("p", std::make_unique<MeanStdFilter>(1));
  worker.add("p", std::make_unique<MeanStdFilter>(1));
  filter_one(worker.get("p"), 3);
  phantom::synchronize_filters(driver, {&worker}, false);
  filter_one(worker.get("p"), 5);
  phantom::synchronize_filters(driver, {&worker}, false);
  EXPECT_EQ(as_mean_std(driver.get("p")).rs().count(), 2);
  EXPECT_DOUBLE_EQ(as_mean_std(driver.get("p")).rs().mean(0), 4.0);
  EXPECT_EQ(as_mean_std(worker.get("p")).rs().count(), 2);  // its own two, never the driver's
  EXPECT_EQ(as_mean_std(worker.get("p")).buffer().count(), 0);
}

TEST(FilterSync, SnapshotCopiesBuffersAndFlushClearsThem) {
  FilterSet set;
  set.add("b", std::make_unique<ConcurrentMeanStdFilter>(1));
  set.add("a", std::make_unique<NoFilter>(1));
  filter_one(set.get("b"), 7);
  phantom::FilterSnapshot kept = set.snapshot(false);
  EXPECT_EQ(as_mean_std(set.get("b")).buffer().count(), 1);
  phantom::FilterSnapshot flushed = set.snapshot(true);
  EXPECT_EQ(as_mean_std(set.get("b")).buffer().count(), 0);
  EXPECT_EQ(as_mean_std(set.get("b")).rs().count(), 1);
  ASSERT_EQ(flushed.size(), 2u);
  EXPECT_STREQ(flushed.at("b")->name(), "MeanStdFilter");  // a concurrent filter's copy is plain
  EXPECT_EQ(as_mean_std(*flushed.at("b")).buffer().count(), 1);
  EXPECT_EQ(as_mean_std(*kept.at("b")).buffer().count(), 1);
  EXPECT_FALSE(set.only_no_filters());
}

TEST(MeanStdFilter, FactoryFilterDoesNotClip) {
  auto filter = phantom::make_observation_filter("MeanStdFilter", 1);
  filter_one(*filter, 5);
  filter_one(*filter, 5);
  EXPECT_NEAR(filter_one(*filter, 6, false), 1e6, 1e-3);  // std 0: only epsilon divides
  EXPECT_EQ(as_mean_std(*filter).rs().count(), 2);
  EXPECT_EQ(as_mean_std(*filter).buffer().count(), 2);
}

TEST(MeanStdFilter, ConstructorDefaultClipsAtTen) {
  MeanStdFilter filter(1);
  filter_one(filter, 5);
  filter_one(filter, 5);
  EXPECT_EQ(filter_one(filter, 6, false), 10.0f);
  EXPECT_EQ(filter_one(filter, 4, false), -10.0f);
}

TEST(MeanStdFilter, PassthroughElementsAreUntouched) {
  MeanStdFilter filter(3, {}, {0, 1, 0});
  float rows[] = {1, 2, 3, 5, 1, 7, 9, 0, 2};
  filter.apply(rows, 3, true);
  EXPECT_EQ(rows[1], 2.0f);
  EXPECT_EQ(rows[4], 1.0f);
  EXPECT_EQ(rows[7], 0.0f);
  EXPECT_NE(rows[3], 5.0f);  // its neighbours are standardised
  EXPECT_NE(rows[8], 2.0f);
}

TEST(MeanStdFilter, PassthroughMaskFollowsTheFlatLayout) {
  using namespace phantom;
  SpacePtr space = tuple_space(
      {discrete(3), box(0, 1, {2}),
       dict_space(
           {{"a", multi_discrete({2, 3})}, {"b", box(-1, 1, {1})}, {"c", multi_binary(2)}})});
  std::vector<char> want = {1, 0, 0, 1, 1, 0, 1, 1};
  EXPECT_EQ(filter_passthrough_mask(*space), want);
  EXPECT_EQ(filter_passthrough_mask(*box(0, 1, {3})), std::vector<char>(3, 0));
}

TEST(MeanStdFilter, ManyRowsAtOnceEqualOneRowAtATime) {
  const float data[] = {1, -2, 0.5f, 4, 3, 2, -7, 0, 9, 2.5f, 2.5f, 1, 6, -1, 3};
  MeanStdFilter batched(3), single(3);
  float rows[15], one_by_one[15];
  std::memcpy(rows, data, sizeof(data));
  std::memcpy(one_by_one, data, sizeof(data));
  batched.apply(rows, 5, true);
  for (int r = 0; r < 5; ++r) single.apply(one_by_one + 3 * r, 1, true);
  EXPECT_EQ(std::memcmp(rows, one_by_one, sizeof(rows)), 0);
  EXPECT_TRUE(same_bits(batched.rs(), single.rs()));
  EXPECT_TRUE(same_bits(batched.buffer(), single.buffer()));

  const RunningStat before = batched.rs();
  std::memcpy(rows, data, sizeof(data));
  batched.apply(rows, 5, false);
  EXPECT_TRUE(same_bits(batched.rs(), before));
  EXPECT_EQ(batched.buffer().count(), 5);
}

TEST(RunningStat, MergingWithAnEmptySideChangesNothing) {
  RunningStat empty(2), other_empty(2), data(2);
  empty.merge(other_empty);
  EXPECT_EQ(empty.count(), 0);
  EXPECT_EQ(empty.mean(1), 0.0);
  EXPECT_EQ(empty.var(1), 0.0);  // no sample: variance 0

  const float x[] = {3, -0.1f}, y[] = {1, 0.7f}, z[] = {2, 0.3f};
  data.push(x);
  EXPECT_DOUBLE_EQ(data.var(0), 9.0);  // one sample: variance mean^2 (RLlib's quirk)
  data.push(y);
  data.push(z);
  const RunningStat before = data;
  data.merge(empty);
  EXPECT_TRUE(same_bits(data, before));
  empty.merge(data);
  EXPECT_TRUE(same_bits(empty, before));
}

TEST(RunningStat, MergeEqualsPushingEverything) {
  RunningStat a(1), b(1), all(1);
  const float values[] = {0.5f, 4, -3, 8, 1.25f, 2};
  for (int i = 0; i < 6; ++i) {
    (i < 2 ? a : b).push(&values[i]);
    all.push(&values[i]);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), 6);
  EXPECT_NEAR(a.mean(0), all.mean(0), 1e-12);
  EXPECT_NEAR(a.sum_sq_dev(0), all.sum_sq_dev(0), 1e-12);
}

TEST(MeanStdFilter, SaveLoadRoundTripIsBitIdentical) {
  MeanStdFilter original(2, MeanStdOptions{true, true, 3.0}, {0, 1});
  float rows[] = {1.5f, 1, -2, 0, 0.25f, 1, 9, 2};
  original.apply(rows, 4, true);
  original.clear_buffer();
  float more[] = {4, 1};
  original.apply(more, 1, true);

  nn::StateDict state;
  original.save(state, "filters.p");
  std::vector<uint8_t> bytes = nn::encode_state_dict(state);
  nn::StateDict decoded = nn::decode_state_dict(bytes.data(), bytes.size(), "ckpt");
  auto restored = phantom::make_observation_filter("ConcurrentMeanStdFilter", 2);
  restored->load(decoded, "filters.p");

  const MeanStdFilter& copy = as_mean_std(*restored);
  EXPECT_TRUE(same_bits(copy.rs(), original.rs()));
  EXPECT_TRUE(same_bits(copy.buffer(), original.buffer()));
  EXPECT_EQ(copy.options().clip, std::optional<double>(3.0));
  EXPECT_EQ(copy.passthrough(), original.passthrough());
  float a[] = {0.3f, 1, -40, 0}, b[] = {0.3f, 1, -40, 0};
  original.apply(a, 2, true);
  restored->apply(b, 2, true);
  EXPECT_EQ(std::memcmp(a, b, sizeof(a)), 0);
}

TEST(MeanStdFilter, LoadRejectsAnotherSizeOrKind) {
  nn::StateDict state;
  MeanStdFilter(3).save(state, "filters.p");
  NoFilter(2).save(state, "filters.q");
  MeanStdFilter two(2);
  std::string m = message_of<phantom::ShapeError>([&] { two.load(state, "filters.p"); });
  EXPECT_HAS(m, "filters.p");
  EXPECT_HAS(m, "size 3");
  EXPECT_HAS(m, "size 2");
  m = message_of<phantom::FormatError>([&] { two.load(state, "filters.q"); });
  EXPECT_HAS(m, "filters.q");
  EXPECT_HAS(m, "NoFilter");

  nn::StateDict stat;
  RunningStat(3).save(stat, "rs");
  RunningStat four(4);
  m = message_of<phantom::ShapeError>([&] { four.load(stat, "rs"); });
  EXPECT_HAS(m, "rs: saved running statistics have 3 elements, these have 4");
}

TEST(FilterSync, FilterSetSaveLoadRoundTrip) {
  FilterSet saved, loaded;
  saved.add("p", std::make_unique<MeanStdFilter>(1));
  saved.add("q", std::make_unique<NoFilter>(4));
  loaded.add("p", std::make_unique<MeanStdFilter>(1));
  loaded.add("q", std::make_unique<NoFilter>(4));
  filter_one(saved.get("p"), 2);
  filter_one(saved.get("p"), -6);
  nn::StateDict state;
  saved.save(state, "worker");
  loaded.load(state, "worker");
  EXPECT_TRUE(same_bits(as_mean_std(loaded.get("p")).rs(), as_mean_std(saved.get("p")).rs()));

  FilterSet smaller;
  smaller.add("p", std::make_unique<MeanStdFilter>(1));
  std::string m = message_of<phantom::FormatError>([&] { smaller.load(state, "worker"); });
  EXPECT_HAS(m, "worker: 2 filters were saved, this set has 1");
}

TEST(FilterErrors, MessagesNameTheCulprit) {
  std::string m =
      message_of<phantom::ConfigError>([] { phantom::make_observation_filter("MeanStd", 2); });
  EXPECT_HAS(m, "'MeanStd'");
  EXPECT_HAS(m, "NoFilter, MeanStdFilter or ConcurrentMeanStdFilter");
  m = message_of<phantom::ConfigError>([] { phantom::make_observation_filter("NoFilter", -3); });
  EXPECT_HAS(m, "size -3");
  m = message_of<phantom::ShapeError>([] { MeanStdFilter(3, {}, {0, 1}); });
  EXPECT_HAS(m, "2 flags for observations of size 3");
  m = message_of<phantom::ConfigError>([] { MeanStdFilter(1, MeanStdOptions{true, true, 0.0}); });
  EXPECT_HAS(m, "clip");

  MeanStdFilter mean_std(2), mean_std3(3);
  NoFilter none(2);
  m = message_of<phantom::ConfigError>([&] { mean_std.apply_changes(none, false); });
  EXPECT_HAS(m, "NoFilter of size 2");
  EXPECT_HAS(m, "MeanStdFilter of size 2");
  m = message_of<phantom::ConfigError>([&] { none.sync(mean_std); });
  EXPECT_HAS(m, "NoFilter of size 2");
  EXPECT_HAS(m, "MeanStdFilter of size 2");
  m = message_of<phantom::ShapeError>([&] { mean_std.sync(mean_std3); });
  EXPECT_HAS(m, "MeanStdFilter of size 3");
  EXPECT_HAS(m, "MeanStdFilter of size 2");

  RunningStat two(2), three(3);
  m = message_of<phantom::ShapeError>([&] { two.merge(three); });
  EXPECT_HAS(m, "3 elements cannot be merged into statistics of 2");

  FilterSet set;
  set.add("seller", std::make_unique<NoFilter>(1));
  m = message_of<phantom::ConfigError>([&] { set.get("buyer"); });
  EXPECT_HAS(m, "'buyer'");
  EXPECT_HAS(m, "'seller'");
}

// A concurrent filter pushed to by 4 threads at once ends with every row counted, and the mean
// of the same multiset pushed sequentially.
TEST(FilterParallel, ConcurrentFilterCountsEveryRow) {
  constexpr int kThreads = 4, kRowsPerThread = 5000, kSize = 2;
  ConcurrentMeanStdFilter shared(kSize);
  MeanStdFilter sequential(kSize);
  auto value = [](int thread, int row, int element) {
    return static_cast<float>(((thread * 7 + row * 13 + element * 5) % 31) - 15) * 0.25f;
  };
  std::atomic<int> ready{0};  // all threads start pushing together, to collide as often as possible
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      float row[kSize];
      for (int r = 0; r < kRowsPerThread; ++r) {
        for (int e = 0; e < kSize; ++e) row[e] = value(t, r, e);
        shared.apply(row, 1, true);
        if (r % 1000 == 0) shared.copy();  // the driver side reading meanwhile
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  float row[kSize];
  for (int t = 0; t < kThreads; ++t) {
    for (int r = 0; r < kRowsPerThread; ++r) {
      for (int e = 0; e < kSize; ++e) row[e] = value(t, r, e);
      sequential.apply(row, 1, true);
    }
  }
  auto result = shared.copy();
  const MeanStdFilter& done = as_mean_std(*result);
  EXPECT_EQ(done.rs().count(), kThreads * kRowsPerThread);
  EXPECT_EQ(done.buffer().count(), kThreads * kRowsPerThread);
  for (int e = 0; e < kSize; ++e) {
    EXPECT_NEAR(done.rs().mean(e), sequential.rs().mean(e), 1e-9) << e;
  }
}

}  // namespace
