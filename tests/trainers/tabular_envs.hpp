// Small envs with known optimal Q-values, for the Q-learning tests.
//
//  - A chain: positions 0..length-1, start uniform in [1, length-2]; actions left, stay, right.
//    Entering 0 pays left_reward, entering length-1 pays right_reward; both ends terminate (unless
//    `ends_terminate` is false). Observations are Discrete(length, start = 10) and actions
//    Discrete(3, start = -1) (the move itself), so the nonzero starts are exercised.
//  - A ticker: one state, two actions; action a pays a, every step; it can end itself by
//    termination or truncation after a given step, with or without a final observation.
//  - An alternating FSM: agents A and B take turns; each is paid its own action (0 or 1) and
//    observed only before its own turn.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "phantom/env.hpp"
#include "phantom/fsm_env.hpp"

namespace tabular {

constexpr int64_t kChainObsStart = 10;

struct ChainOptions {
  int length = 5;
  double left_reward = 0.5;
  double right_reward = 1.0;
  bool ends_terminate = true;
  int64_t num_steps = 6;
  int walkers = 1;  // agents W1, W2, ... each on its own chain
};

class ChainWalker : public phantom::StrategicAgent {
 public:
  ChainWalker(std::string id, ChainOptions o)
      : StrategicAgent(std::move(id), phantom::discrete(o.length, kChainObsStart),
                       phantom::discrete(3, -1)),
        o_(o) {}

  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    position = static_cast<int>(rng.uniform_int(1, o_.length - 1));
    reward_ = 0.0;
  }
  void decode_action(phantom::Context&, const float* action) override {
    position = std::clamp(position + static_cast<int>(action[0]), 0, o_.length - 1);
    reward_ = position == 0 ? o_.left_reward : position == o_.length - 1 ? o_.right_reward : 0.0;
  }
  bool encode_observation(phantom::Context&, float* out) override {
    out[0] = static_cast<float>(kChainObsStart + position);
    return true;
  }
  double compute_reward(phantom::Context&) override { return std::exchange(reward_, 0.0); }
  bool is_terminated(phantom::Context&) override {
    return o_.ends_terminate && (position == 0 || position == o_.length - 1);
  }

  int position = 0;

 private:
  ChainOptions o_;
  double reward_ = 0.0;
};

inline std::unique_ptr<phantom::PhantomEnv> make_chain_env(ChainOptions o = {}) {
  auto net = std::make_unique<phantom::Network>();
  for (int w = 1; w <= o.walkers; ++w) net->emplace<ChainWalker>("W" + std::to_string(w), o);
  return std::make_unique<phantom::PhantomEnv>(std::move(net), o.num_steps);
}

/// Optimal Q-values of the chain by value iteration (Q[s][a], a = 0 left, 1 stay, 2 right;
/// the end rows stay 0 when the ends terminate: no action is ever taken there).
inline std::vector<std::vector<double>> chain_optimal_q(const ChainOptions& o, double gamma) {
  std::vector<std::vector<double>> q(static_cast<std::size_t>(o.length), std::vector<double>(3));
  for (int sweep = 0; sweep < 2000; ++sweep) {
    auto v = [&](int s) { return *std::max_element(q[s].begin(), q[s].end()); };
    auto next = q;
    for (int s = 0; s < o.length; ++s) {
      if (o.ends_terminate && (s == 0 || s == o.length - 1)) continue;
      for (int a = 0; a < 3; ++a) {
        int t = std::clamp(s + a - 1, 0, o.length - 1);
        double r = t == 0 ? o.left_reward : t == o.length - 1 ? o.right_reward : 0.0;
        bool end = o.ends_terminate && (t == 0 || t == o.length - 1);
        next[s][a] = r + (end ? 0.0 : gamma * v(t));
      }
    }
    q = next;
  }
  return q;
}

struct TickerOptions {
  std::optional<int64_t> num_steps;  // the episode's limit
  int64_t end_at = 0;                // the step at which the agent ends itself (0: never)
  bool end_by_termination = true;    // else by truncation
  bool observe_at_end = true;
};

class Ticker : public phantom::StrategicAgent {
 public:
  Ticker(std::string id, TickerOptions o)
      : StrategicAgent(std::move(id), phantom::discrete(1), phantom::discrete(2)), o_(o) {}
  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    step_ = 0;
  }
  void decode_action(phantom::Context&, const float* action) override {
    ++step_;
    paid_ = action[0];
  }
  bool encode_observation(phantom::Context&, float* out) override {
    out[0] = 0.0f;
    return o_.observe_at_end || !ending();
  }
  double compute_reward(phantom::Context&) override { return paid_; }
  bool is_terminated(phantom::Context&) override { return o_.end_by_termination && ending(); }
  bool is_truncated(phantom::Context&) override { return !o_.end_by_termination && ending(); }

 private:
  bool ending() const { return o_.end_at > 0 && step_ >= o_.end_at; }
  TickerOptions o_;
  int64_t step_ = 0;
  double paid_ = 0.0;
};

inline std::unique_ptr<phantom::PhantomEnv> make_ticker_env(TickerOptions o) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Ticker>("T", o);
  return std::make_unique<phantom::PhantomEnv>(std::move(net), o.num_steps);
}

/// A Ticker that is observed only when the FSM says so (it never ends itself).
inline std::unique_ptr<phantom::PhantomEnv> make_alternating_env(int64_t num_steps) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Ticker>("A", TickerOptions{});
  net->emplace<Ticker>("B", TickerOptions{});
  std::vector<phantom::FSMStage> stages(2);
  stages[0].id = "a";
  stages[0].acting_agents = {"A"};
  stages[0].rewarded_agents = std::vector<std::string>{"A"};
  stages[0].next_stages = {"b"};
  stages[1].id = "b";
  stages[1].acting_agents = {"B"};
  stages[1].rewarded_agents = std::vector<std::string>{"B"};
  stages[1].next_stages = {"a"};
  return std::make_unique<phantom::FiniteStateMachineEnv>(std::move(net), num_steps, "a",
                                                          std::move(stages));
}

}  // namespace tabular
