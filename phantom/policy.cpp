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

}  // namespace phantom
