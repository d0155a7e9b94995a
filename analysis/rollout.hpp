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

/// One step of an episode.
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
struct Rollout {
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
  /// The env's strategic agents; the order of Step::agents.
  std::vector<std::string> agent_ids;
  /// Flat sizes of each agent's observation and action spaces (parallel to agent_ids).
  std::vector<int64_t> observation_sizes;
  std::vector<int64_t> action_sizes;
  /// Until the episode ended (or the runner's step limit).
  std::vector<Step> steps;
  /// Each metric's episode values reduced with its eval action, in the runner's metric order.
  std::vector<ReducedMetric> metrics;

  /// Step i; throws ValueError naming i and the number of steps when out of range.
  const Step& operator[](std::size_t i) const;
  std::size_t size() const { return steps.size(); }

  /// Index of `agent_id` in agent_ids; throws ValueError naming it and listing the agents.
  std::size_t agent_index(const std::string& agent_id) const;
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
};

}  // namespace phantom
