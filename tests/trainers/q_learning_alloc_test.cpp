// Q-learning allocates nothing in steady state. Within an episode: between two consecutive
// actions of the shop (the worker's acting through the table's exploration, the env step, the
// worker's bookkeeping, metrics), the heap is not touched once the first episode has sized the
// buffers. Between episodes: from an episode's last action to the next one's first (the
// episode's end and its trajectory piece, the table's update, the reset), nothing is allocated
// once the first iteration is over.
#include <gtest/gtest.h>

#include <vector>

#include "discrete_supply_chain.hpp"
#include "support/counting_allocator.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"

namespace {

constexpr int kIterations = 3, kEpisodes = 10, kSteps = supply_chain::kNumEpisodeSteps;

// The allocation counter at each of the shop's actions, in order.
std::vector<long> g_counts;
std::size_t g_next = 0;

class ProbedShop : public supply_chain::DiscreteShopAgent {
 public:
  using DiscreteShopAgent::DiscreteShopAgent;
  void decode_action(phantom::Context& ctx, const float* action) override {
    if (g_next < g_counts.size()) g_counts[g_next++] = alloc_counter::g_allocations.load();
    DiscreteShopAgent::decode_action(ctx, action);
  }
};

// Trains kIterations x kEpisodes episodes and records the counter at every shop action.
void train_probed(bool with_metric) {
  g_counts.assign(kIterations * kEpisodes * kSteps, -1);
  g_next = 0;
  phantom::QLearningOptions q;
  q.epsilon = 0.3;
  q.episodes_per_iteration = kEpisodes;
  phantom::QLearningTrainer trainer(q);
  phantom::TrainOptions run;
  run.iterations = kIterations;
  run.show_progress = false;
  run.policies.add("shop", phantom::agent_ids({"SHOP"}));
  run.policies_to_train = {"shop"};
  if (with_metric) {
    run.metrics = {{"stock", phantom::agent_metric<supply_chain::ShopAgent>(
                                 "SHOP", &supply_chain::ShopAgent::stock)}};
  }
  auto make = [](const phantom::EnvConfig&) {
    return supply_chain::make_env_with_shop(std::make_shared<ProbedShop>("SHOP", "WAREHOUSE"));
  };
  alloc_counter::allocations_during([&] { trainer.train(make, {}, run); });
  ASSERT_EQ(g_next, g_counts.size());
}

TEST(AllocQLearning, StepsAllocateNothingAfterTheFirstEpisode) {
  train_probed(/*with_metric=*/true);
  long within = 0;
  for (std::size_t i = kSteps; i < g_counts.size(); ++i) {
    if (i % kSteps != 0) within += g_counts[i] - g_counts[i - 1];
  }
  EXPECT_EQ(within, 0);
}

TEST(AllocQLearning, EpisodeEndsAndUpdatesAllocateNothingAfterTheFirstIteration) {
  // Without env metrics: reducing a metric at an episode's end builds its result (the
  // EnvRunner's metric logger allocates there). Iteration boundaries are the Trainer base's.
  train_probed(/*with_metric=*/false);
  long between = 0;
  for (std::size_t i = kEpisodes * kSteps; i < g_counts.size(); i += kSteps) {
    if (i % (kEpisodes * kSteps) != 0) between += g_counts[i] - g_counts[i - 1];
  }
  EXPECT_EQ(between, 0);
}

}  // namespace
