// The rollout runner: grids, seeds, early stops, custom policies, messages, worker invariance.
#include "analysis/rollout_runner.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "analysis/rollout_csv.hpp"
#include "analysis/rollout_test_env.hpp"
#include "analysis/test_files.hpp"
#include "examples/supply_chain/fixed_policies.hpp"
#include "examples/supply_chain/supply_chain.hpp"
#include "nn/error.hpp"
#include "phantom/range.hpp"
#include "phantom/sampler.hpp"
#include "support/error_message.hpp"
#include "support/policy_test_env.hpp"
#include "trainers/tabular_envs.hpp"

namespace {

using phantom::EnvConfig;
using phantom::Rollout;
using phantom::RolloutOptions;
using phantom::RolloutPolicies;
using rollout_test::NoisyPolicy;

RolloutPolicies noisy_dealer() {
  RolloutPolicies p;
  p.mapping.add("dealer", phantom::agent_ids({"D1"}));
  p.policies["dealer"] =
      std::make_shared<NoisyPolicy>(phantom::box(-1e6f, 1e6f, {4}), phantom::box(-10, 10, {1}));
  return p;
}

RolloutOptions quiet(int repeats = 1, int workers = 1, int batch = 1) {
  RolloutOptions o;
  o.num_repeats = repeats;
  o.workers = workers;
  o.batch_size = batch;
  o.show_progress = false;
  return o;
}

phantom::EnvFactory dealer_factory(std::optional<phantom::FieldSource> price = std::nullopt) {
  return [price](const EnvConfig& c) { return rollout_test::make_dealer_env(c, price); };
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(RolloutRunner, ConfigAndSupertypeRangesMakeAGridFirstAxisSlowest) {
  auto a = phantom::linspace_range(0, 1, 3, "a");
  auto price = phantom::uniform_range(1, 3, 1);  // unnamed: "range-0"; values 1, 2
  EnvConfig config{{"steps", 2}, {"a", a}};
  phantom::RolloutRunner runner(dealer_factory(phantom::FieldSource(price)), config, noisy_dealer(),
                                quiet(2));
  ASSERT_EQ(runner.grid().size(), 6u);
  ASSERT_EQ(runner.size(), 12u);
  std::vector<Rollout> rollouts = runner.collect();
  ASSERT_EQ(rollouts.size(), 12u);
  std::set<uint64_t> seeds;
  for (std::size_t r = 0; r < rollouts.size(); ++r) {
    const Rollout& ro = rollouts[r];
    std::size_t point = r / 2;
    EXPECT_EQ(ro.rollout_id, static_cast<int64_t>(r));
    EXPECT_EQ(ro.repeat_id, static_cast<int64_t>(r % 2));
    ASSERT_EQ(ro.params.size(), 2u);
    EXPECT_EQ(ro.params[0].name, "a");
    EXPECT_EQ(ro.params[1].name, "range-0");
    EXPECT_FLOAT_EQ(ro.params[0].value, 0.5f * static_cast<float>(point / 2));  // slowest
    EXPECT_FLOAT_EQ(ro.params[1].value, 1.0f + static_cast<float>(point % 2));  // fastest
    // The values reach the env: through the config (a) and the supertype (price).
    EXPECT_FLOAT_EQ(ro.env_config.number("a"), ro.params[0].value);
    auto obs = ro.observations_for_agent("D1", true);
    ASSERT_EQ(obs.size(), 2u);
    EXPECT_FLOAT_EQ((*obs[0])[2], ro.params[0].value);
    EXPECT_FLOAT_EQ((*obs[0])[1], ro.params[1].value);
    EXPECT_EQ(ro.seed, runner.episode_seed(point, static_cast<int>(r % 2)));
    seeds.insert(ro.seed);
  }
  EXPECT_EQ(seeds.size(), 12u) << "every (point, repeat) has its own seed";
}

TEST(RolloutRunner, TenByFiveRangesGiveFiftyPointsTimesRepeats) {
  EnvConfig config{{"steps", 1},
                   {"a", phantom::linspace_range(0, 9, 10, "a")},
                   {"b", phantom::uniform_range(0, 5, 1, "b")}};
  // "b" is not read by the factory: an axis all the same.
  phantom::RolloutRunner runner(dealer_factory(), config, noisy_dealer(), quiet(3));
  EXPECT_EQ(runner.grid().size(), 50u);
  std::vector<Rollout> rollouts = runner.collect();
  ASSERT_EQ(rollouts.size(), 150u);
  EXPECT_FLOAT_EQ(rollouts[149].param("a"), 9.0f);
  EXPECT_FLOAT_EQ(rollouts[149].param("b"), 4.0f);
  EXPECT_FLOAT_EQ(rollouts[3].param("b"), 1.0f);  // point 1: b moves first
}

TEST(RolloutRunner, OneRangeUsedTwiceIsOneAxis) {
  auto r = phantom::linspace_range(0, 1, 4, "shared");
  EnvConfig config{{"a", r}, {"steps", 1}};
  // The same Range in the config and in the supertype: one axis, both get the same value.
  phantom::RolloutRunner runner(dealer_factory(phantom::FieldSource(r)), config, noisy_dealer(),
                                quiet());
  EXPECT_EQ(runner.grid().size(), 4u);
  for (const Rollout& ro : runner.collect()) {
    auto obs = ro.observations_for_agent("D1", true);
    EXPECT_FLOAT_EQ((*obs[0])[1], (*obs[0])[2]);
  }
}

TEST(RolloutRunner, EpisodesStopWhenDoneOrAtMaxSteps) {
  EnvConfig config{{"steps", 10}, {"stop", 3}};
  std::vector<Rollout> rollouts =
      phantom::run_rollouts(dealer_factory(), config, noisy_dealer(), quiet(2, 1, 2));
  ASSERT_EQ(rollouts.size(), 2u);
  for (const Rollout& r : rollouts) {
    ASSERT_EQ(r.size(), 3u) << "Python always ran num_steps";
    EXPECT_EQ(r.terminations_for_agent("D1"),
              (std::vector<std::optional<bool>>{false, false, true}));
  }
  RolloutOptions cut = quiet();
  cut.max_steps = 2;
  EXPECT_EQ(phantom::run_rollouts(dealer_factory(), {{"steps", 10}}, noisy_dealer(), cut)[0].size(),
            2u);
}

TEST(RolloutRunner, RecordsEachStepsObservationsActionsRewardsAndFlags) {
  RolloutOptions o = quiet();
  o.explore = true;
  Rollout r = phantom::run_rollouts(dealer_factory(), {{"steps", 3}}, noisy_dealer(), o)[0];
  ASSERT_EQ(r.agent_ids(), (std::vector<std::string>{"D1"}));
  EXPECT_EQ(r.observation_sizes(), (std::vector<int64_t>{4}));
  EXPECT_EQ(r.action_sizes(), (std::vector<int64_t>{1}));
  ASSERT_EQ(r.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const phantom::AgentRecord d = r[i].agents[0];
    EXPECT_EQ(r[i].i, static_cast<int64_t>(i));
    EXPECT_EQ(r[i].stage, "");
    ASSERT_TRUE(d.observation && d.action && d.reward);
    EXPECT_FLOAT_EQ((*d.observation)[0], static_cast<float>(i)) << "the obs before the step";
    // Exploring: price 1 + a uniform draw in [0, 1).
    EXPECT_GE((*d.action)[0], 1.0f);
    EXPECT_LT((*d.action)[0], 2.0f);
    // Reward = action * price + uniform draw in [0, 1).
    EXPECT_GE(*d.reward, (*d.action)[0]);
    EXPECT_LT(*d.reward, (*d.action)[0] + 1.0);
    // The step limit ends the episode for everyone (Python's "__all__"), not the agent.
    EXPECT_FALSE(*d.truncated);
    EXPECT_FALSE(*d.terminated);
    EXPECT_FALSE(r[i].messages.has_value());
  }
}

TEST(RolloutRunner, ExploreOffTakesTheMostLikelyAction) {
  Rollout r = phantom::run_rollouts(dealer_factory(), {{"steps", 2}}, noisy_dealer(), quiet())[0];
  for (const auto& a : r.actions_for_agent("D1")) EXPECT_EQ((*a)[0], 1.0f);
}

TEST(RolloutRunner, WithoutStepsARolloutKeepsItsHeaderAndMetrics) {
  RolloutOptions o = quiet(2);
  o.record_steps = false;
  o.record_messages = true;  // nothing to record it in: ignored
  o.metrics.emplace_back("price", std::make_shared<phantom::LambdaMetric>(
                                      [](const phantom::PhantomEnv& e) {
                                        return static_cast<double>(e.current_step());
                                      },
                                      [](const std::vector<double>& v) { return v.back(); },
                                      [](const std::vector<double>& v) { return v.back(); }));
  auto rollouts = phantom::run_rollouts(dealer_factory(), {{"steps", 3}}, noisy_dealer(), o);
  ASSERT_EQ(rollouts.size(), 2u);
  for (const Rollout& r : rollouts) {
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.metric("price").value, 3.0) << "metrics are recorded at every step all the same";
    EXPECT_EQ(r.agent_ids(), (std::vector<std::string>{"D1"}));
  }
}

TEST(RolloutRunner, RecordMessagesKeepsEveryMessageOfEveryStep) {
  RolloutOptions o = quiet();
  o.record_messages = true;
  Rollout r = phantom::run_rollouts(dealer_factory(), {{"steps", 3}}, noisy_dealer(), o)[0];
  for (std::size_t i = 0; i < r.size(); ++i) {
    ASSERT_NE(r.messages(i), nullptr);
    ASSERT_EQ(r.messages(i)->size(), 1u) << "one bid per step, tracked messages cleared";
    const phantom::RecordedMessage& m = (*r.messages(i))[0];
    EXPECT_EQ(m.sender_id, "B1");
    EXPECT_EQ(m.receiver_id, "D1");
    EXPECT_NE(m.type.find("Bid"), std::string::npos);
    EXPECT_EQ(m.payload_json.rfind("{\"v\":", 0), 0u) << m.payload_json;
    // The bid the dealer observes at the next step is the one recorded.
    if (i + 1 < r.size()) {
      std::string expected =
          "{\"v\":" + std::to_string(static_cast<int>(r.observation(i + 1, 0)[3])) + "}";
      EXPECT_EQ(m.payload_json, expected);
    }
  }
}

TEST(RolloutRunner, CustomMappingReplacesAnAgentsPolicy) {
  RolloutPolicies p = noisy_dealer();
  p.custom["D1"] = [](phantom::SpacePtr obs, phantom::SpacePtr act, const phantom::PolicyConfig&) {
    return std::make_shared<rollout_test::FixedActionPolicy>(obs, act, 1.0f);
  };
  p.policies.clear();  // no policy needed for an agent that is replaced
  for (const Rollout& r : phantom::run_rollouts(dealer_factory(), {{"steps", 5}}, p, quiet(3, 2))) {
    EXPECT_EQ(r.actions_for_agent("D1"),
              (std::vector<std::optional<std::vector<float>>>(5, std::vector<float>{1.0f})));
  }
}

TEST(RolloutRunner, StreamsInRollOutIdOrderWhateverTheWorkersAndBatches) {
  EnvConfig config{{"a", phantom::linspace_range(0, 1, 7)}, {"steps", 3}};
  phantom::RolloutRunner runner(dealer_factory(), config, noisy_dealer(), quiet(29, 3, 4));
  int64_t next = 0;
  runner.run([&](const Rollout& r) { EXPECT_EQ(r.rollout_id, next++); });
  EXPECT_EQ(next, 7 * 29);
}

// A slice of the sweep is that part of the whole run, whatever the batches and workers.
TEST(RolloutRunner, RunRangeGivesTheSameRolloutsAsTheWholeRun) {
  EnvConfig config{{"a", phantom::linspace_range(0, 1, 5)}, {"steps", 3}};
  RolloutOptions o = quiet(3, 2, 2);
  o.explore = true;  // the policy draws: its generators must line up too
  phantom::RolloutRunner runner(dealer_factory(), config, noisy_dealer(), o);
  std::vector<Rollout> all = runner.collect();
  ASSERT_EQ(all.size(), 15u);
  for (auto [first, count] :
       std::vector<std::pair<std::size_t, std::size_t>>{{0, 15}, {4, 7}, {14, 1}, {15, 0}}) {
    std::vector<Rollout> part;
    runner.run_range(first, count, [&](const Rollout& r) { part.push_back(r); });
    ASSERT_EQ(part.size(), count) << "slice " << first << "+" << count;
    for (std::size_t k = 0; k < count; ++k) {
      const Rollout& want = all[first + k];
      EXPECT_EQ(part[k].rollout_id, want.rollout_id);
      EXPECT_EQ(part[k].seed, want.seed);
      EXPECT_EQ(part[k].rewards_for_agent("D1"), want.rewards_for_agent("D1"))
          << "rollout " << want.rollout_id;
      EXPECT_EQ(part[k].actions_for_agent("D1"), want.actions_for_agent("D1"))
          << "rollout " << want.rollout_id;
    }
  }
  std::string m = test_support::message_of<phantom::ValueError>(
      [&] { runner.run_range(10, 6, [](const Rollout&) {}); });
  EXPECT_HAS(m, "run_range(10, 6)");
  EXPECT_HAS(m, "15 rollouts");
}

// run_range names the rollout that failed and its seed; run() lets the error through unchanged.
TEST(RolloutRunner, RunRangeNamesTheFailingRolloutAndItsSeed) {
  // Throws when it sees a = 3 (grid point 3: rollouts 6 and 7 with 2 repeats).
  class FailsAtThree : public NoisyPolicy {
   public:
    using NoisyPolicy::NoisyPolicy;
    void compute_action(const float* obs, float* action, nn::Rng& rng) override {
      if (obs[2] == 3.0f) throw phantom::ValueError("no action for a = 3");
      NoisyPolicy::compute_action(obs, action, rng);
    }
    std::shared_ptr<phantom::Policy> clone() const override {
      return std::make_shared<FailsAtThree>(*this);
    }
  };
  RolloutPolicies p = noisy_dealer();
  p.policies["dealer"] =
      std::make_shared<FailsAtThree>(phantom::box(-1e6f, 1e6f, {4}), phantom::box(-10, 10, {1}));
  EnvConfig config{{"a", phantom::linspace_range(0, 4, 5)}, {"steps", 2}};
  phantom::RolloutRunner runner(dealer_factory(), config, p, quiet(2));
  try {
    runner.run_range(2, 8, [](const Rollout&) {});
    ADD_FAILURE() << "run_range did not throw";
  } catch (const phantom::RolloutFailure& e) {
    EXPECT_EQ(e.rollout_id(), 6u);
    EXPECT_EQ(e.seed(), runner.episode_seed(3, 0));
    EXPECT_HAS(e.what(), "rollout 6 (seed " + std::to_string(runner.episode_seed(3, 0)) + ")");
    EXPECT_HAS(e.what(), "computing actions: no action for a = 3");
  }
  // A batch of 4 envs: the policy acts for rollouts 4..7 in one call.
  phantom::RolloutRunner batched(dealer_factory(), config, p, quiet(2, 1, 4));
  std::string m = test_support::message_of<phantom::RolloutFailure>(
      [&] { batched.run_range(0, 10, [](const Rollout&) {}); });
  EXPECT_HAS(m, "rollout 4 (seed");
  EXPECT_HAS(m, "one call for rollouts 4 and 3 more");
  // run() keeps the original error.
  m = test_support::message_of<phantom::ValueError>([&] { runner.run([](const Rollout&) {}); });
  EXPECT_EQ(m, "no action for a = 3");
}

// The output of a sweep does not depend on workers or batch size: byte-identical CSVs.
TEST(RolloutRunnerParallel, SupplyChainCsvIsIdenticalForAnyWorkerCountAndBatchSize) {
  analysis_test::ScratchDir dir;
  auto make_env = [](const EnvConfig&) { return supply_chain::make_env(); };
  RolloutPolicies p;
  p.mapping.add("shop", phantom::agent_ids({"SHOP"}));
  // Orders a random amount (0-10 units), from the policy generator: the seeds must line up.
  p.policies["shop"] = std::make_shared<supply_chain::RandomOrder>(
      phantom::box(0, 1, {3}), phantom::box(0, 100, {1}), 10.0f);
  std::string reference;
  for (auto [workers, batch] :
       std::vector<std::pair<int, int>>{{1, 1}, {2, 1}, {4, 3}, {2, 7}, {2, 16}}) {
    RolloutOptions o = quiet(10, workers, batch);
    o.seed = 42;
    o.metrics.emplace_back("stock", phantom::agent_metric<supply_chain::ShopAgent>(
                                        "SHOP", &supply_chain::ShopAgent::stock,
                                        phantom::Reduce::mean, phantom::Reduce::mean));
    // A second run of the same runner reuses its threads, policies and envs: same output.
    phantom::RolloutRunner runner(make_env, {}, p, o);
    for (int run = 0; run < 2; ++run) {
      std::string path = dir.file("w") + std::to_string(workers) + "b" + std::to_string(batch) +
                         "r" + std::to_string(run);
      phantom::RolloutCsvWriter steps(path + ".csv");
      phantom::RolloutMetricsCsvWriter metrics(path + "-metrics.csv");
      runner.run([&](const Rollout& r) {
        steps.write(r);
        metrics.write(r);
      });
      steps.close();
      metrics.close();
      std::string text = read_file(path + ".csv") + read_file(path + "-metrics.csv");
      if (reference.empty()) {
        reference = text;
        EXPECT_GT(text.size(), 10u * 100u * 20u);
      } else {
        EXPECT_EQ(text, reference) << workers << " workers, batch " << batch << ", run " << run;
      }
    }
  }
}

// One worker runs full batches. With several, a batch takes at most 1 / (2 x workers) of what is
// left, but no fewer than a quarter of the batch size: the workers end a run close together,
// rather than one waiting up to a whole batch for the other.
TEST(RolloutBatchStarts, FullBatchesThenATailThatShrinksToAQuarterBatch) {
  using phantom::rollout_batch_starts;
  using Starts = std::vector<std::size_t>;
  EXPECT_EQ(rollout_batch_starts(0, 16, 2), Starts({0}));
  EXPECT_EQ(rollout_batch_starts(40, 16, 1), Starts({0, 16, 32, 40}));
  // 2 workers: full batches while 64 or more are left; then 48 -> 12, 36 -> 9, 27 -> 7, 20 -> 5,
  // then the floor of 4 until the last 3.
  Starts two = rollout_batch_starts(1024, 16, 2);
  const Starts tail(two.end() - 10, two.end());
  EXPECT_EQ(tail, Starts({960, 976, 988, 997, 1004, 1009, 1013, 1017, 1021, 1024}));
  EXPECT_EQ(two.size(), 60u + 10u);
  // Batches of 1 stay 1; a short slice is shared out at once.
  EXPECT_EQ(rollout_batch_starts(3, 1, 2), Starts({0, 1, 2, 3}));
  EXPECT_EQ(rollout_batch_starts(10, 16, 2), Starts({0, 4, 8, 10}));
  for (std::size_t workers : {1, 2, 3, 8}) {
    for (std::size_t total : {1, 7, 100, 1000}) {
      for (std::size_t batch : {1, 2, 5, 16, 64}) {
        Starts starts = rollout_batch_starts(total, batch, workers);
        ASSERT_EQ(starts.front(), 0u);
        ASSERT_EQ(starts.back(), total) << total << " rollouts, batch " << batch;
        for (std::size_t b = 1; b < starts.size(); ++b) {
          const std::size_t size = starts[b] - starts[b - 1];
          ASSERT_GE(size, 1u) << "batch " << b << " of " << total << "/" << batch;
          ASSERT_LE(size, batch) << "batch " << b << " of " << total << "/" << batch;
          if (b + 1 < starts.size()) {
            ASSERT_GE(size, std::min(batch, (batch + 3) / 4))
                << "batch " << b << " of " << total << "/" << batch << ", " << workers
                << " workers: only the last may be below the floor";
          }
        }
      }
    }
  }
}

// Python's test_rllib_rollout_vectorized_fsm_env: batched rollouts of FSM envs equal unbatched
// ones. Python refused batches of non-deterministic FSMs (it assumed every env of a batch had the
// same acting agents); each env here has its own, so they work too.
TEST(RolloutRunner, FsmStagesAreRecordedAndBatchingDoesNotChangeAnything) {
  for (bool random_stages : {false, true}) {
    auto make_env = [random_stages](const EnvConfig&) -> std::unique_ptr<phantom::PhantomEnv> {
      if (!random_stages) return tabular::make_alternating_env(8);
      // The same agents; each stage's handler picks the next stage at random.
      auto net = std::make_unique<phantom::Network>();
      net->emplace<tabular::Ticker>("A", tabular::TickerOptions{});
      net->emplace<tabular::Ticker>("B", tabular::TickerOptions{});
      std::vector<phantom::FSMStage> stages(2);
      for (int k = 0; k < 2; ++k) {
        std::string id = k == 0 ? "a" : "b";
        stages[static_cast<std::size_t>(k)].id = id;
        stages[static_cast<std::size_t>(k)].acting_agents = {k == 0 ? "A" : "B"};
        stages[static_cast<std::size_t>(k)].rewarded_agents =
            std::vector<std::string>{k == 0 ? "A" : "B"};
        stages[static_cast<std::size_t>(k)].next_stages = {"a", "b"};
        stages[static_cast<std::size_t>(k)].handler =
            [](phantom::FiniteStateMachineEnv& e) -> std::optional<std::string> {
          return e.rng().bernoulli(0.5) ? "a" : "b";
        };
      }
      return std::make_unique<phantom::FiniteStateMachineEnv>(std::move(net), 8, "a",
                                                              std::move(stages));
    };
    RolloutPolicies p;
    p.mapping.add("tickers", phantom::agent_ids({"A", "B"}));
    class Coin : public phantom::Policy {
     public:
      using Policy::Policy;
      void compute_action(const float*, float* action, nn::Rng& rng) override {
        action[0] = rng.bernoulli(0.5) ? 1.0f : 0.0f;
      }
      std::shared_ptr<Policy> clone() const override { return std::make_shared<Coin>(*this); }
    };
    p.policies["tickers"] = std::make_shared<Coin>(phantom::discrete(1), phantom::discrete(2));
    std::vector<Rollout> one = phantom::run_rollouts(make_env, {}, p, quiet(6, 1, 1));
    std::vector<Rollout> three = phantom::run_rollouts(make_env, {}, p, quiet(6, 2, 3));
    ASSERT_EQ(one.size(), three.size());
    for (std::size_t r = 0; r < one.size(); ++r) {
      ASSERT_EQ(one[r].size(), 8u);
      for (std::size_t i = 0; i < 8; ++i) {
        const std::string stage = one[r].stage(i);
        ASSERT_TRUE(stage == "a" || stage == "b");
        EXPECT_EQ(stage, three[r].stage(i));
        // Only the stage's agent acts.
        EXPECT_EQ(one[r][i].agents[0].action.has_value(), stage == "a");
        EXPECT_EQ(one[r][i].agents[1].action.has_value(), stage == "b");
        EXPECT_EQ(one[r][i].agents[0].action, three[r][i].agents[0].action);
        EXPECT_EQ(one[r][i].agents[1].action, three[r][i].agents[1].action);
      }
      std::size_t a_steps = one[r].actions_for_agent("A", false, {{"a"}}).size();
      EXPECT_EQ(one[r].actions_for_agent("A", true).size(), a_steps);
      if (!random_stages) {
        EXPECT_EQ(a_steps, 4u);
      }
    }
  }
}

TEST(RolloutRunner, RejectsBadOptionsAndInputsWithClearErrors) {
  auto make = [](EnvConfig c, RolloutPolicies p, RolloutOptions o) {
    phantom::RolloutRunner(dealer_factory(), std::move(c), std::move(p), o);
  };
  EXPECT_HAS(
      test_support::message_of<phantom::ConfigError>([&] { make({}, noisy_dealer(), quiet(0)); }),
      "num_repeats = 0");
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [&] { make({}, noisy_dealer(), quiet(1, 0)); }),
             "workers = 0");
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [&] { make({}, noisy_dealer(), quiet(1, 1, 0)); }),
             "batch_size = 0");
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] {
               make({{"a", phantom::uniform(0.0f, 1.0f)}}, noisy_dealer(), quiet());
             }),
             "env config entry 'a' is a sampler");
  RolloutPolicies missing;
  missing.mapping.add("dealer", phantom::agent_ids({"D1"}));
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] { make({}, missing, quiet()); }),
             "no policy 'dealer' was given for agents 'D1'");
  RolloutPolicies fixed;
  fixed.mapping.add("dealer", phantom::agent_ids({"D1"}));
  fixed.policies["dealer"] = std::make_shared<rollout_test::FixedActionPolicy>(
      phantom::box(-1e6f, 1e6f, {4}), phantom::box(-10, 10, {1}), 0.0f);
  EXPECT_NO_THROW(make({}, fixed, quiet()));
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] { make({}, fixed, quiet(1, 2)); }),
             "policy 'dealer' cannot be cloned");
  RolloutPolicies wrong;
  wrong.mapping.add("dealer", phantom::agent_ids({"D1"}));
  wrong.policies["dealer"] =
      std::make_shared<NoisyPolicy>(phantom::box(0, 1, {2}), phantom::box(-10, 10, {1}));
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] { make({}, wrong, quiet()); }),
             "policy 'dealer' has spaces");
  RolloutPolicies custom = noisy_dealer();
  custom.custom["B1"] = [](phantom::SpacePtr o, phantom::SpacePtr a, const phantom::PolicyConfig&) {
    return std::make_shared<NoisyPolicy>(o, a);
  };
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] { make({}, custom, quiet()); }),
             "names 'B1', which is not a strategic agent of the env (strategic agents: 'D1')");
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] {
               make({{"a", phantom::uniform_range(1, 0, 1, "empty")}}, noisy_dealer(), quiet());
             }),
             "has no values");
}

}  // namespace

// Reproducer: the runner compared only the ids of later envs with the first, so an env with
// other spaces or classes (sized buffers from the first) went through. Each grid point's env
// must match the first env entirely.
TEST(RolloutRunner, AnEnvThatDiffersFromTheFirstIsAConfigErrorNamingTheGridPoint) {
  const EnvConfig config{{"a", phantom::linspace_range(0, 1, 2, "a")}};
  auto differs_at_one = [](bool extra_agent) -> phantom::EnvFactory {
    return [extra_agent](const EnvConfig& c) -> std::unique_ptr<phantom::PhantomEnv> {
      if (c.number("a", 0.0f) == 0.0f) return rollout_test::make_dealer_env(c);
      auto net = std::make_unique<phantom::Network>();
      if (extra_agent) {
        net->emplace<rollout_test::Dealer>("D1", 1.0f, 0);
        net->emplace<rollout_test::Dealer>("D2", 1.0f, 0);
      } else {  // D1 with the Dealer's spaces, of another class
        net->emplace<test_support::Seller>("D1", phantom::box(-1e6f, 1e6f, {4}),
                                           phantom::box(-10, 10, {1}));
      }
      return std::make_unique<phantom::PhantomEnv>(std::move(net), 4);
    };
  };
  for (bool extra_agent : {false, true}) {
    phantom::RolloutRunner runner(differs_at_one(extra_agent), config, noisy_dealer(), quiet());
    const std::string m = test_support::message_of<phantom::ConfigError>([&] { runner.collect(); });
    EXPECT_HAS(m,
               "rollout: the env built for grid point 1 differs from the first env the "
               "factory built: ");
    EXPECT_HAS(m, extra_agent ? "it has 2 strategic agents, expected 1 (extra: 'D2')"
                              : "strategic agent 0 ('D1') is a test_support::Seller, expected a "
                                "rollout_test::Dealer");
  }
}
