// Episode: per-agent slots that outlive episodes, so the steady state allocates nothing.
#include "trainers/sampling/episode.hpp"

#include "nn/error.hpp"

namespace phantom {

Episode::Episode(int64_t episode_id, int sub_env) : id(episode_id), env_index(sub_env) {}

const std::string& Episode::policy_for(const std::string& agent_id, const PolicyMappingFn& fn) {
  AgentSlot& slot = slot_for(agent_id);
  if (!slot.bound) {
    if (!fn) {
      throw ValueError("episode " + std::to_string(id) +
                       ": no policy mapping function to bind agent '" + agent_id + "' to a policy");
    }
    // Bound only once fn returned: if it throws, the next call asks again.
    slot.policy_id = fn(agent_id, *this);
    slot.bound = true;
  }
  return slot.policy_id;
}

int Episode::ensure_agent(const std::string& agent_id) {
  return slot_for(agent_id).index;
}

bool Episode::has_agent(const std::string& agent_id) const {
  auto it = where_.find(agent_id);
  return it != where_.end() && slots_[it->second].index >= 0;
}

int Episode::agent_index(const std::string& agent_id) const {
  return present_slot(agent_id).index;
}

const std::string& Episode::agent_id(int agent_index) const {
  if (agent_index < 0 || agent_index >= num_agents()) {
    throw ValueError("episode " + std::to_string(id) + " has no agent with agent_index " +
                     std::to_string(agent_index) + " (it has " + std::to_string(num_agents()) +
                     " agents)");
  }
  return order_[static_cast<std::size_t>(agent_index)]->agent_id;
}

void Episode::add_reward(const std::string& agent_id, const std::string& policy_id, double r) {
  add_reward_to(slot_for(agent_id), policy_id, r);
}

void Episode::add_first_reward(int agent_index, double r) {
  if (agent_index < 0 || agent_index >= num_agents()) agent_id(agent_index);  // throws
  AgentSlot& slot = *order_[static_cast<std::size_t>(agent_index)];
  // Once per episode: the pair's total moves into the slot.
  if (!slot.bound) {
    throw ValueError("episode " + std::to_string(id) + ": agent '" + slot.agent_id +
                     "' has no policy yet to credit its reward to (call policy_for first)");
  }
  slot.bound_total = 0.0;
  for (std::size_t k = 0; k < slot.num_rewards; ++k) {
    if (slot.rewards[k].first != slot.policy_id) continue;
    slot.bound_total = slot.rewards[k].second;
    std::swap(slot.rewards[k], slot.rewards[--slot.num_rewards]);
    break;
  }
  slot.credited = true;
  total_reward += r;
  slot.bound_total += r;
}

void Episode::add_reward_to(AgentSlot& slot, const std::string& policy_id, double r) {
  total_reward += r;
  if (slot.credited && policy_id == slot.policy_id) {
    slot.bound_total += r;
    return;
  }
  for (std::size_t k = 0; k < slot.num_rewards; ++k) {
    if (slot.rewards[k].first == policy_id) {
      slot.rewards[k].second += r;
      return;
    }
  }
  // A new (agent, policy) pair this episode: reuse an entry left from an earlier episode.
  if (slot.num_rewards == slot.rewards.size()) slot.rewards.emplace_back();
  slot.rewards[slot.num_rewards].first = policy_id;
  slot.rewards[slot.num_rewards].second = r;
  ++slot.num_rewards;
}

std::map<std::pair<std::string, std::string>, double> Episode::agent_rewards() const {
  std::map<std::pair<std::string, std::string>, double> out;
  for (const AgentSlot* present : order_) {
    const AgentSlot& slot = *present;
    for (std::size_t k = 0; k < slot.num_rewards; ++k) {
      out[{slot.agent_id, slot.rewards[k].first}] = slot.rewards[k].second;
    }
    if (slot.credited) out[{slot.agent_id, slot.policy_id}] = slot.bound_total;
  }
  return out;
}

const std::vector<float>& Episode::last_observation(const std::string& agent_id) const {
  return present_slot(agent_id).last_observation;
}

const std::vector<float>& Episode::last_action(const std::string& agent_id) const {
  return present_slot(agent_id).last_action;
}

float Episode::last_reward(const std::string& agent_id) const {
  return present_slot(agent_id).last_reward;
}

void Episode::set_last_observation(const std::string& agent_id, const float* values,
                                   std::size_t n) {
  slot_for(agent_id).last_observation.assign(values, values + n);
}

void Episode::set_last_action(const std::string& agent_id, const float* values, std::size_t n) {
  slot_for(agent_id).last_action.assign(values, values + n);
}

void Episode::set_last_reward(const std::string& agent_id, float reward) {
  slot_for(agent_id).last_reward = reward;
}

void Episode::soft_reset(int64_t new_id) {
  id = new_id;
  length = 0;
  total_reward = 0.0;
  for (AgentSlot* slot : order_) {
    slot->num_rewards = 0;
    slot->credited = false;
  }
  hist_data.clear();
}

void Episode::reset(int64_t new_id) {
  id = new_id;
  length = 0;
  total_reward = 0.0;
  for (AgentSlot* present : order_) {
    AgentSlot& slot = *present;
    slot.index = -1;
    slot.bound = false;
    slot.policy_id.clear();
    slot.num_rewards = 0;
    slot.credited = false;
    slot.last_observation.clear();
    slot.last_action.clear();
    slot.last_reward = 0.0f;
  }
  order_.clear();
  user_data.clear();
  custom_metrics.clear();
  hist_data.clear();
}

const Episode::AgentSlot& Episode::present_slot(const std::string& agent_id) const {
  auto it = where_.find(agent_id);
  if (it == where_.end() || slots_[it->second].index < 0) {
    throw ValueError("agent '" + agent_id + "' has not appeared in episode " + std::to_string(id) +
                     " (env " + std::to_string(env_index) + ")");
  }
  return slots_[it->second];
}

Episode::AgentSlot& Episode::slot_for(const std::string& agent_id) {
  auto it = where_.find(agent_id);
  std::size_t s;
  if (it != where_.end()) {
    s = it->second;
  } else {
    s = slots_.size();
    slots_.emplace_back();
    slots_.back().agent_id = agent_id;
    where_.emplace(agent_id, s);
  }
  AgentSlot& slot = slots_[s];
  if (slot.index < 0) {
    slot.index = num_agents();
    order_.push_back(&slot);
  }
  return slot;
}

}  // namespace phantom
