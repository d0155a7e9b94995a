// Rollout records: what the rollout runner saw and did in one episode, step by step.
//
// A Rollout is one episode of one grid point (params) and repeat. Its steps hold, for every
// strategic agent of the env (Rollout::agent_ids, in the env's strategic order), what that agent
// saw before the step, the action it took, and what the step reported back:
//
//   for (const phantom::Rollout& r : rollouts) {
//     auto actions = r.actions_for_agent("SHOP", /*drop_nones=*/true);   // one per step it acted
//     auto stock = r.observations_for_agent("SHOP");                      // nullopt where absent
//     for (const auto& [action, count] : r.count_agent_actions("SHOP")) ...
//   }
//
// Every entry of an agent is optional, like a key missing from Python Phantom's per-step dicts:
// an agent that is done or that observed nothing has no observation and takes no action; an FSM
// agent that was not rewarded has no reward. The *_for_agent helpers keep step order and return
// one element per kept step: with drop_nones, only the steps where the entry is present.
// A stage filter keeps only the steps whose FSM stage (the stage the step ran in) is listed.
//
// Differences from Python (docs/DIFFERENCES.md): steps_for_agent works (it always raised); an
// id that is not a strategic agent of the env is a ValueError naming it (Python returned
// Nones); rewards_for_agent has no "present but None" case, because a reward is either reported
// or absent; observations and actions are flat float vectors (the spaces' flat layout).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "phantom/env_config.hpp"
#include "phantom/metrics.hpp"
#include "phantom/strategic_agent.hpp"

namespace phantom {

/// A message sent during a step, recorded when the runner's record_messages is on.
struct RecordedMessage {
  std::string sender_id;
  std::string receiver_id;
  /// The payload's type name, e.g. "supply_chain::OrderRequest".
  std::string type;
  /// The payload's fields as a JSON object, for payloads that describe() them
  /// (payload_fields.hpp); "null" otherwise.
  std::string payload_json;
};

/// One agent's entries in one step. Each is nullopt when the agent had none (see the top).
struct AgentRecord {
  /// What the agent observed before the step (the input of its action).
  std::optional<std::vector<float>> observation;
  /// The reward the step reported.
  std::optional<double> reward;
  /// The step's termination and truncation flags for the agent (present when it was live).
  std::optional<bool> terminated;
  std::optional<bool> truncated;
  /// The infos that came with the observation the step reported.
  std::optional<Infos> info;
  /// The action the agent took (flat, its action space's layout).
  std::optional<std::vector<float>> action;
};

/// One agent's view of one step: its record plus the step's number and stage (Python's
/// AgentStep, which could not be built).
struct AgentStep : AgentRecord {
  int64_t i = 0;
  /// The FSM stage the step ran in; "" outside FSM envs.
  std::string stage;
};

/// One step of an episode, as a copy (Rollout::operator[]; Rollout::append takes one).
struct Step {
  /// 0 for the first step after reset.
  int64_t i = 0;
  /// The FSM stage the step ran in; "" outside FSM envs.
  std::string stage;
  /// One record per agent of Rollout::agent_ids, in that order.
  std::vector<AgentRecord> agents;
  /// Every message sent during the step, in send order; nullopt unless record_messages is on.
  std::optional<std::vector<RecordedMessage>> messages;
};

/// One value of a rollout-grid axis: the axis name and the value this rollout ran with.
struct RolloutParam {
  std::string name;
  float value = 0.0f;
};

/// Steps whose FSM stage is listed; nullopt keeps every step (an empty list keeps none).
using StageFilter = std::optional<std::vector<std::string>>;

/// An action and how many times it was taken.
struct ActionCount {
  std::vector<float> action;
  int64_t count = 0;
};
/// An agent's action (nullopt where it took none) and how many steps had it.
struct AgentActionCount {
  std::optional<std::vector<float>> action;
  int64_t count = 0;
};

/// One episode (see the top of this file).
///
/// Storage. The steps live in a few flat arrays rather than one heap object per entry: per step
/// and agent, the observation and action components at fixed offsets, the reward, and a byte of
/// flags saying which entries are present. A 100-step episode is then a handful of contiguous
/// buffers that the runner fills in order and reuses for its next episode, instead of hundreds of
/// small allocations scattered over memory.
/// Read a step with operator[] (a Step copy, for convenience) or entry by entry with the
/// accessors below (no copy, for exports); write one with add_step() and the set_* methods, or
/// append() a whole Step.
class Rollout {
 public:
  /// Position in the runner's order: point * num_repeats + repeat.
  int64_t rollout_id = 0;
  /// Which repeat of its grid point (0 .. num_repeats - 1).
  int64_t repeat_id = 0;
  /// The seed the env was reset with (derived from the base seed, the point and the repeat).
  uint64_t seed = 0;
  /// The env config the episode ran with: the runner's config, each Range replaced by its value.
  EnvConfig env_config;
  /// The grid point: one entry per axis, in axis order (empty without Ranges).
  std::vector<RolloutParam> params;
  /// Each metric's episode values reduced with its eval action, in the runner's metric order.
  std::vector<ReducedMetric> metrics;

  /// A rollout without agents or steps.
  Rollout() = default;
  /// A rollout of these agents, without steps; see set_agents.
  Rollout(std::vector<std::string> agent_ids, std::vector<int64_t> observation_sizes,
          std::vector<int64_t> action_sizes);

  /// Sets the agents (ids, and the flat sizes of their observation and action spaces) and
  /// forgets every step, keeping the buffers' capacity for the next episode. Throws ValueError
  /// if the three lists differ in length or a size is negative.
  void set_agents(const std::vector<std::string>& agent_ids,
                  const std::vector<int64_t>& observation_sizes,
                  const std::vector<int64_t>& action_sizes);
  /// The env's strategic agents, in the env's strategic order: the `agent` index of the
  /// accessors and the order of Step::agents.
  const std::vector<std::string>& agent_ids() const { return agent_ids_; }
  /// Flat sizes of each agent's observation and action spaces (parallel to agent_ids()).
  const std::vector<int64_t>& observation_sizes() const { return observation_sizes_; }
  const std::vector<int64_t>& action_sizes() const { return action_sizes_; }
  /// Index of `agent_id` in agent_ids(); throws ValueError naming it and listing the agents.
  std::size_t agent_index(const std::string& agent_id) const;

  // ---- Steps: reading ----

  /// Number of steps recorded (until the episode ended, or the runner's step limit).
  std::size_t size() const { return step_stage_.size(); }
  bool empty() const { return step_stage_.empty(); }
  // Step numbers. Every accessor taking a step number `i` reads it as Python indexes a list: 0 is
  // the first step and -1 the last (-2 the one before, ...). A step that does not exist, from
  // either end, is a ValueError naming i and the number of steps.

  /// A copy of step i (r[-1]: the last step).
  Step operator[](int64_t i) const;
  /// A copy of one agent's entries at step i (ValueError when i or agent is out of range).
  AgentRecord record(int64_t i, std::size_t agent) const;
  /// The FSM stage step i ran in ("" outside FSM envs).
  const std::string& stage(int64_t i) const;
  /// Agent `agent`'s observation before step i (observation_sizes()[agent] floats), or nullptr
  /// when it had none. Like every accessor below, throws ValueError when i or agent is out of
  /// range.
  const float* observation(int64_t i, std::size_t agent) const;
  /// The action the agent took at step i (action_sizes()[agent] floats), or nullptr.
  const float* action(int64_t i, std::size_t agent) const;
  std::optional<double> reward(int64_t i, std::size_t agent) const;
  std::optional<bool> terminated(int64_t i, std::size_t agent) const;
  std::optional<bool> truncated(int64_t i, std::size_t agent) const;
  std::optional<Infos> info(int64_t i, std::size_t agent) const;
  /// The messages of step i, or nullptr when they were not recorded.
  const std::vector<RecordedMessage>* messages(int64_t i) const;

  // ---- Steps: writing ----

  /// Appends step size() (its Step::i), run in `stage`, with every entry absent; returns i.
  std::size_t add_step(const std::string& stage = std::string());
  /// Sets an entry of step i (ValueError when i or agent is out of range). Observations and
  /// actions copy the agent's size of floats from `values`.
  void set_observation(int64_t i, std::size_t agent, const float* values);
  void set_action(int64_t i, std::size_t agent, const float* values);
  void set_reward(int64_t i, std::size_t agent, double reward);
  void set_terminated(int64_t i, std::size_t agent, bool terminated);
  void set_truncated(int64_t i, std::size_t agent, bool truncated);
  void set_info(int64_t i, std::size_t agent, const Infos& info);
  /// Step i's message list, emptied and marked as recorded, to be filled by the caller.
  std::vector<RecordedMessage>& record_messages(int64_t i);
  /// Appends a whole step: ValueError naming the step and agent if step.i is not size(), if it
  /// does not have one record per agent, or if an observation or action does not have its
  /// agent's size; nothing is appended then.
  void append(const Step& step);

  // ---- Helpers (Python's Rollout methods) ----

  /// The value of param `name`; throws ValueError naming it and listing the params.
  float param(const std::string& name) const;
  /// The metric named `name`; throws ValueError naming it and listing the metrics.
  const ReducedMetric& metric(const std::string& name) const;

  std::vector<std::optional<std::vector<float>>> observations_for_agent(
      const std::string& agent_id, bool drop_nones = false, const StageFilter& stages = {}) const;
  std::vector<std::optional<double>> rewards_for_agent(const std::string& agent_id,
                                                       bool drop_nones = false,
                                                       const StageFilter& stages = {}) const;
  std::vector<std::optional<bool>> terminations_for_agent(const std::string& agent_id,
                                                          bool drop_nones = false,
                                                          const StageFilter& stages = {}) const;
  std::vector<std::optional<bool>> truncations_for_agent(const std::string& agent_id,
                                                         bool drop_nones = false,
                                                         const StageFilter& stages = {}) const;
  std::vector<std::optional<Infos>> infos_for_agent(const std::string& agent_id,
                                                    bool drop_nones = false,
                                                    const StageFilter& stages = {}) const;
  std::vector<std::optional<std::vector<float>>> actions_for_agent(
      const std::string& agent_id, bool drop_nones = false, const StageFilter& stages = {}) const;

  /// The agent's records with their step numbers and stages, one per kept step.
  std::vector<AgentStep> steps_for_agent(const std::string& agent_id,
                                         const StageFilter& stages = {}) const;

  /// Every action of every agent in the kept steps, most common first; equal counts keep the
  /// order in which the actions first appeared (Python's Counter.most_common).
  std::vector<ActionCount> count_actions(const StageFilter& stages = {}) const;
  /// The agent's actions in the kept steps (nullopt counted where it took none), most common
  /// first, ties in order of first appearance.
  std::vector<AgentActionCount> count_agent_actions(const std::string& agent_id,
                                                    const StageFilter& stages = {}) const;

 private:
  // Bits of flags_, one byte per step and agent: which entries are present, and the values of
  // the two done flags.
  enum : uint8_t {
    kObserved = 1,
    kActed = 2,
    kRewarded = 4,
    kHasInfo = 8,
    kHasTerminated = 16,
    kHasTruncated = 32,
    kTerminated = 64,
    kTruncated = 128,
  };
  // Where one entry's infos are in info_items_.
  struct InfoRange {
    uint32_t begin = 0, count = 0;
  };

  // The position in the per-step arrays of step number i (see "Step numbers" above); ValueError
  // naming i when there is no such step. Inline: every accessor resolves one.
  std::size_t step_at(int64_t i) const {
    const auto n = static_cast<int64_t>(size());
    const int64_t k = i < 0 ? i + n : i;
    if (k < 0 || k >= n) throw_no_step(i);
    return static_cast<std::size_t>(k);
  }
  // Index in the per-entry arrays of (step position s, agent); ValueError for an unknown agent.
  std::size_t entry(std::size_t s, std::size_t agent) const {
    if (agent >= agent_ids_.size()) throw_no_agent(agent);
    return s * agent_ids_.size() + agent;
  }
  [[noreturn]] void throw_no_step(int64_t i) const;
  [[noreturn]] void throw_no_agent(std::size_t agent) const;
  // Makes room in the per-step arrays for `steps` steps.
  void reserve_steps(std::size_t steps);
  std::string label() const;

  std::vector<std::string> agent_ids_;
  std::vector<int64_t> observation_sizes_, action_sizes_;
  // Offsets of each agent's components within a step's row, and the rows' widths.
  std::vector<int64_t> observation_offsets_, action_offsets_;
  int64_t observation_width_ = 0, action_width_ = 0;

  // The arrays below step_stage_ have room for capacity_ steps (>= size()), grown by doubling,
  // so that adding a step is a few stores rather than a resize of each array.
  std::size_t capacity_ = 0;
  std::vector<uint32_t> step_stage_;  // per step: index in stage_names_ (its size is size())
  std::vector<std::string> stage_names_;
  std::vector<float> observations_;                      // per step: observation_width_ floats
  std::vector<float> actions_;                           // per step: action_width_ floats
  std::vector<double> rewards_;                          // per entry (step * agents + agent)
  std::vector<uint8_t> flags_;                           // per entry
  std::vector<InfoRange> info_ranges_;                   // per entry
  std::vector<std::pair<uint32_t, double>> info_items_;  // (index in info_keys_, value)
  std::vector<std::string> info_keys_;
  // Per step once any step has messages (empty before); nullopt where not recorded.
  std::vector<std::optional<std::vector<RecordedMessage>>> messages_;
};

}  // namespace phantom
