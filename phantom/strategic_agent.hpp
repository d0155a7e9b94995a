// StrategicAgent: an agent that observes, acts and is rewarded — the agents policies control.
//
// Observations and actions are flat float buffers laid out by the agent's spaces (see
// docs/SPACES.md). Override the hooks below; each is called with the agent's context for the step.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "phantom/agent.hpp"
#include "phantom/space.hpp"

namespace phantom {

/// Extra per-step information an agent reports (name -> number). Reused from step to step.
class Infos {
 public:
  void set(std::string key, double value) {
    for (auto& kv : items_) {
      if (kv.first == key) {
        kv.second = value;
        return;
      }
    }
    items_.emplace_back(std::move(key), value);
  }
  const std::vector<std::pair<std::string, double>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }

 private:
  std::vector<std::pair<std::string, double>> items_;
};

class StrategicAgent : public Agent {
 public:
  StrategicAgent(std::string id, SpacePtr observation_space, SpacePtr action_space);

  const SpacePtr& observation_space() const { return observation_space_; }
  const SpacePtr& action_space() const { return action_space_; }

  /// Writes the observation (observation_space()->flat_size() floats) into `out` and returns
  /// true, or returns false when the agent observes nothing this step (then it gets no reward
  /// and no infos this step either).
  virtual bool encode_observation(Context& ctx, float* out) = 0;
  /// Turns an action (action_space()->flat_size() floats) into messages sent through ctx.
  virtual void decode_action(Context& ctx, const float* action) = 0;
  virtual double compute_reward(Context& ctx) = 0;
  virtual bool is_terminated(Context& ctx);
  virtual bool is_truncated(Context& ctx);
  virtual void collect_infos(Context& ctx, Infos& infos);

 private:
  SpacePtr observation_space_;
  SpacePtr action_space_;
};

}  // namespace phantom
