// PpoPolicy: a trained (or training) ActorCritic behind the phantom::Policy interface, for
// evaluation, rollouts and SingleAgentEnvAdapter.
#pragma once

#include <memory>

#include "phantom/policy.hpp"
#include "trainers/ppo/actor_critic.hpp"
#include "trainers/ppo/obs_normalizer.hpp"

namespace phantom {

class PpoPolicy : public Policy {
 public:
  /// `normalizer` may be null (no observation normalisation).
  PpoPolicy(std::shared_ptr<ActorCritic> net, std::shared_ptr<ObsNormalizer> normalizer);

  /// Samples an action (or takes the most likely one when deterministic()). Not thread-safe: it
  /// reuses one workspace.
  void compute_action(const float* observation, float* action, nn::Rng& rng) override;

  bool deterministic() const { return deterministic_; }
  void set_deterministic(bool on) { deterministic_ = on; }
  const std::shared_ptr<ActorCritic>& network() const { return net_; }
  const std::shared_ptr<ObsNormalizer>& normalizer() const { return normalizer_; }

 private:
  std::shared_ptr<ActorCritic> net_;
  std::shared_ptr<ObsNormalizer> normalizer_;
  bool deterministic_ = false;
  std::vector<float> features_, sampled_;
  ActWorkspace workspace_;
};

}  // namespace phantom
