// PpoTrainer: proximal policy optimisation with GAE on N envs, any number of trained policies,
// each shared by all the agents mapped to it (parameter sharing).
//
// One iteration:
//  1. collect: for steps_per_env steps, the agents the env says act (StepResult::acts) act — trained
//     policies in one batch per policy across all envs, fixed policies one by one — then every
//     env steps (in parallel when threads > 1; envs are independent, so results do not depend
//     on the thread count). Finished episodes restart at once. Each transition is closed when
//     its agent next acts (next value = V of that observation), terminates (0), is truncated
//     (V of the final observation), or the rollout ends (V of the current observation);
//  2. advantages: GAE per stream (gae.hpp);
//  3. update: `epochs` passes over the shuffled transitions in `minibatches` minibatches:
//     the PPO loss (ppo_loss.hpp), backward, global gradient clipping, Adam.
// The defaults are CleanRL's CartPole settings.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/optim.hpp"
#include "nn/tape.hpp"
#include "nn/thread_pool.hpp"
#include "trainers/env_runner.hpp"
#include "trainers/ppo/actor_critic.hpp"
#include "trainers/ppo/obs_normalizer.hpp"
#include "trainers/ppo/policy_buffer.hpp"
#include "trainers/ppo/ppo_loss.hpp"
#include "trainers/ppo/ppo_policy.hpp"
#include "trainers/trainer.hpp"

namespace phantom {

struct PpoOptions {
  int num_envs = 4;
  int steps_per_env = 128;
  int epochs = 4;
  int minibatches = 4;
  float learning_rate = 2.5e-4f;
  bool anneal_learning_rate = true;  // linearly to 0 over the run's iterations
  float adam_eps = 1e-5f;
  float gamma = 0.99f;
  /// Rewards are multiplied by this before the advantages are computed (large returns make the
  /// value loss dominate; CleanRL's CartPole uses 1).
  float reward_scale = 1.0f;
  float gae_lambda = 0.95f;
  PpoLossConfig loss;
  float max_grad_norm = 0.5f;
  bool normalize_advantages = true;  // per minibatch
  bool normalize_observations = false;
  ActorCriticConfig network;
  /// Threads stepping the envs (1: the calling thread only).
  int threads = 1;
};

class PpoTrainer : public Trainer {
 public:
  explicit PpoTrainer(PpoOptions options = {});
  ~PpoTrainer() override;

  const PpoOptions& options() const { return options_; }

 protected:
  void setup(Setup& setup) override;
  void training_step(int iteration, IterationStats& stats) override;
  std::vector<std::string> stat_names() const override;
  void save_state(nn::StateDict& out) const override;
  void load_state(const nn::StateDict& in) override;

 private:
  struct Learner;  // one trained policy: network, optimiser, buffer, minibatch tensors
  /// The learner of the agent at a strategic position (null: a fixed policy drives it).
  Learner* learner_for(int position) const;
  void collect();
  void act();
  void close_transitions();
  void update(Learner& learner, float learning_rate, IterationStats& stats);

  PpoOptions options_;
  const ResolvedPolicies* resolved_ = nullptr;
  std::vector<std::shared_ptr<Policy>> policies_;  // by resolved policy index
  std::vector<int> learner_of_policy_;             // index into learners_, or -1 (fixed)
  std::vector<std::unique_ptr<Learner>> learners_;
  std::vector<std::unique_ptr<EnvRunner>> runners_;
  std::vector<IterationStats> env_stats_;
  std::vector<int64_t> pending_;  // per stream: the transition awaiting its next value, or -1
  int num_strategic_ = 0;
  int iterations_ = 0;
  nn::Rng rng_;        // acting and minibatch shuffles
  nn::Rng fixed_rng_;  // stochastic fixed policies
  std::unique_ptr<nn::ThreadPool> pool_;
};

}  // namespace phantom
