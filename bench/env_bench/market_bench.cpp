// The market example at scale: what one agent-step costs as the number of traders grows.
//
// BM_MarketStep/N steps market::make_env with N traders and 2 market makers (N + 2 agents). Each
// step every trader reads both makers' quotes from its view snapshot, and about two traders in
// three send an order, which a maker fills and answers: the makers are hubs with N neighbours, so
// any per-send search, per-step scan of all agents per agent, or dense N x N table would show up
// as a cost per agent-step that grows with N. Traders' actions are fixed patterns (trader i at
// step t: (i + t) mod 3, i.e. sell, hold or buy), so no policy runs; traders who leave early stop
// acting, as in training. Resets are included, one every 100 steps, each drawing every trader's
// type.
//
// Counters:
//   agent_steps          agent-steps per second (N + 2 per env step)
//   time_per_agent_step  the same, inverted: seconds per agent-step (printed as e.g. 95.1ns)
//   messages             messages delivered per second (orders and fills; the messages of one
//                        step in the middle of an episode are counted once, before timing)
//
// BM_MarketPpo/N runs whole PPO iterations on a market of N traders mapped to one policy: one
// 100-step episode per iteration (N x 100 transitions), 4 epochs of 4 minibatches, a 32x32
// network, as market_train trains. Its counter `time_per_transition` is CPU time per trader-step,
// sampling (env, observation filter, batched acting) and learning together.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "agent_step_counters.hpp"
#include "market_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "workloads/stepped_trainer.hpp"

namespace {

// Every trader that acts next gets its pattern's action for `step`.
void pattern_actions(const market::MarketEnv& env, phantom::Actions& actions, int64_t step) {
  const phantom::StepResult& r = env.step_result();
  actions.clear();
  for (int i = 0; i < env.num_strategic(); ++i) {
    if (r.acts(i)) actions.set(i)[0] = static_cast<float>((i + step) % 3);
  }
}

void BM_MarketStep(benchmark::State& state) {
  market::MarketConfig config;
  config.num_traders = static_cast<int>(state.range(0));
  config.num_makers = 2;
  auto env = market::make_env(config);
  phantom::Actions actions = env->make_actions();
  env->reset(1);
  // Half an episode, so the queues have grown; then one tracked step counts the messages.
  while (env->current_step() < config.episode_steps / 2) {
    pattern_actions(*env, actions, env->current_step());
    env->step(actions);
  }
  phantom::Resolver& resolver = env->network().resolver();
  resolver.set_track_messages(true);
  pattern_actions(*env, actions, env->current_step());
  env->step(actions);
  const auto messages_per_step = static_cast<double>(resolver.tracked().size());
  resolver.set_track_messages(false);
  resolver.clear_tracked();

  uint64_t episode = 1;
  for (auto _ : state) {
    if (env->done()) env->reset(++episode);
    pattern_actions(*env, actions, env->current_step());
    benchmark::DoNotOptimize(env->step(actions).reward(0));
  }
  const auto agents = static_cast<double>(env->n_agents());
  set_agent_step_counters(state, agents, messages_per_step);
}
BENCHMARK(BM_MarketStep)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

void BM_MarketPpo(benchmark::State& state) {
  market::MarketConfig config;
  config.num_traders = static_cast<int>(state.range(0));
  phantom::TrainOptions run;
  run.iterations = 1000000;  // a long horizon: the learning rate barely anneals
  run.policies.add("trader", phantom::agents_of_type<market::Trader>());
  run.policies_to_train = {"trader"};
  phantom::PpoOptions ppo;
  ppo.num_envs = 1;
  ppo.steps_per_env = config.episode_steps;
  ppo.network.hidden = {32, 32};
  ppo.normalize_observations = true;
  workloads::SteppedTrainer<phantom::PpoTrainer> trainer(
      ppo, [config](const phantom::EnvConfig&) { return market::make_env(config); }, run);
  phantom::IterationStats stats;
  trainer.iterate(stats);  // warm-up: buffers grow
  double transitions = 0;
  for (auto _ : state) {
    trainer.iterate(stats);
    transitions += static_cast<double>(stats.agent_steps);
  }
  state.counters["transitions"] = benchmark::Counter(transitions, benchmark::Counter::kIsRate);
  state.counters["time_per_transition"] =
      benchmark::Counter(transitions, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MarketPpo)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
