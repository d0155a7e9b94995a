// Policy: maps an agent's observation to an action (fixed rules, or trained networks later).
#pragma once

#include "nn/rng.hpp"
#include "phantom/space.hpp"

namespace phantom {

class Policy {
 public:
  Policy(SpacePtr observation_space, SpacePtr action_space);
  virtual ~Policy() = default;

  const SpacePtr& observation_space() const { return observation_space_; }
  const SpacePtr& action_space() const { return action_space_; }

  /// Writes an action (action_space()->flat_size() floats) for `observation`. `rng` is for
  /// stochastic policies; deterministic ones ignore it.
  virtual void compute_action(const float* observation, float* action, nn::Rng& rng) = 0;

 private:
  SpacePtr observation_space_;
  SpacePtr action_space_;
};

}  // namespace phantom
