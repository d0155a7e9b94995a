// PhantomEnv: steps a network of agents through an episode.
//
// One step (Python Phantom's order, spec §1.12):
//  1. the clock advances; every agent that is not done gets a context;
//  2. agents act in network order: a strategic agent with an action decodes it, every other agent
//     generates messages;
//  3. message resolution: pre hooks, the resolver's rounds, post hooks;
//  4. each strategic agent that is not done is observed; if it observes something, its infos and
//     reward are collected; then its termination and truncation flags;
//  5. the episode is over when every strategic agent terminated, every one was truncated, or the
//     step limit is reached. Stepping a finished episode is an error (Python keeps going).
//
// Actions and results live in reusable buffers indexed by strategic-agent position (the order
// of strategic_agent_ids()), so a step allocates nothing in steady state.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/network.hpp"
#include "phantom/strategic_agent.hpp"

namespace phantom {

class PhantomEnv;
class TelemetryLogger;

/// The actions of one step: one optional flat buffer per strategic agent.
class Actions {
 public:
  /// Buffer for agent at strategic position i; marks it as acting this step.
  float* set(int i);
  /// Same by agent id (throws EnvError if the id is not a strategic agent of the env).
  float* set(const std::string& id);
  void set(const std::string& id, const std::vector<float>& action);
  bool has(int i) const { return present_[static_cast<std::size_t>(i)] != 0; }
  const float* get(int i) const { return data_.data() + offsets_[static_cast<std::size_t>(i)]; }
  /// No agent acts (keeps memory).
  void clear();

 private:
  friend class PhantomEnv;
  const PhantomEnv* env_ = nullptr;
  std::vector<float> data_;
  std::vector<std::size_t> offsets_;
  std::vector<char> present_;
};

/// What reset() / step() report, per strategic agent (by position) plus episode flags.
class StepResult {
 public:
  int size() const { return static_cast<int>(observed_.size()); }
  /// Whether agent i was observed (an observation, infos and, after a step, a reward).
  bool observed(int i) const { return observed_[static_cast<std::size_t>(i)] != 0; }
  const float* observation(int i) const {
    return obs_.data() + offsets_[static_cast<std::size_t>(i)];
  }
  std::vector<float> observation_vector(int i) const;
  /// Whether a reward is reported for agent i (PhantomEnv: whenever it is observed after a step;
  /// FSM envs: when it has been rewarded since its last observation).
  bool has_reward(int i) const { return rewarded_[static_cast<std::size_t>(i)] != 0; }
  double reward(int i) const { return rewards_[static_cast<std::size_t>(i)]; }
  /// Whether agent i was live this step (its flags below are meaningful).
  bool reported(int i) const { return reported_[static_cast<std::size_t>(i)] != 0; }
  bool terminated(int i) const { return terminated_[static_cast<std::size_t>(i)] != 0; }
  bool truncated(int i) const { return truncated_[static_cast<std::size_t>(i)] != 0; }
  const Infos& infos(int i) const { return infos_[static_cast<std::size_t>(i)]; }
  /// The episode is over for everyone (Python's "__all__" flags).
  bool all_terminated = false;
  bool all_truncated = false;
  bool done() const { return all_terminated || all_truncated; }

 private:
  friend class PhantomEnv;
  friend class FiniteStateMachineEnv;
  void clear();
  std::vector<float> obs_;
  std::vector<std::size_t> offsets_;
  std::vector<char> observed_, rewarded_, reported_, terminated_, truncated_;
  std::vector<double> rewards_;
  std::vector<Infos> infos_;
};

class PhantomEnv {
 public:
  /// num_steps: the episode's length limit (none if empty).
  PhantomEnv(std::unique_ptr<Network> network, std::optional<int64_t> num_steps);
  virtual ~PhantomEnv() = default;

  Network& network() const { return *network_; }
  Agent& operator[](const std::string& id) const { return (*network_)[id]; }
  std::optional<int64_t> num_steps() const { return num_steps_; }
  int64_t current_step() const { return current_step_; }
  int n_agents() const { return network_->size(); }
  const std::vector<std::string>& agent_ids() const { return network_->agent_ids(); }
  const std::vector<std::string>& strategic_agent_ids() const { return strategic_ids_; }
  const std::vector<std::string>& non_strategic_agent_ids() const { return non_strategic_ids_; }
  int num_strategic() const { return static_cast<int>(strategic_.size()); }
  StrategicAgent& strategic_agent(int i) const { return *strategic_[static_cast<std::size_t>(i)]; }
  /// Strategic position of an agent id; throws EnvError if it is not a strategic agent.
  int strategic_position(const std::string& id) const;

  /// An action buffer sized for this env's strategic agents.
  Actions make_actions() const;

  /// Starts an episode. With a seed, the env's generator restarts from it; without, it continues.
  /// Returns the first observations (no rewards).
  virtual const StepResult& reset(std::optional<uint64_t> seed = std::nullopt);
  /// Advances one step (see the top of this file). Throws EnvError after the episode ended.
  virtual const StepResult& step(const Actions& actions);

  /// What the last reset() / step() reported.
  const StepResult& step_result() const { return result_; }

  bool is_terminated() const;
  bool is_truncated() const;
  bool done() const { return result_.done(); }

  /// The env's generator (resolver shuffles, agent resets...).
  nn::Rng& rng() { return rng_; }
  /// What agents see of the env this step.
  virtual EnvView view() const;
  /// The current FSM stage id, or nullptr for envs without stages (metrics filter on it).
  virtual const std::string* current_stage() const { return nullptr; }

  /// Logs episodes to a terminal and/or a file (phantom/telemetry.hpp); null turns it off.
  void set_telemetry(std::shared_ptr<TelemetryLogger> logger);
  const std::shared_ptr<TelemetryLogger>& telemetry() const { return telemetry_; }

 protected:
  /// Gives a context to every agent that is not done (only strategic ones if asked).
  void make_contexts(bool strategic_only);
  void resolve_network();
  /// Decodes actions / generates messages for the live agents in `acting` (network indices;
  /// all live agents when null), in network order.
  void handle_acting_agents(const Actions& actions, const std::vector<char>* acting);
  /// Everything reset() does before observing: generator, clock, network and agents, done
  /// flags; contexts for the strategic agents.
  void start_episode(std::optional<uint64_t> seed);
  /// Throws EnvError unless the episode is running; advances the clock; rebuilds contexts.
  void begin_step(const Actions& actions);
  /// Records termination/truncation of a live strategic agent; returns whether it is now done.
  bool update_done_flags(int position, Context& ctx);
  virtual void pre_message_resolution();
  virtual void post_message_resolution();

  std::unique_ptr<Network> network_;
  std::optional<int64_t> num_steps_;
  int64_t current_step_ = 0;
  nn::Rng rng_;
  ContextSet contexts_;
  StepResult result_;
  std::vector<StrategicAgent*> strategic_;
  std::vector<AgentIndex> strategic_index_;  // network index of each strategic agent
  std::vector<int> position_of_;             // strategic position per network index (-1 if none)
  std::vector<char> agent_done_;             // per network index
  int terminated_count_ = 0, truncated_count_ = 0;
  bool started_ = false;
  std::vector<std::string> strategic_ids_, non_strategic_ids_;
  std::shared_ptr<TelemetryLogger> telemetry_;  // null: off (the hot path tests only this)
};

}  // namespace phantom
