// The Rollout helpers: per-agent entry lists, stage filters and action counts.
#include "analysis/rollout.hpp"

#include <algorithm>
#include <cmath>
#include <map>

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

std::string label(const Rollout& r) {
  return "rollout " + std::to_string(r.rollout_id);
}

// The agent's record in `step`. A step with another number of records than the rollout has
// agents was built wrongly; say so rather than read past its records.
const AgentRecord& record_of(const Rollout& r, const Step& step, std::size_t agent) {
  if (step.agents.size() != r.agent_ids.size()) {
    throw ValueError(label(r) + ": step " + std::to_string(step.i) + " has " +
                     std::to_string(step.agents.size()) + " agent records, expected " +
                     std::to_string(r.agent_ids.size()) + " (one per agent id)");
  }
  return step.agents[agent];
}

// The one body of the six *_for_agent methods: `entry` picks the field.
template <class T>
std::vector<std::optional<T>> entries_for_agent(const Rollout& r, const std::string& agent_id,
                                                std::optional<T> AgentRecord::*entry,
                                                bool drop_nones, const StageFilter& stages) {
  const std::size_t agent = r.agent_index(agent_id);
  std::vector<std::optional<T>> out;
  for (const Step& step : r.steps) {
    if (!stage_kept(stages, step.stage)) continue;
    const std::optional<T>& value = record_of(r, step, agent).*entry;
    if (drop_nones && !value) continue;
    out.push_back(value);
  }
  return out;
}

// A strict weak order on optional actions, so that equal actions count together: no action
// first, then actions element by element, with -0 equal to 0 and every NaN equal to every other
// (a plain < on NaN would break the map).
struct ActionLess {
  static bool less(float a, float b) {
    const bool a_nan = std::isnan(a);
    const bool b_nan = std::isnan(b);
    if (a_nan || b_nan) return !a_nan && b_nan;
    return a < b;
  }
  bool operator()(const std::optional<std::vector<float>>* a,
                  const std::optional<std::vector<float>>* b) const {
    if (!*a || !*b) return !*a && *b;
    return std::lexicographical_compare((*a)->begin(), (*a)->end(), (*b)->begin(), (*b)->end(),
                                        less);
  }
};

// Counts the actions (pointers into the rollout's steps), most common first and ties in order
// of first appearance, as Python's Counter.most_common.
std::vector<AgentActionCount> most_common(
    const std::vector<const std::optional<std::vector<float>>*>& actions) {
  std::vector<AgentActionCount> counts;  // in order of first appearance
  std::map<const std::optional<std::vector<float>>*, std::size_t, ActionLess> index;
  for (const auto* action : actions) {
    const auto [it, added] = index.emplace(action, counts.size());
    if (added) counts.push_back({*action, 0});
    ++counts[it->second].count;
  }
  std::stable_sort(
      counts.begin(), counts.end(),
      [](const AgentActionCount& a, const AgentActionCount& b) { return a.count > b.count; });
  return counts;
}

}  // namespace

const Step& Rollout::operator[](std::size_t i) const {
  if (i >= steps.size()) {
    throw ValueError(label(*this) + ": step index " + std::to_string(i) +
                     " is out of range; the rollout has " + std::to_string(steps.size()) +
                     " steps");
  }
  return steps[i];
}

std::size_t Rollout::agent_index(const std::string& agent_id) const {
  const auto it = std::find(agent_ids.begin(), agent_ids.end(), agent_id);
  if (it == agent_ids.end()) {
    throw ValueError(label(*this) + ": '" + agent_id +
                     "' is not a strategic agent of the env; the agents are " +
                     quoted_list(agent_ids));
  }
  return static_cast<std::size_t>(it - agent_ids.begin());
}

float Rollout::param(const std::string& name) const {
  for (const RolloutParam& p : params) {
    if (p.name == name) return p.value;
  }
  throw ValueError(label(*this) + ": no param '" + name + "'; the params are " +
                   name_list(params, [](const RolloutParam& p) { return p.name; }));
}

const ReducedMetric& Rollout::metric(const std::string& name) const {
  for (const ReducedMetric& m : metrics) {
    if (m.name == name) return m;
  }
  throw ValueError(label(*this) + ": no metric '" + name + "'; the metrics are " +
                   name_list(metrics, [](const ReducedMetric& m) { return m.name; }));
}

std::vector<std::optional<std::vector<float>>> Rollout::observations_for_agent(
    const std::string& agent_id, bool drop_nones, const StageFilter& stages) const {
  return entries_for_agent(*this, agent_id, &AgentRecord::observation, drop_nones, stages);
}

std::vector<std::optional<double>> Rollout::rewards_for_agent(const std::string& agent_id,
                                                              bool drop_nones,
                                                              const StageFilter& stages) const {
  return entries_for_agent(*this, agent_id, &AgentRecord::reward, drop_nones, stages);
}

std::vector<std::optional<bool>> Rollout::terminations_for_agent(const std::string& agent_id,
                                                                 bool drop_nones,
                                                                 const StageFilter& stages) const {
  return entries_for_agent(*this, agent_id, &AgentRecord::terminated, drop_nones, stages);
}

std::vector<std::optional<bool>> Rollout::truncations_for_agent(const std::string& agent_id,
                                                                bool drop_nones,
                                                                const StageFilter& stages) const {
  return entries_for_agent(*this, agent_id, &AgentRecord::truncated, drop_nones, stages);
}

std::vector<std::optional<Infos>> Rollout::infos_for_agent(const std::string& agent_id,
                                                           bool drop_nones,
                                                           const StageFilter& stages) const {
  return entries_for_agent(*this, agent_id, &AgentRecord::info, drop_nones, stages);
}

std::vector<std::optional<std::vector<float>>> Rollout::actions_for_agent(
    const std::string& agent_id, bool drop_nones, const StageFilter& stages) const {
  return entries_for_agent(*this, agent_id, &AgentRecord::action, drop_nones, stages);
}

std::vector<AgentStep> Rollout::steps_for_agent(const std::string& agent_id,
                                                const StageFilter& stages) const {
  const std::size_t agent = agent_index(agent_id);
  std::vector<AgentStep> out;
  for (const Step& step : steps) {
    if (stage_kept(stages, step.stage)) {
      out.push_back(AgentStep{record_of(*this, step, agent), step.i, step.stage});
    }
  }
  return out;
}

std::vector<ActionCount> Rollout::count_actions(const StageFilter& stages) const {
  std::vector<const std::optional<std::vector<float>>*> actions;
  for (const Step& step : steps) {
    if (!stage_kept(stages, step.stage)) continue;
    for (std::size_t a = 0; a < agent_ids.size(); ++a) {
      const auto& action = record_of(*this, step, a).action;
      if (action) actions.push_back(&action);
    }
  }
  std::vector<ActionCount> out;
  for (AgentActionCount& c : most_common(actions)) out.push_back({std::move(*c.action), c.count});
  return out;
}

std::vector<AgentActionCount> Rollout::count_agent_actions(const std::string& agent_id,
                                                           const StageFilter& stages) const {
  const std::size_t agent = agent_index(agent_id);
  std::vector<const std::optional<std::vector<float>>*> actions;
  for (const Step& step : steps) {
    if (stage_kept(stages, step.stage)) actions.push_back(&record_of(*this, step, agent).action);
  }
  return most_common(actions);
}

}  // namespace phantom
