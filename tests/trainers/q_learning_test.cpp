// QLearningTrainer on envs with known optimal Q-values: a chain, terminal vs truncated endings,
// an FSM whose agents observe every other step, shared tables, fixed policies, the episode
// loop's end, epsilon decay, the explorations (EpsilonGreedy, SoftQ) and configuration errors.
#include "trainers/qlearning/q_learning_trainer.hpp"

#include <gtest/gtest.h>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "supply_chain.hpp"
#include "support/error_message.hpp"
#include "support/policy_test_env.hpp"
#include "tabular_envs.hpp"

namespace {

using phantom::QLearningOptions;
using phantom::QLearningTrainer;
using phantom::QTablePolicy;
using phantom::TrainingResults;
using phantom::TrainOptions;

template <class MakeEnv>
phantom::EnvFactory factory(MakeEnv make) {
  return [make](const phantom::EnvConfig&) { return make(); };
}

TrainOptions quiet_run(int iterations, uint64_t seed = 1) {
  TrainOptions run;
  run.iterations = iterations;
  run.seed = seed;
  run.show_progress = false;
  return run;
}

const QTablePolicy& table_of(const TrainingResults& r, const std::string& id) {
  return dynamic_cast<const QTablePolicy&>(*r.policies.at(id));
}

double stat(const TrainingResults& r, const std::string& name) {
  for (const auto& kv : r.last.stats()) {
    if (kv.first == name) return kv.second;
  }
  ADD_FAILURE() << "no statistic " << name;
  return std::nan("");
}

QLearningOptions fast_learner(double gamma) {
  QLearningOptions q;
  q.alpha = 0.5;
  q.gamma = gamma;
  q.epsilon = 0.5;
  return q;
}

void expect_chain_optimal(const QTablePolicy& q, const tabular::ChainOptions& chain, double gamma) {
  auto expected = tabular::chain_optimal_q(chain, gamma);
  for (int s = 0; s < chain.length; ++s) {
    for (int a = 0; a < 3; ++a) {
      EXPECT_NEAR(q.q(s, a), expected[s][a], 1e-9) << "state " << s << " action " << a;
    }
  }
}

// Evaluation acts greedily with clones of the learned table: every evaluated episode earns what
// the optimal policy earns from its start (0.5 from position 1, going left; 1 from further
// right), never what an exploring step can cost.
TEST(QLearning, EvaluationActsGreedilyWithTheLearnedTable) {
  analysis_test::ScratchDir tmp;
  tabular::ChainOptions chain;
  QLearningTrainer trainer(fast_learner(0.6));
  TrainOptions run = quiet_run(300, 3);
  run.policies.add("walker", phantom::agent_ids({"W1"}));
  run.policies_to_train = {"walker"};
  run.results_dir = tmp.file("runs");
  run.evaluation.interval = 100;
  run.evaluation.duration = 5;
  TrainingResults r =
      trainer.train(factory([&] { return tabular::make_chain_env(chain); }), {}, run);
  const phantom::CsvTable csv = phantom::read_csv(r.run_dir + "/metrics.csv");
  const std::size_t last = 299;
  EXPECT_EQ(csv.numbers("evaluation/episodes")[last], 5.0);
  for (const char* column :
       {"evaluation/policy/walker/reward_min", "evaluation/policy/walker/reward_max"}) {
    const double value = csv.numbers(column)[last];
    EXPECT_TRUE(value == 0.5 || value == 1.0) << column << " = " << value;
  }
  EXPECT_TRUE(std::isnan(csv.numbers("evaluation/episodes")[last - 1]));
}

// --- Learning exact values ---

TEST(QLearning, LearnsTheOptimalQValuesOfAChain) {
  // gamma 0.6: from position 1 the near reward (0.5 now) beats the far one (0.6^2 = 0.36), from
  // 2 and 3 the far one wins. Stays cost a discount, and 6-step episodes truncate stayers.
  tabular::ChainOptions chain;
  QLearningTrainer trainer(fast_learner(0.6));
  TrainOptions run = quiet_run(300, 3);
  run.policies.add("walker", phantom::agent_ids({"W1"}));
  run.policies_to_train = {"walker"};
  TrainingResults r =
      trainer.train(factory([&] { return tabular::make_chain_env(chain); }), {}, run);

  const QTablePolicy& q = table_of(r, "walker");
  expect_chain_optimal(q, chain, 0.6);
  EXPECT_NEAR(q.q(1, 0), 0.5, 1e-9);
  EXPECT_NEAR(q.q(1, 2), 0.36, 1e-9);
  EXPECT_NEAR(q.q(2, 2), 0.6, 1e-9);
  EXPECT_NEAR(q.q(3, 1), 0.6, 1e-9);  // stay: 0.6 * V(3)
  EXPECT_NEAR(q.q(3, 2), 1.0, 1e-9);
  EXPECT_EQ(q.greedy(1), 0);  // left
  EXPECT_EQ(q.greedy(2), 2);  // right
  EXPECT_EQ(q.greedy(3), 2);
}

TEST(QLearning, LearnsAFarSightedPolicyWithALargerDiscount) {
  tabular::ChainOptions chain;
  chain.length = 7;
  QLearningTrainer trainer(fast_learner(0.9));
  TrainOptions run = quiet_run(400, 5);
  run.policies.add("walker", phantom::agent_ids({"W1"}));
  run.policies_to_train = {"walker"};
  TrainingResults r =
      trainer.train(factory([&] { return tabular::make_chain_env(chain); }), {}, run);
  const QTablePolicy& q = table_of(r, "walker");
  expect_chain_optimal(q, chain, 0.9);
  for (int s = 1; s <= 5; ++s) EXPECT_EQ(q.greedy(s), 2) << "state " << s;  // always right
}

// The ticker pays its action (0 or 1) every step in a single state.
const QTablePolicy& train_ticker(QLearningTrainer& trainer, tabular::TickerOptions o,
                                 TrainingResults& out) {
  TrainOptions run = quiet_run(100);
  run.policies.add("t", phantom::agent_ids({"T"}));
  run.policies_to_train = {"t"};
  out = trainer.train(factory([o] { return tabular::make_ticker_env(o); }), {}, run);
  return table_of(out, "t");
}

TEST(QLearning, DoesNotBootstrapFromATerminalObservation) {
  tabular::TickerOptions o;
  o.end_at = 1;  // terminates after one step: Q = the reward
  QLearningTrainer trainer(fast_learner(0.6));
  TrainingResults r;
  const QTablePolicy& q = train_ticker(trainer, o, r);
  EXPECT_NEAR(q.q(0, 0), 0.0, 1e-12);
  EXPECT_NEAR(q.q(0, 1), 1.0, 1e-12);
}

TEST(QLearning, BootstrapsFromTheLastObservationOnTruncation) {
  // Cut after one step, the task is still the endless one: Q(1) = 1 / (1 - 0.6), Q(0) = 0.6 Q(1).
  QLearningTrainer trainer(fast_learner(0.6));
  TrainingResults r;
  tabular::TickerOptions by_env;
  by_env.num_steps = 1;  // the episode's limit: no agent flag
  const QTablePolicy& a = train_ticker(trainer, by_env, r);
  EXPECT_NEAR(a.q(0, 1), 2.5, 1e-9);
  EXPECT_NEAR(a.q(0, 0), 1.5, 1e-9);

  tabular::TickerOptions by_agent;
  by_agent.end_at = 2;  // the agent's own truncation flag
  by_agent.end_by_termination = false;
  const QTablePolicy& b = train_ticker(trainer, by_agent, r);
  EXPECT_NEAR(b.q(0, 1), 2.5, 1e-9);
  EXPECT_NEAR(b.q(0, 0), 1.5, 1e-9);
}

TEST(QLearning, BootstrapsATruncationWithoutAFinalObservationFromTheLastStateSeen) {
  // The ticker is cut after one step without being observed, so no reward is reported; the
  // row still closes (new_obs = the state it last saw) and makes one update per action, whose
  // target is 0 + 0.6 max Q(0) = 0: the table stays at zero.
  tabular::TickerOptions o;
  o.end_at = 1;
  o.end_by_termination = false;
  o.observe_at_end = false;
  QLearningTrainer trainer(fast_learner(0.6));
  TrainingResults r;
  const QTablePolicy& q = train_ticker(trainer, o, r);
  EXPECT_EQ(stat(r, "q_updates"), 10.0);  // one per episode
  EXPECT_EQ(stat(r, "td_error_mean"), 0.0);
  EXPECT_EQ(q.q(0, 0), 0.0);
  EXPECT_EQ(q.q(0, 1), 0.0);

  // Terminated without an observation, the transition ends at its reward (here none).
  o.end_by_termination = true;
  train_ticker(trainer, o, r);
  EXPECT_EQ(stat(r, "q_updates"), 10.0);
}

TEST(QLearning, CreditsAgentsObservedEveryOtherStepWithTheirOwnRewards) {
  // A and B take turns; each is paid its own action and observed only before its turn, so each
  // transition spans two env steps. Discounting once per agent step (gamma 0.5):
  // Q(1) = 1 / (1 - 0.5) = 2, Q(0) = 0.5 * 2 = 1. 9 steps: the episode ends on A's turn.
  for (bool shared : {false, true}) {
    QLearningTrainer trainer(fast_learner(0.5));
    TrainOptions run = quiet_run(100);
    if (shared) {
      run.policies.add("ab", phantom::agents_of_type<tabular::Ticker>());
      run.policies_to_train = {"ab"};
    } else {
      run.policies.add("a", phantom::agent_ids({"A"})).add("b", phantom::agent_ids({"B"}));
      run.policies_to_train = {"a", "b"};
    }
    TrainingResults r =
        trainer.train(factory([] { return tabular::make_alternating_env(9); }), {}, run);
    for (const auto& kv : r.policies) {
      const auto& q = dynamic_cast<const QTablePolicy&>(*kv.second);
      EXPECT_NEAR(q.q(0, 1), 2.0, 1e-9) << kv.first;
      EXPECT_NEAR(q.q(0, 0), 1.0, 1e-9) << kv.first;
    }
    EXPECT_EQ(stat(r, "q_updates"), 90.0);  // 9 agent actions per episode, all completed
  }
}

// --- Policies shared, fixed and frozen ---

TEST(QLearning, AgentsSharingAPolicyTrainOneTable) {
  tabular::ChainOptions chain;
  chain.walkers = 2;
  QLearningTrainer trainer(fast_learner(0.6));
  TrainOptions run = quiet_run(200, 9);
  run.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
  run.policies_to_train = {"walkers"};
  TrainingResults r =
      trainer.train(factory([&] { return tabular::make_chain_env(chain); }), {}, run);
  ASSERT_EQ(r.policies.size(), 1u);
  expect_chain_optimal(table_of(r, "walkers"), chain, 0.6);
  // Every action of either walker completes one transition into the shared table.
  EXPECT_EQ(stat(r, "q_updates"), static_cast<double>(r.last.agent_steps));
  EXPECT_EQ(r.last.returns.size(), 2u);
}

TEST(QLearning, FixedAndFrozenPoliciesActWithoutLearning) {
  tabular::ChainOptions chain;
  chain.walkers = 3;
  phantom::PolicyRegistry registry;
  registry.add("constant",
               [](phantom::SpacePtr obs, phantom::SpacePtr act, const phantom::PolicyConfig& c) {
                 return std::make_shared<test_support::ConstantPolicy>(
                     obs, act, static_cast<float>(c.get_double("move")));
               });
  QLearningTrainer trainer(fast_learner(0.6));
  TrainOptions run = quiet_run(20);
  run.registry = registry;
  run.policies.add("learner", phantom::agent_ids({"W1"}))
      .add("right", "constant", phantom::agent_ids({"W2"}), {{"move", "1"}})
      .add("frozen", phantom::agent_ids({"W3"}));  // the trainer's kind, not trained
  run.policies_to_train = {"learner"};
  TrainingResults r =
      trainer.train(factory([&] { return tabular::make_chain_env(chain); }), {}, run);
  ASSERT_EQ(r.policies.size(), 3u);
  // W2 always walks right (paid 1); the frozen table is all zeros, so W3 always takes the first
  // action, left (paid 0.5).
  EXPECT_EQ(r.last.returns[1].min, 1.0);
  EXPECT_EQ(r.last.returns[1].max, 1.0);
  EXPECT_EQ(r.last.returns[2].min, 0.5);
  EXPECT_EQ(r.last.returns[2].max, 0.5);
  for (double v : table_of(r, "frozen").table()) EXPECT_EQ(v, 0.0);
  EXPECT_NE(table_of(r, "learner").q(3, 2), 0.0);
}

// --- The episode loop and the schedule ---

TEST(QLearning, EpisodesStopAtTheStepLimit) {
  // Python's loop (`while not terminated or truncated`) never ended once truncated.
  tabular::ChainOptions chain;
  chain.ends_terminate = false;
  chain.num_steps = 7;
  QLearningOptions q;
  q.episodes_per_iteration = 3;
  QLearningTrainer trainer(q);
  TrainOptions run = quiet_run(2);
  run.policies.add("walker", phantom::agent_ids({"W1"}));
  run.policies_to_train = {"walker"};
  TrainingResults r =
      trainer.train(factory([&] { return tabular::make_chain_env(chain); }), {}, run);
  EXPECT_EQ(r.last.env_steps, 21);
  EXPECT_EQ(r.last.episodes, 3);
  EXPECT_EQ(r.last.returns[0].count, 3);
}

TEST(QLearning, EpsilonDecaysLinearlyOverIterations) {
  QLearningOptions q;
  q.epsilon = 1.0;
  q.epsilon_final = 0.2;
  q.epsilon_decay_iterations = 4;
  QLearningTrainer trainer(q);
  std::vector<double> expected = {1.0, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(trainer.epsilon_at(static_cast<int64_t>(i)), expected[i], 1e-15) << i;
  }
  q.epsilon_decay_iterations = 0;  // no decay: epsilon_final is unused
  EXPECT_EQ(QLearningTrainer(q).epsilon_at(100), 1.0);
}

TEST(QLearning, ActsGreedilyOnceEpsilonHasDecayedToZero) {
  // Nothing pays, so every Q stays 0 and the greedy action is the first one, left. Epsilon goes
  // 1 -> 0.5 -> 0: in the last iteration the walker goes straight left from its start (1 to 3
  // steps), where random walks would often run into the 6-step limit.
  tabular::ChainOptions chain;
  chain.left_reward = chain.right_reward = 0.0;
  QLearningOptions q;
  q.epsilon = 1.0;
  q.epsilon_final = 0.0;
  q.epsilon_decay_iterations = 2;
  QLearningTrainer trainer(q);
  TrainOptions run = quiet_run(3);
  run.policies.add("walker", phantom::agent_ids({"W1"}));
  run.policies_to_train = {"walker"};
  TrainingResults r =
      trainer.train(factory([&] { return tabular::make_chain_env(chain); }), {}, run);
  EXPECT_EQ(stat(r, "epsilon"), 0.0);
  EXPECT_GE(r.last.env_steps, 10);
  EXPECT_LE(r.last.env_steps, 30);
}

// --- Exploration ---

// The ticker paying its action (0 or 1) for 100 steps an episode, 10 episodes an iteration.
// With gamma 0 the table learns Q = (0, 1) within the first episode, so from then on the
// greedy action is 1 and every 0 is exploration. Returns the share of 0s per iteration and the
// epsilon statistics.
struct TickerRun {
  std::vector<double> zero_share, epsilon;
  TrainingResults results;
};

TickerRun run_ticker(const QLearningOptions& q, int iterations) {
  tabular::TickerOptions o;
  o.num_steps = 100;
  QLearningTrainer trainer(q);
  TrainOptions run = quiet_run(iterations, 11);
  run.policies.add("t", phantom::agent_ids({"T"}));
  run.policies_to_train = {"t"};
  TickerRun out;
  run.on_iteration = [&](int, const phantom::IterationStats& s, int64_t) {
    EXPECT_EQ(s.episodes, 10);
    out.zero_share.push_back(1.0 - s.returns[0].mean() / 100.0);
    for (const auto& kv : s.stats()) {
      if (kv.first == "epsilon") out.epsilon.push_back(kv.second);
    }
    return false;
  };
  out.results = trainer.train(factory([o] { return tabular::make_ticker_env(o); }), {}, run);
  return out;
}

QLearningOptions ticker_learner() {
  QLearningOptions q;
  q.alpha = 0.5;
  q.gamma = 0.0;
  return q;
}

TEST(QLearningExploration, EpsilonGreedyExploresWithTheEpsilonOfEachIteration) {
  QLearningOptions q = ticker_learner();
  q.epsilon = 1.0;
  q.epsilon_final = 0.0;
  q.epsilon_decay_iterations = 4;
  TickerRun r = run_ticker(q, 6);
  EXPECT_EQ(r.epsilon, (std::vector<double>{1.0, 0.75, 0.5, 0.25, 0.0, 0.0}));
  ASSERT_EQ(r.zero_share.size(), 6u);
  // A random action is 0 half the time: 1000 actions an iteration put the share of 0s within a
  // few hundredths of epsilon / 2; with epsilon 0 there is none.
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(r.zero_share[i], r.epsilon[i] / 2.0, 0.05) << "iteration " << i;
  }
  EXPECT_EQ(r.zero_share[4], 0.0);
  EXPECT_EQ(r.zero_share[5], 0.0);
  // The returned table explored while training but acts greedily now.
  const QTablePolicy& t = table_of(r.results, "t");
  EXPECT_FALSE(t.explore());
  EXPECT_EQ(t.q(0, 0), 0.0);
  EXPECT_EQ(t.q(0, 1), 1.0);
}

TEST(QLearningExploration, SoftQSamplesTheBoltzmannPolicyOfTheTable) {
  // Q converges to (0, 1), so action 1 is taken with probability e^(1/T) / (1 + e^(1/T)).
  for (double temperature : {0.5, 2.0}) {
    QLearningOptions q = ticker_learner();
    q.exploration = "SoftQ";
    q.softq_temperature = temperature;
    TickerRun r = run_ticker(q, 3);
    double p1 = std::exp(1.0 / temperature) / (1.0 + std::exp(1.0 / temperature));
    EXPECT_NEAR(1.0 - r.zero_share.back(), p1, 0.05) << temperature;  // 0.881 or 0.622
    for (double e : r.epsilon) EXPECT_TRUE(std::isnan(e));            // no epsilon with SoftQ
    const QTablePolicy& t = table_of(r.results, "t");
    EXPECT_STREQ(t.exploration().name(), "SoftQ");
    EXPECT_EQ(t.q(0, 0), 0.0);
    EXPECT_EQ(t.q(0, 1), 1.0);
    EXPECT_EQ(t.greedy(0), 1);
  }
}

// --- Errors ---

TEST(QLearningErrors, RejectsOptionsOutOfRange) {
  auto message = [](QLearningOptions q) {
    return test_support::message_of<phantom::ConfigError>([&] { QLearningTrainer t(q); });
  };
  QLearningOptions q;
  q.alpha = 0.0;
  EXPECT_HAS(message(q), "QLearningOptions: alpha = 0, expected (0, 1]");
  q = {};
  q.gamma = 1.5;
  EXPECT_HAS(message(q), "gamma = 1.5, expected [0, 1]");
  q = {};
  q.epsilon = -0.1;
  EXPECT_HAS(message(q), "epsilon = -0.1");
  q = {};
  q.epsilon_final = std::nan("");
  EXPECT_HAS(message(q), "epsilon_final = nan");
  q = {};
  q.epsilon_decay_iterations = -1;
  EXPECT_HAS(message(q), "epsilon_decay_iterations = -1, expected >= 0");
  q = {};
  q.episodes_per_iteration = 0;
  EXPECT_HAS(message(q), "episodes_per_iteration = 0, expected >= 1");
  q = {};
  q.exploration = "Boltzmann";
  EXPECT_HAS(message(q),
             "QLearningOptions: exploration = 'Boltzmann', expected 'EpsilonGreedy' or 'SoftQ'");
  q = {};
  q.softq_temperature = 0.0;
  EXPECT_HAS(message(q), "QLearningOptions: softq_temperature = 0, expected a finite value > 0");
}

TEST(QLearningErrors, NeedsAPolicyToTrain) {
  QLearningTrainer trainer;
  TrainOptions run = quiet_run(1);
  run.policies.add("walker", phantom::agent_ids({"W1"}));
  std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { trainer.train(factory([] { return tabular::make_chain_env(); }), {}, run); });
  EXPECT_HAS(m, "policies_to_train is empty");
}

TEST(QLearningErrors, NamesThePolicyAndTheSpaceThatIsNotDiscrete) {
  QLearningTrainer trainer;
  TrainOptions run = quiet_run(1);
  run.policies.add("shop", phantom::agents_of_type<supply_chain::ShopAgent>());
  run.policies_to_train = {"shop"};
  std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { trainer.train(factory([] { return supply_chain::make_env(); }), {}, run); });
  EXPECT_HAS(m, "policy 'shop': a Q table needs a Discrete observation space, not Box(0, 1, (3,))");
}

TEST(QLearningErrors, RejectsAPolicyConfig) {
  QLearningTrainer trainer;
  TrainOptions run = quiet_run(1);
  run.policies.add("walker", phantom::agent_ids({"W1"}), {{"alpha", "0.3"}});
  run.policies_to_train = {"walker"};
  std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { trainer.train(factory([] { return tabular::make_chain_env(); }), {}, run); });
  EXPECT_HAS(m, "policy 'walker': unknown config key 'alpha'");
}

TEST(QLearningErrors, NamesAPolicyOfAnotherKindInPoliciesToTrain) {
  phantom::PolicyRegistry registry;
  registry.add("constant",
               [](phantom::SpacePtr obs, phantom::SpacePtr act, const phantom::PolicyConfig&) {
                 return std::make_shared<test_support::ConstantPolicy>(obs, act, 0.0f);
               });
  QLearningTrainer trainer;
  TrainOptions run = quiet_run(1);
  run.registry = registry;
  run.policies.add("fixed", "constant", phantom::agent_ids({"W1"}));
  run.policies_to_train = {"fixed"};
  std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { trainer.train(factory([] { return tabular::make_chain_env(); }), {}, run); });
  EXPECT_HAS(m, "must be of the trainer's kind 'qlearning'");
}

}  // namespace
