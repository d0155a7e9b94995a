// Trainer::load and rollouts of trained policies (Python's test_rllib_train_rollout): train with a
// results directory, load the policies back from LATEST or a given checkpoint, roll them out.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "analysis/evaluate_policy.hpp"
#include "analysis/results_dir.hpp"
#include "analysis/rollout_runner.hpp"
#include "analysis/test_files.hpp"
#include "support/error_message.hpp"
#include "tabular_envs.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"

namespace {

using phantom::QTablePolicy;
using phantom::TrainingResults;
using phantom::TrainOptions;

phantom::EnvFactory chain_factory() {
  return [](const phantom::EnvConfig&) {
    tabular::ChainOptions chain;
    chain.walkers = 2;
    return tabular::make_chain_env(chain);
  };
}

TrainOptions run_options(int iterations, const std::string& base) {
  TrainOptions run;
  run.iterations = iterations;
  run.seed = 7;
  run.show_progress = false;
  run.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
  run.policies_to_train = {"walkers"};
  run.results_dir = base;
  run.experiment = "chain";
  run.checkpoint_every = 1;
  return run;
}

phantom::QLearningOptions learner() {
  phantom::QLearningOptions q;
  q.alpha = 0.5;
  q.epsilon = 0.5;
  q.episodes_per_iteration = 4;
  return q;
}

const std::vector<double>& table(const TrainingResults& r) {
  return dynamic_cast<const QTablePolicy&>(*r.policies.at("walkers")).table();
}

TEST(TrainerLoad, LoadsTheNewestOrAGivenCheckpointFromLatest) {
  analysis_test::ScratchDir dir;
  TrainOptions run = run_options(3, dir.path().string());
  TrainingResults trained = phantom::QLearningTrainer(learner()).train(chain_factory(), {}, run);
  TrainingResults first = phantom::QLearningTrainer(learner()).train(
      chain_factory(), {}, run_options(1, dir.file("one")));

  std::string latest = dir.file("chain/LATEST");
  TrainingResults loaded =
      phantom::QLearningTrainer(learner()).load(latest, chain_factory(), {}, run);
  EXPECT_EQ(loaded.iterations, 3);
  EXPECT_EQ(loaded.run_dir, trained.run_dir);
  ASSERT_EQ(table(loaded).size(), table(trained).size());
  EXPECT_EQ(std::memcmp(table(loaded).data(), table(trained).data(),
                        table(trained).size() * sizeof(double)),
            0);
  // Checkpoint 1 of the 3-iteration run holds what a 1-iteration run ends with.
  TrainingResults at_one =
      phantom::QLearningTrainer(learner()).load(latest, chain_factory(), {}, run, 1);
  EXPECT_EQ(at_one.iterations, 1);
  EXPECT_EQ(table(at_one), table(first));
  EXPECT_NE(table(at_one), table(trained));

  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] {
               phantom::QLearningTrainer(learner()).load(latest, chain_factory(), {}, run, 5);
             }),
             "no checkpoint of iteration 5 in " + trained.run_dir + " (iterations: 1, 2, 3)");
}

// Q-learning records its options too: the exploration kind shapes the tables' saved state, so
// loading needs it equal; alpha only matters to resume.
TEST(TrainerLoad, AQLearningRunRecordsItsOptionsAndLoadNamesTheOneThatDiffers) {
  analysis_test::ScratchDir dir;
  TrainOptions run = run_options(1, dir.path().string());
  const std::string run_dir =
      phantom::QLearningTrainer(learner()).train(chain_factory(), {}, run).run_dir;
  phantom::QLearningOptions other = learner();
  other.exploration = "SoftQ";
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [&] { phantom::QLearningTrainer(other).load(run_dir, chain_factory(), {}, run); }),
             "QLearningOptions::exploration = EpsilonGreedy, but this trainer has SoftQ");
  other = learner();
  other.alpha = 0.25;
  EXPECT_EQ(phantom::QLearningTrainer(other).load(run_dir, chain_factory(), {}, run).iterations, 1);
  run.iterations = 2;
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] {
               phantom::QLearningTrainer(other).resume(run_dir, chain_factory(), {}, run);
             }),
             "QLearningOptions::alpha = 0.5, but this trainer has 0.25");
  // A run of another trainer.
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [&] { phantom::PpoTrainer().load(run_dir, chain_factory(), {}, run); }),
             "was trained by a trainer of QLearningOptions, not of PpoOptions");
}

TEST(TrainerLoad, MissingOrEmptyResultsDirectoriesAreClearErrors) {
  analysis_test::ScratchDir dir;
  TrainOptions run = run_options(1, dir.path().string());
  auto load = [&](const std::string& path) {
    phantom::QLearningTrainer(learner()).load(path, chain_factory(), {}, run);
  };
  std::string missing = dir.file("nowhere/LATEST");
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] { load(missing); }), "nowhere");
  std::filesystem::create_directories(dir.file("empty"));
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] { load(dir.file("empty")); }),
             "empty");
  // A run directory without checkpoints (e.g. a run that died before its first one).
  std::filesystem::create_directories(dir.file("exp/20260101-000000-seed1"));
  std::ofstream(dir.file("exp/LATEST")) << "20260101-000000-seed1\n";
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] { load(dir.file("exp/LATEST")); }),
             "load: no checkpoint in");
}

TEST(TrainerLoad, RolloutsOfLoadedPoliciesActAsThePoliciesDo) {
  analysis_test::ScratchDir dir;
  TrainOptions run = run_options(2, dir.path().string());
  phantom::QLearningTrainer(learner()).train(chain_factory(), {}, run);
  TrainingResults loaded =
      phantom::QLearningTrainer(learner()).load(dir.file("chain/LATEST"), chain_factory(), {}, run);

  phantom::RolloutPolicies policies;
  policies.mapping = run.policies;
  policies.policies = loaded.policies;
  phantom::RolloutOptions options;
  options.num_repeats = 3;
  options.show_progress = false;
  std::vector<phantom::Rollout> rollouts =
      phantom::run_rollouts(chain_factory(), {}, policies, options);
  ASSERT_EQ(rollouts.size(), 3u);
  // Every recorded action is the greedy action of the loaded table for the recorded observation.
  auto& q = dynamic_cast<QTablePolicy&>(*loaded.policies.at("walkers"));
  nn::Rng rng(0);
  int64_t checked = 0;
  for (const phantom::Rollout& r : rollouts) {
    for (const char* agent : {"W1", "W2"}) {
      auto obs = r.observations_for_agent(agent);
      auto actions = r.actions_for_agent(agent);
      ASSERT_EQ(obs.size(), actions.size());
      for (std::size_t i = 0; i < obs.size(); ++i) {
        // A walker that left the episode is seen once more (its final observation) but no
        // longer acts.
        if (!actions[i]) continue;
        ASSERT_TRUE(obs[i].has_value());
        float expected = 0.0f;
        q.compute_action(obs[i]->data(), &expected, rng);
        EXPECT_EQ((*actions[i])[0], expected);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 6);

  // evaluate_policy over every chain position (Python's evaluate_policy test, on our policy).
  auto positions =
      phantom::uniform_range(tabular::kChainObsStart, tabular::kChainObsStart + 5, 1, "position");
  std::vector<phantom::PolicyEvaluation> evals = phantom::evaluate_policy(q, {positions});
  ASSERT_EQ(evals.size(), 5u);
  for (std::size_t k = 0; k < evals.size(); ++k) {
    EXPECT_EQ(evals[k].params[0].name, "position");
    EXPECT_EQ(evals[k].observation[0], static_cast<float>(tabular::kChainObsStart + k));
    float expected = 0.0f;
    q.compute_action(evals[k].observation.data(), &expected, rng);
    EXPECT_EQ(evals[k].action[0], expected);
  }
}

}  // namespace
