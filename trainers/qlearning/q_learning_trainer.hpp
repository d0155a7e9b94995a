// QLearningTrainer: tabular Q-learning (Python Phantom's example QLearningTrainer, with its bugs
// fixed: docs/DIFFERENCES.md lists them; docs/ARCHITECTURE.md, "Q-learning", has the design),
// as an iteration plan over the trainer's workers.
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
// Every policy of kind "qlearning" is a QTablePolicy; agents sharing a trained policy all
// learn into its one table. One iteration is episodes_per_iteration episodes, in rounds:
//  1. sample: the worker (one sub-env, complete_episodes, rollout_fragment_length 1) plays
//     exactly one whole episode; with TrainOptions::num_workers = N rollout workers, each of
//     them plays one (the last round only as many as the iteration still needs), with the
//     tables as learnt up to the previous round, and the episodes are learnt in worker order. Who
//     acts is the env's rule (StepResult::acts); an agent's transition closes when it next acts or
//     leaves the episode, with every reward reported in between summed, so an FSM agent that acts
//     every other step learns from its own turns;
//  2. learn: each trained table's learn_on_batch on its rows (QTablePolicy's update: no
//     bootstrap after a termination, a bootstrap from new_obs otherwise, truncations included).
// So learning still happens episode by episode, but an episode acts with the table as it was
// when the episode began (Python updated after every step).
//
// Exploration. Trained tables explore only while the trainer samples; at any other time (the
// returned policies, rollouts, evaluation) they act greedily, and the tables of kind qlearning
// that are not trained always do.
// With exploration = "EpsilonGreedy" (the default) epsilon follows the iterations: the tables'
// EpsilonGreedy reads an IterationSchedule (iteration_schedule.hpp) that the trainer moves to
// the current iteration before sampling, so every action of iteration k explores with
// epsilon_at(k) (the tables of every rollout worker read the same schedule object, which is only
// read while they sample; workers in another process read that process's trainer's, moved by
// load_sampling_state). With "SoftQ" the tables sample softmax(Q / softq_temperature) instead
// and the epsilon statistic is NaN.
//
// Checkpoints hold every worker: every table (trained or not) with its exploration state, the
// worker's generator and its env mid-episode, so a resumed run continues bit for bit.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "trainers/qlearning/iteration_schedule.hpp"
#include "trainers/qlearning/q_table_policy.hpp"
#include "trainers/sampling/rollout_worker.hpp"
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
  /// How trained tables explore: "EpsilonGreedy" (with the epsilon above) or "SoftQ" (sampling
  /// softmax(Q / softq_temperature); the epsilon options are then unused).
  std::string exploration = "EpsilonGreedy";
  /// SoftQ's temperature, finite and > 0: high is close to uniform, low close to greedy.
  double softq_temperature = 1.0;
};

class QLearningTrainer : public Trainer {
 public:
  /// Throws ConfigError naming the first option out of range.
  explicit QLearningTrainer(QLearningOptions options = {});
  ~QLearningTrainer() override;

  const QLearningOptions& options() const { return options_; }
  /// The exploration probability of iteration `iteration` (0-based).
  double epsilon_at(int64_t iteration) const;

  /// The iteration the epsilon schedule is at ("qlearning.epsilon_iteration"): rollout workers
  /// in another process read their own trainer's schedule, which load_sampling_state moves.
  void save_sampling_state(nn::StateDict& out) const override;
  void load_sampling_state(const nn::StateDict& in) override;

 protected:
  void setup(Setup& setup) override;
  void training_step(int iteration, IterationStats& stats) override;
  /// "epsilon", "q_updates" (transitions learnt from, over all trained tables), "td_error_mean"
  /// (mean |target - Q| before each of those updates).
  std::vector<std::string> stat_names() const override;
  /// Every QLearningOptions setting; the exploration kind is needed to load a checkpoint (its
  /// state is saved with each table), the rest to resume.
  RecordedOptions recorded_options() const override;
  /// QLearningOptions::gamma.
  double discount() const override { return options_.gamma; }
  /// obs, actions, rewards, new_obs and terminateds: what the table update reads.
  std::vector<std::string> learned_columns() const override;
  void save_state(nn::StateDict& out) const override;
  void load_state(const nn::StateDict& in) override;

 private:
  QLearningOptions options_;
  std::shared_ptr<IterationSchedule> epsilon_;  // read by every table's EpsilonGreedy
  std::vector<std::string> trained_;            // trained policy ids, in id order
  std::map<std::string, LearnerStats> learner_stats_;
};

}  // namespace phantom
