// The supply-chain experiment (`make run`): train the shop with PPO, then compare it with the
// best constant-order policy over 100 evaluation episodes.
//
//   supply_chain_train [--iterations N] [--seed S] [--results DIR] [--threads T]
//
// The run's metrics CSV, configuration and checkpoints go to DIR/supply_chain_ppo/<run>/.
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "phantom/metrics.hpp"
#include "supply_chain.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

using supply_chain::ShopAgent;

/// The shop orders the same number of units every step.
class ConstantOrder : public phantom::Policy {
 public:
  ConstantOrder(phantom::SpacePtr obs, phantom::SpacePtr act, float units)
      : Policy(std::move(obs), std::move(act)), units_(units) {}
  void compute_action(const float*, float* action, nn::Rng&) override { action[0] = units_; }
  /// Stateless, so a copy acts identically on any thread.
  std::shared_ptr<phantom::Policy> clone() const override {
    return std::make_shared<ConstantOrder>(*this);
  }

 private:
  float units_;
};

struct Evaluation {
  double reward = 0, stock = 0, sales = 0, missed = 0;
};

// Mean episode reward and per-step stock, sales and missed sales of `policy` driving the shop,
// over `episodes` episodes with seeds 1'000'000 + e (never used in training).
Evaluation evaluate(phantom::Policy& policy, int episodes) {
  auto env = supply_chain::make_env();
  phantom::Actions actions = env->make_actions();
  nn::Rng rng(99);
  Evaluation ev;
  int64_t steps = 0;
  for (int e = 0; e < episodes; ++e) {
    const phantom::StepResult* r = &env->reset(1000000 + static_cast<uint64_t>(e));
    while (!env->done()) {
      actions.clear();
      policy.compute_action(r->observation(0), actions.set(0), rng);
      r = &env->step(actions);
      ev.reward += r->reward(0);
      const auto& shop = dynamic_cast<const ShopAgent&>((*env)["SHOP"]);
      ev.stock += shop.stock;
      ev.sales += shop.sales;
      ev.missed += shop.missed_sales;
      ++steps;
    }
  }
  ev.reward /= episodes;
  ev.stock /= static_cast<double>(steps);
  ev.sales /= static_cast<double>(steps);
  ev.missed /= static_cast<double>(steps);
  return ev;
}

void print_row(const char* name, const Evaluation& e) {
  std::printf("  %-24s %12.2f %10.2f %10.2f %10.2f\n", name, e.reward, e.stock, e.sales, e.missed);
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 600;
  uint64_t seed = 1;
  int threads = 1;
  float lr = 1e-3f, reward_scale = 0.01f;
  std::string results = "results";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--iterations") {
      iterations = std::atoi(argv[i + 1]);
    } else if (flag == "--seed") {
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (flag == "--results") {
      results = argv[i + 1];
    } else if (flag == "--lr") {
      lr = static_cast<float>(std::atof(argv[i + 1]));
    } else if (flag == "--reward-scale") {
      reward_scale = static_cast<float>(std::atof(argv[i + 1]));
    } else if (flag == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr,
                   "unknown option %s\nusage: %s [--iterations N] [--seed S] [--results DIR] "
                   "[--threads T]\n",
                   argv[i], argv[0]);
      return 2;
    }
  }

  phantom::PpoOptions ppo;
  ppo.num_envs = 8;
  ppo.steps_per_env = 100;  // one episode per env per iteration
  ppo.epochs = 4;
  ppo.minibatches = 4;
  ppo.learning_rate = lr;
  ppo.reward_scale = reward_scale;
  ppo.gamma = 0.99f;
  ppo.network.initial_log_std = -1.0f;
  ppo.normalize_observations = true;
  ppo.threads = threads;
  phantom::PpoTrainer trainer(ppo);

  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = seed;
  run.policies.add("shop", phantom::agents_of_type<ShopAgent>());
  run.policies_to_train = {"shop"};
  run.metrics = {
      {"stock", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::stock)},
      {"sales", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::sales)},
      {"missed_sales", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::missed_sales)}};
  run.results_dir = results;
  run.experiment = "supply_chain_ppo";
  run.checkpoint_every = 50;
  auto make_env = [](const phantom::EnvConfig&) { return supply_chain::make_env(); };

  std::printf("Training the shop with PPO: %d iterations x %d envs x %d steps\n", iterations,
              ppo.num_envs, ppo.steps_per_env);
  phantom::TrainingResults trained = trainer.train(make_env, phantom::EnvConfig{}, run);
  std::printf("Results written to %s\n\n", trained.run_dir.c_str());

  // The baseline: the best constant order, searched over whole units.
  auto probe = supply_chain::make_env();
  phantom::SpacePtr obs = probe->strategic_agent(0).observation_space();
  phantom::SpacePtr act = probe->strategic_agent(0).action_space();
  int best_units = 0;
  Evaluation best;
  best.reward = -std::numeric_limits<double>::infinity();
  for (int units = 0; units <= 20; ++units) {
    ConstantOrder constant(obs, act, static_cast<float>(units));
    Evaluation e = evaluate(constant, 100);
    if (e.reward > best.reward) {
      best = e;
      best_units = units;
    }
  }
  auto& shop = dynamic_cast<phantom::PpoPolicy&>(*trained.policies.at("shop"));
  shop.set_deterministic(true);
  Evaluation learned = evaluate(shop, 100);

  std::printf(
      "Evaluation over 100 episodes (per-episode reward; per-step stock, sales, missed):\n");
  std::printf("  %-24s %12s %10s %10s %10s\n", "policy", "reward", "stock", "sales", "missed");
  std::string baseline = "constant order of " + std::to_string(best_units);
  print_row(baseline.c_str(), best);
  print_row("PPO (deterministic)", learned);
  std::printf("\nPPO %s the best constant order by %.2f reward per episode.\n",
              learned.reward > best.reward ? "beats" : "does NOT beat",
              learned.reward - best.reward);
  return 0;
}
