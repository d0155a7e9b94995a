// PPO on CartPole: one iteration = 4 envs x 128 steps of acting and env stepping, GAE, then
// 4 epochs x 4 minibatches of 128 (CleanRL's settings). Reports env steps/s while training.
#include <benchmark/benchmark.h>

#include "cartpole.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

// Exposes one training iteration (the Trainer base's CSV and progress are left out).
class BenchPpo : public phantom::PpoTrainer {
 public:
  explicit BenchPpo(phantom::PpoOptions o) : PpoTrainer(o) {
    options_.iterations = 1000000;  // a long horizon: the learning rate barely anneals
    options_.policies.add("cart", phantom::agent_ids({"CARTPOLE"}));
    options_.policies_to_train = {"cart"};
    factory_ = [](const phantom::EnvConfig& c) { return cartpole::make_cartpole_env(c); };
    probe_ = factory_(config_);
    resolved_ =
        options_.policies.resolve(*probe_, kind(), options_.policies_to_train, options_.registry);
    policies_ = phantom::create_registered_policies(resolved_, options_.registry);
    Setup s{&factory_, &config_, &options_, &resolved_, &policies_};
    setup(s);
  }
  void iterate(phantom::IterationStats& stats) {
    stats.reset(1, 0);
    training_step(iteration_++, stats);
  }

 private:
  phantom::TrainOptions options_;
  phantom::EnvFactory factory_;
  phantom::EnvConfig config_;
  std::unique_ptr<phantom::PhantomEnv> probe_;
  phantom::ResolvedPolicies resolved_;
  std::vector<std::shared_ptr<phantom::Policy>> policies_;
  int iteration_ = 0;
};

void BM_PpoIteration(benchmark::State& state) {
  phantom::PpoOptions o;  // CleanRL's CartPole settings
  BenchPpo ppo(o);
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

}  // namespace
