// The supply-chain experiment (`make run`): train the shop with PPO, load the trained policy back
// from the results directory, and compare it with the two simple rules an inventory manager would
// try first, every policy rolled out on the same 1000 evaluation episodes:
//  - a constant order: the same number of units every step;
//  - order-up-to (base stock): order what brings the stock back to a level S, max(0, S - stock).
// Each rule's parameter is searched over whole units (0-20 units, S = 0-50) on the evaluation
// episodes themselves, so each baseline row is the best its rule does on exactly the episodes PPO
// is judged on (which can only flatter the baselines). The table ends with whether PPO beats
// both, by how much, and the standard errors of those differences.
//
//   supply_chain_train [options]     (--help lists them: seed, iterations, PPO settings...)
//
// Everything goes to DIR/supply_chain_ppo/<run>/: training's metrics CSV, configuration and
// checkpoints, then the rollouts of the trained shop (rollouts.csv, one row per episode step;
// rollout_metrics.csv, one row per episode), histograms of the shop's mean stock, sales and
// missed sales per episode (*_histogram.svg) and the training curve (training_curve.svg). Every
// 50 iterations (--eval-interval) training pauses to evaluate the policy without exploration on
// 20 episodes (--eval-episodes); the curve shows that evaluation return beside the training
// return, whose orders are still noisy.
//
// Built with the MPI layer (-DPHANTOM_WITH_MPI=ON), the same file is also the program
// supply_chain_train_mpi (`make run-mpi`): started with mpirun, rank 0 trains with the rollout
// workers (--workers) on the other ranks (phantom::mpi::train_over_ranks) and does everything
// else alone, and prints what this program prints with the same --workers in one process.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/results_dir.hpp"
#include "analysis/rollout_csv.hpp"
#include "analysis/rollout_runner.hpp"
#include "analysis/svg_plot.hpp"
#include "command_line.hpp"
#include "fixed_policies.hpp"
#include "make_run_settings.hpp"
#include "phantom/metrics.hpp"
#include "supply_chain.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#if defined(PHANTOM_SUPPLY_CHAIN_MPI)
#include "mpi/communicator.hpp"
#include "mpi/error.hpp"
#include "mpi/polling.hpp"
#include "mpi/session.hpp"
#include "mpi/train_ranks.hpp"
#endif

namespace {

// Trains `trainer` as trainer.train would (over the ranks of an MPI job in
// supply_chain_train_mpi); the results on the rank that continues, nullopt on the others.
using TrainFn = std::function<std::optional<phantom::TrainingResults>(
    phantom::PpoTrainer&, const phantom::EnvFactory&, const phantom::TrainOptions&)>;

using supply_chain::ConstantOrder;
using supply_chain::OrderUpTo;
using supply_chain::ShopAgent;

// Mean per-episode reward and per-step stock, sales and missed sales over a set of rollouts.
struct Evaluation {
  double reward = 0, stock = 0, sales = 0, missed = 0;
  // Per-episode values: rewards for the paired comparison, means for the histograms.
  std::vector<double> reward_per_episode, stock_per_episode, sales_per_episode, missed_per_episode;

  void add(const phantom::Rollout& r) {
    double total = 0;
    for (const auto& reward : r.rewards_for_agent("SHOP", true)) total += *reward;
    reward_per_episode.push_back(total);
    stock_per_episode.push_back(*r.metric("stock").value);
    sales_per_episode.push_back(*r.metric("sales").value);
    missed_per_episode.push_back(*r.metric("missed_sales").value);
  }
  void finish() {
    double n = static_cast<double>(reward_per_episode.size());
    for (double v : reward_per_episode) reward += v / n;
    for (double v : stock_per_episode) stock += v / n;
    for (double v : sales_per_episode) sales += v / n;
    for (double v : missed_per_episode) missed += v / n;
  }
};

// How much more `a` earned than `b` per episode, on the same episodes: the mean difference and
// its standard error. Both policies face the same customers' orders in each episode (the orders
// draw only from the episode's seed), so pairing the episodes removes the demand's noise, which
// is far larger than the difference between good policies.
struct PairedDifference {
  double mean = 0, standard_error = 0;
};
PairedDifference paired_difference(const Evaluation& a, const Evaluation& b) {
  std::size_t n = a.reward_per_episode.size();
  PairedDifference d;
  for (std::size_t i = 0; i < n; ++i) d.mean += a.reward_per_episode[i] - b.reward_per_episode[i];
  d.mean /= static_cast<double>(n);
  double squares = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double x = a.reward_per_episode[i] - b.reward_per_episode[i] - d.mean;
    squares += x * x;
  }
  if (n > 1) {
    d.standard_error =
        std::sqrt(squares / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
  }
  return d;
}

// Rolls `policies` out with `options`, hands every rollout to `also` (if given), and averages.
Evaluation evaluate(const phantom::EnvFactory& make_env, const phantom::RolloutPolicies& policies,
                    const phantom::RolloutOptions& options,
                    const std::function<void(const phantom::Rollout&)>& also = nullptr) {
  Evaluation e;
  phantom::RolloutRunner(make_env, {}, policies, options).run([&](const phantom::Rollout& r) {
    if (also) also(r);
    e.add(r);
  });
  e.finish();
  return e;
}

// A fixed rule with one whole-number parameter, and the value that did best.
struct BestRule {
  int parameter = 0;
  Evaluation evaluation;
};

// Tries the shop's fixed rule rule(p) for every p in [first, last], each rolled out on the same
// episodes through the rollout runner's custom policy mapping, and keeps the highest mean reward
// (the smallest p on ties).
BestRule search_rule(const phantom::EnvFactory& make_env, const phantom::PolicyMapping& mapping,
                     const phantom::RolloutOptions& options, int first, int last,
                     const std::function<phantom::PolicyFactory(int)>& rule) {
  BestRule best;
  best.evaluation.reward = -std::numeric_limits<double>::infinity();
  for (int p = first; p <= last; ++p) {
    phantom::RolloutPolicies fixed;
    fixed.mapping = mapping;
    fixed.custom["SHOP"] = rule(p);
    Evaluation e = evaluate(make_env, fixed, options);
    if (e.reward > best.evaluation.reward) best = {p, std::move(e)};
  }
  return best;
}

void print_row(const std::string& name, const Evaluation& e) {
  std::printf("  %-24s %12.2f %10.2f %10.2f %10.2f\n", name.c_str(), e.reward, e.stock, e.sales,
              e.missed);
}

// Trains, evaluates and plots (see the top of this file).
int train_and_evaluate(phantom::PpoOptions ppo, int iterations, int threads, int workers,
                       int episodes, uint64_t seed, const std::string& results,
                       const phantom::EvaluationOptions& evaluation, const TrainFn& train,
                       bool leader) {
  phantom::TrainOptions run;
  // With rollout workers the threads sample the workers (one task each) rather than the envs.
  ppo.threads = workers > 0 ? 1 : threads;
  run.num_workers = workers;
  run.worker_threads = threads;
  phantom::PpoTrainer trainer(ppo);

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
  run.checkpoint_every = 250;
  run.evaluation = evaluation;
  auto make_env = [](const phantom::EnvConfig&) { return supply_chain::make_env(); };

  if (leader) {
    std::printf("Training the shop with PPO: %d iterations x %d envs x %d steps", iterations,
                ppo.num_envs, ppo.steps_per_env);
    if (workers > 0) std::printf(" on each of %d workers", workers);
    std::printf("\n");
    std::fflush(stdout);
  }
  std::optional<phantom::TrainingResults> trained = train(trainer, make_env, run);
  if (!trained) return 0;  // a rank that only served rollout workers
  std::printf("Results written to %s\n\n", trained->run_dir.c_str());

  // The trained policy, loaded back from the newest checkpoint of the newest run.
  std::string latest = results + "/supply_chain_ppo/LATEST";
  phantom::TrainingResults loaded =
      phantom::PpoTrainer(ppo).load(latest, make_env, phantom::EnvConfig{}, run);
  const phantom::ResultsDir dir(loaded.run_dir);

  // Every policy is rolled out on the same episodes: seeds derived from 1000 (training's come
  // from `seed` by another derivation, so no evaluation episode was trained on), with the shop's
  // stock, sales and missed sales averaged over each episode.
  phantom::RolloutOptions options;
  options.num_repeats = episodes;
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
  phantom::RolloutPolicies policies;
  policies.mapping = run.policies;
  policies.policies = loaded.policies;
  phantom::RolloutCsvWriter steps(dir.path() + "/rollouts.csv");
  phantom::RolloutMetricsCsvWriter per_episode(dir.path() + "/rollout_metrics.csv");
  Evaluation learned = evaluate(make_env, policies, options, [&](const phantom::Rollout& r) {
    steps.write(r);
    per_episode.write(r);
  });
  steps.close();
  per_episode.close();

  // The baselines, each rule's parameter searched over whole units on the same episodes.
  BestRule constant = search_rule(make_env, run.policies, options, 0, 20, [](int units) {
    return [units](phantom::SpacePtr obs, phantom::SpacePtr act, const phantom::PolicyConfig&) {
      return std::make_shared<ConstantOrder>(obs, act, static_cast<float>(units));
    };
  });
  BestRule order_up_to = search_rule(make_env, run.policies, options, 0, 50, [](int level) {
    return [level](phantom::SpacePtr obs, phantom::SpacePtr act, const phantom::PolicyConfig&) {
      return std::make_shared<OrderUpTo>(obs, act, level);
    };
  });

  std::printf("Rollouts of %d episodes (per-episode reward; per-step stock, sales, missed):\n",
              episodes);
  std::printf("  %-24s %12s %10s %10s %10s\n", "policy", "reward", "stock", "sales", "missed");
  print_row("constant order of " + std::to_string(constant.parameter), constant.evaluation);
  print_row("order up to " + std::to_string(order_up_to.parameter), order_up_to.evaluation);
  print_row("PPO (deterministic)", learned);
  PairedDifference over_constant = paired_difference(learned, constant.evaluation);
  PairedDifference over_order_up_to = paired_difference(learned, order_up_to.evaluation);
  bool wins = over_constant.mean > 0 && over_order_up_to.mean > 0;
  std::printf(
      "\nPPO %s both baselines: %+.2f reward per episode against the best constant order and "
      "%+.2f\nagainst the best order-up-to rule (standard errors over the paired episodes: %.2f "
      "and %.2f).\n",
      wins ? "beats" : "does NOT beat", over_constant.mean, over_order_up_to.mean,
      over_constant.standard_error, over_order_up_to.standard_error);

  // Plots: the trained shop's per-episode means, and the training curve.
  auto histogram = [&](const char* name, const char* label, const std::vector<double>& values) {
    phantom::Histogram h;
    h.title = std::string("PPO shop: ") + label + " per episode (" + std::to_string(episodes) +
              " rollouts)";
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
  if (evaluation.interval > 0) {
    // Only the iterations that evaluated, joined into one line.
    std::vector<double> at, evaluated;
    const std::vector<double> ys = metrics.numbers("evaluation/policy/shop/reward_mean");
    for (std::size_t i = 0; i < ys.size(); ++i) {
      if (std::isnan(ys[i])) continue;
      at.push_back(xs[i]);
      evaluated.push_back(ys[i]);
    }
    if (!at.empty()) curve.add_series("evaluation mean (no exploration)", at, evaluated);
  }
  curve.write_svg(dir.path() + "/training_curve.svg");
  std::printf("\nRollouts, histograms and the training curve are in %s\n", dir.path().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The defaults are what `make run` uses (make_run_settings.hpp says why).
  phantom::PpoOptions ppo = supply_chain::make_run_ppo_options();
  int iterations = 3000, threads = 1, workers = 0, episodes = 1000, eval_episodes = 20;
  auto hidden = static_cast<int>(ppo.network.hidden[0]);
  uint64_t seed = 1;
  std::string results = "results";
  phantom::EvaluationOptions evaluation;
  evaluation.interval = 50;
  evaluation.explore = false;
  bool parallel = false;
  examples::CommandLine cli(
      "supply_chain_train",
      "Trains the supply chain's shop with PPO, then compares it with the best "
      "constant-order and order-up-to rules.");
  cli.integer("--iterations", "N", &iterations, 1, "training iterations")
      .seed("--seed", &seed, "the run's seed")
      .text("--results", "DIR", &results, "results base directory")
      .integer("--threads", "T", &threads, 1, "threads stepping the envs (or the workers)")
      .integer("--workers", "N", &workers, 0,
               "rollout workers, each sampling --envs x --steps (0: the learner samples)")
      .integer("--episodes", "E", &episodes, 1, "rollout episodes per policy after training")
      .integer("--eval-interval", "N", &evaluation.interval, 0,
               "evaluate every N iterations during training (0: never)")
      .integer("--eval-episodes", "E", &eval_episodes, 1, "episodes per evaluation")
      .boolean("--eval-parallel", &parallel,
               "evaluate during the next training step, with the weights from before it")
      .real("--lr", "X", &ppo.learning_rate, "Adam's learning rate, annealed to 0")
      .real("--entropy", "X", &ppo.loss.entropy_coef, "entropy bonus coefficient")
      .real("--gamma", "X", &ppo.gamma, "discount")
      .real("--reward-scale", "X", &ppo.reward_scale, "factor on rewards before GAE")
      .real("--log-std", "X", &ppo.network.initial_log_std, "initial log std of the actions")
      .integer("--hidden", "H", &hidden, 1, "units in each of the two hidden layers")
      .integer("--envs", "N", &ppo.num_envs, 1, "envs sampled per iteration")
      .integer("--steps", "N", &ppo.steps_per_env, 1, "steps per env per iteration")
      .boolean("--normalize", &ppo.normalize_observations, "normalise observations");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  ppo.network.hidden = {hidden, hidden};
  evaluation.duration = eval_episodes;
  evaluation.parallel_to_training = parallel;
#if defined(PHANTOM_SUPPLY_CHAIN_MPI)
  phantom::mpi::Session session(&argc, &argv);
  phantom::mpi::Communicator comm;
  // The other ranks leave once rank 0 is done with everything (sleeping until then rather than
  // spinning in MPI_Finalize), whether it succeeded or not.
  constexpr int kDoneTag = 9;
  struct Release {
    const phantom::mpi::Communicator& comm;
    ~Release() {
      if (comm.rank() != 0) return;
      for (int r = 1; r < comm.size(); ++r) comm.send({}, r, kDoneTag);
    }
  } release{comm};
  const TrainFn train = [&comm](phantom::PpoTrainer& trainer, const phantom::EnvFactory& make_env,
                                const phantom::TrainOptions& run) {
    phantom::TrainOptions mine = run;
    mine.show_progress = comm.rank() == 0;
    return phantom::mpi::train_over_ranks(comm, trainer, make_env, phantom::EnvConfig{}, mine);
  };
  int code = 1;
  if (comm.rank() == 0) {
    code = examples::run_main(cli.program(), [&] {
      return train_and_evaluate(ppo, iterations, threads, workers, episodes, seed, results,
                                evaluation, train, comm.rank() == 0);
    });
  } else {
    try {  // rank 0 reports a failure; the others only exit non-zero
      code = train_and_evaluate(ppo, iterations, threads, workers, episodes, seed, results,
                                evaluation, train, comm.rank() == 0);
    } catch (const phantom::Error&) {
      code = 1;
    }
    phantom::mpi::recv_polling(comm, 0, kDoneTag);
  }
  return code;
#else
  const TrainFn train = [](phantom::PpoTrainer& trainer, const phantom::EnvFactory& make_env,
                           const phantom::TrainOptions& run) {
    return std::optional<phantom::TrainingResults>(
        trainer.train(make_env, phantom::EnvConfig{}, run));
  };
  return examples::run_main(cli.program(), [&] {
    return train_and_evaluate(ppo, iterations, threads, workers, episodes, seed, results,
                              evaluation, train, true);
  });
#endif
}
