// PPO with many agents on one policy: what a transition (one agent-step) costs as the number of
// agents sharing the policy grows.
//
// Markets are many similar agents trained as one: M strategic agents mapped to one PPO policy,
// whose actions the rollout worker computes in one batch across all agents of all sub-envs, and
// whose transitions form one batch to learn from. BM_PpoManyAgents/M runs whole PPO iterations
// (sampling, GAE, 4 epochs of 4 minibatches) on an env of M such agents; one iteration samples
// 4 sub-envs x 64 steps, so M x 256 transitions. The counter `time_per_transition` (CPU time per
// agent-step, sampling and learning together) should not grow with M: what grows faster than the
// batch is a cost of the framework, not of the work.
//
// The env is deliberately cheap per agent, so that the framework's cost shows: each agent walks
// on a line, sees its position and velocity and the step's fraction of the episode, pushes left
// or right (Discrete(2)), and is rewarded for staying near the origin. Agents do not message each
// other: the network's part of a step is measured by BM_ManyAgentsStep (env_bench).
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "phantom/env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "workloads/stepped_trainer.hpp"

namespace {

constexpr int kEpisodeSteps = 100;

/// One walker: position and velocity, pushed by its action each step.
class Walker : public phantom::StrategicAgent {
 public:
  explicit Walker(std::string id)
      : StrategicAgent(std::move(id), phantom::box(-1e6f, 1e6f, {4}), phantom::discrete(2)) {
    set_resolution_hooks(phantom::ResolutionHooks::none);
  }
  bool encode_observation(phantom::Context& ctx, float* out) override {
    out[0] = x_;
    out[1] = v_;
    out[2] = static_cast<float>(ctx.env_view().proportion_time_elapsed);
    out[3] = 1.0f;
    return true;
  }
  void decode_action(phantom::Context&, const float* action) override {
    v_ = 0.9f * v_ + (action[0] > 0.5f ? 0.1f : -0.1f);
    x_ += v_;
  }
  double compute_reward(phantom::Context&) override { return -std::fabs(x_); }
  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    x_ = rng.uniform(-1.0f, 1.0f);
    v_ = 0.0f;
  }

 private:
  float x_ = 0.0f, v_ = 0.0f;
};

std::unique_ptr<phantom::PhantomEnv> make_walkers(int agents) {
  auto net = std::make_unique<phantom::Network>();
  for (int i = 0; i < agents; ++i) net->emplace<Walker>("W" + std::to_string(i));
  return std::make_unique<phantom::PhantomEnv>(std::move(net), kEpisodeSteps);
}

void BM_PpoManyAgents(benchmark::State& state) {
  const auto agents = static_cast<int>(state.range(0));
  std::vector<std::string> ids;
  for (int i = 0; i < agents; ++i) ids.push_back("W" + std::to_string(i));
  phantom::TrainOptions run;
  run.iterations = 1000000;  // a long horizon: the learning rate barely anneals
  run.policies.add("shared", phantom::agent_ids(ids));
  run.policies_to_train = {"shared"};
  phantom::PpoOptions ppo;  // CleanRL's settings: 4 epochs x 4 minibatches, 64x64 network
  ppo.num_envs = 4;
  ppo.steps_per_env = 64;
  workloads::SteppedTrainer<phantom::PpoTrainer> trainer(
      ppo, [agents](const phantom::EnvConfig&) { return make_walkers(agents); }, run);
  phantom::IterationStats stats;
  trainer.iterate(stats);  // warm-up: buffers grow
  double transitions = 0;
  for (auto _ : state) {
    trainer.iterate(stats);
    // Every agent acts at every step: M transitions per env step.
    transitions += static_cast<double>(stats.env_steps) * agents;
  }
  state.counters["transitions"] = benchmark::Counter(transitions, benchmark::Counter::kIsRate);
  state.counters["time_per_transition"] =
      benchmark::Counter(transitions, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_PpoManyAgents)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
