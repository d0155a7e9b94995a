// Rollout throughput on the supply chain (100-step episodes, every step recorded).
//
//   BM_SupplyChainBareEpisodes                the env alone (reset, then step with a constant
//                                              order until done): the ceiling for one core
//   BM_RolloutSupplyChain/workers/batch       a constant-order policy: the runner's own cost
//   BM_RolloutSupplyChainMetricsOnly/...      the same, keeping only the metrics (no steps)
//   BM_RolloutSupplyChainPpo/workers/batch    an untrained 64x64 tanh PPO actor (inference
//                                              batched over the `batch` envs a worker steps)
//   BM_TwoWorkerSpeedup/batch                 the 2-worker speed-up of the runner and of the
//                                              bare loop, timed alternately in one benchmark
// items_per_second = episodes per second (wall clock); episodes_per_core divides it by the
// workers. Each iteration runs 1,024 episodes (num_repeats), records the shop's mean stock, and
// hands each rollout to a counting sink.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

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

std::shared_ptr<phantom::Policy> constant_order() {
  return std::make_shared<supply_chain::ConstantOrder>(phantom::box(0, 1, {3}),
                                                       phantom::box(0, 100, {1}), 9.0f);
}

// A runner of kEpisodes supply-chain episodes with the shop's mean stock as metric.
std::unique_ptr<phantom::RolloutRunner> make_runner(std::shared_ptr<phantom::Policy> policy,
                                                    int workers, int batch, bool record_steps) {
  phantom::RolloutPolicies policies;
  policies.mapping.add("shop", phantom::agent_ids({"SHOP"}));
  policies.policies["shop"] = std::move(policy);
  phantom::RolloutOptions options;
  options.num_repeats = kEpisodes;
  options.workers = workers;
  options.batch_size = batch;
  options.show_progress = false;
  options.record_steps = record_steps;
  options.metrics.emplace_back("stock", phantom::agent_metric<supply_chain::ShopAgent>(
                                            "SHOP", &supply_chain::ShopAgent::stock,
                                            phantom::Reduce::mean, phantom::Reduce::mean));
  return std::make_unique<phantom::RolloutRunner>(
      [](const phantom::EnvConfig&) { return supply_chain::make_env(); }, phantom::EnvConfig{},
      policies, options);
}

void run(benchmark::State& state, std::shared_ptr<phantom::Policy> policy,
         bool record_steps = true) {
  const int workers = static_cast<int>(state.range(0));
  std::unique_ptr<phantom::RolloutRunner> runner =
      make_runner(std::move(policy), workers, static_cast<int>(state.range(1)), record_steps);
  int64_t steps = 0;
  for (auto _ : state) {
    runner->run([&](const phantom::Rollout& r) { steps += static_cast<int64_t>(r.size()); });
  }
  state.SetItemsProcessed(state.iterations() * kEpisodes);
  state.counters["episodes_per_core"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kEpisodes) / static_cast<double>(workers),
      benchmark::Counter::kIsRate);
  state.counters["recorded_steps_per_episode"] =
      static_cast<double>(steps) / static_cast<double>(state.iterations() * kEpisodes);
}

// The same 1,024 episodes without the runner: no policy, no recording, no metrics. The runner's
// overhead is its time over this one's, measured in the same process and VM phase (run with
// --benchmark_enable_random_interleaving on a noisy machine).
// Episodes first, first + stride, ... below kEpisodes on `env`, each stepped with a constant order.
void bare_episodes(phantom::PhantomEnv& env, phantom::Actions& actions, uint64_t first,
                   uint64_t stride) {
  for (uint64_t episode = first; episode < kEpisodes; episode += stride) {
    env.reset(episode);
    while (!env.done()) {
      actions.set(0)[0] = 9.0f;
      benchmark::DoNotOptimize(env.step(actions).reward(0));
    }
  }
}

void BM_SupplyChainBareEpisodes(benchmark::State& state) {
  auto env = supply_chain::make_env();
  phantom::Actions actions = env->make_actions();
  for (auto _ : state) bare_episodes(*env, actions, 0, 1);
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
  run(state, constant_order());
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
  run(state, constant_order(), false);
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

// The 2-worker speed-up itself. Ratios of separately timed benchmarks drift with this VM's speed
// (up to 2x from minute to minute); here each iteration times the four runs back to back, in an
// order that rotates every iteration: the runner with 1 and with 2 workers (batch = the
// argument), and the bare loop on 1 thread and split over 2 threads (its own ceiling). Counters:
// speedup = 1-worker time / 2-worker time, bare_speedup the same for the bare loop, and
// relative = speedup / bare_speedup (1: the runner scales as well as the machine does). The
// benchmark's own time is the four runs together.
void BM_TwoWorkerSpeedup(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  std::unique_ptr<phantom::RolloutRunner> one = make_runner(constant_order(), 1, batch, true);
  std::unique_ptr<phantom::RolloutRunner> two = make_runner(constant_order(), 2, batch, true);
  std::array<std::unique_ptr<phantom::PhantomEnv>, 2> envs{supply_chain::make_env(),
                                                           supply_chain::make_env()};
  std::array<phantom::Actions, 2> actions{envs[0]->make_actions(), envs[1]->make_actions()};
  auto sink = [](const phantom::Rollout& r) { benchmark::DoNotOptimize(r.size()); };
  const std::array<std::function<void()>, 4> runs{
      [&] { one->run(sink); }, [&] { two->run(sink); },
      [&] { bare_episodes(*envs[0], actions[0], 0, 1); },
      [&] {
        std::thread other([&] { bare_episodes(*envs[1], actions[1], 1, 2); });
        bare_episodes(*envs[0], actions[0], 0, 2);
        other.join();
      }};
  std::array<double, 4> seconds{};
  int64_t rotation = 0;
  for (auto _ : state) {
    double total = 0;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const std::size_t which = (k + static_cast<std::size_t>(rotation)) % runs.size();
      const auto start = std::chrono::steady_clock::now();
      runs[which]();
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      seconds[which] += s;
      total += s;
    }
    ++rotation;
    state.SetIterationTime(total);
  }
  const double speedup = seconds[0] / seconds[1];
  const double bare_speedup = seconds[2] / seconds[3];
  state.counters["speedup"] = speedup;
  state.counters["bare_speedup"] = bare_speedup;
  state.counters["relative"] = speedup / bare_speedup;
}
BENCHMARK(BM_TwoWorkerSpeedup)
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(16)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
