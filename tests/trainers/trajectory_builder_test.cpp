// TrajectoryBuilder: rows open when an agent acts and close when its next observation arrives;
// cut rows come out as standard SampleBatch columns with the previous action and reward chained.
#include "trainers/sampling/trajectory_builder.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "support/error_message.hpp"

namespace {

using phantom::SampleBatch;
using phantom::TrajectoryBuilder;
namespace sc = phantom::standard_column;

// Row k of a 2-value observation, 1-value action agent: obs (k, -k), action 10 + k.
void record(TrajectoryBuilder& b, int k, float reward, bool terminated = false) {
  const float obs[2] = {static_cast<float>(k), static_cast<float>(-k)};
  const float action[1] = {10.0f + static_cast<float>(k)};
  b.open_row(obs, action, /*logp=*/-0.5f * static_cast<float>(k), /*vf=*/0.25f * k,
             /*eps_id=*/7, /*agent_index=*/1, /*t=*/2 * k);
  b.add_reward(reward);
  b.add_reward(1.0f);  // a second reward in the same step adds up
  const float next[2] = {static_cast<float>(k + 1), static_cast<float>(-k - 1)};
  b.close_row(next, terminated, /*truncated=*/false);
}

TEST(TrajectoryBuilder, RowsComeOutAsStandardColumnsWithPreviousActionAndReward) {
  TrajectoryBuilder b(2, 1);
  for (int k = 0; k < 3; ++k) record(b, k, static_cast<float>(k), /*terminated=*/k == 2);
  SampleBatch out = SampleBatch::with_standard_columns(2, 1);
  b.write_rows(3, out);
  ASSERT_EQ(out.size(), 3);
  for (int k = 0; k < 3; ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(out.f32(sc::obs)[2 * k], static_cast<float>(k));
    EXPECT_EQ(out.f32(sc::obs)[2 * k + 1], static_cast<float>(-k));
    EXPECT_EQ(out.f32(sc::new_obs)[2 * k], static_cast<float>(k + 1));
    EXPECT_EQ(out.f32(sc::actions)[k], 10.0f + static_cast<float>(k));
    EXPECT_EQ(out.f32(sc::prev_actions)[k], k == 0 ? 0.0f : 10.0f + static_cast<float>(k - 1));
    EXPECT_EQ(out.f32(sc::rewards)[k], static_cast<float>(k) + 1.0f);
    EXPECT_EQ(out.f32(sc::prev_rewards)[k], k == 0 ? 0.0f : static_cast<float>(k));
    EXPECT_EQ(out.f32(sc::action_logp)[k], -0.5f * static_cast<float>(k));
    EXPECT_NEAR(out.f32(sc::action_prob)[k], std::exp(-0.5 * k), 1e-6);
    EXPECT_EQ(out.f32(sc::vf_preds)[k], 0.25f * k);
    EXPECT_EQ(out.f32(sc::terminateds)[k], k == 2 ? 1.0f : 0.0f);
    EXPECT_EQ(out.f32(sc::truncateds)[k], 0.0f);
    EXPECT_EQ(out.i64(sc::eps_id)[k], 7);
    EXPECT_EQ(out.i64(sc::agent_index)[k], 1);
    EXPECT_EQ(out.i64(sc::t)[k], 2 * k);
  }
}

TEST(TrajectoryBuilder, CuttingKeepsTheOpenRowAndTheChain) {
  TrajectoryBuilder b(2, 1);
  for (int k = 0; k < 40; ++k) record(b, k, 0.5f);  // past the first growth
  const float obs[2] = {40.0f, -40.0f}, action[1] = {50.0f};
  b.open_row(obs, action, 0.0f, 0.0f, 7, 1, 80);
  EXPECT_TRUE(b.open());
  EXPECT_EQ(b.size(), 41);
  EXPECT_EQ(b.closed(), 40);
  b.erase_front(b.closed());
  EXPECT_EQ(b.size(), 1);
  EXPECT_EQ(b.closed(), 0);
  b.add_reward(3.0f);
  const float next[2] = {41.0f, -41.0f};
  b.close_row(next, false, true);
  SampleBatch out = SampleBatch::with_standard_columns(2, 1);
  b.write_rows(1, out);
  EXPECT_EQ(out.f32(sc::obs)[0], 40.0f);
  EXPECT_EQ(out.f32(sc::prev_actions)[0], 49.0f);  // the last action before the cut
  EXPECT_EQ(out.f32(sc::prev_rewards)[0], 1.5f);
  EXPECT_EQ(out.f32(sc::rewards)[0], 3.0f);
  EXPECT_EQ(out.f32(sc::truncateds)[0], 1.0f);
  EXPECT_EQ(out.i64(sc::t)[0], 80);
}

TEST(TrajectoryBuilder, ExtraColumnsOfTheTargetAreZeroInTheWrittenRows) {
  TrajectoryBuilder b(2, 1);
  for (int k = 0; k < 4; ++k) record(b, k, 1.0f);
  SampleBatch out = SampleBatch::with_standard_columns(2, 1);
  const SampleBatch::Handle advantages =
      out.add_column("advantages", 1, phantom::ColumnType::float32);
  const SampleBatch::Handle counts = out.add_column("counts", 2, phantom::ColumnType::int64);
  out.resize(5);
  for (int r = 0; r < 5; ++r) {
    out.f32(advantages)[r] = 9.0f;  // what postprocessing left from an earlier piece
    out.i64(counts)[2 * r] = out.i64(counts)[2 * r + 1] = 9;
  }
  b.write_rows(4, out);
  ASSERT_EQ(out.size(), 4);
  for (int r = 0; r < 4; ++r) {
    EXPECT_EQ(out.f32(advantages)[r], 0.0f);
    EXPECT_EQ(out.i64(counts)[2 * r + 1], 0);
  }
}

TEST(TrajectoryBuilder, StartEpisodeForgetsRowsAndThePreviousActionAndReward) {
  TrajectoryBuilder b(2, 1);
  record(b, 3, 2.0f);
  b.start_episode();
  EXPECT_EQ(b.size(), 0);
  EXPECT_FALSE(b.open());
  record(b, 0, 0.0f);
  SampleBatch out = SampleBatch::with_standard_columns(2, 1);
  b.write_rows(1, out);
  EXPECT_EQ(out.f32(sc::prev_actions)[0], 0.0f);
  EXPECT_EQ(out.f32(sc::prev_rewards)[0], 0.0f);
}

TEST(TrajectoryBuilder, CheckpointRoundTripWithAnOpenRow) {
  TrajectoryBuilder b(2, 1);
  for (int k = 0; k < 3; ++k) record(b, k, 1.0f);
  const float obs[2] = {3.0f, -3.0f}, action[1] = {13.0f};
  b.open_row(obs, action, -1.0f, 0.5f, 7, 1, 6);
  b.add_reward(4.0f);
  const SampleBatch saved = b.to_batch();
  ASSERT_EQ(saved.size(), 4);
  EXPECT_EQ(saved.f32(sc::new_obs)[6], 0.0f);  // not known while the row is open
  EXPECT_EQ(saved.f32(sc::terminateds)[3], 0.0f);

  TrajectoryBuilder restored(2, 1);
  restored.restore(saved, /*open=*/true, b.prev_action(), b.prev_reward(), "test");
  EXPECT_TRUE(restored.open());
  EXPECT_TRUE(restored.to_batch().identical(saved));
  // Both continue identically: close the open row and record one more.
  for (TrajectoryBuilder* t : {&b, &restored}) {
    const float next[2] = {4.0f, -4.0f};
    t->close_row(next, false, false);
    record(*t, 4, 2.0f);
  }
  EXPECT_TRUE(restored.to_batch().identical(b.to_batch()));
}

TEST(TrajectoryBuilder, BadRequestsNameWhatWasExpected) {
  TrajectoryBuilder b(2, 1);
  record(b, 0, 1.0f);
  SampleBatch out = SampleBatch::with_standard_columns(2, 1);
  EXPECT_HAS(test_support::message_of<phantom::ValueError>([&] { b.write_rows(2, out); }),
             "2 rows asked of a builder holding 1");
  SampleBatch wrong = SampleBatch::with_standard_columns(3, 1);
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] { b.write_rows(1, wrong); }),
             "standard columns for 2 observation and 1 action values");
  EXPECT_THROW(b.erase_front(2), phantom::ValueError);

  TrajectoryBuilder other(2, 1);
  EXPECT_HAS(
      test_support::message_of<phantom::FormatError>(
          [&] { other.restore(wrong, false, {0.0f}, 0.0f, "ckpt agent0.rows"); }),
      "ckpt agent0.rows: column 0 is 'obs' (float32, width 2) here but 'obs' (float32, width 3) in "
      "the other batch");
  EXPECT_HAS(test_support::message_of<phantom::FormatError>([&] {
               other.restore(SampleBatch::with_standard_columns(2, 1), true, {0.0f}, 0.0f, "x");
             }),
             "an open row in an empty trajectory");
  EXPECT_HAS(
      test_support::message_of<phantom::FormatError>([&] {
        other.restore(SampleBatch::with_standard_columns(2, 1), false, {0.0f, 1.0f}, 0.0f, "x");
      }),
      "the previous action has 2 values, expected 1");
}

TEST(TrajectoryBuilder, RestoreRefusesRowsNoBuilderCouldHold) {
  TrajectoryBuilder b(2, 1);
  for (int k = 0; k < 3; ++k) record(b, k, 1.0f);
  const SampleBatch saved = b.to_batch();
  auto restore = [](const SampleBatch& rows, const std::vector<float>& prev_action,
                    float prev_reward) {
    TrajectoryBuilder t(2, 1);
    t.restore(rows, false, prev_action, prev_reward, "ckpt agent0.rows");
  };
  EXPECT_NO_THROW(restore(saved, b.prev_action(), b.prev_reward()));
  // Each derived column, edited in the file, no longer follows from the rest.
  for (SampleBatch::Handle h : {sc::prev_actions, sc::prev_rewards, sc::action_prob}) {
    SCOPED_TRACE(saved.column_names()[static_cast<std::size_t>(h)]);
    SampleBatch edited = saved;
    edited.f32(h)[2] += 1.0f;
    EXPECT_HAS(test_support::message_of<phantom::FormatError>(
                   [&] { restore(edited, b.prev_action(), b.prev_reward()); }),
               "ckpt agent0.rows: the rows are not one agent's chained rows of one episode");
  }
  for (SampleBatch::Handle h : {sc::eps_id, sc::agent_index}) {
    SCOPED_TRACE(saved.column_names()[static_cast<std::size_t>(h)]);
    SampleBatch edited = saved;
    edited.i64(h)[1] = 99;
    EXPECT_THROW(restore(edited, b.prev_action(), b.prev_reward()), phantom::FormatError);
  }
  EXPECT_HAS(test_support::message_of<phantom::FormatError>(
                 [&] { restore(saved, {5.0f}, b.prev_reward()); }),
             "the previous action and reward do not follow the saved rows");
}

TEST(TrajectoryBuilder, RowsOfAnotherEpisodeOrAgentAreRefused) {
  TrajectoryBuilder b(2, 1);
  record(b, 0, 1.0f);  // episode 7, agent index 1
  const float obs[2] = {0.0f, 0.0f}, action[1] = {0.0f};
  EXPECT_HAS(test_support::message_of<phantom::ValueError>(
                 [&] { b.open_row(obs, action, 0.0f, 0.0f, 8, 1, 1); }),
             "a row of episode 8, agent index 1, in a builder holding rows of episode 7");
  EXPECT_THROW(b.open_row(obs, action, 0.0f, 0.0f, 7, 2, 1), phantom::ValueError);
  b.erase_front(b.closed());  // empty again: the next episode may begin
  EXPECT_NO_THROW(b.open_row(obs, action, 0.0f, 0.0f, 8, 1, 0));
}

TEST(TrajectoryBuilder, CopiesAreIndependent) {
  TrajectoryBuilder b(2, 1);
  for (int k = 0; k < 20; ++k) record(b, k, 1.0f);  // past the first growth
  TrajectoryBuilder copy = b;
  record(copy, 20, 5.0f);
  EXPECT_EQ(b.size(), 20);
  EXPECT_EQ(copy.size(), 21);
  TrajectoryBuilder assigned;
  assigned = b;
  EXPECT_TRUE(assigned.to_batch().identical(b.to_batch()));
  b.start_episode();
  EXPECT_EQ(assigned.size(), 20);
  EXPECT_EQ(copy.to_batch().f32(sc::rewards)[20], 6.0f);
}

TEST(CopyValuesFinite, CopiesAndSaysWhetherEveryValueIsFinite) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float tiny = std::numeric_limits<float>::denorm_min();
  const float max = std::numeric_limits<float>::max();
  for (const std::vector<float>& values :
       {std::vector<float>{1.0f, -2.0f, tiny, max, -max, 0.0f}, std::vector<float>{nan},
        std::vector<float>{1.0f, 2.0f, inf}, std::vector<float>{-inf, 1.0f},
        std::vector<float>{0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f, -nan}}) {
    std::vector<float> out(values.size(), 9.0f);
    bool expected = true;
    for (float v : values) expected = expected && std::isfinite(v);
    EXPECT_EQ(
        phantom::copy_values_finite(values.data(), static_cast<int64_t>(values.size()), out.data()),
        expected);
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (std::isnan(values[k])) {
        EXPECT_TRUE(std::isnan(out[k]));
      } else {
        EXPECT_EQ(out[k], values[k]);
      }
    }
  }
}

}  // namespace

TEST(TrajectoryBuilder, AppendedRowsEqualWrittenRowsAfterTheBatchsOwn) {
  TrajectoryBuilder b(2, 1);
  for (int k = 0; k < 3; ++k) record(b, k, static_cast<float>(k));
  SampleBatch written = SampleBatch::with_standard_columns(2, 1);
  b.write_rows(3, written);
  // A batch that already holds rows of another piece, with one extra column.
  SampleBatch appended = SampleBatch::with_standard_columns(2, 1);
  const auto extra = appended.add_column("extra", 2, phantom::ColumnType::float32);
  b.write_rows(2, appended);
  appended.f32(extra)[0] = 5.0f;
  b.append_rows(3, appended);
  ASSERT_EQ(appended.size(), 5);
  for (int h = 0; h < sc::count; ++h) {
    SCOPED_TRACE(written.column_names()[static_cast<std::size_t>(h)]);
    const int64_t w = written.width(h);
    for (int64_t v = 0; v < 3 * w; ++v) {
      if (written.type(h) == phantom::ColumnType::float32) {
        EXPECT_EQ(appended.f32(h)[2 * w + v], written.f32(h)[v]);
      } else {
        EXPECT_EQ(appended.i64(h)[2 * w + v], written.i64(h)[v]);
      }
    }
  }
  EXPECT_EQ(appended.f32(extra)[0], 5.0f);  // the batch's own rows are untouched
  for (int v = 4; v < 10; ++v) EXPECT_EQ(appended.f32(extra)[v], 0.0f);
  EXPECT_HAS(test_support::message_of<phantom::ValueError>([&] { b.append_rows(4, appended); }),
             "append_rows: 4 rows asked of a builder holding 3");
}
