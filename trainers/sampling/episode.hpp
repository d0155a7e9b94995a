// Episode: what a rollout worker keeps about the episode running in one of its sub-envs.
//
// The worker creates the record when the sub-env's episode starts, and on every step adds the
// step's rewards and bumps the length. Agents are met as they appear in the observations: the
// first time an agent shows up, `policy_for` asks the policy mapping function which policy controls
// it and remembers the answer for the rest of the episode, so a mapping function that draws at
// random (self-play against a pool of opponents, say) picks once per episode, not once per step.
// The agent also gets its `agent_index`, the order in which agents first appeared (0, 1, 2, ...),
// which the worker writes into every transition row.
//
// Callbacks use three user-owned tables: `user_data` for scratch values between hooks (never
// reported), `custom_metrics` (one number per name, reported and aggregated per iteration) and
// `hist_data` (lists of numbers, reported as concatenated histograms).
//
// When the episode ends, the worker turns it into an EpisodeRecord (episode_metrics.hpp) and then
// either `reset`s the object for a brand-new episode or, with a soft horizon, `soft_reset`s it:
// the env is not reset then, the same agents simply continue, so what was learned about them
// (their policies, indices and last inputs) stays while the counters start again.
//
// One Episode object serves a sub-env for its whole life. It remembers the ids of the agents it
// has seen, so a sub-env with a fixed set of agents allocates nothing per step once its first
// episode has met them all.
#pragma once

#include <any>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace phantom {

class Episode;

/// Chooses the policy id for an agent the first time it appears in an episode. It gets the
/// episode, so it may look at the episode's id, env index, user_data or the agents already bound.
using PolicyMappingFn = std::function<std::string(const std::string& agent_id, const Episode&)>;

class Episode {
 public:
  /// An empty episode with the given id, for sub-env `env_index`.
  explicit Episode(int64_t id = 0, int env_index = 0);
  // Not copyable: the agent order points into the object's own slots (a move keeps them valid).
  Episode(const Episode&) = delete;
  Episode& operator=(const Episode&) = delete;
  Episode(Episode&&) = default;
  Episode& operator=(Episode&&) = default;

  // --- plain fields the worker owns --------------------------------------------------------

  /// Identifies the episode in transition rows; the worker numbers episodes per (worker,
  /// sub-env), so ids are unique within a worker and the same in every run.
  int64_t id = 0;
  /// Env steps taken in this episode so far (0 right after the reset that started it).
  int64_t length = 0;
  /// Which sub-env of the worker runs the episode (kept by reset and soft_reset).
  int env_index = 0;
  /// Sum of the raw env rewards of all agents in this episode (before any reward clipping).
  double total_reward = 0.0;

  // --- tables for callbacks ----------------------------------------------------------------

  /// Scratch values callbacks pass between hooks; never reported.
  std::map<std::string, std::any> user_data;
  /// One number per name, reported with the episode and aggregated into <name>_mean/_min/_max.
  std::map<std::string, double> custom_metrics;
  /// Lists of numbers, reported with the episode; each name's lists are concatenated over the
  /// episodes of the smoothing window.
  std::map<std::string, std::vector<double>> hist_data;

  // --- agents and their policies -----------------------------------------------------------

  /// The policy id controlling `agent_id` in this episode. The first call for an agent calls
  /// fn(agent_id, *this) and caches the answer; later calls return the cached id without calling
  /// fn, so changing the mapping function mid-episode has no effect until the next episode. The
  /// agent gets its agent_index (if it has none yet) before fn is called. Throws ValueError if fn
  /// is empty; whatever fn throws propagates and the agent stays unbound. The reference stays
  /// valid until the next reset.
  const std::string& policy_for(const std::string& agent_id, const PolicyMappingFn& fn);
  /// Gives `agent_id` its agent_index if it has none in this episode; returns the index.
  int ensure_agent(const std::string& agent_id);
  /// Whether `agent_id` has appeared (has an agent_index) in this episode.
  bool has_agent(const std::string& agent_id) const;
  /// Order of first appearance of `agent_id` in this episode (0, 1, 2, ...). Throws ValueError
  /// naming the agent and the episode if it has not appeared.
  int agent_index(const std::string& agent_id) const;
  /// Number of agents that have appeared in this episode.
  int num_agents() const { return static_cast<int>(order_.size()); }
  /// The agent with the given agent_index. Throws ValueError if there is none.
  const std::string& agent_id(int agent_index) const;

  // --- rewards -----------------------------------------------------------------------------

  /// Adds a raw env reward `r` of `agent_id`, controlled by `policy_id`, to total_reward and to the
  /// (agent, policy) total. Gives the agent an agent_index if it has none.
  void add_reward(const std::string& agent_id, const std::string& policy_id, double r);
  /// The same for the agent with this agent_index, under the policy policy_for bound it to (the
  /// worker's per-step path: no lookup by id or policy). Throws ValueError if no agent has the
  /// index or the agent is not bound.
  void add_reward(int agent_index, double r) {
    // Every step but the agent's first: its bound total already lives in its slot.
    if (agent_index >= 0 && agent_index < num_agents()) {
      AgentSlot& slot = *order_[static_cast<std::size_t>(agent_index)];
      if (slot.credited) {
        total_reward += r;
        slot.bound_total += r;
        return;
      }
    }
    add_first_reward(agent_index, r);
  }
  /// The reward totals of this episode per (agent id, policy id), in key order. Only pairs that
  /// received a reward appear (a reward of 0 counts). Builds the map: for episode ends, not steps.
  std::map<std::pair<std::string, std::string>, double> agent_rewards() const;

  // --- last inputs per agent (for prev_actions / prev_rewards columns) ---------------------

  /// The agent's last observation/action as set by the worker; empty if not set this episode.
  /// Throws ValueError naming the agent if it has not appeared in this episode. The reference
  /// stays valid until the next reset, its contents until the next set_last_*.
  const std::vector<float>& last_observation(const std::string& agent_id) const;
  const std::vector<float>& last_action(const std::string& agent_id) const;
  /// The agent's last reward as set by the worker; 0 if not set this episode. Throws ValueError
  /// like last_action.
  float last_reward(const std::string& agent_id) const;
  /// Copies `n` floats as the agent's last observation/action (reusing the slot's memory). Gives
  /// the agent an agent_index if it has none.
  void set_last_observation(const std::string& agent_id, const float* values, std::size_t n);
  void set_last_action(const std::string& agent_id, const float* values, std::size_t n);
  void set_last_reward(const std::string& agent_id, float reward);

  // --- episode boundaries ------------------------------------------------------------------

  /// Starts the next logical episode of a soft horizon: the env was not reset, the same agents
  /// go on from where they are. New id; length, total_reward, the reward totals and hist_data
  /// start again (hist_data was reported with the closed episode, keeping it would report it
  /// twice). Kept, because they describe the continuing env rather than the closed episode: the
  /// policy bindings and agent indices (the agents are the same), the last observation, action
  /// and reward of each agent (the last observation is the next episode's first), user_data and
  /// custom_metrics.
  void soft_reset(int64_t new_id);
  /// Starts a brand-new episode in the same sub-env: new id, everything else cleared except
  /// env_index. The memory of the per-agent slots is kept for the next episode's agents.
  void reset(int64_t new_id);

 private:
  // Everything known about one agent id. Slots outlive episodes: an agent that reappears in a
  // later episode reuses its slot (and its buffers' capacity).
  struct AgentSlot {
    std::string agent_id;
    int index = -1;  // agent_index in the current episode, -1 if absent from it
    bool bound = false;
    std::string policy_id;
    // Reward totals per policy; the first num_rewards entries are this episode's. Once the
    // bound policy is credited by agent index, its total lives in bound_total instead (in the
    // slot, so the per-step path touches no other memory), and its entry is gone: each (agent,
    // policy) pair has one total, added to in call order.
    std::vector<std::pair<std::string, double>> rewards;
    std::size_t num_rewards = 0;
    bool credited = false;  // bound_total holds the bound policy's total
    double bound_total = 0.0;
    std::vector<float> last_observation;
    std::vector<float> last_action;
    float last_reward = 0.0f;
  };

  // The slot of an agent present in this episode; throws ValueError naming it otherwise.
  const AgentSlot& present_slot(const std::string& agent_id) const;
  // The slot of `agent_id`, giving it an agent_index if it has none.
  AgentSlot& slot_for(const std::string& agent_id);
  // add_reward(agent_index, r) before the agent's bound total is in its slot (and the errors).
  void add_first_reward(int agent_index, double r);
  // Adds r to the slot's (agent, policy) total.
  void add_reward_to(AgentSlot& slot, const std::string& policy_id, double r);

  // Every agent id this object has seen. A deque, so adding a slot never moves the others: the
  // pointers in order_ and the references policy_for and last_action return stay valid.
  std::deque<AgentSlot> slots_;
  std::map<std::string, std::size_t> where_;  // agent id -> position in slots_
  std::vector<AgentSlot*> order_;             // this episode's agents' slots, by agent_index
};

}  // namespace phantom
