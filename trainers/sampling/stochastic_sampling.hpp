// Exploration by sampling: StochasticSampling, SoftQ and Random.
//
// StochasticSampling is what policy-gradient methods (PPO, A2C...) use: the policy's
// distribution already is the behaviour we want to learn about, so the action is simply drawn
// from it, and its log-probability goes into the batch for the importance ratio. Optionally the
// first `random_timesteps` steps act uniformly at random instead, to fill the first batches with
// varied experience before the network means anything.
//
// SoftQ turns Q-values into a Boltzmann policy: it samples softmax(Q / temperature). A high
// temperature is close to uniform, a low one close to greedy.
//
// Random ignores the distribution and draws each action from the action space (for baselines
// and warm-up phases).
//
// All three return the deterministic action (exploration.hpp) when explore is false.
#pragma once

#include <cstdint>

#include "nn/tensor.hpp"
#include "trainers/sampling/exploration.hpp"

namespace phantom {

/// Acts uniformly at random: explore writes action_space.sample(rng) for each row, in row
/// order; explore = false writes the deterministic action. logp is always 0. Needs an action
/// space (ConfigError otherwise).
class Random final : public Exploration {
 public:
  explicit Random(ExplorationContext context);

  const char* name() const override { return "Random"; }

 private:
  void explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore, nn::Rng& rng,
                    float* actions, float* logp) override;
};

/// Options of StochasticSampling.
struct StochasticSamplingOptions {
  /// Timesteps t < random_timesteps act like Random (logp 0); needs an action space when > 0.
  int64_t random_timesteps = 0;
};

/// Samples the distribution: explore and t >= random_timesteps writes dist.sample(rng) and its
/// log-prob; explore and t < random_timesteps acts like Random (logp 0); explore = false writes
/// the deterministic action (logp 0). The default exploration.
class StochasticSampling final : public Exploration {
 public:
  /// Throws ConfigError if random_timesteps < 0, or > 0 without an action space.
  explicit StochasticSampling(ExplorationContext context,
                              const StochasticSamplingOptions& options = {});

  const char* name() const override { return "StochasticSampling"; }
  /// True unless there is a random warm-up (its actions have logp 0, not their probability).
  bool logp_is_probability() const override { return random_timesteps_ == 0; }

  int64_t random_timesteps() const { return random_timesteps_; }

 private:
  void explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore, nn::Rng& rng,
                    float* actions, float* logp) override;

  int64_t random_timesteps_;
};

/// Options of SoftQ.
struct SoftQOptions {
  /// The logits are divided by it before sampling; > 0 and finite.
  double temperature = 1.0;
};

/// Samples Categorical(logits / temperature) (MultiCategorical: every component's logits);
/// logp is the sampled action's log-prob under that tempered distribution. explore = false
/// writes the argmax, which the temperature does not change (logp 0).
class SoftQ final : public Exploration {
 public:
  /// Throws ConfigError if the temperature is not > 0, or the action space is set and is
  /// neither Discrete nor MultiDiscrete.
  explicit SoftQ(ExplorationContext context, const SoftQOptions& options = {});

  const char* name() const override { return "SoftQ"; }
  bool logp_is_probability() const override { return true; }

  double temperature() const { return temperature_; }

 private:
  /// Throws ValueError if `dist` is neither a Categorical nor a MultiCategorical.
  void explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore, nn::Rng& rng,
                    float* actions, float* logp) override;

  double temperature_;
  nn::Tensor tempered_;  // logits / temperature, reused while the logits' shape stays the same
};

}  // namespace phantom
