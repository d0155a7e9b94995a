// The reference training workload shared by tests and benchmarks: an actor-critic style MLP
// (e.g. 4 -> 64 -> 64 -> 2 logits + 1 value) trained with Adam on a fixed batch.
//
// One step = forward, loss (cross-entropy of the taken actions + 0.5 * value MSE), backward and
// an Adam update. The determinism test compares checksums of the weights after many steps across
// thread counts and SIMD paths; the allocation test counts heap allocations in a steady-state
// step; nn_bench times it.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "nn/layers.hpp"
#include "nn/ops.hpp"
#include "nn/optim.hpp"
#include "nn/rng.hpp"
#include "nn/tape.hpp"

namespace workloads {

class MlpStep {
 public:
  /// sizes = {in, hidden..., out}; the last output is the value, the others are action logits.
  MlpStep(std::vector<int64_t> sizes, int64_t batch, uint64_t seed)
      : rng_(seed),
        mlp_({sizes, nn::Activation::tanh}, rng_),
        adam_(mlp_.parameters(), options()),
        num_logits_(sizes.back() - 1) {
    int64_t in = sizes.front();
    std::vector<float> x(static_cast<std::size_t>(batch * in)), a, r;
    for (float& v : x) v = rng_.normal();
    for (int64_t i = 0; i < batch; ++i) {
      a.push_back(static_cast<float>(rng_.uniform_int(0, num_logits_)));
      r.push_back(rng_.normal());
    }
    inputs_ = nn::Tensor::from_vector(x, {batch, in});
    actions_ = nn::Tensor::from_vector(a, {batch});
    returns_ = nn::Tensor::from_vector(r, {batch, 1});
  }

  /// One training step; returns the loss.
  float step() {
    nn::TapeScope scope(tape_);
    nn::Tensor out = mlp_.forward(inputs_);
    nn::Tensor logits = nn::slice(out, 1, 0, num_logits_);
    nn::Tensor value = nn::slice(out, 1, num_logits_, 1);
    nn::Tensor policy_loss = -nn::mean(nn::gather(nn::log_softmax(logits), actions_));
    nn::Tensor value_loss = nn::mean(nn::square(value - returns_));
    nn::Tensor loss = policy_loss + value_loss * 0.5f;
    adam_.zero_grad();
    loss.backward();
    adam_.step();
    return loss.item();
  }

  /// Batch-1 inference of the first input row with Mlp::infer (the acting path); returns the
  /// first output.
  float infer_one() {
    if (output_.empty()) output_.resize(static_cast<std::size_t>(num_logits_ + 1));
    mlp_.infer(inputs_.data(), 1, output_.data(), workspace_);
    return output_[0];
  }

  /// The same through the autograd ops (TapeScope + NoGradGuard + Mlp::forward).
  float infer_one_with_ops() {
    nn::TapeScope scope(tape_);
    nn::NoGradGuard no_grad;
    if (!single_.defined()) single_ = nn::slice(inputs_, 0, 0, 1).clone();
    return mlp_.forward(single_).data()[0];
  }

  /// FNV-1a hash of the bits of every parameter: equal checksums mean bit-identical weights.
  uint64_t checksum() const {
    uint64_t h = 1469598103934665603ull;
    for (const nn::Tensor& p : mlp_.parameters()) {
      for (float v : p.to_vector()) {
        uint32_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        for (int i = 0; i < 4; ++i) h = (h ^ ((bits >> (8 * i)) & 0xFF)) * 1099511628211ull;
      }
    }
    return h;
  }

  nn::Mlp& mlp() { return mlp_; }
  /// The fixed batch a step trains on: inputs [batch, in], taken actions [batch] (as floats) and
  /// returns [batch, 1] (peer_bench hands the same data to other libraries).
  const nn::Tensor& inputs() const { return inputs_; }
  const nn::Tensor& actions() const { return actions_; }
  const nn::Tensor& returns() const { return returns_; }
  /// The optimiser's settings (peer_bench configures the other libraries' Adam with them).
  static nn::AdamOptions options() {
    nn::AdamOptions o;
    o.lr = 1e-3f;
    return o;
  }
  /// The optimiser (its moments are part of what phantom-regress pins).
  nn::Adam& adam() { return adam_; }

 private:
  nn::Rng rng_;
  nn::Mlp mlp_;
  nn::Adam adam_;
  nn::Tape tape_;
  int64_t num_logits_;
  nn::Tensor inputs_, actions_, returns_, single_;
  std::vector<float> workspace_, output_;
};

}  // namespace workloads
