// PhantomEnv: steps a network of agents through an episode.
//
// One step (Python Phantom's order):
//  1. the clock advances; every agent that is not done gets a context;
//  2. agents act in network order: a strategic agent with an action decodes it, every other agent
//     generates messages;
//  3. message resolution: pre hooks, the resolver's rounds, post hooks (of the agents that have
//     them: Agent::resolution_hooks);
//  4. each strategic agent that is not done is observed; if it observes something, its infos and
//     reward are collected; then its termination and truncation flags;
//  5. the episode is over when every strategic agent terminated, every one was truncated, or the
//     step limit is reached. Stepping a finished episode is an error (Python keeps going).
// Before any of this, every action given to an agent that is still in the episode must lie in
// the agent's action space (Space::contains: Discrete and MultiDiscrete values exact integers in
// range, MultiBinary values 0 or 1, Box values within their bounds, never a NaN); otherwise
// step() throws EnvError naming the agent, the action and the space, and the env is left as it
// was. So a decoder never sees an index past its table. The env does not clip Box actions; a
// rollout worker does when its clip_actions (or normalize_actions) is on.
//
// Actions and results live in reusable buffers indexed by strategic-agent position (the order
// of strategic_agent_ids()), so a step allocates nothing in steady state.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/network.hpp"
#include "phantom/strategic_agent.hpp"
#include "phantom/supertype.hpp"

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
  /// Whether agent i acts at the next step: it was observed by the last reset()/step(), it is
  /// not done, the episode is not over, and (in an FSM env) it acts in the stage that comes
  /// next. This is the one rule for who acts: whatever drives an env gives actions to exactly
  /// these agents, so every action it records is one the env decodes, and an agent that left
  /// the episode (observed one last time, with its final reward) is never asked again.
  bool acts(int i) const { return acts_[static_cast<std::size_t>(i)] != 0; }
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
  std::vector<char> observed_, rewarded_, reported_, terminated_, truncated_, acts_;
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
  /// Advances one step (see the top of this file). Throws EnvError after the episode ended, or
  /// for an action outside its agent's action space (naming the agent, the action and the space).
  virtual const StepResult& step(const Actions& actions);

  /// What the last reset() / step() reported.
  const StepResult& step_result() const { return result_; }

  /// Every strategic agent terminated (or an env such as an FSM handler ended the episode).
  bool is_terminated() const;
  /// The step limit was reached, every strategic agent was truncated, or every agent is done
  /// without all having terminated (some terminated, the rest were truncated).
  bool is_truncated() const;
  bool done() const { return result_.done(); }

  // ---- Supertypes (phantom/env_supertypes.cpp) ----
  // The env *manages* its own supertype and the agent supertypes given to it here: at every
  // reset() it draws each of their samplers once (env supertype first, then agents in the order
  // they were given, each sampler once even if shared), then the supertypes read the values.
  // Python does a first draw at construction; here nothing is drawn before the first reset().

  /// Sets the env's supertype (Python's env_supertype); env_type() holds its values after reset.
  void set_env_supertype(std::shared_ptr<Supertype> supertype);
  /// Dict form: sets fields of the current env supertype by name (ConfigError if there is none
  /// or a name is unknown).
  void set_env_supertype(const std::vector<std::pair<std::string, FieldSource>>& values);
  Supertype* env_supertype() const { return env_supertype_.get(); }
  /// The env supertype once reset() has sampled it, else null (Python's env_type).
  const Supertype* env_type() const { return env_type_ready_ ? env_supertype_.get() : nullptr; }
  /// The same as an S; throws ConfigError before the first reset or if it is not an S.
  template <class S>
  const S& env_type() const;

  /// Gives agent `id` a supertype managed by this env (Python's agent_supertypes). Throws
  /// EnvError for an unknown id.
  void set_agent_supertype(const std::string& id, std::shared_ptr<Supertype> supertype);
  /// Dict form: sets fields of the agent's own supertype (the one its class created) by name and
  /// manages it. Throws EnvError for an unknown id, ConfigError if the agent has no supertype or
  /// a field name is unknown.
  void set_agent_supertype(const std::string& id,
                           const std::vector<std::pair<std::string, FieldSource>>& values);
  /// The samplers reset() draws, in drawing order.
  std::vector<Sampler*> managed_samplers() const;

  /// The env's generator (resolver shuffles, agent resets...).
  nn::Rng& rng() { return rng_; }
  /// What agents see of the env this step (refreshed by update_view() whenever contexts are
  /// built: at reset and at the start of each step).
  const EnvView& view() const { return *view_; }
  /// The current FSM stage id, or nullptr for envs without stages (metrics filter on it).
  virtual const std::string* current_stage() const { return nullptr; }

  /// Logs episodes to a terminal and/or a file (phantom/telemetry.hpp); null turns it off.
  void set_telemetry(std::shared_ptr<TelemetryLogger> logger);
  const std::shared_ptr<TelemetryLogger>& telemetry() const { return telemetry_; }

 protected:
  /// Refreshes the env view for this step and returns it. An env with a richer view keeps a
  /// member of its own view type (derived from EnvView), fills it — fill_env_view() sets the
  /// base fields — and returns it; it must outlive the step.
  virtual const EnvView& update_view();
  /// Sets current_step and proportion_time_elapsed.
  void fill_env_view(EnvView& v) const;
  /// Gives a context to every agent that is not done (only strategic ones if asked). Last
  /// step's contexts are kept when they would come out the same: same agents, no neighbour
  /// views to snapshot, the same env view object (updated in place).
  void make_contexts(bool strategic_only);
  /// Lists the contexts whose agents have a pre / post resolution hook (Agent::resolution_hooks),
  /// in the contexts' order.
  void find_hooked_agents();
  /// Drops the agents that have left the episode from those lists (their order is kept). Reads
  /// no agent object: when a few agents leave, the env does not re-read the hooks of thousands.
  void drop_done_hooked_agents();
  void resolve_network();
  /// Decodes actions / generates messages for the live agents in `acting` (network indices;
  /// all live agents when null), in network order.
  void handle_acting_agents(const Actions& actions, const std::vector<char>* acting);
  /// Everything reset() does before observing: generator, clock, network and agents, done
  /// flags; contexts for the strategic agents.
  void start_episode(std::optional<uint64_t> seed);
  /// Throws EnvError unless the episode is running and every action lies in its space (then
  /// nothing has changed); advances the clock; refreshes the env view and the contexts (see
  /// make_contexts).
  void begin_step(const Actions& actions);
  /// Records termination/truncation of a live strategic agent; returns whether it is now done.
  bool update_done_flags(int position, Context& ctx);
  /// Call the agents' pre / post resolution hooks (only of the agents that have them), in
  /// network order.
  virtual void pre_message_resolution();
  virtual void post_message_resolution();
  /// Draws the managed samplers and samples the env supertype (start of reset()).
  void sample_supertypes();
  /// Sets StepResult::acts for every strategic agent once the observations and done flags of a
  /// reset() or step() are known: observed, not done, episode not over, and, when
  /// `acting_next` is given (per network index), acting in the next stage.
  void mark_acting_agents(const std::vector<char>* acting_next);

  std::unique_ptr<Network> network_;
  std::optional<int64_t> num_steps_;
  int64_t current_step_ = 0;
  nn::Rng rng_;
  EnvView base_view_;
  const EnvView* view_ = &base_view_;
  ContextSet contexts_;
  StepResult result_;
  std::vector<StrategicAgent*> strategic_;
  // Each strategic agent's action space (fixed at its construction), so that checking a step's
  // actions reads this array instead of every agent object.
  std::vector<const Space*> action_spaces_;
  std::vector<AgentIndex> strategic_index_;  // network index of each strategic agent
  std::vector<int> position_of_;             // strategic position per network index (-1 if none)
  std::vector<char> agent_done_;             // per network index
  // Which agents the current contexts were built for (none: rebuild them at the next step;
  // live_minus_done: the live agents of the last contexts, less some that have since left).
  enum class ContextsFor { none, strategic, live, live_minus_done };
  ContextsFor contexts_for_ = ContextsFor::none;
  // The contexts of the agents whose pre / post resolution hooks are called, in the contexts'
  // order: agents that opted out of a hook are left out of its pass (find_hooked_agents).
  std::vector<Context*> pre_hooked_, post_hooked_;
  int terminated_count_ = 0, truncated_count_ = 0, done_count_ = 0;
  bool ended_by_env_ = false;  // set by envs that end episodes themselves (an FSM handler)
  bool started_ = false;
  std::vector<std::string> strategic_ids_, non_strategic_ids_;
  std::shared_ptr<Supertype> env_supertype_;
  bool env_type_ready_ = false;
  std::vector<AgentIndex> managed_agents_;  // agents whose supertype this env manages, in order
  std::vector<char> is_managed_;            // per network index: in managed_agents_
  std::vector<Sampler*> sampler_scratch_;   // reused by sample_supertypes()
  // Reused by collect_managed_samplers (a reset allocates nothing): one supertype's samplers, and
  // each collected sampler with its position.
  mutable std::vector<Sampler*> supertype_samplers_;
  mutable std::vector<std::pair<Sampler*, std::size_t>> sampler_positions_;
  std::shared_ptr<TelemetryLogger> telemetry_;  // null: off (the hot path tests only this)

 private:
  void collect_managed_samplers(std::vector<Sampler*>& out) const;
  /// EnvError unless every action given to a live strategic agent lies in its action space.
  void check_actions(const Actions& actions) const;
  [[noreturn]] void throw_action_outside_space(int position, const float* action) const;
  [[noreturn]] void throw_bad_env_type(const std::type_info& wanted) const;
};

template <class S>
const S& PhantomEnv::env_type() const {
  const S* typed = dynamic_cast<const S*>(env_type());
  if (!typed) throw_bad_env_type(typeid(S));
  return *typed;
}

}  // namespace phantom
