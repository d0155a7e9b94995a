// The floor of a training workload (floor_work.hpp).
#include "common/floor_work.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>

#include "common/fma_peak.hpp"
#include "nn/kernels/kernels.hpp"

namespace floor_work {

namespace {

// Activations per chunk: 16 KB, the fused dense layer's band (kernels::dense).
constexpr int64_t kChunk = 4096;

int64_t parameters(const std::vector<int64_t>& sizes) {
  int64_t total = 0;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i)
    total += sizes[i] * sizes[i + 1] + sizes[i + 1];
  return total;
}

int64_t hidden_outputs(const std::vector<int64_t>& sizes, int64_t rows) {
  int64_t total = 0;
  for (std::size_t i = 1; i + 1 < sizes.size(); ++i) total += rows * sizes[i];
  return total;
}

// Multiply-adds of `rows` rows of an MLP with layer sizes {in, hidden..., out}: forward only, or
// forward and backward (weight gradients, and input gradients but the first layer's).
double multiply_adds(const std::vector<int64_t>& sizes, int64_t rows, bool backward) {
  double total = 0;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    const double layer = static_cast<double>(rows) * static_cast<double>(sizes[i] * sizes[i + 1]);
    total += layer;                                       // forward
    if (backward) total += (i == 0 ? 1.0 : 2.0) * layer;  // dW, and dX past the first layer
  }
  return total;
}

}  // namespace

void FloorWork::add_pass(const std::vector<int64_t>& sizes, int64_t rows, bool backward) {
  multiply_adds_ += multiply_adds(sizes, rows, backward);
  tanh_outputs_ += hidden_outputs(sizes, rows);
  if (backward) tanh_gradients_ += hidden_outputs(sizes, rows);
}

void FloorWork::add_adam(const std::vector<int64_t>& sizes, int updates) {
  for (int u = 0; u < updates; ++u) adam_.push_back(parameters(sizes));
}

void FloorWork::run() {
  if (pre_.empty()) {
    // Moderate values: tanh's inputs within its range; Adam's moments settle without overflow.
    pre_.assign(kChunk, 0.5f);
    act_.assign(kChunk, 0.0f);
    grad_in_.assign(kChunk, 0.25f);
    grad_out_.assign(kChunk, 0.0f);
    const int64_t largest = adam_.empty() ? 0 : *std::max_element(adam_.begin(), adam_.end());
    const auto n = static_cast<std::size_t>(largest);
    p_.assign(n, 0.1f);
    g_.assign(n, 0.01f);
    m_.assign(n, 0.0f);
    v_.assign(n, 0.0f);
  }
  benchmark::DoNotOptimize(seed_);  // opaque: the FMA loop cannot be evaluated at compile time
  benchmark::DoNotOptimize(
      fma_peak::run(zmm_, fma_peak::steps_for(2.0 * multiply_adds_, zmm_), seed_));
  for (int64_t done = 0; done < tanh_outputs_; done += kChunk) {
    nn::kernels::tanh(pre_.data(), act_.data(), std::min(kChunk, tanh_outputs_ - done));
  }
  for (int64_t done = 0; done < tanh_gradients_; done += kChunk) {
    nn::kernels::tanh_backward(grad_in_.data(), act_.data(), grad_out_.data(),
                               std::min(kChunk, tanh_gradients_ - done));
  }
  for (int64_t n : adam_) {
    nn::kernels::adam_update(p_.data(), g_.data(), m_.data(), v_.data(), n, 1e-3f, 0.9f, 0.999f,
                             1e-8f, 0.5f, 0.5f);
  }
  benchmark::ClobberMemory();
}

}  // namespace floor_work
