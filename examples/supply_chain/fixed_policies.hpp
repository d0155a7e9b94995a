// The two simple ordering rules an inventory manager tries first, as policies of the shop: the
// baselines `make run` compares PPO with, and the fixed policy of the regression workloads.
//  - ConstantOrder: the same number of units every step;
//  - OrderUpTo (base stock): order what brings the stock back to a level S, max(0, S - stock).
// And RandomOrder, a uniform random amount drawn from the generator the caller passes: the shop
// of the rollout tests and benchmarks, whose output shows whether the seeds line up.
// All are stateless, so a clone acts identically on any thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "phantom/policy.hpp"
#include "supply_chain.hpp"

namespace supply_chain {

/// The shop orders `units` every step.
class ConstantOrder : public phantom::Policy {
 public:
  ConstantOrder(phantom::SpacePtr obs, phantom::SpacePtr act, float units)
      : Policy(std::move(obs), std::move(act)), units_(units) {}
  void compute_action(const float*, float* action, nn::Rng&) override { action[0] = units_; }
  std::shared_ptr<phantom::Policy> clone() const override {
    return std::make_shared<ConstantOrder>(*this);
  }

 private:
  float units_;
};

/// The shop orders a uniform random amount in [0, max_units) from the generator it is given.
class RandomOrder : public phantom::Policy {
 public:
  RandomOrder(phantom::SpacePtr obs, phantom::SpacePtr act, float max_units)
      : Policy(std::move(obs), std::move(act)), max_units_(max_units) {}
  void compute_action(const float*, float* action, nn::Rng& rng) override {
    action[0] = rng.uniform(0.0f, max_units_);
  }
  std::shared_ptr<phantom::Policy> clone() const override {
    return std::make_shared<RandomOrder>(*this);
  }

 private:
  float max_units_;
};

/// Order-up-to (base stock): the shop orders max(0, level - stock), the units that bring its
/// stock back to `level`, within the action space's bounds. The stock is the first element of the
/// shop's observation, stock / kShopMaxStock.
class OrderUpTo : public phantom::Policy {
 public:
  OrderUpTo(phantom::SpacePtr obs, phantom::SpacePtr act, int level)
      : Policy(std::move(obs), std::move(act)), level_(level) {}
  void compute_action(const float* observation, float* action, nn::Rng&) override {
    // Rounded: the observation holds the whole-unit stock divided by kShopMaxStock.
    auto stock = static_cast<int>(std::lround(observation[0] * kShopMaxStock));
    const phantom::BoxSpace& box = action_space()->as_box();
    auto units = static_cast<float>(std::max(0, level_ - stock));
    action[0] = std::min(std::max(units, box.low()[0]), box.high()[0]);
  }
  std::shared_ptr<phantom::Policy> clone() const override {
    return std::make_shared<OrderUpTo>(*this);
  }

 private:
  int level_;
};

}  // namespace supply_chain
