// Optimisers (SGD with momentum, Adam), global-norm gradient clipping and a linear schedule.
//
// An optimiser holds handles to the parameters it updates (they share memory with the model's)
// plus its own state buffers, allocated once in the constructor: step() allocates nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/serialize.hpp"
#include "nn/tensor.hpp"

namespace nn {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params, float lr);
  virtual ~Optimizer() = default;

  /// Applies one update from the parameters' current gradients.
  virtual void step() = 0;
  /// Sets every parameter's gradient to zero.
  void zero_grad();

  float lr() const { return lr_; }
  void set_lr(float lr) { lr_ = lr; }
  const std::vector<Tensor>& parameters() const { return params_; }

 protected:
  std::vector<Tensor> params_;
  float lr_;
};

/// Stochastic gradient descent with (heavy-ball) momentum, as PyTorch's SGD without dampening:
/// buf = momentum * buf + g; p -= lr * buf. With momentum 0 it is plain p -= lr * g.
class Sgd : public Optimizer {
 public:
  Sgd(std::vector<Tensor> params, float lr, float momentum = 0.0f);
  void step() override;
  const std::vector<Tensor>& momentum_buffers() const { return buffers_; }
  void save(StateDict& dict, const std::string& prefix) const;
  void load(const StateDict& dict, const std::string& prefix);

 private:
  float momentum_;
  std::vector<Tensor> buffers_;
};

struct AdamOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
};

/// Adam (Kingma & Ba 2015) with bias correction:
/// m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr (m / c1) / (sqrt(v / c2) + eps),
/// c1 = 1 - b1^t, c2 = 1 - b2^t. The powers are kept as running products in double precision, so
/// the update does not depend on the platform's pow().
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  void step() override;

  const AdamOptions& options() const { return options_; }
  int64_t steps_taken() const { return t_; }
  /// First/second moment buffers, one per parameter (for checkpoints).
  std::vector<Tensor>& first_moments() { return m_; }
  std::vector<Tensor>& second_moments() { return v_; }
  /// The largest step count set_steps_taken and load() accept: 2^53, more updates than any run
  /// makes (a billion a second for over three months), so a larger count in a file is corrupt.
  static constexpr int64_t kMaxSteps = int64_t{1} << 53;

  /// Restores the step count (and the bias-correction powers) when resuming; the cost does not
  /// grow with t beyond a few million multiplications. Throws phantom::ValueError if t is
  /// negative or above kMaxSteps.
  void set_steps_taken(int64_t t);

  /// Saves / restores moments, step count and hyper-parameters under "<prefix>.*", so training
  /// resumes bit-identically. load() throws FormatError/ShapeError if the shapes or count differ,
  /// FormatError (naming the file and entry) if the step count is outside 0..kMaxSteps.
  void save(StateDict& dict, const std::string& prefix) const;
  void load(const StateDict& dict, const std::string& prefix);

 private:
  AdamOptions options_;
  std::vector<Tensor> m_, v_;
  int64_t t_ = 0;
  double beta1_pow_ = 1.0, beta2_pow_ = 1.0;
};

/// Scales all gradients so their global L2 norm is at most `max_norm` (PyTorch's
/// clip_grad_norm_: factor max_norm / (norm + 1e-6) when norm > max_norm). Returns the norm
/// before clipping. The norm is summed parameter by parameter in a fixed order.
float clip_grad_norm(const std::vector<Tensor>& params, float max_norm);

/// The global L2 norm of the gradients (fixed summation order).
float grad_norm(const std::vector<Tensor>& params);

/// A value that moves linearly from `start` (step 0) to `end` (step `steps`) and stays there.
class LinearSchedule {
 public:
  LinearSchedule(double start, double end, int64_t steps);
  double at(int64_t step) const;

 private:
  double start_, end_;
  int64_t steps_;
};

}  // namespace nn
