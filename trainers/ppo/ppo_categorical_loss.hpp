// The PPO loss of a Categorical head as one node of the autograd tape.
//
// ppo_loss() composes the loss from tensor ops: with the Categorical's log-softmax, gather and
// entropy before it, about thirty nodes over [B] and [B, n] tensors for each minibatch, each with
// its own output, gradient buffer and backward call (the log-softmax's backward alone makes four
// kernel calls per row). For a minibatch of a hundred rows that bookkeeping costs more than the
// arithmetic. ppo_categorical_loss() computes the same loss from the head's logits and the values
// in one pass, and its backward pass writes the logits' and the values' gradients directly.
//
// Bit-identity: both passes perform, element by element, the IEEE operations of the composition
// (the same kernels for exp and log-softmax, sums in the kernels' fixed order, the same
// roundings, including the "+ 0" with which a fresh gradient takes its first contribution, and
// the same order of contributions into a gradient that already holds something), so the loss,
// the statistics and the gradients equal those of Categorical + ppo_loss() bit for bit on every
// SIMD path (tests/trainers/ppo_categorical_loss_test.cpp; the regression checksums of PPO runs
// did not change).
#pragma once

#include "nn/tensor.hpp"
#include "trainers/ppo/ppo_loss.hpp"

namespace phantom {

/// The loss ppo_loss() gives for the Categorical distribution of `logits` [B, n], with `actions`
/// [B] or [B, 1] holding the taken categories plus `action_start` (a Discrete space's start) and
/// `values` [B] the critic's values; the other tensors [B] as for ppo_loss(). Records one node on
/// the open TapeScope (throws phantom::ConfigError without one). Throws phantom::ValueError
/// naming the row for an action that is not an integer in [start, start + n), and
/// phantom::ShapeError for mismatched shapes.
PpoLoss ppo_categorical_loss(const nn::Tensor& logits, const nn::Tensor& values,
                             const nn::Tensor& actions, float action_start,
                             const nn::Tensor& old_log_prob, const nn::Tensor& advantages,
                             const nn::Tensor& returns, const nn::Tensor& old_values,
                             const PpoLossConfig& config, float share = 1.0f);

}  // namespace phantom
