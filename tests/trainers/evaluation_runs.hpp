// What the evaluation tests share: small PPO runs of the sign env (two guessers on one policy,
// episodes of 16 steps) whose metrics CSV they read back.
#pragma once

#include <cstdint>
#include <string>

#include "analysis/csv_reader.hpp"
#include "support/sign_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace evaluation_test {

constexpr int64_t kEpisodeSteps = 16;  // the sign env's episodes

inline phantom::PpoOptions small_options() {
  phantom::PpoOptions o;
  o.num_envs = 2;
  o.steps_per_env = 16;
  o.minibatches = 2;
  o.network.hidden = {8};
  return o;
}

inline phantom::TrainOptions run_options(int iterations, const std::string& results_dir) {
  phantom::TrainOptions t;
  t.iterations = iterations;
  t.seed = 5;
  t.policies.add("guesser", phantom::agents_of_type<test_support::SignGuesser>());
  t.policies_to_train = {"guesser"};
  t.show_progress = false;
  t.results_dir = results_dir;
  return t;
}

/// Trains and returns the run's metrics CSV.
inline phantom::CsvTable train(const phantom::TrainOptions& t,
                               const phantom::EnvFactory& make_env = test_support::make_sign_env) {
  phantom::PpoTrainer trainer(small_options());
  return phantom::read_csv(trainer.train(make_env, {}, t).run_dir + "/metrics.csv");
}

}  // namespace evaluation_test
