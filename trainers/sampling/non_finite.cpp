#include "trainers/sampling/non_finite.hpp"

#include "phantom/format.hpp"

namespace phantom {

std::string NonFiniteValue::describe() const {
  return "non-finite " + what + " (" + double_string(value) + ") from agent '" + agent_id +
         "' at step " + std::to_string(step) + " of episode " + std::to_string(episode_id) +
         " in sub-env " + std::to_string(env_index);
}

}  // namespace phantom
