// What the tests of training over ranks compare two runs by (weights, metrics CSV rows,
// checkpoint bytes), the comparison of a run over the ranks with the same run in process, and the
// small PPO run on the supply chain most of them train.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "mpi/communicator.hpp"
#include "mpi/train_ranks.hpp"
#include "nn/serialize.hpp"
#include "supply_chain.hpp"
#include "support/ppo_weights.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace mpi_test {

using phantom::TrainingResults;
using phantom::TrainOptions;
using phantom::mpi::Communicator;

// The metrics CSV's rows without the wall-clock column (the only one that may differ).
inline std::vector<std::vector<std::string>> rows_without_time(const std::string& run_dir) {
  phantom::CsvTable t = phantom::read_csv(run_dir + "/metrics.csv");
  const std::size_t wall = t.column("wall_seconds");
  for (auto& row : t.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(wall));
  return t.rows;
}

// A checkpoint's bytes with its wall-clock entry zeroed.
inline std::vector<uint8_t> checkpoint_bytes(const std::string& run_dir, int iteration) {
  char name[32];
  std::snprintf(name, sizeof name, "/checkpoint-%06d.bin", iteration);
  nn::StateDict state = nn::load_state_dict(run_dir + name);
  state.set_float("trainer.wall_seconds", 0.0);  // replaced in place
  return nn::encode_state_dict(state);
}

// Rank 0: the run over ranks equals the in-process one in weights (as `weights` gives them), CSV
// rows and the final checkpoint's bytes.
template <class Weights>
void expect_same_run(const Communicator& comm, const TrainingResults& local,
                     const std::optional<TrainingResults>& ranks, int iterations,
                     const Weights& weights, const std::string& what) {
  if (comm.rank() != 0) {
    EXPECT_FALSE(ranks) << "only rank 0 returns results";
    return;
  }
  ASSERT_TRUE(ranks) << what;
  EXPECT_EQ(ranks->iterations, iterations) << what;
  EXPECT_EQ(ranks->env_steps, local.env_steps) << what;
  EXPECT_TRUE(weights(*ranks) == weights(local)) << what << ": the learnt weights differ";
  EXPECT_EQ(rows_without_time(ranks->run_dir), rows_without_time(local.run_dir)) << what;
  EXPECT_TRUE(checkpoint_bytes(ranks->run_dir, iterations) ==
              checkpoint_bytes(local.run_dir, iterations))
      << what << ": the checkpoints differ";
}

// Trains `run` in process on rank 0 (results_dir "<dir>/local") and over the job's ranks
// ("<dir>/ranks"), then compares the two on rank 0 (expect_same_run; `what` says which run, the
// number of ranks is added). Returns the in-process results (empty on the other ranks).
template <class Trainer, class Options, class Weights>
TrainingResults expect_same_as_in_process(const Communicator& comm, const Options& trainer_options,
                                          const phantom::EnvFactory& make_env, TrainOptions run,
                                          const std::string& dir, const Weights& weights,
                                          const std::string& what) {
  TrainingResults local;
  run.results_dir = dir + "/local";
  if (comm.rank() == 0) local = Trainer(trainer_options).train(make_env, {}, run);
  run.results_dir = dir + "/ranks";
  Trainer trainer(trainer_options);
  std::optional<TrainingResults> ranks =
      phantom::mpi::train_over_ranks(comm, trainer, make_env, {}, run);
  expect_same_run(comm, local, ranks, run.iterations, weights,
                  what + " on " + std::to_string(comm.size()) + " ranks");
  return local;
}

inline phantom::PpoOptions small_ppo() {
  phantom::PpoOptions o;
  o.num_envs = 2;
  o.steps_per_env = 50;  // an episode (100 steps) ends every second iteration
  o.epochs = 1;
  o.minibatches = 2;
  o.learning_rate = 3e-3f;
  o.reward_scale = 0.01f;
  o.network.hidden = {8};
  o.normalize_observations = true;  // the filters travel too
  return o;
}

inline TrainOptions shop_run(int iterations, int workers, const std::string& results_dir) {
  TrainOptions t;
  t.iterations = iterations;
  t.seed = 17;
  t.show_progress = false;
  t.num_workers = workers;
  t.policies.add("shop", phantom::agents_of_type<supply_chain::ShopAgent>());
  t.policies_to_train = {"shop"};
  t.metrics = {{"stock", phantom::agent_metric<supply_chain::ShopAgent>(
                             "SHOP", &supply_chain::ShopAgent::stock)}};
  t.results_dir = results_dir;
  return t;
}

inline phantom::EnvFactory shop_env() {
  return [](const phantom::EnvConfig&) { return supply_chain::make_env(); };
}

inline std::vector<float> shop_weights(const TrainingResults& r) {
  return test_support::ppo_weights(r, "shop");
}

}  // namespace mpi_test
