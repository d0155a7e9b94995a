// Rollout throughput on the supply chain (100-step episodes, every step recorded).
//
//   BM_SupplyChainBareEpisodes                the env alone (reset, then step with a constant
//                                              order until done): the ceiling for one core
//   BM_RolloutSupplyChain/workers/batch       a constant-order policy: the runner's own cost
//   BM_RolloutSupplyChainMetricsOnly/...      the same, keeping only the metrics (no steps)
//   BM_RolloutSupplyChainPpo/workers/batch    an untrained 64x64 tanh PPO actor (inference
//                                              batched over the `batch` envs a worker steps)
// items_per_second = episodes per second (wall clock); episodes_per_core divides it by the
// workers. Each iteration runs 1,024 episodes (num_repeats), records the shop's mean stock, and
// hands each rollout to a counting sink.
#include <benchmark/benchmark.h>

#include <memory>

#include "analysis/rollout_runner.hpp"
#include "fixed_policies.hpp"
#include "supply_chain.hpp"
#include "trainers/ppo/ppo_policy.hpp"

namespace {

constexpr int kEpisodes = 1024;

std::shared_ptr<phantom::Policy> ppo_shop_policy() {
  nn::Rng rng(1);
  auto net = std::make_shared<phantom::ActorCritic>(
      phantom::box(0, 1, {3}), phantom::box(0, 100, {1}), phantom::ActorCriticConfig{}, rng);
  return std::make_shared<phantom::PpoPolicy>(net, nullptr);
}

void run(benchmark::State& state, std::shared_ptr<phantom::Policy> policy,
         bool record_steps = true) {
  phantom::RolloutPolicies policies;
  policies.mapping.add("shop", phantom::agent_ids({"SHOP"}));
  policies.policies["shop"] = std::move(policy);
  phantom::RolloutOptions options;
  options.num_repeats = kEpisodes;
  options.workers = static_cast<int>(state.range(0));
  options.batch_size = static_cast<int>(state.range(1));
  options.show_progress = false;
  options.record_steps = record_steps;
  options.metrics.emplace_back("stock", phantom::agent_metric<supply_chain::ShopAgent>(
                                            "SHOP", &supply_chain::ShopAgent::stock,
                                            phantom::Reduce::mean, phantom::Reduce::mean));
  phantom::RolloutRunner runner([](const phantom::EnvConfig&) { return supply_chain::make_env(); },
                                {}, policies, options);
  int64_t steps = 0;
  for (auto _ : state) {
    runner.run([&](const phantom::Rollout& r) { steps += static_cast<int64_t>(r.size()); });
  }
  state.SetItemsProcessed(state.iterations() * kEpisodes);
  state.counters["episodes_per_core"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kEpisodes) / static_cast<double>(options.workers),
      benchmark::Counter::kIsRate);
  state.counters["recorded_steps_per_episode"] =
      static_cast<double>(steps) / static_cast<double>(state.iterations() * kEpisodes);
}

// The same 1,024 episodes without the runner: no policy, no recording, no metrics. The runner's
// overhead is its time over this one's, measured in the same process and VM phase (run with
// --benchmark_enable_random_interleaving on a noisy machine).
void BM_SupplyChainBareEpisodes(benchmark::State& state) {
  auto env = supply_chain::make_env();
  phantom::Actions actions = env->make_actions();
  for (auto _ : state) {
    for (uint64_t episode = 0; episode < kEpisodes; ++episode) {
      env->reset(episode);
      while (!env->done()) {
        actions.set(0)[0] = 9.0f;
        benchmark::DoNotOptimize(env->step(actions).reward(0));
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kEpisodes);
  state.counters["episodes_per_core"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kEpisodes), benchmark::Counter::kAvgThreadsRate);
}
// threads:2 runs two such loops at once, one env each: how far two cores of this machine scale
// with no runner at all (the ceiling for the runner's 2-worker speed-up).
BENCHMARK(BM_SupplyChainBareEpisodes)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_RolloutSupplyChain(benchmark::State& state) {
  run(state, std::make_shared<supply_chain::ConstantOrder>(phantom::box(0, 1, {3}),
                                                           phantom::box(0, 100, {1}), 9.0f));
}
BENCHMARK(BM_RolloutSupplyChain)
    ->ArgNames({"workers", "batch"})
    ->Args({1, 1})
    ->Args({1, 16})
    ->Args({2, 1})
    ->Args({2, 16})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The same sweep keeping only each episode's metrics (RolloutOptions::record_steps = false).
void BM_RolloutSupplyChainMetricsOnly(benchmark::State& state) {
  run(state,
      std::make_shared<supply_chain::ConstantOrder>(phantom::box(0, 1, {3}),
                                                    phantom::box(0, 100, {1}), 9.0f),
      false);
}
BENCHMARK(BM_RolloutSupplyChainMetricsOnly)
    ->ArgNames({"workers", "batch"})
    ->Args({1, 16})
    ->Args({2, 16})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_RolloutSupplyChainPpo(benchmark::State& state) {
  run(state, ppo_shop_policy());
}
BENCHMARK(BM_RolloutSupplyChainPpo)
    ->ArgNames({"workers", "batch"})
    ->Args({1, 1})
    ->Args({1, 16})
    ->Args({2, 16})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
