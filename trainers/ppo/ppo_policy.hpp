// PpoPolicy: a trained (or training) ActorCritic behind the phantom::Policy interface, for
// evaluation, rollouts and SingleAgentEnvAdapter.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "phantom/policy.hpp"
#include "trainers/ppo/actor_critic.hpp"
#include "trainers/ppo/obs_normalizer.hpp"

namespace phantom {

class PpoPolicy : public Policy {
 public:
  /// `normalizer` may be null (no observation normalisation).
  PpoPolicy(std::shared_ptr<ActorCritic> net, std::shared_ptr<ObsNormalizer> normalizer);

  /// Samples an action (or takes the most likely one when deterministic()). Not thread-safe: it
  /// reuses one workspace (use a clone() per thread).
  void compute_action(const float* observation, float* action, nn::Rng& rng) override;
  /// One batched pass: features and normalisation for all rows, the actor on all rows (not the
  /// critic), then row r samples with rngs[r]. Gives exactly compute_action()'s actions row by
  /// row. Allocates nothing once its buffers have grown to the largest batch seen.
  void compute_actions(const float* observations, int64_t rows, float* actions,
                       nn::Rng* rngs) override;

  /// Exploring samples actions; not exploring takes the most likely ones (deterministic()).
  void set_explore(bool explore) override { deterministic_ = !explore; }
  /// A policy with the same network, normaliser and deterministic() setting and its own
  /// workspace. The network and normaliser are shared, not copied: acting only reads them, so
  /// clones may act on several threads at once, but they see the trainer's updates, which must
  /// not run while a clone acts.
  std::shared_ptr<Policy> clone() const override;

  bool deterministic() const { return deterministic_; }
  void set_deterministic(bool on) { deterministic_ = on; }
  const std::shared_ptr<ActorCritic>& network() const { return net_; }
  const std::shared_ptr<ObsNormalizer>& normalizer() const { return normalizer_; }

 private:
  std::shared_ptr<ActorCritic> net_;
  std::shared_ptr<ObsNormalizer> normalizer_;
  bool deterministic_ = false;
  // Per-batch scratch (rows x feature_size(), rows x action_size()); grown, never shrunk.
  std::vector<float> features_, sampled_;
  ActWorkspace workspace_;
};

}  // namespace phantom
