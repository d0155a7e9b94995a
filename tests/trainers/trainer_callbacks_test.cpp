// Callbacks through a trainer: the hooks fire at their moments, on_train_result can change every
// env (the curriculum pattern), custom metrics reach the CSV, and a reward rewrite in
// on_postprocess_trajectory changes what PPO learns.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"
#include "support/error_message.hpp"
#include "support/ppo_weights.hpp"
#include "support/sign_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

using test_support::make_sign_env;
using test_support::SignGuesser;

phantom::PpoOptions small_options() {
  phantom::PpoOptions o;
  o.num_envs = 3;
  o.steps_per_env = 20;  // episodes of 16 steps end mid-iteration
  o.minibatches = 2;
  o.epochs = 1;
  o.network.hidden = {8};
  return o;
}

phantom::TrainOptions run_options(int iterations) {
  phantom::TrainOptions t;
  t.iterations = iterations;
  t.seed = 5;
  t.policies.add("guesser", phantom::agents_of_type<SignGuesser>());
  t.policies_to_train = {"guesser"};
  t.show_progress = false;
  return t;
}

/// Records the hooks, raises a "level" on every env after iteration 2 and stamps episodes.
class Curriculum : public phantom::Callbacks {
 public:
  int inits = 0, results = 0, level = 0;
  std::vector<int> levels_seen;  // per env, after the switch
  void on_algorithm_init(phantom::Trainer&) override { ++inits; }
  void on_train_result(phantom::Trainer& trainer, phantom::IterationStats& result) override {
    ++results;
    EXPECT_GT(result.env_steps, 0);
    if (results == 2) {
      level = 1;
      levels_seen.clear();
      trainer.foreach_env([this](phantom::PhantomEnv& env) {
        env.rng();  // any env access works; record that every env was reached
        levels_seen.push_back(level);
      });
    }
  }
  void on_episode_end(phantom::RolloutWorker&, phantom::Episode& episode, int env) override {
    episode.custom_metrics["level"] = level;
    episode.custom_metrics["env"] = env;
    episode.custom_metrics["never"] = std::nan("");
  }
};

TEST(TrainerCallbacks, HooksCurriculumAndCustomMetricsReachTheCsv) {
  analysis_test::ScratchDir dir;
  auto callbacks = std::make_shared<Curriculum>();
  phantom::TrainOptions run = run_options(4);
  run.callbacks = callbacks;
  run.custom_metrics = {"level", "env", "never"};
  run.results_dir = dir.path().string();
  run.experiment = "cb";
  phantom::TrainingResults res = phantom::PpoTrainer(small_options()).train(make_sign_env, {}, run);
  EXPECT_EQ(callbacks->inits, 1);
  EXPECT_EQ(callbacks->results, 4);
  EXPECT_EQ(callbacks->levels_seen, std::vector<int>(3, 1));  // every sub-env

  phantom::CsvTable csv = phantom::read_csv(res.run_dir + "/metrics.csv");
  const std::vector<double> level = csv.numbers("custom/level_mean");
  const std::vector<double> level_max = csv.numbers("custom/level_max");
  ASSERT_EQ(level.size(), 4u);
  EXPECT_EQ(level[0], 0.0);  // 3 envs x 20 steps: 3 episodes ended, all at level 0
  EXPECT_EQ(level[1], 0.0);
  EXPECT_EQ(level[3], 1.0);
  EXPECT_EQ(level_max[3], 1.0);
  // Sub-env indices 0..2 all report: min 0, max 2.
  EXPECT_EQ(csv.numbers("custom/env_min")[0], 0.0);
  EXPECT_EQ(csv.numbers("custom/env_max")[0], 2.0);
  // NaN values are skipped: a metric that is always NaN leaves empty cells.
  for (double v : csv.numbers("custom/never_mean")) EXPECT_TRUE(std::isnan(v));
}

TEST(TrainerCallbacks, PoliciesReceiveTheEnvStepsSampledAsGlobalTimestep) {
  phantom::TrainOptions run = run_options(3);
  phantom::TrainingResults res = phantom::PpoTrainer(small_options()).train(make_sign_env, {}, run);
  auto& policy = dynamic_cast<phantom::TrainablePolicy&>(*res.policies.at("guesser"));
  EXPECT_EQ(res.env_steps, 3 * 3 * 20);
  EXPECT_EQ(policy.global_timestep(), res.env_steps);
}

TEST(TrainerCallbacks, ForeachEnvBeforeTrainIsAConfigError) {
  phantom::PpoTrainer trainer(small_options());
  std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { trainer.foreach_env([](phantom::PhantomEnv&) {}); });
  EXPECT_NE(m.find("before train()"), std::string::npos) << m;
}

TEST(TrainerCallbacks, RepeatedCustomMetricIsAConfigError) {
  phantom::TrainOptions run = run_options(1);
  run.custom_metrics = {"a", "b", "a"};
  std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { phantom::PpoTrainer(small_options()).train(make_sign_env, {}, run); });
  EXPECT_NE(m.find("'a'"), std::string::npos) << m;
}

/// Multiplies every reward of every piece by `factor`.
class ScaleRewards : public phantom::Callbacks {
 public:
  explicit ScaleRewards(float factor) : factor_(factor) {}
  void on_postprocess_trajectory(phantom::RolloutWorker&, phantom::Episode&, const std::string&,
                                 const std::string&, phantom::SampleBatch& piece,
                                 const phantom::SampleBatch&) override {
    float* rewards = piece.f32(phantom::columns::kRewards);
    for (int64_t r = 0; r < piece.size(); ++r) rewards[r] *= factor_;
  }

 private:
  float factor_;
};

std::vector<float> trained_weights(std::shared_ptr<phantom::Callbacks> callbacks) {
  phantom::TrainOptions run = run_options(3);
  run.callbacks = std::move(callbacks);
  return test_support::ppo_weights(
      phantom::PpoTrainer(small_options()).train(make_sign_env, {}, run));
}

TEST(TrainerCallbacks, RewardRewriteBeforeAdvantagesChangesTraining) {
  const std::vector<float> plain = trained_weights(nullptr);
  // A rewrite that changes nothing leaves training bit for bit as it was...
  EXPECT_EQ(trained_weights(std::make_shared<ScaleRewards>(1.0f)), plain);
  // ...and one that changes the rewards changes the advantages, so the weights (RLlib computes
  // advantages before this hook, so there the weights would not change).
  EXPECT_NE(trained_weights(std::make_shared<ScaleRewards>(0.0f)), plain);
}

}  // namespace
