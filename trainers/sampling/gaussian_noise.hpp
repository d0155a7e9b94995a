// Additive-noise exploration for continuous (Box) actions: GaussianNoise and
// OrnsteinUhlenbeckNoise.
//
// Deterministic-policy methods (DDPG, TD3) output one action per state, with no distribution to
// sample from. They explore by adding noise to that action and clipping the result back into the
// action box. Both classes:
//  * act uniformly at random (action_space.sample) for the first `random_timesteps` steps;
//  * then add noise whose scale anneals from initial_scale to final_scale over scale_timesteps:
//      scale(t) = PiecewiseSchedule({(R, initial), (R + S, final)}, outside = final)
//    with R = random_timesteps and S = scale_timesteps;
//  * write the plain deterministic action when explore is false;
//  * always report logp 0.
//
// GaussianNoise draws independent noise every step. Ornstein-Uhlenbeck noise is correlated in
// time: a per-dimension state s drifts back towards 0 and is kicked by Gaussian noise,
//      g = scale * N(0, 1),  s += theta * (-s) + sigma * g,
//      noise = scale * base_scale * s * (high - low)      (an infinite range counts as 1),
// so consecutive actions are pushed in the same direction for a while, which explores better in
// physical control tasks with momentum. (scale enters twice, as in RLlib.)
//
// OU state is one value per action element, starts at 0 and is never reset, not even between
// episodes (as in RLlib). With a batch of B rows the state advances once per row, in row order,
// so one call with B rows equals B calls with one row each (RLlib shares one step across the
// batch; with one row per call, the usual case, the two agree).
//
// The per-worker variants of these classes in RLlib are not provided.
#pragma once

#include <cstdint>
#include <vector>

#include "trainers/sampling/exploration.hpp"
#include "trainers/sampling/schedule.hpp"

namespace phantom {

/// Options of GaussianNoise.
struct GaussianNoiseOptions {
  /// Timesteps t < random_timesteps act uniformly at random (>= 0).
  int64_t random_timesteps = 1000;
  /// Standard deviation of the unscaled noise (>= 0).
  double stddev = 0.1;
  /// Noise scale at t = random_timesteps.
  double initial_scale = 1.0;
  /// Noise scale from t = random_timesteps + scale_timesteps on.
  double final_scale = 0.02;
  /// Timesteps over which the scale anneals (>= 0).
  int64_t scale_timesteps = 10000;
};

/// a = clamp(deterministic + scale(t) * stddev * N(0, 1), low, high) per element after the
/// random phase. Needs a Box action space (ConfigError otherwise).
class GaussianNoise final : public Exploration {
 public:
  explicit GaussianNoise(ExplorationContext context, const GaussianNoiseOptions& options = {});

  const char* name() const override { return "GaussianNoise"; }

  /// The noise scale at timestep t.
  double scale(int64_t t) const { return scale_.value(t); }

 private:
  /// After the random phase: one rng.normal() per element, row-major.
  void explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore, nn::Rng& rng,
                    float* actions, float* logp) override;

  int64_t random_timesteps_;
  double stddev_;
  PiecewiseSchedule scale_;
};

/// Options of OrnsteinUhlenbeckNoise.
struct OrnsteinUhlenbeckNoiseOptions {
  /// Pull of the state back towards 0 per step.
  double ou_theta = 0.15;
  /// Weight of the Gaussian kick per step.
  double ou_sigma = 0.2;
  /// Factor from the state to the noise (before the range and the scale).
  double ou_base_scale = 0.1;
  /// Timesteps t < random_timesteps act uniformly at random (>= 0).
  int64_t random_timesteps = 1000;
  /// Noise scale at t = random_timesteps.
  double initial_scale = 1.0;
  /// Noise scale from t = random_timesteps + scale_timesteps on.
  double final_scale = 0.02;
  /// Timesteps over which the scale anneals (>= 0).
  int64_t scale_timesteps = 10000;
};

/// Ornstein-Uhlenbeck noise (see the top of this file). Needs a Box action space (ConfigError
/// otherwise). The state is saved with save() and restored by load().
class OrnsteinUhlenbeckNoise final : public Exploration {
 public:
  explicit OrnsteinUhlenbeckNoise(ExplorationContext context,
                                  const OrnsteinUhlenbeckNoiseOptions& options = {});

  const char* name() const override { return "OrnsteinUhlenbeckNoise"; }

  /// The noise scale at timestep t.
  double scale(int64_t t) const { return scale_.value(t); }
  /// The process state, one value per action element.
  const std::vector<float>& ou_state() const { return state_; }

 private:
  /// After the random phase, per row: one rng.normal() per element, the state update, then the
  /// noisy clipped action.
  void explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore, nn::Rng& rng,
                    float* actions, float* logp) override;
  void save_state(nn::StateDict& out, const std::string& prefix) const override;
  void load_state(const nn::StateDict& in, const std::string& prefix) override;

  double theta_;
  double sigma_;
  double base_scale_;
  int64_t random_timesteps_;
  PiecewiseSchedule scale_;
  std::vector<float> state_;
  std::vector<float> range_;  // high - low per element, infinite ranges replaced by 1
};

}  // namespace phantom
