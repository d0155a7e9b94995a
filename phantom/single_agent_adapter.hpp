// SingleAgentEnvAdapter: a multi-agent env seen as a single-agent one.
//
// One strategic agent is "selected"; every other strategic agent is driven by a fixed Policy.
// Each step, the other agents that act (StepResult::acts) act on their last observation; then
// the env steps with the selected agent's action.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "phantom/env.hpp"
#include "phantom/policy.hpp"

namespace phantom {

class SingleAgentEnvAdapter {
 public:
  /// Throws ConfigError naming the agent when: `agent_id` is not a strategic agent of the env; it
  /// also has a policy; another strategic agent has none; a policy is given for an id that is
  /// not a strategic agent; or a policy's spaces differ from its agent's.
  SingleAgentEnvAdapter(std::unique_ptr<PhantomEnv> env, std::string agent_id,
                        std::map<std::string, std::shared_ptr<Policy>> other_policies);

  PhantomEnv& env() const { return *env_; }
  const std::string& agent_id() const { return agent_id_; }
  const SpacePtr& observation_space() const;
  const SpacePtr& action_space() const;

  /// What the selected agent gets from a step.
  struct Transition {
    bool observed;             // false: the agent observed nothing this step
    const float* observation;  // observation_space()->flat_size() floats
    double reward;
    bool terminated;  // the selected agent is done, or the whole episode
    bool truncated;
    const Infos* infos;
  };

  /// Starts an episode; returns the selected agent's first observation.
  Transition reset(std::optional<uint64_t> seed = std::nullopt);
  /// `action` holds action_space()->flat_size() floats.
  Transition step(const float* action);

 private:
  Transition transition(const StepResult& r) const;

  std::unique_ptr<PhantomEnv> env_;
  std::string agent_id_;
  int position_ = -1;
  std::vector<std::shared_ptr<Policy>> policies_;  // by strategic position (null: selected)
  Actions actions_;
  nn::Rng rng_;  // for stochastic policies; reseeded with the env
};

}  // namespace phantom
