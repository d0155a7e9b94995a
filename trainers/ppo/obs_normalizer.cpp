// ObsNormalizer: batched Welford-style updates (Chan et al. 1979).
#include "trainers/ppo/obs_normalizer.hpp"

#include <algorithm>
#include <cmath>

#include "nn/error.hpp"

namespace phantom {

ObsNormalizer::ObsNormalizer(int64_t size, float clip, double eps)
    : clip_(clip),
      eps_(eps),
      mean_(static_cast<std::size_t>(size), 0.0),
      var_(static_cast<std::size_t>(size), 1.0),
      batch_mean_(static_cast<std::size_t>(size)),
      batch_var_(static_cast<std::size_t>(size)) {}

void ObsNormalizer::update(const float* x, int64_t rows) {
  if (rows <= 0) return;
  auto n = static_cast<std::size_t>(size());
  std::fill(batch_mean_.begin(), batch_mean_.end(), 0.0);
  std::fill(batch_var_.begin(), batch_var_.end(), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < n; ++j) batch_mean_[j] += x[static_cast<std::size_t>(r) * n + j];
  auto b = static_cast<double>(rows);
  for (double& m : batch_mean_) m /= b;
  for (int64_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < n; ++j) {
      double d = x[static_cast<std::size_t>(r) * n + j] - batch_mean_[j];
      batch_var_[j] += d * d;
    }
  }
  double total = count_ + b;
  for (std::size_t j = 0; j < n; ++j) {
    double delta = batch_mean_[j] - mean_[j];
    double m2 = var_[j] * count_ + batch_var_[j] + delta * delta * count_ * b / total;
    mean_[j] += delta * b / total;
    var_[j] = m2 / total;
  }
  count_ = total;
}

void ObsNormalizer::normalize(float* x, int64_t rows) const {
  auto n = static_cast<std::size_t>(size());
  for (int64_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < n; ++j) {
      float& v = x[static_cast<std::size_t>(r) * n + j];
      double z = (v - mean_[j]) / std::sqrt(var_[j] + eps_);
      v = static_cast<float>(std::min<double>(std::max<double>(z, -clip_), clip_));
    }
  }
}

void ObsNormalizer::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_float(prefix + ".count", count_);
  // Stored as float64 entries (tensors are float32): a resumed run must see the same bits.
  for (std::size_t j = 0; j < mean_.size(); ++j) {
    out.set_float(prefix + ".mean." + std::to_string(j), mean_[j]);
    out.set_float(prefix + ".var." + std::to_string(j), var_[j]);
  }
}

void ObsNormalizer::load(const nn::StateDict& in, const std::string& prefix) {
  count_ = in.get_float(prefix + ".count");
  for (std::size_t j = 0; j < mean_.size(); ++j) {
    mean_[j] = in.get_float(prefix + ".mean." + std::to_string(j));
    var_[j] = in.get_float(prefix + ".var." + std::to_string(j));
  }
}

}  // namespace phantom
