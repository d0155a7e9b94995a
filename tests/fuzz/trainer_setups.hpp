// The trainer runs the checkpoint fuzz targets load into, shared with make_seeds.cpp, which
// writes their seed checkpoints: a checkpoint only loads into the run that wrote it, so the
// target and its seeds must be set up identically.
//  - PPO on the supply-chain example's shop, with observation normalisation and asynchronous
//    sampling, so a checkpoint holds weights, Adam state, filters, a pending fragment and the
//    action logs the sub-envs are replayed from.
//  - Q-learning on two walkers of a chain (tests/trainers/tabular_envs.hpp).
#pragma once

#include <memory>

#include "examples/supply_chain/supply_chain.hpp"
#include "phantom/env_config.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"
#include "trainers/tabular_envs.hpp"

namespace fuzz {

inline phantom::PpoOptions ppo_options() {
  phantom::PpoOptions o;
  o.num_envs = 2;
  o.steps_per_env = 16;
  o.epochs = 1;
  o.minibatches = 2;
  o.network.hidden = {4};
  o.normalize_observations = true;
  o.sample_async = true;
  return o;
}

inline phantom::TrainOptions ppo_run(int iterations) {
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = 5;
  run.show_progress = false;
  run.policies.add("shop", phantom::agents_of_type<supply_chain::ShopAgent>());
  run.policies_to_train = {"shop"};
  run.checkpoint_every = 1;
  return run;
}

inline std::unique_ptr<phantom::PhantomEnv> supply_chain_env(const phantom::EnvConfig&) {
  return supply_chain::make_env();
}

inline phantom::QLearningOptions q_options() {
  phantom::QLearningOptions q;
  q.episodes_per_iteration = 2;
  return q;
}

inline phantom::TrainOptions q_run(int iterations) {
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = 5;
  run.show_progress = false;
  run.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
  run.policies_to_train = {"walkers"};
  run.checkpoint_every = 1;
  return run;
}

inline std::unique_ptr<phantom::PhantomEnv> chain_env(const phantom::EnvConfig&) {
  tabular::ChainOptions chain;
  chain.walkers = 2;
  return tabular::make_chain_env(chain);
}

}  // namespace fuzz
