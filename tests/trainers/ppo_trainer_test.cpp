// PpoTrainer end to end on small envs: it learns, it is independent of the thread count, and a
// resumed run equals an uninterrupted one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"
#include "phantom/env.hpp"
#include "support/error_message.hpp"
#include "support/ppo_weights.hpp"
#include "support/sign_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

using test_support::make_sign_env;
using test_support::SignGuesser;

phantom::PpoOptions small_options() {
  phantom::PpoOptions o;
  o.num_envs = 2;
  o.steps_per_env = 32;
  o.minibatches = 2;
  o.learning_rate = 3e-3f;
  o.network.hidden = {16, 16};
  return o;
}

phantom::TrainOptions run_options(int iterations) {
  phantom::TrainOptions t;
  t.iterations = iterations;
  t.seed = 7;
  t.policies.add("guesser", phantom::agents_of_type<SignGuesser>());
  t.policies_to_train = {"guesser"};
  t.show_progress = false;
  return t;
}

TEST(PpoTrainer, LearnsASimpleTaskWithASharedPolicy) {
  phantom::PpoTrainer trainer(small_options());
  phantom::TrainingResults res = trainer.train(make_sign_env, {}, run_options(40));
  ASSERT_EQ(res.policies.count("guesser"), 1u);
  // Both agents share the policy; their episodes finished in the last iteration score well.
  ASSERT_GT(res.last.returns[0].count, 0);
  EXPECT_GT(res.last.returns[0].mean(), 14.5);
  EXPECT_GT(res.last.returns[1].mean(), 14.5);
  // The returned policy acts greedily well too.
  auto& policy = *res.policies["guesser"];
  nn::Rng rng(1);
  float plus = 1.0f, minus = -1.0f, action = -1.0f;
  policy.compute_action(&plus, &action, rng);
  EXPECT_EQ(action, 1.0f);
  policy.compute_action(&minus, &action, rng);
  EXPECT_EQ(action, 0.0f);
}

using test_support::ppo_weights;

TEST(PpoTrainer, ParallelEnvsGiveTheSameResultsAsOneThread) {
  phantom::PpoOptions one = small_options(), three = small_options();
  one.num_envs = three.num_envs = 3;
  three.threads = 3;
  phantom::PpoTrainer a(one), b(three);
  auto ra = a.train(make_sign_env, {}, run_options(3));
  auto rb = b.train(make_sign_env, {}, run_options(3));
  EXPECT_EQ(ppo_weights(ra), ppo_weights(rb));
  EXPECT_EQ(ra.last.returns[0].sum, rb.last.returns[0].sum);
}

// CSV rows without the wall-clock column.
std::vector<std::vector<std::string>> rows_without_time(const std::string& run_dir) {
  phantom::CsvTable t = phantom::read_csv(run_dir + "/metrics.csv");
  std::size_t wall = t.column("wall_seconds");
  for (auto& row : t.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(wall));
  return t.rows;
}

void expect_resume_equals_uninterrupted(const phantom::PpoOptions& options) {
  analysis_test::ScratchDir tmp;
  phantom::TrainOptions full = run_options(4);
  full.results_dir = tmp.file("full");
  phantom::PpoTrainer uninterrupted(options);
  auto expected = uninterrupted.train(make_sign_env, {}, full);

  // The same run, "crashed" after its iteration-2 checkpoint: the last checkpoint is gone and
  // the CSV holds rows written after the checkpoint, which the resumed run must replace.
  phantom::TrainOptions crashed = run_options(4);
  crashed.results_dir = tmp.file("crashed");
  crashed.checkpoint_every = 2;
  phantom::PpoTrainer first(options);
  auto part = first.train(make_sign_env, {}, crashed);
  std::filesystem::remove(part.run_dir + "/checkpoint-000004.bin");
  phantom::PpoTrainer second(options);
  auto resumed = second.resume(part.run_dir, make_sign_env, {}, run_options(4));

  EXPECT_EQ(ppo_weights(resumed), ppo_weights(expected));
  EXPECT_EQ(rows_without_time(resumed.run_dir), rows_without_time(expected.run_dir));
}

TEST(PpoTrainer, ResumeEqualsAnUninterruptedRun) {
  expect_resume_equals_uninterrupted(small_options());
}

TEST(PpoTrainer, ResumeWithSampleAsyncEqualsAnUninterruptedRun) {
  // The checkpoint holds the fragment in flight, sampled with the weights of one update before.
  phantom::PpoOptions o = small_options();
  o.sample_async = true;
  o.normalize_observations = true;
  expect_resume_equals_uninterrupted(o);
}

TEST(PpoTrainer, OnIterationCanStopTheRun) {
  phantom::PpoTrainer trainer(small_options());
  phantom::TrainOptions t = run_options(10);
  std::vector<int64_t> steps;
  int64_t episodes = 0;
  t.on_iteration = [&](int it, const phantom::IterationStats& stats, int64_t env_steps) {
    steps.push_back(env_steps);
    for (const auto& r : stats.finished_returns) episodes += static_cast<int64_t>(r.size());
    return it == 2;
  };
  phantom::TrainingResults res = trainer.train(make_sign_env, {}, t);
  EXPECT_EQ(res.iterations, 3);
  EXPECT_EQ(steps, (std::vector<int64_t>{64, 128, 192}));
  EXPECT_EQ(res.env_steps, 192);
  EXPECT_EQ(episodes, 2 * 3 * 4);  // 2 agents, 4 episodes of 16 steps per iteration
}

TEST(PpoTrainer, ConfigErrors) {
  EXPECT_THROW(phantom::PpoTrainer([] {
                 phantom::PpoOptions o;
                 o.num_envs = 0;
                 return o;
               }()),
               phantom::ConfigError);
  phantom::PpoTrainer trainer(small_options());
  phantom::TrainOptions t = run_options(1);
  t.policies_to_train.clear();
  EXPECT_THROW(trainer.train(make_sign_env, {}, t), phantom::ConfigError);
}

// Reproducer: iterations = 0 trained nothing, saved no checkpoint and returned as if all was
// well; loading the run then failed with "no checkpoint". It is refused up front, by train()
// and resume() (the base Trainer's rule, so every trainer has it).
TEST(PpoTrainer, ZeroIterationsIsAConfigErrorNamingTheOption) {
  phantom::PpoTrainer trainer(small_options());
  for (int iterations : {0, -3}) {
    phantom::TrainOptions t = run_options(iterations);
    const std::string m = test_support::message_of<phantom::ConfigError>(
        [&] { trainer.train(make_sign_env, {}, t); });
    EXPECT_HAS(m, "iterations = " + std::to_string(iterations));
    EXPECT_HAS(m, "expected >= 1");
  }
  phantom::TrainOptions t = run_options(0);
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [&] { trainer.resume("no/such/run", make_sign_env, {}, t); }),
             "iterations = 0");
}

}  // namespace

namespace {

// A 1-iteration PPO run written to `base`; returns its directory.
std::string trained_run(const phantom::PpoOptions& options, const std::string& base) {
  phantom::TrainOptions t = run_options(1);
  t.results_dir = base;
  return phantom::PpoTrainer(options).train(make_sign_env, {}, t).run_dir;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Reproducer: config.txt did not hold the trainer's options, yet load() needs the network's
// sizes; loading a run with the default hidden sizes failed deep in the state dict. The run's
// options are recorded, and load() names the one that differs and says what to set it to.
TEST(PpoTrainerOptions, ConfigTxtRecordsEveryOption) {
  analysis_test::ScratchDir tmp;
  const std::string config =
      read_all(trained_run(small_options(), tmp.path().string()) + "/config.txt");
  EXPECT_HAS(config, "[trainer]\n# PpoOptions\nnum_envs = 2\nsteps_per_env = 32\n");
  EXPECT_HAS(config, "\nlearning_rate = 0.003\n");
  EXPECT_HAS(config, "\nnetwork.hidden = [16, 16]\nnetwork.activation = tanh\n");
  EXPECT_HAS(config, "\nthreads = 1\n");
  EXPECT_HAS(config, "\n[policies]\n");
}

TEST(PpoTrainerOptions, LoadNamesTheOptionThatDiffersAndWhatToSetItTo) {
  analysis_test::ScratchDir tmp;
  const std::string run = trained_run(small_options(), tmp.path().string());
  phantom::PpoOptions other = small_options();
  other.network.hidden = {64, 64};
  const std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { phantom::PpoTrainer(other).load(run, make_sign_env, {}, run_options(1)); });
  EXPECT_HAS(m, "load: the run in " + run +
                    " was trained with PpoOptions::network.hidden = "
                    "[16, 16], but this trainer has [64, 64]; set PpoOptions::network.hidden to "
                    "[16, 16]");
  other = small_options();
  other.normalize_observations = true;
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [&] { phantom::PpoTrainer(other).load(run, make_sign_env, {}, run_options(1)); }),
             "PpoOptions::normalize_observations = false, but this trainer has true");
  // Learning settings and threads do not change the loaded policies.
  other = small_options();
  other.learning_rate = 1e-4f;
  other.threads = 2;
  EXPECT_EQ(phantom::PpoTrainer(other).load(run, make_sign_env, {}, run_options(1)).iterations, 1);
}

TEST(PpoTrainerOptions, ResumeAlsoNeedsTheLearningSettings) {
  analysis_test::ScratchDir tmp;
  const std::string run = trained_run(small_options(), tmp.path().string());
  phantom::PpoOptions other = small_options();
  other.learning_rate = 1e-4f;
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>([&] {
               phantom::PpoTrainer(other).resume(run, make_sign_env, {}, run_options(2));
             }),
             "resume: the run in " + run +
                 " was trained with PpoOptions::learning_rate = 0.003, but this trainer has "
                 "0.0001");
  other = small_options();
  other.threads = 2;  // the same results on any number of threads
  EXPECT_EQ(phantom::PpoTrainer(other).resume(run, make_sign_env, {}, run_options(2)).iterations,
            2);
}

// A run without recorded options (written before they were): a checkpoint of another network
// size still says which options to set.
TEST(PpoTrainerOptions, ACheckpointOfAnotherNetworkSizeSaysWhichOptionToSet) {
  analysis_test::ScratchDir tmp;
  const std::string run = trained_run(small_options(), tmp.path().string());
  std::ofstream(run + "/config.txt", std::ios::trunc) << "# trainer: ppo\n";
  phantom::PpoOptions other = small_options();
  other.network.hidden = {16, 8};
  std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { phantom::PpoTrainer(other).load(run, make_sign_env, {}, run_options(1)); });
  EXPECT_HAS(m, "has shape");
  EXPECT_HAS(m,
             "this one (hidden = [16, 8], shared_trunk = false): set "
             "PpoOptions::network.hidden and network.shared_trunk to the run's");
  other.network.hidden = {16};
  m = test_support::message_of<phantom::ConfigError>(
      [&] { phantom::PpoTrainer(other).load(run, make_sign_env, {}, run_options(1)); });
  EXPECT_HAS(m, "tensors, this network has");
  EXPECT_HAS(m, "set PpoOptions::network.hidden");
}

TEST(PpoTrainerOptions, AMalformedTrainerSectionIsAFormatErrorNamingTheLine) {
  analysis_test::ScratchDir tmp;
  const std::string run = trained_run(small_options(), tmp.path().string());
  std::ofstream(run + "/config.txt", std::ios::trunc)
      << "# trainer: ppo\n\n[trainer]\nnum_envs 2\n";
  EXPECT_HAS(test_support::message_of<phantom::FormatError>([&] {
               phantom::PpoTrainer(small_options()).load(run, make_sign_env, {}, run_options(1));
             }),
             "config.txt', line 4: expected 'name = value' in section [trainer], got 'num_envs 2'");
}

}  // namespace
