// Piecewise and polynomial schedules (see schedule.hpp).
#include "trainers/sampling/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "nn/error.hpp"
#include "nn/libm.hpp"
#include "phantom/format.hpp"

namespace phantom {

PiecewiseSchedule::PiecewiseSchedule(std::vector<std::pair<int64_t, double>> endpoints,
                                     double outside_value)
    : endpoints_(std::move(endpoints)), outside_value_(outside_value) {
  if (endpoints_.empty()) throw ConfigError("PiecewiseSchedule: at least one endpoint is needed");
  for (std::size_t i = 1; i < endpoints_.size(); ++i) {
    if (endpoints_[i].first < endpoints_[i - 1].first) {
      throw ConfigError(
          "PiecewiseSchedule: endpoint timesteps must be in ascending order, but "
          "endpoint " +
          std::to_string(i) + " (t = " + std::to_string(endpoints_[i].first) +
          ") comes after t = " + std::to_string(endpoints_[i - 1].first));
    }
  }
}

double PiecewiseSchedule::value(int64_t t) const {
  for (std::size_t i = 0; i + 1 < endpoints_.size(); ++i) {
    int64_t lo = endpoints_[i].first, hi = endpoints_[i + 1].first;
    if (lo <= t && t < hi) {
      // hi > lo here, so the division is safe; the differences are exact in double for any
      // realistic timestep (below 2^53).
      double alpha = static_cast<double>(t - lo) / static_cast<double>(hi - lo);
      double v0 = endpoints_[i].second, v1 = endpoints_[i + 1].second;
      return v0 + alpha * (v1 - v0);
    }
  }
  return outside_value_;
}

PolynomialSchedule::PolynomialSchedule(int64_t schedule_timesteps, double final_value,
                                       double initial_value, double power)
    : schedule_timesteps_(schedule_timesteps),
      final_(final_value),
      initial_(initial_value),
      power_(power) {
  if (schedule_timesteps <= 0) {
    throw ConfigError("PolynomialSchedule: schedule_timesteps = " +
                      std::to_string(schedule_timesteps) + ", expected > 0");
  }
  if (!(power > 0.0)) {
    throw ConfigError("PolynomialSchedule: power = " + double_string(power) + ", expected > 0");
  }
}

double PolynomialSchedule::value(int64_t t) const {
  double progress = static_cast<double>(std::min(t, schedule_timesteps_)) /
                    static_cast<double>(schedule_timesteps_);
  return final_ + (initial_ - final_) * nn::libm::pow(1.0 - progress, power_);
}

}  // namespace phantom
