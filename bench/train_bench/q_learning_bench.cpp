// Q-learning training throughput on the discretised supply chain (one env, one thread).
//
//   BM_QLearningSupplyChain: env steps per second (items_per_second) while training: each
//   benchmark iteration is a whole train() call of 10 iterations x 10 episodes x 100 steps, so
//   setup, resets, epsilon-greedy actions, env steps, Q updates and the per-iteration statistics
//   are all included (no results directory: nothing is written).
//   BM_DiscreteSupplyChainStep: the same env stepped with a fixed order and nothing else, for
//   the share of a training step that is the env's (compare on the same machine and moment).
#include <benchmark/benchmark.h>

#include "discrete_supply_chain.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"

namespace {

void BM_QLearningSupplyChain(benchmark::State& state) {
  phantom::QLearningOptions q;
  q.alpha = 0.1;
  q.gamma = 0.9;
  q.epsilon = 0.1;
  phantom::TrainOptions run;
  run.iterations = 10;
  run.show_progress = false;
  run.policies.add("shop", phantom::agents_of_type<supply_chain::ShopAgent>());
  run.policies_to_train = {"shop"};
  auto make = [](const phantom::EnvConfig&) { return supply_chain::make_discrete_env(); };
  int64_t env_steps = 0;
  for (auto _ : state) {
    phantom::QLearningTrainer trainer(q);
    ++run.seed;
    phantom::TrainingResults r = trainer.train(make, {}, run);
    env_steps += r.last.env_steps * run.iterations;  // every iteration plays the same 1,000
    benchmark::DoNotOptimize(r.policies);
  }
  state.SetItemsProcessed(env_steps);
}
BENCHMARK(BM_QLearningSupplyChain)->Unit(benchmark::kMillisecond);

void BM_DiscreteSupplyChainStep(benchmark::State& state) {
  auto env = supply_chain::make_discrete_env();
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  uint64_t episode = 1;
  for (auto _ : state) {
    if (env->done()) env->reset(++episode);
    actions.set(0)[0] = 2.0f;
    benchmark::DoNotOptimize(env->step(actions).reward(0));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DiscreteSupplyChainStep);

}  // namespace
