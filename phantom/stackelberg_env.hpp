// StackelbergEnv: leaders act on odd steps, followers on even steps.
//
// It is a two-stage FiniteStateMachineEnv: "leaders" (leaders act and are rewarded, followers
// observe next) and "followers" (the reverse). As in every FSM env, an agent's rewards reach it
// with its next observation, and the episode's last step observes everyone.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "phantom/fsm_env.hpp"

namespace phantom {

class StackelbergEnv : public FiniteStateMachineEnv {
 public:
  /// Leaders and followers must be strategic agents of the network, and no agent may be both
  /// (FSMValidationError naming the agent otherwise; Python asserted "not in network" for both).
  StackelbergEnv(std::unique_ptr<Network> network, std::optional<int64_t> num_steps,
                 std::vector<std::string> leader_agents, std::vector<std::string> follower_agents);

  const std::vector<std::string>& leader_agents() const { return leaders_; }
  const std::vector<std::string>& follower_agents() const { return followers_; }

 private:
  static std::vector<FSMStage> stages(const std::vector<std::string>& leaders,
                                      const std::vector<std::string>& followers);
  std::vector<std::string> leaders_, followers_;
};

}  // namespace phantom
