// SingleAgentEnvAdapter: validation, reset and step.
#include "phantom/single_agent_adapter.hpp"

#include <algorithm>

#include "phantom/error.hpp"

namespace phantom {

SingleAgentEnvAdapter::SingleAgentEnvAdapter(
    std::unique_ptr<PhantomEnv> env, std::string agent_id,
    std::map<std::string, std::shared_ptr<Policy>> other_policies)
    : env_(std::move(env)), agent_id_(std::move(agent_id)) {
  if (!env_) throw ConfigError("SingleAgentEnvAdapter: an env is required");
  const auto& ids = env_->strategic_agent_ids();
  auto is_strategic = [&](const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  if (!is_strategic(agent_id_)) {
    throw ConfigError("SingleAgentEnvAdapter: selected agent '" + agent_id_ +
                      "' is not a strategic agent of the env");
  }
  if (other_policies.count(agent_id_) != 0) {
    throw ConfigError("SingleAgentEnvAdapter: selected agent '" + agent_id_ +
                      "' must not also be given a policy");
  }
  for (const auto& kv : other_policies) {
    if (!is_strategic(kv.first)) {
      throw ConfigError("SingleAgentEnvAdapter: a policy is given for '" + kv.first +
                        "', which is not a strategic agent of the env");
    }
    if (!kv.second) throw ConfigError("SingleAgentEnvAdapter: null policy for '" + kv.first + "'");
  }
  position_ = env_->strategic_position(agent_id_);
  policies_.resize(ids.size());
  for (int i = 0; i < env_->num_strategic(); ++i) {
    const std::string& id = ids[static_cast<std::size_t>(i)];
    if (i == position_) continue;
    auto it = other_policies.find(id);
    if (it == other_policies.end()) {
      throw ConfigError("SingleAgentEnvAdapter: strategic agent '" + id +
                        "' takes actions but has no policy in other_policies");
    }
    const StrategicAgent& agent = env_->strategic_agent(i);
    if (*it->second->observation_space() != *agent.observation_space() ||
        *it->second->action_space() != *agent.action_space()) {
      throw ConfigError("SingleAgentEnvAdapter: the policy for '" + id + "' has spaces " +
                        it->second->observation_space()->to_string() + " -> " +
                        it->second->action_space()->to_string() + " but the agent has " +
                        agent.observation_space()->to_string() + " -> " +
                        agent.action_space()->to_string());
    }
    policies_[static_cast<std::size_t>(i)] = it->second;
  }
  actions_ = env_->make_actions();
}

const SpacePtr& SingleAgentEnvAdapter::observation_space() const {
  return env_->strategic_agent(position_).observation_space();
}

const SpacePtr& SingleAgentEnvAdapter::action_space() const {
  return env_->strategic_agent(position_).action_space();
}

SingleAgentEnvAdapter::Transition SingleAgentEnvAdapter::transition(const StepResult& r) const {
  return {r.observed(position_),
          r.observation(position_),
          r.reward(position_),
          r.terminated(position_) || r.all_terminated,
          r.truncated(position_) || r.all_truncated,
          &r.infos(position_)};
}

SingleAgentEnvAdapter::Transition SingleAgentEnvAdapter::reset(std::optional<uint64_t> seed) {
  if (seed) rng_ = nn::Rng(*seed, /*stream=*/0x5A17);
  return transition(env_->reset(seed));
}

SingleAgentEnvAdapter::Transition SingleAgentEnvAdapter::step(const float* action) {
  // The other agents act on what they observed last step (StepResult::acts); those that
  // observed nothing or have left the episode stay silent (Python raised KeyError).
  const StepResult& last = env_->step_result();
  actions_.clear();
  for (int i = 0; i < env_->num_strategic(); ++i) {
    if (i == position_ || !last.acts(i)) continue;
    policies_[static_cast<std::size_t>(i)]->compute_action(last.observation(i), actions_.set(i),
                                                           rng_);
  }
  float* own = actions_.set(position_);
  std::copy(action, action + action_space()->flat_size(), own);
  return transition(env_->step(actions_));
}

}  // namespace phantom
