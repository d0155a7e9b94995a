// RangeGrid: the points of a rollout sweep, one per combination of its Ranges' values.
//
// Each distinct Range (by identity: the same shared_ptr twice is one axis) is an axis. Points are
// numbered so that the first axis varies slowest and the last fastest, as Python Phantom orders
// its rollout variations:
//
//   RangeGrid grid({linspace_range(0, 1, 10, "a"), uniform_range(0, 5, 1, "b")});
//   grid.size();          // 50
//   grid.params(7);       // {{"a", 0}, {"b", 2}}: point 7 = a's value 0, b's value 7 % 5
//
// An unnamed Range's axis is called "range-<k>", k counting the unnamed axes from 0 in axis order.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "analysis/rollout.hpp"
#include "phantom/range.hpp"

namespace phantom {

/// One axis: a Range and the name of its values in Rollout::params.
struct GridAxis {
  std::shared_ptr<const Range> range;
  std::string name;
};

class RangeGrid {
 public:
  /// No axes: one point with no params.
  RangeGrid() = default;
  /// Axes in the order given, repeated Ranges skipped. Throws ConfigError naming the axis if a
  /// Range has no values (the grid would be empty), and if the number of points overflows.
  explicit RangeGrid(const std::vector<std::shared_ptr<const Range>>& ranges);

  const std::vector<GridAxis>& axes() const { return axes_; }
  /// Number of points: the product of the axes' sizes (1 without axes).
  std::size_t size() const { return size_; }
  /// The axis of `range` (compared by identity), or -1.
  int axis_of(const Range* range) const;

  /// The index into axis `axis`'s values at point `point`.
  std::size_t value_index(std::size_t point, std::size_t axis) const;
  /// The value of axis `axis` at point `point`.
  float value(std::size_t point, std::size_t axis) const;
  /// One RolloutParam per axis, in axis order. Throws ValueError if point >= size().
  std::vector<RolloutParam> params(std::size_t point) const;

 private:
  std::vector<GridAxis> axes_;
  /// stride_[a]: how many points pass before axis a's value changes.
  std::vector<std::size_t> stride_;
  std::size_t size_ = 1;
};

}  // namespace phantom
