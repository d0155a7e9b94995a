// Schedules: a number that changes with the training timestep.
//
// Exploration anneals: epsilon falls from 1 to a small value as training goes on, a noise scale
// shrinks, and so on. A Schedule turns "the number of env steps sampled so far" into that value,
// so an exploration class asks schedule.value(t) instead of each class hard-coding its own ramp.
//
//   ConstantSchedule     always the same value
//   PiecewiseSchedule    linear between listed (t, value) points, a fixed value outside them
//   PolynomialSchedule   from `initial` to `final` over T steps along (1 - t/T)^power
//   LinearSchedule       the polynomial one with power 1
//
// Schedules are immutable after construction; value() is a pure function of t. Invalid
// arguments throw ConfigError naming the parameter and the value.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace phantom {

/// A value as a function of the timestep.
class Schedule {
 public:
  virtual ~Schedule() = default;
  /// The value at timestep t (any t, including negative ones).
  virtual double value(int64_t t) const = 0;
};

/// The same value at every timestep.
class ConstantSchedule final : public Schedule {
 public:
  explicit ConstantSchedule(double value) : value_(value) {}
  double value(int64_t) const override { return value_; }

 private:
  double value_;
};

/// Linear interpolation between endpoints (t_0, v_0), (t_1, v_1), ... with t_0 <= t_1 <= ...
///
/// value(t) interpolates on the first segment with t_i <= t < t_{i+1}:
///   v_i + (t - t_i) / (t_{i+1} - t_i) * (v_{i+1} - v_i)
/// and is `outside_value` when no segment holds t: at or after the last endpoint, and also
/// before the first one (so a schedule meant to start at its first value must put it at the
/// earliest timestep it will be asked about). Repeated timesteps are allowed; the empty segment
/// they form is never chosen, so they mark a jump.
class PiecewiseSchedule final : public Schedule {
 public:
  /// Throws ConfigError if `endpoints` is empty or its timesteps are not in ascending order.
  PiecewiseSchedule(std::vector<std::pair<int64_t, double>> endpoints, double outside_value);

  double value(int64_t t) const override;

  const std::vector<std::pair<int64_t, double>>& endpoints() const { return endpoints_; }
  double outside_value() const { return outside_value_; }

 private:
  std::vector<std::pair<int64_t, double>> endpoints_;
  double outside_value_;
};

/// final + (initial - final) * (1 - min(t, T) / T)^power: `initial` at t = 0, `final` from t = T
/// on. Negative t is not clamped (the value then lies beyond `initial`), as in RLlib.
class PolynomialSchedule : public Schedule {
 public:
  /// Throws ConfigError unless schedule_timesteps > 0 and power > 0 (with power <= 0 the value
  /// would not reach `final` at T).
  PolynomialSchedule(int64_t schedule_timesteps, double final_value, double initial_value,
                     double power);

  double value(int64_t t) const override;

  int64_t schedule_timesteps() const { return schedule_timesteps_; }

 private:
  int64_t schedule_timesteps_;
  double final_;
  double initial_;
  double power_;
};

/// A straight line from `initial` at t = 0 to `final` at t = T, then `final`.
class LinearSchedule final : public PolynomialSchedule {
 public:
  /// Throws ConfigError unless schedule_timesteps > 0.
  LinearSchedule(int64_t schedule_timesteps, double final_value, double initial_value)
      : PolynomialSchedule(schedule_timesteps, final_value, initial_value, 1.0) {}
};

}  // namespace phantom
