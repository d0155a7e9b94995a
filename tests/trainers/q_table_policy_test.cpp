// QTablePolicy: spaces, greedy actions, ties, nonzero starts, errors, saving, exploration
// (EpsilonGreedy with masked actions, SoftQ) and the tabular update.
#include "trainers/qlearning/q_table_policy.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/error_message.hpp"
#include "trainers/qlearning/iteration_schedule.hpp"
#include "trainers/sampling/sample_batch.hpp"

namespace {

using phantom::QTablePolicy;
using phantom::QTablePolicyOptions;

constexpr double kInf = std::numeric_limits<double>::infinity();

// `rows` actions for observation `obs`, exploring, from one generator; counts per column.
std::vector<int> explored_counts(QTablePolicy& q, float obs, int rows, uint64_t seed,
                                 phantom::ActionBatch& out) {
  std::vector<float> observations(static_cast<std::size_t>(rows), obs);
  nn::Rng rng(seed);
  q.compute_actions(observations.data(), rows, /*explore=*/true, std::nullopt, rng, out);
  std::vector<int> counts(static_cast<std::size_t>(q.num_actions()), 0);
  for (float a : out.actions) {
    float value = a;
    ++counts[static_cast<std::size_t>(q.action_of(&value))];
  }
  return counts;
}

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

TEST(QTablePolicy, RejectsOptionsOutOfRangeNamingThePolicy) {
  auto message = [](QTablePolicyOptions o) {
    return test_support::message_of<phantom::ConfigError>(
        [&] { QTablePolicy(phantom::discrete(2), phantom::discrete(2), "p", o); });
  };
  QTablePolicyOptions o;
  o.alpha = 0.0;
  EXPECT_HAS(message(o), "policy 'p': alpha = 0, expected (0, 1]");
  o = {};
  o.gamma = -0.5;
  EXPECT_HAS(message(o), "policy 'p': gamma = -0.5, expected [0, 1]");
  o = {};
  o.exploration = "Boltzmann";
  EXPECT_HAS(message(o),
             "policy 'p': exploration = 'Boltzmann', expected 'EpsilonGreedy' or 'SoftQ'");
  o = {};
  o.exploration = "SoftQ";
  o.soft_q.temperature = 0.0;
  EXPECT_HAS(message(o), "policy 'p': SoftQ: temperature = 0");
  o = {};
  o.epsilon_greedy.final_epsilon = 2.0;
  EXPECT_HAS(message(o), "policy 'p': EpsilonGreedy: final_epsilon = 2");
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
  EXPECT_FALSE(copy.explore());          // as the original: not exploring
  EXPECT_NE(&copy.exploration(), &q.exploration());
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
  // A clone of an exploring policy explores too.
  q.set_explore(true);
  EXPECT_TRUE(dynamic_cast<QTablePolicy&>(*q.clone()).explore());
}

// ---- Exploration ----

TEST(QTablePolicyExploration, ActionsAreTheQValuesAsLogitsAndGreedyIsTheDeterministicAction) {
  // Q-values closer than float precision are a tie for the action distribution (whose logits
  // are floats); greedy() takes the same first largest logit.
  QTablePolicy q(phantom::discrete(1), phantom::discrete(3));
  q.q(0, 1) = 1.0;
  q.q(0, 2) = std::nextafter(1.0, 2.0);
  EXPECT_EQ(q.greedy(0), 1);
  EXPECT_EQ(q.max_q(0), std::nextafter(1.0, 2.0));  // the bootstrap term keeps double precision
  nn::Rng rng;
  float obs = 0.0f, action = -1.0f;
  q.compute_action(&obs, &action, rng);
  EXPECT_EQ(action, 1.0f);
  EXPECT_EQ(QTablePolicy::logit(-1e300), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(QTablePolicy::logit(1e300), std::numeric_limits<float>::infinity());
  EXPECT_EQ(QTablePolicy::logit(0.1), 0.1f);
}

TEST(QTablePolicyExploration, EpsilonGreedyExploresAtItsEpsilonAndNeverTakesAMaskedAction) {
  // Columns 0 and 2 are masked (-inf, and a value below the lowest float); the greedy one is 1.
  QTablePolicyOptions o;
  auto epsilon =
      std::make_shared<phantom::IterationSchedule>(std::make_shared<phantom::PiecewiseSchedule>(
          std::vector<std::pair<int64_t, double>>{{0, 1.0}, {2, 0.0}}, 0.0));
  o.epsilon_greedy.epsilon_schedule = epsilon;
  QTablePolicy q(phantom::discrete(1), phantom::discrete(4, 5), "masked", o);
  q.q(0, 0) = -kInf;
  q.q(0, 1) = 0.5;
  q.q(0, 2) = -1e300;
  q.q(0, 3) = 0.2;
  phantom::ActionBatch out;

  // Epsilon 1: every action random among the allowed ones (1 and 3), logp 0.
  std::vector<int> counts = explored_counts(q, 0.0f, 2000, 1, out);
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[2], 0);
  EXPECT_NEAR(counts[1], 1000, 100);
  EXPECT_NEAR(counts[3], 1000, 100);
  for (float lp : out.logp) EXPECT_EQ(lp, 0.0f);
  EXPECT_EQ(out.actions.size(), 2000u);

  // Epsilon 0.5 (iteration 1 of 2): the greedy action plus half of the random ones.
  epsilon->set_iteration(1);
  counts = explored_counts(q, 0.0f, 2000, 2, out);
  EXPECT_EQ(counts[0] + counts[2], 0);
  EXPECT_NEAR(counts[3], 500, 70);  // 2000 x 0.5 x 1/2
  EXPECT_EQ(counts[1] + counts[3], 2000);

  // Epsilon 0, or not exploring: always the greedy action, written with the space's start.
  epsilon->set_iteration(2);
  counts = explored_counts(q, 0.0f, 100, 3, out);
  EXPECT_EQ(counts[1], 100);
  epsilon->set_iteration(0);
  nn::Rng rng(4);
  float obs = 0.0f, action = 0.0f;
  q.compute_action(&obs, &action, rng);  // the policy's own setting: not exploring
  EXPECT_EQ(action, 6.0f);

  // Every action masked is an error naming the row.
  q.q(0, 1) = q.q(0, 3) = -kInf;
  EXPECT_HAS(
      test_support::message_of<phantom::ValueError>([&] { explored_counts(q, 0.0f, 1, 5, out); }),
      "EpsilonGreedy: row 0 has no allowed action");
}

// A snapshot (evaluation parallel to training) explores with the epsilon of the iteration it was
// taken at, while the trainer moves the shared schedule on; a clone follows the shared one.
TEST(QTablePolicyExploration, ASnapshotKeepsTheEpsilonOfItsIteration) {
  QTablePolicyOptions o;
  auto epsilon =
      std::make_shared<phantom::IterationSchedule>(std::make_shared<phantom::PiecewiseSchedule>(
          std::vector<std::pair<int64_t, double>>{{0, 1.0}, {1, 0.0}}, 0.0));
  o.epsilon_greedy.epsilon_schedule = epsilon;
  QTablePolicy q(phantom::discrete(1), phantom::discrete(2), "q", o);
  q.q(0, 1) = 1.0;  // greedy: action 1
  auto snapshot = std::static_pointer_cast<QTablePolicy>(q.snapshot());
  auto clone = std::static_pointer_cast<QTablePolicy>(q.clone());
  epsilon->set_iteration(1);  // the trainer's next step: epsilon 0
  phantom::ActionBatch out;
  EXPECT_NEAR(explored_counts(*snapshot, 0.0f, 2000, 1, out)[0], 1000, 100);  // epsilon 1
  EXPECT_EQ(explored_counts(*clone, 0.0f, 200, 2, out)[0], 0);                // epsilon 0
  EXPECT_EQ(explored_counts(q, 0.0f, 200, 3, out)[0], 0);
}

TEST(QTablePolicyExploration, SoftQSamplesTheSoftmaxOfTheQValuesOverTheTemperature) {
  for (double temperature : {0.5, 2.0}) {
    QTablePolicyOptions o;
    o.exploration = "SoftQ";
    o.soft_q.temperature = temperature;
    QTablePolicy q(phantom::discrete(1), phantom::discrete(3), "soft", o);
    q.q(0, 0) = 0.0;
    q.q(0, 1) = 1.0;
    q.q(0, 2) = -kInf;  // probability 0
    phantom::ActionBatch out;
    std::vector<int> counts = explored_counts(q, 0.0f, 4000, 7, out);
    double p1 = std::exp(1.0 / temperature) / (1.0 + std::exp(1.0 / temperature));
    EXPECT_EQ(counts[2], 0) << temperature;
    EXPECT_NEAR(counts[1] / 4000.0, p1, 0.025) << temperature;  // 0.881 or 0.622
    // logp is the action's log-probability under the tempered distribution.
    for (std::size_t r = 0; r < out.actions.size(); ++r) {
      double expected = out.actions[r] == 1.0f ? std::log(p1) : std::log(1.0 - p1);
      EXPECT_NEAR(out.logp[r], expected, 1e-5);
    }
    // Not exploring: the greedy action, whatever the temperature.
    nn::Rng rng;
    float obs = 0.0f, action = -1.0f;
    q.compute_action(&obs, &action, rng);
    EXPECT_EQ(action, 1.0f);
  }
}

TEST(QTablePolicyExploration, IterationScheduleIgnoresTheTimestep) {
  phantom::IterationSchedule s(std::make_shared<phantom::PiecewiseSchedule>(
      std::vector<std::pair<int64_t, double>>{{0, 1.0}, {4, 0.2}}, 0.2));
  EXPECT_EQ(s.value(123456), 1.0);
  s.set_iteration(1);
  EXPECT_EQ(s.iteration(), 1);
  EXPECT_DOUBLE_EQ(s.value(0), 0.8);
  EXPECT_DOUBLE_EQ(s.value(-7), 0.8);
  EXPECT_EQ(s.value_at_iteration(9), 0.2);
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [] { phantom::IterationSchedule bad(nullptr); }),
             "IterationSchedule: the per-iteration schedule is null");
}

// ---- Learning ----

TEST(QTablePolicyLearning, UpdatesRowByRowInBatchOrder) {
  // Observations 10, 11 are rows 0, 1; actions -1, 0 are columns 0, 1. alpha = gamma = 0.5.
  QTablePolicyOptions o;
  o.alpha = 0.5;
  o.gamma = 0.5;
  QTablePolicy q(phantom::discrete(2, 10), phantom::discrete(2, -1), "learner", o);
  q.q(1, 1) = 2.0;
  phantom::SampleBatch b = phantom::SampleBatch::with_standard_columns(1, 1);
  struct Row {
    float obs, action, reward, new_obs;
    bool terminated, truncated;
  };
  for (const Row& r : {Row{10, 0, 1, 11, false, false}, Row{11, 0, 0, 10, false, true},
                       Row{11, -1, 3, 11, true, false}}) {
    int64_t i = b.append_row();
    b.f32(phantom::columns::kObs)[i] = r.obs;
    b.f32(phantom::columns::kActions)[i] = r.action;
    b.f32(phantom::columns::kRewards)[i] = r.reward;
    b.f32(phantom::columns::kNewObs)[i] = r.new_obs;
    b.f32(phantom::columns::kTerminateds)[i] = r.terminated ? 1.0f : 0.0f;
    b.f32(phantom::columns::kTruncateds)[i] = r.truncated ? 1.0f : 0.0f;
  }
  phantom::LearnerStats stats;
  q.learn_on_batch(b, stats);
  // Row 0: target 1 + 0.5 max Q(1) = 2, Q(0, 1): 0 -> 1.
  EXPECT_EQ(q.q(0, 1), 1.0);
  // Row 1, truncated: bootstraps from new_obs with row 0's update: target 0.5 x 1,
  // Q(1, 1): 2 -> 1.25.
  EXPECT_EQ(q.q(1, 1), 1.25);
  // Row 2, terminated: target = the reward, Q(1, 0): 0 -> 1.5.
  EXPECT_EQ(q.q(1, 0), 1.5);
  EXPECT_EQ(q.q(0, 0), 0.0);
  EXPECT_EQ(stats.get("q_updates"), 3.0);
  EXPECT_DOUBLE_EQ(stats.get("td_error_mean"), (2.0 + 1.5 + 3.0) / 3.0);

  // An empty batch updates nothing; an action outside the space is an error naming it.
  b.clear();
  q.learn_on_batch(b, stats);
  EXPECT_EQ(stats.get("q_updates"), 0.0);
  EXPECT_TRUE(std::isnan(stats.get("td_error_mean")));
  int64_t i = b.append_row();
  b.f32(phantom::columns::kObs)[i] = 10.0f;
  b.f32(phantom::columns::kNewObs)[i] = 10.0f;
  b.f32(phantom::columns::kActions)[i] = 1.0f;
  std::string m =
      test_support::message_of<phantom::ValueError>([&] { q.learn_on_batch(b, stats); });
  EXPECT_HAS(m, "policy 'learner': action 1");
  EXPECT_HAS(m, "Discrete(2, start=-1)");
}

TEST(QTablePolicyLearning, StateRoundTripsTheTableAndTheExploration) {
  QTablePolicy a(phantom::discrete(2), phantom::discrete(3));
  a.q(1, 2) = 0.25;
  nn::Rng rng(3);
  float obs[4] = {0, 1, 1, 0};
  phantom::ActionBatch out;
  a.compute_actions(obs, 4, true, std::nullopt, rng, out);  // timestep 0 -> 4
  nn::StateDict dict;
  a.get_state(dict, "p");
  EXPECT_EQ(dict.get_int("p.weights.states"), 2);  // the table's own format, under .weights
  QTablePolicy b(phantom::discrete(2), phantom::discrete(3));
  b.set_state(dict, "p");
  EXPECT_EQ(b.table(), a.table());
  EXPECT_EQ(b.global_timestep(), 4);
  EXPECT_EQ(b.exploration().last_timestep(), 0);
  EXPECT_STREQ(b.exploration().name(), "EpsilonGreedy");

  QTablePolicyOptions soft;
  soft.exploration = "SoftQ";
  QTablePolicy c(phantom::discrete(2), phantom::discrete(3), "c", soft);
  EXPECT_HAS(test_support::message_of<phantom::FormatError>([&] { c.set_state(dict, "p"); }),
             "was saved by EpsilonGreedy, cannot load it into SoftQ");
}

}  // namespace
