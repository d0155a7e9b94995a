// Random, StochasticSampling and SoftQ (see stochastic_sampling.hpp).
#include "trainers/sampling/stochastic_sampling.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

// ---- Random ------------------------------------------------------------------------------------

Random::Random(ExplorationContext context) : Exploration(std::move(context)) {
  require_action_space();
}

void Random::explore_rows(const nn::Distribution& dist, int64_t, bool explore, nn::Rng& rng,
                          float* actions, float* logp) {
  if (explore) {
    write_random(dist.batch_size(), rng, actions);
  } else {
    write_deterministic(dist, actions);
  }
  write_zero_logp(dist.batch_size(), logp);
}

// ---- StochasticSampling ------------------------------------------------------------------------

StochasticSampling::StochasticSampling(ExplorationContext context,
                                       const StochasticSamplingOptions& options)
    : Exploration(std::move(context)), random_timesteps_(options.random_timesteps) {
  if (random_timesteps_ < 0) {
    throw ConfigError("StochasticSampling: random_timesteps = " +
                      std::to_string(random_timesteps_) + ", expected >= 0");
  }
  if (random_timesteps_ > 0) require_action_space();
}

void StochasticSampling::explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore,
                                      nn::Rng& rng, float* actions, float* logp) {
  int64_t rows = dist.batch_size();
  if (!explore) {
    write_deterministic(dist, actions);
    write_zero_logp(rows, logp);
  } else if (timestep < random_timesteps_) {
    write_random(rows, rng, actions);
    write_zero_logp(rows, logp);
  } else {
    write_sample(dist, rng, actions, logp);
  }
}

// ---- SoftQ -------------------------------------------------------------------------------------

SoftQ::SoftQ(ExplorationContext context, const SoftQOptions& options)
    : Exploration(std::move(context)), temperature_(options.temperature) {
  if (!(temperature_ > 0.0) || std::isinf(temperature_)) {
    throw ConfigError("SoftQ: temperature = " + double_string(temperature_) +
                      ", expected a finite value > 0");
  }
  const SpacePtr& space = this->context().action_space;
  if (space && space->kind() != Kind::discrete && space->kind() != Kind::multi_discrete) {
    throw ConfigError("SoftQ needs a Discrete or MultiDiscrete action space, got " +
                      space->to_string());
  }
}

void SoftQ::explore_rows(const nn::Distribution& dist, int64_t, bool explore, nn::Rng& rng,
                         float* actions, float* logp) {
  const auto* cat = dynamic_cast<const nn::Categorical*>(&dist);
  const auto* multi = dynamic_cast<const nn::MultiCategorical*>(&dist);
  if (!cat && !multi) {
    throw ValueError(std::string("SoftQ needs a Categorical or MultiCategorical, got a ") +
                     dist.name());
  }
  if (!explore) {
    write_deterministic(dist, actions);  // argmax: dividing by temperature > 0 keeps the order
    write_zero_logp(dist.batch_size(), logp);
    return;
  }
  const nn::Tensor& logits = cat ? cat->logits() : multi->logits();
  if (tempered_.numel() == 0 || tempered_.shape() != logits.shape()) {
    tempered_ = nn::Tensor::zeros(logits.shape());
  }
  const float* in = logits.data();
  float* out = tempered_.data();
  float t = static_cast<float>(temperature_);
  for (int64_t i = 0; i < logits.numel(); ++i) out[i] = in[i] / t;
  if (cat) {
    write_sample(nn::Categorical(tempered_), rng, actions, logp);
  } else {
    write_sample(nn::MultiCategorical(tempered_, multi->nvec()), rng, actions, logp);
  }
}

}  // namespace phantom
