// The PPO loss (Schulman et al. 2017), in one place.
//
// For a minibatch with old log-probabilities, advantages A, value targets R and old values:
//   ratio        = exp(log_prob - old_log_prob)
//   policy_loss  = mean(max(-A * ratio, -A * clamp(ratio, 1 - clip, 1 + clip)))
//   value_loss   = 0.5 * mean((V - R)^2), or with value clipping
//                  0.5 * mean(max((V - R)^2, (old_V + clamp(V - old_V, -clip, clip) - R)^2))
//   entropy      = mean(entropy)
//   loss         = policy_loss - entropy_coef * entropy + value_coef * value_loss
// The diagnostics (approximate KL, fraction of clipped ratios) are computed without gradient.
// For a Categorical head PpoPolicy computes the same loss, bit for bit, as one tape node
// (ppo_categorical_loss.hpp); this composition serves the other heads and is its reference.
#pragma once

#include "nn/tensor.hpp"
#include "trainers/ppo/actor_critic.hpp"

namespace phantom {

struct PpoLossConfig {
  float clip = 0.2f;
  bool clip_value_loss = true;
  float value_coef = 0.5f;
  float entropy_coef = 0.01f;
};

struct PpoLoss {
  nn::Tensor total;  // differentiable, on the current tape
  float policy_loss = 0, value_loss = 0, entropy = 0;
  float approx_kl = 0;      // mean((ratio - 1) - log ratio), an unbiased KL estimate
  float clip_fraction = 0;  // share of ratios outside [1 - clip, 1 + clip]
};

/// All tensors [B]; `e` comes from ActorCritic::evaluate on the current tape. `share` is these
/// rows' share of their minibatch (B / minibatch rows) when a minibatch is evaluated in chunks:
/// `total` is scaled by it, so the chunks' gradients add up to the minibatch's. The statistics
/// are this chunk's means. With share 1 (the whole minibatch at once) nothing is scaled.
PpoLoss ppo_loss(const Evaluation& e, const nn::Tensor& old_log_prob, const nn::Tensor& advantages,
                 const nn::Tensor& returns, const nn::Tensor& old_values,
                 const PpoLossConfig& config, float share = 1.0f);

/// Sets out.approx_kl and out.clip_fraction from the `n` rows' log-ratios and ratios (the
/// diagnostics every form of the loss reports).
void set_ppo_diagnostics(const float* log_ratio, const float* ratio, int64_t n, float clip,
                         PpoLoss& out);

}  // namespace phantom
