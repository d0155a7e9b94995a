// Bad input on the paths a trainer reads back: the metrics CSV on resume, and checkpoints that
// are checksum-valid (written by the project's own writer) but hold hostile counts or sizes.
// Every problem is a phantom error naming the file; none is std::invalid_argument,
// std::bad_alloc, a hang or a silently kept stale row.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"
#include "nn/serialize.hpp"
#include "support/error_message.hpp"
#include "support/sign_env.hpp"
#include "tabular_envs.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"

namespace {

namespace fs = std::filesystem;
using analysis_test::read_all;
using analysis_test::ScratchDir;
using analysis_test::write_all;
using test_support::message_of;

phantom::EnvFactory chain_factory() {
  return [](const phantom::EnvConfig&) {
    tabular::ChainOptions chain;
    chain.walkers = 2;
    chain.length = 5;
    return tabular::make_chain_env(chain);
  };
}

phantom::TrainOptions q_run(int iterations) {
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = 42;
  run.show_progress = false;
  run.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
  run.policies_to_train = {"walkers"};
  run.checkpoint_every = 2;
  return run;
}

phantom::QLearningOptions q_options() {
  phantom::QLearningOptions q;
  q.episodes_per_iteration = 2;
  return q;
}

// A Q-learning run of 3 iterations with checkpoints at 2 and 3, whose checkpoint 3 is removed (so
// a resume starts from iteration 2). Returns the run directory.
std::string crashed_q_run(const ScratchDir& dir) {
  phantom::TrainOptions run = q_run(3);
  run.results_dir = dir.file("results");
  phantom::QLearningTrainer trainer(q_options());
  const std::string run_dir = trainer.train(chain_factory(), {}, run).run_dir;
  fs::remove(run_dir + "/checkpoint-000003.bin");
  return run_dir;
}

// Resumes `run_dir` for 4 iterations.
void resume_q(const std::string& run_dir) {
  phantom::QLearningTrainer trainer(q_options());
  trainer.resume(run_dir, chain_factory(), {}, q_run(4));
}

// Reproducer: an iteration cell that is empty, text or too large let std::invalid_argument or
// std::out_of_range escape from Trainer::resume; "1e3" was read as 1, and its stale row kept.
TEST(ResumeMetricsCsv, ABadIterationCellIsAFormatErrorNamingTheFileLineAndColumn) {
  ScratchDir dir;
  const std::string run_dir = crashed_q_run(dir);
  const std::string metrics = run_dir + "/metrics.csv";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"iteration\nx\n", "line 2, column 'iteration': 'x' is not an integer"},
      {"iteration\n1\n\n", "line 3, column 'iteration': '' is empty, not an integer"},
      {"iteration\n1e3\n", "line 2, column 'iteration': '1e3' is not an integer"},
      {"iteration\n99999999999999999999\n",
       "line 2, column 'iteration': '99999999999999999999' is out of range"},
      {"iteration\n 2\n", "line 2, column 'iteration': ' 2' is not an integer"},
  };
  for (const auto& c : cases) {
    write_all(metrics, c.first);
    const std::string m = message_of<phantom::FormatError>([&] { resume_q(run_dir); });
    EXPECT_NE(m.find("CSV '" + metrics + "': " + c.second), std::string::npos) << m;
    EXPECT_EQ(read_all(metrics), c.first);  // not rewritten
  }
}

// A metrics file saved with a byte order mark (by a spreadsheet program) resumes: the rows after
// the checkpoint are replaced and the mark stays.
TEST(ResumeMetricsCsv, AByteOrderMarkIsKeptThroughAResume) {
  ScratchDir dir;
  const std::string run_dir = crashed_q_run(dir);
  const std::string metrics = run_dir + "/metrics.csv";
  write_all(metrics, "\xEF\xBB\xBF" + read_all(metrics));
  resume_q(run_dir);
  const std::string text = read_all(metrics);
  EXPECT_EQ(text.rfind("\xEF\xBB\xBFiteration,", 0), 0u) << text.substr(0, 40);
  const phantom::CsvTable table = phantom::read_csv(metrics);
  EXPECT_EQ(table.integers("iteration"), (std::vector<int64_t>{1, 2, 3, 4}));
}

// Saves `state` (the project's writer: a valid checksum) as the run's newest checkpoint.
void replace_checkpoint(const std::string& run_dir, const nn::StateDict& state) {
  nn::save_state_dict(state, run_dir + "/checkpoint-000002.bin");
}

// Reproducer: a Q table of 2^48 entries (2^24 states x 2^24 actions). Sizes from a file are
// checked against the policy's own before anything is allocated.
TEST(HostileCheckpoint, AHugeQTableIsAFormatError) {
  ScratchDir dir;
  const std::string run_dir = crashed_q_run(dir);
  const nn::StateDict good = nn::load_state_dict(run_dir + "/checkpoint-000002.bin");
  const std::string prefix = "qlearning.worker.policy.walkers.weights";
  nn::StateDict bad = good;
  bad.set_int(prefix + ".states", int64_t{1} << 24);
  bad.set_int(prefix + ".actions", int64_t{1} << 24);
  replace_checkpoint(run_dir, bad);
  EXPECT_HAS(message_of<phantom::FormatError>([&] { resume_q(run_dir); }),
             "a 16777216 x 16777216 Q table does not fit this policy's");
  bad = good;
  bad.set_int(prefix + ".states", int64_t{1} << 62);
  replace_checkpoint(run_dir, bad);
  EXPECT_HAS(message_of<phantom::FormatError>([&] { resume_q(run_dir); }),
             "entry '" + prefix + ".states' = 4611686018427387904 is not a count");
}

// Found while testing the above: a trajectory column of width 2^31 with no rows passed the
// batch's own check (0 rows x any width = 0 values), and the next row appended 2^31 zeros
// (std::bad_alloc after a long time). The restored rows must have the agent's own columns.
TEST(HostileCheckpoint, ATrajectoryColumnOfAnotherWidthIsAFormatError) {
  ScratchDir dir;
  const std::string run_dir = crashed_q_run(dir);
  nn::StateDict bad = nn::load_state_dict(run_dir + "/checkpoint-000002.bin");
  const std::string rows = "qlearning.worker.env0.agent0.rows";
  bad.set_int(rows + ".rows", 0);
  for (int c = 0; c < bad.get_count(rows + ".columns"); ++c) {
    const std::string p = rows + ".column" + std::to_string(c);
    if (bad.contains(p + ".floats")) bad.set_doubles(p + ".floats", {});
    if (bad.contains(p + ".ints")) bad.set_int64s(p + ".ints", {});
  }
  bad.set_int(rows + ".column0.width", int64_t{1} << 31);
  replace_checkpoint(run_dir, bad);
  EXPECT_HAS(message_of<phantom::FormatError>([&] { resume_q(run_dir); }),
             rows +
                 ": column 0 is 'obs' (float32, width 1) here but 'obs' (float32, width "
                 "2147483648) in the other batch");
}

// Counters that a run increments: a value near 2^63 would overflow (undefined behaviour).
TEST(HostileCheckpoint, HugeCountersAreFormatErrors) {
  ScratchDir dir;
  const std::string run_dir = crashed_q_run(dir);
  const nn::StateDict good = nn::load_state_dict(run_dir + "/checkpoint-000002.bin");
  for (const std::string entry :
       {"trainer.iteration", "trainer.env_steps", "qlearning.worker.global_timestep",
        "qlearning.worker.env0.episode.length", "qlearning.worker.env0.episodes_started",
        "qlearning.worker.env0.runner.steps"}) {
    SCOPED_TRACE(entry);
    nn::StateDict bad = good;
    bad.set_int(entry, INT64_MAX);
    replace_checkpoint(run_dir, bad);
    EXPECT_HAS(message_of<phantom::FormatError>([&] { resume_q(run_dir); }),
               "entry '" + entry + "' = 9223372036854775807 is not a count");
  }
}

// Reproducer at trainer level: a PPO checkpoint whose Adam step count is 2^62 hung on resume.
TEST(HostileCheckpoint, AHugeAdamStepCountIsAFormatErrorAtOnce) {
  ScratchDir dir;
  phantom::PpoOptions ppo;
  ppo.num_envs = 1;
  ppo.steps_per_env = 16;
  ppo.minibatches = 1;
  ppo.epochs = 1;
  ppo.network.hidden = {4};
  phantom::TrainOptions run;
  run.iterations = 1;
  run.seed = 3;
  run.show_progress = false;
  run.policies.add("guesser", phantom::agents_of_type<test_support::SignGuesser>());
  run.policies_to_train = {"guesser"};
  run.results_dir = dir.file("results");
  const std::string run_dir =
      phantom::PpoTrainer(ppo).train(test_support::make_sign_env, {}, run).run_dir;
  const std::string path = run_dir + "/checkpoint-000001.bin";
  nn::StateDict bad = nn::load_state_dict(path);
  const std::string step = "ppo.worker.policy.guesser.optimizer.adam.step";
  ASSERT_TRUE(bad.contains(step));
  bad.set_int(step, int64_t{1} << 62);
  nn::save_state_dict(bad, path);
  const auto start = std::chrono::steady_clock::now();
  run.results_dir.clear();
  run.iterations = 2;
  EXPECT_HAS(message_of<phantom::FormatError>([&] {
               phantom::PpoTrainer(ppo).resume(run_dir, test_support::make_sign_env, {}, run);
             }),
             "entry '" + step + "' = 4611686018427387904 is not a count");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

}  // namespace
