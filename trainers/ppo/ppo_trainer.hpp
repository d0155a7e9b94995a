// PpoTrainer: proximal policy optimisation with GAE, any number of trained policies, each
// shared by all the agents mapped to it (parameter sharing), over the trainer's workers.
//
// One iteration is a short plan over the sampling layer:
//  1. sample: each sampling worker (the one worker, or each of TrainOptions::num_workers
//     rollout workers) steps num_envs sub-envs for steps_per_env steps each
//     (truncate_episodes); each agent's trajectory pieces are postprocessed by its PpoPolicy
//     (GAE: advantages and value targets, bootstrapped where a piece was cut or truncated);
//  2. learn: learn_on_batch of every trained policy (epochs x minibatches of the PPO loss);
//  3. sync: weights and global vars to the rollout workers, filters merged (Trainer::
//     sync_workers);
//  4. report: steps, returns and env metrics of the finished episodes, and each policy's
//     statistics as "ppo/<policy id>/<name>".
// Checkpoints hold every worker (filters, policies with their optimisers and generators, every
// sub-env mid-episode), so a resumed run continues bit for bit. PpoOptions (ppo_options.hpp)
// has every setting; the defaults are CleanRL's CartPole settings.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "trainers/ppo/ppo_options.hpp"
#include "trainers/ppo/ppo_policy.hpp"
#include "trainers/sampling/rollout_worker.hpp"
#include "trainers/trainer.hpp"

namespace phantom {

class PpoTrainer : public Trainer {
 public:
  /// Throws ConfigError naming the first option out of range.
  explicit PpoTrainer(PpoOptions options = {});
  ~PpoTrainer() override;

  const PpoOptions& options() const { return options_; }

 protected:
  void setup(Setup& setup) override;
  void training_step(int iteration, IterationStats& stats) override;
  std::vector<std::string> stat_names() const override;
  /// Every PpoOptions setting: network sizes, activation, observation normalisation, Box action
  /// rescaling and num_envs are needed to load a checkpoint; the learning settings to resume.
  RecordedOptions recorded_options() const override;
  /// PpoOptions::gamma.
  double discount() const override { return options_.gamma; }
  /// Offline batches are learned from as they were postprocessed when written: obs, actions,
  /// action_logp, vf_preds, advantages and value_targets (GAE of the writing policy's values).
  std::vector<std::string> learned_columns() const override;
  void save_state(nn::StateDict& out) const override;
  void load_state(const nn::StateDict& in) override;

 private:
  /// Gives each trained policy a copy of the worker's current filter, for acting outside it.
  void refresh_policy_filters();

  PpoOptions options_;
  int iterations_ = 0;
  std::vector<std::string> trained_;  // trained policy ids, in id order
  std::map<std::string, LearnerStats> learner_stats_;
  std::map<std::string, std::vector<std::string>> stat_columns_;  // id -> "ppo/<id>/<name>"
};

}  // namespace phantom
