// Runs supply-chain episodes with a fixed ordering policy and prints per-episode averages.
//
//   supply_chain_demo [--episodes N] [--order UNITS] [--seed S]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "supply_chain.hpp"

int main(int argc, char** argv) {
  int episodes = 100;
  float order = 10.0f;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--episodes") {
      episodes = std::atoi(argv[i + 1]);
    } else if (flag == "--order") {
      order = static_cast<float>(std::atof(argv[i + 1]));
    } else if (flag == "--seed") {
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "unknown option %s\nusage: %s [--episodes N] [--order UNITS] [--seed S]\n",
                   argv[i], argv[0]);
      return 2;
    }
  }
  auto env = supply_chain::make_env();
  auto& shop = static_cast<supply_chain::ShopAgent&>((*env)["SHOP"]);
  phantom::Actions actions = env->make_actions();
  double total_reward = 0, total_stock = 0, total_sales = 0, total_missed = 0;
  int64_t steps = 0;
  for (int e = 0; e < episodes; ++e) {
    env->reset(seed + static_cast<uint64_t>(e));
    while (!env->done()) {
      actions.set(0)[0] = order;
      const phantom::StepResult& r = env->step(actions);
      total_reward += r.reward(0);
      total_stock += shop.stock;
      total_sales += shop.sales;
      total_missed += shop.missed_sales;
      ++steps;
    }
  }
  std::printf("supply chain: %d episodes x %d steps, fixed order of %.1f units per step\n",
              episodes, supply_chain::kNumEpisodeSteps, order);
  std::printf("  mean episode reward  %10.2f\n", total_reward / episodes);
  std::printf("  mean stock           %10.2f\n", total_stock / static_cast<double>(steps));
  std::printf("  mean sales per step  %10.2f\n", total_sales / static_cast<double>(steps));
  std::printf("  mean missed sales    %10.2f\n", total_missed / static_cast<double>(steps));
  return 0;
}
