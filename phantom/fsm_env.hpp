// FiniteStateMachineEnv: an env whose steps follow stages (turn-based games, auctions...).
//
// Each stage names the agents that act in it, the agents it rewards, the stages that may follow
// and an optional handler. A step:
//  1. the current stage's acting agents decode their actions or generate messages (others are
//     silent);
//  2. with a handler, the handler runs (it calls env.resolve_messages() if it wants messages
//     delivered) and returns the next stage, or nullopt to end the episode; without one, the env
//     resolves messages and moves to the only next stage;
//  3. a next stage outside the stage's next_stages is an FSMRuntimeError;
//  4. rewarded agents are rewarded; the observers are the next stage's acting agents (every
//     strategic agent when the stage has no rewarded_agents list, as in Python);
//  5. rewards accumulate per agent until the agent is next observed, and are reported with that
//     observation; the last step of an episode observes every live strategic agent.
// All inconsistencies between stages are FSMValidationErrors at construction.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "phantom/env.hpp"

namespace phantom {

class FiniteStateMachineEnv;

struct FSMStage {
  std::string id;
  std::vector<std::string> acting_agents;
  /// Unset: every strategic agent is rewarded and observed after this stage.
  std::optional<std::vector<std::string>> rewarded_agents;
  std::vector<std::string> next_stages;
  /// Returns the next stage id, or nullopt to end the episode. Empty: no handler.
  std::function<std::optional<std::string>(FiniteStateMachineEnv&)> handler;
};

/// The env view of an FSM env: the base view plus the current stage's id.
struct FSMEnvView : EnvView {
  std::string stage;
};

class FiniteStateMachineEnv : public PhantomEnv {
 public:
  FiniteStateMachineEnv(std::unique_ptr<Network> network, std::optional<int64_t> num_steps,
                        std::string initial_stage, std::vector<FSMStage> stages);

  const std::string& initial_stage() const { return stages_[initial_].def.id; }
  /// nullptr once the episode has ended by a handler returning nullopt.
  const std::string* current_stage() const override;
  /// The stage before the current one, nullptr at the start of an episode.
  const std::string* previous_stage() const;
  /// True when every stage has exactly one next stage.
  bool is_fsm_deterministic() const;

  const StepResult& reset(std::optional<uint64_t> seed = std::nullopt) override;
  const StepResult& step(const Actions& actions) override;

  /// Delivers the messages sent so far this step (for stage handlers).
  void resolve_messages() { resolve_network(); }

 protected:
  /// The view is an FSMEnvView. A subclass with a richer view derives it from FSMEnvView and
  /// fills it with fill_fsm_view().
  const EnvView& update_view() override;
  void fill_fsm_view(FSMEnvView& v) const;

 private:
  struct Stage {
    FSMStage def;
    std::vector<char> acting;    // per network index
    std::vector<char> rewarded;  // per strategic position
    std::vector<int> next;       // stage indices
  };
  int stage_index(const std::string& id) const;
  void observe(int position, Context& ctx);

  std::vector<Stage> stages_;
  std::unordered_map<std::string, int> index_;
  int initial_ = 0, current_ = 0, previous_ = -1;
  std::vector<double> pending_reward_;
  std::vector<char> has_pending_, observer_;
  FSMEnvView fsm_view_;
};

}  // namespace phantom
