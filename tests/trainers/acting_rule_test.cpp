// The one rule for who acts (StepResult::acts), checked through everything that drives envs:
// agents that leave at different steps (one by truncation) and FSM agents taking turns while
// both are observed. Whatever a trainer stores or a runner records must be exactly the actions
// the env decoded.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "analysis/rollout_runner.hpp"
#include "support/uneven_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"

namespace {

using uneven::DecodeLog;
using uneven::Life;

const std::vector<Life> kLives = {{"A", 2}, {"B", 6}, {"C", 3, /*by_truncation=*/true}};

TEST(ActingRule, AnAgentThatLeftIsObservedOnceMoreButDoesNotAct) {
  auto log = std::make_shared<DecodeLog>();
  auto env = uneven::make_env({{"A", 2}, {"B", 6}}, log);
  const phantom::StepResult* r = &env->reset(1);
  EXPECT_TRUE(r->acts(0));
  EXPECT_TRUE(r->acts(1));
  phantom::Actions actions = env->make_actions();
  for (int step = 1; step <= 6; ++step) {
    actions.clear();
    for (int i = 0; i < 2; ++i) {
      if (r->acts(i)) actions.set(i)[0] = 1.0f;
    }
    r = &env->step(actions);
    if (step == 2) {  // A's last step: its final observation and reward, but no more actions
      EXPECT_TRUE(r->observed(0));
      EXPECT_TRUE(r->terminated(0));
      EXPECT_FALSE(r->acts(0));
      EXPECT_TRUE(r->acts(1));
    }
    if (step > 2) {
      EXPECT_FALSE(r->acts(0));
    }
  }
  EXPECT_TRUE(r->done());
  EXPECT_FALSE(r->acts(1));  // observed at the end, but the episode is over
  EXPECT_EQ((*log)["A"], 2);
  EXPECT_EQ((*log)["B"], 6);
}

TEST(ActingRule, FsmAgentsActOnlyInTheirStageThoughBothAreObserved) {
  auto log = std::make_shared<DecodeLog>();
  auto env = uneven::make_turns_env(20, 20, log, 6);
  const phantom::StepResult* r = &env->reset(1);
  EXPECT_TRUE(r->acts(0));
  EXPECT_FALSE(r->acts(1));
  phantom::Actions actions = env->make_actions();
  for (int step = 1; step <= 5; ++step) {
    actions.clear();
    for (int i = 0; i < 2; ++i) {
      if (r->acts(i)) actions.set(i)[0] = 1.0f;
    }
    r = &env->step(actions);
    EXPECT_TRUE(r->observed(0) && r->observed(1)) << step;
    EXPECT_EQ(r->acts(0), step % 2 == 0) << step;  // stage "a" comes after even steps
    EXPECT_EQ(r->acts(1), step % 2 == 1) << step;
  }
}

// ---- Trainers: transitions stored = actions decoded ----

phantom::TrainOptions run_options(int iterations) {
  phantom::TrainOptions t;
  t.iterations = iterations;
  t.seed = 3;
  t.policies.add("p", phantom::agents_of_type<uneven::Mortal>());
  t.policies_to_train = {"p"};
  t.show_progress = false;
  return t;
}

double stat(const phantom::IterationStats& s, const std::string& name) {
  for (const auto& [n, v] : s.stats())
    if (n == name) return v;
  ADD_FAILURE() << "no statistic " << name;
  return -1;
}

// Runs PPO for `iterations` and returns the transitions stored over the run.
int64_t ppo_transitions(const phantom::EnvFactory& make, int num_envs, int steps_per_env,
                        int iterations) {
  phantom::PpoOptions o;
  o.num_envs = num_envs;
  o.steps_per_env = steps_per_env;
  o.minibatches = 2;
  o.epochs = 1;
  phantom::TrainOptions run = run_options(iterations);
  int64_t stored = 0;
  run.on_iteration = [&](int, const phantom::IterationStats& s, int64_t) {
    stored += static_cast<int64_t>(stat(s, "ppo/p/transitions"));
    return false;
  };
  phantom::PpoTrainer(o).train(make, {}, run);
  return stored;
}

TEST(ActingRule, PpoStoresExactlyTheDecodedActions) {
  // The case a new user reported: A leaves after 2 steps, B after 6, one env, 6 steps.
  auto log = std::make_shared<DecodeLog>();
  auto make = [log](const phantom::EnvConfig&) {
    return uneven::make_env({{"A", 2}, {"B", 6}}, log);
  };
  int64_t stored = ppo_transitions(make, 1, 6, 1);
  EXPECT_EQ(stored, 8);
  EXPECT_EQ(uneven::total(*log), 8);
}

TEST(ActingRule, PpoAcrossEpisodesEnvsAndEndings) {
  auto log = std::make_shared<DecodeLog>();
  auto make = [log](const phantom::EnvConfig&) { return uneven::make_env(kLives, log); };
  // 2 envs x 7 steps: fragments cut episodes anywhere.
  int64_t stored = ppo_transitions(make, 2, 7, 3);
  EXPECT_EQ(stored, uneven::total(*log));
  EXPECT_GT((*log)["B"], (*log)["A"]);
}

TEST(ActingRule, PpoOnFsmTurns) {
  // Iterations of whole episodes (9 steps): every action's transition is stored.
  auto log = std::make_shared<DecodeLog>();
  auto make = [log](const phantom::EnvConfig&) { return uneven::make_turns_env(3, 20, log, 9); };
  int64_t stored = ppo_transitions(make, 1, 9, 2);
  EXPECT_EQ(stored, uneven::total(*log));
  // Cut mid-episode: an agent observed but not acting next keeps its transition open (its
  // rewards still arrive) until it acts again, so the last iteration may leave one per agent
  // for the next; nothing is stored that the env did not decode.
  auto cut_log = std::make_shared<DecodeLog>();
  auto cut = [cut_log](const phantom::EnvConfig&) {
    return uneven::make_turns_env(3, 20, cut_log, 9);
  };
  int64_t cut_stored = ppo_transitions(cut, 1, 10, 2);
  EXPECT_LE(cut_stored, uneven::total(*cut_log));
  EXPECT_GE(cut_stored, uneven::total(*cut_log) - 2);
}

int64_t q_updates(const phantom::EnvFactory& make, int iterations) {
  phantom::QLearningOptions o;
  o.episodes_per_iteration = 3;
  phantom::TrainOptions run = run_options(iterations);
  int64_t updates = 0;
  run.on_iteration = [&](int, const phantom::IterationStats& s, int64_t) {
    updates += static_cast<int64_t>(stat(s, "q_updates"));
    return false;
  };
  phantom::QLearningTrainer(o).train(make, {}, run);
  return updates;
}

TEST(ActingRule, QLearningUpdatesOncePerDecodedAction) {
  // Every agent is observed when it leaves, so each action is closed by exactly one update.
  auto log = std::make_shared<DecodeLog>();
  auto make = [log](const phantom::EnvConfig&) { return uneven::make_env(kLives, log); };
  int64_t updates = q_updates(make, 2);
  EXPECT_EQ(updates, uneven::total(*log));
  EXPECT_EQ((*log)["A"], 2 * 3 * 2);  // 2 actions per episode, 3 episodes, 2 iterations

  auto turns_log = std::make_shared<DecodeLog>();
  auto turns = [turns_log](const phantom::EnvConfig&) {
    return uneven::make_turns_env(3, 20, turns_log, 9);
  };
  int64_t turn_updates = q_updates(turns, 2);
  EXPECT_EQ(turn_updates, uneven::total(*turns_log));
}

// ---- The rollout runner records exactly the decoded actions ----

class Ones : public phantom::Policy {
 public:
  using Policy::Policy;
  void compute_action(const float*, float* action, nn::Rng&) override { action[0] = 1.0f; }
  std::shared_ptr<Policy> clone() const override { return std::make_shared<Ones>(*this); }
};

TEST(ActingRule, RolloutRecordsExactlyTheDecodedActions) {
  for (bool turns : {false, true}) {
    auto log = std::make_shared<DecodeLog>();
    phantom::EnvFactory make = [log, turns](const phantom::EnvConfig&) {
      return turns ? uneven::make_turns_env(3, 20, log, 9) : uneven::make_env(kLives, log);
    };
    phantom::RolloutPolicies policies;
    policies.mapping.add("p", phantom::agents_of_type<uneven::Mortal>());
    policies.policies["p"] = std::make_shared<Ones>(phantom::discrete(16), phantom::discrete(2));
    phantom::RolloutOptions options;
    options.num_repeats = 3;
    options.workers = 1;  // the decode log is shared by every env: one thread
    options.show_progress = false;
    DecodeLog recorded;
    phantom::RolloutRunner(make, {}, policies, options).run([&](const phantom::Rollout& r) {
      for (const std::string& id : r.agent_ids()) {
        recorded[id] += static_cast<int64_t>(r.actions_for_agent(id, true).size());
      }
    });
    EXPECT_EQ(recorded, *log) << (turns ? "turns" : "lives");
    if (!turns) {
      EXPECT_EQ(recorded["A"], 2 * 3);
    }
  }
}

}  // namespace
