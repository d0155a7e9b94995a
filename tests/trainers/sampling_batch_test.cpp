// SampleBatch and MultiAgentBatch: columns and their errors, row storage that keeps its memory,
// concat/append/slice/split, a reproducible shuffle that keeps rows together, the single-
// trajectory check, and per-policy concatenation with its step counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "support/error_message.hpp"
#include "trainers/sampling/multi_agent_batch.hpp"
#include "trainers/sampling/sample_batch.hpp"

namespace {

using phantom::ColumnType;
using phantom::ConfigError;
using phantom::MultiAgentBatch;
using phantom::SampleBatch;
using phantom::ValueError;
using test_support::message_of;
namespace col = phantom::columns;

// A standard batch (obs width 3, action width 2) whose row r holds values derived from `tag + r`
// in every column, so any row can be recognised from any of its columns. eps_ids[r] is row r's
// episode id (the row count is eps_ids.size()).
SampleBatch make_batch(const std::vector<int64_t>& eps_ids, int64_t tag = 0) {
  SampleBatch b = SampleBatch::with_standard_columns(3, 2);
  for (int64_t id : eps_ids) {
    int64_t r = b.append_row();
    float v = static_cast<float>(tag + r);
    for (int k = 0; k < 3; ++k) b.f32(col::kObs)[r * 3 + k] = 10.0f * k + v;
    for (int k = 0; k < 2; ++k) b.f32(col::kActions)[r * 2 + k] = -v - 0.5f * k;
    b.f32(col::kRewards)[r] = 0.25f * v;
    b.i64(col::kEpsId)[r] = id;
    b.i64(col::kT)[r] = tag + r;
  }
  return b;
}

// Row r of `b` still holds the values make_batch wrote for t = b's t column at r.
void expect_row_consistent(const SampleBatch& b, int64_t r) {
  float v = static_cast<float>(b.i64(col::kT)[r]);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(b.f32(col::kObs)[r * 3 + k], 10.0f * k + v) << r;
  for (int k = 0; k < 2; ++k) EXPECT_EQ(b.f32(col::kActions)[r * 2 + k], -v - 0.5f * k) << r;
  EXPECT_EQ(b.f32(col::kRewards)[r], 0.25f * v) << r;
}

std::vector<int64_t> t_column(const SampleBatch& b) {
  return std::vector<int64_t>(b.i64(col::kT), b.i64(col::kT) + b.size());
}

TEST(SampleBatch, StandardColumnsInTheirOrderWithTheirWidthsAndTypes) {
  SampleBatch b = SampleBatch::with_standard_columns(4, 2);
  std::vector<std::string> want = {"obs",         "new_obs",      "actions",      "rewards",
                                   "terminateds", "truncateds",   "eps_id",       "agent_index",
                                   "t",           "prev_actions", "prev_rewards", "action_logp",
                                   "action_prob", "vf_preds"};
  EXPECT_EQ(b.column_names(), want);
  EXPECT_EQ(b.width(col::kObs), 4);
  EXPECT_EQ(b.width(col::kNewObs), 4);
  EXPECT_EQ(b.width(col::kActions), 2);
  EXPECT_EQ(b.width(col::kPrevActions), 2);
  EXPECT_EQ(b.width(col::kVfPreds), 1);
  EXPECT_EQ(b.type(col::kEpsId), ColumnType::int64);
  EXPECT_EQ(b.type(col::kAgentIndex), ColumnType::int64);
  EXPECT_EQ(b.type(col::kT), ColumnType::int64);
  EXPECT_EQ(b.type(col::kTerminateds), ColumnType::float32);
  EXPECT_FALSE(b.has_column(col::kAdvantages));
  EXPECT_FALSE(b.has_column(col::kValueTargets));
  EXPECT_EQ(b.size(), 0);
  EXPECT_EQ(b.column(col::kObs), 0);
  EXPECT_EQ(b.column(col::kVfPreds), 13);
}

TEST(SampleBatch, AddColumnReturnsAStableHandleAndRejectsAConflictingRedefinition) {
  SampleBatch b = SampleBatch::with_standard_columns(3, 1);
  SampleBatch::Handle adv = b.add_column(col::kAdvantages, 1, ColumnType::float32);
  EXPECT_EQ(adv, 14);
  EXPECT_EQ(b.add_column(col::kAdvantages, 1, ColumnType::float32), adv);
  EXPECT_EQ(b.add_column(col::kObs, 3, ColumnType::float32), b.column(col::kObs));
  EXPECT_EQ(b.num_columns(), 15);

  std::string m = message_of<ConfigError>([&] { b.add_column("obs", 5, ColumnType::float32); });
  EXPECT_HAS(m, "'obs' (float32, width 5)");
  EXPECT_HAS(m, "'obs' (float32, width 3)");
  m = message_of<ConfigError>([&] { b.add_column("t", 1, ColumnType::float32); });
  EXPECT_HAS(m, "'t' (int64, width 1)");
  m = message_of<ConfigError>([&] { b.add_column("mask", 0, ColumnType::float32); });
  EXPECT_HAS(m, "'mask'");
  EXPECT_HAS(m, "width 0");
  message_of<ConfigError>([&] { b.add_column("", 1, ColumnType::int64); });
  m = message_of<ConfigError>([] { SampleBatch::with_standard_columns(0, 2); });
  EXPECT_HAS(m, "'obs'");
}

TEST(SampleBatch, LookupAndTypeErrorsNameTheColumn) {
  SampleBatch b = make_batch({1, 1});
  std::string m = message_of<ConfigError>([&] { b.f32("advantages"); });
  EXPECT_HAS(m, "'advantages'");
  EXPECT_HAS(m, "obs, new_obs, actions");
  m = message_of<ValueError>([&] { b.f32(col::kEpsId); });
  EXPECT_HAS(m, "'eps_id'");
  EXPECT_HAS(m, "int64");
  const SampleBatch& cb = b;
  m = message_of<ValueError>([&] { cb.i64(col::kObs); });
  EXPECT_HAS(m, "'obs'");
  m = message_of<ValueError>([&] { b.f32(99); });
  EXPECT_HAS(m, "handle 99");
  m = message_of<ConfigError>([] { SampleBatch().width("obs"); });
  EXPECT_HAS(m, "no columns");
}

TEST(SampleBatch, AppendRowAddsZeroRowsToEveryColumn) {
  SampleBatch b = SampleBatch::with_standard_columns(2, 1);
  SampleBatch::Handle obs = b.column(col::kObs), eps = b.column(col::kEpsId);
  EXPECT_EQ(b.append_row(), 0);
  EXPECT_EQ(b.append_row(), 1);
  EXPECT_EQ(b.size(), 2);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(b.f32(obs)[k], 0.0f);
  EXPECT_EQ(b.i64(eps)[1], 0);
  b.f32(obs)[1 * 2 + 1] = 7.5f;
  b.i64(eps)[1] = 42;
  EXPECT_EQ(b.f32(col::kObs)[3], 7.5f);
  EXPECT_EQ(b.i64(col::kEpsId)[1], 42);

  // A column added later gets zeros for the rows already there.
  SampleBatch::Handle adv = b.add_column(col::kAdvantages, 1, ColumnType::float32);
  EXPECT_EQ(b.f32(adv)[0], 0.0f);
  EXPECT_EQ(b.f32(adv)[1], 0.0f);
  EXPECT_EQ(b.append_row(), 2);
  b.f32(adv)[2] = 1.5f;
  EXPECT_EQ(b.f32(col::kAdvantages)[2], 1.5f);
}

TEST(SampleBatch, ClearKeepsColumnsAndMemory) {
  SampleBatch b = make_batch({1, 1, 2, 2, 2, 3, 3, 3});
  std::vector<const void*> before;
  for (int c = 0; c < b.num_columns(); ++c) {
    before.push_back(b.type(c) == ColumnType::float32 ? static_cast<const void*>(b.f32(c))
                                                      : static_cast<const void*>(b.i64(c)));
  }
  b.clear();
  EXPECT_EQ(b.size(), 0);
  EXPECT_EQ(b.num_columns(), 14);
  for (int r = 0; r < 8; ++r) b.append_row();
  for (int c = 0; c < b.num_columns(); ++c) {
    const void* now = b.type(c) == ColumnType::float32 ? static_cast<const void*>(b.f32(c))
                                                       : static_cast<const void*>(b.i64(c));
    EXPECT_EQ(now, before[c]) << b.column_names()[c];
  }
  EXPECT_EQ(b.f32(col::kObs)[0], 0.0f);  // refilled rows are zeros, not the old values
  EXPECT_EQ(b.i64(col::kEpsId)[7], 0);

  // Refilling with append instead of append_row keeps the memory too.
  SampleBatch eight = make_batch({4, 4, 4, 4, 5, 5, 5, 5});
  b.clear();
  b.append(eight);
  EXPECT_EQ(static_cast<const void*>(b.f32(col::kObs)), before[0]);
  EXPECT_TRUE(b.identical(eight));
}

TEST(SampleBatch, ReserveMakesRoomForTheRows) {
  SampleBatch b = SampleBatch::with_standard_columns(5, 2);
  b.reserve(64);
  const float* obs = b.f32(col::kObs);
  const int64_t* t = b.i64(col::kT);
  for (int r = 0; r < 64; ++r) b.append_row();
  EXPECT_EQ(b.f32(col::kObs), obs);
  EXPECT_EQ(b.i64(col::kT), t);
  message_of<ValueError>([&] { b.reserve(-1); });
}

// resize_for_overwrite leaves new rows for its caller to fill; resize(), add_column and the
// appends must still give zeros (or the copied values) where old values lie in the memory.
TEST(SampleBatch, OnlyResizeForOverwriteLeavesOldValuesInNewRows) {
  SampleBatch b = make_batch({1, 1, 1, 2, 2, 2});
  b.clear();
  b.resize(4);
  for (int c = 0; c < b.num_columns(); ++c) {
    for (int64_t k = 0; k < 4 * b.width(c); ++k) {
      const double v = b.type(c) == ColumnType::float32 ? b.f32(c)[k] : b.i64(c)[k];
      EXPECT_EQ(v, 0.0) << b.column_names()[c] << " value " << k;
    }
  }
  b.clear();
  b.resize_for_overwrite(6);
  EXPECT_EQ(b.size(), 6);
  for (int c = 0; c < b.num_columns(); ++c) {
    if (b.type(c) == ColumnType::float32) {
      std::fill_n(b.f32(c), 6 * b.width(c), 2.5f);
    } else {
      std::fill_n(b.i64(c), 6 * b.width(c), int64_t{9});
    }
  }
  b.resize(2);
  b.add_column("advantages", 1, ColumnType::float32);
  b.resize(6);  // rows 2..5 held 2.5 / 9 in the memory
  for (int c = 0; c < b.num_columns(); ++c) {
    for (int64_t k = 2 * b.width(c); k < 6 * b.width(c); ++k) {
      const double v = b.type(c) == ColumnType::float32 ? b.f32(c)[k] : b.i64(c)[k];
      EXPECT_EQ(v, 0.0) << b.column_names()[c] << " value " << k;
    }
  }
  SampleBatch three = make_batch({7, 7, 7});
  three.add_column("advantages", 1, ColumnType::float32);
  b.clear();
  b.append(three);
  EXPECT_TRUE(b.identical(three));
  message_of<ValueError>([&] { b.resize_for_overwrite(-1); });
}
TEST(SampleBatch, ConcatEqualsAppendAndKeepsTheOrder) {
  SampleBatch a = make_batch({1, 1, 1}, 0), b = make_batch({2, 2}, 3), empty = make_batch({});
  SampleBatch joined = SampleBatch::concat({&a, &empty, &b});
  EXPECT_EQ(joined.size(), 5);
  EXPECT_EQ(t_column(joined), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  for (int r = 0; r < 5; ++r) expect_row_consistent(joined, r);
  EXPECT_EQ(joined.i64(col::kEpsId)[2], 1);
  EXPECT_EQ(joined.i64(col::kEpsId)[3], 2);

  SampleBatch appended = a;
  appended.reserve(5);
  const float* obs = appended.f32(col::kObs);
  appended.append(empty);
  appended.append(b);
  EXPECT_EQ(appended.f32(col::kObs), obs);  // no reallocation: the capacity sufficed
  EXPECT_TRUE(appended.identical(joined));
  EXPECT_TRUE(SampleBatch::concat({}).identical(SampleBatch()));

  // A batch appended to itself doubles its rows.
  SampleBatch twice = b;
  twice.append(twice);
  EXPECT_EQ(t_column(twice), (std::vector<int64_t>{3, 4, 3, 4}));
  for (int r = 0; r < 4; ++r) expect_row_consistent(twice, r);
}

TEST(SampleBatch, ConcatAndAppendNameTheFirstDifferingColumn) {
  SampleBatch a = make_batch({1});
  SampleBatch wider = SampleBatch::with_standard_columns(3, 4);
  std::string m = message_of<ConfigError>([&] { SampleBatch::concat({&a, &a, &wider}); });
  EXPECT_HAS(m, "batch 2");
  EXPECT_HAS(m, "'actions' (float32, width 2)");
  EXPECT_HAS(m, "'actions' (float32, width 4)");

  SampleBatch extra = make_batch({1});
  extra.add_column(col::kAdvantages, 1, ColumnType::float32);
  m = message_of<ConfigError>([&] { a.append(extra); });
  EXPECT_HAS(m, "'advantages'");
  EXPECT_HAS(m, "only in the other batch");
  m = message_of<ConfigError>([&] { extra.append(a); });
  EXPECT_HAS(m, "'advantages'");
  EXPECT_HAS(m, "missing from the other batch");
  EXPECT_EQ(a.size(), 1);  // the failed append changed nothing

  SampleBatch reordered;
  reordered.add_column("x", 1, ColumnType::float32);
  reordered.add_column("y", 1, ColumnType::float32);
  SampleBatch other;
  other.add_column("y", 1, ColumnType::float32);
  other.add_column("x", 1, ColumnType::float32);
  m = message_of<ConfigError>([&] { reordered.append(other); });
  EXPECT_HAS(m, "column 0 is 'x'");
  message_of<ValueError>([&] { SampleBatch::concat({&a, nullptr}); });
}

TEST(SampleBatch, SliceCopiesARangeOfRows) {
  SampleBatch b = make_batch({1, 1, 2, 2, 2});
  SampleBatch mid = b.slice(1, 4);
  EXPECT_EQ(mid.column_names(), b.column_names());
  EXPECT_EQ(t_column(mid), (std::vector<int64_t>{1, 2, 3}));
  for (int r = 0; r < 3; ++r) expect_row_consistent(mid, r);
  EXPECT_TRUE(b.slice(0, 5).identical(b));
  EXPECT_EQ(b.slice(5, 5).size(), 0);

  std::string m = message_of<ValueError>([&] { b.slice(3, 2); });
  EXPECT_HAS(m, "[3, 2)");
  m = message_of<ValueError>([&] { b.slice(0, 6); });
  EXPECT_HAS(m, "[0, 6)");
  EXPECT_HAS(m, "end <= 5");
  m = message_of<ValueError>([&] { b.slice(-1, 2); });
  EXPECT_HAS(m, "[-1, 2)");
}

TEST(SampleBatch, SplitByEpisodeGivesTheContiguousRunsInOrder) {
  SampleBatch b = make_batch({7, 7, 7, 9, 4, 4});
  std::vector<SampleBatch> pieces = b.split_by_episode();
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(t_column(pieces[0]), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(t_column(pieces[1]), (std::vector<int64_t>{3}));  // an episode of one row
  EXPECT_EQ(t_column(pieces[2]), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(pieces[1].i64(col::kEpsId)[0], 9);
  EXPECT_EQ(pieces[2].i64(col::kEpsId)[1], 4);
  expect_row_consistent(pieces[2], 1);
  EXPECT_TRUE(SampleBatch::concat({&pieces[0], &pieces[1], &pieces[2]}).identical(b));

  // An id that comes back after another episode starts a new piece; no rows, no pieces.
  EXPECT_EQ(make_batch({1, 2, 1}).split_by_episode().size(), 3u);
  EXPECT_TRUE(make_batch({}).split_by_episode().empty());

  SampleBatch no_ids;
  no_ids.add_column(col::kObs, 2, ColumnType::float32);
  std::string m = message_of<ConfigError>([&] { no_ids.split_by_episode(); });
  EXPECT_HAS(m, "'eps_id'");
}

TEST(SampleBatch, ShuffleMovesWholeRowsByOneReproduciblePermutation) {
  std::vector<int64_t> ids(12);
  std::iota(ids.begin(), ids.end(), 100);
  const SampleBatch original = make_batch(ids);

  SampleBatch a = original;
  nn::Rng rng(5);
  a.shuffle(rng);
  std::vector<int64_t> order = t_column(a);
  for (int r = 0; r < a.size(); ++r) {
    expect_row_consistent(a, r);
    EXPECT_EQ(a.i64(col::kEpsId)[r], 100 + order[r]);  // int64 columns moved along
  }
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, t_column(original));  // a permutation of the rows
  EXPECT_NE(order, t_column(original));

  // The permutation rng.shuffle makes of the row indices, with the same draws.
  std::vector<int64_t> expected = t_column(original);
  nn::Rng reference(5);
  reference.shuffle(expected.begin(), expected.end());
  EXPECT_EQ(order, expected);
  EXPECT_EQ(rng.state().block, reference.state().block);
  EXPECT_EQ(rng.state().used, reference.state().used);

  SampleBatch same = original;
  nn::Rng same_rng(5);
  same.shuffle(same_rng);
  EXPECT_TRUE(same.identical(a));
  SampleBatch other = original;
  nn::Rng other_rng(6);
  other.shuffle(other_rng);
  EXPECT_FALSE(other.identical(a));

  // Fewer than two rows: nothing to draw.
  SampleBatch one = make_batch({1});
  nn::Rng untouched(5);
  one.shuffle(untouched);
  EXPECT_EQ(untouched.state().block, 0u);
  EXPECT_EQ(untouched.state().used, 4u);
}

TEST(SampleBatch, CheckSingleTrajectoryNamesTheRowThatBreaksIt) {
  SampleBatch ok = make_batch({3, 3, 3});
  ok.f32(col::kTerminateds)[2] = 1.0f;  // the last row may end the episode
  ok.check_single_trajectory();
  ok.f32(col::kTerminateds)[2] = 0.0f;
  ok.f32(col::kTruncateds)[2] = 1.0f;
  ok.check_single_trajectory();
  make_batch({}).check_single_trajectory();

  SampleBatch two_episodes = make_batch({3, 3, 4});
  std::string m = message_of<ValueError>([&] { two_episodes.check_single_trajectory(); });
  EXPECT_HAS(m, "row 2 has eps_id 4");
  EXPECT_HAS(m, "row 0 has 3");

  SampleBatch two_agents = make_batch({3, 3, 3});
  two_agents.i64(col::kAgentIndex)[1] = 1;
  m = message_of<ValueError>([&] { two_agents.check_single_trajectory(); });
  EXPECT_HAS(m, "row 1 has agent_index 1");

  SampleBatch done_early = make_batch({3, 3, 3, 3});
  done_early.f32(col::kTerminateds)[1] = 1.0f;
  m = message_of<ValueError>([&] { done_early.check_single_trajectory(); });
  EXPECT_HAS(m, "row 1 is terminated");
  EXPECT_HAS(m, "4 rows");

  SampleBatch truncated_early = make_batch({3, 3});
  truncated_early.f32(col::kTruncateds)[0] = 1.0f;
  m = message_of<ValueError>([&] { truncated_early.check_single_trajectory(); });
  EXPECT_HAS(m, "row 0 is truncated");

  SampleBatch no_agents;
  no_agents.add_column(col::kEpsId, 1, ColumnType::int64);
  m = message_of<ConfigError>([&] { no_agents.check_single_trajectory(); });
  EXPECT_HAS(m, "'agent_index'");
}

TEST(MultiAgentBatch, ConcatAddsEnvStepsAndJoinsEachPolicysRows) {
  MultiAgentBatch first, second;
  first.env_steps = 4;
  first.policy_batches["a"] = make_batch({1, 1, 1}, 0);
  first.policy_batches["b"] = make_batch({1, 1, 1, 1, 1}, 50);  // only in the first
  second.env_steps = 6;
  second.policy_batches["c"] = make_batch({2}, 70);  // only in the second
  second.policy_batches["a"] = make_batch({2, 2}, 3);
  EXPECT_EQ(first.agent_steps(), 8);

  MultiAgentBatch joined = MultiAgentBatch::concat({&first, &second});
  EXPECT_EQ(joined.env_steps, 10);
  EXPECT_EQ(joined.agent_steps(), 3 + 5 + 2 + 1);
  EXPECT_EQ(joined.policy_ids(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(joined.has_policy("c"));
  EXPECT_FALSE(first.has_policy("c"));
  EXPECT_EQ(t_column(joined.batch("a")), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(joined.batch("b").identical(first.batch("b")));
  EXPECT_TRUE(joined.batch("c").identical(second.batch("c")));

  MultiAgentBatch none = MultiAgentBatch::concat({});
  EXPECT_EQ(none.env_steps, 0);
  EXPECT_TRUE(none.policy_ids().empty());
}

TEST(MultiAgentBatch, ErrorsNameThePolicyAndColumn) {
  MultiAgentBatch m1;
  m1.policy_batches["buyer"] = make_batch({1});
  m1.policy_batches["seller"] = make_batch({1});
  std::string m = message_of<ConfigError>([&] { m1.batch("shop"); });
  EXPECT_HAS(m, "'shop'");
  EXPECT_HAS(m, "'buyer', 'seller'");
  const MultiAgentBatch empty;
  m = message_of<ConfigError>([&] { empty.batch("shop"); });
  EXPECT_HAS(m, "no policies");

  MultiAgentBatch m2;
  m2.policy_batches["seller"] = SampleBatch::with_standard_columns(5, 2);
  m = message_of<ConfigError>([&] { MultiAgentBatch::concat({&m1, &m2}); });
  EXPECT_HAS(m, "policy 'seller'");
  EXPECT_HAS(m, "'obs' (float32, width 5)");
  message_of<ValueError>([&] { MultiAgentBatch::concat({&m1, nullptr}); });
}

TEST(MultiAgentBatch, ClearKeepsEachPolicysMemory) {
  MultiAgentBatch m;
  m.env_steps = 3;
  m.policy_batches["p"] = make_batch({1, 1, 1});
  const float* obs = m.batch("p").f32(col::kObs);
  m.clear();
  EXPECT_EQ(m.env_steps, 0);
  EXPECT_EQ(m.agent_steps(), 0);
  EXPECT_EQ(m.policy_ids(), (std::vector<std::string>{"p"}));
  for (int r = 0; r < 3; ++r) m.batch("p").append_row();
  EXPECT_EQ(m.batch("p").f32(col::kObs), obs);
}

}  // namespace
