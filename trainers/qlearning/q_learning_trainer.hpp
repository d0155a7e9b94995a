// QLearningTrainer: tabular Q-learning with epsilon-greedy exploration (Python Phantom's example
// QLearningTrainer, with its bugs fixed; see docs/TRAINING_PLAN.md "Q-learning").
//
//   phantom::QLearningOptions q;
//   q.alpha = 0.1;  q.gamma = 0.9;  q.epsilon = 1.0;  q.epsilon_final = 0.05;
//   q.epsilon_decay_iterations = 50;
//   phantom::QLearningTrainer trainer(q);
//   phantom::TrainOptions run;
//   run.iterations = 100;
//   run.policies.add("shop", phantom::agents_of_type<supply_chain::ShopAgent>());
//   run.policies_to_train = {"shop"};
//   auto results = trainer.train([](const phantom::EnvConfig&) {
//     return supply_chain::make_discrete_env(); }, {}, run);
//
// Each iteration plays episodes_per_iteration whole episodes on one env. Every policy of kind
// "qlearning" is a QTablePolicy; agents sharing a trained policy all update its one table. An
// agent acts whenever it was observed (by the reset or the last step) and is not done; its
// transition (state, action) completes when it is next observed, with every reward reported in
// between summed, and then
//   Q[s, a] <- (1 - alpha) Q[s, a] + alpha (R + gamma max_a' Q[s', a'])
// where the bootstrap term is dropped when the agent (or the whole episode) terminated. On a
// truncation the agent's final observation is bootstrapped from. An agent that leaves the
// episode by truncation without a final observation makes no update: there is no s' to
// bootstrap from, and treating the cut as terminal would be wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "trainers/env_runner.hpp"
#include "trainers/qlearning/q_table_policy.hpp"
#include "trainers/trainer.hpp"

namespace phantom {

struct QLearningOptions {
  /// Learning rate, in (0, 1].
  double alpha = 0.1;
  /// Discount, in [0, 1].
  double gamma = 0.6;
  /// Exploration probability at the first iteration, in [0, 1].
  double epsilon = 0.1;
  /// With epsilon_decay_iterations = N > 0, epsilon falls linearly from `epsilon` at iteration 0
  /// to `epsilon_final` at iteration N and stays there. With N = 0 it stays at `epsilon`.
  double epsilon_final = 0.0;
  int epsilon_decay_iterations = 0;
  /// Whole episodes per iteration (Python: 10).
  int episodes_per_iteration = 10;
};

class QLearningTrainer : public Trainer {
 public:
  /// Throws ConfigError naming the first option out of range.
  explicit QLearningTrainer(QLearningOptions options = {});

  const QLearningOptions& options() const { return options_; }
  /// The exploration probability of iteration `iteration` (0-based).
  double epsilon_at(int64_t iteration) const;

 protected:
  void setup(Setup& setup) override;
  void training_step(int iteration, IterationStats& stats) override;
  /// "epsilon", "q_updates" (transitions learnt from), "td_error_mean" (mean |target - Q|).
  std::vector<std::string> stat_names() const override;
  void save_state(nn::StateDict& out) const override;
  void load_state(const nn::StateDict& in) override;

 private:
  // One strategic agent of the env, by position.
  struct Seat {
    QTablePolicy* table = nullptr;  // the trained table it learns into, or null
    Policy* policy = nullptr;       // the policy it acts with when it does not learn
    int64_t state = -1;             // the pending transition's state (-1: none)
    int64_t action = 0;
    double reward = 0.0;  // rewards reported since the pending action
  };

  void run_episode(double epsilon, IterationStats& stats);
  void choose_actions(const StepResult& r, double epsilon);
  void learn(const StepResult& r);
  void update(Seat& seat, double target);

  QLearningOptions options_;
  std::optional<EnvRunner> runner_;
  std::vector<std::shared_ptr<QTablePolicy>> tables_;  // every policy of kind "qlearning"
  std::vector<std::string> table_ids_;
  std::vector<Seat> seats_;
  nn::Rng explore_rng_;          // epsilon tests and random actions
  nn::Rng policy_rng_;           // handed to the policies that act without learning
  int64_t iterations_done_ = 0;  // the epsilon schedule's position
  int64_t updates_ = 0;
  double td_error_sum_ = 0.0;
};

}  // namespace phantom
