// PPO on CartPole: one iteration = 4 envs x 128 steps of acting and env stepping, GAE, then
// 4 epochs x 4 minibatches of 128 (CleanRL's settings). Reports env steps/s while training.
#include <benchmark/benchmark.h>

#include "cartpole.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "workloads/stepped_trainer.hpp"

namespace {

void BM_PpoIteration(benchmark::State& state) {
  phantom::TrainOptions run;
  run.iterations = 1000000;  // a long horizon: the learning rate barely anneals
  run.policies.add("cart", phantom::agent_ids({"CARTPOLE"}));
  run.policies_to_train = {"cart"};
  workloads::SteppedTrainer<phantom::PpoTrainer> ppo(
      phantom::PpoOptions{},  // CleanRL's CartPole settings
      [](const phantom::EnvConfig& c) { return cartpole::make_cartpole_env(c); }, run);
  phantom::IterationStats stats;
  ppo.iterate(stats);  // warm-up: buffers grow
  int64_t steps = 0;
  for (auto _ : state) {
    ppo.iterate(stats);
    steps += stats.env_steps;
  }
  state.counters["env_steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PpoIteration)->Unit(benchmark::kMillisecond);

}  // namespace
