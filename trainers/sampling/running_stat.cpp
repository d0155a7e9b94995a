// RunningStat: Welford's per-element update and Chan et al.'s merge, in double.
#include "trainers/sampling/running_stat.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "nn/error.hpp"

namespace phantom {

namespace {

// Doubles as 8 little-endian bytes each, whatever the host, so a saved file reads back the
// same bits on any machine.
std::string pack_doubles(const std::vector<double>& values) {
  std::string bytes(values.size() * 8, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    uint64_t bits;
    std::memcpy(&bits, &values[i], 8);
    for (std::size_t b = 0; b < 8; ++b)
      bytes[i * 8 + b] = static_cast<char>((bits >> (8 * b)) & 0xFF);
  }
  return bytes;
}

void unpack_doubles(const std::string& bytes, std::vector<double>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    uint64_t bits = 0;
    for (std::size_t b = 0; b < 8; ++b) {
      bits |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i * 8 + b])) << (8 * b);
    }
    std::memcpy(&values[i], &bits, 8);
  }
}

}  // namespace

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
  out.set_string(prefix + ".mean", pack_doubles(mean_));
  out.set_string(prefix + ".sum_sq_dev", pack_doubles(sum_sq_dev_));
}

void RunningStat::load(const nn::StateDict& in, const std::string& prefix) {
  const int64_t saved_size = in.get_int(prefix + ".size");
  if (saved_size != size()) {
    throw ShapeError(prefix + ": saved running statistics have " + std::to_string(saved_size) +
                     " elements, these have " + std::to_string(size()));
  }
  const int64_t saved_count = in.get_int(prefix + ".count");
  const std::string& mean = in.get_string(prefix + ".mean");
  const std::string& sum_sq_dev = in.get_string(prefix + ".sum_sq_dev");
  const std::size_t bytes = mean_.size() * 8;
  if (saved_count < 0 || mean.size() != bytes || sum_sq_dev.size() != bytes) {
    throw FormatError(in.source() + ": " + prefix + ": running statistics with count " +
                      std::to_string(saved_count) + " and " + std::to_string(mean.size()) + " + " +
                      std::to_string(sum_sq_dev.size()) +
                      " bytes of moments; expected a count >= 0 and " + std::to_string(bytes) +
                      " bytes each");
  }
  count_ = saved_count;
  unpack_doubles(mean, mean_);
  unpack_doubles(sum_sq_dev, sum_sq_dev_);
}

}  // namespace phantom
