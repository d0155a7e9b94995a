// RewardFunction: a pluggable reward component of a StrategicAgent (Python
// `reward_functions.py`).
#pragma once

#include <functional>
#include <memory>

#include "nn/rng.hpp"
#include "phantom/context.hpp"

namespace phantom {

class RewardFunction {
 public:
  virtual ~RewardFunction() = default;
  /// The focal agent's reward for this step (called only when the agent was observed).
  virtual double reward(Context& ctx) = 0;
  /// Called at every episode start by the owning StrategicAgent's reset. Does nothing by default.
  virtual void reset(nn::Rng& rng);
};

using RewardFunctionPtr = std::shared_ptr<RewardFunction>;

/// Always `value` (Python's `reward_functions.Constant`).
class ConstantReward final : public RewardFunction {
 public:
  explicit ConstantReward(double value = 0.0) : value_(value) {}
  double value() const { return value_; }
  double reward(Context& ctx) override;

 private:
  double value_;
};

/// Calls a function, e.g. LambdaReward([](Context& ctx) { return score_of(ctx.agent()); }).
/// The function is stored once; calling it allocates nothing.
class LambdaReward final : public RewardFunction {
 public:
  /// Throws ConfigError for an empty function.
  explicit LambdaReward(std::function<double(Context&)> fn);
  double reward(Context& ctx) override { return fn_(ctx); }

 private:
  std::function<double(Context&)> fn_;
};

}  // namespace phantom
