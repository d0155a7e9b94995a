// The Exploration base class, deterministic_action and the config factory.
#include "trainers/sampling/exploration.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "nn/error.hpp"
#include "trainers/sampling/epsilon_greedy.hpp"
#include "trainers/sampling/gaussian_noise.hpp"
#include "trainers/sampling/stochastic_sampling.hpp"

namespace phantom {

namespace {

// The index of the first largest of x[0..n).
int64_t first_argmax(const float* x, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j)
    if (x[j] > x[best]) best = j;
  return best;
}

}  // namespace

// ---- deterministic_action ----------------------------------------------------------------------

void deterministic_action(const nn::Distribution& dist, float* actions) {
  int64_t rows = dist.batch_size();
  if (const auto* cat = dynamic_cast<const nn::Categorical*>(&dist)) {
    int64_t n = cat->num_categories();
    const float* logits = cat->logits().data();
    for (int64_t b = 0; b < rows; ++b)
      actions[b] = static_cast<float>(first_argmax(logits + b * n, n));
  } else if (const auto* multi = dynamic_cast<const nn::MultiCategorical*>(&dist)) {
    const std::vector<int64_t>& nvec = multi->nvec();
    int64_t k = multi->action_dim(), width = multi->logits().dim(1);
    const float* logits = multi->logits().data();
    for (int64_t b = 0; b < rows; ++b) {
      int64_t offset = 0;
      for (int64_t i = 0; i < k; ++i) {
        int64_t n = nvec[static_cast<std::size_t>(i)];
        actions[b * k + i] = static_cast<float>(first_argmax(logits + b * width + offset, n));
        offset += n;
      }
    }
  } else if (const auto* gauss = dynamic_cast<const nn::DiagGaussian*>(&dist)) {
    std::copy_n(gauss->mean().data(), gauss->mean().numel(), actions);
  } else if (const auto* bern = dynamic_cast<const nn::Bernoulli*>(&dist)) {
    const float* logits = bern->logits().data();
    for (int64_t i = 0; i < bern->logits().numel(); ++i)
      actions[i] = logits[i] > 0.0f ? 1.0f : 0.0f;
  } else {
    nn::Tensor mode = dist.mode();
    std::copy_n(mode.data(), rows * dist.action_dim(), actions);
  }
}

// ---- Exploration -------------------------------------------------------------------------------

Exploration::Exploration(ExplorationContext context) : context_(std::move(context)) {
  if (context_.action_space && context_.action_space->kind() == Kind::discrete) {
    discrete_start_ = static_cast<float>(context_.action_space->as_discrete().start());
  }
}

void Exploration::get_exploration_action(const nn::Distribution& dist, int64_t timestep,
                                         bool explore, nn::Rng& rng, float* actions, float* logp) {
  const SpacePtr& space = context_.action_space;
  if (space && dist.action_dim() != space->flat_size()) {
    throw ShapeError(std::string(name()) + ": a " + dist.name() + " with " +
                     std::to_string(dist.action_dim()) + " floats per action does not fit action " +
                     "space " + space->to_string() + " (" + std::to_string(space->flat_size()) +
                     " floats)");
  }
  if (space && space->kind() == Kind::discrete) {
    const auto* cat = dynamic_cast<const nn::Categorical*>(&dist);
    if (cat && cat->num_categories() != space->as_discrete().n()) {
      throw ShapeError(std::string(name()) + ": a Categorical over " +
                       std::to_string(cat->num_categories()) + " categories does not fit action " +
                       "space " + space->to_string());
    }
  }
  explore_rows(dist, timestep, explore, rng, actions, logp);
  last_timestep_ = timestep;
}

void Exploration::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_string(prefix + ".type", name());
  out.set_int(prefix + ".last_timestep", last_timestep_);
  save_state(out, prefix);
}

void Exploration::load(const nn::StateDict& in, const std::string& prefix) {
  const std::string& type = in.get_string(prefix + ".type");
  if (type != name()) {
    throw FormatError("exploration state '" + prefix + "' was saved by " + type +
                      ", cannot load it into " + name());
  }
  int64_t last = in.get_int(prefix + ".last_timestep");
  load_state(in, prefix);
  last_timestep_ = last;
}

void Exploration::write_random(int64_t rows, nn::Rng& rng, float* actions) const {
  const Space& space = *context_.action_space;
  int64_t width = space.flat_size();
  for (int64_t b = 0; b < rows; ++b) space.sample(rng, actions + b * width);
}

void Exploration::write_deterministic(const nn::Distribution& dist, float* actions) const {
  deterministic_action(dist, actions);
  if (discrete_start_ != 0.0f) {
    for (int64_t b = 0; b < dist.batch_size(); ++b) actions[b] += discrete_start_;
  }
}

void Exploration::write_sample(const nn::Distribution& dist, nn::Rng& rng, float* actions,
                               float* logp) const {
  dist.sample_into(rng, actions, logp);
  const int64_t n = dist.batch_size() * dist.action_dim();
  for (int64_t i = 0; i < n; ++i) actions[i] += discrete_start_;
}

void Exploration::write_zero_logp(int64_t rows, float* logp) {
  if (logp) std::fill_n(logp, rows, 0.0f);
}

void Exploration::require_action_space() const {
  if (!context_.action_space) {
    throw ConfigError(std::string(name()) + " needs the action space, but none was given");
  }
}

// ---- make_exploration --------------------------------------------------------------------------

const char* exploration_type_names() {
  return "EpsilonGreedy, PerWorkerEpsilonGreedy, StochasticSampling, SoftQ, Random, "
         "GaussianNoise, OrnsteinUhlenbeckNoise";
}

namespace {

EpsilonGreedyOptions epsilon_greedy_options(const PolicyConfig& c) {
  c.check_known_keys(
      {"type", "initial_epsilon", "final_epsilon", "epsilon_timesteps", "warmup_timesteps"});
  EpsilonGreedyOptions o;
  o.initial_epsilon = c.get_double("initial_epsilon", o.initial_epsilon);
  o.final_epsilon = c.get_double("final_epsilon", o.final_epsilon);
  o.epsilon_timesteps = c.get_int("epsilon_timesteps", o.epsilon_timesteps);
  o.warmup_timesteps = c.get_int("warmup_timesteps", o.warmup_timesteps);
  return o;
}

StochasticSamplingOptions stochastic_sampling_options(const PolicyConfig& c) {
  c.check_known_keys({"type", "random_timesteps"});
  StochasticSamplingOptions o;
  o.random_timesteps = c.get_int("random_timesteps", o.random_timesteps);
  return o;
}

SoftQOptions soft_q_options(const PolicyConfig& c) {
  c.check_known_keys({"type", "temperature"});
  SoftQOptions o;
  o.temperature = c.get_double("temperature", o.temperature);
  return o;
}

GaussianNoiseOptions gaussian_noise_options(const PolicyConfig& c) {
  c.check_known_keys(
      {"type", "random_timesteps", "stddev", "initial_scale", "final_scale", "scale_timesteps"});
  GaussianNoiseOptions o;
  o.random_timesteps = c.get_int("random_timesteps", o.random_timesteps);
  o.stddev = c.get_double("stddev", o.stddev);
  o.initial_scale = c.get_double("initial_scale", o.initial_scale);
  o.final_scale = c.get_double("final_scale", o.final_scale);
  o.scale_timesteps = c.get_int("scale_timesteps", o.scale_timesteps);
  return o;
}

OrnsteinUhlenbeckNoiseOptions ou_noise_options(const PolicyConfig& c) {
  c.check_known_keys({"type", "ou_theta", "ou_sigma", "ou_base_scale", "random_timesteps",
                      "initial_scale", "final_scale", "scale_timesteps"});
  OrnsteinUhlenbeckNoiseOptions o;
  o.ou_theta = c.get_double("ou_theta", o.ou_theta);
  o.ou_sigma = c.get_double("ou_sigma", o.ou_sigma);
  o.ou_base_scale = c.get_double("ou_base_scale", o.ou_base_scale);
  o.random_timesteps = c.get_int("random_timesteps", o.random_timesteps);
  o.initial_scale = c.get_double("initial_scale", o.initial_scale);
  o.final_scale = c.get_double("final_scale", o.final_scale);
  o.scale_timesteps = c.get_int("scale_timesteps", o.scale_timesteps);
  return o;
}

// Constructs a T, prefixing the constructor's ConfigError with the policy (the constructors are
// also used directly from C++, where there is no policy to name).
template <class T, class... Args>
std::unique_ptr<Exploration> construct(const std::string& owner, Args&&... args) {
  try {
    return std::make_unique<T>(std::forward<Args>(args)...);
  } catch (const ConfigError& e) {
    throw ConfigError(owner + ": " + e.what());
  }
}

// The exploration `type` names, or null if no class has that name.
std::unique_ptr<Exploration> build(const std::string& type, const PolicyConfig& c,
                                   const ExplorationContext& ctx, const std::string& owner) {
  if (type == "EpsilonGreedy") {
    return construct<EpsilonGreedy>(owner, ctx, epsilon_greedy_options(c));
  }
  if (type == "PerWorkerEpsilonGreedy") {
    return construct<PerWorkerEpsilonGreedy>(owner, ctx, epsilon_greedy_options(c));
  }
  if (type == "StochasticSampling") {
    return construct<StochasticSampling>(owner, ctx, stochastic_sampling_options(c));
  }
  if (type == "SoftQ") return construct<SoftQ>(owner, ctx, soft_q_options(c));
  if (type == "Random") {
    c.check_known_keys({"type"});
    return construct<Random>(owner, ctx);
  }
  if (type == "GaussianNoise") {
    return construct<GaussianNoise>(owner, ctx, gaussian_noise_options(c));
  }
  if (type == "OrnsteinUhlenbeckNoise") {
    return construct<OrnsteinUhlenbeckNoise>(owner, ctx, ou_noise_options(c));
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<Exploration> make_exploration(const PolicyConfig& config,
                                              const ExplorationContext& context) {
  std::string owner =
      config.policy_id().empty() ? "exploration config" : "policy '" + config.policy_id() + "'";
  std::string type = config.get_string("type", "StochasticSampling");
  std::unique_ptr<Exploration> exploration = build(type, config, context, owner);
  if (!exploration) {
    throw ConfigError(owner + ": unknown exploration type '" + type +
                      "' (valid types: " + exploration_type_names() + ")");
  }
  return exploration;
}

}  // namespace phantom
