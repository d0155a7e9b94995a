// GaussianNoise and OrnsteinUhlenbeckNoise (see gaussian_noise.hpp).
#include "trainers/sampling/gaussian_noise.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

// The annealed noise scale: initial at t = R, final from t = R + S on (and before R).
PiecewiseSchedule scale_schedule(const char* who, int64_t random_timesteps, int64_t scale_timesteps,
                                 double initial, double final_value) {
  if (random_timesteps < 0 || scale_timesteps < 0) {
    throw ConfigError(
        std::string(who) + ": random_timesteps = " + std::to_string(random_timesteps) +
        " and scale_timesteps = " + std::to_string(scale_timesteps) + ", expected both >= 0");
  }
  return PiecewiseSchedule(
      {{random_timesteps, initial}, {random_timesteps + scale_timesteps, final_value}},
      final_value);
}

// Throws ConfigError unless the action space is a Box.
const BoxSpace& require_box(const ExplorationContext& context, const char* who) {
  const SpacePtr& space = context.action_space;
  if (!space || space->kind() != Kind::box) {
    throw ConfigError(std::string(who) + " needs a Box action space, got " +
                      (space ? space->to_string() : std::string("none")));
  }
  return space->as_box();
}

float clamp_to(float x, float low, float high) {
  return std::min(std::max(x, low), high);
}

}  // namespace

// ---- GaussianNoise -----------------------------------------------------------------------------

GaussianNoise::GaussianNoise(ExplorationContext context, const GaussianNoiseOptions& options)
    : Exploration(std::move(context)),
      random_timesteps_(options.random_timesteps),
      stddev_(options.stddev),
      scale_(scale_schedule("GaussianNoise", options.random_timesteps, options.scale_timesteps,
                            options.initial_scale, options.final_scale)) {
  require_box(this->context(), "GaussianNoise");
  if (!(stddev_ >= 0.0) || std::isinf(stddev_)) {
    throw ConfigError("GaussianNoise: stddev = " + double_string(stddev_) +
                      ", expected a finite value >= 0");
  }
}

void GaussianNoise::explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore,
                                 nn::Rng& rng, float* actions, float* logp) {
  int64_t rows = dist.batch_size(), d = dist.action_dim();
  write_zero_logp(rows, logp);
  if (explore && timestep < random_timesteps_) {
    write_random(rows, rng, actions);
    return;
  }
  write_deterministic(dist, actions);
  if (!explore) return;
  const BoxSpace& box = context().action_space->as_box();
  const float* low = box.low().data();
  const float* high = box.high().data();
  double noise_stddev = scale(timestep) * stddev_;
  for (int64_t b = 0; b < rows; ++b) {
    float* a = actions + b * d;
    for (int64_t j = 0; j < d; ++j) {
      double noisy = static_cast<double>(a[j]) + noise_stddev * static_cast<double>(rng.normal());
      a[j] = clamp_to(static_cast<float>(noisy), low[j], high[j]);
    }
  }
}

// ---- OrnsteinUhlenbeckNoise --------------------------------------------------------------------

OrnsteinUhlenbeckNoise::OrnsteinUhlenbeckNoise(ExplorationContext context,
                                               const OrnsteinUhlenbeckNoiseOptions& options)
    : Exploration(std::move(context)),
      theta_(options.ou_theta),
      sigma_(options.ou_sigma),
      base_scale_(options.ou_base_scale),
      random_timesteps_(options.random_timesteps),
      scale_(scale_schedule("OrnsteinUhlenbeckNoise", options.random_timesteps,
                            options.scale_timesteps, options.initial_scale, options.final_scale)) {
  const BoxSpace& box = require_box(this->context(), "OrnsteinUhlenbeckNoise");
  if (!std::isfinite(theta_) || !std::isfinite(sigma_) || !std::isfinite(base_scale_)) {
    throw ConfigError("OrnsteinUhlenbeckNoise: ou_theta = " + double_string(theta_) +
                      ", ou_sigma = " + double_string(sigma_) + ", ou_base_scale = " +
                      double_string(base_scale_) + ", expected finite values");
  }
  std::size_t d = box.low().size();
  state_.assign(d, 0.0f);
  range_.resize(d);
  for (std::size_t j = 0; j < d; ++j) {
    float range = box.high()[j] - box.low()[j];  // inf for unbounded (or overflowing) ranges
    range_[j] = std::isinf(range) ? 1.0f : range;
  }
}

void OrnsteinUhlenbeckNoise::explore_rows(const nn::Distribution& dist, int64_t timestep,
                                          bool explore, nn::Rng& rng, float* actions, float* logp) {
  int64_t rows = dist.batch_size(), d = dist.action_dim();
  write_zero_logp(rows, logp);
  if (explore && timestep < random_timesteps_) {
    write_random(rows, rng, actions);
    return;
  }
  write_deterministic(dist, actions);
  if (!explore) return;
  const BoxSpace& box = context().action_space->as_box();
  const float* low = box.low().data();
  const float* high = box.high().data();
  double scale = this->scale(timestep);
  for (int64_t b = 0; b < rows; ++b) {
    float* a = actions + b * d;
    for (int64_t j = 0; j < d; ++j) {
      auto k = static_cast<std::size_t>(j);
      double s = state_[k];
      double kick = scale * static_cast<double>(rng.normal());
      state_[k] = static_cast<float>(s + (theta_ * -s + sigma_ * kick));
      double noise = scale * base_scale_ * static_cast<double>(state_[k]) * range_[k];
      a[j] = clamp_to(static_cast<float>(static_cast<double>(a[j]) + noise), low[j], high[j]);
    }
  }
}

void OrnsteinUhlenbeckNoise::save_state(nn::StateDict& out, const std::string& prefix) const {
  out.set_tensor(prefix + ".ou_state",
                 nn::Tensor::from_vector(state_, nn::Shape{static_cast<int64_t>(state_.size())}));
}

void OrnsteinUhlenbeckNoise::load_state(const nn::StateDict& in, const std::string& prefix) {
  const nn::Tensor& saved = in.tensor(prefix + ".ou_state");
  auto d = static_cast<int64_t>(state_.size());
  if (saved.shape() != nn::Shape{d}) {
    throw FormatError("OrnsteinUhlenbeckNoise: saved state '" + prefix + ".ou_state' has shape " +
                      saved.shape().to_string() + ", expected [" + std::to_string(d) +
                      "] for action space " + context().action_space->to_string());
  }
  std::copy_n(saved.data(), d, state_.begin());
}

}  // namespace phantom
