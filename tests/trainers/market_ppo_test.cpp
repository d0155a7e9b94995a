// PPO on the market example: several traders of different types, some leaving early, trained as
// one shared policy; the run is the same on one thread and on two.
#include <gtest/gtest.h>

#include <string>

#include "market_env.hpp"
#include "support/ppo_weights.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

phantom::TrainingResults train_market(int threads) {
  market::MarketConfig config;
  config.num_traders = 4;
  config.num_makers = 2;
  config.episode_steps = 16;
  phantom::PpoOptions ppo;
  ppo.num_envs = 2;
  ppo.steps_per_env = 16;
  ppo.minibatches = 2;
  ppo.network.hidden = {8, 8};
  ppo.normalize_observations = true;
  ppo.threads = threads;
  phantom::TrainOptions run;
  run.iterations = 3;
  run.seed = 3;
  run.policies.add("trader", phantom::agents_of_type<market::Trader>());
  run.policies_to_train = {"trader"};
  run.show_progress = false;
  phantom::PpoTrainer trainer(ppo);
  return trainer.train([config](const phantom::EnvConfig&) { return market::make_env(config); }, {},
                       run);
}

TEST(MarketPpo, TradersShareOnePolicyAndTrainTheSameOnAnyThreadCount) {
  phantom::TrainingResults one = train_market(1);
  ASSERT_EQ(one.policies.size(), 1u);  // the makers follow their rule; every trader is "trader"
  ASSERT_EQ(one.last.returns.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_GT(one.last.returns[i].count, 0) << "TRADER" << i << " finished no episode";
  }
  // Some traders left early, so the batch held episodes of different lengths.
  EXPECT_LT(one.last.agent_steps, 4 * one.last.env_steps);

  phantom::TrainingResults two = train_market(2);
  EXPECT_EQ(test_support::ppo_weights(one, "trader"), test_support::ppo_weights(two, "trader"));
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(one.last.returns[i].sum, two.last.returns[i].sum) << "TRADER" << i;
  }
}

}  // namespace
