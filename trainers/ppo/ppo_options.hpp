// PpoOptions: every setting of PPO — how the trainer samples (envs, steps, threads) and how
// each PPO policy learns (epochs, minibatches, learning rate, GAE, loss, clipping). The defaults
// are CleanRL's CartPole settings.
#pragma once

#include "trainers/ppo/actor_critic.hpp"
#include "trainers/ppo/ppo_loss.hpp"

namespace phantom {

struct PpoOptions {
  /// Sub-envs sampled together; one iteration samples num_envs x steps_per_env env steps.
  int num_envs = 4;
  /// Env steps per sub-env per iteration (the rollout fragment length).
  int steps_per_env = 128;
  /// Passes over the iteration's batch, each in `minibatches` shuffled minibatches.
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
  /// Observations pass through a MeanStdFilter (running mean and std per element, Discrete
  /// elements untouched) before the network sees them; its statistics are checkpointed and the
  /// trained policy applies them (without updating) when it acts.
  bool normalize_observations = false;
  ActorCriticConfig network;
  /// Threads stepping the envs (1: the calling thread only).
  int threads = 1;
  /// Learn from the fragment sampled one iteration earlier, with the weights of one update
  /// before (RLlib's sample_async as a deterministic pipeline; RolloutWorkerOptions).
  bool sample_async = false;
};

}  // namespace phantom
