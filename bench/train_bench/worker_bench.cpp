// The rollout worker's own cost: the supply chain (100-step episodes) on 8 sub-envs, sampled in
// truncate_episodes fragments of 100 steps, next to the same 8 envs stepped by a bare loop.
//
//   BM_SupplyChainBareLoop   8 envs, a constant-order policy asked for every acting agent,
//                            reset when done: the ceiling
//   BM_WorkerSample          RolloutWorker::sample() with the same policy: rows, pieces,
//                            episode bookkeeping on top
//   BM_SupplyChainBareLoopPpo, BM_WorkerSamplePpo
//                            the same with an untrained 64x64 PPO shop acting on all 8 envs in
//                            one batch (bare: the Policy interface; worker: compute_actions
//                            with log-probs and values, as in training)
// All report env_steps/s; the worker's overhead is 1 - worker / bare, within one run.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "supply_chain.hpp"
#include "trainers/ppo/ppo_policy.hpp"
#include "trainers/sampling/rollout_worker.hpp"

namespace {

constexpr int kEnvs = 8;
constexpr int kFragment = 100;

class ConstantOrder : public phantom::Policy {
 public:
  using Policy::Policy;
  void compute_action(const float*, float* action, nn::Rng&) override { action[0] = 9.0f; }
};

std::shared_ptr<phantom::Policy> shop_policy(const phantom::PhantomEnv& env, bool ppo) {
  const phantom::StrategicAgent& shop = env.strategic_agent(env.strategic_position("SHOP"));
  if (!ppo) return std::make_shared<ConstantOrder>(shop.observation_space(), shop.action_space());
  nn::Rng init(1);
  return std::make_shared<phantom::PpoPolicy>(std::make_shared<phantom::ActorCritic>(
      shop.observation_space(), shop.action_space(), phantom::ActorCriticConfig{}, init));
}

// The bare loop: every env's acting agents, one batched call per step, then every env steps.
void bare_loop(benchmark::State& state, bool ppo) {
  std::vector<std::unique_ptr<phantom::PhantomEnv>> envs;
  std::vector<phantom::Actions> actions;
  for (int e = 0; e < kEnvs; ++e) {
    envs.push_back(supply_chain::make_env());
    envs.back()->reset(static_cast<uint64_t>(e));
    actions.push_back(envs.back()->make_actions());
  }
  std::shared_ptr<phantom::Policy> policy = shop_policy(*envs[0], ppo);
  const int64_t obs_size = policy->observation_space()->flat_size();
  std::vector<nn::Rng> rngs;
  for (int e = 0; e < kEnvs; ++e) rngs.emplace_back(1, static_cast<uint64_t>(e));
  std::vector<float> observations, actions_out;
  std::vector<std::pair<int, int>> rows;  // (env, position)
  std::vector<nn::Rng> row_rngs;
  int64_t steps = 0;
  for (auto _ : state) {
    for (int t = 0; t < kFragment; ++t) {
      observations.clear();
      rows.clear();
      row_rngs.clear();
      for (int e = 0; e < kEnvs; ++e) {
        const phantom::StepResult& seen = envs[static_cast<std::size_t>(e)]->step_result();
        actions[static_cast<std::size_t>(e)].clear();
        for (int i = 0; i < seen.size(); ++i) {
          if (!seen.acts(i)) continue;
          observations.insert(observations.end(), seen.observation(i),
                              seen.observation(i) + obs_size);
          rows.emplace_back(e, i);
          row_rngs.push_back(rngs[static_cast<std::size_t>(e)]);
        }
      }
      actions_out.resize(rows.size());
      policy->compute_actions(observations.data(), static_cast<int64_t>(rows.size()),
                              actions_out.data(), row_rngs.data());
      for (std::size_t k = 0; k < rows.size(); ++k) {
        auto [e, i] = rows[k];
        rngs[static_cast<std::size_t>(e)] = row_rngs[k];
        actions[static_cast<std::size_t>(e)].set(i)[0] = actions_out[k];
      }
      for (int e = 0; e < kEnvs; ++e) {
        phantom::PhantomEnv& env = *envs[static_cast<std::size_t>(e)];
        if (env.step(actions[static_cast<std::size_t>(e)]).done()) env.reset();
      }
    }
    steps += int64_t{kEnvs} * kFragment;
  }
  state.counters["env_steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}

void BM_SupplyChainBareLoop(benchmark::State& state) {
  bare_loop(state, false);
}
BENCHMARK(BM_SupplyChainBareLoop)->Unit(benchmark::kMicrosecond);
void BM_SupplyChainBareLoopPpo(benchmark::State& state) {
  bare_loop(state, true);
}
BENCHMARK(BM_SupplyChainBareLoopPpo)->Unit(benchmark::kMicrosecond);

void worker_sample(benchmark::State& state, bool ppo) {
  auto probe = supply_chain::make_env();
  phantom::PolicyMapping mapping;
  mapping.add("shop", phantom::agent_ids({"SHOP"}));
  phantom::RolloutWorkerOptions o;
  o.num_envs = kEnvs;
  o.rollout_fragment_length = kFragment;
  o.batch_mode = phantom::BatchMode::truncate_episodes;
  o.seed = 1;
  o.keep_episode_records = false;
  phantom::RolloutWorker worker([](const phantom::EnvContext&) { return supply_chain::make_env(); },
                                phantom::PolicyMap{{"shop", shop_policy(*probe, ppo)}}, mapping, o);
  worker.sample();  // warm-up: buffers grow
  int64_t steps = 0;
  for (auto _ : state) steps += worker.sample().env_steps;
  state.counters["env_steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
void BM_WorkerSample(benchmark::State& state) {
  worker_sample(state, false);
}
BENCHMARK(BM_WorkerSample)->Unit(benchmark::kMicrosecond);
void BM_WorkerSamplePpo(benchmark::State& state) {
  worker_sample(state, true);
}
BENCHMARK(BM_WorkerSamplePpo)->Unit(benchmark::kMicrosecond);

}  // namespace
