// Small trainable policies for the rollout worker's tests.
//
// A worker test needs policies whose outputs it can predict and whose learning it can watch:
//  * FixedLogitsPolicy acts on a Discrete space from fixed (settable) logits, has a constant
//    value function, and postprocesses a trajectory piece by writing its undiscounted
//    reward-to-go into the advantages column. Because the advantages are computed from the
//    rewards the piece holds when the policy sees it, a test can tell whether a callback's
//    reward rewrite reached the policy. Its learn_on_batch does not learn: it counts the calls,
//    rows and rewards it saw. Its weights are the logits, so copying weights between workers is
//    visible.
//  * FixedMeanPolicy acts on a Box space with a Gaussian of fixed mean and a tiny spread; with
//    explore = false it always emits exactly the mean, which is what the action clipping and
//    rescaling tests need.
// Both explore through StochasticSampling, the exploration of policy-gradient methods.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nn/distributions.hpp"
#include "nn/serialize.hpp"
#include "nn/tensor.hpp"
#include "phantom/policy.hpp"
#include "trainers/sampling/sample_batch.hpp"
#include "trainers/sampling/stochastic_sampling.hpp"
#include "trainers/sampling/trainable_policy.hpp"

namespace worker_test {

/// StochasticSampling over `action_space` (the default exploration of a trainable policy).
inline std::unique_ptr<phantom::Exploration> sampling_exploration(
    const phantom::SpacePtr& action_space) {
  return std::make_unique<phantom::StochasticSampling>(phantom::ExplorationContext{action_space});
}

/// A Discrete policy with fixed logits and a constant value (see the top of this file).
class FixedLogitsPolicy : public phantom::TrainablePolicy {
 public:
  /// `logits` has one entry per action of the Discrete `action_space`.
  FixedLogitsPolicy(phantom::SpacePtr observation_space, phantom::SpacePtr action_space,
                    std::vector<float> logits, float value = 0.5f, bool explore = true)
      : TrainablePolicy(std::move(observation_space), action_space,
                        sampling_exploration(action_space), explore),
        logits_(nn::Tensor::from_vector(logits, {1, static_cast<int64_t>(logits.size())})),
        value_(value) {}

  bool has_value_function() const override { return true; }

  /// Writes advantages = the sum of the piece's rewards from each row to the piece's end.
  void postprocess_trajectory(phantom::SampleBatch& piece) override {
    ++postprocessed_pieces;
    const phantom::SampleBatch::Handle adv =
        piece.add_column(phantom::columns::kAdvantages, 1, phantom::ColumnType::float32);
    const float* rewards = piece.f32(phantom::columns::kRewards);
    float* advantages = piece.f32(adv);
    float to_go = 0.0f;
    for (int64_t r = piece.size() - 1; r >= 0; --r) {
      to_go += rewards[r];
      advantages[r] = to_go;
    }
  }

  /// Records the call, the rows and the sum of their rewards; reports "rows".
  void learn_on_batch(phantom::SampleBatch& batch, phantom::LearnerStats& stats) override {
    ++learn_calls;
    learned_rows += batch.size();
    const float* rewards = batch.f32(phantom::columns::kRewards);
    for (int64_t r = 0; r < batch.size(); ++r) learned_reward_sum += rewards[r];
    stats.set("rows", static_cast<double>(batch.size()));
  }

  void get_weights(nn::StateDict& out, const std::string& prefix) const override {
    out.set_tensor(prefix + ".logits", logits_);
  }
  void set_weights(const nn::StateDict& in, const std::string& prefix) override {
    in.copy_into(prefix + ".logits", logits_);
  }

  /// The current logits (what get_weights saves).
  std::vector<float> logits() const { return logits_.to_vector(); }
  /// Replaces the logits (same number of actions).
  void set_logits(const std::vector<float>& logits) {
    logits_.copy_from(nn::Tensor::from_vector(logits, logits_.shape()));
  }

  int learn_calls = 0;
  int64_t learned_rows = 0;
  double learned_reward_sum = 0.0;
  int postprocessed_pieces = 0;

 protected:
  const nn::Distribution& action_distribution(const float* observations, int64_t rows,
                                              float* vf_preds) override {
    (void)observations;
    const int64_t n = logits_.dim(1);
    if (!batch_logits_.defined() || batch_logits_.dim(0) != rows) {
      batch_logits_ = nn::Tensor::zeros({rows, n});
    }
    const float* one = logits_.data();
    float* all = batch_logits_.data();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n; ++i) all[r * n + i] = one[i];
    }
    if (vf_preds != nullptr) {
      for (int64_t r = 0; r < rows; ++r) vf_preds[r] = value_;
    }
    distribution_.emplace(batch_logits_);
    return *distribution_;
  }

 private:
  nn::Tensor logits_;        // [1, n]: the weights
  nn::Tensor batch_logits_;  // [rows, n]: the logits repeated for the last call's rows
  std::optional<nn::Categorical> distribution_;
  float value_;
};

/// A Box policy: Gaussian with a fixed mean for every element and log-std -20 (see the top).
class FixedMeanPolicy : public phantom::TrainablePolicy {
 public:
  /// Acts deterministically (the mean) unless `explore` is true.
  FixedMeanPolicy(phantom::SpacePtr observation_space, phantom::SpacePtr action_space, float mean,
                  bool explore = false)
      : TrainablePolicy(std::move(observation_space), action_space,
                        sampling_exploration(action_space), explore),
        mean_value_(mean),
        action_size_(action_space->flat_size()),
        log_std_(nn::Tensor::full({action_size_}, -20.0f)) {}

  void learn_on_batch(phantom::SampleBatch& batch, phantom::LearnerStats& stats) override {
    stats.set("rows", static_cast<double>(batch.size()));
  }
  void get_weights(nn::StateDict& out, const std::string& prefix) const override {
    out.set_float(prefix + ".mean", mean_value_);
  }
  void set_weights(const nn::StateDict& in, const std::string& prefix) override {
    mean_value_ = static_cast<float>(in.get_float(prefix + ".mean"));
  }

 protected:
  const nn::Distribution& action_distribution(const float* observations, int64_t rows,
                                              float* vf_preds) override {
    (void)observations, (void)vf_preds;
    if (!mean_.defined() || mean_.dim(0) != rows) mean_ = nn::Tensor::zeros({rows, action_size_});
    mean_.fill(mean_value_);
    distribution_.emplace(mean_, log_std_);
    return *distribution_;
  }

 private:
  float mean_value_;
  int64_t action_size_;
  nn::Tensor log_std_;  // [action size]
  nn::Tensor mean_;     // [rows, action size]
  std::optional<nn::DiagGaussian> distribution_;
};

/// A plain (not trainable) policy that always takes action 0: it acts but never learns.
class ZeroPolicy : public phantom::Policy {
 public:
  using Policy::Policy;
  void compute_action(const float*, float* action, nn::Rng&) override {
    for (int64_t i = 0; i < action_space()->flat_size(); ++i) action[i] = 0.0f;
  }
};

}  // namespace worker_test
