// PPO on CartPole: one iteration = 4 envs x 128 steps of acting and env stepping, GAE, then
// 4 epochs x 4 minibatches of 128 (CleanRL's settings).
//
//   BM_PpoIteration       env steps/s while training
//   BM_PpoIterationFloor  an iteration beside its floor, timed alternately: the networks' floor
//                         (common/floor_work.hpp) plus the CartPole physics of every env step;
//                         floor_share = floor time / iteration time, iteration_us and floor_us
//                         are CPU microseconds per iteration
#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "cartpole.hpp"
#include "common/alternate_timing.hpp"
#include "common/floor_work.hpp"
#include "common/fma_peak.hpp"
#include "nn/kernels/kernels.hpp"
#include "phantom/space.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "workloads/stepped_trainer.hpp"

namespace {

using CartPolePpo = workloads::SteppedTrainer<phantom::PpoTrainer>;

CartPolePpo make_cartpole_ppo() {
  phantom::TrainOptions run;
  run.iterations = 1000000;  // a long horizon: the learning rate barely anneals
  run.policies.add("cart", phantom::agent_ids({"CARTPOLE"}));
  run.policies_to_train = {"cart"};
  return CartPolePpo(
      phantom::PpoOptions{},  // CleanRL's CartPole settings
      [](const phantom::EnvConfig& c) { return cartpole::make_cartpole_env(c); }, run);
}

void BM_PpoIteration(benchmark::State& state) {
  CartPolePpo ppo = make_cartpole_ppo();
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

// The floor of one iteration with the default options: acting (a forward pass of the actor and
// the critic per env step), epochs x (a forward and backward pass of both per row), an Adam
// update of both per minibatch, and cartpole_step once per env step.
void BM_PpoIterationFloor(benchmark::State& state) {
  const std::optional<bool> width = fma_peak::active_width_or_skip(state);
  if (!width) return;
  const bool zmm = *width;
  CartPolePpo ppo = make_cartpole_ppo();
  phantom::IterationStats stats;
  ppo.iterate(stats);  // warm-up: buffers grow
  const phantom::PpoOptions options;
  const int64_t rows = int64_t{options.num_envs} * options.steps_per_env;
  // The towers' sizes from CartPole's spaces: its observation in, the actor's logits (one per
  // action) and the critic's value out.
  const int64_t observation = cartpole::observation_space()->flat_size();
  const auto& actions = dynamic_cast<const phantom::DiscreteSpace&>(*cartpole::action_space());
  floor_work::FloorWork floor(zmm);
  for (int64_t outputs : {actions.n(), int64_t{1}}) {
    std::vector<int64_t> sizes = {observation};
    sizes.insert(sizes.end(), options.network.hidden.begin(), options.network.hidden.end());
    sizes.push_back(outputs);
    floor.add_pass(sizes, rows, /*backward=*/false);
    for (int e = 0; e < options.epochs; ++e) floor.add_pass(sizes, rows, /*backward=*/true);
    floor.add_adam(sizes, options.epochs * options.minibatches);
  }
  cartpole::CartPoleState pole;
  const auto floor_iteration = [&] {
    floor.run();
    for (int64_t i = 0; i < rows; ++i) {
      pole = cartpole::cartpole_step(pole, static_cast<int>(i & 1));
      if (cartpole::cartpole_terminated(pole)) pole = cartpole::CartPoleState{};
    }
    benchmark::DoNotOptimize(pole);
  };
  bench_timing::compare_alternately(state, [&] { ppo.iterate(stats); }, floor_iteration,
                                    bench_timing::CallUnit::microseconds,
                                    {"iteration", "floor", "floor_share"});
  state.SetLabel(nn::kernels::isa_name(nn::kernels::active_isa()));
}
BENCHMARK(BM_PpoIterationFloor)->Unit(benchmark::kMillisecond);

}  // namespace
