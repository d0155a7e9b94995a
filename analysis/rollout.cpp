// Rollout storage: the agents' layout, the flat per-step arrays, and reading and writing steps.
// The helpers of Python's Rollout (per-agent lists, filters, action counts) are in
// rollout_queries.cpp.
#include "analysis/rollout.hpp"

#include <algorithm>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

Rollout::Rollout(std::vector<std::string> agent_ids, std::vector<int64_t> observation_sizes,
                 std::vector<int64_t> action_sizes) {
  set_agents(agent_ids, observation_sizes, action_sizes);
}

std::string Rollout::label() const {
  return "rollout " + std::to_string(rollout_id);
}

void Rollout::set_agents(const std::vector<std::string>& agent_ids,
                         const std::vector<int64_t>& observation_sizes,
                         const std::vector<int64_t>& action_sizes) {
  if (observation_sizes.size() != agent_ids.size() || action_sizes.size() != agent_ids.size()) {
    throw ValueError(label() + ": " + std::to_string(observation_sizes.size()) +
                     " observation sizes and " + std::to_string(action_sizes.size()) +
                     " action sizes for " + std::to_string(agent_ids.size()) +
                     " agents; expected one of each per agent");
  }
  for (std::size_t a = 0; a < agent_ids.size(); ++a) {
    if (observation_sizes[a] < 0 || action_sizes[a] < 0) {
      throw ValueError(label() + ": agent '" + agent_ids[a] + "' has observation size " +
                       std::to_string(observation_sizes[a]) + " and action size " +
                       std::to_string(action_sizes[a]) + "; sizes cannot be negative");
    }
  }
  // The runner calls this before every episode with the same agents: assign() reuses the
  // strings' and vectors' storage, and the step arrays keep their room when the layout is the
  // same.
  const std::size_t old_agents = agent_ids_.size();
  const int64_t old_observation_width = observation_width_, old_action_width = action_width_;
  agent_ids_.assign(agent_ids.begin(), agent_ids.end());
  observation_sizes_ = observation_sizes;
  action_sizes_ = action_sizes;
  auto offsets = [](const std::vector<int64_t>& sizes, std::vector<int64_t>& out, int64_t& width) {
    out.resize(sizes.size());
    width = 0;
    for (std::size_t a = 0; a < sizes.size(); ++a) {
      out[a] = width;
      width += sizes[a];
    }
  };
  offsets(observation_sizes_, observation_offsets_, observation_width_);
  offsets(action_sizes_, action_offsets_, action_width_);

  if (agent_ids_.size() != old_agents || observation_width_ != old_observation_width ||
      action_width_ != old_action_width) {
    capacity_ = 0;
    observations_.clear();
    actions_.clear();
    rewards_.clear();
    flags_.clear();
    info_ranges_.clear();
  }
  step_stage_.clear();
  stage_names_.clear();
  info_items_.clear();
  info_keys_.clear();
  messages_.clear();
}

std::size_t Rollout::agent_index(const std::string& agent_id) const {
  const auto it = std::find(agent_ids_.begin(), agent_ids_.end(), agent_id);
  if (it == agent_ids_.end()) {
    throw ValueError(label() + ": '" + agent_id +
                     "' is not a strategic agent of the env; the agents are " +
                     quoted_list(agent_ids_));
  }
  return static_cast<std::size_t>(it - agent_ids_.begin());
}

void Rollout::throw_no_step(int64_t i) const {
  const std::string n = std::to_string(size());
  throw ValueError(label() + ": step index " + std::to_string(i) +
                   " is out of range; the rollout has " + n + " steps (indices 0 to " + n +
                   " - 1, or -" + n + " to -1 from the end)");
}

void Rollout::throw_no_agent(std::size_t agent) const {
  throw ValueError(label() + ": agent index " + std::to_string(agent) +
                   " is out of range; the rollout has " + std::to_string(agent_ids_.size()) +
                   " agents");
}

// ---- Reading ----

const std::string& Rollout::stage(int64_t i) const {
  return stage_names_[step_stage_[step_at(i)]];
}

const float* Rollout::observation(int64_t i, std::size_t agent) const {
  const std::size_t s = step_at(i);
  if (!(flags_[entry(s, agent)] & kObserved)) return nullptr;
  return observations_.data() + static_cast<int64_t>(s) * observation_width_ +
         observation_offsets_[agent];
}

const float* Rollout::action(int64_t i, std::size_t agent) const {
  const std::size_t s = step_at(i);
  if (!(flags_[entry(s, agent)] & kActed)) return nullptr;
  return actions_.data() + static_cast<int64_t>(s) * action_width_ + action_offsets_[agent];
}

std::optional<double> Rollout::reward(int64_t i, std::size_t agent) const {
  const std::size_t e = entry(step_at(i), agent);
  if (!(flags_[e] & kRewarded)) return std::nullopt;
  return rewards_[e];
}

std::optional<bool> Rollout::terminated(int64_t i, std::size_t agent) const {
  const uint8_t f = flags_[entry(step_at(i), agent)];
  if (!(f & kHasTerminated)) return std::nullopt;
  return (f & kTerminated) != 0;
}

std::optional<bool> Rollout::truncated(int64_t i, std::size_t agent) const {
  const uint8_t f = flags_[entry(step_at(i), agent)];
  if (!(f & kHasTruncated)) return std::nullopt;
  return (f & kTruncated) != 0;
}

std::optional<Infos> Rollout::info(int64_t i, std::size_t agent) const {
  const std::size_t e = entry(step_at(i), agent);
  if (!(flags_[e] & kHasInfo)) return std::nullopt;
  Infos out;
  const InfoRange range = info_ranges_[e];
  for (uint32_t k = range.begin; k < range.begin + range.count; ++k) {
    out.set(info_keys_[info_items_[k].first], info_items_[k].second);
  }
  return out;
}

const std::vector<RecordedMessage>* Rollout::messages(int64_t i) const {
  const std::size_t s = step_at(i);
  if (s >= messages_.size()) return nullptr;
  return messages_[s] ? &*messages_[s] : nullptr;
}

AgentRecord Rollout::record(int64_t i, std::size_t agent) const {
  AgentRecord out;
  if (const float* o = observation(i, agent)) {
    out.observation.emplace(o, o + observation_sizes_[agent]);
  }
  if (const float* x = action(i, agent)) out.action.emplace(x, x + action_sizes_[agent]);
  out.reward = reward(i, agent);
  out.terminated = terminated(i, agent);
  out.truncated = truncated(i, agent);
  out.info = info(i, agent);
  return out;
}

Step Rollout::operator[](int64_t i) const {
  Step step;
  step.stage = stage(i);
  step.i = static_cast<int64_t>(step_at(i));  // the step's own number, also for r[-1]
  for (std::size_t a = 0; a < agent_ids_.size(); ++a) step.agents.push_back(record(i, a));
  if (const std::vector<RecordedMessage>* m = messages(i)) step.messages = *m;
  return step;
}

// ---- Writing ----

std::size_t Rollout::add_step(const std::string& stage) {
  // Steps of one episode mostly share a stage: try the last one first.
  uint32_t s = 0;
  if (!step_stage_.empty() && stage_names_[step_stage_.back()] == stage) {
    s = step_stage_.back();
  } else {
    const auto it = std::find(stage_names_.begin(), stage_names_.end(), stage);
    s = static_cast<uint32_t>(it - stage_names_.begin());
    if (it == stage_names_.end()) stage_names_.push_back(stage);
  }
  const std::size_t i = step_stage_.size();
  if (i == capacity_) reserve_steps(std::max<std::size_t>(64, 2 * capacity_));
  step_stage_.push_back(s);
  // Every entry starts absent. The other arrays keep what an earlier step or episode left
  // there: an entry is read only where its flag says it was set.
  std::fill_n(flags_.begin() + static_cast<std::ptrdiff_t>(i * agent_ids_.size()),
              agent_ids_.size(), uint8_t{0});
  if (!messages_.empty()) messages_.resize(i + 1);
  return i;
}

void Rollout::reserve_steps(std::size_t steps) {
  const std::size_t entries = steps * agent_ids_.size();
  observations_.resize(steps * static_cast<std::size_t>(observation_width_));
  actions_.resize(steps * static_cast<std::size_t>(action_width_));
  rewards_.resize(entries);
  flags_.resize(entries);
  info_ranges_.resize(entries);
  capacity_ = steps;
}

void Rollout::set_observation(int64_t i, std::size_t agent, const float* values) {
  const std::size_t s = step_at(i);
  flags_[entry(s, agent)] |= kObserved;
  std::copy_n(values, observation_sizes_[agent],
              observations_.data() + static_cast<int64_t>(s) * observation_width_ +
                  observation_offsets_[agent]);
}

void Rollout::set_action(int64_t i, std::size_t agent, const float* values) {
  const std::size_t s = step_at(i);
  flags_[entry(s, agent)] |= kActed;
  std::copy_n(values, action_sizes_[agent],
              actions_.data() + static_cast<int64_t>(s) * action_width_ + action_offsets_[agent]);
}

void Rollout::set_reward(int64_t i, std::size_t agent, double reward) {
  const std::size_t e = entry(step_at(i), agent);
  flags_[e] |= kRewarded;
  rewards_[e] = reward;
}

void Rollout::set_terminated(int64_t i, std::size_t agent, bool terminated) {
  uint8_t& f = flags_[entry(step_at(i), agent)];
  f = static_cast<uint8_t>((f & ~kTerminated) | kHasTerminated | (terminated ? kTerminated : 0));
}

void Rollout::set_truncated(int64_t i, std::size_t agent, bool truncated) {
  uint8_t& f = flags_[entry(step_at(i), agent)];
  f = static_cast<uint8_t>((f & ~kTruncated) | kHasTruncated | (truncated ? kTruncated : 0));
}

void Rollout::set_info(int64_t i, std::size_t agent, const Infos& info) {
  const std::size_t e = entry(step_at(i), agent);
  flags_[e] |= kHasInfo;
  info_ranges_[e] = {static_cast<uint32_t>(info_items_.size()),
                     static_cast<uint32_t>(info.items().size())};
  // Keys are stored once per rollout: an agent reports the same few keys every step.
  for (const auto& [key, value] : info.items()) {
    const auto k = static_cast<uint32_t>(std::find(info_keys_.begin(), info_keys_.end(), key) -
                                         info_keys_.begin());
    if (k == info_keys_.size()) info_keys_.push_back(key);
    info_items_.emplace_back(k, value);
  }
}

std::vector<RecordedMessage>& Rollout::record_messages(int64_t i) {
  const std::size_t s = step_at(i);
  if (messages_.size() < size()) messages_.resize(size());
  if (!messages_[s]) messages_[s].emplace();
  messages_[s]->clear();
  return *messages_[s];
}

void Rollout::append(const Step& step) {
  const std::string where = label() + ", step " + std::to_string(step.i);
  if (step.i != static_cast<int64_t>(size())) {
    throw ValueError(where + ": expected step " + std::to_string(size()) +
                     " (steps are appended in order, from 0)");
  }
  if (step.agents.size() != agent_ids_.size()) {
    throw ValueError(where + ": " + std::to_string(step.agents.size()) +
                     " agent records, expected " + std::to_string(agent_ids_.size()) +
                     " (one per agent id)");
  }
  auto check_size = [&](std::size_t a, const char* what, const std::optional<std::vector<float>>& v,
                        int64_t expected) {
    if (v && static_cast<int64_t>(v->size()) != expected) {
      throw ValueError(where + ", agent '" + agent_ids_[a] + "': the " + what + " has " +
                       std::to_string(v->size()) + " components, expected the agent's " + what +
                       " size " + std::to_string(expected));
    }
  };
  for (std::size_t a = 0; a < agent_ids_.size(); ++a) {
    check_size(a, "observation", step.agents[a].observation, observation_sizes_[a]);
    check_size(a, "action", step.agents[a].action, action_sizes_[a]);
  }

  const std::size_t i = add_step(step.stage);
  for (std::size_t a = 0; a < agent_ids_.size(); ++a) {
    const AgentRecord& record = step.agents[a];
    if (record.observation) set_observation(i, a, record.observation->data());
    if (record.action) set_action(i, a, record.action->data());
    if (record.reward) set_reward(i, a, *record.reward);
    if (record.terminated) set_terminated(i, a, *record.terminated);
    if (record.truncated) set_truncated(i, a, *record.truncated);
    if (record.info) set_info(i, a, *record.info);
  }
  if (step.messages) record_messages(i) = *step.messages;
}

}  // namespace phantom
