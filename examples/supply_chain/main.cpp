// Runs supply-chain episodes with a fixed ordering policy and prints per-episode averages. The
// shop's stock, sales and missed sales are recorded after every step by a MetricLogger.
//
//   supply_chain_demo [--episodes N] [--order UNITS] [--seed S]     (--help says more)
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "phantom/metrics.hpp"
#include "supply_chain.hpp"

int main(int argc, char** argv) {
  int episodes = 100;
  float order = 10.0f;
  uint64_t seed = 1;
  examples::CommandLine cli("supply_chain_demo",
                            "Runs supply-chain episodes with a fixed order and prints averages.");
  cli.integer("--episodes", "N", &episodes, 1, "episodes to run")
      .real("--order", "UNITS", &order, "units the shop orders every step")
      .seed("--seed", &seed, "seed of the first episode (then seed + 1, ...)");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  return examples::run_main(cli.program(), [&] {
    using supply_chain::ShopAgent;
    auto env = supply_chain::make_env();
    // Recorded over every step of every episode (never cleared), reduced with "mean" at the end.
    phantom::MetricLogger metrics;
    metrics.add("stock", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::stock));
    metrics.add("sales", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::sales));
    metrics.add("missed_sales", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::missed_sales));
    if (episodes > 0) {
      metrics.reserve(static_cast<std::size_t>(episodes) * supply_chain::kNumEpisodeSteps);
    }
    phantom::Actions actions = env->make_actions();
    double total_reward = 0;
    for (int e = 0; e < episodes; ++e) {
      env->reset(seed + static_cast<uint64_t>(e));
      while (!env->done()) {
        actions.set(0)[0] = order;
        total_reward += env->step(actions).reward(0);
        metrics.record(*env);
      }
    }
    std::vector<phantom::ReducedMetric> means = metrics.reduced(phantom::Mode::train);
    std::printf("supply chain: %d episodes x %d steps, fixed order of %.1f units per step\n",
                episodes, supply_chain::kNumEpisodeSteps, order);
    std::printf("  mean episode reward  %10.2f\n", total_reward / episodes);
    std::printf("  mean stock           %10.2f\n", means[0].value.value_or(0));
    std::printf("  mean sales per step  %10.2f\n", means[1].value.value_or(0));
    std::printf("  mean missed sales    %10.2f\n", means[2].value.value_or(0));
    return 0;
  });
}
