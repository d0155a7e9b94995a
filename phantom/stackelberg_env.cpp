// StackelbergEnv: the two-stage FSM.
#include "phantom/stackelberg_env.hpp"

#include <algorithm>

#include "phantom/error.hpp"

namespace phantom {

// Unknown or non-strategic agents are rejected by the FSM's own stage validation.
std::vector<FSMStage> StackelbergEnv::stages(const std::vector<std::string>& leaders,
                                             const std::vector<std::string>& followers) {
  return {{"leaders", leaders, leaders, {"followers"}, nullptr},
          {"followers", followers, followers, {"leaders"}, nullptr}};
}

StackelbergEnv::StackelbergEnv(std::unique_ptr<Network> network, std::optional<int64_t> num_steps,
                               std::vector<std::string> leader_agents,
                               std::vector<std::string> follower_agents)
    : FiniteStateMachineEnv(std::move(network), num_steps, "leaders",
                            stages(leader_agents, follower_agents)),
      leaders_(std::move(leader_agents)),
      followers_(std::move(follower_agents)) {
  for (const std::string& id : leaders_) {
    if (std::find(followers_.begin(), followers_.end(), id) != followers_.end()) {
      throw FSMValidationError("StackelbergEnv: agent '" + id +
                               "' cannot be both a leader and a follower");
    }
  }
}

}  // namespace phantom
