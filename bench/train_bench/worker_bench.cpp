// The rollout worker's own cost: the supply chain (100-step episodes) on 8 sub-envs, sampled in
// truncate_episodes fragments of 100 steps, next to the same 8 envs stepped by a bare loop.
//
//   BM_SupplyChainBareLoop   8 envs, a constant-order policy asked for every acting agent,
//                            reset when done: the ceiling
//   BM_WorkerSample          RolloutWorker::sample() with the same policy: rows, pieces,
//                            episode bookkeeping on top
// Both report env_steps/s; the worker's overhead is 1 - worker / bare, within one run.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "supply_chain.hpp"
#include "trainers/sampling/rollout_worker.hpp"

namespace {

constexpr int kEnvs = 8;
constexpr int kFragment = 100;

class ConstantOrder : public phantom::Policy {
 public:
  using Policy::Policy;
  void compute_action(const float*, float* action, nn::Rng&) override { action[0] = 9.0f; }
};

std::shared_ptr<phantom::Policy> shop_policy(const phantom::PhantomEnv& env) {
  const phantom::StrategicAgent& shop = env.strategic_agent(env.strategic_position("SHOP"));
  return std::make_shared<ConstantOrder>(shop.observation_space(), shop.action_space());
}

void BM_SupplyChainBareLoop(benchmark::State& state) {
  std::vector<std::unique_ptr<phantom::PhantomEnv>> envs;
  std::vector<phantom::Actions> actions;
  for (int e = 0; e < kEnvs; ++e) {
    envs.push_back(supply_chain::make_env());
    envs.back()->reset(static_cast<uint64_t>(e));
    actions.push_back(envs.back()->make_actions());
  }
  std::shared_ptr<phantom::Policy> policy = shop_policy(*envs[0]);
  nn::Rng rng(1);
  int64_t steps = 0;
  for (auto _ : state) {
    for (int t = 0; t < kFragment; ++t) {
      for (int e = 0; e < kEnvs; ++e) {
        phantom::PhantomEnv& env = *envs[static_cast<std::size_t>(e)];
        phantom::Actions& a = actions[static_cast<std::size_t>(e)];
        const phantom::StepResult& seen = env.step_result();
        a.clear();
        for (int i = 0; i < seen.size(); ++i) {
          if (seen.acts(i)) policy->compute_action(seen.observation(i), a.set(i), rng);
        }
        if (env.step(a).done()) env.reset();
      }
    }
    steps += int64_t{kEnvs} * kFragment;
  }
  state.counters["env_steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SupplyChainBareLoop)->Unit(benchmark::kMicrosecond);

void BM_WorkerSample(benchmark::State& state) {
  auto probe = supply_chain::make_env();
  phantom::PolicyMapping mapping;
  mapping.add("shop", phantom::agent_ids({"SHOP"}));
  phantom::RolloutWorkerOptions o;
  o.num_envs = kEnvs;
  o.rollout_fragment_length = kFragment;
  o.batch_mode = phantom::BatchMode::truncate_episodes;
  o.seed = 1;
  o.keep_episode_records = false;
  phantom::RolloutWorker worker(
      [](const phantom::EnvContext&) { return supply_chain::make_env(); },
      phantom::PolicyMap{{"shop", shop_policy(*probe)}}, mapping, o);
  worker.sample();  // warm-up: buffers grow
  int64_t steps = 0;
  for (auto _ : state) steps += worker.sample().env_steps;
  state.counters["env_steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WorkerSample)->Unit(benchmark::kMicrosecond);

}  // namespace
