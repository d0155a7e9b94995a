// ActorCritic: construction per space, acting without the tape, evaluation on the tape.
#include "trainers/ppo/actor_critic.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "nn/distributions.hpp"
#include "nn/error.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/libm.hpp"
#include "nn/ops.hpp"
#include "trainers/sampling/box_action.hpp"
#include "trainers/sampling/copy_values.hpp"

namespace phantom {

namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

std::vector<int64_t> layer_sizes(int64_t in, const std::vector<int64_t>& hidden, int64_t out) {
  std::vector<int64_t> sizes = {in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  if (out > 0) sizes.push_back(out);
  return sizes;
}

// Samples an index from `n` logits (inverse CDF on one uniform draw); returns its log-prob.
int64_t sample_categorical(const float* logits, int64_t n, bool deterministic, nn::Rng& rng,
                           float* log_prob) {
  float max = logits[0];
  int64_t argmax = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (logits[i] > max) {
      max = logits[i];
      argmax = i;
    }
  }
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total += nn::libm::exp(static_cast<double>(logits[i] - max));
  int64_t pick = argmax;
  if (!deterministic) {
    double u = rng.uniform_double() * total, acc = 0.0;
    pick = n - 1;  // guards against rounding at the top end
    for (int64_t i = 0; i < n; ++i) {
      acc += nn::libm::exp(static_cast<double>(logits[i] - max));
      if (u < acc) {
        pick = i;
        break;
      }
    }
  }
  *log_prob += static_cast<float>(static_cast<double>(logits[pick] - max) - nn::libm::log(total));
  return pick;
}

}  // namespace

ActorCritic::ActorCritic(SpacePtr observation_space, SpacePtr action_space,
                         const ActorCriticConfig& config, nn::Rng& rng)
    : obs_space_(std::move(observation_space)),
      act_space_(std::move(action_space)),
      config_(config) {
  if (!obs_space_ || !act_space_) throw ConfigError("ActorCritic: a space is null");
  if (config_.hidden.empty()) throw ConfigError("ActorCritic: at least one hidden layer");
  features_ = obs_space_->kind() == Kind::discrete ? obs_space_->as_discrete().n()
                                                   : obs_space_->flat_size();
  switch (act_space_->kind()) {
    case Kind::discrete:
      head_ = Head::categorical;
      params_ = act_space_->as_discrete().n();
      action_offset_ = act_space_->as_discrete().start();
      break;
    case Kind::box:
      head_ = Head::gaussian;
      params_ = act_space_->flat_size();
      low_ = act_space_->as_box().low();
      high_ = act_space_->as_box().high();
      break;
    case Kind::multi_discrete:
      head_ = Head::multi_categorical;
      nvec_ = act_space_->as_multi_discrete().nvec();
      for (int64_t n : nvec_) params_ += n;
      break;
    case Kind::multi_binary:
      head_ = Head::bernoulli;
      params_ = act_space_->flat_size();
      break;
    default:
      throw ConfigError("ActorCritic: no PPO head for action space " + act_space_->to_string() +
                        "; use Discrete, Box, MultiDiscrete or MultiBinary");
  }
  nn::Init hidden = nn::Init::orthogonal(1.4142135f);
  if (config_.shared_trunk) {
    nn::MlpConfig trunk{layer_sizes(features_, config_.hidden, 0), config_.activation, hidden,
                        hidden};
    trunk.activate_output = true;  // the heads read activated features
    trunk_ = nn::Mlp(trunk, rng);
    int64_t h = config_.hidden.back();
    actor_ = nn::Mlp(
        {{h, params_}, config_.activation, hidden, nn::Init::orthogonal(config_.actor_output_gain)},
        rng);
    critic_ = nn::Mlp(
        {{h, 1}, config_.activation, hidden, nn::Init::orthogonal(config_.critic_output_gain)},
        rng);
  } else {
    actor_ = nn::Mlp({layer_sizes(features_, config_.hidden, params_), config_.activation, hidden,
                      nn::Init::orthogonal(config_.actor_output_gain)},
                     rng);
    critic_ = nn::Mlp({layer_sizes(features_, config_.hidden, 1), config_.activation, hidden,
                       nn::Init::orthogonal(config_.critic_output_gain)},
                      rng);
  }
  if (head_ == Head::gaussian) {
    log_std_ = nn::Tensor::full({1, params_}, config_.initial_log_std);
    log_std_.set_requires_grad(true);
  }
}

void ActorCritic::write_features(const float* observation, float* out) const {
  if (obs_space_->kind() == Kind::discrete) {
    std::fill_n(out, features_, 0.0f);
    auto index = static_cast<int64_t>(observation[0]) - obs_space_->as_discrete().start();
    out[index] = 1.0f;
  } else {
    copy_values(observation, features_, out);  // a few floats: no memcpy call
  }
}

void ActorCritic::forward_rows(const float* features, int64_t rows, float* values,
                               ActWorkspace& ws) const {
  std::size_t n_params = static_cast<std::size_t>(rows * params_);
  if (ws.params.size() < n_params) ws.params.resize(n_params);
  if (!config_.shared_trunk) {
    actor_.infer(features, rows, ws.params.data(), ws.mlp);
    if (values) critic_.infer(features, rows, values, ws.mlp);
    return;
  }
  // The same kernels as evaluate()'s ops, so acting and training see the same numbers.
  int64_t h = config_.hidden.back();
  std::size_t n_trunk = static_cast<std::size_t>(rows * h);
  if (ws.trunk.size() < n_trunk) ws.trunk.resize(n_trunk);
  trunk_.infer(features, rows, ws.trunk.data(), ws.mlp);
  actor_.infer(ws.trunk.data(), rows, ws.params.data(), ws.mlp);
  if (values) critic_.infer(ws.trunk.data(), rows, values, ws.mlp);
}

void ActorCritic::sample_row(const float* params, bool deterministic, nn::Rng& rng, float* action,
                             float* log_prob) const {
  *log_prob = 0.0f;
  switch (head_) {
    case Head::categorical:
      action[0] = static_cast<float>(
          action_offset_ + sample_categorical(params, params_, deterministic, rng, log_prob));
      return;
    case Head::multi_categorical:
      for (std::size_t k = 0; k < nvec_.size(); ++k) {
        action[k] =
            static_cast<float>(sample_categorical(params, nvec_[k], deterministic, rng, log_prob));
        params += nvec_[k];
      }
      return;
    case Head::gaussian: {
      const float* log_std = log_std_.data();
      double lp = 0.0;
      for (int64_t j = 0; j < params_; ++j) {
        float noise = deterministic ? 0.0f : rng.normal();
        action[j] = params[j] + static_cast<float>(nn::libm::exp(log_std[j])) * noise;
        lp += -0.5 * static_cast<double>(noise) * noise - log_std[j] - kLogSqrt2Pi;
      }
      *log_prob = static_cast<float>(lp);
      return;
    }
    case Head::bernoulli: {
      double lp = 0.0;
      for (int64_t j = 0; j < params_; ++j) {
        double logit = params[j];
        double p = 1.0 / (1.0 + nn::libm::exp(-logit));
        bool one = deterministic ? logit > 0.0 : rng.uniform_double() < p;
        action[j] = one ? 1.0f : 0.0f;
        // log sigmoid(x) = -softplus(-x), log(1 - sigmoid(x)) = -softplus(x)
        double z = one ? -logit : logit;
        lp -= std::max(z, 0.0) + nn::libm::log1p(nn::libm::exp(-std::fabs(z)));
      }
      *log_prob = static_cast<float>(lp);
      return;
    }
  }
}

void ActorCritic::act(const float* features, int64_t rows, bool deterministic, nn::Rng& rng,
                      const ActOutput& out, ActWorkspace& workspace) const {
  act_rows(features, rows, deterministic, &rng, 0, out, workspace);
}

void ActorCritic::act(const float* features, int64_t rows, bool deterministic, nn::Rng* rngs,
                      const ActOutput& out, ActWorkspace& workspace) const {
  act_rows(features, rows, deterministic, rngs, 1, out, workspace);
}

void ActorCritic::act_rows(const float* features, int64_t rows, bool deterministic, nn::Rng* rngs,
                           int64_t rng_stride, const ActOutput& out,
                           ActWorkspace& workspace) const {
  if (rows <= 0) return;
  forward_rows(features, rows, out.values, workspace);
  int64_t a = action_size();
  float unused_log_prob = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    // Every row's parameters come from the same per-row kernel operations whatever the batch
    // (gemm's FMA order over k does not depend on the rows), so only the generator ties rows.
    sample_row(workspace.params.data() + r * params_, deterministic, rngs[r * rng_stride],
               out.actions + r * a, out.log_probs ? out.log_probs + r : &unused_log_prob);
  }
}

void ActorCritic::distribution(const float* features, int64_t rows, float* values,
                               ActWorkspace& workspace, HeadDistribution& out) const {
  nn::Tape* tape = nn::Tape::current();
  if (!tape) throw ConfigError("ActorCritic::distribution needs an open TapeScope");
  forward_rows(features, rows, values, workspace);
  nn::Tensor params = tape->new_tensor({rows, params_}, /*with_grad=*/false);
  std::copy_n(workspace.params.data(), rows * params_, params.data());
  switch (head_) {
    case Head::categorical:
      out.current = &out.categorical.emplace(params);
      break;
    case Head::gaussian:
      out.current = &out.gaussian.emplace(params, log_std_.detach());
      break;
    case Head::multi_categorical:
      out.current = &out.multi_categorical.emplace(params, nvec_);
      break;
    case Head::bernoulli:
      out.current = &out.bernoulli.emplace(params);
      break;
  }
}

void ActorCritic::values(const float* features, int64_t rows, float* out,
                         ActWorkspace& workspace) const {
  if (config_.shared_trunk) {
    forward_rows(features, rows, out, workspace);
  } else {
    critic_.infer(features, rows, out, workspace.mlp);
  }
}

void ActorCritic::env_action(const float* action, float* out) const {
  int64_t n = action_size();
  if (head_ != Head::gaussian) {
    std::copy_n(action, n, out);
    return;
  }
  box_env_action(low_.data(), high_.data(), n, config_.rescale_box_actions, /*clip=*/true, action,
                 out);
}

HeadOutputs ActorCritic::outputs(const nn::Tensor& features) const {
  nn::Tensor actor_in = features, critic_in = features;
  if (config_.shared_trunk) {
    actor_in = critic_in = trunk_.forward(features);
  }
  HeadOutputs out;
  out.params = actor_.forward(actor_in);
  out.value = nn::reshape(critic_.forward(critic_in), {features.dim(0)});
  return out;
}

Evaluation ActorCritic::evaluate(const nn::Tensor& features, const nn::Tensor& actions) const {
  HeadOutputs heads = outputs(features);
  const nn::Tensor& params = heads.params;
  int64_t batch = features.dim(0);
  Evaluation e;
  e.value = heads.value;
  switch (head_) {
    case Head::categorical: {
      nn::Tensor index = actions;
      if (action_offset_ != 0) index = nn::add_scalar(actions, -static_cast<float>(action_offset_));
      nn::Categorical dist(params);
      e.log_prob = dist.log_prob(nn::reshape(index, {batch}));
      e.entropy = dist.entropy();
      break;
    }
    case Head::gaussian: {
      nn::DiagGaussian dist(params, log_std_);
      e.log_prob = dist.log_prob(actions);
      e.entropy = dist.entropy();
      break;
    }
    case Head::multi_categorical: {
      nn::MultiCategorical dist(params, nvec_);
      e.log_prob = dist.log_prob(actions);
      e.entropy = dist.entropy();
      break;
    }
    case Head::bernoulli: {
      nn::Bernoulli dist(params);
      e.log_prob = dist.log_prob(actions);
      e.entropy = dist.entropy();
      break;
    }
  }
  return e;
}

std::vector<nn::Tensor> ActorCritic::parameters() const {
  std::vector<nn::Tensor> p = trunk_.parameters();
  for (const nn::Tensor& t : actor_.parameters()) p.push_back(t);
  for (const nn::Tensor& t : critic_.parameters()) p.push_back(t);
  if (log_std_.defined()) p.push_back(log_std_);
  return p;
}

void ActorCritic::save(nn::StateDict& out, const std::string& prefix) const {
  nn::put_tensors(out, prefix, parameters());
}

void ActorCritic::load(const nn::StateDict& in, const std::string& prefix) {
  std::vector<nn::Tensor> p = parameters();
  // A checkpoint (whose checksum held) with another number of tensors, or tensors of other
  // shapes, was written by a network of other sizes: say which options decide them.
  auto other_sizes = [&](const std::string& what) {
    std::string hidden;
    for (int64_t h : config_.hidden) hidden += (hidden.empty() ? "" : ", ") + std::to_string(h);
    return ConfigError(what +
                       "; the checkpoint holds a network of other sizes than this one (hidden = [" +
                       hidden + "], shared_trunk = " + (config_.shared_trunk ? "true" : "false") +
                       "): set PpoOptions::network.hidden and network.shared_trunk to the run's "
                       "(its config.txt records them)");
  };
  const int64_t count = in.get_count(prefix + ".count");
  if (count != static_cast<int64_t>(p.size())) {
    throw other_sizes("state dict '" + in.source() + "': '" + prefix + "' holds " +
                      std::to_string(count) + " tensors, this network has " +
                      std::to_string(p.size()));
  }
  try {
    nn::get_tensors(in, prefix, p);
  } catch (const phantom::ShapeError& e) {
    throw other_sizes(e.what());
  }
}

}  // namespace phantom
