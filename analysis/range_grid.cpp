// RangeGrid: axes, strides and point decoding.
#include "analysis/range_grid.hpp"

#include <limits>

#include "nn/error.hpp"

namespace phantom {

RangeGrid::RangeGrid(const std::vector<std::shared_ptr<const Range>>& ranges) {
  int unnamed = 0;
  for (const auto& range : ranges) {
    if (!range) throw ConfigError("RangeGrid: a range is null");
    if (axis_of(range.get()) >= 0) continue;
    std::string name = range->name();
    if (name.empty()) name = "range-" + std::to_string(unnamed++);
    if (range->size() == 0) {
      throw ConfigError("rollout grid: " + range->to_string() + " (axis '" + name +
                        "') has no values, so the grid would have no points");
    }
    axes_.push_back({range, std::move(name)});
  }
  // Strides from the last (fastest) axis to the first (slowest).
  stride_.assign(axes_.size(), 1);
  size_ = 1;
  for (std::size_t a = axes_.size(); a-- > 0;) {
    stride_[a] = size_;
    std::size_t n = axes_[a].range->size();
    if (size_ > std::numeric_limits<std::size_t>::max() / n) {
      throw ConfigError("rollout grid: too many points (the axes' sizes overflow at axis '" +
                        axes_[a].name + "')");
    }
    size_ *= n;
  }
}

int RangeGrid::axis_of(const Range* range) const {
  for (std::size_t a = 0; a < axes_.size(); ++a) {
    if (axes_[a].range.get() == range) return static_cast<int>(a);
  }
  return -1;
}

std::size_t RangeGrid::value_index(std::size_t point, std::size_t axis) const {
  return point / stride_[axis] % axes_[axis].range->size();
}

float RangeGrid::value(std::size_t point, std::size_t axis) const {
  return axes_[axis].range->value(value_index(point, axis));
}

std::vector<RolloutParam> RangeGrid::params(std::size_t point) const {
  if (point >= size_) {
    throw ValueError("RangeGrid::params: point " + std::to_string(point) + " of a grid of " +
                     std::to_string(size_) + " points");
  }
  std::vector<RolloutParam> out;
  out.reserve(axes_.size());
  for (std::size_t a = 0; a < axes_.size(); ++a) out.push_back({axes_[a].name, value(point, a)});
  return out;
}

}  // namespace phantom
