// Policy base.
#include "phantom/policy.hpp"

#include "nn/error.hpp"

namespace phantom {

Policy::Policy(SpacePtr observation_space, SpacePtr action_space)
    : observation_space_(std::move(observation_space)), action_space_(std::move(action_space)) {
  if (!observation_space_ || !action_space_) {
    throw ConfigError("Policy: observation and action spaces must both be given");
  }
}

void Policy::compute_actions(const float* observations, int64_t rows, float* actions,
                             nn::Rng* rngs) {
  const int64_t obs_size = observation_space_->flat_size();
  const int64_t action_size = action_space_->flat_size();
  for (int64_t r = 0; r < rows; ++r) {
    compute_action(observations + r * obs_size, actions + r * action_size, rngs[r]);
  }
}

}  // namespace phantom
