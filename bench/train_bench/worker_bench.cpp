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
// All report env_steps/s; the worker's overhead is bare / worker - 1, within one run. For
// load-independent instruction counts, run one benchmark under callgrind with
// --toggle-collect='*BareLoop::fragment*' or --toggle-collect='phantom::RolloutWorker::sample()'
// and divide by the env steps of the calls counted (800 per call).
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "fixed_policies.hpp"
#include "supply_chain.hpp"
#include "trainers/ppo/ppo_policy.hpp"
#include "trainers/sampling/rollout_worker.hpp"

namespace {

constexpr int kEnvs = 8;
constexpr int kFragment = 100;

std::shared_ptr<phantom::Policy> shop_policy(const phantom::PhantomEnv& env, bool ppo) {
  const phantom::StrategicAgent& shop = env.strategic_agent(env.strategic_position("SHOP"));
  if (!ppo)
    return std::make_shared<supply_chain::ConstantOrder>(shop.observation_space(),
                                                         shop.action_space(), 9.0f);
  nn::Rng init(1);
  return std::make_shared<phantom::PpoPolicy>(std::make_shared<phantom::ActorCritic>(
      shop.observation_space(), shop.action_space(), phantom::ActorCriticConfig{}, init));
}

// The bare loop: every env's acting agents, one batched call per step, then every env steps.
class BareLoop {
 public:
  explicit BareLoop(bool ppo) {
    for (int e = 0; e < kEnvs; ++e) {
      envs_.push_back(supply_chain::make_env());
      envs_.back()->reset(static_cast<uint64_t>(e));
      actions_.push_back(envs_.back()->make_actions());
      rngs_.emplace_back(1, static_cast<uint64_t>(e));
    }
    policy_ = shop_policy(*envs_[0], ppo);
    obs_size_ = policy_->observation_space()->flat_size();
  }

  // kFragment steps of every env. Not inlined, so that callgrind can count it alone
  // (--toggle-collect='*BareLoop::fragment*'), as it can RolloutWorker::sample().
  [[gnu::noinline]] void fragment() {
    for (int t = 0; t < kFragment; ++t) {
      observations_.clear();
      rows_.clear();
      row_rngs_.clear();
      for (int e = 0; e < kEnvs; ++e) {
        const phantom::StepResult& seen = envs_[static_cast<std::size_t>(e)]->step_result();
        actions_[static_cast<std::size_t>(e)].clear();
        for (int i = 0; i < seen.size(); ++i) {
          if (!seen.acts(i)) continue;
          observations_.insert(observations_.end(), seen.observation(i),
                               seen.observation(i) + obs_size_);
          rows_.emplace_back(e, i);
          row_rngs_.push_back(rngs_[static_cast<std::size_t>(e)]);
        }
      }
      actions_out_.resize(rows_.size());
      policy_->compute_actions(observations_.data(), static_cast<int64_t>(rows_.size()),
                               actions_out_.data(), row_rngs_.data());
      for (std::size_t k = 0; k < rows_.size(); ++k) {
        auto [e, i] = rows_[k];
        rngs_[static_cast<std::size_t>(e)] = row_rngs_[k];
        actions_[static_cast<std::size_t>(e)].set(i)[0] = actions_out_[k];
      }
      for (int e = 0; e < kEnvs; ++e) {
        phantom::PhantomEnv& env = *envs_[static_cast<std::size_t>(e)];
        if (env.step(actions_[static_cast<std::size_t>(e)]).done()) env.reset();
      }
    }
  }

 private:
  std::vector<std::unique_ptr<phantom::PhantomEnv>> envs_;
  std::vector<phantom::Actions> actions_;
  std::shared_ptr<phantom::Policy> policy_;
  int64_t obs_size_ = 0;
  std::vector<nn::Rng> rngs_, row_rngs_;
  std::vector<float> observations_, actions_out_;
  std::vector<std::pair<int, int>> rows_;  // (env, position)
};

void bare_loop(benchmark::State& state, bool ppo) {
  BareLoop loop(ppo);
  loop.fragment();  // warm-up: buffers grow, as the worker's first sample() does
  int64_t steps = 0;
  for (auto _ : state) {
    loop.fragment();
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
