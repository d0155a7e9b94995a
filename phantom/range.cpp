#include "phantom/range.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "phantom/format.hpp"

namespace phantom {

namespace {

constexpr double kMaxCount = static_cast<double>(kMaxRangeValues);

// "UniformRange 'price'" or "UniformRange", the prefix of every message.
std::string label(const char* kind, const std::string& name) {
  return name.empty() ? std::string(kind) : std::string(kind) + " '" + name + "'";
}

// The values are floats, so start and end must be finite and within the float range (then so is
// every value between them, and end - start cannot overflow).
void check_bound(const char* kind, const std::string& name, const char* what, double x) {
  if (!(std::isfinite(x) && std::fabs(x) <= FLT_MAX)) {
    throw ConfigError(label(kind, name) + ": " + what + " = " + double_string(x) +
                      ", expected a finite number within the float range");
  }
}

// The distance from |x| to the next larger double.
double ulp_at(double x) {
  const double a = std::fabs(x);
  return std::nextafter(a, std::numeric_limits<double>::infinity()) - a;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Range

float Range::value(std::size_t i) const {
  if (i >= size()) {
    throw ValueError(label(kind(), name_) + ": index " + std::to_string(i) +
                     " is out of range for " + std::to_string(size()) + " values");
  }
  return value_unchecked(i);
}

std::vector<float> Range::values() const {
  std::size_t n = size();
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = value_unchecked(i);
  return out;
}

std::string Range::to_string() const {
  if (name_.empty()) return std::string("<") + kind() + ">";
  return std::string("<") + kind() + " name='" + name_ + "'>";
}

// ---------------------------------------------------------------------------------------------
// UniformRange

UniformRange::UniformRange(double start, double end, double step, std::string name)
    : UniformRange(start, end, step, std::move(name), false) {}

UniformRange::UniformRange(double start, double end, double step, std::string name, bool unit_array)
    : Range(std::move(name), unit_array), start_(start), end_(end), step_(step) {
  const char* k = unit_array ? "UnitArrayUniformRange" : "UniformRange";
  check_bound(k, this->name(), "start", start);
  check_bound(k, this->name(), "end", end);
  if (!std::isfinite(step) || step == 0.0) {
    throw ConfigError(label(k, this->name()) + ": step = " + double_string(step) +
                      ", expected a finite non-zero number");
  }
  // The count is computed, never found by stepping: each check below is a few operations.
  const double q = (end - start) / step;  // the count before rounding; <= 0 means no values
  auto too_many = [&] {
    return ConfigError(label(k, this->name()) + ": (end - start) / step = " + double_string(q) +
                       ", more than the " + std::to_string(kMaxRangeValues) +
                       " values a Range may hold");
  };
  if (q > kMaxCount + 1.0) throw too_many();  // (ceil(q) may still lose one below)
  const double spacing = std::max(std::fabs(start), std::fabs(end));
  // Successive values start + i * step must differ. Each is rounded twice (the product, then the
  // sum), by at most one unit in the last place of `spacing`'s order each, so a step of more than
  // four such units always advances; with a smaller one, neighbours can round to the same double
  // (numpy.arange(1e30, 1e30 + 1e15, 1) would hold the same value millions of times). Only
  // matters for a range of two values or more.
  if (q > 1.0 && !(std::fabs(step) > 4.0 * ulp_at(spacing))) {
    throw ConfigError(label(k, this->name()) + ": step = " + double_string(step) +
                      " is too small to advance from " + double_string(start) + " to " +
                      double_string(end) + " (doubles there are " + double_string(ulp_at(spacing)) +
                      " apart): its values cannot be represented");
  }
  double n = q > 0.0 ? std::ceil(q) : 0.0;
  // ceil(q) is numpy's count, but q itself is rounded: the value at index n - 1 can land on or
  // past end (numpy.arange(1, 1.3, 0.1) ends with 1.3000000000000003), or the one at index n
  // can still be before it. With the step checked above, q is off by less than one, so one
  // correction either way is enough.
  auto before_end = [&](double i) {
    double v = start + i * step;
    return step > 0.0 ? v < end : v > end;
  };
  if (n > 0.0 && !before_end(n - 1.0)) {
    n -= 1.0;
  } else if (before_end(n)) {
    n += 1.0;
  }
  if (n > kMaxCount) throw too_many();
  size_ = static_cast<std::size_t>(n);
}

float UniformRange::value_unchecked(std::size_t i) const {
  return static_cast<float>(start_ + static_cast<double>(i) * step_);
}

UnitArrayUniformRange::UnitArrayUniformRange(double start, double end, double step,
                                             std::string name)
    : UniformRange(start, end, step, std::move(name), true) {}

// ---------------------------------------------------------------------------------------------
// LinspaceRange

LinspaceRange::LinspaceRange(double start, double end, int64_t n, std::string name)
    : LinspaceRange(start, end, n, std::move(name), false) {}

LinspaceRange::LinspaceRange(double start, double end, int64_t n, std::string name, bool unit_array)
    : Range(std::move(name), unit_array), start_(start), end_(end), n_(n) {
  const char* k = unit_array ? "UnitArrayLinspaceRange" : "LinspaceRange";
  check_bound(k, this->name(), "start", start);
  check_bound(k, this->name(), "end", end);
  if (n < 1) {
    throw ConfigError(label(k, this->name()) + ": n = " + std::to_string(n) +
                      ", expected at least 1 value");
  }
  if (n > kMaxRangeValues) {
    throw ConfigError(label(k, this->name()) + ": n = " + std::to_string(n) + ", more than the " +
                      std::to_string(kMaxRangeValues) + " values a Range may hold");
  }
}

float LinspaceRange::value_unchecked(std::size_t i) const {
  if (n_ == 1) return static_cast<float>(start_);
  if (static_cast<int64_t>(i) == n_ - 1) return static_cast<float>(end_);  // exactly end
  // numpy: step = delta / div, y = i * step + start; if step underflows to 0 while delta does
  // not, it computes (i / div) * delta instead.
  double div = static_cast<double>(n_ - 1);
  double delta = end_ - start_;
  double step = delta / div;
  double di = static_cast<double>(i);
  double y = step == 0.0 ? di / div * delta : di * step;
  return static_cast<float>(y + start_);
}

UnitArrayLinspaceRange::UnitArrayLinspaceRange(double start, double end, int64_t n,
                                               std::string name)
    : LinspaceRange(start, end, n, std::move(name), true) {}

// ---------------------------------------------------------------------------------------------
// Factories

std::shared_ptr<const UniformRange> uniform_range(double start, double end, double step,
                                                  std::string name) {
  return std::make_shared<const UniformRange>(start, end, step, std::move(name));
}

std::shared_ptr<const LinspaceRange> linspace_range(double start, double end, int64_t n,
                                                    std::string name) {
  return std::make_shared<const LinspaceRange>(start, end, n, std::move(name));
}

std::shared_ptr<const UnitArrayUniformRange> unit_array_uniform_range(double start, double end,
                                                                      double step,
                                                                      std::string name) {
  return std::make_shared<const UnitArrayUniformRange>(start, end, step, std::move(name));
}

std::shared_ptr<const UnitArrayLinspaceRange> unit_array_linspace_range(double start, double end,
                                                                        int64_t n,
                                                                        std::string name) {
  return std::make_shared<const UnitArrayLinspaceRange>(start, end, n, std::move(name));
}

}  // namespace phantom
