// BM_VsEigen/*: MlpStep against the same network written by hand with Eigen 3, the way an Eigen
// user would: row-major float matrices, matrix products, .array().tanh(), a hand-written
// backward pass and Adam.
//   BM_VsEigen/TrainStep/<batch>      4 -> 64 -> 64 -> 3 train step (forward, loss, backward, Adam)
//   BM_VsEigen/TrainStepWide/<batch>  32 -> 256 -> 256 -> 8 train step
//   BM_VsEigen/Infer1                 batch-1 forward of the 4 -> 64 -> 64 -> 3 net
// (BM_VsEigenDefaultFlags/... in peer_bench_eigen_default: the same, Eigen at default flags.)
#include <benchmark/benchmark.h>
#include <Eigen/Core>

#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "mlp_peer.hpp"
#include "net_snapshot.hpp"
#include "peer_registry.hpp"

// Which build of this file it is: empty in peer_bench, whose Eigen is compiled for the machine
// (-march=native), "DefaultFlags" in peer_bench_eigen_default, whose Eigen is compiled with the
// compiler's default flags (SSE2 only on x86-64). It names the benchmarks and the peer.
#ifndef PEERS_EIGEN_VARIANT
#define PEERS_EIGEN_VARIANT ""
#endif

namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;

// One parameter with its gradient and Adam moments.
template <class T>
struct Param {
  T value, grad, m, v;
  explicit Param(T init)
      : value(std::move(init)), grad(T::Zero(value.rows(), value.cols())), m(grad), v(grad) {}
};

// An MLP with tanh hidden layers, trained on a fixed batch with cross-entropy of the taken
// actions over the logits + 0.5 * value MSE, and Adam. Buffers are sized by the first step and
// reused after it.
class EigenMlp {
 public:
  explicit EigenMlp(const peers::NetSnapshot& s)
      : adam_(s.adam), logits_(s.num_logits()), batch_(s.batch), actions_(s.actions) {
    for (std::size_t i = 0; i + 1 < s.sizes.size(); ++i) {
      weights_.emplace_back(
          Eigen::Map<const Matrix>(s.weights[i].data(), s.sizes[i], s.sizes[i + 1]));
      biases_.emplace_back(Eigen::Map<const RowVector>(s.biases[i].data(), s.sizes[i + 1]));
      activations_.emplace_back(s.batch, s.sizes[i + 1]);
      output_grads_.emplace_back(s.batch, s.sizes[i + 1]);
    }
    inputs_ = Eigen::Map<const Matrix>(s.inputs.data(), s.batch, s.sizes.front());
    returns_ = Eigen::Map<const RowVector>(s.returns.data(), s.batch).transpose();
    single_ = inputs_.row(0);
  }

  // One training step; returns the loss of the forward pass (before the update), as MlpStep.
  float step() {
    const std::size_t layers = weights_.size();
    for (std::size_t i = 0; i < layers; ++i) {
      const Matrix& in = i == 0 ? inputs_ : activations_[i - 1];
      Matrix& out = activations_[i];
      out.noalias() = in * weights_[i].value;
      out.rowwise() += biases_[i].value;
      if (i + 1 < layers) out = out.array().tanh();
    }
    const float loss = loss_and_output_gradient(activations_.back());
    for (std::size_t i = layers; i-- > 0;) {
      const Matrix& in = i == 0 ? inputs_ : activations_[i - 1];
      const Matrix& grad = output_grads_[i];
      weights_[i].grad.noalias() = in.transpose() * grad;
      biases_[i].grad = grad.colwise().sum();
      if (i > 0) {  // through the product, then through tanh: d tanh = 1 - tanh^2
        output_grads_[i - 1].noalias() = grad * weights_[i].value.transpose();
        output_grads_[i - 1].array() *= 1.0f - in.array().square();
      }
    }
    beta1_power_ *= adam_.beta1;
    beta2_power_ *= adam_.beta2;
    for (auto& w : weights_) adam_update(w);
    for (auto& b : biases_) adam_update(b);
    return loss;
  }

  // The batch-1 forward of the first input row; returns the first output.
  float infer_one() {
    const std::size_t layers = weights_.size();
    for (std::size_t i = 0; i < layers; ++i) {
      RowVector& out = single_activations_[i % 2];
      out.noalias() = (i == 0 ? single_ : single_activations_[(i + 1) % 2]) * weights_[i].value;
      out += biases_[i].value;
      if (i + 1 < layers) out = out.array().tanh();
    }
    return single_activations_[(layers - 1) % 2](0);
  }

 private:
  // Cross-entropy of the taken actions over the logits (mean over the batch) + 0.5 * the mean
  // squared error of the value column; fills the last output_grads_ with the loss's gradient w.r.t.
  // the output.
  float loss_and_output_gradient(const Matrix& out) {
    const float inv_batch = 1.0f / static_cast<float>(batch_);
    Matrix& dout = output_grads_.back();
    auto logits = out.leftCols(logits_);
    max_ = logits.rowwise().maxCoeff();
    probs_ = (logits.colwise() - max_).array().exp();
    sums_ = probs_.rowwise().sum();
    double policy_loss = 0;
    for (int64_t r = 0; r < batch_; ++r) {
      const auto a = static_cast<Eigen::Index>(actions_[static_cast<std::size_t>(r)]);
      policy_loss -= logits(r, a) - max_(r) - std::log(sums_(r));
      probs_.row(r) /= sums_(r);
      probs_(r, a) -= 1.0f;
    }
    dout.leftCols(logits_) = probs_ * inv_batch;
    value_error_ = out.col(logits_) - returns_;
    dout.col(logits_) = value_error_ * inv_batch;  // d(0.5 * mean(e^2)) / de = e / batch
    return static_cast<float>(policy_loss * inv_batch +
                              0.5 * value_error_.squaredNorm() * inv_batch);
  }

  template <class T>
  void adam_update(Param<T>& p) {
    const float c1 = static_cast<float>(1.0 - beta1_power_);
    const float c2 = static_cast<float>(1.0 - beta2_power_);
    p.m = adam_.beta1 * p.m + (1.0f - adam_.beta1) * p.grad;
    p.v = adam_.beta2 * p.v + (1.0f - adam_.beta2) * p.grad.cwiseAbs2();
    p.value.array() -= adam_.lr * (p.m.array() / c1) / ((p.v.array() / c2).sqrt() + adam_.eps);
  }

  nn::AdamOptions adam_;
  Eigen::Index logits_;
  int64_t batch_;
  std::vector<int64_t> actions_;
  std::vector<Param<Matrix>> weights_;
  std::vector<Param<RowVector>> biases_;
  std::vector<Matrix> activations_, output_grads_;  // per layer: its output, the loss's gradient
  Matrix inputs_, probs_;
  Eigen::VectorXf returns_, max_, sums_, value_error_;
  RowVector single_, single_activations_[2];
  double beta1_power_ = 1, beta2_power_ = 1;
};

bool startup() {
  Eigen::setNbThreads(1);
  std::printf("Eigen %d.%d.%d, SIMD: %s\n", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
              EIGEN_MINOR_VERSION, Eigen::SimdInstructionSetsInUse());
  return peers::mlp_peer_agrees<EigenMlp>("Eigen" PEERS_EIGEN_VARIANT);
}

const bool registered = [] {
  peers::register_mlp_benchmarks<EigenMlp>("BM_VsEigen" PEERS_EIGEN_VARIANT);
  return peers::register_peer("Eigen" PEERS_EIGEN_VARIANT, startup);
}();

}  // namespace
