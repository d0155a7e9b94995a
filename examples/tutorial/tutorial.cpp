// The tutorial's program; docs/TUTORIAL.md walks through it. Two parts, as in Python Phantom's
// two supply-chain tutorials:
//  1. one shop learns with PPO how much stock to order; its training curve is plotted;
//  2. three shops: two share one PPO policy, the third follows a fixed rule. The trained policy is
//     loaded back from the results directory and rolled out over a grid of holding costs (a
//     Range), and each shop's reward and stock are tabled and plotted against the cost.
//
//   tutorial [--iterations N] [--episodes E] [--seed S] [--results DIR]     (--help says more)
//
// Results go to DIR/tutorial_one_shop/<run>/ and DIR/tutorial_three_shops/<run>/.
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/svg_plot.hpp"
#include "command_line.hpp"
#include "phantom/phantom.hpp"
#include "shops.hpp"

namespace {

using tutorial::ShopAgent;

// The PPO settings both parts train with.
phantom::PpoOptions ppo_options() {
  phantom::PpoOptions ppo;
  ppo.num_envs = 4;
  ppo.steps_per_env = tutorial::kEpisodeSteps;  // one whole episode per env per iteration
  ppo.learning_rate = 3e-3f;
  ppo.gamma = 0.95f;
  ppo.reward_scale = 0.01f;  // returns of about 300 become about 3
  ppo.normalize_observations = true;
  ppo.network.hidden = {32, 32};
  return ppo;
}

// The training curve of a run: its policies' mean episode reward per iteration.
void plot_training(const std::string& run_dir, const std::vector<std::string>& policies) {
  const phantom::CsvTable metrics = phantom::read_csv(run_dir + "/metrics.csv");
  phantom::LineChart curve;
  curve.title = "Training";
  curve.x_label = "iteration";
  curve.y_label = "mean episode reward";
  for (const std::string& id : policies) {
    curve.add_series(id, metrics.numbers("iteration"),
                     metrics.numbers("policy/" + id + "/reward_mean"));
  }
  curve.write_svg(run_dir + "/training_curve.svg");
}

// ---- Part 1: one shop, one PPO policy ----

void part_one(int iterations, uint64_t seed, const std::string& results) {
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = seed;
  run.policies.add("shop", phantom::agent_ids({"SHOP1"}));
  run.policies_to_train = {"shop"};
  run.metrics = {{"stock", phantom::agent_metric<ShopAgent>("SHOP1", &ShopAgent::stock)},
                 {"missed", phantom::agent_metric<ShopAgent>("SHOP1", &ShopAgent::missed_sales)}};
  run.results_dir = results;
  run.experiment = "tutorial_one_shop";

  phantom::PpoTrainer trainer(ppo_options());
  phantom::TrainingResults trained =
      trainer.train(tutorial::make_env, phantom::EnvConfig{{"shops", 1}}, run);

  plot_training(trained.run_dir, {"shop"});
  std::printf("Part 1: one shop, %d iterations; mean episode reward in the last one: %.1f\n",
              trained.iterations, trained.last.returns[0].mean());
  std::printf("  metrics, checkpoints and training_curve.svg in %s\n", trained.run_dir.c_str());
}

// ---- Part 2: three shops, a shared policy and a fixed one ----

// The mapping of part 2 and the registry that builds its fixed policy.
phantom::TrainOptions three_shops(int iterations, uint64_t seed, const std::string& results) {
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = seed;
  // SHOP1 and SHOP2 share one PPO policy: one network, trained on both shops' experience.
  run.policies.add("shops", phantom::agent_ids({"SHOP1", "SHOP2"}));
  // SHOP3 follows a fixed rule, a policy of another kind, built by the registry from its config.
  run.policies.add("rule", "order_up_to", phantom::agent_ids({"SHOP3"}), {{"level", "10"}});
  run.registry.add(
      "order_up_to", [](phantom::SpacePtr observation_space, phantom::SpacePtr action_space,
                        const phantom::PolicyConfig& config) {
        config.check_known_keys({"level"});
        const auto level = static_cast<int>(config.get_int("level"));
        return std::make_shared<tutorial::OrderUpTo>(observation_space, action_space, level);
      });
  run.policies_to_train = {"shops"};
  run.results_dir = results;
  run.experiment = "tutorial_three_shops";
  return run;
}

// Per grid point (holding cost) and shop: the mean episode reward and mean stock.
struct ShopResults {
  std::map<float, std::vector<double>> reward, stock;  // cost -> per shop, summed over episodes
  std::map<float, int> episodes;
};

void part_two(int iterations, int episodes, uint64_t seed, const std::string& results) {
  const phantom::EnvConfig training_config{{"shops", 3}};
  phantom::TrainOptions run = three_shops(iterations, seed, results);
  phantom::PpoTrainer(ppo_options()).train(tutorial::make_env, training_config, run);

  // The trained policies, loaded back from the newest run (as a later program would).
  const std::string latest = results + "/tutorial_three_shops/LATEST";
  phantom::TrainingResults loaded =
      phantom::PpoTrainer(ppo_options()).load(latest, tutorial::make_env, training_config, run);

  // Rollouts over a grid: the holding cost is a Range, so each of its values is a grid point,
  // and each point is rolled out `episodes` times (seeds derived from the point and repeat).
  const phantom::EnvConfig grid{
      {"shops", 3}, {"holding_cost", phantom::linspace_range(0.0, 0.5, 6, "holding_cost")}};
  phantom::RolloutPolicies policies;
  policies.mapping = run.policies;
  policies.policies = loaded.policies;
  phantom::RolloutOptions options;
  options.num_repeats = episodes;
  options.seed = 1000;  // other episodes than training's
  options.show_progress = false;
  const std::vector<std::string> shops = {"SHOP1", "SHOP2", "SHOP3"};
  for (const std::string& shop : shops) {
    options.metrics.emplace_back(
        shop + " stock",
        phantom::agent_metric<ShopAgent>(shop, &ShopAgent::stock, phantom::Reduce::mean,
                                         phantom::Reduce::mean));
  }
  ShopResults out;
  phantom::RolloutMetricsCsvWriter csv(loaded.run_dir + "/rollout_metrics.csv");
  phantom::RolloutRunner(tutorial::make_env, grid, policies, options)
      .run([&](const phantom::Rollout& r) {
        csv.write(r);
        const float cost = r.param("holding_cost");
        out.reward[cost].resize(shops.size());
        out.stock[cost].resize(shops.size());
        ++out.episodes[cost];
        for (std::size_t s = 0; s < shops.size(); ++s) {
          for (const auto& reward : r.rewards_for_agent(shops[s], /*drop_nones=*/true)) {
            out.reward[cost][s] += *reward;
          }
          out.stock[cost][s] += *r.metric(shops[s] + " stock").value;
        }
      });
  csv.close();

  // A table and two plots against the holding cost.
  std::printf("\nPart 2: SHOP1 and SHOP2 share a PPO policy, SHOP3 orders up to 10 units.\n");
  std::printf("  %-12s %24s %24s\n", "", "mean episode reward", "mean stock");
  std::printf("  %-12s %8s %7s %7s %8s %7s %7s\n", "holding cost", "SHOP1", "SHOP2", "SHOP3",
              "SHOP1", "SHOP2", "SHOP3");
  std::vector<double> costs;
  std::vector<std::vector<double>> reward(shops.size()), stock(shops.size());
  for (const auto& [cost, sums] : out.reward) {
    const double n = out.episodes[cost];
    costs.push_back(cost);
    for (std::size_t s = 0; s < shops.size(); ++s) {
      reward[s].push_back(sums[s] / n);
      stock[s].push_back(out.stock[cost][s] / n);
    }
    std::printf("  %-12.2f %8.1f %7.1f %7.1f %8.1f %7.1f %7.1f\n", cost, reward[0].back(),
                reward[1].back(), reward[2].back(), stock[0].back(), stock[1].back(),
                stock[2].back());
  }
  phantom::LineChart reward_chart, stock_chart;
  reward_chart.title = "Mean episode reward against the holding cost";
  stock_chart.title = "Mean stock against the holding cost";
  for (phantom::LineChart* chart : {&reward_chart, &stock_chart}) {
    chart->x_label = "holding cost per unit and step";
  }
  reward_chart.y_label = "reward";
  stock_chart.y_label = "units in stock";
  for (std::size_t s = 0; s < shops.size(); ++s) {
    const std::string name = shops[s] + (s < 2 ? " (PPO, shared)" : " (order up to 10)");
    reward_chart.add_series(name, costs, reward[s]);
    stock_chart.add_series(name, costs, stock[s]);
  }
  reward_chart.write_svg(loaded.run_dir + "/reward_by_cost.svg");
  stock_chart.write_svg(loaded.run_dir + "/stock_by_cost.svg");
  plot_training(loaded.run_dir, {"shops"});
  std::printf("  rollout_metrics.csv, reward_by_cost.svg, stock_by_cost.svg in %s\n",
              loaded.run_dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 300, episodes = 20;
  uint64_t seed = 1;
  std::string results = "results";
  examples::CommandLine cli("tutorial",
                            "The tutorial's shops (docs/TUTORIAL.md): PPO on one shop, then three "
                            "shops with a shared and a fixed policy, rolled out over a grid.");
  cli.integer("--iterations", "N", &iterations, 1, "PPO iterations of each part")
      .integer("--episodes", "E", &episodes, 1, "rollouts per holding cost in part 2")
      .seed("--seed", &seed, "the runs' seed")
      .text("--results", "DIR", &results, "results base directory");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  return examples::run_main(cli.program(), [&] {
    part_one(iterations, seed, results);
    part_two(iterations, episodes, seed, results);
    return 0;
  });
}
