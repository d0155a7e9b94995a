// Evaluation during training: when it runs, how much it samples (RLlib's rounds over several
// evaluation workers, in episodes and in timesteps), that it never changes training, that its
// callbacks fire, and that a resumed run evaluates exactly as an uninterrupted one.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"
#include "evaluation_runs.hpp"
#include "support/error_message.hpp"
#include "support/sign_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

using test_support::make_sign_env;
using test_support::SignGuesser;

using evaluation_test::kEpisodeSteps;
using evaluation_test::run_options;
using evaluation_test::small_options;
using evaluation_test::train;

TEST(Evaluation, RunsAfterEveryIntervalthIterationOnly) {
  analysis_test::ScratchDir tmp;
  phantom::TrainOptions t = run_options(6, tmp.file("runs"));
  t.evaluation.interval = 2;
  t.evaluation.duration = 3;
  const phantom::CsvTable csv = train(t);
  const std::vector<double> episodes = csv.numbers("evaluation/episodes");
  ASSERT_EQ(episodes.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    SCOPED_TRACE(i);
    if ((i + 1) % 2 == 0) {
      EXPECT_EQ(episodes[i], 3.0);
      EXPECT_FALSE(std::isnan(csv.numbers("evaluation/policy/guesser/reward_mean")[i]));
      EXPECT_FALSE(std::isnan(csv.numbers("evaluation/agent/b/reward_max")[i]));
    } else {
      EXPECT_TRUE(std::isnan(episodes[i]));  // an empty cell
    }
  }
}

// Ten episodes on three workers: rounds of 3, 3, 3 and 1 calls, one episode each: exactly 10
// (RLlib 0.8.7 asked every worker every round: 12).
TEST(Evaluation, EpisodesSplitOverWorkersInRounds) {
  analysis_test::ScratchDir tmp;
  phantom::TrainOptions t = run_options(1, tmp.file("runs"));
  t.evaluation.interval = 1;
  t.evaluation.duration = 10;
  t.evaluation.num_workers = 3;
  const phantom::CsvTable csv = train(t);
  EXPECT_EQ(csv.numbers("evaluation/episodes")[0], 10.0);
  EXPECT_EQ(csv.numbers("evaluation/env_steps")[0], 10.0 * kEpisodeSteps);
}

// Ten timesteps on three workers: ceil(10 / 3) = 4 steps per sub-env and call. With one sub-env
// a round asks all three (0, 4, 8 < 10): 12 steps. With two, a call takes 8 steps, so only
// workers 0 and 1 are asked (0, 8 < 10; 16 is not): 16 steps.
TEST(Evaluation, TimestepsSplitOverWorkersRoundUpToWholeCalls) {
  for (int num_envs : {1, 2}) {
    SCOPED_TRACE(num_envs);
    analysis_test::ScratchDir tmp;
    phantom::TrainOptions t = run_options(1, tmp.file("runs"));
    t.evaluation.interval = 1;
    t.evaluation.duration = 10;
    t.evaluation.unit = phantom::EvaluationUnit::timesteps;
    t.evaluation.num_workers = 3;
    t.evaluation.num_envs = num_envs;
    const phantom::CsvTable csv = train(t);
    EXPECT_EQ(csv.numbers("evaluation/env_steps")[0], num_envs == 1 ? 12.0 : 16.0);
    EXPECT_EQ(csv.numbers("evaluation/episodes")[0], 0.0);  // none finished in 4 or 8 steps
  }
}

// Evaluation acts with clones and its own seeds: training's rows and weights are the same with
// and without it.
TEST(Evaluation, NeverChangesTraining) {
  analysis_test::ScratchDir tmp;
  phantom::TrainOptions plain = run_options(4, tmp.file("plain"));
  phantom::TrainOptions evaluated = run_options(4, tmp.file("evaluated"));
  evaluated.evaluation.interval = 1;
  evaluated.evaluation.duration = 2;
  evaluated.evaluation.explore = true;  // draws actions: still nothing of training's streams
  const phantom::CsvTable a = train(plain), b = train(evaluated);
  for (const std::string& column : a.header) {
    if (column == "wall_seconds") continue;
    SCOPED_TRACE(column);
    const std::vector<double> x = a.numbers(column), y = b.numbers(column);
    ASSERT_EQ(x.size(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::isnan(x[i])) {
        EXPECT_TRUE(std::isnan(y[i]));
      } else {
        EXPECT_EQ(x[i], y[i]);
      }
    }
  }
}

class CountingCallbacks : public phantom::Callbacks {
 public:
  void on_evaluate_start(phantom::Trainer&) override { ++starts; }
  void on_evaluate_end(phantom::Trainer&, phantom::IterationStats& result) override {
    ++ends;
    result.episodes = 99;  // the result is the callback's to change before it is logged
  }
  int starts = 0, ends = 0;
};

TEST(Evaluation, CallbacksFireAroundEachEvaluationAndMayChangeItsResult) {
  analysis_test::ScratchDir tmp;
  phantom::TrainOptions t = run_options(4, tmp.file("runs"));
  t.evaluation.interval = 2;
  t.evaluation.duration = 1;
  auto callbacks = std::make_shared<CountingCallbacks>();
  t.callbacks = callbacks;
  const phantom::CsvTable csv = train(t);
  EXPECT_EQ(callbacks->starts, 2);
  EXPECT_EQ(callbacks->ends, 2);
  EXPECT_EQ(csv.numbers("evaluation/episodes")[3], 99.0);
}

TEST(Evaluation, BadOptionsAreConfigErrorsNamingTheOption) {
  phantom::TrainOptions t = run_options(1, "");
  t.evaluation.interval = 1;
  t.evaluation.duration = 0;
  phantom::PpoTrainer trainer(small_options());
  EXPECT_HAS(
      test_support::message_of<phantom::ConfigError>([&] { trainer.train(make_sign_env, {}, t); }),
      "EvaluationOptions: duration = 0, expected >= 1");
  t.evaluation.duration = 1;
  t.evaluation.policies = phantom::PolicyMapping{};
  t.evaluation.policies->add("stranger", phantom::agents_of_type<SignGuesser>());
  EXPECT_HAS(
      test_support::message_of<phantom::ConfigError>([&] { trainer.train(make_sign_env, {}, t); }),
      "the evaluation mapping names policy 'stranger', which the trainer does not have");
}

// Evaluation workers are built per evaluation, seeded from the run's seed and the iteration:
// a resumed run's evaluation columns equal an uninterrupted run's.
TEST(Evaluation, AResumedRunEvaluatesAsAnUninterruptedOne) {
  analysis_test::ScratchDir tmp;
  auto options = [&](const std::string& dir) {
    phantom::TrainOptions t = run_options(4, tmp.file(dir));
    t.evaluation.interval = 1;
    t.evaluation.duration = 2;
    t.checkpoint_every = 2;
    return t;
  };
  phantom::PpoTrainer uninterrupted(small_options());
  const auto expected = uninterrupted.train(make_sign_env, {}, options("full"));
  phantom::PpoTrainer first(small_options());
  const auto part = first.train(make_sign_env, {}, options("crashed"));
  std::filesystem::remove(part.run_dir + "/checkpoint-000004.bin");
  phantom::PpoTrainer second(small_options());
  phantom::TrainOptions again = run_options(4, "");
  again.evaluation = options("x").evaluation;
  const auto resumed = second.resume(part.run_dir, make_sign_env, {}, again);
  const phantom::CsvTable a = phantom::read_csv(expected.run_dir + "/metrics.csv");
  const phantom::CsvTable b = phantom::read_csv(resumed.run_dir + "/metrics.csv");
  for (const char* column : {"evaluation/episodes", "evaluation/policy/guesser/reward_mean",
                             "evaluation/agent/a/reward_min"}) {
    SCOPED_TRACE(column);
    EXPECT_EQ(a.numbers(column), b.numbers(column));
  }
}

}  // namespace
