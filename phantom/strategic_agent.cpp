// StrategicAgent defaults.
#include "phantom/strategic_agent.hpp"

#include "phantom/error.hpp"

namespace phantom {

StrategicAgent::StrategicAgent(std::string id, SpacePtr observation_space, SpacePtr action_space)
    : Agent(std::move(id)),
      observation_space_(std::move(observation_space)),
      action_space_(std::move(action_space)) {
  if (!observation_space_ || !action_space_) {
    throw ConfigError("StrategicAgent '" + this->id() +
                      "': observation and action spaces must both be given");
  }
}

bool StrategicAgent::is_terminated(Context&) {
  return false;
}
bool StrategicAgent::is_truncated(Context&) {
  return false;
}
void StrategicAgent::collect_infos(Context&, Infos&) {}

}  // namespace phantom
