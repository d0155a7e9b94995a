// Reward functions.
#include "phantom/reward.hpp"

#include <utility>

#include "phantom/error.hpp"

namespace phantom {

void RewardFunction::reset(nn::Rng&) {}

double ConstantReward::reward(Context&) {
  return value_;
}

LambdaReward::LambdaReward(std::function<double(Context&)> fn) : fn_(std::move(fn)) {
  if (!fn_) throw ConfigError("LambdaReward: the function is empty");
}

}  // namespace phantom
