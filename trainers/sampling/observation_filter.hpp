// Observation filters: what a sampling worker does to each observation before its policy sees it.
//
// The usual filter standardises every element, (x - mean) / (std + epsilon), with the mean and
// standard deviation of all observations seen so far, so that a network's inputs stay of order
// one whatever the env's units. The statistics are part of the policy: a trained policy acting
// on raw observations acts on the wrong inputs, so filters are checkpointed with it and applied,
// without updating them (update = false), wherever actions are computed outside training.
//
// Each sampling worker has its own copy of each filter and updates it with what it observes.
// Besides the statistics of everything it has been told about (`rs`), a MeanStdFilter keeps a
// `buffer`: the statistics of only what this copy itself observed since the buffer was last
// cleared. The buffer is the worker's delta; the driver merges the deltas of all workers into
// its own filter and sends the result back (see filter_set.hpp for that protocol).
//
// Elements that hold integer indices (Discrete, MultiDiscrete, MultiBinary parts of an
// observation) must reach the policy unchanged; a per-element passthrough mask marks them
// (filter_passthrough_mask() builds it from an observation space).
//
// A filter's observations are flat rows of size() floats, filtered in place.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "nn/serialize.hpp"
#include "phantom/space.hpp"
#include "trainers/sampling/running_stat.hpp"

namespace phantom {

/// The interface every observation filter implements.
class ObservationFilter {
 public:
  virtual ~ObservationFilter() = default;

  /// "NoFilter", "MeanStdFilter" or "ConcurrentMeanStdFilter" (used in error messages).
  virtual const char* name() const = 0;
  /// Floats per observation.
  int64_t size() const { return size_; }
  /// True if several threads may call this filter at once (needed by background sampling).
  virtual bool is_concurrent() const { return false; }

  /// Filters `num_rows` row-major observations of size() floats in place. With `update`, each
  /// row is first added to the statistics, so the result is exactly that of calling apply on
  /// each row in turn; without it, the statistics are left untouched. Throws ValueError if
  /// num_rows < 0.
  virtual void apply(float* rows, int64_t num_rows, bool update) = 0;

  /// A deep copy (statistics, buffer and settings). A concurrent filter's copy is a plain one:
  /// copies are what travels between workers and the driver.
  virtual std::unique_ptr<ObservationFilter> copy() const = 0;
  /// copy() followed by clear_buffer(), as one step: on a concurrent filter no observation can
  /// slip in between and be lost from both the copy's buffer and this one.
  virtual std::unique_ptr<ObservationFilter> copy_and_clear_buffer() = 0;

  /// Merges what `other` observed since its buffer was last cleared (its buffer) into this
  /// filter's statistics; with `with_buffer`, this buffer also becomes a copy of other's.
  /// Throws ConfigError naming both filters if they are of incompatible kinds, ShapeError naming
  /// both sizes if the sizes differ.
  virtual void apply_changes(const ObservationFilter& other, bool with_buffer) = 0;
  /// Makes this filter a copy of `other`: settings, statistics and buffer are all overwritten
  /// (nothing of this filter's own delta is kept). Same errors as apply_changes().
  virtual void sync(const ObservationFilter& other) = 0;
  /// Empties the buffer (the statistics of everything seen are kept).
  virtual void clear_buffer() = 0;

  /// Saves the whole filter (kind, settings, statistics, buffer) under `prefix`.
  virtual void save(nn::StateDict& out, const std::string& prefix) const = 0;
  /// Restores what save() wrote, settings included. Throws FormatError naming the prefix if the
  /// saved filter is of another kind or malformed, ShapeError naming it if of another size.
  virtual void load(const nn::StateDict& in, const std::string& prefix) = 0;

 protected:
  /// Throws ConfigError naming `size` if it is negative.
  explicit ObservationFilter(int64_t size);
  ObservationFilter(const ObservationFilter&) = default;
  ObservationFilter& operator=(const ObservationFilter&) = default;

 private:
  int64_t size_;
};

/// The identity: observations pass unchanged and there is nothing to merge or synchronise.
/// It keeps no state, so it is safe to share between threads.
class NoFilter final : public ObservationFilter {
 public:
  /// Throws ConfigError if size < 0.
  explicit NoFilter(int64_t size) : ObservationFilter(size) {}

  const char* name() const override { return "NoFilter"; }
  bool is_concurrent() const override { return true; }
  void apply(float* rows, int64_t num_rows, bool update) override;
  std::unique_ptr<ObservationFilter> copy() const override;
  std::unique_ptr<ObservationFilter> copy_and_clear_buffer() override { return copy(); }
  /// No-op once `other` is checked to be a NoFilter of the same size.
  void apply_changes(const ObservationFilter& other, bool with_buffer) override;
  /// No-op once `other` is checked to be a NoFilter of the same size.
  void sync(const ObservationFilter& other) override;
  void clear_buffer() override {}
  void save(nn::StateDict& out, const std::string& prefix) const override;
  void load(const nn::StateDict& in, const std::string& prefix) override;
};

/// What a MeanStdFilter does to each non-passthrough element, in this order.
struct MeanStdOptions {
  /// Subtract the running mean.
  bool demean = true;
  /// Divide by (running std + MeanStdFilter::kEpsilon).
  bool destd = true;
  /// Clamp the result to [-clip, clip]; nullopt = no clipping. Must be > 0.
  std::optional<double> clip = 10.0;
};

/// Standardises each element by the running mean and std of every observation seen, as RLlib's
/// MeanStdFilter: x := clip((x - mean) / (std + 1e-6)). Not thread-safe; see
/// ConcurrentMeanStdFilter.
class MeanStdFilter : public ObservationFilter {
 public:
  /// Added to the std before dividing, so an element that never varied does not divide by
  /// zero. It is the only guard: such an element maps a new value v to (v - mean) * 1e6,
  /// bounded only by clip.
  static constexpr double kEpsilon = 1e-6;

  /// Observations of `size` floats. `passthrough` is empty (every element is filtered) or holds
  /// size() flags, nonzero for elements returned unchanged. Throws ConfigError if size < 0 or
  /// clip is not > 0, ShapeError naming both sizes if the mask has another size.
  explicit MeanStdFilter(int64_t size, MeanStdOptions options = {},
                         std::vector<char> passthrough = {});
  MeanStdFilter(const MeanStdFilter&) = default;
  MeanStdFilter& operator=(const MeanStdFilter&) = default;

  const char* name() const override { return "MeanStdFilter"; }
  void apply(float* rows, int64_t num_rows, bool update) override;
  std::unique_ptr<ObservationFilter> copy() const override;
  std::unique_ptr<ObservationFilter> copy_and_clear_buffer() override;
  /// `other` must be a MeanStdFilter or a ConcurrentMeanStdFilter.
  void apply_changes(const ObservationFilter& other, bool with_buffer) override;
  /// `other` must be a MeanStdFilter or a ConcurrentMeanStdFilter.
  void sync(const ObservationFilter& other) override;
  void clear_buffer() override { buffer_.clear(); }
  /// Saved as kind "MeanStdFilter" (also by a ConcurrentMeanStdFilter).
  void save(nn::StateDict& out, const std::string& prefix) const override;
  void load(const nn::StateDict& in, const std::string& prefix) override;

  // Read access for tests and reports. On a ConcurrentMeanStdFilter these are not synchronised:
  // read them from copy() while other threads may be using the filter.

  /// Statistics of every observation this filter has been told about.
  const RunningStat& rs() const { return rs_; }
  /// Statistics of what this copy observed since its buffer was last cleared.
  const RunningStat& buffer() const { return buffer_; }
  const MeanStdOptions& options() const { return options_; }
  /// Empty, or one flag per element (nonzero = passed through unchanged).
  const std::vector<char>& passthrough() const { return passthrough_; }

 private:
  // Standardises one row with the current statistics.
  void normalize(float* x) const;

  MeanStdOptions options_;
  std::vector<char> passthrough_;
  RunningStat rs_;
  RunningStat buffer_;
};

/// A MeanStdFilter whose public operations each run under one mutex, so a background sampling
/// thread can update it while the driver side copies or synchronises it. Its copies (and its
/// saved form) are plain MeanStdFilters.
class ConcurrentMeanStdFilter final : public MeanStdFilter {
 public:
  /// As MeanStdFilter's constructor.
  explicit ConcurrentMeanStdFilter(int64_t size, MeanStdOptions options = {},
                                   std::vector<char> passthrough = {});

  const char* name() const override { return "ConcurrentMeanStdFilter"; }
  bool is_concurrent() const override { return true; }
  void apply(float* rows, int64_t num_rows, bool update) override;
  std::unique_ptr<ObservationFilter> copy() const override;
  std::unique_ptr<ObservationFilter> copy_and_clear_buffer() override;
  void apply_changes(const ObservationFilter& other, bool with_buffer) override;
  void sync(const ObservationFilter& other) override;
  void clear_buffer() override;
  void save(nn::StateDict& out, const std::string& prefix) const override;
  void load(const nn::StateDict& in, const std::string& prefix) override;

 private:
  mutable std::mutex mutex_;
};

/// The filter named `name` for observations of `size` floats: "NoFilter", "MeanStdFilter" or
/// "ConcurrentMeanStdFilter". As in RLlib's config path, the MeanStd filters built here do not
/// clip (clip = nullopt), unlike MeanStdOptions' default. `passthrough` as in MeanStdFilter
/// (ignored by NoFilter). Throws ConfigError naming `name` and listing the valid names if it is
/// unknown, ConfigError naming `size` if it is negative.
std::unique_ptr<ObservationFilter> make_observation_filter(const std::string& name, int64_t size,
                                                           std::vector<char> passthrough = {});

/// One flag per float of a value of `observation_space` (its flat_size()), nonzero where the
/// value holds an integer index that must not be standardised: the elements of Discrete,
/// MultiDiscrete and MultiBinary parts, at any depth of Tuple and Dict spaces.
std::vector<char> filter_passthrough_mask(const Space& observation_space);

}  // namespace phantom
