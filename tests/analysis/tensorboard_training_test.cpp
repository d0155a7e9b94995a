// TrainOptions::tensorboard_dir: the scalars a training run writes are the numbers of its metrics
// CSV, at step = env steps, under Phantom's tags where Phantom has them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/tensorboard_reader.hpp"
#include "analysis/test_files.hpp"
#include "nn/error.hpp"
#include "nn/parse_number.hpp"
#include "phantom/metrics.hpp"
#include "support/sign_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/tensorboard_log.hpp"

namespace {

namespace fs = std::filesystem;
using analysis_test::read_all;
using analysis_test::ScratchDir;

phantom::PpoOptions small_ppo() {
  phantom::PpoOptions o;
  o.num_envs = 2;
  o.steps_per_env = 24;
  o.minibatches = 2;
  o.network.hidden = {8};
  return o;
}

phantom::TrainOptions run_options(const ScratchDir& dir, int iterations) {
  phantom::TrainOptions t;
  t.iterations = iterations;
  t.seed = 3;
  t.policies.add("guesser", phantom::agents_of_type<test_support::SignGuesser>());
  t.policies_to_train = {"guesser"};
  t.show_progress = false;
  t.results_dir = dir.file("results");
  t.tensorboard_dir = dir.file("tb");
  t.metrics.emplace_back("env/step", std::make_shared<phantom::LambdaMetric>(
                                         [](const phantom::PhantomEnv& e) {
                                           return static_cast<double>(e.current_step());
                                         },
                                         [](const std::vector<double>& v) { return v.back(); },
                                         [](const std::vector<double>& v) { return v.back(); }));
  return t;
}

std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// (tag, step) -> value of every scalar in `file`.
std::map<std::pair<std::string, int64_t>, float> scalars(const std::string& file) {
  const tensorboard_test::EventFile f = tensorboard_test::decode_event_file(read_all(file), file);
  EXPECT_EQ(f.torn_bytes, 0u) << file;
  EXPECT_EQ(f.events.at(0).file_version, "brain.Event:2") << file;
  std::map<std::pair<std::string, int64_t>, float> out;
  for (std::size_t k = 1; k < f.events.size(); ++k) {
    const tensorboard_test::Event& e = f.events[k];
    if (e.session_start) continue;  // a resumed run's restart mark (checked by its test)
    EXPECT_TRUE(e.has_summary) << file << " event " << k;
    EXPECT_TRUE(out.emplace(std::make_pair(e.tag, e.step), e.value).second)
        << file << ": tag '" << e.tag << "' twice at step " << e.step;
  }
  return out;
}

TEST(TensorBoardTraining, ScalarsEqualTheMetricsCsvRowsAtTheirEnvSteps) {
  ScratchDir dir;
  phantom::PpoTrainer trainer(small_ppo());
  const phantom::TrainingResults res =
      trainer.train(test_support::make_sign_env, {}, run_options(dir, 4));
  const std::vector<std::string> files = event_files(dir.file("tb"));
  ASSERT_EQ(files.size(), 1u);
  std::map<std::pair<std::string, int64_t>, float> got = scalars(files[0]);

  const phantom::CsvTable csv = phantom::read_csv(res.run_dir + "/metrics.csv");
  ASSERT_EQ(csv.rows.size(), 4u);
  const std::vector<int64_t> steps = csv.integers("env_steps");
  std::size_t expected_scalars = 0;
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    for (std::size_t c = 0; c < csv.header.size(); ++c) {
      const std::string& column = csv.header[c];
      const std::string& cell = csv.rows[r][c];
      if (column == "iteration" || column == "wall_seconds" || cell.empty()) continue;
      const std::string tag = phantom::tensorboard_tag_of_column(column);
      const auto found = got.find({tag, steps[r]});
      ASSERT_NE(found, got.end()) << "no scalar '" << tag << "' (column '" << column
                                  << "') at step " << steps[r];
      EXPECT_EQ(found->second, static_cast<float>(*phantom::parse_real(cell)))
          << "column '" << column << "', row " << r + 1;
      ++expected_scalars;
    }
    // Both agents finish the same episodes, so the pooled mean is the mean of theirs.
    const std::string a = csv.rows[r][csv.column("agent/a/reward_mean")];
    const auto group = got.find({"rewards/group", steps[r]});
    if (a.empty()) {
      EXPECT_EQ(group, got.end()) << "rewards/group without a finished episode, row " << r + 1;
      continue;
    }
    ASSERT_NE(group, got.end()) << "no rewards/group at step " << steps[r];
    const double b = *phantom::parse_real(csv.rows[r][csv.column("agent/b/reward_mean")]);
    EXPECT_FLOAT_EQ(group->second, static_cast<float>((*phantom::parse_real(a) + b) / 2));
    ++expected_scalars;
  }
  EXPECT_EQ(got.size(), expected_scalars) << "scalars the CSV does not hold";
  // Phantom's tags for agent rewards and metrics, the CSV names otherwise.
  EXPECT_EQ(got.count({"rewards/a", steps[3]}), 1u);
  EXPECT_EQ(got.count({"env/step", steps[3]}), 1u);
  EXPECT_EQ(got.count({"ppo/guesser/policy_loss", steps[3]}), 1u);
  EXPECT_EQ(got.count({"policy/guesser/reward_max", steps[3]}), 1u);
}

// A resumed run starts a second file; TensorBoard merges the two. Rows written again after the
// checkpoint carry the same values at the same steps (a resumed run repeats the lost iterations
// exactly).
TEST(TensorBoardTraining, AResumedRunAddsAFileWithTheSameScalars) {
  ScratchDir dir;
  phantom::TrainOptions options = run_options(dir, 4);
  options.checkpoint_every = 2;
  phantom::PpoTrainer first(small_ppo());
  const phantom::TrainingResults part = first.train(test_support::make_sign_env, {}, options);
  fs::remove(part.run_dir + "/checkpoint-000004.bin");
  phantom::PpoTrainer second(small_ppo());
  second.resume(part.run_dir, test_support::make_sign_env, {}, options);

  const std::vector<std::string> files = event_files(dir.file("tb"));
  ASSERT_EQ(files.size(), 2u);
  const auto before = scalars(files[0]), after = scalars(files[1]);
  const int64_t checkpoint_steps = 2 * 2 * 24;
  // The resumed file opens with a restart mark just past the checkpoint, so TensorBoard forgets
  // what the first run wrote after it (here the same values; after a crash, rows nobody kept).
  const tensorboard_test::EventFile resumed =
      tensorboard_test::decode_event_file(read_all(files[1]), files[1]);
  ASSERT_GE(resumed.events.size(), 2u);
  EXPECT_TRUE(resumed.events[1].session_start);
  EXPECT_EQ(resumed.events[1].step, checkpoint_steps + 1);
  EXPECT_FALSE(
      tensorboard_test::decode_event_file(read_all(files[0]), files[0]).events[1].session_start);
  std::size_t repeated = 0;
  for (const auto& [key, value] : after) {
    EXPECT_GT(key.second, checkpoint_steps) << key.first;
    const auto old = before.find(key);
    ASSERT_NE(old, before.end()) << key.first << " at step " << key.second;
    EXPECT_EQ(old->second, value) << key.first << " at step " << key.second;
    ++repeated;
  }
  EXPECT_GT(repeated, 0u);
}

TEST(TensorBoardTraining, MapsColumnsToPhantomTagsAndRefusesSharedTags) {
  EXPECT_EQ(phantom::tensorboard_tag_of_column("agent/shop/reward_mean"), "rewards/shop");
  EXPECT_EQ(phantom::tensorboard_tag_of_column("agent/shop/reward_max"), "agent/shop/reward_max");
  EXPECT_EQ(phantom::tensorboard_tag_of_column("metric/SHOP/stock"), "SHOP/stock");
  EXPECT_EQ(phantom::tensorboard_tag_of_column("policy/p/reward_mean"), "policy/p/reward_mean");
  EXPECT_EQ(phantom::tensorboard_tag_of_column("iteration"), "");
  EXPECT_EQ(phantom::tensorboard_tag_of_column("wall_seconds"), "");

  ScratchDir dir;
  const std::string tb = dir.file("tb");
  try {
    phantom::TensorBoardLog log(tb, {"iteration", "agent/a/reward_mean", "metric/rewards/a"});
    FAIL() << "two columns with one tag were accepted";
  } catch (const phantom::ConfigError& e) {
    EXPECT_CONTAINS(e.what(), "'agent/a/reward_mean' and 'metric/rewards/a'");
    EXPECT_CONTAINS(e.what(), "'rewards/a'");
  }
  EXPECT_THROW(phantom::TensorBoardLog(tb, {"agent/group/reward_mean"}), phantom::ConfigError);
  EXPECT_FALSE(fs::exists(tb)) << "a refused mapping still created the directory";
}

}  // namespace
