// Rollouts through the state-dict columns of mpi/rollout_codec.hpp: every entry kind comes back
// exactly (bits of floats, presence of optional entries, infos, messages, metrics), a runner's
// rollouts give the same CSV bytes after the trip, and malformed columns are refused by name.
// No MPI is involved.
#include "mpi/rollout_codec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "analysis/rollout_csv.hpp"
#include "analysis/test_files.hpp"
#include "mpi/message.hpp"
#include "nn/error.hpp"
#include "support/error_message.hpp"
#include "sweep.hpp"

namespace {

using phantom::Rollout;

bool same_bits(const float* a, const float* b, int64_t n) {
  if ((a == nullptr) != (b == nullptr)) return false;
  return a == nullptr || std::memcmp(a, b, static_cast<std::size_t>(n) * sizeof(float)) == 0;
}

// Every field, entry by entry, with floats compared by their bits.
void expect_same(const Rollout& got, const Rollout& want) {
  EXPECT_EQ(got.rollout_id, want.rollout_id);
  EXPECT_EQ(got.repeat_id, want.repeat_id);
  EXPECT_EQ(got.seed, want.seed);
  ASSERT_EQ(got.params.size(), want.params.size());
  for (std::size_t k = 0; k < want.params.size(); ++k) {
    EXPECT_EQ(got.params[k].name, want.params[k].name);
    EXPECT_TRUE(same_bits(&got.params[k].value, &want.params[k].value, 1)) << "param " << k;
  }
  ASSERT_EQ(got.agent_ids(), want.agent_ids());
  ASSERT_EQ(got.observation_sizes(), want.observation_sizes());
  ASSERT_EQ(got.action_sizes(), want.action_sizes());
  ASSERT_EQ(got.size(), want.size());
  for (int64_t i = 0; i < static_cast<int64_t>(want.size()); ++i) {
    EXPECT_EQ(got.stage(i), want.stage(i)) << "step " << i;
    for (std::size_t a = 0; a < want.agent_ids().size(); ++a) {
      SCOPED_TRACE("step " + std::to_string(i) + ", agent " + want.agent_ids()[a]);
      EXPECT_TRUE(
          same_bits(got.observation(i, a), want.observation(i, a), want.observation_sizes()[a]));
      EXPECT_TRUE(same_bits(got.action(i, a), want.action(i, a), want.action_sizes()[a]));
      EXPECT_EQ(got.reward(i, a).has_value(), want.reward(i, a).has_value());
      if (want.reward(i, a)) {
        const double g = got.reward(i, a).value_or(0.0), w = *want.reward(i, a);
        EXPECT_EQ(std::memcmp(&g, &w, 8), 0);
      }
      EXPECT_EQ(got.terminated(i, a), want.terminated(i, a));
      EXPECT_EQ(got.truncated(i, a), want.truncated(i, a));
      EXPECT_EQ(got.info(i, a).has_value(), want.info(i, a).has_value());
      if (want.info(i, a)) {
        EXPECT_EQ(got.info(i, a)->items(), want.info(i, a)->items());
      }
    }
    ASSERT_EQ(got.messages(i) == nullptr, want.messages(i) == nullptr) << "step " << i;
    if (want.messages(i)) {
      ASSERT_EQ(got.messages(i)->size(), want.messages(i)->size());
      for (std::size_t m = 0; m < want.messages(i)->size(); ++m) {
        const phantom::RecordedMessage &g = (*got.messages(i))[m], &w = (*want.messages(i))[m];
        EXPECT_EQ(g.sender_id, w.sender_id);
        EXPECT_EQ(g.receiver_id, w.receiver_id);
        EXPECT_EQ(g.type, w.type);
        EXPECT_EQ(g.payload_json, w.payload_json);
      }
    }
  }
  ASSERT_EQ(got.metrics.size(), want.metrics.size());
  for (std::size_t k = 0; k < want.metrics.size(); ++k) {
    EXPECT_EQ(got.metrics[k].name, want.metrics[k].name);
    EXPECT_EQ(got.metrics[k].value, want.metrics[k].value);
    EXPECT_EQ(got.metrics[k].values, want.metrics[k].values);
  }
}

// A rollout with every kind of entry, present and absent, and floats that only survive as bits.
Rollout everything() {
  Rollout r({"A", "B"}, {2, 1}, {1, 3});
  r.rollout_id = 17;
  r.repeat_id = 3;
  r.seed = 0xfedcba9876543210ull;  // the top bit set: stored as a negative int64
  r.params = {{"price", -0.0f}, {"tiny", std::numeric_limits<float>::denorm_min()}};
  const float nan_with_payload = [] {
    uint32_t bits = 0x7fc01234u;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }();
  const float obs_a[2] = {nan_with_payload, std::numeric_limits<float>::infinity()};
  const float obs_b[1] = {1.5f};
  const float act_a[1] = {-2.0f};
  const float act_b[3] = {0.0f, 1.0f, 2.0f};
  std::size_t i = r.add_step("bidding");
  r.set_observation(i, 0, obs_a);
  r.set_observation(i, 1, obs_b);
  r.set_action(i, 0, act_a);
  r.set_action(i, 1, act_b);
  r.set_reward(i, 0, -1e300);
  r.set_terminated(i, 0, false);
  r.set_truncated(i, 0, false);
  phantom::Infos info;
  info.set("fill", 0.25);
  info.set("", -3.0);
  r.set_info(i, 0, info);
  r.set_info(i, 1, phantom::Infos());  // present and empty
  phantom::RecordedMessage m{"A", "B", "bid", R"({"v":3})"};
  r.record_messages(i).push_back(m);
  i = r.add_step("");  // B alone acts; no messages recorded
  r.set_action(i, 1, act_b);
  r.set_reward(i, 1, 0.5);
  r.set_terminated(i, 1, true);
  r.set_truncated(i, 1, true);
  i = r.add_step("clearing");
  r.record_messages(i);  // recorded, none sent
  r.metrics.push_back({"stock", 4.5, {}});
  r.metrics.push_back({"empty", std::nullopt, {}});
  r.metrics.push_back({"sales", std::nullopt, {1.0, 2.0, -0.0}});
  return r;
}

// Packs `rollouts` into a state dict.
nn::StateDict packed(const std::vector<Rollout>& rollouts) {
  phantom::mpi::RolloutPacker packer;
  for (const Rollout& r : rollouts) packer.add(r);
  nn::StateDict dict;
  packer.put(dict);
  return dict;
}

TEST(MpiRolloutCodec, EveryEntryComesBackExactly) {
  const Rollout want = everything();
  Rollout second = everything();
  second.rollout_id = 18;
  second.params.pop_back();
  // Through the bytes of a message, as between ranks; an empty rollout between the two.
  std::vector<uint8_t> bytes = phantom::mpi::encode_message(phantom::mpi::MessageKind::rollouts, 0,
                                                            packed({want, Rollout(), second}));
  nn::StateDict back = phantom::mpi::decode_message(bytes.data(), bytes.size(), "test").body;
  phantom::mpi::RolloutUnpacker unpacker(back);
  ASSERT_EQ(unpacker.size(), 3u);
  Rollout got = unpacker.next();
  expect_same(got, want);
  EXPECT_TRUE(got.env_config.entries().empty());
  // Into the same object again: nothing of the rollout before may remain.
  unpacker.next(got);
  expect_same(got, Rollout());
  unpacker.next(got);
  expect_same(got, second);
  EXPECT_TRUE(unpacker.done());
  EXPECT_HAS(test_support::message_of<phantom::FormatError>([&] { unpacker.next(); }),
             "no rollout left after 3");
}

// Rollouts with agents and metrics but no steps (RolloutOptions::record_steps off): the agents'
// sizes come back though no observation is stored.
TEST(MpiRolloutCodec, RolloutsWithoutStepsComeBackExactly) {
  Rollout r({"A", "B"}, {5, 1}, {2, 3});
  r.rollout_id = 4;
  r.metrics.push_back({"stock", 2.5, {}});
  const nn::StateDict dict = packed({r, r});
  phantom::mpi::RolloutUnpacker unpacker(dict);
  expect_same(unpacker.next(), r);
  expect_same(unpacker.next(), r);
}

// The rollouts of a real sweep: their CSV files are byte-identical after the trip.
TEST(MpiRolloutCodec, RunnerRolloutsGiveTheSameCsvBytes) {
  analysis_test::ScratchDir dir;
  phantom::RolloutRunner runner = mpi_test::supply_chain_runner(3, 1, 1);
  std::vector<Rollout> rollouts = runner.collect();
  phantom::write_rollouts_csv(dir.file("direct.csv"), rollouts);
  phantom::write_rollout_metrics_csv(dir.file("direct-m.csv"), rollouts);
  nn::StateDict dict = packed(rollouts);
  phantom::mpi::RolloutUnpacker unpacker(dict);
  std::vector<Rollout> back;
  while (!unpacker.done()) back.push_back(unpacker.next());
  phantom::write_rollouts_csv(dir.file("coded.csv"), back);
  phantom::write_rollout_metrics_csv(dir.file("coded-m.csv"), back);
  const std::string steps = analysis_test::read_all(dir.file("direct.csv"));
  EXPECT_GT(steps.size(), 3u * 100u * 20u);
  EXPECT_EQ(analysis_test::read_all(dir.file("coded.csv")), steps);
  EXPECT_EQ(analysis_test::read_all(dir.file("coded-m.csv")),
            analysis_test::read_all(dir.file("direct-m.csv")));
}

TEST(MpiRolloutCodec, MalformedColumnsAreRefusedByName) {
  const nn::StateDict good = packed({everything(), everything()});
  auto refusal = [](const nn::StateDict& dict) {
    return test_support::message_of<phantom::FormatError>([&] {
      phantom::mpi::RolloutUnpacker unpacker(dict);
      while (!unpacker.done()) unpacker.next();
    });
  };
  nn::StateDict d = good;
  d.set_string("flags", d.get_string("flags").substr(1));
  EXPECT_HAS(refusal(d), "rollout column 'flags' is too short for a byte");
  d = good;
  d.set_string("observations", d.get_string("observations") + "abcd");
  EXPECT_HAS(refusal(d), "'observations' holds 4 bytes more than its rollouts use");
  d = good;
  d.set_doubles("rewards", {1.0});
  EXPECT_HAS(refusal(d), "'rewards' has fewer values");
  d = good;
  d.set_int64s("observation_sizes", {2, -1, 2, 1});
  EXPECT_HAS(refusal(d), "'observation_sizes' holds -1 where a count 0 .. ");
  d = good;
  d.set_int64s("observation_sizes", {2, int64_t{1} << 40, 2, 1});  // no such allocation
  EXPECT_HAS(refusal(d), "'observation_sizes' holds 1099511627776 where a count 0 .. 16777216");
  d = good;
  d.set_int64s("observation_sizes", {2, 100000, 2, 1});  // more floats than the column holds
  EXPECT_HAS(refusal(d), "'observations' is too short for 100000 floats");
  d = good;
  d.set_int64s("action_sizes", {1, 3, 1});
  EXPECT_HAS(refusal(d), "'action_sizes' has fewer values");
  d = good;
  d.set_int64s("message_steps", {7, 1, 2, 0, 0, 1, 2, 0});
  EXPECT_HAS(refusal(d), "'message_steps' holds step 7");
  d = good;
  d.set_int64s("step_counts", {3, 1000000});
  EXPECT_HAS(refusal(d), "'step_counts' holds 1000000 where a count");
  d = good;
  d.set_string("agents", std::string("\x09\0\0\0ABCDEFGH", 12));  // 9 bytes announced, 8 follow
  EXPECT_HAS(refusal(d), "'agents' is too short for a string of 9 bytes");
  d = good;
  d.set_string("stages", "\x07" + d.get_string("stages").substr(1));
  EXPECT_HAS(refusal(d),
             "'stages' holds stage 7 for step 0 of rollout 17, which has 3 stage names");
  d = good;
  d.set_int("count", 3);
  EXPECT_HAS(refusal(d), "'ids' has fewer values");
  EXPECT_HAS(refusal(nn::StateDict()), "ids");
}

}  // namespace
