// Layers: Linear and a multi-layer perceptron builder.
//
// A layer owns its parameters (tensors with requires_grad) and exposes them as a list, so an
// optimiser, a checkpoint or a gradient clip can walk them in a fixed order.
#pragma once

#include <string>
#include <vector>

#include "nn/ops.hpp"
#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// How a weight matrix is initialised (biases start at zero).
struct Init {
  enum class Kind { orthogonal, xavier_uniform };
  Kind kind = Kind::orthogonal;
  float gain = 1.0f;

  static Init orthogonal(float gain = 1.0f) { return {Kind::orthogonal, gain}; }
  static Init xavier(float gain = 1.0f) { return {Kind::xavier_uniform, gain}; }
};

/// y = x @ W + b with W [in, out], b [out].
class Linear {
 public:
  Linear() = default;
  Linear(int64_t in_features, int64_t out_features, Rng& rng, Init init = Init::orthogonal(),
         bool bias = true);

  /// x [..., in] -> [..., out]
  Tensor forward(const Tensor& x) const;
  /// act(forward(x)) as one fused dense op (nn::dense): same values and gradients, one node.
  Tensor forward(const Tensor& x, Activation act) const;

  int64_t in_features() const { return weight_.dim(0); }
  int64_t out_features() const { return weight_.dim(1); }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  /// weight, then bias (if any).
  std::vector<Tensor> parameters() const;

 private:
  Tensor weight_;
  Tensor bias_;
};

/// Parses "tanh", "relu" or "none"; throws phantom::ConfigError otherwise.
Activation parse_activation(const std::string& name);
/// "tanh", "relu" or "none": the name parse_activation reads.
const char* activation_name(Activation activation);

/// Layer sizes and initialisation of an MLP: sizes = {in, hidden..., out}. The activation follows
/// every layer but the last.
struct MlpConfig {
  std::vector<int64_t> sizes;
  Activation activation = Activation::tanh;
  Init hidden_init = Init::orthogonal(1.4142135f);  // sqrt(2), the usual choice for tanh/relu
  Init output_init = Init::orthogonal(1.0f);
  /// Whether the output layer gets the activation too (a trunk feeding other heads); it is then
  /// fused into that layer's kernel like the hidden layers' instead of being a pass of its own.
  bool activate_output = false;
};

class Mlp {
 public:
  Mlp() = default;
  Mlp(const MlpConfig& config, Rng& rng);

  /// x [..., sizes.front()] -> [..., sizes.back()]
  Tensor forward(const Tensor& x) const;

  /// The forward pass for acting, outside autograd: x [rows, in] -> y [rows, out] on raw buffers,
  /// straight on the kernels (no tape, no nodes). `workspace` holds the hidden activations; it
  /// grows on first use and is then reused, so steady-state calls allocate nothing. Several
  /// threads may call it at once with their own workspaces. Values are bit-identical to
  /// forward().
  void infer(const float* x, int64_t rows, float* y, std::vector<float>& workspace) const;

  const MlpConfig& config() const { return config_; }
  const std::vector<Linear>& layers() const { return layers_; }
  /// All layers' parameters in order.
  std::vector<Tensor> parameters() const;

 private:
  // The activation layer `layer` applies: config_.activation, but none on the output layer unless
  // config_.activate_output.
  Activation activation_of(std::size_t layer) const;

  MlpConfig config_;
  std::vector<Linear> layers_;
};

/// Total number of scalars in a parameter list.
int64_t count_parameters(const std::vector<Tensor>& params);

}  // namespace nn
