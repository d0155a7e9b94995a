// RunningStat: Welford's per-element update and Chan et al.'s merge, in double.
#include "trainers/sampling/running_stat.hpp"

#include <algorithm>
#include <cmath>

#include "nn/error.hpp"

namespace phantom {

RunningStat::RunningStat(int64_t size) {
  if (size < 0) throw ConfigError("RunningStat: size " + std::to_string(size) + " is negative");
  mean_.assign(static_cast<std::size_t>(size), 0.0);
  sum_sq_dev_.assign(static_cast<std::size_t>(size), 0.0);
}

double RunningStat::var(int64_t i) const {
  if (count_ == 0) return 0.0;
  if (count_ == 1) return mean(i) * mean(i);
  return sum_sq_dev(i) / static_cast<double>(count_ - 1);
}

double RunningStat::std(int64_t i) const {
  return std::sqrt(var(i));
}

void RunningStat::push(const float* x) {
  ++count_;
  if (count_ == 1) {  // the first vector is its own mean; S stays 0
    std::copy(x, x + size(), mean_.begin());
    return;
  }
  const auto n = static_cast<double>(count_);
  for (std::size_t i = 0; i < mean_.size(); ++i) {
    double delta = x[i] - mean_[i];
    mean_[i] += delta / n;
    sum_sq_dev_[i] += delta * delta * (n - 1) / n;
  }
}

void RunningStat::merge(const RunningStat& other) {
  if (other.size() != size()) {
    throw ShapeError("RunningStat::merge: statistics of " + std::to_string(other.size()) +
                     " elements cannot be merged into statistics of " + std::to_string(size()));
  }
  // An empty side contributes nothing: skipping it (rather than running the formula, which
  // would compute n1 * M1 / n1) keeps repeated merges of empty deltas bit-exact.
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  const auto n1 = static_cast<double>(count_), n2 = static_cast<double>(other.count_);
  const double n = n1 + n2;
  for (std::size_t i = 0; i < mean_.size(); ++i) {
    double delta = mean_[i] - other.mean_[i];
    mean_[i] = (n1 * mean_[i] + n2 * other.mean_[i]) / n;
    sum_sq_dev_[i] += other.sum_sq_dev_[i] + delta * delta * n1 * n2 / n;
  }
  count_ += other.count_;
}

void RunningStat::clear() {
  count_ = 0;
  std::fill(mean_.begin(), mean_.end(), 0.0);
  std::fill(sum_sq_dev_.begin(), sum_sq_dev_.end(), 0.0);
}

void RunningStat::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_int(prefix + ".size", size());
  out.set_int(prefix + ".count", count_);
  out.set_doubles(prefix + ".mean", mean_);
  out.set_doubles(prefix + ".sum_sq_dev", sum_sq_dev_);
}

void RunningStat::load(const nn::StateDict& in, const std::string& prefix) {
  const int64_t saved_size = in.get_int(prefix + ".size");
  if (saved_size != size()) {
    throw ShapeError(prefix + ": saved running statistics have " + std::to_string(saved_size) +
                     " elements, these have " + std::to_string(size()));
  }
  const int64_t saved_count = in.get_int(prefix + ".count");
  const std::vector<double> mean = in.get_doubles(prefix + ".mean");
  const std::vector<double> sum_sq_dev = in.get_doubles(prefix + ".sum_sq_dev");
  if (saved_count < 0 || mean.size() != mean_.size() || sum_sq_dev.size() != mean_.size()) {
    throw FormatError(in.source() + ": " + prefix + ": running statistics with count " +
                      std::to_string(saved_count) + " and " + std::to_string(mean.size()) + " + " +
                      std::to_string(sum_sq_dev.size()) +
                      " moment values; expected a count >= 0 and " + std::to_string(mean_.size()) +
                      " values each");
  }
  // Only now that everything was read and checked: a failed load changes nothing.
  count_ = saved_count;
  std::copy(mean.begin(), mean.end(), mean_.begin());
  std::copy(sum_sq_dev.begin(), sum_sq_dev.end(), sum_sq_dev_.begin());
}

}  // namespace phantom
