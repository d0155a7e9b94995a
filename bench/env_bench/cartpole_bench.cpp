// Env stepping throughput on CartPole-v1 (one agent, gymnasium's physics), the env PPO is
// validated on: the generic PhantomEnv step around a few dozen floating-point operations.
//
//   BM_CartPoleStep: env steps per second (items_per_second) with a fixed policy that alternates
//   left and right pushes (episodes last ~37 steps, so resets are included, as in training).
//   BM_CartPolePhysics: cartpole_step alone, the floor under the env's overhead.
#include <benchmark/benchmark.h>

#include "cartpole.hpp"

namespace {

void BM_CartPoleStep(benchmark::State& state) {
  cartpole::CartPoleEnv env;
  phantom::Actions actions = env.make_actions();
  env.reset(1);
  uint64_t episode = 1;
  int action = 0;
  for (auto _ : state) {
    if (env.done()) env.reset(++episode);
    action ^= 1;
    actions.set(0)[0] = static_cast<float>(action);
    benchmark::DoNotOptimize(env.step(actions).reward(0));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["episode_len"] =
      static_cast<double>(state.iterations()) / static_cast<double>(episode);
}
BENCHMARK(BM_CartPoleStep);

void BM_CartPolePhysics(benchmark::State& state) {
  cartpole::CartPoleState s{0.01, -0.02, 0.03, 0.04};
  int action = 0;
  for (auto _ : state) {
    action ^= 1;
    s = cartpole::cartpole_step(s, action);
    if (cartpole::cartpole_terminated(s)) s = cartpole::CartPoleState{0.01, -0.02, 0.03, 0.04};
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CartPolePhysics);

}  // namespace
