// RunningStat: the running mean and variance of every element of a fixed-size float vector.
//
// Observation filters normalise each element of an observation by the mean and standard
// deviation of everything seen so far. Storing the observations is out of the question, so the
// statistics are kept incrementally, per element, with Welford's update (numerically stable,
// one pass): the count n, the mean M and the sum of squared deviations from the mean S, all in
// double so that long runs do not lose precision.
//
// Two sets of statistics gathered separately (on two workers, say) combine exactly into the
// statistics of the union with Chan et al.'s parallel formula (merge()). That is what lets each
// sampling worker keep its own statistics and the driver add them up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/serialize.hpp"

namespace phantom {

/// Per-element count, mean and sum of squared deviations of the vectors pushed so far.
class RunningStat {
 public:
  /// Statistics of vectors of `size` floats, empty (n = 0). Throws ConfigError if size < 0.
  explicit RunningStat(int64_t size = 0);

  /// Floats per vector.
  int64_t size() const { return static_cast<int64_t>(mean_.size()); }
  /// Number of vectors seen (n).
  int64_t count() const { return count_; }
  /// Mean of element i (0 while empty).
  double mean(int64_t i) const { return mean_[static_cast<std::size_t>(i)]; }
  /// Sum of squared deviations of element i from its mean (S).
  double sum_sq_dev(int64_t i) const { return sum_sq_dev_[static_cast<std::size_t>(i)]; }
  /// Sample variance S / (n - 1) of element i. Quirk kept from RLlib: with a single sample it is
  /// mean^2 (so std() is |x|, and the first observation normalises to 0 rather than dividing by
  /// a zero spread); with no sample it is 0.
  double var(int64_t i) const;
  /// sqrt(var(i)).
  double std(int64_t i) const;

  /// Adds one vector of size() floats.
  void push(const float* x);
  /// Adds everything `other` has seen, as if its vectors had been pushed here (Chan et al.'s
  /// formula). Merging an empty side copies the other one exactly, so merging nothing changes
  /// no bit. Throws ShapeError naming both sizes if they differ.
  void merge(const RunningStat& other);
  /// Back to empty (n = 0), keeping the size.
  void clear();

  /// Saves size, n, M and S under `prefix` (the doubles bit for bit).
  void save(nn::StateDict& out, const std::string& prefix) const;
  /// Restores what save() wrote. Throws ShapeError naming the prefix and both sizes if the saved
  /// statistics have another size, FormatError naming the prefix if the entries are malformed.
  void load(const nn::StateDict& in, const std::string& prefix);

 private:
  int64_t count_ = 0;
  std::vector<double> mean_;
  std::vector<double> sum_sq_dev_;
};

}  // namespace phantom
