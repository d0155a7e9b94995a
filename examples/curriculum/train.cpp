// A curriculum: PPO trains the supply-chain shop while its customers' demand rises in levels.
//
// The pattern (RLlib's "curriculum learning" with callbacks): after every iteration,
// Callbacks::on_train_result reads the iteration's result and, once the shop's mean return
// passes the current level's threshold, moves every env of the trainer to the next level
// through Trainer::foreach_env. The change applies from the next iteration, mid-episode, in
// every sub-env. on_episode_end stamps each episode with the level it ended at, reported as the
// custom metric "level" (CSV columns custom/level_mean, _min, _max).
//
//   curriculum_train [--iterations N] [--seed S] [--results DIR]     (--help says more)
//
// The level lives in the callback; checkpoints do not hold it (resuming a curriculum run is not
// supported by this example).
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "supply_chain.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

/// The customers' largest order plus one, per level: demand 0-2, 0-4, then 0-7 units a step.
const std::vector<int> kMaxOrderSize = {3, 5, 8};
/// The shop's mean return per episode that moves it on from each level.
const std::vector<double> kThreshold = {250.0, 600.0};

void set_demand(phantom::PhantomEnv& env, int level) {
  for (const std::string& id : env.agent_ids()) {
    if (auto* customer = dynamic_cast<supply_chain::CustomerAgent*>(&env[id])) {
      customer->max_order_size = kMaxOrderSize[static_cast<std::size_t>(level)];
    }
  }
}

class DemandCurriculum : public phantom::Callbacks {
 public:
  explicit DemandCurriculum(int shop_position) : shop_(shop_position) {}

  int level() const { return level_; }

  void on_algorithm_init(phantom::Trainer& trainer) override {
    trainer.foreach_env([this](phantom::PhantomEnv& env) { set_demand(env, level_); });
  }
  void on_train_result(phantom::Trainer& trainer, phantom::IterationStats& result) override {
    const double mean = result.returns[static_cast<std::size_t>(shop_)].mean();
    if (level_ + 1 >= static_cast<int>(kMaxOrderSize.size()) || std::isnan(mean) ||
        mean < kThreshold[static_cast<std::size_t>(level_)]) {
      return;
    }
    ++level_;
    trainer.foreach_env([this](phantom::PhantomEnv& env) { set_demand(env, level_); });
    std::printf("  level %d reached after a mean return of %.1f\n", level_, mean);
  }
  void on_episode_end(phantom::RolloutWorker&, phantom::Episode& episode, int) override {
    episode.custom_metrics["level"] = level_;
  }

 private:
  int shop_;
  int level_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int iterations = 300;
  uint64_t seed = 1;
  std::string results = "results";
  examples::CommandLine cli("curriculum_train",
                            "Trains the supply chain's shop with PPO while its customers' demand "
                            "rises in levels.");
  cli.integer("--iterations", "N", &iterations, 1, "training iterations")
      .seed("--seed", &seed, "the run's seed")
      .text("--results", "DIR", &results, "results base directory");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  return examples::run_main(cli.program(), [&] {
    auto make_env = [](const phantom::EnvConfig&) { return supply_chain::make_env(); };
    const int shop = make_env({})->strategic_position("SHOP");
    auto curriculum = std::make_shared<DemandCurriculum>(shop);

    phantom::PpoOptions ppo;
    ppo.num_envs = 8;
    ppo.steps_per_env = 100;
    ppo.learning_rate = 1e-3f;
    ppo.reward_scale = 0.01f;
    ppo.network.initial_log_std = -1.0f;
    ppo.normalize_observations = true;

    phantom::TrainOptions run;
    run.iterations = iterations;
    run.seed = seed;
    run.policies.add("shop", phantom::agents_of_type<supply_chain::ShopAgent>());
    run.policies_to_train = {"shop"};
    run.callbacks = curriculum;
    run.custom_metrics = {"level"};
    run.results_dir = results;
    run.experiment = "supply_chain_curriculum";
    std::printf("Training the shop through %zu demand levels (%d iterations)\n",
                kMaxOrderSize.size(), iterations);
    phantom::TrainingResults trained = phantom::PpoTrainer(ppo).train(make_env, {}, run);
    std::printf("Final level %d; mean return in the last iteration %.1f\n", curriculum->level(),
                trained.last.returns[static_cast<std::size_t>(shop)].mean());
    std::printf("Metrics (custom/level_mean per iteration) in %s/metrics.csv\n",
                trained.run_dir.c_str());
    return 0;
  });
}
