// ObsNormalizer: running mean and variance of observation features, and the normalised
// features (x - mean) / sqrt(var + eps), clipped to +-clip (as gym's NormalizeObservation).
//
// It is updated with each batch of features the policy acts on, in a fixed order, so it is
// deterministic; its state goes into checkpoints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/serialize.hpp"

namespace phantom {

class ObsNormalizer {
 public:
  explicit ObsNormalizer(int64_t size = 0, float clip = 10.0f, double eps = 1e-8);

  /// Adds `rows` rows of `size` features to the statistics (Chan et al.'s parallel update).
  void update(const float* rows_data, int64_t rows);
  /// Normalises `rows` rows in place.
  void normalize(float* rows_data, int64_t rows) const;

  int64_t size() const { return static_cast<int64_t>(mean_.size()); }
  double count() const { return count_; }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& variance() const { return var_; }

  void save(nn::StateDict& out, const std::string& prefix) const;
  void load(const nn::StateDict& in, const std::string& prefix);

 private:
  float clip_;
  double eps_;
  double count_ = 0.0;
  std::vector<double> mean_, var_, batch_mean_, batch_var_;
};

}  // namespace phantom
