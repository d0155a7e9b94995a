// The helpers of Python's Rollout: params and metrics by name, per-agent entry lists with their
// filters, and action counts. They read the storage through the accessors of rollout.cpp.
#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/rollout.hpp"
#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

bool stage_kept(const StageFilter& stages, const std::string& stage) {
  return !stages || std::find(stages->begin(), stages->end(), stage) != stages->end();
}

// The names of `items`, quoted (quoted_list), for error messages.
template <class T, class Name>
std::string name_list(const std::vector<T>& items, Name name) {
  std::vector<std::string> names;
  for (const T& item : items) names.push_back(name(item));
  return quoted_list(names);
}

// The one body of the six *_for_agent methods: `get(i, agent)` reads the entry.
template <class T, class Get>
std::vector<std::optional<T>> entries_for_agent(const Rollout& r, const std::string& agent_id,
                                                Get get, bool drop_nones,
                                                const StageFilter& stages) {
  const std::size_t agent = r.agent_index(agent_id);
  std::vector<std::optional<T>> out;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (!stage_kept(stages, r.stage(i))) continue;
    std::optional<T> value = get(i, agent);
    if (drop_nones && !value) continue;
    out.push_back(std::move(value));
  }
  return out;
}

// A float vector entry (observation or action) as an optional copy.
std::optional<std::vector<float>> copy_of(const float* values, int64_t size) {
  if (values == nullptr) return std::nullopt;
  return std::vector<float>(values, values + size);
}

// An action as stored: its components, or null when the agent took none.
struct ActionView {
  const float* values = nullptr;
  int64_t size = 0;
};

// A strict weak order on actions, so that equal actions count together: no action first, then
// actions element by element, with -0 equal to 0 and every NaN equal to every other (a plain <
// on NaN would break the map).
struct ActionLess {
  static bool less(float a, float b) {
    const bool a_nan = std::isnan(a);
    const bool b_nan = std::isnan(b);
    if (a_nan || b_nan) return !a_nan && b_nan;
    return a < b;
  }
  bool operator()(const ActionView& a, const ActionView& b) const {
    if (!a.values || !b.values) return !a.values && b.values;
    return std::lexicographical_compare(a.values, a.values + a.size, b.values, b.values + b.size,
                                        less);
  }
};

// Counts the actions, most common first and ties in order of first appearance, as Python's
// Counter.most_common.
std::vector<AgentActionCount> most_common(const std::vector<ActionView>& actions) {
  std::vector<AgentActionCount> counts;  // in order of first appearance
  std::map<ActionView, std::size_t, ActionLess> index;
  for (const ActionView& action : actions) {
    const auto [it, added] = index.emplace(action, counts.size());
    if (added) counts.push_back({copy_of(action.values, action.size), 0});
    ++counts[it->second].count;
  }
  std::stable_sort(
      counts.begin(), counts.end(),
      [](const AgentActionCount& a, const AgentActionCount& b) { return a.count > b.count; });
  return counts;
}

}  // namespace

float Rollout::param(const std::string& name) const {
  for (const RolloutParam& p : params) {
    if (p.name == name) return p.value;
  }
  throw ValueError(label() + ": no param '" + name + "'; the params are " +
                   name_list(params, [](const RolloutParam& p) { return p.name; }));
}

const ReducedMetric& Rollout::metric(const std::string& name) const {
  for (const ReducedMetric& m : metrics) {
    if (m.name == name) return m;
  }
  throw ValueError(label() + ": no metric '" + name + "'; the metrics are " +
                   name_list(metrics, [](const ReducedMetric& m) { return m.name; }));
}

std::vector<std::optional<std::vector<float>>> Rollout::observations_for_agent(
    const std::string& agent_id, bool drop_nones, const StageFilter& stages) const {
  return entries_for_agent<std::vector<float>>(
      *this, agent_id,
      [&](std::size_t i, std::size_t a) {
        return copy_of(observation(i, a), observation_sizes_[a]);
      },
      drop_nones, stages);
}

std::vector<std::optional<double>> Rollout::rewards_for_agent(const std::string& agent_id,
                                                              bool drop_nones,
                                                              const StageFilter& stages) const {
  return entries_for_agent<double>(
      *this, agent_id, [&](std::size_t i, std::size_t a) { return reward(i, a); }, drop_nones,
      stages);
}

std::vector<std::optional<bool>> Rollout::terminations_for_agent(const std::string& agent_id,
                                                                 bool drop_nones,
                                                                 const StageFilter& stages) const {
  return entries_for_agent<bool>(
      *this, agent_id, [&](std::size_t i, std::size_t a) { return terminated(i, a); }, drop_nones,
      stages);
}

std::vector<std::optional<bool>> Rollout::truncations_for_agent(const std::string& agent_id,
                                                                bool drop_nones,
                                                                const StageFilter& stages) const {
  return entries_for_agent<bool>(
      *this, agent_id, [&](std::size_t i, std::size_t a) { return truncated(i, a); }, drop_nones,
      stages);
}

std::vector<std::optional<Infos>> Rollout::infos_for_agent(const std::string& agent_id,
                                                           bool drop_nones,
                                                           const StageFilter& stages) const {
  return entries_for_agent<Infos>(
      *this, agent_id, [&](std::size_t i, std::size_t a) { return info(i, a); }, drop_nones,
      stages);
}

std::vector<std::optional<std::vector<float>>> Rollout::actions_for_agent(
    const std::string& agent_id, bool drop_nones, const StageFilter& stages) const {
  return entries_for_agent<std::vector<float>>(
      *this, agent_id,
      [&](std::size_t i, std::size_t a) { return copy_of(action(i, a), action_sizes_[a]); },
      drop_nones, stages);
}

std::vector<AgentStep> Rollout::steps_for_agent(const std::string& agent_id,
                                                const StageFilter& stages) const {
  const std::size_t agent = agent_index(agent_id);
  std::vector<AgentStep> out;
  for (std::size_t i = 0; i < size(); ++i) {
    if (!stage_kept(stages, stage(i))) continue;
    out.push_back(AgentStep{record(i, agent), static_cast<int64_t>(i), stage(i)});
  }
  return out;
}

std::vector<ActionCount> Rollout::count_actions(const StageFilter& stages) const {
  std::vector<ActionView> actions;
  for (std::size_t i = 0; i < size(); ++i) {
    if (!stage_kept(stages, stage(i))) continue;
    for (std::size_t a = 0; a < agent_ids_.size(); ++a) {
      if (const float* x = action(i, a)) actions.push_back({x, action_sizes_[a]});
    }
  }
  std::vector<ActionCount> out;
  for (AgentActionCount& c : most_common(actions)) out.push_back({std::move(*c.action), c.count});
  return out;
}

std::vector<AgentActionCount> Rollout::count_agent_actions(const std::string& agent_id,
                                                           const StageFilter& stages) const {
  const std::size_t agent = agent_index(agent_id);
  std::vector<ActionView> actions;
  for (std::size_t i = 0; i < size(); ++i) {
    if (stage_kept(stages, stage(i))) actions.push_back({action(i, agent), action_sizes_[agent]});
  }
  return most_common(actions);
}

}  // namespace phantom
