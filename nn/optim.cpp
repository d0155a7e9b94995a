// Optimisers, gradient clipping and the linear schedule.
#include "nn/optim.hpp"

#include <cmath>

#include "nn/error.hpp"
#include "nn/kernels/kernels.hpp"

namespace nn {

namespace k = nn::kernels;

Optimizer::Optimizer(std::vector<Tensor> params, float lr) : params_(std::move(params)), lr_(lr) {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].requires_grad()) {
      throw phantom::ValueError("optimizer: parameter " + std::to_string(i) + " of shape " +
                                params_[i].shape().to_string() +
                                " does not require a gradient (call set_requires_grad())");
    }
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

Sgd::Sgd(std::vector<Tensor> params, float lr, float momentum)
    : Optimizer(std::move(params), lr), momentum_(momentum) {
  if (momentum < 0.0f) throw phantom::ValueError("Sgd: momentum must be >= 0");
  if (momentum > 0.0f)
    for (const Tensor& p : params_) buffers_.push_back(Tensor::zeros(p.shape()));
}

void Sgd::step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    const float* g = p.grad();
    int64_t n = p.numel();
    if (momentum_ > 0.0f) {
      float* buf = buffers_[i].data();
      k::mul_scalar(buf, momentum_, buf, n);
      k::acc(g, buf, n);
      g = buf;
    }
    k::acc_scaled(g, -lr_, p.data(), n);
  }
}

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Optimizer(std::move(params), options.lr), options_(options) {
  if (!(options.beta1 >= 0.0f && options.beta1 < 1.0f && options.beta2 >= 0.0f &&
        options.beta2 < 1.0f && options.eps >= 0.0f)) {
    throw phantom::ValueError("Adam: need 0 <= beta1, beta2 < 1 and eps >= 0");
  }
  for (const Tensor& p : params_) {
    m_.push_back(Tensor::zeros(p.shape()));
    v_.push_back(Tensor::zeros(p.shape()));
  }
}

namespace {

// beta multiplied into 1.0 t times, rounding after each multiplication exactly as t calls of
// step() do (so a resumed run continues bit-identically). Once a multiplication no longer changes
// the product (it reached zero, or a subnormal that rounds back to itself), no later one does, so
// the loop stops there: for any beta < 1 that is after at most a few million factors (about
// 745 / -ln(beta); ~750,000 for 0.999), whatever t is.
double running_power(float beta, int64_t t) {
  double power = 1.0;
  for (int64_t i = 0; i < t; ++i) {
    const double next = power * beta;
    if (next == power) break;
    power = next;
  }
  return power;
}

}  // namespace

void Adam::set_steps_taken(int64_t t) {
  if (t < 0 || t > kMaxSteps) {
    throw phantom::ValueError("Adam: step count " + std::to_string(t) + " is outside 0.." +
                              std::to_string(kMaxSteps));
  }
  t_ = t;
  beta1_pow_ = running_power(options_.beta1, t);
  beta2_pow_ = running_power(options_.beta2, t);
}

void Adam::step() {
  ++t_;
  beta1_pow_ *= options_.beta1;
  beta2_pow_ *= options_.beta2;
  float c1 = static_cast<float>(1.0 - beta1_pow_), c2 = static_cast<float>(1.0 - beta2_pow_);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    k::adam_update(p.data(), p.grad(), m_[i].data(), v_[i].data(), p.numel(), lr_, options_.beta1,
                   options_.beta2, options_.eps, c1, c2);
  }
}

void Sgd::save(StateDict& dict, const std::string& prefix) const {
  dict.set_float(prefix + ".lr", lr_);
  dict.set_float(prefix + ".momentum", momentum_);
  put_tensors(dict, prefix + ".buffer", buffers_);
}

void Sgd::load(const StateDict& dict, const std::string& prefix) {
  lr_ = static_cast<float>(dict.get_float(prefix + ".lr"));
  get_tensors(dict, prefix + ".buffer", buffers_);
}

void Adam::save(StateDict& dict, const std::string& prefix) const {
  dict.set_float(prefix + ".lr", lr_);
  dict.set_int(prefix + ".step", t_);
  put_tensors(dict, prefix + ".m", m_);
  put_tensors(dict, prefix + ".v", v_);
}

void Adam::load(const StateDict& dict, const std::string& prefix) {
  lr_ = static_cast<float>(dict.get_float(prefix + ".lr"));
  get_tensors(dict, prefix + ".m", m_);
  get_tensors(dict, prefix + ".v", v_);
  set_steps_taken(dict.get_count(prefix + ".step", kMaxSteps));
}

float grad_norm(const std::vector<Tensor>& params) {
  float total = 0.0f;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const float* g = params[i].grad();
    if (g == nullptr) {
      throw phantom::ValueError("grad_norm: parameter " + std::to_string(i) + " of shape " +
                                params[i].shape().to_string() + " has no gradient buffer");
    }
    total += k::sum_squares(g, params[i].numel());
  }
  return std::sqrt(total);
}

float clip_grad_norm(const std::vector<Tensor>& params, float max_norm) {
  float norm = grad_norm(params);
  if (norm > max_norm) {
    float scale = max_norm / (norm + 1e-6f);
    for (const Tensor& p : params) {
      float* g = const_cast<Tensor&>(p).grad();
      k::mul_scalar(g, scale, g, p.numel());
    }
  }
  return norm;
}

LinearSchedule::LinearSchedule(double start, double end, int64_t steps)
    : start_(start), end_(end), steps_(steps) {
  if (steps <= 0) throw phantom::ValueError("LinearSchedule: steps must be positive");
}

double LinearSchedule::at(int64_t step) const {
  if (step <= 0) return start_;
  if (step >= steps_) return end_;
  double frac = static_cast<double>(step) / static_cast<double>(steps_);
  return start_ + (end_ - start_) * frac;
}

}  // namespace nn
