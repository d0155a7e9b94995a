// QTablePolicy: spaces, greedy actions, ties, nonzero starts, errors, saving.
#include "trainers/qlearning/q_table_policy.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "support/error_message.hpp"

namespace {

using phantom::QTablePolicy;

TEST(QTablePolicy, StartsAtZeroWithOneRowPerStateAndOneColumnPerAction) {
  QTablePolicy q(phantom::discrete(4), phantom::discrete(3));
  EXPECT_EQ(q.num_states(), 4);
  EXPECT_EQ(q.num_actions(), 3);
  ASSERT_EQ(q.table().size(), 12u);
  for (double v : q.table()) EXPECT_EQ(v, 0.0);
  q.q(2, 1) = 5.0;
  EXPECT_EQ(q.table()[2 * 3 + 1], 5.0);
}

TEST(QTablePolicy, ActsGreedilyAndTakesTheFirstActionOnTies) {
  QTablePolicy q(phantom::discrete(2), phantom::discrete(4));
  nn::Rng rng(1);
  float obs = 1.0f, action = -1.0f;
  q.compute_action(&obs, &action, rng);
  EXPECT_EQ(action, 0.0f);  // all zero: the first
  q.q(1, 2) = 1.0;
  q.q(1, 3) = 1.0;
  q.compute_action(&obs, &action, rng);
  EXPECT_EQ(action, 2.0f);  // tie between 2 and 3
  EXPECT_EQ(q.max_q(1), 1.0);
  q.q(0, 1) = -1.0;  // negative values: the zeros still win
  obs = 0.0f;
  q.compute_action(&obs, &action, rng);
  EXPECT_EQ(action, 0.0f);
}

TEST(QTablePolicy, MapsNonzeroStartsToRowsAndColumns) {
  // Observations 10..14 are rows 0..4; actions -1, 0, 1 are columns 0..2.
  QTablePolicy q(phantom::discrete(5, 10), phantom::discrete(3, -1));
  float obs = 13.0f;
  EXPECT_EQ(q.state_of(&obs), 3);
  q.q(3, 2) = 1.0;
  nn::Rng rng;
  float action = 0.0f;
  q.compute_action(&obs, &action, rng);
  EXPECT_EQ(action, 1.0f);
  EXPECT_TRUE(q.action_space()->contains(&action));
}

TEST(QTablePolicy, RejectsObservationsOutsideItsSpace) {
  QTablePolicy q(phantom::discrete(5, 10), phantom::discrete(2), "walker");
  for (float bad : {9.0f, 15.0f, 10.5f, std::numeric_limits<float>::quiet_NaN()}) {
    std::string m = test_support::message_of<phantom::ValueError>([&] { (void)q.state_of(&bad); });
    EXPECT_HAS(m, "policy 'walker'");
    EXPECT_HAS(m, "Discrete(5, start=10)");
  }
}

TEST(QTablePolicy, NeedsDiscreteSpacesAndNamesTheOtherOne) {
  std::string m = test_support::message_of<phantom::ConfigError>(
      [] { QTablePolicy(phantom::box(0, 1, {3}), phantom::discrete(2), "shop"); });
  EXPECT_HAS(m, "policy 'shop'");
  EXPECT_HAS(m, "Discrete observation space, not Box(0, 1, (3,))");
  m = test_support::message_of<phantom::ConfigError>([] {
    QTablePolicy(phantom::discrete(2), phantom::multi_discrete({2, 2}));
  });
  EXPECT_HAS(m, "QTablePolicy: a Q table needs a Discrete action space, not MultiDiscrete");
}

TEST(QTablePolicy, SavesAndLoadsTheTableBitForBit) {
  QTablePolicy a(phantom::discrete(3), phantom::discrete(2));
  a.q(0, 0) = 0.1;
  a.q(1, 1) = -1e-310;  // subnormal
  a.q(2, 0) = std::nextafter(1.0, 2.0);
  nn::StateDict dict;
  a.save(dict, "t");
  nn::StateDict loaded = nn::decode_state_dict(nn::encode_state_dict(dict).data(),
                                               nn::encode_state_dict(dict).size(), "mem");
  QTablePolicy b(phantom::discrete(3), phantom::discrete(2));
  b.load(loaded, "t");
  EXPECT_EQ(std::memcmp(a.table().data(), b.table().data(), a.table().size() * 8), 0);

  QTablePolicy wrong(phantom::discrete(2), phantom::discrete(3));
  std::string m = test_support::message_of<phantom::FormatError>([&] { wrong.load(loaded, "t"); });
  EXPECT_HAS(m, "a 3 x 2 Q table does not fit this policy's 2 x 3");
}

TEST(QTablePolicy, ClonesShareTheTableAndActIdentically) {
  QTablePolicy q(phantom::discrete(3, 1), phantom::discrete(4, -2));
  q.q(0, 3) = 1.0;
  q.q(1, 1) = 2.0;
  q.q(2, 2) = 0.5;
  std::shared_ptr<phantom::Policy> clone = q.clone();
  ASSERT_NE(clone, nullptr);
  auto& copy = dynamic_cast<QTablePolicy&>(*clone);
  EXPECT_EQ(&copy.table(), &q.table());  // shared, not copied
  EXPECT_EQ(clone->observation_space(), q.observation_space());
  nn::Rng rng;
  std::vector<float> obs = {1, 2, 3, 2}, mine(4), theirs(4), batched(4);
  std::vector<nn::Rng> rngs(4);
  for (std::size_t r = 0; r < obs.size(); ++r) {
    q.compute_action(&obs[r], &mine[r], rng);
    clone->compute_action(&obs[r], &theirs[r], rng);
  }
  EXPECT_EQ(mine, (std::vector<float>{1, -1, 0, -1}));
  EXPECT_EQ(theirs, mine);
  clone->compute_actions(obs.data(), 4, batched.data(), rngs.data());
  EXPECT_EQ(batched, mine);
  // The clone follows updates of the original's table (as a trainer's would).
  q.q(1, 0) = 9.0;
  float obs2 = 2.0f, action = 0.0f;
  clone->compute_action(&obs2, &action, rng);
  EXPECT_EQ(action, -2.0f);
}

}  // namespace
