// Ranges: the axes of a rollout grid.
//
// A rollout over an env config (or a supertype) containing Ranges runs once per combination of
// their values: each Range is one axis of the grid, in the order the rollout runner finds them.
// A Range is immutable and shared through std::shared_ptr<const Range>; identity is the pointer,
// so one Range referenced twice is one axis, not two.
//
// Values are floats, computed on demand (value(i)) from double parameters, as numpy computes them
// in float64, then rounded to float:
//  * UniformRange(start, end, step): numpy.arange, end excluded;
//  * LinspaceRange(start, end, n): numpy.linspace, end included.
// The UnitArray* variants have the same values, but each grid point is delivered to the consumer
// as a one-element array (a shape-(1,) buffer) rather than a scalar: a supertype field or config
// entry set from one becomes a Box of shape (1,), where a plain Range gives a scalar float.
// unit_array() tells them apart.
//
//   auto price = phantom::uniform_range(1.0, 2.0, 0.5, "price");   // values {1, 1.5}
//   for (float p : price->values()) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/error.hpp"

namespace phantom {

/// The most values a Range may hold: ten million. A rollout runs every grid point at least once,
/// so a larger axis is a mistake (a step typed in the wrong unit), and refusing it up front keeps
/// a constructor from allocating or looping for minutes. Constructors throw ConfigError beyond it.
constexpr int64_t kMaxRangeValues = 10000000;

/// The common interface of the ranges: a finite, ordered list of float values with a name.
class Range {
 public:
  virtual ~Range() = default;

  /// Number of values.
  virtual std::size_t size() const = 0;
  /// Value i (0 <= i < size(); throws ValueError otherwise).
  float value(std::size_t i) const;
  /// All the values, in order.
  std::vector<float> values() const;

  /// The optional name ("" if none), e.g. the column name of this axis in rollout results.
  const std::string& name() const { return name_; }
  /// True if each value is delivered as a shape-(1,) array rather than a scalar.
  bool unit_array() const { return unit_array_; }
  /// The class name, e.g. "UniformRange" or "UnitArrayLinspaceRange".
  virtual const char* kind() const = 0;
  /// Python's repr: "<UniformRange name='price'>", or "<LinspaceRange>" without a name.
  std::string to_string() const;

 protected:
  Range(std::string name, bool unit_array) : name_(std::move(name)), unit_array_(unit_array) {}
  /// Value i, with 0 <= i < size() already checked.
  virtual float value_unchecked(std::size_t i) const = 0;

 private:
  std::string name_;
  bool unit_array_;
};

/// numpy.arange(start, end, step): start, start + step, ... strictly before end (below end for a
/// positive step, above it for a negative one); value i is start + i * step in double, rounded
/// to float (never a running sum, so errors do not accumulate). The count is
/// ceil((end - start) / step), corrected by one where the division's rounding would include a
/// value at or beyond end, or miss one before it. start on the wrong side of end gives no values.
class UniformRange : public Range {
 public:
  /// Throws ConfigError if start, end or step is not finite, if step == 0, if the range would
  /// have more than kMaxRangeValues values, or if its values cannot be represented: a range of
  /// two values or more whose step is at most four units in the last place of a double near
  /// max(|start|, |end|), so that start + i * step might not advance from one index to the next
  /// (arange(1e30, 1.00000000000000015e30, 1)). The count is computed in constant time.
  UniformRange(double start, double end, double step = 1.0, std::string name = "");

  std::size_t size() const override { return size_; }
  const char* kind() const override { return "UniformRange"; }

  double start() const { return start_; }
  double end() const { return end_; }
  double step() const { return step_; }

 protected:
  UniformRange(double start, double end, double step, std::string name, bool unit_array);
  float value_unchecked(std::size_t i) const override;

 private:
  double start_, end_, step_;
  std::size_t size_;
};

/// numpy.linspace(start, end, n): n evenly spaced values from start to end, both included. With
/// step = (end - start) / (n - 1), value i is start + i * step in double, rounded to float, and
/// the last value is exactly end; n == 1 gives {start}.
class LinspaceRange : public Range {
 public:
  /// Throws ConfigError if start or end is not finite, if n < 1 or if n > kMaxRangeValues.
  LinspaceRange(double start, double end, int64_t n, std::string name = "");

  std::size_t size() const override { return static_cast<std::size_t>(n_); }
  const char* kind() const override { return "LinspaceRange"; }

  double start() const { return start_; }
  double end() const { return end_; }

 protected:
  LinspaceRange(double start, double end, int64_t n, std::string name, bool unit_array);
  float value_unchecked(std::size_t i) const override;

 private:
  double start_, end_;
  int64_t n_;
};

/// UniformRange whose values are delivered as shape-(1,) arrays.
class UnitArrayUniformRange : public UniformRange {
 public:
  UnitArrayUniformRange(double start, double end, double step = 1.0, std::string name = "");
  const char* kind() const override { return "UnitArrayUniformRange"; }
};

/// LinspaceRange whose values are delivered as shape-(1,) arrays.
class UnitArrayLinspaceRange : public LinspaceRange {
 public:
  UnitArrayLinspaceRange(double start, double end, int64_t n, std::string name = "");
  const char* kind() const override { return "UnitArrayLinspaceRange"; }
};

// Factory helpers: each returns a new Range (a new identity).

std::shared_ptr<const UniformRange> uniform_range(double start, double end, double step = 1.0,
                                                  std::string name = "");
std::shared_ptr<const LinspaceRange> linspace_range(double start, double end, int64_t n,
                                                    std::string name = "");
std::shared_ptr<const UnitArrayUniformRange> unit_array_uniform_range(double start, double end,
                                                                      double step = 1.0,
                                                                      std::string name = "");
std::shared_ptr<const UnitArrayLinspaceRange> unit_array_linspace_range(double start, double end,
                                                                        int64_t n,
                                                                        std::string name = "");

}  // namespace phantom
