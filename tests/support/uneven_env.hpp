// An env whose agents behave differently, for testing whatever drives envs: agents with
// different lifespans (one leaves by truncation), optionally taking turns in an FSM where every
// agent is observed after every stage but only the stage's agents act.
//
// Each agent counts the actions the env actually decoded for it in a log shared with the test,
// so a test can check that a trainer or runner stored (or recorded) exactly those actions.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "phantom/env.hpp"
#include "phantom/fsm_env.hpp"

namespace uneven {

/// Actions decoded per agent id, over every env built with the same log.
using DecodeLog = std::map<std::string, int64_t>;

struct Life {
  std::string id;
  int64_t steps;               // the agent leaves the episode after this many env steps
  bool by_truncation = false;  // else by termination
};

/// Observes Discrete(16): the env step (capped); acts Discrete(2); is paid its last action.
class Mortal : public phantom::StrategicAgent {
 public:
  Mortal(Life life, std::shared_ptr<DecodeLog> log)
      : StrategicAgent(life.id, phantom::discrete(16), phantom::discrete(2)),
        life_(std::move(life)),
        log_(std::move(log)) {}

  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    paid_ = 0.0;
  }
  void decode_action(phantom::Context&, const float* action) override {
    ++(*log_)[id()];
    paid_ = action[0];
  }
  bool encode_observation(phantom::Context& ctx, float* out) override {
    out[0] = static_cast<float>(std::min<int64_t>(ctx.env_view().current_step, 15));
    return true;
  }
  double compute_reward(phantom::Context&) override { return std::exchange(paid_, 0.0); }
  bool is_terminated(phantom::Context& ctx) override {
    return !life_.by_truncation && ctx.env_view().current_step >= life_.steps;
  }
  bool is_truncated(phantom::Context& ctx) override {
    return life_.by_truncation && ctx.env_view().current_step >= life_.steps;
  }

 private:
  Life life_;
  std::shared_ptr<DecodeLog> log_;
  double paid_ = 0.0;
};

/// A plain env of mortals (episode limit `num_steps`).
inline std::unique_ptr<phantom::PhantomEnv> make_env(const std::vector<Life>& lives,
                                                     std::shared_ptr<DecodeLog> log,
                                                     int64_t num_steps = 20) {
  auto net = std::make_unique<phantom::Network>();
  for (const Life& l : lives) net->emplace<Mortal>(l, log);
  return std::make_unique<phantom::PhantomEnv>(std::move(net), num_steps);
}

/// Mortals "A" and "B" taking turns (stage "a": A acts, stage "b": B acts). No stage restricts
/// who is rewarded, so both are observed after every stage, though only one acts next.
inline std::unique_ptr<phantom::PhantomEnv> make_turns_env(int64_t a_steps, int64_t b_steps,
                                                           std::shared_ptr<DecodeLog> log,
                                                           int64_t num_steps = 20) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Mortal>(Life{"A", a_steps}, log);
  net->emplace<Mortal>(Life{"B", b_steps}, log);
  std::vector<phantom::FSMStage> stages(2);
  stages[0].id = "a";
  stages[0].acting_agents = {"A"};
  stages[0].next_stages = {"b"};
  stages[1].id = "b";
  stages[1].acting_agents = {"B"};
  stages[1].next_stages = {"a"};
  return std::make_unique<phantom::FiniteStateMachineEnv>(std::move(net), num_steps, "a",
                                                          std::move(stages));
}

inline int64_t total(const DecodeLog& log) {
  int64_t n = 0;
  for (const auto& [id, count] : log) n += count;
  return n;
}

}  // namespace uneven
