// Linear and Mlp.
#include "nn/layers.hpp"

#include <algorithm>

#include "nn/error.hpp"
#include "nn/init.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/ops.hpp"

namespace nn {

Linear::Linear(int64_t in_features, int64_t out_features, Rng& rng, Init init, bool bias) {
  if (in_features <= 0 || out_features <= 0) {
    throw phantom::ConfigError(
        "Linear: sizes must be positive, got in=" + std::to_string(in_features) +
        " out=" + std::to_string(out_features));
  }
  weight_ = Tensor::zeros({in_features, out_features});
  if (init.kind == Init::Kind::orthogonal) {
    orthogonal_(weight_, init.gain, rng);
  } else {
    xavier_uniform_(weight_, init.gain, rng);
  }
  weight_.set_requires_grad();
  if (bias) bias_ = Tensor::zeros({out_features}).set_requires_grad();
}

Tensor Linear::forward(const Tensor& x) const {
  return linear(x, weight_, bias_);
}

Tensor Linear::forward(const Tensor& x, Activation act) const {
  return dense(x, weight_, bias_, act);
}

std::vector<Tensor> Linear::parameters() const {
  std::vector<Tensor> p{weight_};
  if (bias_.defined()) p.push_back(bias_);
  return p;
}

Activation parse_activation(const std::string& name) {
  if (name == "tanh") return Activation::tanh;
  if (name == "relu") return Activation::relu;
  if (name == "none") return Activation::none;
  throw phantom::ConfigError("unknown activation '" + name + "'; expected tanh, relu or none");
}

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::tanh:
      return "tanh";
    case Activation::relu:
      return "relu";
    case Activation::none:
      break;
  }
  return "none";
}

Mlp::Mlp(const MlpConfig& config, Rng& rng) : config_(config) {
  if (config.sizes.size() < 2) {
    throw phantom::ConfigError("Mlp: sizes needs at least an input and an output size, got " +
                               std::to_string(config.sizes.size()) + " entries");
  }
  for (std::size_t i = 0; i + 1 < config.sizes.size(); ++i) {
    bool last = i + 2 == config.sizes.size();
    layers_.emplace_back(config.sizes[i], config.sizes[i + 1], rng,
                         last ? config.output_init : config.hidden_init);
  }
}

Tensor Mlp::forward(const Tensor& x) const {
  Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    h = layers_[i].forward(h, activation_of(i));
  }
  return h;
}

void Mlp::infer(const float* x, int64_t rows, float* y, std::vector<float>& workspace) const {
  int64_t widest = 0;
  for (std::size_t i = 0; i + 1 < layers_.size(); ++i)
    widest = std::max(widest, layers_[i].out_features());
  std::size_t needed = static_cast<std::size_t>(2 * rows * widest);
  if (workspace.size() < needed) workspace.resize(needed);
  const float* in = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Linear& layer = layers_[i];
    int64_t in_f = layer.in_features(), out_f = layer.out_features();
    bool last = i + 1 == layers_.size();
    // Hidden activations alternate between the two halves of the workspace.
    float* out = last ? y : workspace.data() + (i % 2) * rows * widest;
    // The kernel behind forward()'s dense op, hence the same bits.
    const float* b = layer.bias().defined() ? layer.bias().data() : nullptr;
    kernels::dense(static_cast<int>(rows), static_cast<int>(in_f), static_cast<int>(out_f), in,
                   layer.weight().data(), b, activation_of(i), out);
    in = out;
  }
}

Activation Mlp::activation_of(std::size_t layer) const {
  const bool last = layer + 1 == layers_.size();
  return last && !config_.activate_output ? Activation::none : config_.activation;
}

std::vector<Tensor> Mlp::parameters() const {
  std::vector<Tensor> p;
  for (const Linear& l : layers_)
    for (const Tensor& t : l.parameters()) p.push_back(t);
  return p;
}

int64_t count_parameters(const std::vector<Tensor>& params) {
  int64_t n = 0;
  for (const Tensor& t : params) n += t.numel();
  return n;
}

}  // namespace nn
