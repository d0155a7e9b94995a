// Training from offline experience: Q-learning and PPO learn from files a rollout worker wrote,
// bit for bit the same on every run with the same seed; the off-policy estimates and reading
// statistics become CSV columns; data that lacks what the trainer or an estimator needs is a
// ConfigError saying so.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"
#include "nn/error.hpp"
#include "support/error_message.hpp"
#include "support/ppo_weights.hpp"
#include "support/sign_env.hpp"
#include "tabular_envs.hpp"
#include "trainers/offline/input_files.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"
#include "trainers/worker_test_policies.hpp"

namespace {

using analysis_test::ScratchDir;
using phantom::RolloutWorker;
using phantom::RolloutWorkerOptions;

// Writes `batches` batches of `policy` acting for every agent of `make_env`'s envs as policy
// `id` into `dir`.
void write_experience(const std::string& dir, const phantom::EnvFactory& make_env,
                      const std::string& id, std::shared_ptr<phantom::Policy> policy,
                      phantom::BatchMode mode, int64_t fragment, int batches) {
  RolloutWorkerOptions o;
  o.batch_mode = mode;
  o.rollout_fragment_length = fragment;
  o.seed = 11;
  o.output_dir = dir;
  phantom::PolicyMapping mapping;
  mapping.add(id, phantom::agents_of_type<phantom::StrategicAgent>());
  RolloutWorker worker([make_env](const phantom::EnvContext& c) { return make_env(c.config); },
                       phantom::PolicyMap{{id, std::move(policy)}}, mapping, o);
  for (int k = 0; k < batches; ++k) worker.sample();
}

phantom::EnvFactory chain_env() {
  return [](const phantom::EnvConfig&) { return tabular::make_chain_env(); };
}

// A Q-table that explores by SoftQ (so its batches carry behaviour probabilities) or greedily.
std::shared_ptr<phantom::QTablePolicy> behaviour_table(const std::string& exploration) {
  auto env = tabular::make_chain_env();
  phantom::QTablePolicyOptions o;
  o.exploration = exploration;
  o.epsilon_greedy.epsilon_schedule = std::make_shared<phantom::ConstantSchedule>(0.3);
  const phantom::StrategicAgent& walker = env->strategic_agent(0);
  auto table = std::make_shared<phantom::QTablePolicy>(walker.observation_space(),
                                                       walker.action_space(), "q", o);
  table->set_explore(true);
  return table;
}

phantom::TrainOptions offline_run(const std::string& source, int iterations) {
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = 5;
  run.show_progress = false;
  run.policies.add("q", phantom::agents_of_type<tabular::ChainWalker>());
  run.policies_to_train = {"q"};
  run.input.sources = {{source}};
  return run;
}

phantom::QLearningOptions q_options() {
  phantom::QLearningOptions q;
  q.alpha = 0.5;
  q.gamma = 0.9;
  q.episodes_per_iteration = 3;  // batches read per iteration
  return q;
}

std::vector<double> table_of(const phantom::TrainingResults& r) {
  return dynamic_cast<const phantom::QTablePolicy&>(*r.policies.at("q")).table();
}

TEST(OfflineTraining, QLearningFromFilesIsReproducibleAndReportsEstimates) {
  ScratchDir dir;
  write_experience(dir.file("data"), chain_env(), "q", behaviour_table("SoftQ"),
                   phantom::BatchMode::complete_episodes, 1, 30);
  phantom::TrainOptions run = offline_run(dir.file("data"), 6);
  run.input.shuffle_buffer_size = 4;
  run.input.evaluation = {"is", "wis"};
  run.results_dir = dir.file("results");
  phantom::QLearningTrainer a(q_options()), b(q_options());
  const phantom::TrainingResults ra = a.train(chain_env(), {}, run);
  run.results_dir.clear();
  const phantom::TrainingResults rb = b.train(chain_env(), {}, run);
  const std::vector<double> qa = table_of(ra);
  EXPECT_EQ(qa, table_of(rb));
  EXPECT_TRUE(std::any_of(qa.begin(), qa.end(), [](double v) { return v != 0.0; }));
  // Another seed reads the files in another order.
  run.seed = 6;
  phantom::QLearningTrainer c(q_options());
  EXPECT_NE(qa, table_of(c.train(chain_env(), {}, run)));

  const phantom::CsvTable csv = phantom::read_csv(ra.run_dir + "/metrics.csv");
  for (const char* column :
       {"off_policy/is/V_prev", "off_policy/is/V_step_IS", "off_policy/is/V_gain_est",
        "off_policy/wis/V_prev", "off_policy/wis/V_step_WIS", "off_policy/wis/V_gain_est",
        "offline/skipped_lines", "offline/torn_lines"}) {
    const std::vector<double> values = csv.numbers(column);
    ASSERT_EQ(values.size(), 6u) << column;
    EXPECT_TRUE(std::isfinite(values[0])) << column;
  }
  // Steps count the data learned from; nothing was sampled, so no episode finished.
  EXPECT_GT(ra.env_steps, 0);
  EXPECT_EQ(csv.numbers("episodes")[5], 0.0);
}

// Resuming continues the readers (file, offset, generators, the shuffle buffer) and the WIS sums:
// the tables and every CSV cell but the wall clock equal an uninterrupted run's.
TEST(OfflineTraining, AResumedRunReadsOnWhereItStopped) {
  ScratchDir dir;
  // Two sources of different lengths, so file picks and offsets matter.
  write_experience(dir.file("data"), chain_env(), "q", behaviour_table("SoftQ"),
                   phantom::BatchMode::complete_episodes, 1, 7);
  write_experience(dir.file("more"), chain_env(), "q", behaviour_table("SoftQ"),
                   phantom::BatchMode::complete_episodes, 1, 4);
  phantom::TrainOptions run = offline_run(dir.file("data"), 6);
  run.input.sources = {{dir.file("data"), 0.6}, {dir.file("more/*.json"), 0.4}};
  run.input.shuffle_buffer_size = 3;
  run.input.evaluation = {"wis"};
  run.results_dir = dir.file("results");
  run.checkpoint_every = 2;
  run.experiment = "whole";
  const phantom::TrainingResults whole =
      phantom::QLearningTrainer(q_options()).train(chain_env(), {}, run);
  run.experiment = "halves";
  run.iterations = 3;
  const phantom::TrainingResults first =
      phantom::QLearningTrainer(q_options()).train(chain_env(), {}, run);
  run.iterations = 6;
  const phantom::TrainingResults resumed =
      phantom::QLearningTrainer(q_options()).resume(first.run_dir, chain_env(), {}, run);
  EXPECT_EQ(table_of(whole), table_of(resumed));
  // Loading a run's policies reads no experience: its files may be gone.
  run.input.sources = {{dir.file("gone/*.json")}};
  EXPECT_EQ(
      table_of(phantom::QLearningTrainer(q_options()).load(whole.run_dir, chain_env(), {}, run)),
      table_of(whole));
  const phantom::CsvTable a = phantom::read_csv(whole.run_dir + "/metrics.csv");
  const phantom::CsvTable b = phantom::read_csv(resumed.run_dir + "/metrics.csv");
  ASSERT_EQ(a.header, b.header);
  ASSERT_EQ(a.rows.size(), 6u);
  ASSERT_EQ(b.rows.size(), 6u);
  const std::size_t wall = a.column("wall_seconds");
  for (std::size_t r = 0; r < a.rows.size(); ++r) {
    for (std::size_t c = 0; c < a.header.size(); ++c) {
      if (c == wall) continue;
      EXPECT_EQ(a.rows[r][c], b.rows[r][c]) << a.header[c] << ", row " << r;
    }
  }
}

TEST(OfflineTraining, SimulationSamplesTheEnvForMetricsOnly) {
  ScratchDir dir;
  write_experience(dir.file("data"), chain_env(), "q", behaviour_table("SoftQ"),
                   phantom::BatchMode::complete_episodes, 1, 10);
  phantom::TrainOptions run = offline_run(dir.file("data"), 2);
  phantom::QLearningTrainer plain(q_options());
  const phantom::TrainingResults without = plain.train(chain_env(), {}, run);
  run.input.evaluation = {"simulation"};
  phantom::QLearningTrainer simulated(q_options());
  const phantom::TrainingResults with = simulated.train(chain_env(), {}, run);
  EXPECT_EQ(table_of(without), table_of(with));  // nothing learned from the simulation
  EXPECT_EQ(without.env_steps, with.env_steps);  // nor counted
  EXPECT_EQ(with.last.episodes, 3);              // one simulated episode per batch read
  run.input.sources.push_back({"sampler", 0.5});
  run.input.sources[0].probability = 0.5;
  phantom::QLearningTrainer mixed(q_options());
  EXPECT_HAS(
      test_support::message_of<phantom::ConfigError>([&] { mixed.train(chain_env(), {}, run); }),
      "cannot be combined with a 'sampler' source");
}

TEST(OfflineTraining, EstimatesNeedBehaviourProbabilities) {
  ScratchDir dir;
  // An epsilon-greedy table records no behaviour probability: its batches have no action_prob.
  write_experience(dir.file("greedy"), chain_env(), "q", behaviour_table("EpsilonGreedy"),
                   phantom::BatchMode::complete_episodes, 1, 3);
  const std::string text =
      analysis_test::read_all(phantom::find_input_files(dir.file("greedy")).at(0));
  EXPECT_EQ(text.find("action_prob"), std::string::npos);
  phantom::TrainOptions run = offline_run(dir.file("greedy"), 1);
  run.input.evaluation = {"wis"};
  phantom::QLearningTrainer trainer(q_options());
  const std::string m =
      test_support::message_of<phantom::ConfigError>([&] { trainer.train(chain_env(), {}, run); });
  EXPECT_HAS(m, "policy 'q' has no action_prob column");
  run.input.evaluation = {"dr"};
  EXPECT_HAS(
      test_support::message_of<phantom::ConfigError>([&] { trainer.train(chain_env(), {}, run); }),
      "unknown method 'dr'");
}

phantom::PpoOptions ppo_options() {
  phantom::PpoOptions o;
  o.num_envs = 1;
  o.steps_per_env = 16;
  o.minibatches = 2;
  o.epochs = 2;
  o.learning_rate = 3e-3f;
  o.network.hidden = {8};
  return o;
}

phantom::TrainOptions ppo_run(const std::string& source) {
  phantom::TrainOptions t;
  t.iterations = 4;
  t.seed = 7;
  t.policies.add("guesser", phantom::agents_of_type<test_support::SignGuesser>());
  t.policies_to_train = {"guesser"};
  t.show_progress = false;
  t.input.sources = {{source}};
  return t;
}

using test_support::ppo_weights;

TEST(OfflineTraining, PpoLearnsFromPostprocessedFilesReproducibly) {
  ScratchDir dir;
  const phantom::PpoOptions o = ppo_options();
  nn::Rng init(1);
  auto env = test_support::make_sign_env({});
  auto net = std::make_shared<phantom::ActorCritic>(env->strategic_agent(0).observation_space(),
                                                    env->strategic_agent(0).action_space(),
                                                    o.network, init);
  auto writer = std::make_shared<phantom::PpoPolicy>(net, nullptr, o, nn::Rng(2));
  write_experience(dir.file("ppo"), test_support::make_sign_env, "guesser", writer,
                   phantom::BatchMode::truncate_episodes, 16, 6);
  phantom::TrainOptions run = ppo_run(dir.file("ppo"));
  run.input.evaluation = {"is"};
  phantom::PpoTrainer a(o), b(o);
  const phantom::TrainingResults ra = a.train(test_support::make_sign_env, {}, run);
  const phantom::TrainingResults rb = b.train(test_support::make_sign_env, {}, run);
  EXPECT_EQ(ppo_weights(ra), ppo_weights(rb));
  double v_prev = std::nan("");
  for (const auto& [name, value] : ra.last.stats()) {
    if (name == "off_policy/is/V_prev") v_prev = value;
  }
  EXPECT_TRUE(std::isfinite(v_prev));
  EXPECT_EQ(ra.env_steps, 4 * 16);  // one batch of 16 env steps per iteration
}

TEST(OfflineTraining, PpoRefusesDataWithoutItsColumns) {
  ScratchDir dir;
  // A policy whose postprocessing writes advantages but no value targets.
  auto writer = std::make_shared<worker_test::FixedLogitsPolicy>(
      phantom::box(-1, 1, {1}), phantom::discrete(2), std::vector<float>{0.0f, 0.0f});
  write_experience(dir.file("raw"), test_support::make_sign_env, "guesser", writer,
                   phantom::BatchMode::truncate_episodes, 8, 2);
  phantom::PpoTrainer trainer(ppo_options());
  const std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { trainer.train(test_support::make_sign_env, {}, ppo_run(dir.file("raw"))); });
  EXPECT_HAS(m, "policy 'guesser' has no column 'value_targets'");
}

}  // namespace
