// A small env for policy-mapping tests: a market (no actions), sellers and buyers with
// different spaces, and optionally a learner.
//
//   network order: M (Market), S1 (Seller), B1 (Buyer), S2 (Seller), B2 (Buyer)
//   strategic positions: S1 = 0, B1 = 1, S2 = 2, B2 = 3
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "phantom/env.hpp"
#include "phantom/policy.hpp"

namespace test_support {

/// Observes Box(0, 1, (2,)), acts Discrete(3) unless given other spaces.
class Seller : public phantom::StrategicAgent {
 public:
  explicit Seller(std::string id, phantom::SpacePtr obs = phantom::box(0, 1, {2}),
                  phantom::SpacePtr act = phantom::discrete(3))
      : StrategicAgent(std::move(id), std::move(obs), std::move(act)) {}
};

/// A Seller subclass: agents_of_type<Seller>() selects it, `type Seller` in text does not.
class PremiumSeller : public Seller {
 public:
  using Seller::Seller;
};

/// Observes Box(0, 1, (3,)), acts Discrete(2).
class Buyer : public phantom::StrategicAgent {
 public:
  explicit Buyer(std::string id)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {3}), phantom::discrete(2)) {}
};

/// Same spaces as a Seller, another class.
class Learner : public phantom::StrategicAgent {
 public:
  explicit Learner(std::string id)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {2}), phantom::discrete(3)) {}
};

/// Takes no actions.
class Market : public phantom::Agent {
 public:
  using Agent::Agent;
};

/// M, S1, B1, S2, B2 (see the top of this file), then a Learner L1 if asked (position 4).
inline std::unique_ptr<phantom::PhantomEnv> make_market_env(bool with_learner = false) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Market>("M");
  net->emplace<Seller>("S1");
  net->emplace<Buyer>("B1");
  net->emplace<Seller>("S2");
  net->emplace<Buyer>("B2");
  if (with_learner) net->emplace<Learner>("L1");
  return std::make_unique<phantom::PhantomEnv>(std::move(net), 10);
}

/// Always the same action value in every element (a policy kind for the registry).
class ConstantPolicy : public phantom::Policy {
 public:
  ConstantPolicy(phantom::SpacePtr obs, phantom::SpacePtr act, float value)
      : Policy(std::move(obs), std::move(act)), value(value) {}
  void compute_action(const float*, float* action, nn::Rng&) override {
    for (int64_t i = 0; i < action_space()->flat_size(); ++i) action[i] = value;
  }
  std::shared_ptr<phantom::Policy> clone() const override {
    return std::make_shared<ConstantPolicy>(*this);
  }
  float value;
};

}  // namespace test_support
