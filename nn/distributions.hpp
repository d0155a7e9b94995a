// Action distributions for policy heads: Categorical, DiagGaussian, Bernoulli, MultiCategorical.
//
// A policy network outputs the parameters of a distribution over actions (logits, or a mean and
// a log standard deviation); PPO then needs four things from that distribution:
//  * sample(rng)    an action to take during a rollout (no gradient);
//  * log_prob(a)    log pi(a | s) of actions taken earlier, differentiable, for the PPO ratio;
//  * entropy()      differentiable, for the entropy bonus;
//  * mode()         the most likely action, for deterministic evaluation.
//
// Everything is batched: parameters are tensors whose first dimension is the batch B, one
// distribution per row, and log_prob/entropy return one value per row ([B]). They are built from
// nn ops, so with a TapeScope open gradients flow back to the parameters (and their results live
// in the tape's arena, like any op result). Samples and modes are plain data (no gradient); they
// also go to the current tape's arena when a scope is open, else they are owned tensors.
//
// Discrete actions are exact integer indices stored as floats, as everywhere in phantom-cpp.
//
// Sampling is deterministic given the Rng state, draws a fixed number of random numbers that
// depends only on the shapes (documented on each sample()), and allocates nothing but its output.
//
// Each distribution is a small value type holding tensor handles; the abstract Distribution base
// lets a policy hold any of them:
//
//   std::unique_ptr<nn::Distribution> dist = std::make_unique<nn::Categorical>(logits);
//   nn::Tensor actions = dist->sample(rng);          // [B]
//   nn::Tensor logp = dist->log_prob(actions);       // [B]
#pragma once

#include <cstdint>
#include <vector>

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// The common interface of the batched action distributions below.
class Distribution {
 public:
  virtual ~Distribution() = default;

  /// "Categorical", "DiagGaussian", ... (used in error messages).
  virtual const char* name() const = 0;
  /// Number of distributions (rows) B.
  virtual int64_t batch_size() const = 0;
  /// Floats per action, i.e. per row of sample(): 1 for Categorical (sample() is [B]), d for
  /// DiagGaussian and Bernoulli, the number of components k for MultiCategorical.
  virtual int64_t action_dim() const = 0;

  /// One action per row, drawn with `rng` (no gradient).
  virtual Tensor sample(Rng& rng) const = 0;
  /// log p(actions[b]) for each row b: [B], differentiable w.r.t. the parameters.
  virtual Tensor log_prob(const Tensor& actions) const = 0;
  /// Acting without tensors: draws what sample() draws into `actions` (B x action_dim floats)
  /// and, unless `logp` is null, writes log_prob() of those actions into logp[0..B). The values
  /// and the rng draws are exactly those of sample() then log_prob(); a distribution overrides
  /// this when it can skip building the tensors.
  virtual void sample_into(Rng& rng, float* actions, float* logp) const;
  /// Entropy of each row's distribution: [B], differentiable w.r.t. the parameters.
  virtual Tensor entropy() const = 0;
  /// The most likely action of each row (same shape as sample()).
  virtual Tensor mode() const = 0;
};

/// One categorical distribution over {0, ..., n-1} per row, p = softmax(logits).
///
/// Mask an action with a large negative logit (e.g. -1e9), not -inf: with -inf, entropy() would
/// compute 0 * -inf = NaN.
class Categorical final : public Distribution {
 public:
  /// logits: [B, n] with n >= 1. Throws phantom::ShapeError otherwise.
  explicit Categorical(const Tensor& logits);

  const char* name() const override { return "Categorical"; }
  int64_t batch_size() const override { return logits_.dim(0); }
  int64_t action_dim() const override { return 1; }
  /// Number of categories n.
  int64_t num_categories() const { return logits_.dim(1); }

  /// [B] indices; draws exactly B rng.uniform() values (one per row, in row order).
  Tensor sample(Rng& rng) const override;
  /// The drawn index's log-probability is read from log_probs(): no tensors are built.
  void sample_into(Rng& rng, float* actions, float* logp) const override;
  /// actions: [B] (or [B, 1]) integer indices in [0, n); throws phantom::ValueError naming the row
  /// and value otherwise.
  Tensor log_prob(const Tensor& actions) const override;
  Tensor entropy() const override;
  /// [B]: the index of the largest logit (the first one on ties).
  Tensor mode() const override;

  /// softmax(logits): [B, n], differentiable.
  Tensor probs() const;
  /// log_softmax(logits): [B, n], differentiable (computed once, in the constructor).
  const Tensor& log_probs() const { return log_probs_; }
  const Tensor& logits() const { return logits_; }

 private:
  Tensor logits_;
  Tensor log_probs_;
};

/// A Gaussian with diagonal covariance over R^d per row: N(mean, diag(exp(log_std))^2).
class DiagGaussian final : public Distribution {
 public:
  /// mean: [B, d]. log_std: [B, d] (state-dependent), or [d] / [1, d] (state-independent: one
  /// vector shared by every row, the usual PPO choice). Throws phantom::ShapeError otherwise.
  DiagGaussian(const Tensor& mean, const Tensor& log_std);

  const char* name() const override { return "DiagGaussian"; }
  int64_t batch_size() const override { return mean_.dim(0); }
  int64_t action_dim() const override { return mean_.dim(1); }

  /// [B, d] = mean + std * N(0, 1); draws exactly B * d rng.normal() values in row-major order.
  Tensor sample(Rng& rng) const override;
  /// actions: [B, d]. Returns the log-density summed over d: [B].
  Tensor log_prob(const Tensor& actions) const override;
  Tensor entropy() const override;
  /// The mean itself (gradients flow to it).
  Tensor mode() const override { return mean_; }

  const Tensor& mean() const { return mean_; }
  const Tensor& log_std() const { return log_std_; }

 private:
  Tensor mean_;
  Tensor log_std_;
};

/// d independent Bernoulli bits per row (a MultiBinary action), P(x_j = 1) = sigmoid(logits_j).
class Bernoulli final : public Distribution {
 public:
  /// logits: [B, d]. Throws phantom::ShapeError otherwise.
  explicit Bernoulli(const Tensor& logits);

  const char* name() const override { return "Bernoulli"; }
  int64_t batch_size() const override { return logits_.dim(0); }
  int64_t action_dim() const override { return logits_.dim(1); }

  /// [B, d] of 0/1; draws exactly B * d rng.uniform() values in row-major order.
  Tensor sample(Rng& rng) const override;
  /// actions: [B, d] of exact 0/1 values (phantom::ValueError otherwise). Summed over d: [B].
  Tensor log_prob(const Tensor& actions) const override;
  Tensor entropy() const override;
  /// [B, d]: 1 where logits > 0, else 0.
  Tensor mode() const override;

  /// sigmoid(logits): [B, d], differentiable.
  Tensor probs() const;
  const Tensor& logits() const { return logits_; }

 private:
  Tensor logits_;
};

/// k independent categoricals per row (a MultiDiscrete action with nvec = {n_0, ..., n_{k-1}}).
/// The logits of component i are the columns [n_0 + ... + n_{i-1}, + n_i) of the logits tensor.
///
/// Unlike the other distributions, constructing one allocates (two small vectors of k entries).
class MultiCategorical final : public Distribution {
 public:
  /// logits: [B, sum(nvec)]; nvec: k >= 1 category counts, each >= 1. Throws
  /// phantom::ShapeError (or phantom::ValueError for a bad nvec).
  MultiCategorical(const Tensor& logits, std::vector<int64_t> nvec);

  const char* name() const override { return "MultiCategorical"; }
  int64_t batch_size() const override { return logits_.dim(0); }
  int64_t action_dim() const override { return static_cast<int64_t>(nvec_.size()); }

  /// [B, k]; draws exactly B * k rng.uniform() values, component by component (all B rows of
  /// component 0, then component 1, ...), so it draws the same numbers as sampling
  /// component(0), component(1), ... in turn with the same rng.
  Tensor sample(Rng& rng) const override;
  /// actions: [B, k], column i an integer in [0, nvec[i]). Sum of the components' log-probs: [B].
  Tensor log_prob(const Tensor& actions) const override;
  /// Sum of the components' entropies: [B].
  Tensor entropy() const override;
  /// [B, k]: each component's mode.
  Tensor mode() const override;

  const std::vector<int64_t>& nvec() const { return nvec_; }
  /// The Categorical of component i.
  const Categorical& component(int64_t i) const { return components_[static_cast<std::size_t>(i)]; }
  const Tensor& logits() const { return logits_; }

 private:
  Tensor logits_;
  std::vector<int64_t> nvec_;
  std::vector<Categorical> components_;
};

}  // namespace nn
