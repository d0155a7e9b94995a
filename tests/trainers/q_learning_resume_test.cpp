// QLearningTrainer checkpoints: resuming equals an uninterrupted run (tables bit for bit, metrics
// rows except the wall clock), the metrics CSV's columns and rows, and a checkpoint that does not
// fit the env.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/results_dir.hpp"
#include "analysis/test_files.hpp"
#include "support/error_message.hpp"
#include "tabular_envs.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"

namespace {

using phantom::QLearningOptions;
using phantom::QLearningTrainer;
using phantom::QTablePolicy;
using phantom::TrainingResults;
using phantom::TrainOptions;
namespace fs = std::filesystem;

// Two walkers share a table; epsilon decays across the resume points; a metric is recorded.
QLearningOptions learner() {
  QLearningOptions q;
  q.alpha = 0.3;
  q.gamma = 0.8;
  q.epsilon = 1.0;
  q.epsilon_final = 0.1;
  q.epsilon_decay_iterations = 5;
  q.episodes_per_iteration = 3;
  return q;
}

phantom::EnvFactory chain_factory(int length = 5) {
  return [length](const phantom::EnvConfig&) {
    tabular::ChainOptions chain;
    chain.walkers = 2;
    chain.length = length;
    return tabular::make_chain_env(chain);
  };
}

TrainOptions run_options(int iterations, const std::string& base, const std::string& experiment) {
  TrainOptions run;
  run.iterations = iterations;
  run.seed = 42;
  run.show_progress = false;
  run.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
  run.policies_to_train = {"walkers"};
  run.metrics = {{"position", phantom::agent_metric<tabular::ChainWalker>(
                                  "W1", &tabular::ChainWalker::position)}};
  run.results_dir = base;
  run.experiment = experiment;
  run.checkpoint_every = 2;
  return run;
}

const std::vector<double>& table(const TrainingResults& r) {
  return dynamic_cast<const QTablePolicy&>(*r.policies.at("walkers")).table();
}

void expect_same_tables(const TrainingResults& a, const TrainingResults& b) {
  ASSERT_EQ(table(a).size(), table(b).size());
  EXPECT_EQ(std::memcmp(table(a).data(), table(b).data(), table(a).size() * sizeof(double)), 0);
}

// Every cell but wall_seconds, as text (the CSV holds shortest round-trip numbers).
void expect_same_rows(const std::string& run_a, const std::string& run_b) {
  phantom::CsvTable a = phantom::read_csv(phantom::ResultsDir(run_a).metrics_path());
  phantom::CsvTable b = phantom::read_csv(phantom::ResultsDir(run_b).metrics_path());
  ASSERT_EQ(a.header, b.header);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  std::size_t wall = a.column("wall_seconds");
  for (std::size_t r = 0; r < a.rows.size(); ++r) {
    for (std::size_t c = 0; c < a.header.size(); ++c) {
      if (c == wall) continue;
      EXPECT_EQ(a.rows[r][c], b.rows[r][c]) << "row " << r << " " << a.header[c];
    }
  }
}

TEST(QLearningResume, ContinuingAShorterRunEqualsAnUninterruptedRun) {
  analysis_test::ScratchDir dir;
  QLearningTrainer whole(learner());
  TrainingResults a = whole.train(chain_factory(), {}, run_options(7, dir.file("r"), "whole"));

  // 3 iterations (checkpoints 2 and 3), then a new trainer continues to 7.
  QLearningTrainer first(learner());
  TrainingResults b0 = first.train(chain_factory(), {}, run_options(3, dir.file("r"), "split"));
  QLearningTrainer second(learner());
  // The experiment directory resolves to its LATEST run.
  TrainingResults b = second.resume(dir.file("r") + "/split", chain_factory(), {},
                                    run_options(7, dir.file("r"), "split"));
  EXPECT_EQ(b.run_dir, b0.run_dir);
  expect_same_tables(a, b);
  expect_same_rows(a.run_dir, b.run_dir);
  EXPECT_EQ(a.last.env_steps, b.last.env_steps);
}

TEST(QLearningResume, ResumingFromAnEarlierCheckpointRewritesTheLaterRows) {
  analysis_test::ScratchDir dir;
  QLearningTrainer whole(learner());
  TrainingResults a = whole.train(chain_factory(), {}, run_options(7, dir.file("r"), "whole"));

  QLearningTrainer cut(learner());
  TrainingResults c0 = cut.train(chain_factory(), {}, run_options(7, dir.file("r"), "cut"));
  phantom::ResultsDir run(c0.run_dir);
  for (const auto& ck : run.list_checkpoints()) {
    if (ck.iteration > 2) fs::remove(ck.path);  // as if the run died after iteration 2...
  }
  ASSERT_EQ(run.latest_checkpoint()->iteration, 2);
  QLearningTrainer again(learner());  // ...with rows 3..7 already written
  TrainingResults c =
      again.resume(c0.run_dir, chain_factory(), {}, run_options(7, dir.file("r"), "cut"));
  expect_same_tables(a, c);
  expect_same_rows(a.run_dir, c.run_dir);
}

TEST(QLearningResume, WritesOneRowPerIterationAndCheckpointsOnSchedule) {
  analysis_test::ScratchDir dir;
  QLearningTrainer trainer(learner());
  TrainOptions run = run_options(7, dir.file("r"), "csv");
  std::ostringstream progress;
  run.show_progress = true;
  run.progress_out = &progress;
  TrainingResults r = trainer.train(chain_factory(), {}, run);
  EXPECT_NE(progress.str().find("training qlearning"), std::string::npos) << progress.str();
  phantom::CsvTable t = phantom::read_csv(phantom::ResultsDir(r.run_dir).metrics_path());
  std::vector<std::string> expected = {"iteration", "env_steps", "agent_steps", "episodes",
                                       "wall_seconds"};
  for (std::string prefix : {"policy/walkers", "agent/W1", "agent/W2"}) {
    for (const char* s : {"/reward_mean", "/reward_min", "/reward_max"}) {
      expected.push_back(prefix + s);
    }
  }
  for (const char* s : {"metric/position", "epsilon", "q_updates", "td_error_mean"}) {
    expected.push_back(s);
  }
  EXPECT_EQ(t.header, expected);
  ASSERT_EQ(t.rows.size(), 7u);
  std::vector<double> iteration = t.numbers("iteration"), episodes = t.numbers("episodes");
  std::vector<double> steps = t.numbers("env_steps"), epsilon = t.numbers("epsilon");
  std::vector<double> updates = t.numbers("q_updates"), agent_steps = t.numbers("agent_steps");
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(iteration[i], static_cast<double>(i + 1));
    EXPECT_EQ(episodes[i], 3.0);
    EXPECT_NEAR(epsilon[i], i < 5 ? 1.0 - 0.18 * static_cast<double>(i) : 0.1, 1e-12);
    // Each walker's action completes one update; agent steps accumulate across rows.
    double previous = i ? agent_steps[i - 1] : 0.0;
    EXPECT_EQ(updates[i], agent_steps[i] - previous);
    if (i) {
      EXPECT_GT(steps[i], steps[i - 1]);
    }
  }
  std::vector<double> w1 = t.numbers("agent/W1/reward_mean");
  for (double x : w1) EXPECT_TRUE(x >= 0.0 && x <= 1.0) << x;  // each episode pays 0, 0.5 or 1

  std::vector<int64_t> at;
  for (const auto& ck : phantom::ResultsDir(r.run_dir).list_checkpoints()) {
    at.push_back(ck.iteration);
  }
  EXPECT_EQ(at, (std::vector<int64_t>{2, 4, 6, 7}));
}

TEST(QLearningResume, RejectsACheckpointOfAnotherTableShape) {
  analysis_test::ScratchDir dir;
  QLearningTrainer trainer(learner());
  TrainingResults r = trainer.train(chain_factory(5), {}, run_options(2, dir.file("r"), "shape"));
  QLearningTrainer other(learner());
  std::string m = test_support::message_of<phantom::FormatError>([&] {
    other.resume(r.run_dir, chain_factory(7), {}, run_options(4, dir.file("r"), "shape"));
  });
  EXPECT_HAS(m, "a 5 x 3 Q table does not fit this policy's 7 x 3");
}

}  // namespace
