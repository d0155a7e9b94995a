// The supply-chain experiment (`make run`): train the shop with PPO, load the trained policy back
// from the results directory, roll it out 100 times, and compare it with the best constant-order
// policy rolled out the same way.
//
//   supply_chain_train [--iterations N] [--seed S] [--results DIR] [--threads T]
//
// Everything goes to DIR/supply_chain_ppo/<run>/: training's metrics CSV, configuration and
// checkpoints, then the rollouts of the trained shop (rollouts.csv, one row per episode step;
// rollout_metrics.csv, one row per episode), histograms of the shop's mean stock, sales and
// missed sales per episode (*_histogram.svg) and the training curve (training_curve.svg).
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/results_dir.hpp"
#include "analysis/rollout_csv.hpp"
#include "analysis/rollout_runner.hpp"
#include "analysis/svg_plot.hpp"
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

// Mean per-episode reward and per-step stock, sales and missed sales over a set of rollouts.
struct Evaluation {
  double reward = 0, stock = 0, sales = 0, missed = 0;
  // Per-episode means, for the histograms.
  std::vector<double> stock_per_episode, sales_per_episode, missed_per_episode;

  void add(const phantom::Rollout& r) {
    for (const auto& reward : r.rewards_for_agent("SHOP", true)) this->reward += *reward;
    stock_per_episode.push_back(*r.metric("stock").value);
    sales_per_episode.push_back(*r.metric("sales").value);
    missed_per_episode.push_back(*r.metric("missed_sales").value);
  }
  void finish() {
    double n = static_cast<double>(stock_per_episode.size());
    reward /= n;
    for (double v : stock_per_episode) stock += v / n;
    for (double v : sales_per_episode) sales += v / n;
    for (double v : missed_per_episode) missed += v / n;
  }
};

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

  // The trained policy, loaded back from the newest checkpoint of the newest run.
  std::string latest = results + "/supply_chain_ppo/LATEST";
  phantom::TrainingResults loaded =
      phantom::PpoTrainer(ppo).load(latest, make_env, phantom::EnvConfig{}, run);
  const phantom::ResultsDir dir(loaded.run_dir);

  // Rollouts on seeds derived from 1000 (training's come from `seed` by another derivation),
  // with the shop's stock, sales and missed sales averaged over each episode.
  phantom::RolloutPolicies policies;
  policies.mapping = run.policies;
  policies.policies = loaded.policies;
  phantom::RolloutOptions options;
  options.num_repeats = 100;
  options.workers = 2;
  options.seed = 1000;
  options.show_progress = false;
  for (const auto& [name, metric] : run.metrics) {
    options.metrics.emplace_back(
        name, phantom::agent_metric<ShopAgent>(
                  "SHOP",
                  [name = name](const ShopAgent& a) {
                    return name == "stock" ? a.stock : name == "sales" ? a.sales : a.missed_sales;
                  },
                  phantom::Reduce::mean, phantom::Reduce::mean));
  }

  // PPO, deterministic (explore off): every step to rollouts.csv, every episode's metrics to
  // rollout_metrics.csv.
  Evaluation learned;
  {
    phantom::RolloutCsvWriter steps(dir.path() + "/rollouts.csv");
    phantom::RolloutMetricsCsvWriter episodes(dir.path() + "/rollout_metrics.csv");
    phantom::RolloutRunner(make_env, {}, policies, options).run([&](const phantom::Rollout& r) {
      steps.write(r);
      episodes.write(r);
      learned.add(r);
    });
    steps.close();
    episodes.close();
  }
  learned.finish();

  // The baseline: the best constant order, searched over whole units, each rolled out on the
  // same seeds through the custom policy mapping.
  int best_units = 0;
  Evaluation best;
  best.reward = -std::numeric_limits<double>::infinity();
  for (int units = 0; units <= 20; ++units) {
    phantom::RolloutPolicies constant;
    constant.mapping = run.policies;
    constant.custom["SHOP"] = [units](phantom::SpacePtr obs, phantom::SpacePtr act,
                                      const phantom::PolicyConfig&) {
      return std::make_shared<ConstantOrder>(obs, act, static_cast<float>(units));
    };
    Evaluation e;
    phantom::RolloutRunner(make_env, {}, constant, options).run([&](const phantom::Rollout& r) {
      e.add(r);
    });
    e.finish();
    if (e.reward > best.reward) {
      best = e;
      best_units = units;
    }
  }

  std::printf("Rollouts of 100 episodes (per-episode reward; per-step stock, sales, missed):\n");
  std::printf("  %-24s %12s %10s %10s %10s\n", "policy", "reward", "stock", "sales", "missed");
  std::string baseline = "constant order of " + std::to_string(best_units);
  print_row(baseline.c_str(), best);
  print_row("PPO (deterministic)", learned);
  std::printf("\nPPO %s the best constant order by %.2f reward per episode.\n",
              learned.reward > best.reward ? "beats" : "does NOT beat",
              learned.reward - best.reward);

  // Plots: the trained shop's per-episode means, and the training curve.
  auto histogram = [&](const char* name, const char* label, const std::vector<double>& values) {
    phantom::Histogram h;
    h.title = std::string("PPO shop: ") + label + " per episode (100 rollouts)";
    h.x_label = std::string("mean ") + label + " per step";
    h.values = values;
    h.write_svg(dir.path() + "/" + name + "_histogram.svg");
  };
  histogram("stock", "stock", learned.stock_per_episode);
  histogram("sales", "sales", learned.sales_per_episode);
  histogram("missed_sales", "missed sales", learned.missed_per_episode);
  phantom::CsvTable metrics = phantom::read_csv(dir.metrics_path());
  phantom::LineChart curve;
  curve.title = "Supply chain: PPO training";
  curve.x_label = "iteration";
  curve.y_label = "episode reward";
  std::vector<double> xs = metrics.numbers("iteration");
  curve.add_series("mean", xs, metrics.numbers("policy/shop/reward_mean"));
  curve.add_series("min", xs, metrics.numbers("policy/shop/reward_min"));
  curve.add_series("max", xs, metrics.numbers("policy/shop/reward_max"));
  curve.write_svg(dir.path() + "/training_curve.svg");
  std::printf("\nRollouts, histograms and the training curve are in %s\n", dir.path().c_str());
  return 0;
}
