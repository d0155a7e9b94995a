// PpoPolicy: features, normalisation, one act() row, the env's view of the action.
#include "trainers/ppo/ppo_policy.hpp"

#include "nn/error.hpp"

namespace phantom {

PpoPolicy::PpoPolicy(std::shared_ptr<ActorCritic> net, std::shared_ptr<ObsNormalizer> normalizer)
    : Policy(net ? net->observation_space() : nullptr, net ? net->action_space() : nullptr),
      net_(std::move(net)),
      normalizer_(std::move(normalizer)) {
  features_.resize(static_cast<std::size_t>(net_->feature_size()));
  sampled_.resize(static_cast<std::size_t>(net_->action_size()));
}

void PpoPolicy::compute_action(const float* observation, float* action, nn::Rng& rng) {
  net_->write_features(observation, features_.data());
  if (normalizer_) normalizer_->normalize(features_.data(), 1);
  float log_prob = 0.0f, value = 0.0f;
  net_->act(features_.data(), 1, deterministic_, rng, {sampled_.data(), &log_prob, &value},
            workspace_);
  net_->env_action(sampled_.data(), action);
}

}  // namespace phantom
