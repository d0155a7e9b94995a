// The market experiment: N traders share one PPO policy and learn to trade against K market
// makers. It prints the traders' mean episode return as training goes, then how far it rose and
// how the trained policy does without exploration, next to holding (never trading, return 0).
//
//   market_train [--traders N] [--makers K] [--iterations I] [--results DIR] [--threads T]
//                [--seed S] ...      (--help lists them all)
//
// Every iteration samples --envs markets for one episode each, so it learns from
// N x envs x steps transitions. Each trader's return is what it earned over its stay (its
// change of wealth marked at the fundamental, minus its inventory penalties). A random policy
// pays the spread on two steps out of three and holds a wandering position, so it loses; the
// price reverts to its mean, so a policy that buys below the mean and sells above it earns.
//
// Everything goes to DIR/market_ppo/<run>/: the metrics CSV (one row per iteration: the traders'
// returns, the fundamental price, the traders' mean position, the volume; and every
// --eval-interval iterations the returns of the policy without exploration), the configuration
// and the final checkpoint, and the training curve (training_curve.svg).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/results_dir.hpp"
#include "analysis/svg_plot.hpp"
#include "command_line.hpp"
#include "market_env.hpp"
#include "phantom/metrics.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

using market::MarketConfig;
using market::MarketEnv;

// The PPO settings the program starts from (the options below change some of them).
//  - gamma 0.9: the price forgets a deviation at 10% a step, so about ten steps ahead matter;
//  - rewards scaled by 0.1: a trader's change of wealth is a few units of money a step;
//  - observations normalised: cash is about 0.5, prices a few percent, inventory within 1.
phantom::PpoOptions default_ppo_options() {
  phantom::PpoOptions ppo;
  ppo.num_envs = 2;
  ppo.epochs = 4;
  ppo.minibatches = 4;
  ppo.learning_rate = 1e-3f;
  ppo.gamma = 0.9f;
  ppo.reward_scale = 0.1f;
  ppo.loss.entropy_coef = 0.01f;
  ppo.network.hidden = {32, 32};
  ppo.normalize_observations = true;
  return ppo;
}

// The env metrics of the metrics CSV, each averaged over an episode's steps. All read the makers
// (K of them), never the N traders: what the traders hold in total is what the makers lack.
phantom::NamedMetrics market_metrics() {
  auto per_trader = [](const MarketEnv& env, auto get) {
    double total = 0;
    for (int k = 0; k < env.config().num_makers; ++k) total += get(env.maker(k));
    return total / env.config().num_traders;
  };
  return {
      {"fundamental", std::make_shared<phantom::SimpleEnvMetric<MarketEnv>>(
                          [](const MarketEnv& env) { return env.fundamental(); })},
      {"trader_position",
       std::make_shared<phantom::SimpleEnvMetric<MarketEnv>>([per_trader](const MarketEnv& env) {
         return per_trader(env, [](const market::MarketMaker& m) { return -m.inventory; });
       })},
      {"volume",
       std::make_shared<phantom::SimpleEnvMetric<MarketEnv>>([per_trader](const MarketEnv& env) {
         return per_trader(env, [](const market::MarketMaker& m) { return m.trades; });
       })},
  };
}

// The traders' mean episode return over the episodes that finished in an iteration.
double mean_return(const phantom::IterationStats& stats) {
  double sum = 0;
  int64_t count = 0;
  for (const phantom::Accumulator& a : stats.returns) {
    sum += a.sum;
    count += a.count;
  }
  return count ? sum / static_cast<double>(count) : std::nan("");
}

// The mean of values[first, last) that are numbers.
double mean_of(const std::vector<double>& values, std::size_t first, std::size_t last) {
  double sum = 0;
  int n = 0;
  for (std::size_t i = first; i < last && i < values.size(); ++i) {
    if (std::isnan(values[i])) continue;
    sum += values[i];
    ++n;
  }
  return n ? sum / n : std::nan("");
}

int train(const MarketConfig& config, phantom::PpoOptions ppo, int iterations, uint64_t seed,
          const std::string& results, int eval_interval) {
  config.validate();                         // a bad option is reported before anything runs
  ppo.steps_per_env = config.episode_steps;  // one episode per env per iteration
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = seed;
  run.policies.add("trader", phantom::agents_of_type<market::Trader>());
  run.policies_to_train = {"trader"};
  run.metrics = market_metrics();
  run.results_dir = results;
  run.experiment = "market_ppo";
  run.show_progress = false;  // the lines below are the progress
  run.evaluation.interval = eval_interval;
  run.evaluation.duration = 10;  // episodes, each N trader-episodes (one price path each)
  // A line after the first iteration, then one every `every` iterations with their mean.
  const int every = std::max(1, iterations / 20);
  double block_sum = 0;
  int block_count = 0, block_first = 1;
  run.on_iteration = [&](int iteration, const phantom::IterationStats& stats, int64_t steps) {
    const double r = mean_return(stats);
    if (!std::isnan(r)) {
      block_sum += r;
      ++block_count;
    }
    const int done = iteration + 1;
    if (done == 1 || done % every == 0 || done == iterations) {
      std::printf("  iterations %5d-%-5d  env steps %9lld  mean trader return %8.2f\n", block_first,
                  done, static_cast<long long>(steps),
                  block_count ? block_sum / block_count : std::nan(""));
      std::fflush(stdout);
      block_sum = 0;
      block_count = 0;
      block_first = done + 1;
    }
    return false;
  };
  // The market's size travels in the run's env config, so the run's config.txt records it.
  const phantom::EnvConfig env_config{{"traders", config.num_traders},
                                      {"makers", config.num_makers},
                                      {"episode_steps", config.episode_steps}};
  auto make_env = [config](const phantom::EnvConfig& c) {
    MarketConfig sized = config;
    sized.num_traders = static_cast<int>(c.integer("traders"));
    sized.num_makers = static_cast<int>(c.integer("makers"));
    sized.episode_steps = static_cast<int>(c.integer("episode_steps"));
    return market::make_env(sized);
  };

  std::printf(
      "Training %d traders on one PPO policy against %d market makers: %d iterations x %d envs x "
      "%d steps (%lld transitions per iteration), %d thread(s)\n",
      config.num_traders, config.num_makers, iterations, ppo.num_envs, ppo.steps_per_env,
      static_cast<long long>(config.num_traders) * ppo.num_envs * ppo.steps_per_env, ppo.threads);
  phantom::PpoTrainer trainer(ppo);
  phantom::TrainingResults trained = trainer.train(make_env, env_config, run);

  // The run's numbers, back from its metrics CSV.
  const phantom::ResultsDir dir(trained.run_dir);
  phantom::CsvTable metrics = phantom::read_csv(dir.metrics_path());
  const std::vector<double> xs = metrics.numbers("iteration");
  const std::vector<double> rewards = metrics.numbers("policy/trader/reward_mean");
  const std::size_t window = std::max<std::size_t>(1, rewards.size() / 10);
  const double first = rewards.empty() ? std::nan("") : rewards[0];
  const double last = mean_of(rewards, rewards.size() - window, rewards.size());
  std::printf(
      "\nMean trader return per episode, exploring: %.2f in the first iteration, %.2f over the "
      "last %zu (%+.2f).\n",
      first, last, window, last - first);
  phantom::LineChart curve;
  curve.title = "Market: " + std::to_string(config.num_traders) + " traders on one PPO policy";
  curve.x_label = "iteration";
  curve.y_label = "trader return per episode";
  curve.add_series("mean (exploring)", xs, rewards);
  if (eval_interval > 0) {
    std::vector<double> at, evaluated;
    const std::vector<double> ys = metrics.numbers("evaluation/policy/trader/reward_mean");
    for (std::size_t i = 0; i < ys.size(); ++i) {
      if (std::isnan(ys[i])) continue;
      at.push_back(xs[i]);
      evaluated.push_back(ys[i]);
    }
    if (!evaluated.empty()) {
      curve.add_series("mean (no exploration)", at, evaluated);
      std::printf(
          "Without exploration, at iteration %.0f: %.2f per episode (holding, never trading: "
          "0).\n",
          at.back(), evaluated.back());
    }
  }
  curve.write_svg(dir.path() + "/training_curve.svg");
  std::printf("Metrics, configuration, checkpoint and training curve are in %s\n",
              dir.path().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MarketConfig config;
  phantom::PpoOptions ppo = default_ppo_options();
  int iterations = 100, eval_interval = 25;
  auto hidden = static_cast<int>(ppo.network.hidden[0]);
  uint64_t seed = 1;
  std::string results = "results";
  examples::CommandLine cli(
      "market_train",
      "Trains N traders sharing one PPO policy against K market makers on a mean-reverting price.");
  cli.integer("--traders", "N", &config.num_traders, 1, "traders (all on one policy)")
      .integer("--makers", "K", &config.num_makers, 1, "market makers")
      .integer("--episode-steps", "N", &config.episode_steps, 1, "steps of an episode")
      .integer("--iterations", "N", &iterations, 1, "training iterations")
      .seed("--seed", &seed, "the run's seed")
      .text("--results", "DIR", &results, "results base directory")
      .integer("--threads", "T", &ppo.threads, 1, "threads stepping the envs")
      .integer("--envs", "N", &ppo.num_envs, 1, "markets sampled per iteration (one episode each)")
      .integer("--eval-interval", "N", &eval_interval, 0,
               "evaluate without exploration every N iterations (0: never)")
      .real("--lr", "X", &ppo.learning_rate, "Adam's learning rate, annealed to 0")
      .real("--entropy", "X", &ppo.loss.entropy_coef, "entropy bonus coefficient")
      .real("--gamma", "X", &ppo.gamma, "discount")
      .integer("--hidden", "H", &hidden, 1, "units in each of the two hidden layers");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  ppo.network.hidden = {hidden, hidden};
  config.seed = seed;
  return examples::run_main(
      cli.program(), [&] { return train(config, ppo, iterations, seed, results, eval_interval); });
}
