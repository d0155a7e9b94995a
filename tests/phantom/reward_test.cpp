// Reward functions (Python Phantom's reward_functions.py).
#include "phantom/reward.hpp"

#include <gtest/gtest.h>

#include "phantom/error.hpp"

namespace {

using phantom::Context;

TEST(Reward, ConstantDefaultsToZero) {
  Context ctx;
  phantom::ConstantReward zero;
  EXPECT_EQ(zero.reward(ctx), 0.0);
  phantom::ConstantReward r(2.5);
  EXPECT_EQ(r.value(), 2.5);
  EXPECT_EQ(r.reward(ctx), 2.5);
  nn::Rng rng(0);
  r.reset(rng);  // does nothing
  EXPECT_EQ(r.reward(ctx), 2.5);
}

TEST(Reward, Lambda) {
  Context ctx;
  int calls = 0;
  phantom::LambdaReward r([&calls](Context&) { return static_cast<double>(++calls); });
  EXPECT_EQ(r.reward(ctx), 1.0);
  EXPECT_EQ(r.reward(ctx), 2.0);
  EXPECT_THROW(phantom::LambdaReward(nullptr), phantom::ConfigError);
}

class CountingReward : public phantom::RewardFunction {
 public:
  double reward(Context&) override { return total += 1.0; }
  void reset(nn::Rng&) override { total = 0.0; }
  double total = 0.0;
};

TEST(Reward, SubclassReset) {
  Context ctx;
  CountingReward r;
  r.reward(ctx);
  EXPECT_EQ(r.reward(ctx), 2.0);
  nn::Rng rng(0);
  r.reset(rng);
  EXPECT_EQ(r.reward(ctx), 1.0);
}

}  // namespace
