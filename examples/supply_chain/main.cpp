// Runs supply-chain episodes with a fixed ordering policy and prints per-episode averages. The
// shop's stock, sales and missed sales are recorded after every step by a MetricLogger.
//
//   supply_chain_demo [--episodes N] [--order UNITS] [--seed S]
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "nn/parse_number.hpp"
#include "phantom/metrics.hpp"
#include "supply_chain.hpp"

int main(int argc, char** argv) {
  int episodes = 100;
  float order = 10.0f;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    const std::string where = "option " + flag;
    // Numbers are read strictly (nn/parse_number.hpp); a bad one ends the program with a message.
    try {
      if (flag == "--episodes") {
        episodes = static_cast<int>(phantom::require_integer<phantom::ConfigError>(
            argv[i + 1], where, 1, std::numeric_limits<int>::max()));
      } else if (flag == "--order") {
        order = phantom::require_float<phantom::ConfigError>(argv[i + 1], where);
      } else if (flag == "--seed") {
        seed = static_cast<uint64_t>(phantom::require_integer<phantom::ConfigError>(
            argv[i + 1], where, 0, std::numeric_limits<int64_t>::max()));
      } else {
        std::fprintf(stderr,
                     "unknown option %s\nusage: %s [--episodes N] [--order UNITS] [--seed S]\n",
                     argv[i], argv[0]);
        return 2;
      }
    } catch (const phantom::ConfigError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }
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
}
