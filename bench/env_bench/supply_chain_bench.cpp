// Env stepping throughput on the supply chain (7 agents, 100-step episodes), fixed policy.
//
//   BM_SupplyChainStep: env steps per second (items_per_second) and agent steps per second
//   (agent_steps counter: 7 agents per env step). Resets are included, once per 100 steps.
#include <benchmark/benchmark.h>

#include "supply_chain.hpp"

namespace {

void BM_SupplyChainStep(benchmark::State& state) {
  auto env = supply_chain::make_env();
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  uint64_t episode = 1;
  for (auto _ : state) {
    if (env->done()) env->reset(++episode);
    actions.set(0)[0] = 10.0f;
    benchmark::DoNotOptimize(env->step(actions).reward(0));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["agent_steps"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * env->n_agents(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SupplyChainStep);

}  // namespace
